import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import DataError, IntegrityError, connection, transaction
from pgvector.django import CosineDistance

from knowledge.models import EMBEDDING_DIMENSIONS, Article, Chunk, tenant_lexeme
from tests import factories as f

pytestmark = pytest.mark.django_db


def _vector(*head: float) -> list[float]:
    return [*head, *([0.0] * (EMBEDDING_DIMENSIONS - len(head)))]


def test_article_slug_is_unique_per_tenant(tenant, other_tenant):
    f.ArticleFactory(tenant=tenant, slug="returns")
    f.ArticleFactory(tenant=other_tenant, slug="returns")

    with pytest.raises(IntegrityError, match="article_unique_slug_per_tenant"), transaction.atomic():
        f.ArticleFactory(tenant=tenant, slug="returns")
    assert Article.objects.filter(slug="returns").count() == 2


def test_chunk_position_is_unique_per_article():
    chunk = f.ChunkFactory(position=0)
    f.ChunkFactory(position=0)  # another article

    with pytest.raises(IntegrityError, match="chunk_unique_position_per_article"), transaction.atomic():
        f.ChunkFactory(article=chunk.article, position=0)


def test_chunk_embedding_is_none_by_default():
    chunk = f.ChunkFactory()
    chunk.refresh_from_db()

    assert chunk.embedding is None


def test_search_vector_is_filled_by_postgres_on_insert(tenant):
    chunk = f.ChunkFactory(tenant=tenant, heading="Returns", text="How to ask for a refund of a damaged item.")
    chunk.refresh_from_db()

    assert chunk.search_vector
    assert "refund" in chunk.search_vector


def test_full_text_query_finds_matching_chunks(tenant):
    refund = f.ChunkFactory(tenant=tenant, heading="Returns", text="Refunds reach your card within 5 days.")
    heading_only = f.ChunkFactory(tenant=tenant, heading="Refund policy", text="Read this first.")
    f.ChunkFactory(tenant=tenant, heading="Shipping", text="We ship worldwide with UPS.")

    found = Chunk.objects.filter(search_vector=SearchQuery("refund", config="english"))

    # "Refunds" is stemmed to "refund"; the heading is searched as well as the text.
    assert set(found) == {refund, heading_only}


def test_full_text_query_stays_inside_the_tenant(tenant, other_tenant):
    mine = f.ChunkFactory(tenant=tenant, text="Ask for a refund in your account.")
    theirs = f.ChunkFactory(tenant=other_tenant, text="Ask for a refund in your account.")
    query = SearchQuery("refund", config="english")

    assert list(Chunk.objects.for_tenant(tenant).filter(search_vector=query)) == [mine]
    assert list(Chunk.objects.for_tenant(other_tenant).filter(search_vector=query)) == [theirs]


def test_search_vector_holds_a_tenant_lexeme_that_no_text_produces(tenant, other_tenant):
    mine = f.ChunkFactory(tenant=tenant, text="Ask for a refund in your account.")
    # text that spells the other tenant's lexeme out must not produce it
    theirs = f.ChunkFactory(tenant=other_tenant, text=f"#tenant {tenant.pk} and tenant {tenant.pk}")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM knowledge_chunk WHERE search_vector @@ quote_literal(%s)::tsquery",
            [tenant_lexeme(tenant.pk)],
        )
        assert [row[0] for row in cursor.fetchall()] == [mine.pk]
        cursor.execute(
            "SELECT id FROM knowledge_chunk WHERE search_vector @@ quote_literal(%s)::tsquery",
            [tenant_lexeme(other_tenant.pk)],
        )
        assert [row[0] for row in cursor.fetchall()] == [theirs.pk]


def test_search_vector_follows_an_edited_text(tenant):
    chunk = f.ChunkFactory(tenant=tenant, heading="Shipping", text="We ship worldwide.")
    query = SearchQuery("warranty", config="english")
    assert not Chunk.objects.filter(search_vector=query).exists()

    chunk.text = "Every product has a two-year warranty."
    chunk.save()

    assert list(Chunk.objects.filter(search_vector=query)) == [chunk]


def test_chunks_are_ordered_by_cosine_distance(tenant):
    article = f.ArticleFactory(tenant=tenant)
    far = f.ChunkFactory(article=article, embedding=_vector(0.0, 1.0))
    near = f.ChunkFactory(article=article, embedding=_vector(1.0, 0.0))
    middle = f.ChunkFactory(article=article, embedding=_vector(0.6, 0.8))
    f.ChunkFactory(article=article)  # no embedding yet: not a candidate

    # Exact ordering is what this tests; left to the planner, the HNSW index (approximate, and
    # without the search's iterative scan) may drop a filtered row once the table has stats.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
    ranked = list(
        Chunk.objects.for_tenant(tenant)
        .filter(embedding__isnull=False)
        .annotate(distance=CosineDistance("embedding", _vector(1.0, 0.0)))
        .order_by("distance")
    )

    assert ranked == [near, middle, far]
    assert [round(c.distance, 6) for c in ranked] == [0.0, 0.4, 1.0]


def test_stored_embedding_round_trips_with_384_dimensions():
    chunk = f.ChunkFactory(embedding=_vector(0.25, -0.5, 0.75))
    chunk.refresh_from_db()

    assert len(chunk.embedding) == EMBEDDING_DIMENSIONS
    assert list(chunk.embedding[:4]) == [0.25, -0.5, 0.75, 0.0]


def test_embedding_of_the_wrong_size_is_refused():
    with pytest.raises(DataError), transaction.atomic():
        f.ChunkFactory(embedding=[0.1] * 3)
