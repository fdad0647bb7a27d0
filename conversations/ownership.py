"""Who answers a conversation: the AI, or a person who took it over. Enforced here, on the
server, whatever a page shows: a taken conversation gets no AI reply, not even from a turn
that was already running when the person took it (``agents.engine.turn`` saves its reply only
while the AI still handles the conversation)."""

from django.db import transaction
from django.utils import timezone

from conversations import hooks
from conversations.events import event_publish
from conversations.models import Conversation, Ticket
from supportdesk.errors import PermissionDenied
from tenants.models import AuditEvent, Membership
from tenants.selectors import tenant_ids_for_user
from tenants.services import audit_record

# Who may answer shoppers: everyone on a store's staff but its read-only viewers.
ANSWERING_ROLES = frozenset(Membership.Role.values) - {Membership.Role.VIEWER}


def answering_staff_check(*, user, tenant_id: int) -> None:
    if not (user.is_superuser or tenant_id in tenant_ids_for_user(user=user, roles=ANSWERING_ROLES)):
        raise PermissionDenied("Only the store's support staff may answer its conversations.")


def _open_ticket(conversation: Conversation) -> Ticket:
    """The conversation's ticket (one per conversation, reused), open again if it was not."""
    ticket = conversation.tickets.order_by("-created_at").first()
    if ticket is None:
        ticket = Ticket.objects.create(
            tenant_id=conversation.tenant_id, customer_id=conversation.customer_id, conversation=conversation,
            subject=(conversation.subject or "Conversation")[:255], status=Ticket.Status.OPEN,
        )  # fmt: skip
        transaction.on_commit(lambda: hooks.ticket_opened(ticket))
    return ticket


@transaction.atomic
def conversation_take_over(*, conversation: Conversation, actor) -> Conversation:
    """``actor`` answers from now on: the AI stops at once (a turn scheduled or running sends
    nothing), the conversation and its ticket are theirs, and the SLA clocks count a person's
    reply from now. Taking one's own conversation again changes nothing."""
    answering_staff_check(user=actor, tenant_id=conversation.tenant_id)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk, tenant_id=conversation.tenant_id)
    if conversation.handled_by == Conversation.HandledBy.HUMAN and conversation.assignee_id == actor.pk:
        return conversation
    previous = conversation.handled_by
    conversation.handled_by, conversation.assignee = Conversation.HandledBy.HUMAN, actor
    conversation.status = Conversation.Status.OPEN
    conversation.save(update_fields=["handled_by", "assignee", "status", "updated_at"])
    ticket = _open_ticket(conversation)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=actor, status=Ticket.Status.OPEN, updated_at=timezone.now())
    ticket.assignee, ticket.status = actor, Ticket.Status.OPEN
    if previous == Conversation.HandledBy.AI:
        transaction.on_commit(lambda: hooks.ticket_handed_off(ticket))
    audit_record(
        tenant=conversation.tenant, verb="conversation.taken_over", target=conversation,
        actor_kind=AuditEvent.ActorKind.USER, actor_user=actor, data={"from": previous},
    )  # fmt: skip
    event_publish(
        tenant_id=conversation.tenant_id, conversation_id=conversation.pk, kind="conversation.updated",
        data={"handled_by": conversation.handled_by, "assignee": actor.get_username(), "status": conversation.status},
    )  # fmt: skip
    return conversation
