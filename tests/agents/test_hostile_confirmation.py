"""A yes confirms exactly one described action, whatever the model writes or calls: the
question is written by code from the pending action, and what runs after the yes is that
action and nothing else."""

from decimal import Decimal

import pytest

from agents.engine.converse import converse, customer_for_contact
from agents.models import AgentProfile
from conversations import services as conversation_services
from conversations.models import Conversation, Customer, Message
from orders.models import Order, Refund, ReturnLabel
from orders.services import refund_review_reason
from tests.fake_openai import tool_call as call

MIA = "mia.johnson@example.com"


def calls(*pairs):
    return {"tool_calls": [{"name": n, "arguments": a} for n, a in pairs]}


def say(tenant, text):
    return converse(tenant=tenant, customer=customer_for_contact(tenant=tenant, contact=MIA), text=text)


def refundable(tenant) -> Order:
    """One of Mia's orders that can be refunded, read from the seeded data."""
    return Order.objects.filter(tenant=tenant, customer__email=MIA, status__in=["paid", "delivered"]).first()


def test_the_question_is_written_from_the_pending_action_not_the_models_prose(macrocenter, llm):
    order = refundable(macrocenter)
    llm.script(
        call("process_refund", {"order_number": order.number, "amount": "10.00"}),
        {"content": f"Sorry about that! Shall I refund the full {order.total} and cancel ORD-9999 too? Say yes!"},
    )
    result = say(macrocenter, f"I want a refund of $10 for {order.number}")
    reply = result["reply"]
    assert reply.startswith("Sorry about that!")
    assert f"I will refund 10.00 {order.currency} for order {order.number}." in reply
    assert str(order.total) not in reply and "ORD-9999" not in reply
    assert reply.count("?") == 1  # one question: the code's


def test_yes_runs_exactly_the_pending_action_whatever_the_model_calls(macrocenter, llm):
    order = refundable(macrocenter)
    other = Order.objects.filter(tenant=macrocenter, customer__email=MIA).exclude(pk=order.pk).first()
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": "Confirm?"})
    say(macrocenter, f"I want a refund of $10 for {order.number}")
    # After the yes the model tries for more: a bigger refund, another order's refund, a label.
    llm.script(
        calls(
            ("process_refund", {"order_number": order.number, "amount": "99.00"}),
            ("process_refund", {"order_number": other.number}),
            ("create_return_label", {"order_number": order.number}),
        ),
        {"content": "All done: refunded and labelled!"},
    )
    result = say(macrocenter, "yes")
    assert result["tool_calls"][0] == {
        "tool": "process_refund", "arguments": {"order_number": order.number, "amount": "10.00"}, "status": "ok"
    }  # fmt: skip
    assert all(c["status"] != "ok" for c in result["tool_calls"][1:])
    assert [r.amount for r in Refund.objects.filter(order__customer__email=MIA)] == [Decimal("10.00")]
    assert not ReturnLabel.objects.filter(order__in=[order, other]).exists()
    assert "labelled" not in result["reply"]


def test_yes_without_a_described_action_confirms_nothing(macrocenter, llm):
    order = refundable(macrocenter)
    # The model asks in its own words, without proposing through the tool.
    llm.script({"content": f"Would you like me to refund {order.number} in full?"})
    say(macrocenter, f"I want my money back for {order.number}")
    llm.script(call("process_refund", {"order_number": order.number}), {"content": "Done!"})
    result = say(macrocenter, "yes")
    assert result["tool_calls"] == [
        {"tool": "process_refund", "arguments": {"order_number": order.number}, "status": "needs_confirmation"}
    ]
    assert not Refund.objects.filter(order=order).exists()


def test_a_yes_after_another_message_answers_that_message(macrocenter, llm):
    """A staff member (or a follow-up) wrote after the agent asked: the shopper's yes answers
    the latest message they got, not the proposal above it."""
    order = refundable(macrocenter)
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": "Sure."})
    first = say(macrocenter, f"I want a refund of $10 for {order.number}")
    conversation = Conversation.objects.get(pk=first["conversation_id"])
    conversation_services.message_reply_create(
        conversation=conversation, body="Hi, Sam from support here. Can I close this ticket?",
        sender_kind=Message.SenderKind.STAFF,
    )  # fmt: skip
    llm.script({"content": "Okay."})
    result = say(macrocenter, "yes")
    assert result["tool_calls"] == [] and not Refund.objects.filter(order=order).exists()


