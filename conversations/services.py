"""Writes to customers, conversations, messages and tickets."""

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations import hooks, tasks
from conversations.channels.email_outbound import email_message_id_new
from conversations.events import event_publish, message_event
from conversations.models import Channel, Conversation, Customer, DeliveryStatus, Message, Ticket
from conversations.selectors import customer_find, phone_normalise
from conversations.sort_keys import waiting_after_reply, waiting_refresh
from supportdesk.errors import ApplicationError, Conflict, NotFound
from tenants.models import AuditEvent, Tenant
from tenants.services import audit_record

CUSTOMER_FACTS = ("name", "issue_type", "severity", "order_number")


@transaction.atomic
def customer_facts_save(*, tenant: Tenant, customer: Customer, facts: dict) -> Customer:
    """Merge what the agent learned (typed, known keys only) into the customer's extracted data."""
    if customer.tenant_id != tenant.pk:
        raise NotFound("No such customer.")
    unknown = set(facts) - set(CUSTOMER_FACTS)
    if unknown:
        raise ApplicationError(f"Unknown customer fields: {', '.join(sorted(unknown))}.", code="invalid_fields")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    cleaned = {key: str(value).strip()[:200] for key, value in facts.items() if value not in (None, "")}
    customer.extracted_data = {**customer.extracted_data, **cleaned}
    if cleaned.get("name") and not customer.name:
        customer.name = cleaned["name"]
    customer.save(update_fields=["extracted_data", "name", "updated_at"])
    return customer


@transaction.atomic
def ticket_escalate(
    *,
    tenant: Tenant,
    customer: Customer,
    conversation: Conversation | None,
    reason: str,
    category: str = "",
    priority: str = Ticket.Priority.HIGH,
    order_number: str = "",
) -> Ticket:
    """Hand the conversation to a human: its ticket (one per conversation, reused) goes to the
    open queue with the reason, and the conversation stops being answered by the AI."""
    if priority not in Ticket.Priority.values:
        raise ApplicationError(f"Unknown priority {priority!r}.", code="invalid_priority")
    ticket = None
    if conversation is not None:
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk, tenant=tenant)
        ticket = conversation.tickets.order_by("-created_at").first()
        conversation.handled_by = Conversation.HandledBy.HUMAN
        conversation.status = Conversation.Status.OPEN
        conversation.save(update_fields=["handled_by", "status", "updated_at"])
        waiting_refresh(conversation.pk)  # only a person's reply answers the shopper now
    opened = ticket is None
    if ticket is None:
        ticket = Ticket(tenant=tenant, customer=customer, conversation=conversation)
    ticket.subject = ticket.subject or reason[:255]
    ticket.category = category or ticket.category
    ticket.priority = priority
    ticket.status = Ticket.Status.OPEN
    ticket.order_number = order_number or ticket.order_number
    ticket.save()
    if opened:
        transaction.on_commit(lambda: hooks.ticket_opened(ticket))
    transaction.on_commit(lambda: hooks.ticket_handed_off(ticket))
    audit_record(
        tenant=tenant,
        verb="ticket.escalated",
        actor_kind=AuditEvent.ActorKind.AGENT,
        actor_label="ai agent",
        target=ticket,
        data={"reason": reason[:500], "at": timezone.now().isoformat()},
    )
    return ticket


MAX_MESSAGE_CHARS = 4000
# C0/C1 control characters except tab and newline, and the Unicode bidi overrides that can
# make text read differently from what it is.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SURROGATES = re.compile(r"[\ud800-\udfff]")
# The conversations a shopper's new message (or a follow-up) joins; a snoozed one opens again.
OPEN_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING, Conversation.Status.SNOOZED)


def controls_strip(text: str) -> str:
    """``text`` without control characters, bidi overrides and lone surrogates (halves of a
    character no database or channel can store): for any text from outside, a model's too."""
    return SURROGATES.sub("", CONTROL_CHARS.sub("", (text or "").replace("\r\n", "\n")))


def message_text_clean(body: str) -> str:
    """Strip control characters and surrounding blank space; refuse empty or oversized text."""
    text = controls_strip(body).strip()
    if not text:
        raise ApplicationError("The message is empty.", code="empty_message")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ApplicationError(
            f"The message is {len(text)} characters long; the limit is {MAX_MESSAGE_CHARS}. "
            "Please shorten it or split it into several messages.",
            code="message_too_long",
            extra={"limit": MAX_MESSAGE_CHARS, "length": len(text)},
        )
    return text


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool  # False when the provider id was seen before: a retried delivery


