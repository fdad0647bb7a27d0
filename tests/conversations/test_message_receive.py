"""conversations.services.message_receive: commit first, then tell the rest of the system."""

import pytest

from agents.engine import window_remaining
from conversations import hooks
from conversations.models import Conversation, Customer, Message
from conversations.services import MAX_MESSAGE_CHARS, message_receive
from supportdesk.errors import ApplicationError, NotFound
from tests.factories import ConversationFactory, CustomerFactory


@pytest.fixture
def heard(monkeypatch):
    """What the message_received hook was called with (the agents app schedules turns there)."""
    calls = []
    monkeypatch.setattr(hooks, "_message_received", [calls.append])
    return calls


def test_a_new_shopper_gets_a_customer_and_a_conversation(tenant, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received = message_receive(
            tenant=tenant, channel="email", body="Hello\x00 there\u202e", email="New@Shop.example"
        )
    message = received.message
    assert received.created and message.body == "Hello there"
    assert message.direction == "inbound" and message.sender_kind == "customer" and message.channel == "email"
    assert message.conversation.customer.email == "New@Shop.example" and message.conversation.channel == "email"
    assert heard == [message]


def test_the_hook_runs_only_after_commit(tenant, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message_receive(tenant=tenant, channel="web", body="hi", email="a@b.example")
    assert heard == [] and callbacks  # queued for after the commit, not run inside it


def test_a_broker_outage_while_scheduling_the_turn_loses_nothing(
    tenant, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def broker_down(message):
        raise OperationalError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr(hooks, "_message_received", [broker_down])
    with django_capture_on_commit_callbacks(execute=True):
        received = message_receive(tenant=tenant, channel="web", body="is anyone there?", email="a@b.example")
    assert Message.objects.filter(pk=received.message.pk, body="is anyone there?").exists()
    assert "broker_down failed" in caplog.text  # logged; the straggler sweep answers it later


def test_a_known_customer_continues_their_open_conversation(tenant, heard):
    customer = CustomerFactory(tenant=tenant, email="pat@example.com")
    first = message_receive(tenant=tenant, channel="sms", body="one", email="PAT@example.com").message
    second = message_receive(tenant=tenant, channel="sms", body="two", customer=customer).message
    assert first.conversation_id == second.conversation_id and first.conversation.customer == customer
    # Another channel is another conversation, of the same customer.
    email = message_receive(tenant=tenant, channel="email", body="three", customer=customer).message
    assert email.conversation_id != first.conversation_id and email.conversation.customer == customer


def test_writing_to_a_resolved_conversation_reopens_it(tenant, heard):
    conversation = ConversationFactory(tenant=tenant, status=Conversation.Status.RESOLVED)
    message_receive(tenant=tenant, channel="web", body="one more thing", conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN and conversation.last_message_at is not None


def test_a_repeated_provider_id_stores_nothing_new(tenant, heard):
    first = message_receive(tenant=tenant, channel="sms", body="hi", phone="+14155550100", provider_message_id="SM1")
    again = message_receive(tenant=tenant, channel="sms", body="hi", phone="+14155550100", provider_message_id="SM1")
    assert first.created and not again.created and again.message.pk == first.message.pk
    assert Message.objects.filter(tenant=tenant).count() == 1


def test_the_channel_can_vouch_for_the_shopper(tenant, heard):
    message = message_receive(tenant=tenant, channel="email", body="hi", email="v@example.com", verified=True).message
    assert message.conversation.customer_verified
    other = message_receive(tenant=tenant, channel="web", body="hi").message
    assert not other.conversation.customer_verified


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "empty_message"), (" \n\t\x01 ", "empty_message"), ("x" * (MAX_MESSAGE_CHARS + 1), "message_too_long")],
)
def test_empty_and_oversized_messages_are_refused_and_nothing_is_stored(tenant, heard, body, code):
    with pytest.raises(ApplicationError) as error:
        message_receive(tenant=tenant, channel="web", body=body, email="x@example.com")
    assert error.value.code == code
    assert not Message.objects.exists() and not Customer.objects.filter(email="x@example.com").exists()
    assert heard == []


def test_unknown_channel_is_refused(tenant, heard):
    with pytest.raises(ApplicationError, match="Unknown channel"):
        message_receive(tenant=tenant, channel="pigeon", body="coo", email="x@example.com")


def test_another_tenants_customer_or_conversation_is_not_found(tenant, other_tenant, heard):
    with pytest.raises(NotFound):
        message_receive(tenant=tenant, channel="web", body="hi", customer=CustomerFactory(tenant=other_tenant))
    with pytest.raises(NotFound):
        message_receive(tenant=tenant, channel="web", body="hi", conversation=ConversationFactory(tenant=other_tenant))
    assert not Message.objects.exists()


def test_provider_ids_are_per_tenant(tenant, other_tenant, heard):
    a = message_receive(tenant=tenant, channel="sms", body="a", phone="+14155550100", provider_message_id="SM9")
    b = message_receive(tenant=other_tenant, channel="sms", body="b", phone="+14155550100", provider_message_id="SM9")
    assert a.created and b.created and a.message.conversation.customer != b.message.conversation.customer


def test_the_batch_window_waits_for_quiet_but_not_past_the_maximum(tenant, heard):
    from datetime import timedelta

    tenant.batch_window_ms, tenant.batch_max_wait_ms = 2000, 5000
    first = message_receive(tenant=tenant, channel="web", body="a", email="w@example.com").message
    last = message_receive(tenant=tenant, channel="web", body="b", email="w@example.com").message
    assert 1.5 < window_remaining(tenant, [first, last], now=last.created_at) <= 2.0
    assert window_remaining(tenant, [first, last], now=last.created_at + timedelta(seconds=3)) == 0
    first.created_at = last.created_at - timedelta(seconds=4)  # a shopper who keeps typing
    assert window_remaining(tenant, [first, last], now=last.created_at) == pytest.approx(1.0, abs=0.01)
