"""One synchronous turn for a customer: what the ``converse`` command, the scenario
tests and the overhead benchmark run. The same code path as the worker: ``message_receive``
commits the message, ``turn_run`` answers it."""

from agents.engine.turn import turn_run
from agents.models import ToolCall
from conversations import identity
from conversations import services as conversation_services
from conversations.channels.sms import E164
from conversations.models import Conversation, Customer
from conversations.selectors import phone_normalise
from hitl.models import ReviewRequest
from supportdesk.errors import ApplicationError
from tenants.models import Tenant


def customer_for_contact(*, tenant: Tenant, contact: str) -> Customer:
    """The tenant's customer with this email or phone; a new one when the store has none, as
    when a stranger first writes in. Anything else is refused."""
    contact = contact.strip()
    if "@" in contact:
        if not identity.is_email(contact):
            raise ApplicationError(f"{contact!r} is not an email address.", code="invalid_contact")
        return conversation_services.customer_resolve(tenant=tenant, email=contact)
    phone = phone_normalise(contact)
    if not E164.match(phone):
        raise ApplicationError(
            f"{contact!r} is neither an email address nor a phone number with its country code (+1 415 555 0123).",
            code="invalid_contact",
        )
    return conversation_services.customer_resolve(tenant=tenant, phone=phone)


def converse(*, tenant: Tenant, customer: Customer, text: str, channel: str = "web", verified: bool = True) -> dict:
    received = conversation_services.message_receive(
        tenant=tenant, channel=channel, body=text, customer=customer, verified=verified, schedule_turn=False
    )
    conversation = Conversation.objects.get(pk=received.message.conversation_id)
    outcome = turn_run(conversation_id=conversation.pk, flush=True)
    result = {"conversation_id": conversation.pk, "reply": None, "tool_calls": [], "ticket": None,
              "review_requests": [], "status": outcome.status}  # fmt: skip
    if outcome.reply is not None:
        result["reply"] = outcome.reply.body
    elif outcome.status == "human":
        result["reply"] = None
    if outcome.run is not None:
        calls = ToolCall.objects.filter(run=outcome.run).order_by("created_at", "id")
        result["tool_calls"] = [{"tool": c.tool, "arguments": c.arguments, "status": c.status} for c in calls]
        reviews = ReviewRequest.objects.for_tenant(tenant).filter(
            conversation=conversation, created_at__gte=outcome.run.started_at
        )
        result["review_requests"] = [
            {"id": r.pk, "action": r.action, "status": r.status, "summary": r.summary, "priority": r.priority,
             "due_at": r.due_at.isoformat() if r.due_at else None}
            for r in reviews
        ]  # fmt: skip
    ticket = conversation.tickets.order_by("-created_at").first()
    if ticket is not None:
        result["ticket"] = {"id": ticket.pk, "category": ticket.category, "priority": ticket.priority,
                            "status": ticket.status}  # fmt: skip
    return result