def customer_resolve(*, tenant: Tenant, email: str = "", phone: str = "", name: str = "") -> Customer:
    """The tenant's customer with this email or phone, created when there is none: a shopper who
    writes for the first time is a new customer, as in any helpdesk."""
    customer = customer_find(tenant=tenant, email=email, phone=phone)
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            return Customer.objects.create(
                tenant=tenant, email=email.strip(), phone=phone_normalise(phone), name=name[:200]
            )
    except IntegrityError:  # created by a concurrent message a moment ago
        return customer_find(tenant=tenant, email=email, phone=phone)


LINKED_FIELDS = ("email", "phone", "external_id", "name")


def customer_current(customer: Customer) -> Customer:
    """The record a customer is now: itself, or the customer it was linked into since (a widget
    socket holds its visitor for as long as it is open)."""
    merged_into = Customer.objects.filter(pk=customer.pk).values_list("merged_into_id", flat=True).first()
    if merged_into is None:
        return customer
    return Customer.objects.filter(pk=merged_into).first() or customer


def customers_link(*, keep: Customer, merge: Customer) -> Customer:
    """One person proven to be both records (a signed widget token; an order number with its
    email given over SMS): ``merge``'s conversations and tickets move to ``keep``, which takes
    the contact details it lacks, so the next email, text or visit finds one customer with the
    whole history. Unless orders hang on it, ``merge`` is emptied and points to ``keep``
    (``customer_current`` follows it)."""
    if keep.pk == merge.pk:
        return keep
    if keep.tenant_id != merge.tenant_id:
        raise ApplicationError("Customers of different stores cannot be linked.", code="cross_tenant")
    with transaction.atomic():
        moved = Conversation.objects.filter(customer=merge).update(customer=keep)
        Ticket.objects.filter(customer=merge).update(customer=keep)
        audit_record(
            tenant=keep.tenant, verb="customer.linked", actor_kind=AuditEvent.ActorKind.SYSTEM,
            actor_label="identity proof", target=keep, data={"merged": merge.pk, "conversations_moved": moved},
        )  # fmt: skip
        if merge.orders.exists():
            return keep
        taken = {f: getattr(merge, f) for f in LINKED_FIELDS if getattr(merge, f) and not getattr(keep, f)}
        extracted = {**merge.extracted_data, **keep.extracted_data}
        other = [getattr(merge, f) for f in ("email", "phone") if getattr(merge, f) and f not in taken]
        if other:  # a second address of the same person: kept, not lost
            extracted["other_contacts"] = sorted({*extracted.get("other_contacts", []), *other})
        # First: its email or phone may move to keep (unique per tenant).
        Customer.objects.filter(pk=merge.pk).update(
            merged_into=keep, email="", phone="", external_id="", extracted_data={}, updated_at=timezone.now()
        )
        Customer.objects.filter(merged_into=merge).update(merged_into=keep)  # no chains
        for field, value in taken.items():
            setattr(keep, field, value)
        keep.extracted_data = extracted
        keep.save(update_fields=[*taken, "extracted_data", "updated_at"])
    return keep


def message_receive(
    *,
    tenant: Tenant,
    channel: str,
    body: str,
    customer: Customer | None = None,
    email: str = "",
    phone: str = "",
    name: str = "",
    conversation: Conversation | None = None,
    provider_message_id: str = "",
    verified: bool = False,
    metadata: dict | None = None,
    schedule_turn: bool = True,
    subject: str = "",
) -> Received:
    """Store a shopper's message, commit it, and only then tell the rest of the system (the live
    feed, the agent's turn scheduler). A repeated ``provider_message_id`` returns the stored
    message and stores nothing new.

    The customer is the one given, else found by email or phone within the tenant, else created.
    The message joins ``conversation`` or the customer's open conversation on this channel.
    ``verified`` says the channel proved who the shopper is (a signed widget token; for email
    and SMS, the address or number it came from). ``subject`` names a new conversation (an
    email's subject); by default its first line does."""
    if channel not in Channel.values:
        raise ApplicationError(f"Unknown channel {channel!r}.", code="invalid_channel")
    text = message_text_clean(body)
    provider_message_id = (provider_message_id or "").strip()[:255]
    if provider_message_id:
        seen = Message.objects.for_tenant(tenant).filter(provider_message_id=provider_message_id).first()
        if seen is not None:
            return Received(seen, created=False)
    if customer is not None and customer.tenant_id != tenant.pk:
        raise NotFound("No such customer.")
    if conversation is not None and conversation.tenant_id != tenant.pk:
        raise NotFound("No such conversation.")
    try:
        with transaction.atomic():
            if customer is None:
                customer = (
                    conversation.customer
                    if conversation is not None
                    else customer_resolve(tenant=tenant, email=email, phone=phone, name=name)
                )
            message = _message_store(
                tenant=tenant, customer=customer, conversation=conversation, channel=channel, text=text,
                provider_message_id=provider_message_id, verified=verified, metadata=metadata or {},
                subject=subject,
            )  # fmt: skip
    except IntegrityError:
        # The same provider id committed by a concurrent delivery between our check and insert.
        seen = Message.objects.for_tenant(tenant).filter(provider_message_id=provider_message_id).first()
        if provider_message_id and seen is not None:
            return Received(seen, created=False)
        raise
    # After commit (at once when no outer transaction is open): nobody hears of a message
    # that could still roll back.
    event_publish(
        tenant_id=tenant.pk, conversation_id=message.conversation_id, kind="message.created",
        data=message_event(message),
    )  # fmt: skip
    transaction.on_commit(lambda: hooks.message_stored(message))
    if schedule_turn:
        transaction.on_commit(lambda: hooks.message_received(message))
    return Received(message, created=True)


