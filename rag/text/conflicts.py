"""Whether two sentences on one point say different things, and what the point is.

- ``number``: both give a figure for one quantity ("15 people were killed", "the death toll
  rose to 19") and no reading fits both (``rag.text.figures`` reads them).
- ``date``: one event ("signed", "began" and "started", "the new EU sanctions") on
  different days, months, years or weekdays; a month and a day in that month agree. Not
  where the verbs before the dates name two events ("appointed", "resigned"), nor for a
  date of what is said ("said on Monday") or of a figure ("70 tonnes in 2022").
- ``negation``: one negates or reverses what the other says of the same thing ("did not
  attend", "attended"; "failed to agree", "agreed"; "no one was hurt", "were hurt"; "denied",
  "confirmed"; "rose", "fell"; "unchanged", "cut"; "broke down", "succeeded"); a sentence
  that negates anything does not assert what the other negates.
- ``assessment``: opposite judgements ("lacks the instruments to", "is capable of";
  "unlikely", "likely"; "a victory", "a defeat"; "overvalued", "undervalued"; "good", "bad";
  "unrealistic", "realistic"; "will not", "will").

Of the same thing: the same subject and a word in common beyond it, or two words in common
and subjects that are names (which vary: "Moscow", "Russia") or not given, or three words in
common and the first word of each subject (after any verb) in the other sentence; a name in
common where both name any ("confirmed" and "denied" may be two speakers'); not where each
subject starts with a word the other sentence lacks ("wheat", "barley"). Dates that differ
beside figures or claims that differ tell two times apart, and nothing conflicts ("exports
rose in March", "exports fell in April"), as do ordinals and regions ("the first line", "the
second line"; "in the north", "in the south"). A sentence is read once (cached), up to its
first ``LONGEST`` characters and ``MOST_FIGURES`` figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.text import figures
from rag.text.figures import content, words
from rag.text.sentences import STOPWORDS

_NEG = words("not never no cannot neither nor nobody")
_ARTICLES = words("a an the")
_AUXILIARY = _NEG | words("is are was were be been will would has have had did does do can could")
_LEADING = _AUXILIARY | _ARTICLES
_MODAL = ("wo", "ca", "could", "should", "might", "may", "would", "will")
#: Words after a negation that do not say what it negates ("not only", "did not say", "did
#: not immediately respond": not yet).
_NOT_NEGATED = words("""only just until least doubt matter one less more say said comment
    specify disclose know elaborate give immediately""")
_ADVERBS = words("yet ever even always necessarily also fully longer still")
_COPULAS = words("remains remain stays stay seems seem appears appear looks becomes become became")
#: Words between a negation and the word it negates ("has not yet been approved").
_SKIPPED = (_LEADING | _ADVERBS | words("being very so too to")) - _NOT_NEGATED
_RISE = """rose rise rises risen rising increased increase grew grow growing expanded raised
    raise surged soared jumped climbed accelerated"""
_FALL = """fell fall falls fallen falling decreased decrease declined dropped shrank contracted
    cut plunged plummeted slumped tumbled slowed"""
#: Opposed words and phrases: concept, kind, the words for it, the words against it; a
#: change of either sign is against "unchanged".
_OPPOSITES = (
    ("confirm", "negation", "confirmed confirms confirm", "denied denies deny"),
    ("rise", "negation", _RISE, f"{_FALL} waning lowered slashed"),
    ("change", "negation", f"{_RISE} {_FALL}", "unchanged steady"),
    ("higher", "negation", "higher larger bigger greater above", "lower smaller below"),
    ("approve", "negation", "approved approves approve accepted signed",
     "rejected rejects reject vetoed"),
    ("agree", "negation", "agreed agrees agree", "refused refuses refuse"),
    ("allow", "negation", "allowed allows allow permitted", "barred banned turned_away"),
    ("support", "negation", "supports supported backs backed", "opposes opposed oppose"),
    ("uphold", "negation", "upheld upholds", "overturned overturns"),
    ("succeed", "negation", "succeeded succeeds succeed successfully performed_well worked_well",
     "collapsed collapses collapse failed fail broke_down broken_down"),
    ("contain", "negation", "contained", "spreading spreads"),
    ("improve", "negation", "improved improving improves", "worsened worsening deteriorated"),
    ("open", "negation", "open reopened", "closed shut"),
    ("resume", "negation", "resumed resumes", "suspended halted paused"),
    ("convict", "negation", "convicted", "acquitted"),
    ("able", "assessment", "capable able", "unable incapable lacks lack lacked lacking"),
    ("likely", "assessment", "likely probable", "unlikely improbable"),
    ("possible", "assessment", "possible feasible", "impossible unfeasible"),
    ("victory", "assessment", "victory success triumph", "defeat failure setback"),
    ("strong", "assessment", "strong stronger strengthened strengthen strengthens strength",
     "weak weaker weakened weaken weakens weakness"),
    ("positive", "assessment", "positive optimistic", "negative pessimistic"),
    ("good", "assessment", "good better", "bad worse"),
    ("high", "assessment", "high", "low"),
    ("productive", "assessment", "productive constructive fruitful", "unproductive fruitless"),
    ("bright", "assessment", "bright rosy", "bleak gloomy grim"),
    ("true", "assessment", "true accurate correct", "false untrue inaccurate incorrect"),
    ("fair", "assessment", "fair", "unfair rigged fraudulent"),
    ("peaceful", "assessment", "peaceful", "violent"),
    ("guilty", "assessment", "guilty", "innocent"),
)  # fmt: skip
#: Each word (or two words, "broke down") with the concepts it says, their kinds and signs.
_LEXICON: dict[str, list[tuple[str, str, int]]] = {}
for concept, kind, *sides in _OPPOSITES:
    for sign, said in zip((1, -1), sides, strict=True):
        for word in said.split():
            _LEXICON.setdefault(word.replace("_", " "), []).append((concept, kind, sign))
_PAIRED = {w.split()[0] for w in _LEXICON if " " in w}  # the first words of two-word ones
#: Words that a negation before them does not deny as such.
_UNNEGATED = _LEXICON.keys() | _NOT_NEGATED | STOPWORDS
#: Words that do not make two clauses about the same thing.
_UNSHARED = _AUXILIARY | _LEXICON.keys() | figures.CALENDAR | _ADVERBS | _COPULAS
#: A word that a prefix negates ("unsuccessful", "illegal", "ineffective").
_PREFIXED = re.compile(
    r"un(\w{3,}(?:ful|able|ible|ive|al|ent|ant|ed|ar|ous|ic))|i[nmlr](\w{3,}(?:ible|ive|al|ent|ate))"
)
#: Words opposed only where said of something ("the risk is low", not "low prices" or
#: "markets closed"), and the words before them that say so.
_PREDICATIVE = words("high low open closed shut")
_LINKING = _AUXILIARY | _COPULAS | _ADVERBS | words("very so too")
#: What "lack" needs after it to be a lack of means to do something.
_MEANS = words("to ability capacity means power leverage instruments tools")
Polar = tuple[str, str, int, int, str]  # concept, kind, sign, token index, words as written


@dataclass(frozen=True)
class Conflict:
    """What two sentences disagree on: the kind, the point and each side's value."""

    #: One of ``CONFLICT_KINDS``.
    kind: str
    #: The point in dispute, to follow "Sources disagree on " ("the death toll").
    point: str
    #: What each sentence gives for it, as written ("15", "19").
    values: tuple[str, str]


