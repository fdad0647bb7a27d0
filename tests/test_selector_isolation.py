"""Every selector answers from the tenant it is given, never from another tenant's rows."""

import pytest

from agents import selectors as agent_selectors
from conversations import selectors as conversation_selectors
from hitl import selectors as hitl_selectors
from knowledge import selectors as knowledge_selectors
from knowledge.models import Article
from orders import selectors as order_selectors
from supportdesk.errors import NotFound
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_orders_and_products_are_found_only_in_their_tenant(tenant, other_tenant):
    item = f.OrderItemFactory(order__number="ORD-1001", tenant=other_tenant)
    product = f.ProductFactory(tenant=other_tenant, sku="GPU-4090")
    mine = f.OrderFactory(tenant=tenant, number="ORD-2000")

    with pytest.raises(NotFound):
        order_selectors.order_get_by_number(tenant=tenant, number="ORD-1001")
    with pytest.raises(NotFound):
        order_selectors.product_get_by_sku(tenant=tenant, sku="GPU-4090")
    assert order_selectors.order_get_by_number(tenant=other_tenant, number=" ord-1001 ") == item.order
    assert order_selectors.product_get_by_sku(tenant=other_tenant, sku="gpu-4090") == product
    assert order_selectors.order_get_by_number(tenant=tenant, number="ORD-2000") == mine
    assert list(order_selectors.product_list(tenant=tenant)) == []
    assert list(order_selectors.order_list_for_customer(tenant=tenant, customer_id=item.order.customer_id)) == []
    assert list(order_selectors.inventory_for_product(tenant=tenant, product=product)) == []


def test_customers_conversations_messages_and_tickets_stay_in_their_tenant(tenant, other_tenant):
    theirs = f.MessageFactory(tenant=other_tenant, conversation__customer__email="Sam@Example.com")
    customer = theirs.conversation.customer
    f.TicketFactory(tenant=other_tenant)

    assert conversation_selectors.customer_find(tenant=tenant, email="sam@example.com") is None
    assert conversation_selectors.customer_find(tenant=other_tenant, email="sam@example.com") == customer
    with pytest.raises(NotFound):
        conversation_selectors.conversation_get(tenant=tenant, conversation_id=theirs.conversation_id)
    assert list(conversation_selectors.message_list(tenant=tenant, conversation_id=theirs.conversation_id)) == []
    assert list(conversation_selectors.conversation_list(tenant=tenant)) == []
    assert list(conversation_selectors.ticket_list(tenant=tenant)) == []


def test_customer_is_found_by_phone_when_the_email_is_unknown(tenant):
    customer = f.CustomerFactory(tenant=tenant, email="", phone="+14155550123")
    found = conversation_selectors.customer_find(tenant=tenant, email="new@example.com", phone="+14155550123")
    assert found == customer
    assert conversation_selectors.customer_find(tenant=tenant) is None


def test_only_published_articles_of_the_tenant_are_listed(tenant, other_tenant):
    published = f.ArticleFactory(tenant=tenant, status=Article.Status.PUBLISHED)
    f.ArticleFactory(tenant=tenant, status=Article.Status.DRAFT)
    f.ArticleFactory(tenant=tenant, status=Article.Status.ARCHIVED)
    f.ArticleFactory(tenant=other_tenant, status=Article.Status.PUBLISHED, slug=published.slug)
    assert list(knowledge_selectors.article_list_published(tenant=tenant)) == [published]
    assert knowledge_selectors.article_get(tenant=tenant, slug=published.slug) == published


def test_review_queue_is_per_tenant_and_most_urgent_first(tenant, other_tenant):
    low = f.ReviewRequestFactory(tenant=tenant, priority="low")
    critical = f.ReviewRequestFactory(tenant=tenant, priority="urgent")
    f.ReviewRequestFactory(tenant=other_tenant, priority="urgent")
    assert list(hitl_selectors.review_request_list_pending(tenant=tenant)) == [critical, low]


def test_the_most_specific_escalation_rule_wins_within_the_tenant(tenant, other_tenant):
    f.EscalationPolicyFactory(tenant=other_tenant, category="refund", priority="high", review_minutes=5)
    fallback = f.EscalationPolicyFactory(tenant=tenant, category="", priority="", review_minutes=480)
    any_high = f.EscalationPolicyFactory(tenant=tenant, category="", priority="high", review_minutes=120)
    refund = f.EscalationPolicyFactory(tenant=tenant, category="refund", priority="", review_minutes=60)
    assert hitl_selectors.escalation_policy_for(tenant=tenant, category="refund", priority="high") == refund
    assert hitl_selectors.escalation_policy_for(tenant=tenant, category="shipping", priority="high") == any_high
    assert hitl_selectors.escalation_policy_for(tenant=tenant, category="shipping", priority="low") == fallback
    assert hitl_selectors.escalation_policy_for(tenant=other_tenant, category="x", priority="low") is None


def test_agent_profiles_and_runs_stay_in_their_tenant(tenant, other_tenant):
    run = f.AgentRunFactory(tenant=other_tenant)
    f.AgentProfileFactory(tenant=other_tenant)
    assert list(agent_selectors.agent_profile_list_active(tenant=tenant)) == []
    assert list(agent_selectors.agent_run_list(tenant=tenant, conversation_id=run.conversation_id)) == []
    assert list(agent_selectors.agent_run_list(tenant=other_tenant, conversation_id=run.conversation_id)) == [run]
