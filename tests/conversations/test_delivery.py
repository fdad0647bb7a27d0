"""Outbound email and SMS: delivered after commit by a retried task, threaded, recorded."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from conversations import hooks
from conversations.models import Message
from conversations.services import followup_send, message_receive, message_reply_create
from tests.factories import ConversationFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_turns(monkeypatch):
    monkeypatch.setattr(hooks, "_message_received", [])


class FlakyBackend(EmailBackend):
    """Fails the first ``failures`` sends of a test, then behaves like locmem."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server refused the connection")
        return super().send_messages(messages)


@pytest.fixture
def eager_retries(monkeypatch):
    """In eager mode Celery runs a retry at once (no countdown), unless failures propagate:
    the test settings propagate them, so here they are let through to reach the retries."""
    from supportdesk.celery import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


@pytest.fixture
def flaky_mail(settings, eager_retries):
    settings.EMAIL_BACKEND = "tests.conversations.test_delivery.FlakyBackend"
    settings.DELIVERY_MAX_RETRIES = 2
    yield FlakyBackend
    FlakyBackend.failures = 0


def shopper_mail(tenant, **overrides):
    values = {
        "tenant": tenant, "channel": "email", "body": "Where is ORD-000123?", "email": "pat@example.com",
        "name": "Pat", "provider_message_id": "CAH8x=first@mail.gmail.com", "verified": True,
        "subject": "Where is my order?",
        "metadata": {"subject": "Where is my order?", "message_id": "CAH8x=first@mail.gmail.com",
                     "references": ["older@mail.gmail.com"]},
    }  # fmt: skip
    return message_receive(**{**values, **overrides}).message


def reply(conversation, body="It shipped on Monday.", **kwargs):
    return message_reply_create(conversation=conversation, body=body, **kwargs)


def test_an_email_reply_is_sent_after_commit_threaded_under_the_shoppers_mail(
    tenant, django_capture_on_commit_callbacks
):
    tenant.email_from = "help@store.example"
    tenant.save()
    inbound = shopper_mail(tenant)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbound = reply(inbound.conversation)
    assert mail.outbox == [] and outbound.delivery_status == "pending"  # nothing leaves before commit
    for callback in callbacks:
        callback()
    outbound.refresh_from_db()
    (sent,) = mail.outbox
    assert outbound.delivery_status == "sent" and outbound.delivery_attempts == 1
    assert sent.to == ["pat@example.com"] and sent.subject == "Re: Where is my order?"
    assert sent.from_email == f"{tenant.name} <help@store.example>"
    assert outbound.provider_message_id.endswith("@store.example")
    message = sent.message()
    assert message["Message-ID"] == f"<{outbound.provider_message_id}>"
    assert message["In-Reply-To"] == "<CAH8x=first@mail.gmail.com>"
    assert message["References"] == "<older@mail.gmail.com> <CAH8x=first@mail.gmail.com>"


