"""The inbound email door: SendGrid Inbound Parse posts (multipart/form-data) per store."""

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conversations import hooks
from conversations.models import Conversation, Customer, Message
from tests.factories import ConversationFactory, CustomerFactory, MessageFactory, TenantFactory

pytestmark = pytest.mark.django_db
BOUNDARY = "xYzZY"  # the boundary SendGrid's parser uses


@pytest.fixture(autouse=True)
def no_turns(monkeypatch):
    monkeypatch.setattr(hooks, "_message_received", [])


def sendgrid_body(fields: dict[str, str | bytes], files: dict[str, tuple[str, str, bytes]] | None = None) -> bytes:
    """A multipart body shaped like SendGrid's Inbound Parse post."""
    parts = []
    for name, value in fields.items():
        data = value if isinstance(value, bytes) else value.encode()
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + data + b"\r\n")
    for name, (filename, content_type, data) in (files or {}).items():
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def mail_fields(
    *, sender="Pat Doe <pat@example.com>", subject="Where is my order?", text="Where is ORD-000123?",
    message_id="CAH8x=abc123@mail.gmail.com", in_reply_to="", references="", html=None,
) -> dict[str, str]:  # fmt: skip
    headers = [
        "Received: by mx0047p1mdw1.sendgrid.net with SMTP id 6WCVv7KAWn Wed, 19 Nov 2025 20:53:06 +0000 (UTC)",
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=20161025; h=mime-version",
        "MIME-Version: 1.0",
        f"From: {sender}",
        "Date: Wed, 19 Nov 2025 12:53:04 -0800",
        f"Message-ID: <{message_id}>" if message_id else "",
        f"In-Reply-To: <{in_reply_to}>" if in_reply_to else "",
        f"References: {references}" if references else "",
        f"Subject: {subject}",
        "To: support@store.example",
        "Content-Type: multipart/alternative; boundary=001a113df448cad2d00538a8b9c8",
    ]
    fields = {
        "headers": "\n".join(line for line in headers if line) + "\n",
        "dkim": "{@example.com : pass}",
        "to": "support@store.example",
        "from": sender,
        "sender_ip": "209.85.223.169",
        "spam_report": "Spam detection software has NOT identified this incoming email as spam.",
        "envelope": json.dumps({"to": ["support@store.example"], "from": "pat@example.com"}),
        "attachments": "0",
        "subject": subject,
        "spam_score": "0.011",
        "charsets": json.dumps({"to": "UTF-8", "html": "UTF-8", "subject": "UTF-8", "from": "UTF-8", "text": "UTF-8"}),
        "SPF": "pass",
    }
    if text is not None:
        fields["text"] = text
    if html is not None:
        fields["html"] = html
    return fields


def post_mail(client, tenant, body: bytes, *, secret=None, headers=None, content_type=None):
    secret = tenant.email_inbound_secret if secret is None else secret
    url = f"/channels/email/inbound/{tenant.slug}/{secret}/" if secret else f"/channels/email/inbound/{tenant.slug}/"
    return client.post(
        url, data=body, content_type=content_type or f"multipart/form-data; boundary={BOUNDARY}", headers=headers or {}
    )


def test_a_new_mail_becomes_a_verified_email_conversation_answered_after_commit(client, tenant):
    response = post_mail(client, tenant, sendgrid_body(mail_fields()))
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["message_id"])  # committed before the answer
    conversation = message.conversation
    assert message.channel == "email" and message.body == "Where is ORD-000123?"
    assert message.provider_message_id == "CAH8x=abc123@mail.gmail.com"
    assert (
        message.metadata["subject"] == "Where is my order?"
        and message.metadata["message_id"] == message.provider_message_id
    )
    assert conversation.subject == "Where is my order?" and conversation.customer_verified
    assert conversation.customer.email == "pat@example.com" and conversation.customer.name == "Pat Doe"


