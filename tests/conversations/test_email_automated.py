"""Mail no person wrote (out-of-office and other auto-replies, bounces, the store's own mail
coming back) is understood (200), recorded for staff, and never answered: an AI answering an
auto-responder is a loop between two bots."""

import json

import pytest
from django.core import mail

from agents.engine.stragglers import conversations_waiting_too_long
from conversations import hooks
from conversations.models import Customer, Message
from conversations.services import message_reply_create
from tenants.models import AuditEvent
from tests.conversations.test_email_webhook import mail_fields, post_mail, sendgrid_body
from tests.factories import ConversationFactory, CustomerFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def turns(monkeypatch):
    """The messages the agent's turn scheduler was told about."""
    told = []
    monkeypatch.setattr(hooks, "_message_received", [told.append])
    return told


def with_headers(fields: dict, *lines: str) -> dict:
    return {**fields, "headers": fields["headers"] + "".join(f"{line}\n" for line in lines)}


def assert_ignored(response, kind: str) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] and body["ignored"] == kind and body["message_id"] is None
    return body


OUT_OF_OFFICE = [
    ("Auto-Submitted: auto-replied",),
    ("Auto-Submitted: auto-generated",),
    ("X-Autoreply: yes",),
    ("X-Autorespond: Out of office",),
    ("Precedence: auto_reply",),
    ("Precedence: bulk",),
]


@pytest.mark.parametrize("headers", OUT_OF_OFFICE)
def test_an_auto_reply_is_recorded_and_not_answered(client, tenant, turns, headers):
    customer = CustomerFactory(tenant=tenant, email="pat@example.com")
    thread = ConversationFactory(tenant=tenant, customer=customer, channel="email")
    ours = MessageFactory(conversation=thread, ai_reply=True, provider_message_id="reply-1@store.example")
    fields = with_headers(
        mail_fields(subject="Re: Where is my order?", text="I am out of the office until Monday.",
                    in_reply_to=ours.provider_message_id),
        *headers,
    )  # fmt: skip
    assert_ignored(post_mail(client, tenant, sendgrid_body(fields)), "auto_reply")
    assert list(Message.objects.filter(tenant=tenant)) == [ours] and turns == []
    event = AuditEvent.objects.get(tenant=tenant, verb="email.ignored")
    assert event.data["from"] == "pat@example.com" and event.data["kind"] == "auto_reply"
    assert event.data["text"] == "I am out of the office until Monday."


AUTO_SUBJECTS = [
    "Automatic reply: Your order", "Out of Office: Re: Your order", "Abwesenheitsnotiz: Ihre Bestellung",
    "Réponse automatique : Votre commande",
]  # fmt: skip


@pytest.mark.parametrize("subject", AUTO_SUBJECTS)
def test_an_auto_reply_known_by_its_subject_is_not_answered(client, tenant, turns, subject):
    response = post_mail(client, tenant, sendgrid_body(mail_fields(subject=subject, text="Back on Monday.")))
    assert_ignored(response, "auto_reply")
    assert not Message.objects.exists() and turns == []


def test_auto_submitted_no_is_a_person(client, tenant, turns, django_capture_on_commit_callbacks):
    fields = with_headers(mail_fields(), "Auto-Submitted: no")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_mail(client, tenant, sendgrid_body(fields)).status_code == 201
    assert len(turns) == 1


def test_a_bounce_is_not_answered_makes_no_customer_and_fails_the_reply_it_bounced(client, tenant, turns):
    customer = CustomerFactory(tenant=tenant, email="gone@example.com")
    thread = ConversationFactory(tenant=tenant, customer=customer, channel="email")
    ours = MessageFactory(
        conversation=thread, ai_reply=True, provider_message_id="reply-9@store.example", delivery_status="sent"
    )
    report = (
        "** Address not found **\n\nYour message wasn't delivered to gone@example.com because the address "
        "couldn't be found.\n\n----- Original message -----\n\nMessage-ID: <reply-9@store.example>\n"
        "Subject: Re: Where is my order?\n"
    )
    fields = with_headers(
        mail_fields(sender="Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
                    subject="Delivery Status Notification (Failure)", text=report, message_id="dsn-1@google.com"),
        "X-Failed-Recipients: gone@example.com",
    )  # fmt: skip
    fields["envelope"] = json.dumps({"to": ["support@store.example"], "from": ""})
    assert_ignored(post_mail(client, tenant, sendgrid_body(fields)), "bounce")
    ours.refresh_from_db()
    assert ours.delivery_status == "failed" and "Delivery Status Notification" in ours.delivery_error
    assert list(Customer.objects.filter(tenant=tenant)) == [customer] and turns == []
    assert AuditEvent.objects.get(tenant=tenant, verb="email.ignored").data["bounced_message_ids"] == [ours.pk]


def test_a_bounce_from_an_empty_envelope_sender_is_recognised(client, tenant, turns):
    fields = mail_fields(sender="Postmaster <bounces@mx.example.net>", subject="Undelivered Mail Returned to Sender")
    fields["envelope"] = json.dumps({"to": ["support@store.example"], "from": None})
    assert_ignored(post_mail(client, tenant, sendgrid_body(fields)), "bounce")
    assert not Message.objects.exists()


def test_mail_from_the_stores_own_address_is_a_loop(client, tenant, turns, settings):
    tenant.email_from = "Help@Store.example"
    tenant.save()
    fields = mail_fields(sender="Store <help@store.example>", text="Hi Pat, your order shipped.")
    assert_ignored(post_mail(client, tenant, sendgrid_body(fields)), "loop")
    settings.DEFAULT_FROM_EMAIL = "Supportdesk <noreply-desk@supportdesk.example>"
    tenant.email_from = ""
    tenant.save()
    fields = mail_fields(sender="noreply-desk@supportdesk.example", message_id="loop-2@x")
    assert post_mail(client, tenant, sendgrid_body(fields)).json()["ignored"] in ("loop", "no_reply_sender")
    assert not Message.objects.exists() and not Customer.objects.exists() and turns == []


def test_mail_from_a_no_reply_address_is_not_answered(client, tenant, turns):
    fields = mail_fields(sender="Carrier <no-reply@carrier.example>", subject="Your parcel is on its way")
    assert_ignored(post_mail(client, tenant, sendgrid_body(fields)), "no_reply_sender")
    assert not Message.objects.exists()


def test_nothing_ignored_is_left_for_the_straggler_sweep(client, tenant, turns):
    fields = with_headers(mail_fields(text="Out of office"), "Auto-Submitted: auto-replied")
    post_mail(client, tenant, sendgrid_body(fields))
    assert conversations_waiting_too_long() == []


def test_ai_replies_say_they_are_automatic_so_responders_stay_quiet(tenant, django_capture_on_commit_callbacks):
    thread = ConversationFactory(tenant=tenant, customer__email="pat@example.com", channel="email")
    with django_capture_on_commit_callbacks(execute=True):
        message_reply_create(conversation=thread, body="It shipped.")
        message_reply_create(conversation=thread, body="A person here.", sender_kind=Message.SenderKind.STAFF)
    ai, staff = (sent.message() for sent in mail.outbox)
    assert ai["Auto-Submitted"] == "auto-replied" and ai["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert staff["Auto-Submitted"] is None