def test_the_shoppers_answer_to_our_reply_threads_back(client, tenant, django_capture_on_commit_callbacks):
    from tests.conversations.test_email_webhook import mail_fields, post_mail, sendgrid_body

    inbound = shopper_mail(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(inbound.conversation)
    newer = message_receive(tenant=tenant, channel="email", body="other topic", email="pat@example.com").message
    newer.conversation.last_message_at = outbound.created_at.replace(year=2100)
    newer.conversation.save()
    fields = mail_fields(subject="Re: Where is my order?", text="Thanks! And the invoice?", message_id="third@x",
                         in_reply_to=outbound.provider_message_id)  # fmt: skip
    response = post_mail(client, tenant, sendgrid_body(fields))
    assert Message.objects.get(pk=response.json()["message_id"]).conversation == inbound.conversation


def test_a_second_reply_carries_the_whole_thread(tenant, django_capture_on_commit_callbacks):
    inbound = shopper_mail(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        first = reply(inbound.conversation)
    with django_capture_on_commit_callbacks(execute=True):
        reply(inbound.conversation, body="Also: it arrives Friday.", sender_kind=Message.SenderKind.STAFF)
    second = mail.outbox[1].message()
    assert second["In-Reply-To"] == f"<{first.provider_message_id}>"
    assert second["References"] == (
        f"<older@mail.gmail.com> <CAH8x=first@mail.gmail.com> <{first.provider_message_id}>"
    )
    assert mail.outbox[1].subject == "Re: Where is my order?"


def test_a_failed_send_is_retried_with_backoff_and_then_succeeds(
    tenant, flaky_mail, django_capture_on_commit_callbacks
):
    flaky_mail.failures = 1
    inbound = shopper_mail(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(inbound.conversation)
    outbound.refresh_from_db()
    assert outbound.delivery_status == "sent" and outbound.delivery_attempts == 2 and outbound.delivery_error == ""
    assert len(mail.outbox) == 1 and mail.outbox[0].message()["Message-ID"] == f"<{outbound.provider_message_id}>"


def test_after_the_last_try_the_message_is_recorded_as_failed(tenant, flaky_mail, django_capture_on_commit_callbacks):
    flaky_mail.failures = 10
    inbound = shopper_mail(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(inbound.conversation)
    outbound.refresh_from_db()
    assert outbound.delivery_status == "failed" and outbound.delivery_attempts == 3  # the first try and 2 retries
    assert "refused the connection" in outbound.delivery_error and mail.outbox == []


def test_the_backoff_grows_exponentially(settings):
    from conversations.delivery import retry_delay

    settings.DELIVERY_RETRY_BACKOFF = 30
    assert 15 <= retry_delay(0) <= 30 and 60 <= retry_delay(2) <= 120 and retry_delay(20) <= 3600


def test_a_delivered_message_is_not_sent_again(tenant, django_capture_on_commit_callbacks):
    from conversations.tasks import deliver_message

    inbound = shopper_mail(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(inbound.conversation)
    assert deliver_message.delay(outbound.pk).get() == "sent"
    assert len(mail.outbox) == 1


def test_web_replies_are_not_delivered_this_way(tenant, django_capture_on_commit_callbacks):
    conversation = ConversationFactory(tenant=tenant, channel="web")
    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(conversation)
    assert outbound.delivery_status == "" and outbound.provider_message_id == "" and mail.outbox == []


def test_a_followup_by_email_is_sent_once(tenant, django_capture_on_commit_callbacks):
    web = ConversationFactory(tenant=tenant, channel="web", customer__email="pat@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        message = followup_send(conversation=web, channel="email", body="Your label is attached.")
    message.refresh_from_db()
    assert len(mail.outbox) == 1 and message.delivery_status == "sent" and mail.outbox[0].to == ["pat@example.com"]


def test_an_email_conversation_without_an_address_fails_at_once(tenant, django_capture_on_commit_callbacks):
    conversation = ConversationFactory(tenant=tenant, channel="email", customer__email="")
    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(conversation)
    outbound.refresh_from_db()
    assert outbound.delivery_status == "failed" and outbound.delivery_attempts == 1
    assert outbound.delivery_error == "The customer has no email address."


# --------------------------------------------------------------------------- SMS through Twilio's REST API


class FakeTwilio:
    """Twilio's Messages endpoint on loopback: records requests, answers scripted statuses."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"),
                     "form": {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}}
                )  # fmt: skip
                status = outer.statuses.pop(0) if outer.statuses else 201
                if status == 201:
                    body = {"sid": f"SM{len(outer.requests):032d}", "status": "queued"}
                else:
                    body = {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": status}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def twilio(settings, eager_retries):
    fake = FakeTwilio()
    settings.TWILIO_API_BASE = fake.base_url
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "9" * 32, "global-token"
    settings.TWILIO_FROM = "+14155550100"
    settings.PUBLIC_BASE_URL = "https://support.example.com"
    settings.DELIVERY_MAX_RETRIES = 2
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def texter(tenant):
    return message_receive(tenant=tenant, channel="sms", body="hi", phone="+14155550123", provider_message_id="SMin",
                           verified=True).message  # fmt: skip


def test_an_sms_reply_goes_through_twilio_with_a_status_callback(
    client, tenant, twilio, django_capture_on_commit_callbacks
):
    from tests.conversations.test_sms_webhook import post_signed, status_params

    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(texter(tenant).conversation)
    outbound.refresh_from_db()
    (request,) = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{'AC' + '9' * 32}/Messages.json"
    assert base64.b64decode(request["auth"].removeprefix("Basic ")) == f"{'AC' + '9' * 32}:global-token".encode()
    assert request["form"] == {
        "To": "+14155550123", "From": "+14155550100", "Body": "It shipped on Monday.",
        "StatusCallback": f"https://support.example.com/channels/sms/status/{tenant.slug}/",
    }  # fmt: skip
    assert outbound.delivery_status == "sent" and outbound.provider_message_id == "SM" + "1".zfill(32)
    # Twilio then calls back (signed for the public URL) when the phone has it.
    from tests.conversations.test_sms_webhook import reference_signature

    path = f"/channels/sms/status/{tenant.slug}/"
    params = status_params(sid=outbound.provider_message_id, status="delivered")
    signature = reference_signature("global-token", f"https://support.example.com{path}", params)
    assert post_signed(client, path, params, signature=signature).status_code == 200
    outbound.refresh_from_db()
    assert outbound.delivery_status == "delivered"


def test_a_store_with_its_own_account_and_number_sends_with_them(tenant, twilio, django_capture_on_commit_callbacks):
    tenant.twilio_account_sid, tenant.twilio_auth_token, tenant.sms_number = "AC" + "5" * 32, "own", "+14155550111"
    tenant.save()
    with django_capture_on_commit_callbacks(execute=True):
        reply(texter(tenant).conversation)
    (request,) = twilio.requests
    assert "AC" + "5" * 32 in request["path"] and request["form"]["From"] == "+14155550111"


def test_twilio_server_errors_are_retried_and_then_the_sms_is_failed(
    tenant, twilio, django_capture_on_commit_callbacks
):
    twilio.statuses = [503, 503, 503]
    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(texter(tenant).conversation)
    outbound.refresh_from_db()
    assert len(twilio.requests) == 3 and outbound.delivery_status == "failed" and "503" in outbound.delivery_error


def test_a_number_twilio_refuses_fails_at_once(tenant, twilio, django_capture_on_commit_callbacks):
    twilio.statuses = [400]
    with django_capture_on_commit_callbacks(execute=True):
        outbound = reply(texter(tenant).conversation)
    outbound.refresh_from_db()
    assert len(twilio.requests) == 1 and outbound.delivery_status == "failed"
    assert "not a valid phone number" in outbound.delivery_error


def test_without_twilio_the_sms_is_written_to_the_log(tenant, settings, caplog, django_capture_on_commit_callbacks):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    customer = CustomerFactory(tenant=tenant, phone="+14155550123")
    conversation = ConversationFactory(tenant=tenant, customer=customer, channel="sms")
    with caplog.at_level("INFO", logger="supportdesk.sms"), django_capture_on_commit_callbacks(execute=True):
        outbound = reply(conversation)
    outbound.refresh_from_db()
    assert outbound.delivery_status == "sent" and outbound.provider_message_id.startswith("console-")
    assert "SMS to +14155550123" in caplog.text and "It shipped on Monday." in caplog.text


def test_a_send_whose_task_was_lost_is_sent_by_the_sweep_once(tenant):
    from datetime import timedelta

    from django.utils import timezone

    from conversations.tasks import deliver_stuck

    inbound = shopper_mail(tenant)
    lost = reply(inbound.conversation)  # committed, but its on-commit task never ran
    fresh = reply(inbound.conversation, body="Just written.")
    Message.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert deliver_stuck.delay().get() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.delivery_status == "sent" and fresh.delivery_status == "pending"
    assert [m.body for m in mail.outbox] == [f"Hi Pat,\n\nIt shipped on Monday.\n\n{tenant.name} support\n"]
    assert deliver_stuck.delay().get() == 0  # nothing sent twice


def test_an_email_reply_greets_signs_off_and_spells_out_links(tenant, django_capture_on_commit_callbacks):
    inbound = shopper_mail(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        reply(inbound.conversation, body="You have 30 days.\n\nMore: [Returns](https://shop.example/help/returns/)")
    assert mail.outbox[0].body == (
        f"Hi Pat,\n\nYou have 30 days.\n\nMore: Returns: https://shop.example/help/returns/\n\n{tenant.name} support\n"
    )


def test_an_sms_spells_out_markdown_links(tenant, twilio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply(texter(tenant).conversation, body="See [Returns](https://shop.example/help/returns/).")
    (request,) = twilio.requests
    assert request["form"]["Body"] == "See Returns: https://shop.example/help/returns/."
