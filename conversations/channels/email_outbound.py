"""Outbound email: Django's mail backend (console in development, SMTP or a service in
production), threaded with the headers mail clients group by: the reply's own Message-ID
(made when the message is created and stored as its provider id), In-Reply-To the message it
answers, References the thread so far, and "Re: subject"."""

from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage

from conversations.channels import DeliveryFailed, plain_text
from conversations.models import Channel, Message
from tenants.models import Tenant

MAX_REFERENCES = 20


def email_body(message: Message) -> str:
    """A reply as a person would write it: a greeting, the text (Markdown links spelled out, as
    the mail is plain text), a sign-off from the store."""
    conversation = message.conversation
    first_name = conversation.customer.name.split()[0] if conversation.customer.name.strip() else ""
    text = plain_text(message.body)
    return f"Hi {first_name or 'there'},\n\n{text}\n\n{conversation.tenant.name} support\n"


def _from_address(tenant: Tenant) -> str:
    return tenant.email_from or parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "support@localhost"


def email_message_id_new(tenant: Tenant) -> str:
    """A fresh Message-ID on the store's sending domain, without angle brackets."""
    domain = _from_address(tenant).rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain).strip("<>")


def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def _parent(message: Message) -> Message | None:
    """The email this one answers: the conversation's latest earlier email with a Message-ID."""
    return (
        Message.objects.for_tenant(message.tenant_id)
        .filter(conversation_id=message.conversation_id, channel=Channel.EMAIL, id__lt=message.pk)
        .exclude(provider_message_id="")
        .order_by("-id")
        .first()
    )


def email_build(message: Message) -> EmailMessage:
    conversation, tenant = message.conversation, message.conversation.tenant
    customer = conversation.customer
    if not customer.email:
        raise DeliveryFailed("The customer has no email address.", permanent=True)
    headers = {"Message-ID": f"<{message.provider_message_id or email_message_id_new(tenant)}>"}
    if message.sender_kind == Message.SenderKind.AI:
        # RFC 3834: an automatic answer says so, and Exchange's own flag asks it not to be
        # answered by out-of-office and auto-reply rules, so two bots do not answer each other.
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    parent = _parent(message)
    subject = conversation.subject or f"Your conversation with {tenant.name}"
    if parent is not None:
        subject = reply_subject(parent.metadata.get("subject") or subject)
        references = [*parent.metadata.get("references", []), parent.provider_message_id][-MAX_REFERENCES:]
        headers["In-Reply-To"] = f"<{parent.provider_message_id}>"
        headers["References"] = " ".join(f"<{item}>" for item in references)
        # Stored so a later reply to this one carries the whole thread on.
        message.metadata = {**message.metadata, "subject": subject, "references": references}
    from_name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    sender = formataddr((tenant.name, tenant.email_from)) if tenant.email_from else settings.DEFAULT_FROM_EMAIL
    if not tenant.email_from and not from_name:
        sender = formataddr((tenant.name, from_address))
    return EmailMessage(
        subject=subject, body=email_body(message), from_email=sender, to=[customer.email], headers=headers
    )


def email_send(message: Message) -> None:
    try:
        email_build(message).send()
    except DeliveryFailed:
        raise
    except Exception as error:  # SMTP and network errors: worth another try
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