def conflict(a: str, b: str) -> Conflict | None:
    """How ``a`` and ``b`` (two sentences close in meaning) conflict, or None where they
    agree or may speak of two things."""
    ra, rb = _read(a), _read(b)
    if ra.series and rb.series and ra.series != rb.series:
        return None  # "the first line", "the second line"; "in the north", "in the south"
    dated = figures.apart(ra.dates, rb.dates)
    xy = figures.differing(ra.figures, ra.keys, rb.figures, rb.keys)
    found = Conflict("number", xy[0].label, (xy[0].text, xy[1].text)) if xy else None
    found = found or _claims_conflict(ra, rb)
    if dated and found is None:
        event = figures.same_event(ra.tokens, ra.dates, rb.tokens, rb.dates)
        return Conflict("date", event, (ra.dates[0][1], rb.dates[0][1])) if event else None
    return None if dated else found


#: How much of a text is read (a sentence is shorter), and how many of its figures.
LONGEST = 1000
MOST_FIGURES = 12


@lru_cache(maxsize=4096)
def _read(text: str) -> _Reading:
    return _Reading(text[:LONGEST])


class _Reading:
    """What a sentence gives that may conflict: figures, dates and opposable words."""

    def __init__(self, text: str) -> None:
        self.text, self.tokens = text, figures.read_tokens(text)
        lows = {t[1] for t in self.tokens}
        self.series = lows & figures.SERIES
        #: Stems (classes for deaths and injuries) of the words, to tell what qualifies a figure.
        self.keys = {figures.CLASSES.get(t[2], t[2]) for t in self.tokens}
        self.dates, self.figures = figures.read_when(text, self.tokens, lows, MOST_FIGURES)
        self.polar: list[Polar] = []
        #: The token index of each stem said without a negation before it.
        self.asserted: dict[str, int] = {}
        negation = -9  # the latest negation's token
        for i, (_, low, stem_, _, _, clause) in enumerate(self.tokens):
            negated = i - negation <= 3 and self.tokens[negation][5] == clause
            two = low in _PAIRED and i + 1 < len(self.tokens)
            said = f"{low} {self.tokens[i + 1][1]}" if two else low
            if said in _LEXICON or low in _LEXICON:
                if low.startswith("lack") and not _MEANS & {t[1] for t in self.tokens[i : i + 7]}:
                    continue
                if low in _PREDICATIVE and (i == 0 or self.tokens[i - 1][1] not in _LINKING):
                    continue  # "high inflation"
                end = i + (said in _LEXICON and said != low)
                for concept, kind, sign in _LEXICON[said if end > i else low]:
                    sign = -sign if negated else sign
                    start = negation if negated else i  # "did not approve", "failed to agree"
                    self.polar.append((concept, kind, sign, i, self.phrase(start, end)))
                to = self.text.startswith(" to ", self.tokens[end][4])  # "failed to agree"
                if to and (sign, kind) == (-1, "negation"):
                    self._negation(negation := end)
            elif low in _NEG or low.endswith("n't"):
                negation = i
                self._negation(i)
            elif not negated and low.isalpha() and low not in STOPWORDS:
                self.asserted.setdefault(stem_, i)
                if low.startswith(("over", "under")) and len(low) > 8:  # "overvalued"
                    root, sign = ("^" + low[4:], 1) if low[0] == "o" else ("^" + low[5:], -1)
                    self.polar.append((root, "assessment", sign, i, self.phrase(i, i)))
                elif low[:1] in "ui" and (prefixed := _PREFIXED.fullmatch(low)):
                    positive = "~" + figures.cached_stem(prefixed.group(1) or prefixed.group(2))
                    self.polar.append((positive, "assessment", -1, i, self.phrase(i, i)))
        #: The concepts it says each way; one said both ways is not compared.
        self.signs = {(p[0], p[2]) for p in self.polar}
        #: Whether it negates anything ("not", "denied", "unable").
        self.negates = negation >= 0 or any(p[2] < 0 for p in self.polar if p[0][0] != "~")

    def _negation(self, i: int) -> None:
        """Note what the negation at token ``i`` negates: the first word after it, over
        auxiliaries, adverbs and, after a copula, an article ("is not a threat")."""
        tokens, k = self.tokens, i + 1
        k += tokens[i][1] == "no" and k < len(tokens) and tokens[k][1] == "one"  # "no one was"
        while k - i < 5 and k < len(tokens) and tokens[k][1] in _SKIPPED:
            k += 1
        article = bool({t[1] for t in tokens[i + 1 : k]} & _ARTICLES)
        copula = i > 0 and tokens[i - 1][1] in ("is", "are", "was", "were")
        if k == len(tokens) or tokens[k][5] != tokens[i][5] or (article and not copula):
            return  # "there cannot be a summit"
        word, low, stem_ = tokens[k][:3]
        if not word.isalpha() or not word.islower() or low in _UNNEGATED:
            return  # "not up to date"
        modal = tokens[i][1].startswith(_MODAL) or (i > 0 and tokens[i - 1][1].startswith(_MODAL))
        kind = "assessment" if modal or article else "negation"
        self.polar.append(("~" + stem_, kind, -1, k, self.phrase(i, k)))

    def phrase(self, first: int, word: int) -> str:
        """Tokens ``first``..``word`` as written, with auxiliaries, negations and articles
        before ("did not attend", "was a victory"), and the "of" or "to" after an assessing
        adjective ("is capable of")."""
        tokens = self.tokens
        while first > 0 and word - first < 3 and tokens[first - 1][1] in _LEADING:
            first -= 1
        end = word
        if word + 1 < len(tokens) and tokens[word + 1][1] in ("of", "to"):
            end += any(e[1] == "assessment" for e in _LEXICON.get(tokens[word][1], ()))
        return self.text[tokens[first][3] : tokens[end][4]]


