"""Files of a test: the repository, the seed articles, and files and corpora it writes."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEEDS = sorted((REPO / "corpus").glob("*.md"))


def write(path: Path, text: str | bytes) -> Path:
    """Write ``text`` (UTF-8) or bytes to ``path``, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def article(title: str, outlet: str, published: str, body: str) -> str:
    """A Markdown article with front matter."""
    return f"---\ntitle: {title}\noutlet: {outlet}\npublished: {published}\n---\n\n{body}\n"


def make_corpus(folder: Path, count: int, paragraphs: int = 6) -> list[Path]:
    """``count`` distinct Markdown articles built from the seed texts' sentences."""
    sentences = [
        s.strip() + "."
        for seed in SEEDS
        for s in seed.read_text(encoding="utf-8").split("---")[-1].split(".")
        if len(s.split()) > 6
    ]
    paths = []
    for i in range(count):
        body = []
        for p in range(paragraphs):
            picked = [sentences[(i * 7 + p * 5 + k) % len(sentences)] for k in range(4)]
            body.append(f"Dispatch {i}.{p}: " + " ".join(picked))
        text = f"---\ntitle: Article {i}\noutlet: Test Wire\n---\n\n" + "\n\n".join(body) + "\n"
        paths.append(write(folder / f"article-{i:03d}.md", text))
    return paths
