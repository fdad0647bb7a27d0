"""Knowledge-base search latency and HNSW recall at scale, on a generated corpus of 1k, 10k and 100k
chunks per tenant: SQL p50/p95/p99 of the hybrid and vector-only retrieval, the whole ``search()``
(query embedding included), the hybrid SQL's planning + execution time in the server, the first
queries after the index build (cold buffers), HNSW recall@10 against exact search, and the index
build time.

Goal (issue): hybrid p95 under 25 ms at 100k chunks, with recall@10 of 0.95 or better.

Two bench tenants get corpora of equal size, so the tenant filter matters (the measured tenant owns
half the chunks), and ~5% of each tenant's articles are drafts, so the status filter matters too.
Rows are loaded with COPY and the HNSW index is built once per size, after the load, with exactly
the model's definition. The index exists again when the benchmark ends, even on error, and both
bench tenants' data is deleted, so other benchmarks and tests see the usual small knowledge base.
``KB_SCALE_SIZES=1000,10000`` runs fewer sizes (while working on the benchmark).
"""

import glob
import hashlib
import os
import re
import statistics
import struct
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from bench import django_env
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
DEMO_ARTICLES = ROOT / "supportdesk" / "demo" / "articles" / "macrocenter"
SIZES = tuple(int(size) for size in os.environ.get("KB_SCALE_SIZES", "1000,10000,100000").split(","))
MEASURED, NOISE = "bench-scale", "bench-noise"
INDEX_NAME = "chunk_embedding_hnsw"
CHUNKS_PER_ARTICLE = 10
DRAFT_FRACTION = 0.05  # draft articles, on top of the published ones
STALE_FRACTION = 0.10  # published articles past their review-by date (served, ranked lower)
MAINTENANCE_WORK_MEM = "512MB"
SEED = 20251121
QUERIES, WARMUP, SEARCH_QUERIES, RECALL_QUERIES = 200, 20, 100, 100
# Queries of their own, run first, right after the index build: their timings show the cold start
# (index and table pages not yet in shared buffers); then the caches hold what searches use.
COLD_QUERIES = 300
# Rambling questions (10-14 content words), timed apart: not in the goal's query mix, but shoppers ask them.
LONG_QUERIES = 50
K, RECALL_K = 5, 10
GOAL_P95_MS, GOAL_RECALL = 25.0, 0.95
NARROW_EF_SEARCH, WIDE_EF_SEARCH = 40, 200  # recall is measured at these too, vector-only latency at the wide one

# ---------------------------------------------------------------------------------------- text


def _words(text: str) -> list[str]:
    return text.split()


