"""Reads of customers, conversations, messages and tickets. Every function takes the tenant."""

import re

from django.db.models import F, Func, QuerySet, Value

from conversations.models import Conversation, Customer, Message, Ticket
from supportdesk.errors import NotFound
from tenants.models import Tenant


def phone_normalise(phone: str) -> str:
    """A phone number as stored (E.164 when it was given so): "+1 (415) 555-0123" and
    "0014155550123" are "+14155550123". Without a country code it stays as written, digits only."""
    phone = (phone or "").strip()
    digits = re.sub(r"\D", "", phone)
    if phone.startswith("+"):
        return f"+{digits}"
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    return digits


def customer_find(*, tenant: Tenant, email: str = "", phone: str = "") -> Customer | None:
    """The tenant's customer with this email (any case) or phone, if there is one."""
    customers = Customer.objects.for_tenant(tenant)
    if email.strip():
        found = customers.filter(email__iexact=email.strip()).first()
        if found is not None:
            return found
    phone = phone_normalise(phone)
    if not phone:
        return None
    return customers.filter(phone=phone).first() or _customer_by_phone_as_written(customers, phone)


def _customer_by_phone_as_written(customers: QuerySet[Customer], phone: str) -> Customer | None:
    """A number typed in by staff or imported as "(917) 555-0110", "+1 917-555-0110" or
    "07700 900123" is the shopper texting from +19175550110 or +447700900123: the same digits,
    or the national number (its trunk 0 dropped) after a country code of one to three digits."""
    digits = phone.lstrip("+")
    if len(digits) < 7:
        return None
    stored_digits = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
    candidates = customers.annotate(phone_digits=stored_digits).filter(phone_digits__endswith=digits[-7:])[:20]
    for customer in candidates:
        stored = phone_normalise(customer.phone)
        national = stored.lstrip("+").removeprefix("00")
        if stored.startswith("+") or customer.phone.strip().startswith("00"):
            if national == digits:
                return customer
            continue
        national = national.removeprefix("0")
        if national == digits or (
            len(national) >= 7 and digits.endswith(national) and len(digits) - len(national) <= 3
        ):
            return customer
    return None


def conversation_get(*, tenant: Tenant, conversation_id: int) -> Conversation:
    conversation = Conversation.objects.for_tenant(tenant).select_related("customer").filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(f"No conversation {conversation_id}.")
    return conversation


def conversation_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Conversation]:
    conversations = Conversation.objects.for_tenant(tenant).select_related("customer", "assignee")
    return conversations.filter(status=status) if status else conversations


def message_list(*, tenant: Tenant, conversation_id: int, after_id: int | None = None) -> QuerySet[Message]:
    messages = Message.objects.for_tenant(tenant).filter(conversation_id=conversation_id)
    if after_id is not None:
        messages = messages.filter(pk__gt=after_id)
    return messages.order_by("created_at", "id")


def messages_by_provider_ids(*, tenant: Tenant, ids: list[str], channel: str = "email") -> QuerySet[Message]:
    """The tenant's messages on ``channel`` with any of these provider ids (email Message-IDs)."""
    return (
        Message.objects.for_tenant(tenant)
        .filter(channel=channel, provider_message_id__in=[item for item in ids if item])
        .select_related("conversation__customer")
    )


def message_get_by_provider_id(*, tenant: Tenant, provider_message_id: str, direction: str | None = None) -> Message:
    messages = Message.objects.for_tenant(tenant).filter(provider_message_id=provider_message_id)
    if direction:
        messages = messages.filter(direction=direction)
    message = messages.first() if provider_message_id else None
    if message is None:
        raise NotFound(f"No message {provider_message_id!r}.")
    return message


def ticket_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Ticket]:
    tickets = Ticket.objects.for_tenant(tenant).select_related("customer", "assignee")
    return tickets.filter(status=status) if status else tickets
