import datetime

import pytest
from django.urls import reverse

from knowledge import services
from knowledge.models import Article, Chunk
from tenants.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def staff(tenant, role=Membership.Role.OWNER):
    user = f.UserFactory(staff=True)
    f.MembershipFactory(user=user, tenant=tenant, role=role)
    return user


def article(tenant, **fields):
    values = {"title": "Returns", "body": "## Window\n\n30 days.", "status": "published", **fields}
    return services.article_save(article=Article(tenant=tenant, **values))


def test_saving_in_the_admin_goes_through_the_service(client, tenant):
    user = staff(tenant)
    client.force_login(user)
    response = client.post(
        reverse("admin:knowledge_article_add"),
        {
            "tenant": tenant.pk, "title": "Gift cards", "slug": "gift-cards", "status": "published",
            "tags": "Gifts,cards", "body": "## Expiry\n\nThey never expire.",
            "versions-TOTAL_FORMS": 0, "versions-INITIAL_FORMS": 0,
            "chunks-TOTAL_FORMS": 0, "chunks-INITIAL_FORMS": 0,
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Article.objects.get(slug="gift-cards")
    assert saved.tags == ["cards", "gifts"]
    assert saved.versions.get().changed_by == user
    assert Chunk.objects.filter(article=saved).count() == 1


def test_the_change_page_shows_a_sanitised_preview_and_the_history(client, tenant):
    a = article(tenant, body="## Hi\n\n<script>alert(1)</script> **bold**")
    client.force_login(staff(tenant))
    page = client.get(reverse("admin:knowledge_article_change", args=[a.pk])).content.decode()
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)</script>" not in page.split('class="kb-preview"')[1].split("</div>")[0]
    assert reverse("admin:knowledge_article_version", args=[a.pk, 1]) in page


def test_live_preview_renders_safely_for_staff_only(client, tenant):
    url = reverse("admin:knowledge_article_preview")
    client.force_login(staff(tenant, Membership.Role.VIEWER))
    response = client.post(url, {"body": "# T\n\n<img src=x onerror=alert(1)> [a](javascript:x)"})
    assert response.status_code == 200
    assert "onerror" not in response.json()["html"] and "javascript" not in response.json()["html"]
    assert client.get(url).status_code == 405
    assert client.post(url, {"body": "x" * 200_001}).json()["error"]["code"] == "too_long"
    client.force_login(f.UserFactory(staff=True))  # staff of no store
    assert client.post(url, {"body": "x"}).status_code == 403


def test_a_version_can_be_compared_and_restored(client, tenant):
    a = article(tenant)
    a.body = "## Window\n\n45 days."
    services.article_save(article=a)
    client.force_login(staff(tenant))
    url = reverse("admin:knowledge_article_version", args=[a.pk, 1])
    page = client.get(url).content.decode()
    assert "-45 days." in page and "+30 days." in page
    response = client.post(url)
    assert response.status_code == 302
    a.refresh_from_db()
    assert "30 days" in a.body and a.versions.count() == 3


def test_viewers_can_compare_but_not_restore(client, tenant):
    a = article(tenant)
    client.force_login(staff(tenant, Membership.Role.VIEWER))
    url = reverse("admin:knowledge_article_version", args=[a.pk, 1])
    assert "Restore this version" not in client.get(url).content.decode()
    assert client.post(url).status_code == 403


def test_another_tenants_versions_are_not_found(client, tenant, other_tenant):
    theirs = article(other_tenant)
    client.force_login(staff(tenant))
    assert client.get(reverse("admin:knowledge_article_version", args=[theirs.pk, 1])).status_code == 404
    assert client.post(reverse("admin:knowledge_article_version", args=[theirs.pk, 1])).status_code == 404
    assert theirs.versions.count() == 1


def test_stale_articles_are_flagged_and_filterable(client, tenant):
    stale = article(tenant, title="Old", review_by=datetime.date(2020, 1, 1))
    article(tenant, title="Fresh", review_by=datetime.date(2099, 1, 1))
    client.force_login(staff(tenant))
    listing = client.get(reverse("admin:knowledge_article_changelist"), {"freshness": "stale"})
    assert [a.pk for a in listing.context["cl"].result_list] == [stale.pk]
    page = client.get(reverse("admin:knowledge_article_change", args=[stale.pk]), follow=True)
    assert any("was due for review" in str(m) for m in page.context["messages"])
