"""Answers quoted from the knowledge base: the facts of the best passage, and the article named.

The offline agent replies with this, and an LLM agent gets the same passages to quote, so a
shopper always learns where an answer comes from ("From our article “Returns”: …").
"""

import math
import re
from dataclasses import dataclass

from knowledge.embeddings import EmbeddingError, get_provider
from knowledge.search import SearchResult, clean_query, search
from tenants.models import Tenant

# Below this cosine similarity (multilingual-e5-small scale) the best passage is only loosely
# related; the caller should ask a clarifying question or hand off instead of quoting it.
MIN_SIMILARITY = 0.80
MAX_SENTENCES = 2
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


@dataclass(frozen=True)
class GroundedAnswer:
    text: str  # ready to send: the quoted facts, then the article's name
    quote: str
    article_id: int
    title: str
    link: str
    passages: list[SearchResult]


def _plain_lines(markdown: str) -> list[str]:
    """Markdown passage → plain statements: table rows become "cell — cell", list marks go."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):
            continue
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            line = " — ".join(cell for cell in cells if cell)
        line = re.sub(r"^([-*+]|\d+[.)])\s+", "", line)
        line = re.sub(r"(\*\*|__|`)", "", line)
        line = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line)
        lines.append(line)
    return lines


def _statements(markdown: str) -> list[str]:
    statements = []
    for line in _plain_lines(markdown):
        statements.extend(part.strip() for part in SENTENCE_END.split(line) if part.strip())
    return statements


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _best_statements(question: str, statements: list[str]) -> list[str]:
    """The statements closest to the question (by embedding; by shared words if that fails), in text order."""
    if len(statements) <= MAX_SENTENCES:
        return statements
    provider = get_provider()
    try:
        query = provider.embed_query(question)
        scores = [_cosine(query, vector) for vector in provider.embed_passages(statements)]
    except EmbeddingError:
        words = set(re.findall(r"\w+", question.lower()))
        scores = [len(words & set(re.findall(r"\w+", s.lower()))) for s in statements]
    chosen = sorted(sorted(range(len(statements)), key=lambda i: -scores[i])[:MAX_SENTENCES])
    return [statements[i] for i in chosen]


def grounded_answer(*, tenant: Tenant, question: str, k: int = 3) -> GroundedAnswer | None:
    """None when nothing in the knowledge base answers well enough to quote."""
    question = clean_query(question)  # as search() embeds it: one vector, memoised
    passages = search(tenant=tenant, query=question, k=k)
    if not passages:
        return None
    best = passages[0]
    if best.similarity is not None and best.similarity < MIN_SIMILARITY:
        return None
    statements = _best_statements(question, _statements(best.text))
    if not statements:
        return None
    quote = " ".join(s if s[-1] in ".!?:" else f"{s}." for s in statements)
    text = f"From our help article “{best.title}”: {quote}"
    return GroundedAnswer(
        text=text, quote=quote, article_id=best.article_id, title=best.title, link=best.link, passages=passages
    )
