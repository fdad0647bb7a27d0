"""Split an article into passages along its headings and paragraphs.

Each passage stays under ``max_chars`` (about 200 tokens: well inside the embedding model's
512-token window) and repeats the tail of the previous passage of the same section
(``overlap_chars``), so a fact that straddles a cut is still whole in one of them. Every
passage carries its heading path ("Returns > How to start a return").
"""

import hashlib
import re
from dataclasses import dataclass

MAX_CHARS = 900
OVERLAP_CHARS = 150
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Passage:
    heading: str
    text: str

    @property
    def embedding_input(self) -> str:
        return f"{self.heading}\n{self.text}" if self.heading else self.text

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.embedding_input.encode()).hexdigest()


def _sections(title: str, body: str) -> list[tuple[str, list[str]]]:
    """(heading path, paragraphs) per section; fenced code stays one paragraph."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, list[str]]] = []
    paragraphs: list[str] = []
    current: list[str] = []
    in_fence = False

    def heading_path() -> str:
        names = [title] + [name for _, name in path]
        # The article's own H1 usually repeats the title.
        if len(names) > 1 and names[1].strip().lower() == title.strip().lower():
            names.pop(1)
        return " > ".join(n for n in names if n)

    def flush_paragraph() -> None:
        if current:
            text = "\n".join(current).strip()
            if text:
                paragraphs.append(text)
            current.clear()

    def flush_section() -> None:
        flush_paragraph()
        if paragraphs:
            sections.append((heading_path(), list(paragraphs)))
            paragraphs.clear()

    for line in body.replace("\r\n", "\n").split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
            current.append(line)
            continue
        match = None if in_fence else HEADING.match(line)
        if match:
            flush_section()
            level = len(match.group(1))
            path[:] = [(lvl, name) for lvl, name in path if lvl < level]
            path.append((level, match.group(2).strip()))
        elif not in_fence and not line.strip():
            flush_paragraph()
        else:
            current.append(line)
    flush_section()
    return sections


def _pieces(paragraph: str, max_chars: int) -> list[str]:
    """A paragraph cut at sentence ends (words, for a monster sentence) to fit ``max_chars``."""
    if len(paragraph) <= max_chars:
        return [paragraph]
    pieces: list[str] = []
    for sentence in SENTENCE_END.split(paragraph):
        while len(sentence) > max_chars:
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces


def _tail(text: str, overlap_chars: int) -> str:
    """The last sentences of ``text`` that fit in ``overlap_chars``."""
    if overlap_chars <= 0:
        return ""
    tail = ""
    for sentence in reversed(SENTENCE_END.split(text)):
        candidate = f"{sentence} {tail}".strip()
        if len(candidate) > overlap_chars:
            break
        tail = candidate
    return tail


def chunk_article(
    title: str, body: str, *, max_chars: int = MAX_CHARS, overlap_chars: int = OVERLAP_CHARS
) -> list[Passage]:
    passages: list[Passage] = []
    for heading, paragraphs in _sections(title, body):
        buffer = ""
        for piece in (p for paragraph in paragraphs for p in _pieces(paragraph, max_chars)):
            if buffer and len(buffer) + 2 + len(piece) > max_chars:
                passages.append(Passage(heading, buffer))
                overlap = _tail(buffer, overlap_chars)
                buffer = f"{overlap}\n\n{piece}" if overlap and len(overlap) + 2 + len(piece) <= max_chars else piece
            else:
                buffer = f"{buffer}\n\n{piece}" if buffer else piece
        if buffer:
            passages.append(Passage(heading, buffer))
    if not passages and title.strip():
        passages.append(Passage(title.strip(), title.strip()))
    return passages