def test_the_same_mail_posted_twice_is_stored_once(client, tenant):
    body = sendgrid_body(mail_fields())
    first, again = post_mail(client, tenant, body), post_mail(client, tenant, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["message_id"] == again.json()["message_id"]
    assert Message.objects.filter(tenant=tenant).count() == 1


def test_a_mail_without_a_message_id_is_still_stored_once(client, tenant):
    body = sendgrid_body(mail_fields(message_id=""))
    post_mail(client, tenant, body), post_mail(client, tenant, body)
    assert Message.objects.filter(tenant=tenant).count() == 1


def test_a_known_address_is_that_customer(client, tenant):
    customer = CustomerFactory(tenant=tenant, email="Pat@Example.com", phone="+14155550100")
    response = post_mail(client, tenant, sendgrid_body(mail_fields()))
    assert Message.objects.get(pk=response.json()["message_id"]).conversation.customer == customer
    assert Customer.objects.filter(tenant=tenant).count() == 1


def test_a_gmail_reply_threads_by_in_reply_to_and_keeps_only_the_new_words(client, tenant):
    customer = CustomerFactory(tenant=tenant, email="pat@example.com")
    thread = ConversationFactory(tenant=tenant, customer=customer, channel="email")
    ours = MessageFactory(conversation=thread, ai_reply=True, provider_message_id="reply-1@store.example")
    newer = ConversationFactory(tenant=tenant, customer=customer, channel="email")  # the fallback would pick this
    text = (
        "It still says label created.\n\n"
        "On Tue, Nov 18, 2025 at 9:14 AM Store Support <support@store.example>\nwrote:\n\n"
        "> Your order shipped.\n\n-- \nPat Doe\nAcme Inc."
    )
    fields = mail_fields(
        subject="Re: Where is my order?", text=text, message_id="CAH8x=reply2@mail.gmail.com",
        in_reply_to=ours.provider_message_id, references=f"<CAH8x=abc123@mail.gmail.com> <{ours.provider_message_id}>",
    )  # fmt: skip
    response = post_mail(client, tenant, sendgrid_body(fields))
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.conversation == thread and message.conversation != newer
    assert message.body == "It still says label created." and message.metadata["trimmed"]
    assert message.metadata["references"] == ["CAH8x=abc123@mail.gmail.com", "reply-1@store.example"]


def test_references_thread_when_in_reply_to_is_unknown(client, tenant):
    customer = CustomerFactory(tenant=tenant, email="pat@example.com")
    thread = ConversationFactory(tenant=tenant, customer=customer, channel="email")
    MessageFactory(conversation=thread, provider_message_id="first@mail.gmail.com")
    ConversationFactory(tenant=tenant, customer=customer, channel="email")
    fields = mail_fields(message_id="third@x", in_reply_to="lost@x", references="<first@mail.gmail.com> <lost@x>")
    message = Message.objects.get(pk=post_mail(client, tenant, sendgrid_body(fields)).json()["message_id"])
    assert message.conversation == thread


def test_without_a_thread_the_mail_joins_the_customers_open_email_conversation(client, tenant):
    customer = CustomerFactory(tenant=tenant, email="pat@example.com")
    open_one = ConversationFactory(tenant=tenant, customer=customer, channel="email")
    ConversationFactory(tenant=tenant, customer=customer, channel="web")
    message = Message.objects.get(pk=post_mail(client, tenant, sendgrid_body(mail_fields())).json()["message_id"])
    assert message.conversation == open_one


def test_a_stranger_quoting_someone_elses_message_id_does_not_join_their_conversation(client, tenant):
    thread = ConversationFactory(tenant=tenant, customer__email="pat@example.com", channel="email")
    MessageFactory(conversation=thread, ai_reply=True, provider_message_id="reply-1@store.example")
    fields = mail_fields(sender="Eve <eve@example.net>", in_reply_to="reply-1@store.example")
    message = Message.objects.get(pk=post_mail(client, tenant, sendgrid_body(fields)).json()["message_id"])
    assert message.conversation != thread and message.conversation.customer.email == "eve@example.net"


def test_an_html_only_mail_is_turned_into_text(client, tenant):
    html = (
        '<div dir="ltr">My card <b>arrived broken</b>.<br>Order ORD-000123.</div>'
        '<div class="gmail_quote">On Mon, Support wrote:<blockquote>Thanks for your order</blockquote></div>'
    )
    body = sendgrid_body(mail_fields(text=None, html=html))
    message = Message.objects.get(pk=post_mail(client, tenant, body).json()["message_id"])
    assert message.body == "My card arrived broken.\nOrder ORD-000123."


def test_fields_are_decoded_with_the_charset_sendgrid_names(client, tenant):
    fields = mail_fields()
    fields["text"] = "Le café est arrivé froid.".encode("iso-8859-1")
    fields["charsets"] = json.dumps({"text": "iso-8859-1", "subject": "UTF-8", "from": "UTF-8", "to": "UTF-8"})
    message = Message.objects.get(pk=post_mail(client, tenant, sendgrid_body(fields)).json()["message_id"])
    assert message.body == "Le café est arrivé froid."


def test_attachments_are_listed_and_an_attachment_only_mail_is_kept(client, tenant):
    fields = mail_fields(text="")
    fields.update(attachments="1", **{"attachment-info": json.dumps({"attachment1": {"filename": "box.jpg"}})})
    body = sendgrid_body(fields, files={"attachment1": ("box.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 jpeg")})
    message = Message.objects.get(pk=post_mail(client, tenant, body).json()["message_id"])
    assert message.body == "[Attachments: box.jpg]"
    assert message.metadata["attachments"] == [{"name": "box.jpg", "type": "image/jpeg", "size": 9}]


def test_raw_mime_mode_is_understood(client, tenant):
    raw = (
        "From: Pat Doe <pat@example.com>\r\nTo: support@store.example\r\nSubject: Broken fan\r\n"
        "Message-ID: <raw-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "The fan rattles.\r\n\r\nSent from my iPhone\r\n"
    )
    body = sendgrid_body({"email": raw, "to": "support@store.example", "from": "Pat Doe <pat@example.com>"})
    message = Message.objects.get(pk=post_mail(client, tenant, body).json()["message_id"])
    assert message.body == "The fan rattles." and message.provider_message_id == "raw-1@example.com"
    assert message.conversation.subject == "Broken fan"


def test_basic_auth_is_an_alternative_to_the_secret_in_the_url(client, tenant):
    body = sendgrid_body(mail_fields())
    token = base64.b64encode(f"sendgrid:{tenant.email_inbound_secret}".encode()).decode()
    assert post_mail(client, tenant, body, secret="", headers={"Authorization": f"Basic {token}"}).status_code == 201
    wrong = base64.b64encode(b"sendgrid:guess").decode()
    refused = post_mail(client, tenant, body, secret="", headers={"Authorization": f"Basic {wrong}"})
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Basic")
    assert post_mail(client, tenant, body, secret="").status_code == 401


# --------------------------------------------------------------------------- bad input


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json" and response.json()["error"]["code"] == code


def test_a_wrong_secret_is_refused_and_nothing_is_stored(client, tenant):
    assert_error(post_mail(client, tenant, sendgrid_body(mail_fields()), secret="guess"), 403, "bad_secret")
    assert not Message.objects.exists()


def test_an_unknown_or_inactive_store_is_not_found(client, tenant):
    response = client.post("/channels/email/inbound/no-such-store/abc/", data=sendgrid_body(mail_fields()),
                            content_type=f"multipart/form-data; boundary={BOUNDARY}")  # fmt: skip
    assert_error(response, 404, "not_found")
    tenant.active = False
    tenant.save()
    assert_error(post_mail(client, tenant, sendgrid_body(mail_fields())), 404, "not_found")
    assert not Message.objects.exists()


def test_malformed_multipart_is_a_400(client, tenant):
    response = post_mail(client, tenant, b"--\r\n garbage", content_type="multipart/form-data; boundary=")
    assert_error(response, 400, "malformed_multipart")
    assert_error(
        post_mail(client, tenant, b'{"from": "x"}', content_type="application/json"), 415, "unsupported_media_type"
    )
    assert not Message.objects.exists()


@pytest.mark.parametrize("sender", ["", "not an address", "Pat <pat@>"])
def test_a_mail_without_a_usable_sender_is_a_400(client, tenant, sender):
    fields = mail_fields(sender=sender)
    fields["headers"] = fields["headers"].replace("From: ", "X-Old-From: ")
    assert_error(post_mail(client, tenant, sendgrid_body(fields)), 400, "missing_sender")
    assert not Message.objects.exists()


def test_get_is_not_allowed(client, tenant):
    assert_error(
        client.get(f"/channels/email/inbound/{tenant.slug}/{tenant.email_inbound_secret}/"), 405, "method_not_allowed"
    )


# --------------------------------------------------------------------------- signed webhooks (ECDSA)


@pytest.fixture
def signing_key():
    return ec.generate_private_key(ec.SECP256R1())


def public_key_base64(private_key) -> str:
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def sign(private_key, timestamp: str, body: bytes) -> str:
    return base64.b64encode(private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))).decode()


