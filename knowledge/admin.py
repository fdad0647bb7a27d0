from django.contrib import admin

from knowledge.models import Article, Chunk
from tenants.admin_base import ReadOnlyAdmin, ReadOnlyInline, TenantScopedAdmin


class ChunkInline(ReadOnlyInline):
    model = Chunk
    fields = ["position", "heading", "text"]
    readonly_fields = fields


@admin.register(Article)
class ArticleAdmin(TenantScopedAdmin):
    list_display = ["title", "status", "tags", "owner", "review_by", "updated_at", "tenant"]
    list_filter = ["status", "review_by"]
    search_fields = ["title", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["tenant", "owner"]
    inlines = [ChunkInline]


@admin.register(Chunk)
class ChunkAdmin(ReadOnlyAdmin):
    list_display = ["article", "position", "heading", "has_embedding", "tenant"]
    list_filter = ["article__status", ("embedding", admin.EmptyFieldListFilter)]
    search_fields = ["text", "heading", "article__title"]
    list_select_related = ["tenant", "article"]
    exclude = ["embedding"]

    @admin.display(boolean=True, description="Embedded")
    def has_embedding(self, obj):
        return obj.embedding is not None