def _claims_conflict(ra: _Reading, rb: _Reading) -> Conflict | None:
    """A word of one sentence opposed in the other, said of the same thing; a negation is
    preferred to an assessment."""
    pairs = [(p, q) for p in ra.polar for q in rb.polar if p[0] == q[0] and p[2] == -q[2]]
    pairs = [
        (p, q) for p, q in pairs if (p[0], q[2]) not in ra.signs and (q[0], p[2]) not in rb.signs
    ]
    pairs += [(p, _asserted(rb, p)) for p in ra.polar if _denies(p, rb)]
    pairs += [(_asserted(ra, q), q) for q in rb.polar if _denies(q, ra)]
    pairs = [(p, q) for p, q in pairs if _same_claim(ra, p[3], rb, q[3], p[0] == "confirm")]
    if not pairs:
        return None
    p, q = min(pairs, key=lambda pair: pair[0][1] == "assessment")
    spoken = p[0] == "confirm"
    plain = min((_negative(x), x[2] < 0, n) for n, x in enumerate((p, q)))[2]  # "collapsed"
    point = _whether((ra, rb)[plain], (p, q)[plain][3], spoken)
    return Conflict(p[1], point, (p[4], q[4]))


def _negative(item: Polar) -> bool:
    """Whether an opposed word's phrase has a negation ("did not collapse")."""
    return any(w in _NEG or w.endswith("n't") for w in item[4].lower().split())


