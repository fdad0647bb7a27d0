"""Inbound email in SendGrid's Inbound Parse format: the form fields (parsed, or the raw MIME
message in "email" when "Send Raw" is on) become one ``InboundEmail``, which is threaded into
the right conversation and stored through ``message_receive``."""

import codecs
import contextlib
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import message_from_string, policy
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import load_handler
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser

from conversations.channels.email_auto import automated_reason, quoted_message_ids
from conversations.channels.email_text import html_to_text, reply_trim
from conversations.delivery import email_bounce_record
from conversations.models import Channel, Conversation
from conversations.selectors import messages_by_provider_ids
from conversations.services import MAX_MESSAGE_CHARS, Received, message_receive
from supportdesk.errors import ApplicationError
from tenants.models import Tenant
from tenants.services import audit_record

MAX_REFERENCES = 20  # a long thread's References header is capped when stored and sent
TRUNCATED_NOTE = "\n\n[The rest of this email was cut.]"


@dataclass(frozen=True)
class InboundEmail:
    sender_email: str
    sender_name: str
    subject: str
    message_id: str  # without angle brackets; derived from the content when the mail has none
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""  # the shopper's new words: HTML made text, quotes and signature trimmed
    to: str = ""
    attachments: list[dict] = field(default_factory=list)
    trimmed: bool = False
    automated: str = ""  # "bounce", "auto_reply", "no_reply_sender": no person wrote it (email_auto)
    automated_reason: str = ""
    quoted_ids: list[str] = field(default_factory=list)  # the Message-IDs a bounce quotes


def message_ids(value: str | None) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without angle brackets."""
    value = str(value or "")
    found = re.findall(r"<([^<>\s]+)>", value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]  # some clients leave the brackets off
    return [item[:250] for item in found]


def _form_decode(request: HttpRequest, raw: bytes, encoding: str):
    handlers = [load_handler(path, request) for path in settings.FILE_UPLOAD_HANDLERS]
    return MultiPartParser(request.META, io.BytesIO(raw), handlers, encoding).parse()


def _charset_usable(name: object) -> str:
    """The codec's name when Python knows it, else ""."""
    try:
        return codecs.lookup(str(name)).name if name else ""
    except LookupError:
        return ""


def field_decode(data: bytes, charset: str) -> str:
    """A field's bytes as text: in the charset SendGrid named, else UTF-8, else windows-1252 (a
    superset of latin-1 that every byte decodes in) for mail whose charset is missing, unknown or
    wrong, so "Grüße" is not stored as "Gr��e"."""
    for candidate in dict.fromkeys([_charset_usable(charset), "utf-8"]):
        if candidate:
            try:
                return data.decode(candidate)
            except UnicodeDecodeError:
                continue
    return data.decode("cp1252", errors="replace")


def sendgrid_form_parse(request: HttpRequest, raw: bytes) -> tuple[dict[str, str], list[dict]]:
    """The form fields, each decoded with the charset SendGrid names for it in ``charsets``,
    and the attachments' names, types and sizes. Raises MultiPartParserError when malformed."""
    # Parsed as latin-1, which maps every byte to one character, so each field's bytes come back
    # intact and are decoded below with their own charset.
    post, files = _form_decode(request, raw, "latin-1")
    fields = {key: post.get(key, "") for key in post}
    try:
        charsets = json.loads(field_decode(fields.get("charsets", "").encode("latin-1"), "utf-8") or "{}")
    except ValueError:
        charsets = {}
    if not isinstance(charsets, dict):
        charsets = {}
    fields = {
        key: field_decode(value.encode("latin-1"), str(charsets.get(key) or "utf-8")) for key, value in fields.items()
    }
    attachments = [
        {"name": _latin1_undo(upload.name or ""), "type": upload.content_type, "size": upload.size}
        for key in files
        for upload in files.getlist(key)
    ]
    return fields, attachments


def _latin1_undo(name: str) -> str:
    """A file name read as latin-1 by the parse above, as the UTF-8 it was sent in (an RFC 2231
    name was already decoded properly and stays)."""
    try:
        return field_decode(name.encode("latin-1"), "utf-8")
    except UnicodeEncodeError:
        return name


def _raw_mime(fields: Mapping[str, str]) -> tuple[dict[str, str], list[dict]]:
    """SendGrid's "Send Raw" mode posts the whole MIME message in ``email``."""
    message = message_from_string(fields["email"], policy=policy.default)
    parts = {"headers": "".join(f"{name}: {value}\n" for name, value in message.items())}
    for kind in ("plain", "html"):
        body = message.get_body(preferencelist=(kind,))
        if body is not None:
            with contextlib.suppress(LookupError, ValueError):  # an unknown charset: skip the part
                parts["text" if kind == "plain" else "html"] = body.get_content()
    parts.update({"from": str(message.get("From", "")), "to": str(message.get("To", ""))})
    parts["subject"] = str(message.get("Subject", ""))
    attachments = [
        {"name": part.get_filename() or "", "type": part.get_content_type(), "size": len(part.get_payload() or "")}
        for part in message.iter_attachments()
    ]
    return {**fields, **parts}, attachments


