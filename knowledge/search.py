"""Hybrid retrieval: pgvector HNSW (cosine) and PostgreSQL full text, fused by reciprocal rank.

Both retrievers filter by tenant and article status inside the SQL, and the vector side asks
pgvector for an iterative index scan, so a selective filter cannot starve the HNSW index of
candidates. Stale articles (past their review-by date) are ranked lower or not served at all,
as the tenant chooses. A failing embeddings provider degrades to full text, never to an error.
"""

import logging
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from markdown.extensions.toc import slugify as heading_anchor

from knowledge.embeddings import EmbeddingError, get_provider
from knowledge.models import tenant_lexeme
from supportdesk.errors import ApplicationError
from tenants.models import Tenant

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000
MAX_K = 50
# Reciprocal rank fusion: score = 1/(RRF_K + vector rank) + TEXT_WEIGHT * coverage/(RRF_K + text rank).
# Full text is the weaker retriever for questions in shoppers' own words (it cannot see
# paraphrases), and a long question matches many passages on one incidental word. So a passage
# joins the full-text list only when it matches at least MIN_COVERAGE of the question's words,
# and counts for more the more of them it matches; exact terms (SKUs, "RMA") still pull hard.
# Tuned on bench/data/kb_questions.json, checked on both halves of it (docs/benchmarks.md).
RRF_K = 20
TEXT_WEIGHT = 0.5
MIN_COVERAGE = 0.34
STALE_FACTOR = 0.9
TEXT_SCAN_LIMIT = 500
TEXT_SCORE_LIMIT = 100  # of those, the best by ts_rank_cd have their term coverage counted
MAX_TEXT_TERMS = 12  # a rambling question's rarest dozen distinct words are plenty for full text
# Of those, the index is asked only for the MIN_SEARCH_TERMS rarest and any other found in at most
# COMMON_SHARE of the tenant's passages: a word most passages hold selects nothing, and "any two"
# of a dozen words is 66 pairs for GIN and ts_rank_cd to test.
MIN_SEARCH_TERMS = 6
COMMON_SHARE = 0.02
COMMON_FLOOR = 200
MAX_PER_ARTICLE = 2
MODES = ("hybrid", "vector", "text")


@dataclass(frozen=True)
class SearchResult:
    article_id: int
    title: str
    heading: str
    text: str
    score: float
    link: str
    similarity: float | None  # cosine similarity of the passage to the query, when it has a vector
    stale: bool

    def as_dict(self) -> dict:
        return asdict(self)


# Iterative scans keep reading the HNSW index until enough rows pass the filters.
SETTINGS_SQL = "SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL hnsw.ef_search = %(ef_search)s;\n"