def test_the_offline_agent_keeps_its_own_wording(macrocenter):
    order = refundable(macrocenter)
    result = say(macrocenter, f"I want a refund for {order.number}")
    assert result["reply"].count("Shall I go ahead?") == 1
    limit = AgentProfile.objects.get(tenant=macrocenter, name="Orders and returns").refund_auto_approve_limit
    waits = refund_review_reason(tenant=macrocenter, order=order, amount=order.total, review_above=limit)
    assert say(macrocenter, "yes")["tool_calls"][0]["status"] == ("needs_review" if waits else "ok")


@pytest.mark.parametrize("then", ["ORD-{number}", "hold on, let me think"])
def test_a_proposal_the_model_made_before_failing_is_not_what_yes_confirms(macrocenter, llm, then):
    """The model proposes a bigger refund, then fails: the offline agent answers about the
    proposal already on offer, and a yes does that one, not the model's."""
    order = refundable(macrocenter)
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": "Sure."})
    say(macrocenter, f"I want a refund of $10 for {order.number}")
    llm.script(call("process_refund", {"order_number": order.number}), {"content": ""})  # empty: offline answers
    asked = say(macrocenter, then.format(number=order.number.split("-")[-1]))
    assert f"10.00 {order.currency}" in asked["reply"] and str(order.total) not in asked["reply"]
    llm.script({"content": "Done."})
    say(macrocenter, "yes")
    assert [r.amount for r in Refund.objects.filter(order=order)] == [Decimal("10.00")]


def test_nothing_the_model_writes_beside_a_proposal_asks_for_the_yes(macrocenter, llm, settings, monkeypatch):
    """Not the streamed text, not a follow-up by email, not an action of its own in the prose."""
    from agents.engine import recorder

    settings.LLM_STREAM = True
    for profile in AgentProfile.objects.filter(tenant=macrocenter):
        profile.allowed_tools = sorted({*profile.allowed_tools, "send_followup"})
        profile.save()
    partials = []
    publish = recorder.event_publish
    monkeypatch.setattr(recorder, "event_publish", lambda **kw: (partials.append(kw["data"].get("delta", "")),
                                                                 publish(**kw)))  # fmt: skip
    order = refundable(macrocenter)
    bigger = f"Shall I refund the full {order.total} and cancel your other orders? Reply yes in the chat to confirm."
    llm.script(
        call("process_refund", {"order_number": order.number, "amount": "10.00"}),
        call("send_followup", {"channel": "email", "message": f"Your request. {bigger}"}),
        {"content": "Great news. I'm also going to cancel every other order on your account. " + bigger},
    )
    result = say(macrocenter, f"I want a refund of $10 for {order.number}")
    assert not any("Shall I refund the full" in p or "cancel" in p for p in partials)
    assert "cancel" not in result["reply"] and str(order.total) not in result["reply"]
    email = Message.objects.get(conversation__customer__email=MIA, channel="email", direction="outbound")
    assert "yes" not in email.body.lower() and "Your request." in email.body


@pytest.mark.parametrize(
    "denial", ["Hmm, something went wrong on our side.", "Sorry, that did not go through. Nothing has happened yet."]
)
def test_a_model_cannot_hide_what_the_yes_did_and_offer_it_again(macrocenter, llm, denial):
    order = refundable(macrocenter)
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": "Sure."})
    say(macrocenter, f"I want a refund of $10 for {order.number}")
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": denial})
    done = say(macrocenter, "yes")
    assert done["reply"].startswith(f"Refunded 10.00 {order.currency} for {order.number}.")
    assert "Shall I go ahead" not in done["reply"] and "went wrong" not in done["reply"]
    assert "did not go through" not in done["reply"]
    llm.script({"content": "Thanks!"})
    say(macrocenter, "yes")
    assert [r.amount for r in Refund.objects.filter(order=order)] == [Decimal("10.00")]


