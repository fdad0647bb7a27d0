import pytest
from django.core.management import call_command

from knowledge import services
from knowledge.answers import grounded_answer
from knowledge.models import Article

pytestmark = pytest.mark.django_db

REFUNDS = """## When a refund is issued

Returned items are refunded after inspection, usually within 2 business days of arrival.
Cancelled orders are refunded as soon as the cancellation is confirmed.

## How long until I see the money

| Payment method | Time |
|---|---|
| Visa, Mastercard | 5-7 business days |
| PayPal | 1-3 business days |

## Large refunds

Refunds over $500 are reviewed by our billing team first. Reviews take one business day.
"""


@pytest.fixture
def refunds(tenant):
    article = services.article_save(
        article=Article(tenant=tenant, title="Refunds", body=REFUNDS, status=Article.Status.PUBLISHED)
    )
    services.chunks_embed(article_id=article.pk)
    return article


def test_the_answer_quotes_the_relevant_facts_and_names_the_article(tenant, refunds):
    answer = grounded_answer(tenant=tenant, question="how long until a paypal refund shows up")
    assert answer is not None
    assert answer.title == "Refunds" and answer.article_id == refunds.pk
    assert "PayPal — 1-3 business days" in answer.quote
    assert answer.text.startswith("From our help article “Refunds”:")
    assert answer.link.startswith(f"/help/{tenant.slug}/refunds/")
    assert "|" not in answer.text


def test_large_refund_question_quotes_the_review_rule(tenant, refunds):
    answer = grounded_answer(tenant=tenant, question="my refund is over 500 dollars why is it waiting")
    assert "$500" in answer.quote


def test_nothing_is_quoted_when_nothing_answers(tenant, refunds):
    assert grounded_answer(tenant=tenant, question="what is the capital of france") is None


def test_another_tenants_articles_are_never_quoted(tenant, other_tenant, refunds):
    assert grounded_answer(tenant=other_tenant, question="how long until a paypal refund shows up") is None


def test_kb_search_answer_prints_the_quote_and_link(tenant, refunds, capsys):
    call_command("kb_search", "--tenant", tenant.slug, "--answer", "paypal refund time")
    out = capsys.readouterr().out
    assert "From our help article “Refunds”" in out and f"/help/{tenant.slug}/refunds/" in out