STOPWORDS = _words(
    "the to and a of you your is in for it with on be we this that or can if are will not our an at as by from "
    "have do my how what when"
)
STORE_TERMS = _words(
    "order return refund warranty shipping delivery graphics card gpu cpu motherboard ram ssd nvme psu power "
    "supply monitor laptop keyboard mouse cable driver bios rma exchange receipt invoice payment paypal price "
    "match stock pickup store account password cancel tracking damaged box fan cooler case socket ddr5 ddr4 rtx "
    "4070 4090 radeon ryzen intel wattage bundle coupon gift restocking fee"
)
ONSETS = _words("b c d f g h k l m n p r s t v w br cr dr fl gr pl pr st tr sh ch th")
VOWELS = _words("a e i o u a e i o ai ea io ou")
CODAS = ["", "", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck"]
VOCABULARY_SIZE = 3000
CENTRES, DEMO_CENTRES = 300, 220  # topic centres, of which embeddings of demo-article sentences
ZIPF_EXPONENT = 1.05
TOPIC_WORDS = 24  # mid-frequency words each topic uses more often than the rest of the corpus
TOPIC_SHARE = 0.2  # share of a passage's words drawn from its topic's words
SHOPPER_TEMPLATES = (
    "how do I {t} my {s}",
    "{s} {t} {u}",
    "can I {t} a {u} {s}",
    "{t} {u} not working",
    "why is my {s} {t}",
    "{t} {g} {u}",
    "what is the {t} for a {s}",
    "{s} {t}",
)

# ------------------------------------------------------------------------------------- vectors
# A chunk's vector is built like real embeddings cluster: topic centre (a real e5 embedding, its
# deviation from the mean shrunk by TOPIC_SPREAD) + article noise + chunk noise, L2-normalised. Noise
# is mostly shaped like the spread of the real embeddings (their covariance), partly isotropic.
# Calibrated so that, as with multilingual-e5-small, a query's top-10 cosine similarities lie at
# about 0.82-0.89 and an unrelated passage's at about 0.7-0.8.
TOPIC_SPREAD = 0.7
ARTICLE_VARIANCE, CHUNK_VARIANCE, QUERY_VARIANCE = 0.06, 0.10, 0.25
ISOTROPIC_SHARE = 0.3


def _sentences() -> list[str]:
    sentences = []
    for path in sorted(glob.glob(str(DEMO_ARTICLES / "*.md"))):
        body = Path(path).read_text().split("---", 2)[-1]
        for line in body.splitlines():
            line = re.sub(r"[#*|`>\-]+", " ", line).strip()
            sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", line) if len(s.split()) >= 6)
    return sentences


class Generator:
    """Vocabulary, topics and the vector model. Every draw comes from ``self.rng``, a seeded numpy
    generator that the caller re-seeds for each corpus and query set, so each is reproducible."""

    def __init__(self, provider, rng: np.random.Generator) -> None:
        self.rng = rng
        self.vocabulary = self._vocabulary()
        ranks = np.arange(1, len(self.vocabulary) + 1)
        weights = 1.0 / (ranks + 2.7) ** ZIPF_EXPONENT
        self.zipf = weights / weights.sum()
        self.content = np.arange(len(STOPWORDS), len(self.vocabulary))  # words that survive to_tsvector
        self.store = np.array([self.vocabulary.index(term) for term in STORE_TERMS])
        self.words = np.array(self.vocabulary, dtype=object)

        # each topic's own words: mid-frequency content words and two store terms
        mid = np.arange(200, len(self.vocabulary))
        self.topics = CENTRES
        self.topic_words = np.concatenate(
            [
                np.stack([rng.choice(mid, TOPIC_WORDS, replace=False) for _ in range(self.topics)]),
                rng.choice(self.store, (self.topics, 2)),
            ],
            axis=1,
        )
        # topic centres: real embeddings of demo sentences, and of generated passages written in the
        # remaining topics' words
        demo = _sentences()
        picked = [demo[i] for i in np.linspace(0, len(demo) - 1, min(DEMO_CENTRES, len(demo))).astype(int)]
        synthetic_topics = np.arange(len(picked), CENTRES)
        synthetic = self.passages(synthetic_topics, rng.integers(30, 61, len(synthetic_topics)))
        self.centre_texts = len(picked), len(synthetic)
        started = time.perf_counter()
        embeddings = np.asarray(provider.embed_passages(picked + synthetic), dtype=np.float64)
        self.centre_seconds = time.perf_counter() - started
        self.mean = embeddings.mean(axis=0)
        self.deviation = embeddings - self.mean
        self.total_variance = float((self.deviation**2).sum(axis=1).mean())

    def _vocabulary(self) -> list[str]:
        reserved = set(STOPWORDS) | set(STORE_TERMS)
        invented: list[str] = []
        seen: set[str] = set()
        while len(invented) < VOCABULARY_SIZE:
            word = "".join(
                self.rng.choice(ONSETS) + self.rng.choice(VOWELS) + self.rng.choice(CODAS)
                for _ in range(int(self.rng.choice([1, 2, 2, 2, 3])))
            )
            if word not in seen and word not in reserved:
                seen.add(word)
                invented.append(word)
        # store terms at frequent-but-not-top ranks, spread among the invented words
        ranked = list(STOPWORDS) + invented
        for position, term in zip(np.linspace(40, 600, len(STORE_TERMS)).astype(int), STORE_TERMS, strict=True):
            ranked.insert(int(position), term)
        return ranked

    # -- text

    def _tokens(self, topics: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Word ids for passages of the given topics and lengths, concatenated."""
        total = int(lengths.sum())
        tokens = self.rng.choice(len(self.vocabulary), total, p=self.zipf)
        owner = np.repeat(topics, lengths)
        from_topic = self.rng.random(total) < TOPIC_SHARE
        picks = self.rng.integers(0, self.topic_words.shape[1], total)
        tokens[from_topic] = self.topic_words[owner[from_topic], picks[from_topic]]
        return tokens

    def passages(self, topics: np.ndarray, lengths) -> list[str]:
        lengths = np.asarray(lengths)
        words = self.words[self._tokens(topics, lengths)]
        ends = np.cumsum(lengths)
        starts = ends - lengths
        # sentences of about 12 words: a full stop, and a capital on the next word
        stops = np.zeros(len(words), dtype=bool)
        stops[self.rng.random(len(words)) < 1 / 12] = True
        stops[ends - 1] = True
        words[stops] = words[stops] + "."
        capital = np.zeros(len(words), dtype=bool)
        capital[1:] = stops[:-1]
        capital[starts] = True
        words[capital] = [word.capitalize() for word in words[capital]]
        flat = words.tolist()
        return [" ".join(flat[start:end]) for start, end in zip(starts, ends, strict=True)]

    def title(self, topic: int, words: int) -> str:
        chosen = self.rng.choice(self.topic_words[topic], words, replace=False)
        return " ".join(self.vocabulary[i] for i in chosen).capitalize()

    def query_text(self, topic: int) -> str:
        topical = self.rng.choice(self.topic_words[topic], 2, replace=False)
        template = SHOPPER_TEMPLATES[int(self.rng.integers(len(SHOPPER_TEMPLATES)))]
        general = self.rng.choice(self.content, p=self.zipf[self.content] / self.zipf[self.content].sum())
        return template.format(
            t=self.vocabulary[topical[0]],
            u=self.vocabulary[topical[1]],
            s=self.vocabulary[int(self.rng.choice(self.store))],
            g=self.vocabulary[int(general)],
        )

    def long_query_text(self, topic: int) -> str:
        """A rambling question: three of the topic's words, three store terms and common words, 10-14
        content words in all, each after a stop word, in random order."""
        content = int(self.rng.integers(10, 15))
        general = self.rng.choice(self.content, content - 6, p=self.zipf[self.content] / self.zipf[self.content].sum())
        picked = [
            *self.rng.choice(self.topic_words[topic], 3, replace=False),
            *self.rng.choice(self.store, 3, replace=False),
            *general,
        ]
        words = [self.vocabulary[int(i)] for i in picked]
        self.rng.shuffle(words)
        stops = self.rng.integers(0, len(STOPWORDS), len(words))
        return " ".join(f"{STOPWORDS[int(stop)]} {word}" for stop, word in zip(stops, words, strict=True))

    # -- vectors

    def noise(self, count: int, variance: float) -> np.ndarray:
        shaped = self.rng.standard_normal((count, self.topics)) @ self.deviation
        shaped /= np.sqrt(self.topics * self.total_variance)
        isotropic = self.rng.standard_normal((count, self.deviation.shape[1])) / np.sqrt(self.deviation.shape[1])
        return np.sqrt(variance * (1 - ISOTROPIC_SHARE)) * shaped + np.sqrt(variance * ISOTROPIC_SHARE) * isotropic

    def article_centres(self, topics: np.ndarray) -> np.ndarray:
        return self.mean + TOPIC_SPREAD * self.deviation[topics] + self.noise(len(topics), ARTICLE_VARIANCE)

    def around(self, centres: np.ndarray, variance: float) -> np.ndarray:
        vectors = centres + self.noise(len(centres), variance)
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


# ------------------------------------------------------------------------------------- loading

ARTICLE_COPY = (
    "COPY knowledge_article (tenant_id, title, slug, body, status, tags, review_by, source_path, source_hash, "
    "created_at, updated_at) FROM STDIN"
)
CHUNK_COPY = (
    "COPY knowledge_chunk (tenant_id, article_id, position, heading, text, content_hash, embedding, "
    "embedding_model) FROM STDIN (FORMAT BINARY)"
)


def delete_bench_data(tenant_ids: list[int]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM knowledge_chunk WHERE tenant_id = ANY(%s)", [tenant_ids])
        cursor.execute("DELETE FROM knowledge_articleversion WHERE tenant_id = ANY(%s)", [tenant_ids])
        cursor.execute("DELETE FROM knowledge_article WHERE tenant_id = ANY(%s)", [tenant_ids])


def load_tenant(gen: Generator, tenant_id: int, size: int, model: str) -> dict:
    """``size`` published chunks (and ~5% more in drafts) for one tenant; the published articles'
    ids, topics and centres, for making queries about them."""
    from django.db import connection, transaction
    from django.utils import timezone

    published = size // CHUNKS_PER_ARTICLE
    articles = published + max(1, round(published * DRAFT_FRACTION))
    topics = gen.rng.integers(0, gen.topics, articles)
    statuses = ["published"] * published + ["draft"] * (articles - published)
    today = timezone.localdate()
    stale = gen.rng.random(articles) < STALE_FRACTION
    now = timezone.now()
    titles = [gen.title(int(topic), int(gen.rng.integers(3, 6))) for topic in topics]
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(ARTICLE_COPY) as copy:
            for i in range(articles):
                copy.write_row(
                    (
                        tenant_id,
                        titles[i],
                        f"kb-scale-{i:06d}",
                        "Generated by bench.kb_scale.",
                        statuses[i],
                        [],
                        today - timedelta(days=30) if stale[i] else today + timedelta(days=180),
                        "",
                        "",
                        now,
                        now,
                    )
                )
        cursor.execute("SELECT slug, id FROM knowledge_article WHERE tenant_id = %s", [tenant_id])
        ids_by_slug = dict(cursor.fetchall())
        article_ids = [ids_by_slug[f"kb-scale-{i:06d}"] for i in range(articles)]

        centres = gen.article_centres(topics)
        chunk_topics = np.repeat(topics, CHUNKS_PER_ARTICLE)
        lengths = gen.rng.integers(40, 121, len(chunk_topics))
        texts = gen.passages(chunk_topics, lengths)
        vectors = gen.around(np.repeat(centres, CHUNKS_PER_ARTICLE, axis=0), CHUNK_VARIANCE).astype(">f4")
        sections = [gen.title(int(topic), int(gen.rng.integers(2, 4))) for topic in chunk_topics]
        header = struct.pack(">HH", vectors.shape[1], 0)  # pgvector's binary format: dimensions, unused, floats
        with cursor.cursor.copy(CHUNK_COPY) as copy:
            copy.set_types(["int8", "int8", "int4", "text", "text", "text", "bytea", "text"])
            for n, text in enumerate(texts):
                article = n // CHUNKS_PER_ARTICLE
                heading = f"{titles[article]} > {sections[n]}"
                copy.write_row(
                    (
                        tenant_id,
                        article_ids[article],
                        n % CHUNKS_PER_ARTICLE,
                        heading,
                        text,
                        hashlib.sha256(f"{heading}\n{text}".encode()).hexdigest(),
                        header + vectors[n].tobytes(),
                        model,
                    )
                )
    return {"topics": topics[:published], "centres": centres[:published], "chunks": len(texts)}


# ----------------------------------------------------------------------------------- measuring


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def timed(fn, items) -> list[float]:
    timings = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


NEAREST_SQL = """
SELECT c.id, c.embedding <=> %(vector)s::vector AS distance
FROM knowledge_chunk c
JOIN knowledge_article a ON a.id = c.article_id
WHERE c.tenant_id = %(tenant)s
  AND c.embedding_model = %(model)s
  AND a.status = 'published'
  AND (%(serve_stale)s OR a.review_by IS NULL OR a.review_by >= %(today)s)
ORDER BY c.embedding <=> %(vector)s::vector
LIMIT %(limit)s
"""


def nearest(params: dict, *, ef_search: int | None, explain: bool = False):
    """Top-``limit`` chunk ids by cosine distance: through HNSW (search's settings) or exact."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if ef_search is None:
            cursor.execute("SET LOCAL enable_indexscan = off")  # sequential scan and sort: exact
        else:
            cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            cursor.execute("SET LOCAL hnsw.ef_search = %s", [ef_search])
        cursor.execute(("EXPLAIN " if explain else "") + NEAREST_SQL, params)
        rows = cursor.fetchall()
    if explain:
        return "\n".join(row[0] for row in rows)
    return rows


MATCHES_SQL = """
SELECT count(*)
FROM knowledge_chunk c
JOIN knowledge_article a ON a.id = c.article_id
WHERE c.tenant_id = %s
  AND a.status = 'published'
  AND c.search_vector @@ replace(plainto_tsquery('english', %s)::text, '&', '|')::tsquery
"""


def text_matches(tenant, text: str) -> int:
    """How many of the tenant's published passages contain any word of the query: the passages the
    full-text side of search scores (ts_rank_cd and coverage) before it keeps its best."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(MATCHES_SQL, [tenant.pk, text])
        return cursor.fetchone()[0]


def captured_search_sql(fn) -> list[tuple[str, object]]:
    """The statements ``fn`` sends to the database, with their parameters."""
    from django.db import connection

    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        fn()
    return statements


def explain_search(statements, options: str = "") -> list:
    """EXPLAIN the search SQL exactly as ``rank_passages`` sent it, after its SET LOCALs (which
    travel in the same query string)."""
    from django.db import connection, transaction

    from knowledge.search import SETTINGS_SQL

    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements[:-1]:
            cursor.execute(sql, params)
        sql, params = statements[-1]
        if sql.startswith(SETTINGS_SQL):
            cursor.execute(SETTINGS_SQL, params)
            sql = sql.removeprefix(SETTINGS_SQL)
        cursor.execute(f"EXPLAIN {options} {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def server_ms(statements) -> float:
    """Planning + execution time of the search SQL in the server (EXPLAIN ANALYZE without per-node
    timing, which would add its own overhead): the latency without the client and the round trip."""
    plan = explain_search(statements, "(ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON)")[0]
    plan = plan[0] if isinstance(plan, list) else plan
    return float(plan["Planning Time"]) + float(plan["Execution Time"])


def plan_text(lines: list[str]) -> str:
    return re.sub(r"'\[[-0-9.,e]+\]'", "'[...]'", "\n".join(lines))


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def _node_ms(node: dict) -> float:
    return float(node.get("Actual Total Time", 0.0)) * int(node.get("Actual Loops", 1))


def _is_vector(node: dict) -> bool:
    return node.get("Index Name") == INDEX_NAME


def _is_text(node: dict) -> bool:
    """A scan of knowledge_chunk that tests ``search_vector @@`` (through GIN, or as a filter)."""
    conditions = " ".join(str(node.get(key, "")) for key in ("Recheck Cond", "Index Cond", "Filter"))
    return node.get("Relation Name") == "knowledge_chunk" and "search_vector @@" in conditions


def _matched(node: dict) -> int:
    """Passages the full-text scan found matching the OR-ed query: the coverage subquery runs once
    for each (it is tested after ``@@``); without one, the rows before the coverage filter."""
    subplans = [child for child in node.get("Plans", []) if child.get("Parent Relationship") == "SubPlan"]
    if subplans:
        return int(subplans[0].get("Actual Loops", 0))
    return (int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))) * int(
        node.get("Actual Loops", 1)
    )


def breakdown(plan: dict) -> dict:
    """Where an EXPLAIN ANALYZE of the search SQL spent its time: the vector branch (the largest
    subtree holding the HNSW scan but not the full-text scan), the full-text branch (likewise) and
    how many passages the full-text branch scored."""
    root = plan["Plan"]

    def branch(inside, outside) -> float:
        times = [
            _node_ms(node)
            for node in _walk(root)
            if any(inside(n) for n in _walk(node)) and not any(outside(n) for n in _walk(node))
        ]
        return max(times, default=0.0)

    scans = [node for node in _walk(root) if _is_text(node)]
    return {
        "total_ms": float(plan.get("Execution Time", _node_ms(root))),
        "planning_ms": float(plan.get("Planning Time", 0.0)),
        "vector_ms": branch(_is_vector, _is_text),
        "text_ms": branch(_is_text, _is_vector),
        "text_rows": sum(_matched(node) for node in scans),
        "text_path": ", ".join(
            "GIN bitmap scan"
            if node["Node Type"] == "Bitmap Heap Scan"
            else f"{node.get('Index Name') or node['Node Type']} scan + filter"
            for node in scans
        ),
    }


# ---------------------------------------------------------------------------------------- main


def make_queries(
    gen: Generator, loaded: dict, size: int, count: int = QUERIES + WARMUP, stream: int = 2, long: bool = False
) -> list[tuple[str, list[float]]]:
    gen.rng = np.random.default_rng([SEED, size, stream])  # queries: their own seed
    picks = gen.rng.integers(0, len(loaded["topics"]), count)
    text_of = gen.long_query_text if long else gen.query_text
    texts = [text_of(int(loaded["topics"][i])) for i in picks]
    vectors = gen.around(loaded["centres"][picks], QUERY_VARIANCE)
    return [(text, vector.tolist()) for text, vector in zip(texts, vectors, strict=True)]


def measure(tenant, queries, cold_queries, long_queries, model: str, ef_search: int) -> dict:
    from django.test import override_settings
    from django.utils import timezone

    from knowledge.search import rank_passages, search

    warm, measured = queries[:WARMUP], queries[WARMUP:]

    def sql(mode):
        def one(query):
            text, vector = query
            return rank_passages(tenant=tenant, text=text, vector=vector, model=model, k=K, mode=mode)

        return one

    def full(query):
        return search(tenant=tenant, query=query[0], k=K)

    result = {"cold": timed(sql("hybrid"), cold_queries)}
    for mode in ("hybrid", "vector"):
        timed(sql(mode), warm)
        result[mode] = timed(sql(mode), measured)
    with override_settings(KB_HNSW_EF_SEARCH=WIDE_EF_SEARCH):
        timed(sql("vector"), warm)
        result["vector_wide"] = timed(sql("vector"), measured)
    timed(full, warm)
    result["search"] = timed(full, measured[:SEARCH_QUERIES])
    result["matches"] = [text_matches(tenant, text) for text, _ in measured]
    result["server"] = [server_ms(captured_search_sql(lambda q=q: sql("hybrid")(q))) for q in measured]
    result["long"] = timed(sql("hybrid"), long_queries)
    result["long_server"] = [server_ms(captured_search_sql(lambda q=q: sql("hybrid")(q))) for q in long_queries]

    # recall@10 of HNSW against exact, on the measured tenant's published, model-matching chunks
    base = {"tenant": tenant.pk, "model": model, "serve_stale": True, "today": timezone.localdate(), "limit": RECALL_K}
    sample = [{**base, "vector": str(vector)} for _, vector in measured[:RECALL_QUERIES]]
    if INDEX_NAME in nearest(sample[0], ef_search=None, explain=True):
        raise RuntimeError("the exact query used the HNSW index")
    started = time.perf_counter()
    exact = [nearest(params, ef_search=None) for params in sample]
    result["exact_ms"] = (time.perf_counter() - started) * 1000 / len(sample)
    result["similarity"] = (
        statistics.median(1 - rows[0][1] for rows in exact),
        statistics.median(1 - rows[-1][1] for rows in exact),
    )
    result["recall"] = {}
    for ef in sorted({NARROW_EF_SEARCH, ef_search, WIDE_EF_SEARCH}):
        hits = []
        for params, truth in zip(sample, exact, strict=True):
            found = {row[0] for row in nearest(params, ef_search=ef)}
            hits.append(len(found & {row[0] for row in truth}) / RECALL_K)
        result["recall"][ef] = statistics.fmean(hits)

    # does the vector query use the HNSW index? Both the recall query and the search SQL itself.
    recall_plan = nearest(sample[0], ef_search=ef_search, explain=True)
    search_plan = plan_text(explain_search(captured_search_sql(lambda: sql("hybrid")(measured[0]))))
    result["index_scan"] = INDEX_NAME in recall_plan and INDEX_NAME in search_plan

    # where the time goes, for the slowest hybrid queries
    slowest = sorted(range(len(measured)), key=lambda i: result["hybrid"][i], reverse=True)[:5]
    result["slow"] = []
    for i in slowest:
        statements = captured_search_sql(lambda i=i: sql("hybrid")(measured[i]))
        plan = explain_search(statements, "(ANALYZE, BUFFERS, FORMAT JSON)")[0]
        plan = plan[0] if isinstance(plan, list) else plan
        result["slow"].append(
            {"query": measured[i][0], "ms": result["hybrid"][i], "server_ms": result["server"][i], **breakdown(plan)}
        )
        if i == slowest[0]:
            result["slow_plan"] = plan_text(explain_search(statements, "(ANALYZE, BUFFERS)"))
    result["load_average"] = os.getloadavg()[0]
    return result


def build_index(index, model_cls) -> dict:
    """The HNSW index, exactly as the model defines it, timed; and whether pgvector had to spill."""
    from django.db import connection

    notices: list[str] = []

    def on_notice(diagnostic) -> None:
        notices.append(diagnostic.message_primary or "")

    raw = connection.connection
    raw.add_notice_handler(on_notice)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        started = time.perf_counter()
        with connection.schema_editor() as editor:
            editor.add_index(model_cls, index)
        seconds = time.perf_counter() - started
    finally:
        raw.remove_notice_handler(on_notice)
        with connection.cursor() as cursor:
            cursor.execute("RESET maintenance_work_mem")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [INDEX_NAME])
        size = cursor.fetchone()[0]
    return {"seconds": seconds, "notices": notices, "bytes": size}


def index_exists() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [INDEX_NAME])
        return cursor.fetchone() is not None


def drop_index() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) knowledge_article, knowledge_chunk")


def run_size(gen, tenants, size, model, index, model_cls, ef_search) -> dict:
    from django.db import connection

    measured, noise = tenants
    drop_index()
    delete_bench_data([measured.pk, noise.pk])
    started = time.perf_counter()
    loaded = {}
    for number, tenant in enumerate((measured, noise)):
        gen.rng = np.random.default_rng([SEED, size, number])
        loaded[tenant.slug] = load_tenant(gen, tenant.pk, size, model)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    vacuum()
    vacuum_seconds = time.perf_counter() - started
    build = build_index(index, model_cls)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM knowledge_chunk")
        total = cursor.fetchone()[0]
    info = loaded[measured.slug]
    print(
        f"[kb_scale] {size:,} chunks/tenant: loaded {total:,} rows in {load_seconds:.1f} s, vacuum {vacuum_seconds:.1f}"
        f" s, index {build['seconds']:.1f} s",
        flush=True,
    )
    cold_queries = make_queries(gen, info, size, COLD_QUERIES, stream=3)
    long_queries = make_queries(gen, info, size, LONG_QUERIES, stream=4, long=True)
    result = measure(measured, make_queries(gen, info, size), cold_queries, long_queries, model, ef_search)
    print(
        f"[kb_scale] {size:,}: hybrid p95 {percentile(result['hybrid'], 95):.1f} ms, recall@{RECALL_K} "
        f"{result['recall'][ef_search]:.3f}, load average {result['load_average']:.1f}",
        flush=True,
    )
    return {
        "size": size,
        "tenant_chunks": info["chunks"],
        "total_chunks": total,
        "load_s": load_seconds,
        "vacuum_s": vacuum_seconds,
        "build": build,
        **result,
    }


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.1f}"


def report(rows, gen, settings_info, total_seconds) -> str:
    ef = settings_info["ef_search"]
    efs = sorted(rows[0]["recall"]) if rows else []
    latency = "\n".join(
        f"| {r['size']:,} | {r['tenant_chunks']:,} / {r['total_chunks']:,} | {ms(r['hybrid'], 50)} "
        f"| {ms(r['hybrid'], 95)} | {ms(r['hybrid'], 99)} | {ms(r['server'], 50)} | {ms(r['server'], 95)} "
        f"| {ms(r['cold'], 50)} | {ms(r['cold'], 95)} | {ms(r['vector'], 50)} | {ms(r['vector'], 95)} "
        f"| {ms(r['vector_wide'], 50)} | {ms(r['vector_wide'], 95)} | {ms(r['search'], 50)} | {ms(r['search'], 95)} "
        f"| {percentile(r['matches'], 50):,.0f} / {percentile(r['matches'], 95):,.0f} |"
        for r in rows
    )
    index = "\n".join(
        f"| {r['size']:,} | {r['load_s']:.1f} | {r['build']['seconds']:.1f} | {r['build']['bytes'] / 2**20:.0f} "
        f"| {' / '.join(format(r['recall'][e], '.3f') for e in efs)} "
        f"| {r['similarity'][0]:.2f} / {r['similarity'][1]:.2f} "
        f"| {r['exact_ms']:.0f} | {'yes' if r['index_scan'] else 'no'} |"
        for r in rows
    )
    latency_head = (
        "| chunks / tenant | measured tenant / all chunks | hybrid SQL p50 | p95 | p99 | hybrid in the server p50 "
        "| p95 | hybrid SQL, cold, p50 | p95 | vector SQL p50 | p95 "
        f"| vector SQL, ef_search {WIDE_EF_SEARCH}, p50 | p95 | search() p50 | p95 | full-text matches p50 / p95 |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    index_head = (
        f"| chunks / tenant | generate + COPY s | index build s | index MB | recall@{RECALL_K} at ef_search "
        f"{' / '.join(map(str, efs))} | similarity top-1 / top-10 | exact scan ms | HNSW used |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    spilled = [f"{r['size']:,}" for r in rows if r["build"]["notices"]]
    memory = (
        f"The HNSW graph outgrew maintenance_work_mem at {', '.join(spilled)} chunks per tenant (slower build)."
        if spilled
        else "The HNSW graph fit in maintenance_work_mem at every size."
    )
    largest = max(rows, key=lambda r: r["size"]) if rows else None
    p95 = percentile(largest["hybrid"], 95) if largest else float("nan")
    recall = largest["recall"][ef] if largest else float("nan")
    goal_p95, goal_recall = p95 < GOAL_P95_MS, recall >= GOAL_RECALL
    met = largest is not None and largest["size"] >= 100_000 and goal_p95 and goal_recall
    goal = (
        f"Goal: hybrid SQL p95 < {GOAL_P95_MS:.0f} ms at 100k chunks and recall@{RECALL_K} ≥ {GOAL_RECALL} at "
        f"ef_search {ef}: **{'met' if met else 'not met'}** (at {largest['size'] if largest else 0:,}: p95 "
        f"{p95:.1f} ms, {'under' if goal_p95 else 'over'} the goal, {ms(largest['server'], 95) if largest else '-'} ms "
        f"of it in the server; recall@{RECALL_K} {recall:.3f}, {'meets' if goal_recall else 'misses'} the goal)."
    )
    slow = "\n".join(
        f'- "{s["query"]}": {s["ms"]:.1f} ms timed, {s["server_ms"]:.1f} ms in the server; EXPLAIN ANALYZE '
        f"{s['total_ms']:.1f} ms + {s['planning_ms']:.1f} ms planning: vector branch {s['vector_ms']:.1f} ms, "
        f"full-text branch {s['text_ms']:.1f} ms ({s['text_rows']:,} matching passages fetched and ranked; "
        f"{s['text_path']})"
        for s in (largest["slow"] if largest else [])
    )
    load = " / ".join(f"{r['load_average']:.1f}" for r in rows)
    shares = [s["text_ms"] / s["total_ms"] for s in (largest["slow"] if largest else []) if s["total_ms"]]
    dominated = (
        f"The full-text branch takes {min(shares):.0%}-{max(shares):.0%} of these queries' execution time: the GIN "
        "scan of the posting lists of the query's words (with the tenant's lexeme), then fetching and ranking at "
        f"most {settings_info['text_scan_limit']} of the tenant's matching passages."
        if shares
        else ""
    )
    cold = (
        f"Right after the index build, with cold buffers, the first {COLD_QUERIES} hybrid queries (a set of their "
        f"own) took p50 {ms(largest['cold'], 50)} / p95 {ms(largest['cold'], 95)} ms at {largest['size']:,}; the "
        "figures above were measured after them."
        if largest
        else ""
    )
    long = "\n".join(
        f"- {r['size']:,}: p50 {ms(r['long'], 50)} / p95 {ms(r['long'], 95)} ms timed, "
        f"p50 {ms(r['long_server'], 50)} / p95 {ms(r['long_server'], 95)} ms in the server"
        for r in rows
    )
    centre_demo, centre_synthetic = gen.centre_texts
    return f"""## Knowledge-base search at scale

Command: `make bench` (runs `python -m bench.kb_scale`; this run took {total_seconds / 60:.1f} min). For each
size, two bench tenants get a generated corpus of that many published chunks each (10 per article, plus
{DRAFT_FRACTION:.0%} more in draft articles; {STALE_FRACTION:.0%} of articles past their review-by date), so the
measured tenant owns under half of the table and both the tenant and the status filter matter. Rows
are loaded with COPY, then `VACUUM (ANALYZE)`, then the HNSW index is built.

Corpus: chunk text is 40-120 words of sentences from a Zipf-distributed (s = {ZIPF_EXPONENT}) vocabulary of
{len(gen.vocabulary):,} words (English stop words, PC-store terms, invented words), {TOPIC_SHARE:.0%} of them from
the article's topic words; headings "Title > Section". Vectors cluster like real embeddings:
{gen.topics} topic centres are `{settings_info["model"]}` embeddings of {centre_demo} sentences from the Macro
Center demo articles and {centre_synthetic} generated passages; article = topic + noise, chunk = article + noise,
L2-normalised (numpy, fixed seed; the noise mostly shaped like the real embeddings' covariance).
Queries: {QUERIES} shopper-like strings from the same vocabulary, each with a vector = one of the measured
tenant's article centres + noise; {WARMUP} warm-up queries first. The median cosine similarity of a query
to its nearest / 10th-nearest passage (second table) is in e5-small's usual range.

Settings: HNSW `m = {settings_info["m"]}`, `ef_construction = {settings_info["ef_construction"]}`
(`vector_cosine_ops`, the model's index); search with `hnsw.ef_search = {ef}` (`KB_HNSW_EF_SEARCH`),
`hnsw.iterative_scan = relaxed_order`, `KB_CANDIDATES = {settings_info["candidates"]}`, k = {K}. Index built
with `maintenance_work_mem = {MAINTENANCE_WORK_MEM}`, `max_parallel_maintenance_workers =
{settings_info["parallel_workers"]}`. PostgreSQL {settings_info["postgres"]}, pgvector {settings_info["pgvector"]},
`shared_buffers = {settings_info["shared_buffers"]}`.

Latency in ms. "SQL" is `rank_passages()` (the database half of `search()`, given the query vector),
over {QUERIES} queries; `search()` adds the local query embedding, over {SEARCH_QUERIES} queries. "In the
server": planning + execution time of the same hybrid statements by `EXPLAIN (ANALYZE, TIMING OFF)`, without
the client, the round trip and waiting for a CPU. "Cold": the first queries after the index build (below).
"Full-text matches": the measured tenant's published passages containing any word of the query; the
full-text side ranks at most {settings_info["text_scan_limit"]} of them (`ts_rank_cd`) and keeps its best
{settings_info["candidates"]}.

{latency_head}
{latency}

{cold}

Long questions are not in that query mix: {LONG_QUERIES} rambling ones (10-14 content words, three of them
store terms; full text keeps the {settings_info["max_text_terms"]} rarest distinct words, asks the index for
the {settings_info["min_search_terms"]} rarest and any other in at most {settings_info["common_share"]:.0%} of the
tenant's passages (or {settings_info["common_floor"]}), and matches any two of those), hybrid SQL:

{long}

Recall@{RECALL_K}: mean overlap of the HNSW top {RECALL_K} with the exact top {RECALL_K} (sequential scan and
sort, `enable_indexscan = off`) over {RECALL_QUERIES} query vectors, with the vector side's filters
(tenant, embedding model, published). "HNSW used": `EXPLAIN` of both that query and the search SQL
shows `{INDEX_NAME}`. HNSW construction is randomised (and parallel), so recall moves by a few
hundredths between builds of the same corpus (at 100k, 0.946-0.978 at ef_search 100 over four builds),
which is why `KB_HNSW_EF_SEARCH` defaults to 200.

{index_head}
{index}

{memory} One-minute load average after each size: {load} ({os.cpu_count()} cores; anything else running on
the machine inflates the latencies).

{goal}

Slowest hybrid queries at {largest["size"] if largest else 0:,} chunks per tenant, by `EXPLAIN (ANALYZE)` of
the search SQL:

{slow}

{dominated}
"""


def main() -> None:
    run_started = time.perf_counter()
    django_env.setup()
    from django.conf import settings
    from django.db import connection

    from knowledge.embeddings import get_provider
    from knowledge.models import Chunk
    from knowledge.search import COMMON_FLOOR, COMMON_SHARE, MAX_TEXT_TERMS, MIN_SEARCH_TERMS, TEXT_SCAN_LIMIT
    from tenants.models import Tenant

    provider = get_provider()
    model = provider.identity
    tenants = [
        Tenant.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in ((MEASURED, "Bench scale (measured)"), (NOISE, "Bench scale (noise)"))
    ]
    index = next(i for i in Chunk._meta.indexes if i.name == INDEX_NAME)
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_maintenance_workers")
        workers = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        pgvector = cursor.fetchone()[0]
    settings_info = {
        "model": model,
        "m": index.m,
        "ef_construction": index.ef_construction,
        "ef_search": settings.KB_HNSW_EF_SEARCH,
        "candidates": settings.KB_CANDIDATES,
        "text_scan_limit": TEXT_SCAN_LIMIT,
        "max_text_terms": MAX_TEXT_TERMS,
        "min_search_terms": MIN_SEARCH_TERMS,
        "common_share": COMMON_SHARE,
        "common_floor": COMMON_FLOOR,
        "parallel_workers": workers,
        "shared_buffers": shared_buffers,
        "postgres": postgres,
        "pgvector": pgvector,
    }
    gen = Generator(provider, np.random.default_rng(SEED))
    print(f"[kb_scale] {gen.topics} topic centres embedded in {gen.centre_seconds:.1f} s", flush=True)
    rows = []
    try:
        for size in SIZES:
            rows.append(run_size(gen, tenants, size, model, index, Chunk, settings.KB_HNSW_EF_SEARCH))
    finally:
        # leave the usual small knowledge base behind, with its index (rebuilt: faster than vacuuming
        # a graph of deleted rows, and the index must exist whatever happened above)
        drop_index()
        delete_bench_data([tenant.pk for tenant in tenants])
        if not index_exists():
            with connection.schema_editor() as editor:
                editor.add_index(Chunk, index)
        vacuum()
    body = report(rows, gen, settings_info, time.perf_counter() - run_started)
    write_section("kb_scale", body)
    print(body)
    if rows:
        print(f"[kb_scale] EXPLAIN ANALYZE of the slowest hybrid query at {rows[-1]['size']:,}:")
        print(rows[-1]["slow_plan"])


if __name__ == "__main__":
    main()