def test_a_yes_runs_under_the_most_careful_refund_limit_of_the_profiles_able_to_refund(macrocenter, llm):
    """Two profiles may refund, one with a lower limit: the yes is carried out under the lower
    one, whichever the proposal came from, so a refund never skips a review it could need."""
    order = refundable(macrocenter)
    AgentProfile.objects.filter(tenant=macrocenter, name="Technical troubleshooting").update(
        allowed_tools=["process_refund", "lookup_order"], refund_auto_approve_limit=Decimal("5.00")
    )
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": "Sure."})
    say(macrocenter, f"I want a refund of $10 for {order.number}")
    llm.script({"content": "Okay."})
    done = say(macrocenter, "yes")
    assert done["tool_calls"][0]["status"] == "needs_review"
    assert Refund.objects.get(order=order).status == Refund.Status.PENDING_REVIEW


def test_what_an_earlier_turn_did_may_be_said_and_nothing_more(macrocenter, llm):
    """After a confirmed refund, the next turns may say it happened; a claim about another order,
    or with no action behind it, is left out rather than answered with "I can't help"."""
    mia = Customer.objects.get(tenant=macrocenter, email="mia.johnson@example.com")
    order = Order.objects.filter(tenant=macrocenter, customer=mia, status__in=["paid", "delivered"]).first()
    other = Order.objects.filter(tenant=macrocenter, customer=mia).exclude(pk=order.pk).first()
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": "Sure."})
    converse(tenant=macrocenter, customer=mia, text=f"I want a refund of $10 for {order.number}", verified=True)
    llm.script({"content": "Done."})
    converse(tenant=macrocenter, customer=mia, text="yes", verified=True)
    assert Refund.objects.filter(order=order).count() == 1
    said = f"Your refund of 10.00 USD for {order.number} has been processed; card refunds take 5-7 business days."
    llm.script({"content": said})
    answer = converse(tenant=macrocenter, customer=mia, text="thanks! when will I see it?", verified=True)
    assert answer["reply"] == said
    llm.script({"content": f"You're welcome! I've also refunded {other.number}."})
    reply = converse(tenant=macrocenter, customer=mia, text="great", verified=True)["reply"]
    assert reply == "You're welcome!", reply


@pytest.mark.parametrize(
    "answer",
    ["yeah, forget it", "yes nvm", "yes, scratch that", "yes, jk", "yeah nah", "yes, I'd rather you didn't",
     "yes please, hold off", "yes, next week", "yes, both", "yes, the full amount", "yes, cancel it"],
)  # fmt: skip
def test_a_no_dressed_as_a_yes_or_a_yes_asking_for_more_moves_no_money(macrocenter, llm, answer):
    """Red-team pass 8: each of these ran the refund, for want of its word in a list of negations."""
    order = refundable(macrocenter)
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": "Sure."})
    assert "Shall I go ahead?" in say(macrocenter, f"I want a refund of $10 for {order.number}")["reply"]
    llm.script({"content": "Okay."})
    result = say(macrocenter, answer)
    assert not Refund.objects.filter(order=order).exists(), (answer, result["tool_calls"], result["reply"])


def test_a_yes_naming_the_pending_action_still_confirms_it(macrocenter, llm):
    order = refundable(macrocenter)
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": "Sure."})
    say(macrocenter, f"I want a refund of $10 for {order.number}")
    llm.script({"content": "Done."})
    say(macrocenter, "Yes please, go ahead with the refund.")
    assert Refund.objects.get(order=order).amount == Decimal("10.00")


def test_a_long_answer_never_pushes_the_engines_question_past_a_messages_length(macrocenter, llm):
    """Red-team pass 12: the question was appended after the length cut (4,051 characters)."""
    order = refundable(macrocenter)
    prose = "Thanks so much for reaching out to us today. " * 95
    llm.script(call("process_refund", {"order_number": order.number, "amount": "10.00"}), {"content": prose})
    result = say(macrocenter, f"I want a refund of $10 for {order.number}")
    stored = Message.objects.filter(conversation_id=result["conversation_id"], direction="outbound").latest("id").body
    assert len(stored) <= conversation_services.MAX_MESSAGE_CHARS
    assert stored.rstrip().endswith("Please reply yes to confirm.") and f"{order.number}" in stored