def _message_store(
    *, tenant, customer, conversation, channel, text, provider_message_id, verified, metadata, subject=""
) -> Message:
    if conversation is not None:
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    else:
        conversation = (
            Conversation.objects.for_tenant(tenant)
            .select_for_update()
            .filter(customer=customer, channel=channel, status__in=OPEN_STATUSES)
            .order_by("-last_message_at", "-id")
            .first()
        ) or Conversation.objects.create(
            tenant=tenant, customer=customer, channel=channel, subject=(subject or text.splitlines()[0])[:120]
        )
    now = timezone.now()
    conversation.last_message_at = now
    fields = ["last_message_at", "updated_at"]
    reopened = conversation.status not in (Conversation.Status.OPEN, Conversation.Status.PENDING)
    if reopened:  # a shopper writing again reopens it, resolved or snoozed, and its ticket
        conversation.status, conversation.snoozed_until = Conversation.Status.OPEN, None
        fields += ["status", "snoozed_until"]
        ticket_status_set(conversation=conversation, status=Ticket.Status.OPEN)
    if verified and not conversation.customer_verified:
        conversation.customer_verified = True
        fields.append("customer_verified")
    message = Message.objects.create(
        tenant=tenant, conversation=conversation, direction=Message.Direction.INBOUND, channel=channel,
        sender_kind=Message.SenderKind.CUSTOMER, body=text, provider_message_id=provider_message_id,
        metadata=metadata,
    )  # fmt: skip
    if conversation.waiting_since is None:  # the shopper waits from this message until a reply that counts
        conversation.waiting_since = message.created_at
        fields.append("waiting_since")
    conversation.save(update_fields=fields)
    return message


# Outbound messages on these channels leave through a provider; web replies are live events.
DELIVERED_CHANNELS = (Channel.EMAIL, Channel.SMS)


def message_reply_create(
    *,
    conversation: Conversation,
    body: str,
    sender_kind: str = Message.SenderKind.AI,
    channel: str | None = None,
    metadata: dict | None = None,
    touch_conversation: bool = True,
    sender_user=None,
) -> Message:
    """An outbound message in the conversation, pushed live after commit. Call inside the
    transaction that records why it was sent. ``touch_conversation=False``: the caller saves
    the conversation's last_message_at and ``waiting_since`` (conversations.sort_keys) itself.

    Email and SMS messages are also delivered after commit, by a Celery task that retries with
    backoff (``conversations.tasks.deliver_message``); an email gets its Message-ID now, so
    every try sends the same one and the shopper's reply threads back here."""
    channel = channel or conversation.channel
    body = controls_strip(body)  # whoever wrote it: a NUL would fail the insert, and lose the reply
    delivered = channel in DELIVERED_CHANNELS
    message = Message.objects.create(
        tenant_id=conversation.tenant_id, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=channel, sender_kind=sender_kind, sender_user=sender_user, body=body, metadata=metadata or {},
        delivery_status=DeliveryStatus.PENDING if delivered else "",
        provider_message_id=email_message_id_new(conversation.tenant) if channel == Channel.EMAIL else "",
    )  # fmt: skip
    if delivered:
        transaction.on_commit(lambda: tasks.deliver_message.delay(message.pk))
    transaction.on_commit(lambda: hooks.message_sent(message))
    if touch_conversation:
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=message.created_at, waiting_since=waiting_after_reply(sender_kind)
        )
    event_publish(
        tenant_id=conversation.tenant_id, conversation_id=conversation.pk, kind="message.created",
        data=message_event(message),
    )  # fmt: skip
    return message


