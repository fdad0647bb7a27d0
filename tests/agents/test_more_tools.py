"""recommend_products, update_order_status and send_followup through `execute`."""

from decimal import Decimal

import pytest
from django.core import mail

from agents.tools import ToolContext, execute
from conversations.models import Conversation, Message
from orders.models import Order
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def parts(tenant):
    def product(sku, name, category, price, stock, **attributes):
        item = f.ProductFactory(tenant=tenant, sku=sku, name=name, category=category, price=Decimal(price),
                                attributes=attributes)  # fmt: skip
        f.InventoryFactory(tenant=tenant, product=item, warehouse="east", quantity=stock)
        return item

    return {
        "cpu": product("CPU-7800X3D", "AMD Ryzen 7 7800X3D", "cpu", "449.00", 5, socket="AM5", memory_type="DDR5"),
        "am5": product("MB-B650", "MSI B650 Tomahawk", "motherboard", "219.00", 4, socket="AM5", memory_type="DDR5"),
        "am5x": product("MB-X670", "ASUS X670E Hero", "motherboard", "699.00", 0, socket="AM5", memory_type="DDR5"),
        "lga": product("MB-Z790", "ASUS Z790 Prime", "motherboard", "259.00", 9, socket="LGA1700", memory_type="DDR5"),
        "gpu": product("GPU-4080", "RTX 4080 SUPER", "gpu", "999.00", 3, recommended_psu_watts=850, length_mm=322),
        "psu750": product("PSU-750", "Corsair RM750e", "psu", "99.00", 8, wattage=750),
        "psu850": product("PSU-850", "Corsair RM850x", "psu", "139.00", 8, wattage=850),
    }


def context(tenant, **kwargs):
    return ToolContext(tenant=tenant, **kwargs)


def skus(result):
    return [p["sku"] for p in result.data["products"]]


def test_recommendations_fit_the_part_the_shopper_has(tenant, parts):
    boards = execute(context(tenant), "recommend_products", {"category": "motherboard", "compatible_with": "7800X3D"})
    assert boards.status == "ok" and skus(boards) == ["MB-B650", "MB-X670"]  # in stock first; never the LGA1700 board
    psus = execute(context(tenant), "recommend_products", {"category": "psu", "compatible_with": "GPU-4080"})
    assert skus(psus) == ["PSU-850"]


def test_recommendations_respect_budget_and_attributes(tenant, parts):
    result = execute(context(tenant), "recommend_products", {"category": "motherboard", "max_price": "300",
                                                             "attributes": {"socket": "lga1700"}})  # fmt: skip
    assert skus(result) == ["MB-Z790"]
    nothing = execute(context(tenant), "recommend_products", {"category": "motherboard", "max_price": "10"})
    assert nothing.status == "error" and "Nothing" in nothing.data["message"]


def test_recommendations_never_show_another_tenants_catalogue(tenant, other_tenant, parts):
    result = execute(context(other_tenant), "recommend_products", {"category": "motherboard"})
    assert result.status == "error"


def test_update_order_status_is_for_staff_only(tenant, other_tenant):
    order = f.OrderFactory(tenant=tenant, number="ORD-5000", status=Order.Status.PAID)
    shopper = execute(context(tenant, customer=order.customer, verified=True), "update_order_status",
                      {"order_number": "ORD-5000", "status": "delivered"})  # fmt: skip
    assert shopper.status == "denied"
    staff = f.MembershipFactory(tenant=tenant, role="agent").user
    done = execute(context(tenant, staff_user=staff), "update_order_status",
                   {"order_number": "ORD-5000", "status": "shipped"})  # fmt: skip
    assert done.status == "ok"
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.shipped_at is not None
    f.OrderFactory(tenant=other_tenant, number="ORD-5000", status=Order.Status.PAID)
    elsewhere = execute(context(other_tenant, staff_user=staff), "update_order_status",
                        {"order_number": "ORD-5000", "status": "delivered"})  # fmt: skip
    assert elsewhere.status == "denied"  # a member of one store is nobody in another
    bad = execute(context(tenant, staff_user=staff), "update_order_status", {"order_number": "ORD-5000", "status": "x"})
    assert bad.status == "error"


@pytest.mark.parametrize("role", ["reviewer", "viewer", None])
def test_update_order_status_checks_the_staff_members_role_in_the_store(tenant, role):
    order = f.OrderFactory(tenant=tenant, number="ORD-5001", status=Order.Status.PAID)
    user = f.MembershipFactory(tenant=tenant, role=role).user if role else f.UserFactory(is_staff=True)
    result = execute(context(tenant, staff_user=user), "update_order_status",
                     {"order_number": "ORD-5001", "status": "delivered"})  # fmt: skip
    order.refresh_from_db()
    assert result.status == "denied" and order.status == Order.Status.PAID


def test_send_followup_by_email_joins_the_email_conversation(tenant, django_capture_on_commit_callbacks):
    customer = f.CustomerFactory(tenant=tenant, email="pat@example.com", phone="")
    chat = f.ConversationFactory(tenant=tenant, customer=customer, channel="web", subject="Order question")
    ctx = context(tenant, customer=customer, verified=True, conversation=chat, outbound_guard=lambda t: (t, []))
    with django_capture_on_commit_callbacks(execute=True):
        result = execute(ctx, "send_followup", {"channel": "email", "message": "Here is the summary."})
    assert result.status == "ok"
    sent = Message.objects.get(pk=result.data["message_id"])
    assert sent.channel == "email" and sent.direction == "outbound" and sent.conversation.channel == "email"
    email = mail.outbox[-1]
    assert email.to == ["pat@example.com"]
    # The message itself, inside the store's greeting and sign-off (conversations.channels.email_text).
    assert "\nHere is the summary.\n" in email.body and email.body.startswith("Hi ")
    no_phone = execute(ctx, "send_followup", {"channel": "sms", "message": "hi"})
    assert no_phone.status == "error" and "no sms" in no_phone.data["message"].lower()


def test_send_followup_sends_only_what_the_guard_lets_out(tenant):
    customer = f.CustomerFactory(tenant=tenant, email="pat@example.com", phone="")
    chat = f.ConversationFactory(tenant=tenant, customer=customer, channel="web", subject="Order question")
    guard = lambda text: (text.replace("secret", "[hidden]"), ["output_test"])  # noqa: E731
    ctx = context(tenant, customer=customer, verified=True, conversation=chat, outbound_guard=guard)
    result = execute(ctx, "send_followup", {"channel": "email", "message": "the secret is out"})
    assert Message.objects.get(pk=result.data["message_id"]).body == "the [hidden] is out"
    emptied = context(tenant, customer=customer, verified=True, conversation=chat, outbound_guard=lambda t: ("", []))
    assert execute(emptied, "send_followup", {"channel": "email", "message": "all of it"}).status == "error"
    unguarded = context(tenant, customer=customer, verified=True, conversation=chat)
    assert execute(unguarded, "send_followup", {"channel": "email", "message": "hi"}).status == "denied"
    assert Message.objects.filter(direction="outbound").count() == 1


def test_send_followup_needs_a_verified_shopper(tenant):
    customer = f.CustomerFactory(tenant=tenant, email="pat@example.com")
    chat = f.ConversationFactory(tenant=tenant, customer=customer)
    result = execute(context(tenant, customer=customer, conversation=chat), "send_followup",
                     {"channel": "email", "message": "hi"})  # fmt: skip
    assert result.status == "needs_verification"
    assert not Conversation.objects.filter(channel="email").exists()
