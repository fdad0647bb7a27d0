"""One shopper across channels: proven on a second channel, the records become one."""

from agents.engine.converse import converse
from conversations.models import Conversation, Customer
from conversations.services import message_receive
from orders.models import Order

ALEX = "alex.morgan@example.com"


def tools(result: dict) -> list[tuple[str, str]]:
    return [(call["tool"], call["status"]) for call in result["tool_calls"]]


def tracking_number(tenant, number: str) -> str:
    """The demo order's tracking number, read rather than copied, so a change to the demo data shows."""
    tracking = Order.objects.get(tenant=tenant, number=number).tracking_number
    assert tracking  # the premise: it shipped with tracking
    return tracking


def test_a_widget_visitor_who_proves_an_order_joins_the_known_customer(macrocenter):
    alex = Customer.objects.get(tenant=macrocenter, email=ALEX)
    tracking = tracking_number(macrocenter, "ORD-1002")
    email_thread = message_receive(
        tenant=macrocenter, channel="email", body="Where is ORD-1002? It was due Monday.", email=ALEX,
        verified=True, schedule_turn=False,
    ).message.conversation  # fmt: skip
    visitor = Customer.objects.create(tenant=macrocenter)
    converse(tenant=macrocenter, customer=visitor, text="where is ORD-1002", verified=False)
    right = converse(tenant=macrocenter, customer=visitor, text=ALEX, verified=False)
    assert tracking in right["reply"]
    visitor.refresh_from_db()
    assert visitor.merged_into_id == alex.pk  # kept, empty, so the widget's token leads to Alex
    web = Conversation.objects.get(pk=right["conversation_id"])
    assert web.customer_id == alex.pk and email_thread.customer_id == alex.pk
    assert set(alex.conversations.values_list("channel", flat=True)) == {"web", "email"}


def test_a_texter_who_proves_an_order_brings_the_phone_to_the_customer(macrocenter):
    mia = Customer.objects.get(tenant=macrocenter, email="mia.johnson@example.com")
    Customer.objects.filter(pk=mia.pk).update(phone="")
    # A text proves the phone, not whose orders it may see.
    texter = message_receive(
        tenant=macrocenter, channel="sms", body="hi", phone="+15550001111", verified=True, schedule_turn=False
    ).message.conversation.customer
    number = mia.orders.order_by("id").first().number
    asked = converse(tenant=macrocenter, customer=texter, channel="sms", text=f"status of {number}?")
    assert tools(asked) == [("lookup_order", "denied")] and "email" in asked["reply"]
    proven = converse(tenant=macrocenter, customer=texter, channel="sms", text=f"it's {mia.email}")
    assert number in proven["reply"] and ("lookup_order", "ok") in tools(proven)
    mia.refresh_from_db()
    texter.refresh_from_db()
    assert mia.phone == "+15550001111" and texter.phone == "" and texter.merged_into_id == mia.pk
    again = message_receive(tenant=macrocenter, channel="sms", body="thanks!", phone="+15550001111",
                            schedule_turn=False)  # fmt: skip
    assert again.message.conversation.customer_id == mia.pk


def test_a_known_customer_asking_about_anothers_order_stays_apart(macrocenter):
    priya = Customer.objects.get(tenant=macrocenter, email="priya.shah@example.com")
    alex = Customer.objects.get(tenant=macrocenter, email=ALEX)
    tracking = tracking_number(macrocenter, "ORD-1002")
    asked = converse(tenant=macrocenter, customer=priya, text="where is ORD-1002")
    assert tools(asked) == [("lookup_order", "denied")] and tracking not in asked["reply"]
    wrong = converse(tenant=macrocenter, customer=priya, text="try priya.shah@example.com")
    assert tracking not in wrong["reply"]
    shown = converse(tenant=macrocenter, customer=priya, text=f"it was ordered with {ALEX}")
    assert tracking in shown["reply"]  # the order's email is the proof, as for any visitor
    conversation = Conversation.objects.get(pk=shown["conversation_id"])
    assert conversation.customer_id == priya.pk and Customer.objects.filter(pk=alex.pk).exists()


def test_hello_on_the_widget_recalls_the_order_asked_about_by_email(macrocenter):
    alex = Customer.objects.get(tenant=macrocenter, email=ALEX)
    message_receive(tenant=macrocenter, channel="email", body="Hi, has ORD-1001 shipped yet?", email=ALEX,
                    verified=True, schedule_turn=False)  # fmt: skip
    hello = converse(tenant=macrocenter, customer=alex, text="hello")
    assert "I see you asked about ORD-1001 by email earlier" in hello["reply"]
    status = converse(tenant=macrocenter, customer=alex, text="yes, where is it now?")
    assert ("lookup_order", "ok") in tools(status) and "ORD-1001" in status["reply"]


def test_an_anonymous_visitor_is_not_told_about_anyone_elses_history(macrocenter):
    message_receive(tenant=macrocenter, channel="email", body="Hi, has ORD-1001 shipped yet?", email=ALEX,
                    verified=True, schedule_turn=False)  # fmt: skip
    visitor = Customer.objects.create(tenant=macrocenter)
    hello = converse(tenant=macrocenter, customer=visitor, text="hello", verified=False)
    assert "ORD-1001" not in hello["reply"] and "earlier" not in hello["reply"]
    assert "What can I do for you" in hello["reply"]  # the plain greeting, not a recalled order
