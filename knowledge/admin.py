import difflib

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from knowledge import services
from knowledge.models import Article, ArticleVersion, Chunk
from knowledge.rendering import render_markdown
from tenants.admin_base import ReadOnlyAdmin, ReadOnlyInline, TenantScopedAdmin

PREVIEW_LIMIT = 200_000


class FreshnessFilter(admin.SimpleListFilter):
    title = "freshness"
    parameter_name = "freshness"

    def lookups(self, request, model_admin):
        return [("stale", "Past review-by date"), ("fresh", "Fresh")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "stale":
            return queryset.filter(review_by__lt=today)
        if self.value() == "fresh":
            return queryset.exclude(review_by__lt=today)
        return queryset


class VersionInline(ReadOnlyInline):
    model = ArticleVersion
    fields = ["number", "created_at", "changed_by", "changed_fields", "note", "open"]
    readonly_fields = fields
    ordering = ["-number"]
    verbose_name_plural = "History (every save keeps a version)"

    @admin.display(description="")
    def open(self, obj):
        url = reverse("admin:knowledge_article_version", args=[obj.article_id, obj.number])
        return format_html('<a href="{}">View, compare or restore</a>', url)


class ChunkInline(ReadOnlyInline):
    model = Chunk
    fields = ["position", "heading", "text", "embedding_model"]
    readonly_fields = fields
    classes = ["collapse"]
    verbose_name_plural = "Indexed passages"


@admin.register(Article)
class ArticleAdmin(TenantScopedAdmin):
    list_display = ["title", "status", "tags", "owner", "review_by", "is_fresh", "updated_at", "tenant"]
    list_filter = ["status", FreshnessFilter, "review_by"]
    search_fields = ["title", "body", "slug", "tags"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["tenant", "owner"]
    readonly_fields = ["preview", "source_path", "updated_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["tenant", "title", "slug", "status", "tags", "owner", "review_by"]}),
        ("Content (Markdown)", {"fields": ["body", "preview"]}),
        ("Origin", {"fields": ["source_path", "updated_by", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [VersionInline, ChunkInline]

    class Media:
        js = ["knowledge/admin_preview.js"]
        css = {"all": ["knowledge/admin_preview.css"]}

    @admin.display(boolean=True, description="Reviewed in time")
    def is_fresh(self, obj):
        # Green when fresh, red when past its review-by date: the colours read the right way.
        return not obj.is_stale()

    @admin.display(description="Preview")
    def preview(self, obj):
        # Rendered and sanitised exactly as shoppers see it; the script refreshes it as you type.
        html = render_markdown(obj.body) if obj and obj.pk else ""
        url = reverse("admin:knowledge_article_preview")
        return format_html('<div class="kb-preview" data-preview-url="{}">{}</div>', url, mark_safe(html))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        if request.method == "GET" and article is not None and article.is_stale():
            self.message_user(
                request,
                f"This article was due for review on {article.review_by:%b %d, %Y}. "
                "Check it, then move the review-by date.",
                level=messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # Through the service: a version, re-indexing and embedding, the audit log.
        services.article_save(article=obj, actor=request.user)

    def get_urls(self):
        return [
            path("preview/", self.admin_site.admin_view(self.preview_view), name="knowledge_article_preview"),
            path(
                "<int:article_id>/versions/<int:number>/",
                self.admin_site.admin_view(self.version_view),
                name="knowledge_article_version",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request):
        if request.method != "POST":
            return JsonResponse({"error": {"code": "method_not_allowed", "message": "POST the Markdown."}}, status=405)
        if not self.has_module_permission(request):
            raise PermissionDenied
        body = request.POST.get("body", "")
        if len(body) > PREVIEW_LIMIT:
            return JsonResponse({"error": {"code": "too_long", "message": "Too long to preview."}}, status=400)
        return JsonResponse({"html": render_markdown(body)})

    def version_view(self, request, article_id: int, number: int):
        article = self.get_queryset(request).filter(pk=article_id).first()
        version = ArticleVersion.objects.filter(article_id=article_id, number=number).first() if article else None
        if version is None:
            raise Http404("No such version.")
        if request.method == "POST":
            return self._restore(request, article, number)
        diff = difflib.unified_diff(
            article.body.splitlines(), version.body.splitlines(), "current", f"version {number}", lineterm=""
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{article.title}: version {number}",
            "article": article,
            "version": version,
            "diff": "\n".join(diff),
            "body_html": render_markdown(version.body),
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/knowledge/article_version.html", context)

    def _restore(self, request, article, number):
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        services.article_restore_version(
            tenant=article.tenant, article_id=article.pk, number=number, actor=request.user
        )
        self.message_user(request, f"Restored version {number} as a new version.", level=messages.SUCCESS)
        return redirect("admin:knowledge_article_change", article.pk)


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ReadOnlyAdmin):
    list_display = ["article", "number", "changed_by", "changed_fields", "note", "created_at", "tenant"]
    list_filter = ["created_at"]
    search_fields = ["article__title", "note", "title"]
    list_select_related = ["tenant", "article", "changed_by"]


@admin.register(Chunk)
class ChunkAdmin(ReadOnlyAdmin):
    list_display = ["article", "position", "heading", "has_embedding", "embedding_model", "tenant"]
    list_filter = ["article__status", "embedding_model"]
    search_fields = ["text", "heading", "article__title"]
    list_select_related = ["tenant", "article"]
    exclude = ["embedding"]

    @admin.display(boolean=True, description="Embedded")
    def has_embedding(self, obj):
        return obj.embedding is not None
