"""The demo store's articles answer what shoppers ask in their own words (not the articles')."""

import pytest

from knowledge import services
from knowledge.models import Article
from knowledge.search import search
from supportdesk.demo import DEMO_TENANTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def macrocenter_kb(tenant):
    spec = next(t for t in DEMO_TENANTS if t.slug == "macrocenter")
    slugs = {}
    for item in spec.articles:
        if item.status != Article.Status.PUBLISHED:
            continue
        article = services.article_save(
            article=Article(tenant=tenant, slug=item.slug, title=item.title, body=item.body, status=item.status)
        )
        services.chunks_embed(article_id=article.pk)
        slugs[article.pk] = item.slug
    return slugs


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        # The article said "cryptocurrency", never the coin shoppers name.
        ("do you take bitcoin", "payment-methods"),
        # It said "shutdowns under load"; shoppers describe the game going dark.
        ("my pc turns off in the middle of a game and restarts", "psu-sizing-for-graphics-cards"),
    ],
)
def test_shoppers_questions_find_the_article_that_answers_them(tenant, macrocenter_kb, question, slug):
    results = search(tenant=tenant, query=question, k=3)
    assert macrocenter_kb[results[0].article_id] == slug
