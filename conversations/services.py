"""Writes to customers, conversations and tickets."""

from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation, Customer, Ticket
from supportdesk.errors import ApplicationError, NotFound
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
    if ticket is None:
        ticket = Ticket(tenant=tenant, customer=customer, conversation=conversation)
    ticket.subject = ticket.subject or reason[:255]
    ticket.category = category or ticket.category
    ticket.priority = priority
    ticket.status = Ticket.Status.OPEN
    ticket.order_number = order_number or ticket.order_number
    ticket.save()
    audit_record(
        tenant=tenant,
        verb="ticket.escalated",
        actor_kind=AuditEvent.ActorKind.AGENT,
        actor_label="ai agent",
        target=ticket,
        data={"reason": reason[:500], "at": timezone.now().isoformat()},
    )
    return ticket
