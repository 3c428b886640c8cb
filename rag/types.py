"""Plain data shared by every layer."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: Article metadata fields, in the order they are shown and stored.
METADATA_FIELDS = ("title", "outlet", "author", "published", "url", "language", "translated_from")


@dataclass(frozen=True)
class Article:
    """One article as read from the corpus, before splitting."""

    id: str
    source: str
    text: str
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    language: str | None = None
    translated_from: str | None = None
    #: Character offset at which each page starts (PDF only; page n starts at page_starts[n-1]).
    page_starts: tuple[int, ...] = ()

    def metadata(self) -> dict[str, str]:
        """The metadata fields that are set, without the text."""
        values = {name: getattr(self, name) for name in METADATA_FIELDS}
        return {name: value for name, value in values.items() if value}

    def page_at(self, offset: int) -> int | None:
        """1-based page holding the character at ``offset``, or None when not paged."""
        if not self.page_starts:
            return None
        return sum(1 for start in self.page_starts if start <= offset) or 1


#: The kinds of attributed span: a quotation, reported speech, a claim of unnamed sources,
#: and another outlet's claim relayed.
ATTRIBUTION_KINDS = ("direct", "reported", "anonymous", "relayed")
#: How each kind reads beside its speaker ("Gaziz Abishev, political commentator (quoted)").
KIND_WORDS = {"direct": "quoted", "reported": "reported", "anonymous": "unnamed source",
              "relayed": "relayed from another outlet"}  # fmt: skip


@dataclass(frozen=True)
class Attribution:
    """A span of text that someone else says: who, and how the text says it."""

    start: int
    end: int
    #: One of ``ATTRIBUTION_KINDS``.
    kind: str
    #: The fullest name the article gives ("Gaziz Abishev"), an outlet or channel
    #: ("Razvedchik"), or the unnamed sources as written ("insiders"); "" when unknown.
    speaker: str
    #: The speaker's role as the article gives it ("political commentator"), else "".
    role: str = ""
    #: Whether the span carries the attribution of the sentence before it in its paragraph
    #: (no cue of its own).
    continued: bool = False

    def label(self, outlet: str | None) -> str:
        """Who says it, as an answer names them before their words ("Political commentator
        Gaziz Abishev (Caliber.Az)"); ``outlet`` is the publishing outlet, if known."""
        where = f" ({outlet})" if outlet else ""
        if self.kind == "anonymous":
            return f"{self.speaker[:1].upper()}{self.speaker[1:]}, not named{where}"
        if self.kind == "relayed":
            named = f"{self.role} {self.speaker}".strip()
            return f"{named[:1].upper()}{named[1:]}, as relayed by {outlet}" if outlet else named
        named = f"{self.role} {self.speaker}".strip() if self.speaker else "An unnamed speaker"
        return f"{named[:1].upper()}{named[1:]}{where}"

    def said_by(self) -> str:
        """Who says it and how, as a source card shows it: "Gaziz Abishev, political
        commentator (quoted)"."""
        who = f"{self.speaker}, {self.role}" if self.role else self.speaker
        return f"{who} ({KIND_WORDS[self.kind]})"

    def shifted(self, by: int) -> Attribution:
        """The same attribution with its offsets moved by ``by`` (article to passage)."""
        return dataclasses.replace(self, start=self.start + by, end=self.end + by)


#: How a time expression's date is known: written out in the text ("on 4 March 2025",
#: "in 2022"), or resolved from a relative one ("on Tuesday", "last year") against the
#: article's publication date.
DATE_HOWS = ("stated", "resolved")


@dataclass(frozen=True)
class TimeRef:
    """A time expression in a text and the date it names."""

    start: int
    end: int
    #: The date named, in ISO form as precise as the text is: "2025-03-04" (a day),
    #: "2025-03" (a month) or "2025" (a year).
    date: str
    #: One of ``DATE_HOWS``.
    how: str

    def shifted(self, by: int) -> TimeRef:
        """The same expression with its offsets moved by ``by`` (article to passage)."""
        return dataclasses.replace(self, start=self.start + by, end=self.end + by)


@dataclass(frozen=True)
class Passage:
    """A span of an article, the unit that is embedded, retrieved and cited."""

    id: str
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int
    source: str
    page: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    #: Offsets into ``text`` at which a later page starts (PDF only).
    page_breaks: tuple[int, ...] = ()
    #: Whether the passage ends its article (its last words end a sentence, full stop or not).
    ends_article: bool = False
    #: The article's quotations that reach into the passage, as (open, close) offsets into
    #: ``text`` (they may lie beyond it); None when not recorded (an index built before).
    quotations: tuple[tuple[int, int], ...] | None = None
    #: Who says what in the passage: the article's attributed spans that reach into it, in
    #: ``text``'s offsets (they may lie beyond it); None when not recorded.
    attributions: tuple[Attribution, ...] | None = None
    #: The article's time expressions inside the passage, in ``text``'s offsets, with the
    #: dates they name; None when not recorded (an index built before).
    dates: tuple[TimeRef, ...] | None = None

    def __post_init__(self) -> None:  # tuples and dataclasses again, as read from JSON
        object.__setattr__(self, "page_breaks", tuple(self.page_breaks))
        if self.dates is not None:
            when = tuple(d if isinstance(d, TimeRef) else TimeRef(**d) for d in self.dates)
            object.__setattr__(self, "dates", when)
        if self.attributions is not None:
            said = tuple(
                a if isinstance(a, Attribution) else Attribution(**a) for a in self.attributions
            )
            object.__setattr__(self, "attributions", said)
        if self.quotations is not None:
            spans = tuple((int(a), int(b)) for a, b in self.quotations)
            object.__setattr__(self, "quotations", spans)

    def page_at(self, offset: int) -> int | None:
        """The page holding the character at ``offset`` of ``text``; None when not paged."""
        if self.page is None:
            return None
        return self.page + sum(1 for start in self.page_breaks if start <= offset)

    def attribution(self) -> str:
        """Who published the passage, and when: title, outlet, author and date, as words
        (what an answer may name when it says "The Daily Ledger reported…")."""
        fields = [self.metadata.get(name) for name in ("title", "outlet", "author")]
        fields.append(spoken_date(self.metadata.get("published")))
        return ". ".join(value for value in fields if value)

    def embedding_text(self) -> str:
        """What the embedder sees: the article title (if any) above the passage."""
        title = self.metadata.get("title")
        return f"{title}\n\n{self.text}" if title else self.text


def headers(passages: Sequence[Passage]) -> list[str]:
    """The ``attribution`` of each passage."""
    return [passage.attribution() for passage in passages]


def spoken_date(value: str | None) -> str | None:
    """An ISO date as written in news text ("4 March 2025"); other values as they are."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class FileError:
    """A corpus file (or one record inside it) that could not be ingested, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Filters:
    """Restrictions on what retrieval may return; empty fields restrict nothing."""

    outlets: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    #: Inclusive ISO dates (YYYY-MM-DD) bounding the article's ``published`` date.
    since: str | None = None
    until: str | None = None
    #: People (or sources) quoted or reported in the passage: a whole name or a surname,
    #: either in any case ("Abishev" is "Gaziz Abishev"); see ``rag.index.speakers``.
    speakers: tuple[str, ...] = ()
    #: The ISO day the question is asked as of: relative words in it ("last week",
    #: "latest") are read against it, and nothing published after it is retrieved.
    as_of: str | None = None

    def __bool__(self) -> bool:
        return bool(
            self.outlets or self.articles or self.since or self.until or self.speakers
            or self.as_of
        )  # fmt: skip


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score and where each retriever ranked it."""

    passage: Passage
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    #: Near-duplicates (syndicated or repeated text) collapsed into this passage.
    also_in: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class Source:
    """A passage as shown beside an answer: its display number and supporting spans."""

    number: int
    passage: Passage
    #: (start, end) character offsets into ``passage.text`` that support the answer.
    spans: tuple[tuple[int, int], ...] = ()
    also_in: tuple[Passage, ...] = ()
    #: The page each span starts on (PDF only; empty otherwise).
    pages: tuple[int, ...] = ()
    #: Why the passage is not evidence (it holds text addressed to an AI model, see
    #: ``rag.ingest.injection``), naming the source's number; empty when it is.
    warning: str = ""

    @property
    def page(self) -> int | None:
        """The page of the first supporting span, else of the passage's start."""
        return self.pages[0] if self.pages else self.passage.page


@dataclass(frozen=True)
class Sentence:
    """One sentence of an answer, its citations (display numbers) and how well they support it."""

    text: str
    citations: tuple[int, ...] = ()
    #: 0..1: how strongly the cited passages support the sentence.
    support: float = 0.0
    supported: bool = False
    #: How strongly each cited passage alone supports it, in the order of ``citations``.
    citation_support: tuple[float, ...] = ()
    #: Why the sentence misrepresents its sources whatever its score (words it presents as
    #: a source's that the source does not hold); empty when it does not.
    problem: str = ""
    #: Who says what the sentence rests on, when its support lies in an attributed span
    #: (``rag.check.voices.as_record``: speaker, role, kind, outlet, label, source, span);
    #: None when it is in the source's own voice.
    attribution: dict[str, Any] | None = None

    def words(self) -> str:
        """What the sentence says its source says: the text less the speaker it names first
        (its attribution's label and a colon) and the quotation marks put around the words."""
        label = f"{self.attribution['label']}: " if self.attribution else ""
        if not label or not self.text.startswith(label):
            return self.text
        words = self.text.removeprefix(label)
        if words.startswith("“") and words.endswith("”") and words.count("“") == 1:
            return words[1:-1]
        return words


#: The kinds of conflict between two sources on one point: different figures, different
#: dates, one claim and its negation or antonym, opposite assessments.
CONFLICT_KINDS = ("number", "date", "negation", "assessment")


@dataclass(frozen=True)
class Side:
    """One source's side of a disagreement: its whole sentence, word for word."""

    #: The sentence, exactly as its passage has it.
    text: str
    #: The answer's source number that holds it.
    number: int
    passage_id: str
    #: Where ``text`` lies in the passage's text.
    start: int
    end: int
    outlet: str | None = None
    #: The article's publication date (ISO), if known.
    published: str | None = None
    #: The article's title, if known (what names a source that gives no outlet).
    title: str | None = None
    #: Who says it, as attribution records it ("Gaziz Abishev"); "" when the outlet's own.
    speaker: str = ""
    #: What this side gives for the point in dispute ("15", "4 March", "cannot"), if one.
    value: str = ""
    #: Whether a later report on the same point gives otherwise (figures and dates only).
    superseded: bool = False


@dataclass(frozen=True)
class Disagreement:
    """Two sources (or two speakers in one) that say different things on one point."""

    #: The point in dispute, as words ("the death toll").
    point: str
    #: One of ``CONFLICT_KINDS``.
    kind: str
    sides: tuple[Side, ...]

    def __post_init__(self) -> None:  # dataclasses again, as read from JSON
        sides = tuple(s if isinstance(s, Side) else Side(**s) for s in self.sides)
        object.__setattr__(self, "sides", sides)


@dataclass(frozen=True)
class Answer:
    """What the pipeline returns: checked sentences and the numbered sources they cite."""

    question: str
    text: str
    sentences: tuple[Sentence, ...]
    sources: tuple[Source, ...]
    #: "llm" or "extractive".
    mode: str
    model: str
    #: The question retrieval ran on (a follow-up rewritten to stand alone).
    standalone_question: str = ""
    #: False when the answer is the "cannot answer" sentinel.
    answered: bool = True
    #: Every passage retrieval returned, in rank order (cited or not).
    retrieved: tuple[Passage, ...] = ()
    #: Citation numbers the answerer wrote that did not name a retrieved passage.
    removed_citations: tuple[int, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    #: What the reader must know before trusting the answer: each cited source, and each
    #: retrieved passage, that holds text addressed to an AI model (``rag.ingest.injection``).
    warnings: tuple[str, ...] = ()

    #: Why the offline answerer stood in for the LLM (its error, then "answered offline
    #: instead"); empty when it did not. Left out of ``to_dict`` when empty.
    fallback: str = ""
    #: Where the sources the answer rests on (or retrieved beside them) disagree.
    disagreements: tuple[Disagreement, ...] = ()

    @property
    def unsupported(self) -> tuple[Sentence, ...]:
        """Sentences the citation check could not back with their sources."""
        return tuple(s for s in self.sentences if not s.supported)

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON-ready data (what ``rag ask --json``, ``rag batch`` and the
        app's API give); ``from_dict`` reads it back."""
        data = dataclasses.asdict(self)
        if not self.fallback:
            del data["fallback"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The ``Answer`` that ``to_dict`` (or a JSON record of it) holds; keys that are no
        field (a batch record's ``id``) are ignored. ValueError when it is not a whole answer."""
        try:
            names = {f.name for f in dataclasses.fields(cls)}
            fields = {name: value for name, value in data.items() if name in names}
            sentences = tuple(_sentence(item) for item in fields.pop("sentences"))
            sources = tuple(_source(item) for item in fields.pop("sources"))
            retrieved = tuple(Passage(**item) for item in fields.pop("retrieved", ()))
            removed = tuple(fields.pop("removed_citations", ()))
            warnings = tuple(fields.pop("warnings", ()))
            disputes = tuple(Disagreement(**item) for item in fields.pop("disagreements", ()))
            return cls(**fields, sentences=sentences, sources=sources, retrieved=retrieved,
                       removed_citations=removed, warnings=warnings,
                       disagreements=disputes)  # fmt: skip
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a whole answer ({type(exc).__name__}: {exc})") from None


def _sentence(item: dict[str, Any]) -> Sentence:
    return Sentence(**{**item, "citations": tuple(item["citations"]),
                       "citation_support": tuple(item.get("citation_support", ()))})  # fmt: skip


def _source(item: dict[str, Any]) -> Source:
    spans = tuple((int(a), int(b)) for a, b in item.get("spans", ()))
    also_in = tuple(Passage(**p) for p in item.get("also_in", ()))
    pages = tuple(int(page) for page in item.get("pages", ()))
    warning = str(item.get("warning", ""))
    return Source(item["number"], Passage(**item["passage"]), spans, also_in, pages, warning)
