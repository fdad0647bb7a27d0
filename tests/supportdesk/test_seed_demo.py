"""`manage.py seed_demo`: what it creates, that tenants stay apart, and that a second run changes nothing."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from agents.models import AgentProfile
from conversations.models import CannedReply, Conversation, Customer, Message, Ticket
from hitl.models import EscalationPolicy, Queue, ReviewDecision, ReviewRequest, SlaBreach
from knowledge.models import Article, Chunk
from orders.models import Inventory, Order, OrderItem, Product, Refund, ReturnLabel
from supportdesk.demo import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TENANTS
from tenants.models import Membership, Tenant, WidgetKey

User = get_user_model()

SEEDED_MODELS = (
    User,
    Tenant,
    Membership,
    WidgetKey,
    Product,
    Inventory,
    Customer,
    Order,
    OrderItem,
    Refund,
    ReturnLabel,
    Article,
    EscalationPolicy,
    AgentProfile,
    Conversation,
    Message,
    Ticket,
    CannedReply,
)
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[dict]]:
    """Every column of every row the command seeds, updated_at included."""
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in SEEDED_MODELS}


def only_item(order: Order) -> OrderItem:
    items = list(order.items.all())
    assert len(items) == 1, items
    return items[0]


# --------------------------------------------------------------------------- the data itself, no database


def test_published_articles_are_shopper_sized_markdown_with_sections():
    for tenant in DEMO_TENANTS:
        for article in tenant.articles:
            if article.status != Article.Status.PUBLISHED:
                continue
            words = len(article.body.split())
            assert 150 <= words <= 400, (tenant.slug, article.slug, words)
            assert "\n## " in "\n" + article.body, article.slug
            assert article.tags, article.slug


def test_demo_logins_are_exposed_for_make_run():
    assert DEMO_PASSWORD
    assert {username for username, _ in DEMO_LOGINS} == {"admin", "owner", "agent", "reviewer", "northwind"}


# --------------------------------------------------------------------------- one seed, checked part by part


@pytest.mark.django_db
def test_seed_demo_creates_both_stores():
    output = seed()
    assert output.startswith("Created ")

    macrocenter = Tenant.objects.get(slug="macrocenter")
    assert (macrocenter.name, macrocenter.tier) == ("Macro Center", Tenant.Tier.PROFESSIONAL)
    check_catalogue_and_stock(macrocenter)
    check_customers_and_orders(macrocenter)
    check_scripted_orders(macrocenter)
    check_knowledge_base(macrocenter)
    check_staff(macrocenter)
    check_support_setup(macrocenter)
    check_northwind_is_a_separate_store(macrocenter)


def check_catalogue_and_stock(macrocenter: Tenant) -> None:
    products = Product.objects.for_tenant(macrocenter)
    assert products.count() >= 30
    required_attributes = {
        "gpu": {"tdp_watts", "length_mm", "recommended_psu_watts", "pcie"},
        "cpu": {"socket", "tdp_watts", "cores"},
        "motherboard": {"socket", "form_factor", "memory_type"},
        "ram": {"memory_type", "capacity_gb", "speed_mts"},
        "psu": {"wattage", "efficiency", "modular"},
        "case": {"form_factor_support", "max_gpu_length_mm"},
        "storage": {"interface", "capacity_gb"},
    }
    assert set(products.values_list("category", flat=True)) == set(required_attributes)
    for product in products:
        assert required_attributes[product.category] <= product.attributes.keys(), product.sku

    stock = Inventory.objects.for_tenant(macrocenter)
    assert set(stock.values_list("warehouse", flat=True)) == {"east", "west"}
    for warehouse in ("east", "west"):
        assert stock.filter(warehouse=warehouse, quantity=0).exists(), warehouse
        assert stock.filter(warehouse=warehouse, quantity__gt=0, quantity__lte=F("low_stock_threshold")).exists()
        assert stock.filter(warehouse=warehouse, quantity__gt=F("low_stock_threshold")).exists()


def check_customers_and_orders(macrocenter: Tenant) -> None:
    customers = Customer.objects.for_tenant(macrocenter)
    assert customers.count() >= 10
    assert customers.exclude(email="").filter(phone="").exists()
    assert customers.filter(email="").exclude(phone="").exists()
    assert customers.exclude(email="").exclude(phone="").exists()
    for phone in customers.exclude(phone="").values_list("phone", flat=True):
        assert E164.match(phone), phone

    orders = Order.objects.for_tenant(macrocenter)
    assert orders.count() >= 25
    assert set(orders.values_list("status", flat=True)) == set(Order.Status.values)
    for order in orders.prefetch_related("items"):
        assert re.fullmatch(r"ORD-1\d{3}", order.number)
        assert order.total == order.subtotal - order.discount + order.shipping_cost + order.tax
        assert order.subtotal == sum(item.line_total for item in order.items.all())
        assert {"name", "line1", "city", "region", "postal_code", "country"} <= order.shipping_address.keys()
        if order.status in {Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.RETURNED}:
            assert order.carrier and order.tracking_number and order.shipped_at, order.number
        if order.status in {Order.Status.DELIVERED, Order.Status.RETURNED}:
            assert order.delivered_at > order.shipped_at > order.placed_at, order.number
    # Items are a snapshot of the catalogue at the time of the order.
    assert not OrderItem.objects.for_tenant(macrocenter).exclude(sku=F("product__sku")).exists()
    assert not OrderItem.objects.for_tenant(macrocenter).exclude(name=F("product__name")).exists()
    assert not OrderItem.objects.for_tenant(macrocenter).exclude(unit_price=F("product__price")).exists()


def check_scripted_orders(macrocenter: Tenant) -> None:
    orders = Order.objects.for_tenant(macrocenter)

    ord_1001 = orders.get(number="ORD-1001")
    assert ord_1001.status == Order.Status.DELIVERED
    assert ord_1001.total > 1500
    assert "RTX 4090" in only_item(ord_1001).name

    ord_1002 = orders.get(number="ORD-1002")
    assert ord_1002.status == Order.Status.SHIPPED
    assert ord_1002.carrier and ord_1002.tracking_number and ord_1002.shipped_at
    assert "7950X" in only_item(ord_1002).name

    ord_1003 = orders.get(number="ORD-1003")
    assert ord_1003.status == Order.Status.PENDING
    psu = only_item(ord_1003)
    assert psu.product.category == "psu" and psu.product.attributes["wattage"] == 750

    owners = {order.customer.email for order in (ord_1001, ord_1002, ord_1003)}
    assert owners == {"alex.morgan@example.com"}


def check_knowledge_base(macrocenter: Tenant) -> None:
    articles = Article.objects.for_tenant(macrocenter)
    published = articles.filter(status=Article.Status.PUBLISHED)
    assert published.count() >= 12
    assert published.filter(review_by__gt=timezone.localdate()).count() >= published.count() - 1
    topics = {
        "returns-policy",
        "refunds",
        "shipping-times-and-carriers",
        "cancel-an-order",
        "warranty-and-rma",
        "dead-on-arrival-graphics-cards",
        "psu-sizing-for-graphics-cards",
        "gpu-case-motherboard-compatibility",
        "ram-compatibility",
        "payment-methods",
        "account-and-password-reset",
        "price-match",
    }
    assert topics <= set(published.values_list("slug", flat=True))
    assert "$500" in published.get(slug="refunds").body
    assert "30 days" in published.get(slug="returns-policy").body
    # Seeded through the knowledge service: indexed and embedded, so search works at once.
    chunks = Chunk.objects.for_tenant(macrocenter)
    assert chunks.count() >= published.count()
    assert not chunks.filter(embedding__isnull=True).exists()


def check_staff(macrocenter: Tenant) -> None:
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)
    roles = dict(Membership.objects.for_tenant(macrocenter).values_list("user__username", "role"))
    assert roles == {"owner": "owner", "agent": "agent", "reviewer": "reviewer"}
    assert Membership.objects.get(user__username="northwind").tenant.slug == "northwind-coffee"
    for username, _ in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert user.is_staff and user.check_password(DEMO_PASSWORD), username


def check_support_setup(macrocenter: Tenant) -> None:
    policies = EscalationPolicy.objects.for_tenant(macrocenter)
    refund_high = policies.get(category="refund", priority="high")
    assert (refund_high.targets.get(metric="review").minutes, refund_high.queue) == (60, "billing")
    assert refund_high.targets.get(metric="first_response").business_hours is True
    assert refund_high.calendar.periods.count() == 6 and refund_high.calendar.timezone == "America/Los_Angeles"
    fallback = policies.get(category="", priority="", customer_tag="")
    assert fallback.targets.get(metric="review").minutes == 480

    # The review console is not empty: one request past its clock, one on track, two decided,
    # each decided one told to the shopper; the breach was recorded as the beat task would.
    reviews = ReviewRequest.objects.for_tenant(macrocenter)
    pending = reviews.filter(status="pending")
    assert pending.count() == 2 and all(r.conversation_id and r.customer_id for r in pending)
    assert SlaBreach.objects.filter(review__in=pending).count() == 1
    assert set(reviews.exclude(status="pending").values_list("status", flat=True)) == {"edited", "rejected"}
    for decided in reviews.exclude(status="pending"):
        assert decided.conversation.messages.filter(sender_kind="system", metadata__review_id=decided.pk).exists()
    assert {r.assignee.username for r in pending} == {"reviewer"}  # the billing queue's member, online
    billing = Queue.objects.get(tenant=macrocenter, name="billing")
    assert [o.username for o in billing.owners.all()] == ["owner"]
    edited = ReviewDecision.objects.get(review__tenant=macrocenter, outcome="edited")
    assert edited.result["refund_status"] == "processed" and edited.applied["amount"] == "300.00"
    assert (edited.created_at - edited.review.created_at).total_seconds() > 60  # dated as it happened

    profiles = AgentProfile.objects.for_tenant(macrocenter)
    assert set(profiles.values_list("name", flat=True)) == {
        "Supervisor",
        "Orders and returns",
        "Product advice",
        "Technical troubleshooting",
        "General questions",
    }
    assert profiles.get(role=AgentProfile.Role.SUPERVISOR).name == "Supervisor"
    known_tools = {
        "lookup_order",
        "list_orders",
        "check_inventory",
        "recommend_products",
        "cancel_order",
        "process_refund",
        "create_return_label",
        "update_order_status",
        "search_knowledge_base",
        "save_customer_info",
        "escalate_to_human",
        "send_followup",
    }
    for profile in AgentProfile.objects.all():
        assert profile.allowed_tools and set(profile.allowed_tools) <= known_tools, profile.name
        assert profile.max_steps == 5

    widget = WidgetKey.objects.get(public_key="pk_demo_macrocenter")
    assert widget.tenant == macrocenter
    assert widget.allowed_origins == ["http://localhost:8000", "http://127.0.0.1:8000"]

    ticket = Ticket.objects.for_tenant(macrocenter).get()
    assert ticket.order_number == "ORD-1011" and ticket.conversation.messages.count() >= 2


def check_northwind_is_a_separate_store(macrocenter: Tenant) -> None:
    northwind = Tenant.objects.get(slug="northwind-coffee")
    assert (northwind.name, northwind.tier) == ("Northwind Coffee", Tenant.Tier.STARTER)

    northwind_products = Product.objects.for_tenant(northwind)
    assert northwind_products.count() >= 5
    assert not Product.objects.for_tenant(macrocenter).filter(pk__in=northwind_products).exists()
    assert Customer.objects.for_tenant(northwind).count() >= 3
    assert Article.objects.for_tenant(northwind).filter(status=Article.Status.PUBLISHED).count() >= 3
    assert AgentProfile.objects.for_tenant(northwind).filter(name="Assistant").exists()
    assert WidgetKey.objects.for_tenant(northwind).get().public_key == "pk_demo_northwind"

    northwind_orders = Order.objects.for_tenant(northwind)
    assert northwind_orders.count() >= 4
    assert not Order.objects.for_tenant(macrocenter).filter(pk__in=northwind_orders).exists()
    # The same order number and the same shopper email, in two stores: two separate rows.
    ours, theirs = (Order.objects.for_tenant(t).get(number="ORD-1001") for t in (macrocenter, northwind))
    assert ours.pk != theirs.pk and ours.customer_id != theirs.customer_id
    assert ours.customer.email == theirs.customer.email
    assert theirs.items.get(sku="NW-BEAN-ETH-YIRG-340").product.tenant == northwind


# --------------------------------------------------------------------------- a second run


@pytest.mark.django_db
def test_second_run_changes_nothing_and_keeps_existing_passwords():
    User.objects.create_user(username="agent", password="my-own-password", is_staff=True)
    seed()
    assert User.objects.get(username="agent").check_password("my-own-password")

    before = snapshot()
    output = seed()

    assert output.strip() == "Demo data already present, nothing changed."
    assert snapshot() == before
