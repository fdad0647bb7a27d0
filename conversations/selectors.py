"""Reads of customers, conversations, messages and tickets. Every function takes the tenant."""

from django.db.models import QuerySet

from conversations.models import Conversation, Customer, Message, Ticket
from supportdesk.errors import NotFound
from tenants.models import Tenant


def customer_find(*, tenant: Tenant, email: str = "", phone: str = "") -> Customer | None:
    """The tenant's customer with this email (any case) or phone, if there is one."""
    customers = Customer.objects.for_tenant(tenant)
    if email.strip():
        found = customers.filter(email__iexact=email.strip()).first()
        if found is not None:
            return found
    if phone.strip():
        return customers.filter(phone=phone.strip()).first()
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


def ticket_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Ticket]:
    tickets = Ticket.objects.for_tenant(tenant).select_related("customer", "assignee")
    return tickets.filter(status=status) if status else tickets
