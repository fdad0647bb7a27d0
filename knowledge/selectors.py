"""Reads of the knowledge base. Every function takes the tenant."""

from django.db.models import QuerySet

from knowledge.models import Article
from knowledge.search import SearchResult, search

__all__ = ["SearchResult", "article_get", "article_list_published", "search"]
from supportdesk.errors import NotFound
from tenants.models import Tenant


def article_list_published(*, tenant: Tenant) -> QuerySet[Article]:
    """What shoppers may be shown: never drafts or archived articles."""
    return Article.objects.for_tenant(tenant).filter(status=Article.Status.PUBLISHED)


def article_get(*, tenant: Tenant, slug: str) -> Article:
    article = Article.objects.for_tenant(tenant).filter(slug=slug).first()
    if article is None:
        raise NotFound(f"No article {slug!r}.")
    return article