# Categories that say nothing about the request ("hi", "what do you mean?"): they never
# replace a category that does.
WEAK_CATEGORIES = frozenset({"greeting", "unknown"})


def ticket_triage_save(
    *, conversation: Conversation, category: str, priority: str, confidence: float, clarification_needed: bool
) -> Ticket:
    """The conversation's ticket (created on its first turn) carries the latest triage. A
    confident category is not replaced by an unsure one, and priority only goes up."""
    ticket = conversation.tickets.order_by("-created_at").first()
    if ticket is None:
        ticket = Ticket(
            tenant_id=conversation.tenant_id, customer_id=conversation.customer_id, conversation=conversation,
            subject=(conversation.subject or "Conversation")[:255],
        )  # fmt: skip
    tracked = ("category", "triage_confidence", "clarification_needed", "priority")
    before = [getattr(ticket, field) for field in tracked]
    ranks = {value: index for index, value in enumerate(Ticket.Priority.values)}
    weak = category in WEAK_CATEGORIES and ticket.category and ticket.category not in WEAK_CATEGORIES
    if not weak and (not ticket.category or not clarification_needed or ticket.clarification_needed):
        ticket.category = category
        ticket.triage_confidence = confidence
        ticket.clarification_needed = clarification_needed
    if ticket.pk is None or ranks.get(priority, 0) > ranks.get(ticket.priority, 0):
        ticket.priority = priority
    if ticket.pk is None:
        ticket.save()
        transaction.on_commit(lambda: hooks.ticket_opened(ticket))
    elif [getattr(ticket, field) for field in tracked] != before:
        ticket.save(update_fields=[*tracked, "updated_at"])
    else:
        return ticket
    event_publish(
        tenant_id=ticket.tenant_id, conversation_id=conversation.pk, kind="ticket.updated",
        data={"id": ticket.pk, "category": ticket.category, "priority": ticket.priority, "status": ticket.status},
    )  # fmt: skip
    return ticket


def followup_send(
    *, conversation: Conversation, channel: str, body: str, subject: str | None = None, sender_user=None
) -> Message:
    """Answer the shopper on another channel (email or SMS): the message joins their open
    conversation there (or a new one, named ``subject``, by default this one's) and is
    delivered after commit."""
    customer = conversation.customer
    address = {Channel.EMAIL: customer.email, Channel.SMS: customer.phone}.get(channel)
    if address is None:
        raise ApplicationError("Follow-ups go by email or SMS.", code="invalid_channel")
    if not address:
        raise ApplicationError(f"There is no {Channel(channel).label.lower()} address on file.", code="no_address")
    text = message_text_clean(body)
    with transaction.atomic():
        target = (
            Conversation.objects.for_tenant(conversation.tenant_id)
            .filter(customer=customer, channel=channel, status__in=OPEN_STATUSES)
            .order_by("-last_message_at", "-id")
            .first()
        ) or Conversation.objects.create(
            tenant_id=conversation.tenant_id, customer=customer, channel=channel,
            subject=(conversation.subject if subject is None else subject)[:120],
        )  # fmt: skip
        if sender_user is None and target.handled_by == Conversation.HandledBy.HUMAN:
            # The AI does not write into a conversation a person has taken over.
            raise Conflict(f"A person handles this customer's {Channel(channel).label.lower()} conversation.",
                           code="taken_over")  # fmt: skip
        return message_reply_create(
            conversation=target, body=text, metadata={"followup_of": conversation.pk}, sender_user=sender_user,
            sender_kind=Message.SenderKind.STAFF if sender_user is not None else Message.SenderKind.AI,
        )  # fmt: skip


def ticket_status_set(*, conversation: Conversation, status: str) -> None:
    """The conversation's ticket follows it (solved when it is resolved, pending while it is
    snoozed, open again after), and its SLA clocks with it (``hooks.ticket_status_changed``)."""
    ticket = conversation.tickets.order_by("-created_at").first()
    if ticket is None or ticket.status == status:
        return
    ticket.status = status
    ticket.resolved_at = timezone.now() if status == Ticket.Status.SOLVED else None
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    transaction.on_commit(lambda: hooks.ticket_status_changed(ticket))
