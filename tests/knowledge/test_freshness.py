import datetime

import pytest
from django.core import mail

from knowledge import services
from knowledge.models import Article
from knowledge.tasks import report_stale_articles
from tenants.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


def article(tenant, title, review_by, **fields):
    values = {"title": title, "body": "Text.", "status": "published", "review_by": review_by, **fields}
    return services.article_save(article=Article(tenant=tenant, **values))


def test_owners_hear_about_their_stale_articles_once_a_day(tenant, other_tenant):
    owner = f.UserFactory(email="kim@store.example")
    manager = f.UserFactory(email="boss@store.example")
    f.MembershipFactory(tenant=tenant, user=manager, role=Membership.Role.OWNER)
    article(tenant, "Price match", TODAY - datetime.timedelta(days=3), owner=owner)
    article(tenant, "Orphan", TODAY - datetime.timedelta(days=1))
    article(tenant, "Fresh", TODAY + datetime.timedelta(days=30), owner=owner)
    article(tenant, "Old draft", TODAY - datetime.timedelta(days=30), status="draft", owner=owner)
    article(other_tenant, "Theirs", TODAY - datetime.timedelta(days=3), owner=owner)

    sent = services.stale_articles_report(today=TODAY)
    assert sent == {tenant.slug: 2, other_tenant.slug: 1}
    to_kim = [m for m in mail.outbox if m.to == ["kim@store.example"] and tenant.name in m.subject]
    assert len(to_kim) == 1 and "Price match" in to_kim[0].body and "Fresh" not in to_kim[0].body
    to_boss = [m for m in mail.outbox if m.to == ["boss@store.example"]]
    assert len(to_boss) == 1 and "Orphan" in to_boss[0].body and "Theirs" not in to_boss[0].body

    assert services.stale_articles_report(today=TODAY) == {}
    assert len(mail.outbox) == 3


def test_the_nightly_task_is_scheduled_and_runs(settings, tenant):
    schedule = settings.CELERY_BEAT_SCHEDULE["knowledge-stale-articles"]
    assert schedule["task"] == report_stale_articles.name
    assert report_stale_articles.apply().get() == {}