def signed_headers(private_key, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    return {
        "X-Twilio-Email-Event-Webhook-Signature": sign(private_key, timestamp, body),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
    }


def test_with_a_verification_key_only_signed_mail_is_accepted(client, tenant, signing_key):
    tenant.email_webhook_public_key = public_key_base64(signing_key)
    tenant.save()
    body = sendgrid_body(mail_fields())
    assert_error(post_mail(client, tenant, body), 403, "bad_signature")  # unsigned
    forged = signed_headers(ec.generate_private_key(ec.SECP256R1()), body)
    assert_error(post_mail(client, tenant, body, headers=forged), 403, "bad_signature")
    tampered = signed_headers(signing_key, body)
    assert_error(
        post_mail(client, tenant, body.replace(b"ORD-000123", b"ORD-999999"), headers=tampered), 403, "bad_signature"
    )
    other_time = {**tampered, "X-Twilio-Email-Event-Webhook-Timestamp": "1"}
    assert_error(post_mail(client, tenant, body, headers=other_time), 403, "bad_signature")
    assert not Message.objects.exists()
    assert post_mail(client, tenant, body, headers=signed_headers(signing_key, body)).status_code == 201


def test_the_installation_wide_key_applies_to_stores_without_their_own(client, tenant, signing_key, settings):
    pem = (
        signing_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = pem
    body = sendgrid_body(mail_fields())
    assert_error(post_mail(client, tenant, body), 403, "bad_signature")
    assert post_mail(client, tenant, body, headers=signed_headers(signing_key, body)).status_code == 201


# --------------------------------------------------------------------------- tenant isolation


def test_one_stores_secret_cannot_post_into_another_store(client, tenant):
    other = TenantFactory()
    body = sendgrid_body(mail_fields())
    assert_error(post_mail(client, other, body, secret=tenant.email_inbound_secret), 403, "bad_secret")
    assert tenant.email_inbound_secret != other.email_inbound_secret
    assert not Message.objects.exists()


def test_a_reply_to_another_stores_message_does_not_thread_into_it(client, tenant):
    other = TenantFactory()
    theirs = ConversationFactory(tenant=other, customer__email="pat@example.com", channel="email")
    MessageFactory(conversation=theirs, ai_reply=True, provider_message_id="reply-1@other.example")
    fields = mail_fields(in_reply_to="reply-1@other.example", references="<reply-1@other.example>")
    message = Message.objects.get(pk=post_mail(client, tenant, sendgrid_body(fields)).json()["message_id"])
    assert message.tenant == tenant and message.conversation.tenant == tenant
    assert Conversation.objects.get(pk=theirs.pk).messages.count() == 1


@pytest.mark.parametrize("charsets", ["not json", json.dumps(["iso-8859-1"]), json.dumps("utf-8"), "null"])
def test_unreadable_charsets_fall_back_to_utf8_and_windows_1252(client, tenant, charsets):
    fields = mail_fields(subject="Grüße")
    fields["text"] = "Grüße aus München, wo ist ORD-000123?".encode("iso-8859-1")  # not UTF-8, not declared
    fields["charsets"] = charsets
    response = post_mail(client, tenant, sendgrid_body(fields))
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.body == "Grüße aus München, wo ist ORD-000123?"
    assert message.metadata["subject"] == "Grüße"


def test_a_wrongly_or_unknown_declared_charset_is_not_mojibake(client, tenant):
    fields = mail_fields()
    fields["text"] = "Coût: 499 € – merci d’avance".encode("windows-1252")
    fields["html"] = "<p>Coût</p>".encode("windows-1252")
    fields["subject"] = "Commande arrivée cassée".encode("iso-8859-1")
    fields["from"] = "Renée Dupont <renee@example.fr>".encode("iso-8859-1")
    fields["charsets"] = json.dumps(
        {"text": "windows-1252", "html": "x-unknown-8bit", "subject": "iso-8859-1", "from": "iso-8859-1", "to": "UTF-8"}
    )
    message = Message.objects.get(pk=post_mail(client, tenant, sendgrid_body(fields)).json()["message_id"])
    assert message.body == "Coût: 499 € – merci d’avance"
    assert message.metadata["subject"] == "Commande arrivée cassée"
    assert message.conversation.customer.name == "Renée Dupont"


def test_attachment_info_names_and_utf8_file_names_are_kept(client, tenant):
    fields = mail_fields(text="Photo of the damage attached.")
    info = {"attachment1": {"filename": "Schäden.jpg", "name": "Schäden.jpg", "type": "image/jpeg",
                            "content-id": "ii_1"}}  # fmt: skip
    fields.update(
        attachments="1", **{"attachment-info": json.dumps(info), "content-ids": json.dumps({"ii_1": "attachment1"})}
    )
    body = sendgrid_body(fields, files={"attachment1": ("Schäden.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 jpeg")})
    message = Message.objects.get(pk=post_mail(client, tenant, body).json()["message_id"])
    assert message.body == "Photo of the damage attached."
    assert message.metadata["attachments"] == [{"name": "Schäden.jpg", "type": "image/jpeg", "size": 9}]
