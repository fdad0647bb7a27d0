"""The public help centre: a store's published articles, readable by anyone (search results link here)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from knowledge import selectors
from knowledge.rendering import render_markdown
from supportdesk.errors import NotFound
from tenants.selectors import tenant_get_by_slug


def _tenant(slug: str):
    try:
        return tenant_get_by_slug(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
def article_list(request, tenant_slug: str):
    tenant = _tenant(tenant_slug)
    articles = selectors.article_list_published(tenant=tenant).order_by("title")
    return render(request, "knowledge/article_list.html", {"tenant": tenant, "articles": articles})


@require_GET
def article_detail(request, tenant_slug: str, article_slug: str):
    tenant = _tenant(tenant_slug)
    article = selectors.article_list_published(tenant=tenant).filter(slug=article_slug).first()
    if article is None:
        raise Http404("No such article.")
    return render(
        request,
        "knowledge/article.html",
        {"tenant": tenant, "article": article, "body_html": render_markdown(article.body)},
    )
