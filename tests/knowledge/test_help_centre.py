import pytest
from django.urls import reverse

from knowledge import services
from knowledge.models import Article

pytestmark = pytest.mark.django_db


def article(tenant, **fields):
    values = {"title": "Returns", "body": "## Window\n\n30 days. <script>alert(1)</script>", "status": "published"}
    return services.article_save(article=Article(tenant=tenant, **{**values, **fields}))


def test_a_published_article_is_readable_with_section_anchors_and_no_scripts(client, tenant):
    a = article(tenant)
    page = client.get(reverse("knowledge:article", args=[tenant.slug, a.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h2 id="window">' in html and "30 days." in html
    assert "<script>alert(1)</script>" not in html


def test_the_list_shows_only_published_articles_of_that_store(client, tenant, other_tenant):
    article(tenant, title="Returns")
    article(tenant, title="Draft idea", status="draft")
    article(other_tenant, title="Their secret")
    html = client.get(reverse("knowledge:article_list", args=[tenant.slug])).content.decode()
    assert "Returns" in html and "Draft idea" not in html and "Their secret" not in html


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_unpublished_articles_are_not_found(client, tenant, status):
    a = article(tenant, status=status)
    assert client.get(reverse("knowledge:article", args=[tenant.slug, a.slug])).status_code == 404


def test_another_stores_article_is_not_found_under_this_store(client, tenant, other_tenant):
    theirs = article(other_tenant, title="Their policy")
    assert client.get(reverse("knowledge:article", args=[tenant.slug, theirs.slug])).status_code == 404
    assert client.get(reverse("knowledge:article", args=[other_tenant.slug, theirs.slug])).status_code == 200


def test_unknown_or_inactive_stores_are_not_found(client, tenant):
    a = article(tenant)
    tenant.active = False
    tenant.save()
    assert client.get(reverse("knowledge:article", args=[tenant.slug, a.slug])).status_code == 404
    assert client.get("/help/no-such-store/").status_code == 404