def _denies(negated: Polar, r: _Reading) -> bool:
    """Whether ``negated`` is a negation of a word that ``r`` asserts, negating nothing."""
    return negated[0][0] == "~" and negated[0][1:] in r.asserted and not r.negates


def _asserted(r: _Reading, negated: Polar) -> Polar:
    """The word of ``r`` that asserts what ``negated`` (a negation's word) negates."""
    i = r.asserted[negated[0][1:]]
    return negated[0], negated[1], 1, i, r.phrase(i, i)


def _same_claim(ra: _Reading, i: int, rb: _Reading, j: int, spoken: bool) -> bool:
    """Whether the words around ``ra``'s token ``i`` and ``rb``'s token ``j`` are of one
    thing (see the module's description); the subjects of ``spoken`` words ("confirmed",
    "denied") are two speakers, who may differ."""
    words_a, names_a, subject_a, lead_a = _context(ra, i)
    words_b, names_b, subject_b, lead_b = _context(rb, j)
    if spoken:
        return len(words_a & words_b) >= 2
    if names_a and names_b and not names_a & names_b:
        return False
    if lead_a and lead_b and lead_a not in rb.keys and lead_b not in ra.keys:
        return False  # "wheat prices", "barley prices"
    if subject_a and subject_b and subject_a[0] == subject_b[0]:
        rest_a, rest_b = words_a - {subject_a[0]}, words_b - {subject_a[0]}
        return bool(rest_a & rest_b) or not (rest_a and rest_b)
    if not (subject_a and subject_b) or (subject_a[1] and subject_b[1]):
        return len(words_a & words_b) >= 2
    return lead_a in rb.keys and lead_b in ra.keys and len(words_a & words_b) >= 3


@lru_cache(maxsize=8192)
def _context(r: _Reading, i: int) -> tuple[set[str], set[str], tuple[str, bool] | None, str | None]:
    """Stems of the content words around token ``i`` (from its clause's start), those of
    the names, the subject's stem before it with whether it is a name, and the first word
    before it after any verb, which may tell two things apart ("wheat prices")."""
    clause, first = r.tokens[i][5], max(0, i - 6)
    near = [(k, t) for k, t in enumerate(r.tokens[first : i + 17], first) if t[5] >= clause]
    near = [(k, t) for k, t in near if k != i and content(t) and t[1] not in _UNSHARED]
    words = {t[2] for _, t in near if t[2] != r.tokens[i][2]}
    names = {t[2] for _, t in near if t[0][0].isupper()}
    before = [(k, t[2], t[0][0].isupper()) for k, t in near if k < i and not _verbal(r, k)]
    verb = max((k for k, _ in near if k < i and _verbal(r, k)), default=-1)
    lead = next((b[1] for b in before if b[0] > verb), None)
    return words, names, before[-1][1:] if before else None, lead


def _verbal(r: _Reading, k: int) -> bool:
    """Whether token ``k`` is likely a verb or an adverb, no subject ("pleaded", "will plead",
    "still")."""
    low = r.tokens[k][1]
    verb = low in _SKIPPED or low in _COPULAS or low.endswith("ed")
    return verb or (k > 0 and r.tokens[k - 1][1] in _AUXILIARY)


def _whether(r: _Reading, i: int, spoken: bool) -> str:
    """The point of an opposed word: "whether" and its clause from a few words before it,
    or for a ``spoken`` word what is said ("denied that the talks failed", "denied the report")."""
    tokens, back = r.tokens, 5
    if spoken and i + 2 < len(tokens):
        i, back = i + 1 + (tokens[i + 1][1] == "that"), 0
    start, end, clause = i, i, tokens[i][5]
    while start > 0 and tokens[start - 1][5] == clause:  # "the merger of the two firms is"
        before, first = tokens[start - 1][1], tokens[start][1]
        if i - start >= back and before not in _ARTICLES and "of" not in (before, first):
            break
        start -= 1
    while end + 1 < len(tokens) and end - i < 6 and tokens[end + 1][5] == clause:
        if tokens[end + 1][1] in ("and", "or"):
            break
        end += 1
    while end > i and not content(tokens[end]):
        end -= 1
    text = r.text[tokens[start][3] : tokens[end][4]]
    lead = "whether " if back or tokens[i - 1][1] == "that" else ""
    return lead + (text[0].lower() + text[1:] if tokens[start][1] in STOPWORDS else text)