def email_parse(fields: Mapping[str, str], attachments: list[dict] | None = None) -> InboundEmail:
    """One inbound email from SendGrid's fields. Raises ApplicationError (400) when there is
    no usable sender."""
    attachments = list(attachments or [])
    if fields.get("email") and not fields.get("text") and not fields.get("html"):
        fields, attachments = _raw_mime(fields)
    headers = HeaderParser(policy=policy.default).parsestr(fields.get("headers") or "", headersonly=True)

    def header(name: str) -> str:
        try:
            return str(headers.get(name) or "")
        except (TypeError, ValueError, IndexError):  # a header the parser cannot decode
            return ""

    sender_field = fields.get("from") or header("From")
    name, address = parseaddr(sender_field)
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ApplicationError(
            "The email has no usable sender address (the 'from' field).", code="missing_sender"
        ) from None
    subject = (fields.get("subject") or header("Subject")).strip()[:255]
    text = (fields.get("text") or "").strip()
    if not text and fields.get("html"):
        text = html_to_text(fields["html"])
    new_part = reply_trim(text)
    automated, automated_why = automated_reason(
        headers=headers, sender=address, envelope_from=_envelope_from(fields), subject=subject
    )
    message_id = next(iter(message_ids(header("Message-ID"))), "")
    if not message_id:
        # A retry of the same mail gets the same id, so it is still stored once.
        digest = hashlib.sha256(f"{address}\n{header('Date')}\n{subject}\n{text}".encode()).hexdigest()[:40]
        message_id = f"{digest}@inbound.supportdesk.invalid"
    return InboundEmail(
        sender_email=address,
        sender_name=name.strip()[:200],
        subject=subject,
        message_id=message_id,
        in_reply_to=message_ids(header("In-Reply-To"))[:MAX_REFERENCES],
        references=message_ids(header("References"))[-MAX_REFERENCES:],
        text=new_part,
        to=", ".join(addr for _, addr in getaddresses([fields.get("to") or header("To")]) if addr)[:500],
        attachments=attachments[:20],
        trimmed=new_part != text,
        automated=automated,
        automated_reason=automated_why,
        quoted_ids=quoted_message_ids(fields.get("text") or fields.get("html") or "") if automated == "bounce" else [],
    )


def _envelope_from(fields: Mapping[str, str]) -> str | None:
    """SMTP's MAIL FROM from SendGrid's ``envelope`` field; None when it does not say."""
    try:
        envelope = json.loads(fields.get("envelope") or "null")
    except ValueError:
        return None
    if not isinstance(envelope, dict) or "from" not in envelope:
        return None
    return str(envelope["from"] or "")


def thread_find(*, tenant: Tenant, email: InboundEmail) -> Conversation | None:
    """The conversation this mail answers: the message it replies to (In-Reply-To, then
    References from the newest) when that conversation is the sender's own. A stranger who
    learned a Message-ID cannot write into someone else's conversation."""
    ids = [*reversed(email.in_reply_to), *reversed(email.references)]
    if not ids:
        return None
    found = {message.provider_message_id: message for message in messages_by_provider_ids(tenant=tenant, ids=ids)}
    for message_id in ids:
        message = found.get(message_id)
        if message is not None and message.conversation.customer.email.lower() == email.sender_email.lower():
            return message.conversation
    return None


def _body(email: InboundEmail) -> tuple[str, bool]:
    text = email.text
    if not text and email.attachments:
        text = "[Attachments: " + ", ".join(item["name"] or item["type"] for item in email.attachments) + "]"
    text = text or email.subject
    if len(text) > MAX_MESSAGE_CHARS:
        return text[: MAX_MESSAGE_CHARS - len(TRUNCATED_NOTE)].rstrip() + TRUNCATED_NOTE, True
    return text, False


@dataclass(frozen=True)
class Ignored:
    """Mail stored as no message: why (``email_auto``), and the audit event that records it."""

    kind: str
    reason: str
    audit_id: int


def own_addresses(tenant: Tenant) -> set[str]:
    """The addresses the store's replies come from: mail from them is our own coming back."""
    return {address.lower() for address in (tenant.email_from, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]) if address}


def email_ignore(*, tenant: Tenant, email: InboundEmail, kind: str, reason: str) -> Ignored:
    """Mail no person wrote is kept out of the conversations (it would be answered) and recorded
    in the audit log for staff; a bounce marks the reply it bounced as failed."""
    with transaction.atomic():
        bounced = []
        if kind == "bounce":
            ids = [*email.in_reply_to, *email.references, *email.quoted_ids]
            bounced = email_bounce_record(tenant=tenant, message_ids=ids, reason=email.subject or reason)
        event = audit_record(
            tenant=tenant, verb="email.ignored", actor_label="inbound email",
            data={
                "kind": kind, "reason": reason[:200], "from": email.sender_email, "subject": email.subject,
                "message_id": email.message_id, "bounced_message_ids": bounced, "text": email.text[:500],
            },
        )  # fmt: skip
    return Ignored(kind=kind, reason=reason, audit_id=event.pk)


def email_receive(*, tenant: Tenant, email: InboundEmail) -> Received | Ignored:
    """Store the mail from its sender (a known address is that customer; the channel vouches
    for the address). Idempotent on the Message-ID. Mail no person wrote is not stored."""
    if email.automated:
        return email_ignore(tenant=tenant, email=email, kind=email.automated, reason=email.automated_reason)
    if email.sender_email.lower() in own_addresses(tenant):
        return email_ignore(tenant=tenant, email=email, kind="loop", reason="sent from the store's own address")
    body, truncated = _body(email)
    metadata = {
        "subject": email.subject, "message_id": email.message_id, "in_reply_to": email.in_reply_to,
        "references": email.references, "to": email.to, "attachments": email.attachments,
        "trimmed": email.trimmed, "truncated": truncated,
    }  # fmt: skip
    return message_receive(
        tenant=tenant, channel=Channel.EMAIL, body=body, email=email.sender_email, name=email.sender_name,
        conversation=thread_find(tenant=tenant, email=email), provider_message_id=email.message_id,
        verified=True, subject=email.subject, metadata=metadata,
    )  # fmt: skip