SQL = """
WITH query_terms AS (
    -- The query's distinct words, rarest first by their document frequency among the tenant's
    -- passages (knowledge.models.LexemeCount, kept by triggers). A word the tenant's passages
    -- never use counts 0: it matches nothing, and costs nothing.
    SELECT quote_literal(words.lexeme) AS term, coalesce(counts.passages, 0) AS passages,
           row_number() OVER (ORDER BY coalesce(counts.passages, 0), words.lexeme) AS rarity
    FROM (SELECT DISTINCT lexeme FROM unnest(tsvector_to_array(to_tsvector('english', %(text)s))) lexeme) words
    LEFT JOIN knowledge_lexemecount counts
           ON counts.tenant_id = %(tenant)s AND counts.lexeme = words.lexeme
    ORDER BY rarity
    LIMIT %(max_terms)s
),
searched_terms AS (
    -- The words the index is asked for: the MIN_SEARCH_TERMS rarest the tenant uses, and any
    -- other no more common than COMMON_SHARE of its passages (or COMMON_FLOOR passages). Common
    -- words still count in coverage below.
    SELECT term FROM (
        SELECT term, passages,
               row_number() OVER (ORDER BY passages = 0, rarity) AS rank_in_use
        FROM query_terms
    ) ranked
    WHERE (passages > 0 AND rank_in_use <= %(min_search_terms)s)
       OR passages <= greatest(%(common_floor)s, %(common_share)s * (
           SELECT coalesce(max(passages), 0) FROM knowledge_lexemecount
           WHERE tenant_id = %(tenant)s AND lexeme = %(tenant_lexeme)s
       ))
),
text_query AS (
    -- Any of the words; or, when at least two must match (the coverage rule, 3+ words), any two
    -- of them, so the GIN index skips the thousands of passages that share one common word.
    SELECT CASE
               WHEN %(min_coverage)s > 0 AND count(*) >= 3 THEN (
                   SELECT string_agg('(' || a.term || ' & ' || b.term || ')', ' | ')
                   FROM searched_terms a JOIN searched_terms b ON a.term < b.term
               )
               ELSE string_agg(term, ' | ')
           END::tsquery AS q,
           (SELECT array_agg(term::tsquery) FROM query_terms) AS terms
    FROM searched_terms
),
vector_hits AS (
    SELECT id, distance, row_number() OVER (ORDER BY distance, id) AS rank FROM (
        SELECT c.id, c.embedding <=> %(vector)s::vector AS distance
        FROM knowledge_chunk c
        JOIN knowledge_article a ON a.id = c.article_id
        WHERE c.tenant_id = %(tenant)s
          AND c.embedding_model = %(model)s
          AND a.status = 'published'
          AND (%(serve_stale)s OR a.review_by IS NULL OR a.review_by >= %(today)s)
        ORDER BY c.embedding <=> %(vector)s::vector
        LIMIT %(vector_limit)s
    ) nearest
),
text_matches AS (
    -- The tenant lexeme ANDed into the query (knowledge.models.TENANT_LEXEME_PREFIX) makes the
    -- GIN index itself keep only the tenant's passages: no bitmap of all the tenant's rows to
    -- intersect with, and no other tenant's rows fetched to be thrown away.
    -- At most TEXT_SCAN_LIMIT matching passages are ranked: when a query's words are so common
    -- that more match, full text says little about it, and ranking them all would cost more
    -- than the whole search may take. Vector search carries such queries.
    -- Coverage (the share of the query's terms a passage holds) is counted term by term, so
    -- only for the passages ts_rank_cd puts first.
    SELECT scored.id, scored.score,
           (SELECT count(*) FROM unnest(text_query.terms) term WHERE scored.search_vector @@ term)::float
               / greatest(cardinality(text_query.terms), 1) AS coverage
    FROM (
        SELECT matched.id, matched.search_vector, ts_rank_cd(matched.search_vector, text_query.q) AS score
        FROM (
            SELECT c.id, c.search_vector
            FROM knowledge_chunk c
            JOIN knowledge_article a ON a.id = c.article_id
            CROSS JOIN text_query
            WHERE c.search_vector @@ (text_query.q && quote_literal(%(tenant_lexeme)s)::tsquery)
              AND a.status = 'published'
              AND (%(serve_stale)s OR a.review_by IS NULL OR a.review_by >= %(today)s)
            LIMIT %(text_scan_limit)s
        ) matched
        CROSS JOIN text_query
        ORDER BY score DESC
        LIMIT %(text_score_limit)s
    ) scored
    CROSS JOIN text_query
),
text_hits AS (
    SELECT id, coverage, row_number() OVER (ORDER BY score DESC, id) AS rank FROM (
        SELECT * FROM text_matches WHERE coverage >= %(min_coverage)s ORDER BY score DESC LIMIT %(text_limit)s
    ) matched
),
fused AS (
    SELECT COALESCE(v.id, t.id) AS id,
           COALESCE(1.0 / (%(rrf_k)s + v.rank), 0)
             + COALESCE(%(text_weight)s * t.coverage / (%(rrf_k)s + t.rank), 0) AS score,
           v.distance
    FROM vector_hits v FULL OUTER JOIN text_hits t ON t.id = v.id
)
SELECT c.article_id, a.title, a.slug, c.heading, c.text, a.review_by,
       fused.score * CASE WHEN a.review_by < %(today)s THEN %(stale_factor)s ELSE 1 END AS score,
       fused.distance
FROM fused
JOIN knowledge_chunk c ON c.id = fused.id
JOIN knowledge_article a ON a.id = c.article_id
ORDER BY score DESC, c.id
LIMIT %(fetch)s
"""


def _link(tenant: Tenant, slug: str, heading: str) -> str:
    # Absolute where the server's address is known: links travel by email and into widgets
    # embedded on the store's own site.
    url = settings.PUBLIC_BASE_URL + reverse(
        "knowledge:article", kwargs={"tenant_slug": tenant.slug, "article_slug": slug}
    )
    section = heading.split(" > ")[-1] if " > " in heading else ""
    return f"{url}#{heading_anchor(section, '-')}" if section else url


