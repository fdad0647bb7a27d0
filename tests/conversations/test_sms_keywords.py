"""Texts the way shoppers send them: carrier keywords (STOP, START), emoji, pictures without
words, and a number on file written differently from Twilio's E.164."""

import pytest

from agents.engine.stragglers import conversations_waiting_too_long
from conversations import hooks
from conversations.models import Conversation, Customer, Message
from conversations.services import message_reply_create
from tests.conversations.test_sms_webhook import TOKEN, inbound, post_signed
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SMS = "/channels/sms/inbound/"


@pytest.fixture
def store(tenant):
    """Signed with the store's token; without an account SID replies go to the log (sent)."""
    tenant.sms_number, tenant.twilio_auth_token = "+14155550199", TOKEN
    tenant.save()
    return tenant


@pytest.fixture
def turns(monkeypatch):
    told = []
    monkeypatch.setattr(hooks, "_message_received", [told.append])
    return told


def text(client, body: str, sid: str, **extra):
    response = post_signed(client, SMS, inbound(Body=body, MessageSid=sid, **extra))
    assert response.status_code == 200, response.content
    return Message.objects.get(provider_message_id=sid)


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop. ", "UNSUBSCRIBE", "Cancel", "quit", "STOP ALL"])
def test_an_opt_out_keyword_is_kept_for_staff_and_never_answered(
    client, store, turns, body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = text(client, body, "SM1")
    assert message.metadata["sms_keyword"] == "stop" and turns == []
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.answered_through_id == message.pk and conversation_waiting() == []


def conversation_waiting():
    return conversations_waiting_too_long()


def test_words_around_a_keyword_make_it_a_message(client, store, turns, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = text(client, "please cancel ORD-1002", "SM1")
    assert "sms_keyword" not in message.metadata and turns == [message]


def test_after_stop_replies_are_not_sent_until_start(client, store, django_capture_on_commit_callbacks):
    stop = text(client, "STOP", "SM1")
    with django_capture_on_commit_callbacks(execute=True):
        blocked = message_reply_create(conversation=stop.conversation, body="Your order shipped.")
    blocked.refresh_from_db()
    assert blocked.delivery_status == "failed" and "STOP" in blocked.delivery_error
    text(client, "START", "SM2")
    with django_capture_on_commit_callbacks(execute=True):
        sent = message_reply_create(conversation=stop.conversation, body="Welcome back.")
    sent.refresh_from_db()
    assert sent.delivery_status == "sent"


def test_twilios_opt_out_type_is_trusted(client, store, turns):
    message = text(client, "arrêt", "SM1", OptOutType="STOP")
    assert message.metadata["sms_keyword"] == "stop"


def test_a_stop_after_unanswered_words_leaves_them_to_be_answered(client, store, turns):
    question = text(client, "where is my order?", "SM1")
    stop = text(client, "STOP", "SM2")
    conversation = Conversation.objects.get(pk=stop.conversation_id)
    assert conversation.answered_through_id < question.pk


def test_emoji_and_non_gsm_text_are_kept_as_sent(client, store, turns):
    body = "where is my order? 📦🙏 Grüße — ça va? 你好"
    assert text(client, body, "SM1").body == body


@pytest.mark.parametrize("stored", ["(415) 555-0123", "415-555-0123", "+1 415 555 0123", "1-415-555-0123"])
def test_a_phone_on_file_written_differently_is_the_same_shopper(client, store, turns, stored):
    known = CustomerFactory(tenant=store, phone=stored, email="pat@example.com")
    message = text(client, "hi", "SM1", From="+14155550123")
    assert message.conversation.customer == known and Customer.objects.filter(tenant=store).count() == 1


def test_a_similar_number_from_another_country_is_someone_else(client, store, turns):
    CustomerFactory(tenant=store, phone="+44 20 5550 0123", email="uk@example.com")
    message = text(client, "hi", "SM1", From="+12055500123")
    assert message.conversation.customer.email == ""
