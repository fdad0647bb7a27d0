from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models.functions import Cast, Concat
from pgvector.django import HnswIndex, VectorField

from tenants.models import TenantScopedModel

EMBEDDING_DIMENSIONS = 384
# A passage's tsvector also holds its tenant as one lexeme, '#tenant <id>'. Text never yields it
# (to_tsvector keeps no space inside a lexeme), so a full-text query ANDed with it lets the GIN
# index filter by tenant as it scans: a two-column (tenant, words) GIN index, which core
# PostgreSQL cannot build otherwise (btree_gin is not in the embedded server).
TENANT_LEXEME_PREFIX = "#tenant "


def tenant_lexeme(tenant_id: int) -> str:
    return f"{TENANT_LEXEME_PREFIX}{int(tenant_id)}"


class Article(TenantScopedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255)
    body = models.TextField(help_text="Markdown")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_by = models.DateField(null=True, blank=True, help_text="After this date the article is stale.")
    # Where ingest_kb found it, and a hash of that file, so a re-import skips unchanged files.
    source_path = models.CharField(max_length=500, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="article_unique_slug_per_tenant")]

    def __str__(self) -> str:
        return self.title

    def is_stale(self, today=None) -> bool:
        from django.utils import timezone

        return self.review_by is not None and self.review_by < (today or timezone.localdate())


class ArticleVersion(TenantScopedModel):
    """A snapshot taken at every save: who changed what, and when. Restoring one makes a new version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Article.Status.choices)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    review_by = models.DateField(null=True, blank=True)
    changed_fields = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True, help_text="e.g. imported from a file, restored version 3")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.number}"


class Chunk(TenantScopedModel):
    """A passage of an article: the unit retrieval ranks, by vector and by full text."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    heading = models.CharField(max_length=500, blank=True, help_text="Article title and heading path.")
    text = models.TextField()
    # Hash of exactly what is embedded (heading + text): an unchanged passage keeps its vector.
    content_hash = models.CharField(max_length=64, blank=True)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=150, blank=True, help_text="Provider and model that made it.")
    # Kept by PostgreSQL itself, so full-text search works the moment a chunk is written. The
    # words of heading and text, and the tenant lexeme (TENANT_LEXEME_PREFIX).
    search_vector = models.GeneratedField(
        expression=models.expressions.CombinedExpression(
            SearchVector("heading", "text", config="english"),
            "||",
            models.Func(
                Concat(models.Value(TENANT_LEXEME_PREFIX), Cast("tenant_id", models.TextField())),
                template="array_to_tsvector(ARRAY[%(expressions)s])",
                output_field=SearchVectorField(),
            ),
            output_field=SearchVectorField(),
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="chunk_unique_position_per_article"),
        ]
        indexes = [
            HnswIndex(
                name="chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(fields=["search_vector"], name="chunk_search_vector_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.article} §{self.position}"


class LexemeCount(TenantScopedModel):
    """How many of a tenant's passages hold a lexeme: the document frequency full-text search uses
    to leave a long question's common words out of its query. Kept by triggers on knowledge_chunk
    (migration 0004), so every write counts, bulk loads and cascaded deletes included. The tenant
    lexeme's own count is the tenant's number of passages."""

    pk = models.CompositePrimaryKey("tenant", "lexeme")
    lexeme = models.TextField()
    passages = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.lexeme}: {self.passages}"