def clean_query(query: str | None) -> str:
    """The query as both retrievers see it (and as callers must pass it to share its memoised vector).

    NFKC folds full-width and compatibility forms (the full-width "RTX 4090" some phone keyboards
    type) into the letters the passages' words are made of. Control characters become spaces:
    PostgreSQL refuses NUL in text, and the rest are pasting noise. Invisible format characters
    (zero-width spaces, soft hyphens, joiners) go: a soft hyphen inside "refund" leaves "refund",
    and a query of nothing else is empty.
    """
    text = unicodedata.normalize("NFKC", query or "")
    kept = (" " if unicodedata.category(ch) == "Cc" else ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join("".join(kept).split())


def search(
    *, tenant: Tenant, query: str, k: int = 5, mode: str = "hybrid", today: date | None = None
) -> list[SearchResult]:
    """The ``k`` best published passages of ``tenant``'s knowledge base for ``query``."""
    text = clean_query(query)
    if not text:
        raise ApplicationError("The search query is empty.", code="empty_query")
    if len(text) > MAX_QUERY_CHARS:
        raise ApplicationError(f"The search query is longer than {MAX_QUERY_CHARS} characters.", code="query_too_long")
    if not any(ch.isalnum() for ch in text):
        # Emoji or punctuation alone: the nearest passages would be a confident-looking guess.
        raise ApplicationError("The search query has no words to search for.", code="no_words")
    if not 1 <= k <= MAX_K:
        raise ApplicationError(f"k must be between 1 and {MAX_K}.", code="invalid_k")
    if mode not in MODES:
        raise ApplicationError(f"mode must be one of {', '.join(MODES)}.", code="invalid_mode")
    provider = get_provider()
    vector = None
    if mode in ("hybrid", "vector"):
        try:
            vector = provider.embed_query(text)
        except EmbeddingError as exc:
            logger.warning("query embedding failed, full-text search only: %s", exc)
    return rank_passages(tenant=tenant, text=text, vector=vector, model=provider.identity, k=k, mode=mode, today=today)


def rank_passages(
    *,
    tenant: Tenant,
    text: str,
    vector: list[float] | None,
    model: str,
    k: int,
    mode: str = "hybrid",
    today: date | None = None,
) -> list[SearchResult]:
    """The database half of ``search``: both retrievers and the fusion, for an embedded query
    (``vector`` None: full text only). Separate so benchmarks can time the SQL on its own."""
    candidates = max(settings.KB_CANDIDATES, k * 4)
    use_vector = vector is not None and mode in ("hybrid", "vector")
    params = {
        "tenant": tenant.pk,
        "tenant_lexeme": tenant_lexeme(tenant.pk),
        "text": text,
        "vector": str(vector if use_vector else [0.0] * 384),
        "model": model,
        "vector_limit": candidates if use_vector else 0,
        "text_limit": candidates if mode in ("hybrid", "text") else 0,
        "serve_stale": tenant.stale_articles != Tenant.StaleArticles.HIDE,
        "today": today or timezone.localdate(),
        "rrf_k": RRF_K,
        "text_weight": TEXT_WEIGHT,
        "min_coverage": MIN_COVERAGE if mode == "hybrid" else 0,
        "max_terms": MAX_TEXT_TERMS,
        "min_search_terms": MIN_SEARCH_TERMS,
        "common_share": COMMON_SHARE,
        "common_floor": COMMON_FLOOR,
        "text_scan_limit": TEXT_SCAN_LIMIT,
        "text_score_limit": TEXT_SCORE_LIMIT,
        "stale_factor": STALE_FACTOR,
        "fetch": k * (MAX_PER_ARTICLE + 1),
        "ef_search": settings.KB_HNSW_EF_SEARCH,
    }
    with connection.cursor() as cursor:
        # One round trip: the settings and the search in one query string (Django's client-side
        # parameter binding sends it as one simple query). PostgreSQL runs such a string as one
        # transaction, so SET LOCAL holds for this search only (or, inside the caller's
        # transaction, until that ends). Its first results are the two SETs'.
        cursor.execute(SETTINGS_SQL + SQL, params)
        while cursor.description is None and cursor.nextset():
            pass
        rows = cursor.fetchall()

    results: list[SearchResult] = []
    per_article: dict[int, int] = {}
    for article_id, title, slug, heading, passage, review_by, score, distance in rows:
        if per_article.get(article_id, 0) >= MAX_PER_ARTICLE:
            continue
        per_article[article_id] = per_article.get(article_id, 0) + 1
        results.append(
            SearchResult(
                article_id=article_id,
                title=title,
                heading=heading,
                text=passage,
                score=round(float(score), 6),
                link=_link(tenant, slug, heading),
                similarity=round(1 - float(distance), 4) if distance is not None else None,
                stale=review_by is not None and review_by < params["today"],
            )
        )
        if len(results) == k:
            break
    return results
