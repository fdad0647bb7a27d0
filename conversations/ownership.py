"""Who answers a conversation: the AI, or a person who took it over. Enforced here, on the
server, whatever a page shows: a taken conversation gets no AI reply, not even from a turn
that was already running when the person took it (``agents.engine.turn`` saves its reply only
while the AI still handles the conversation)."""

import re

from django.db import transaction
from django.utils import timezone

from conversations import hooks
from conversations.events import event_publish
from conversations.models import Conversation, Message, Ticket
from conversations.services import message_text_clean, ticket_status_set
from conversations.sort_keys import waiting_refresh
from supportdesk.errors import ApplicationError, Conflict, PermissionDenied
from tenants.models import AuditEvent, Membership
from tenants.selectors import tenant_ids_for_user
from tenants.services import audit_record

# Who may answer shoppers: everyone on a store's staff but its read-only viewers.
ANSWERING_ROLES = frozenset(Membership.Role.values) - {Membership.Role.VIEWER}
MAX_NOTE_CHARS = 2000


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
    waiting_refresh(conversation.pk)  # only a person's reply answers the shopper now
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


def _locked(conversation: Conversation, actor) -> Conversation:
    answering_staff_check(user=actor, tenant_id=conversation.tenant_id)
    return Conversation.objects.select_for_update().get(pk=conversation.pk, tenant_id=conversation.tenant_id)


def _changed(conversation: Conversation, actor, verb: str, data: dict | None = None) -> None:
    """The audit event of a change to the conversation, and its live event to the staff."""
    audit_record(
        tenant=conversation.tenant, verb=f"conversation.{verb}", target=conversation,
        actor_kind=AuditEvent.ActorKind.USER if actor else AuditEvent.ActorKind.SYSTEM, actor_user=actor,
        actor_label="" if actor else "snooze", data=data or {},
    )  # fmt: skip
    event_publish(
        tenant_id=conversation.tenant_id, conversation_id=conversation.pk, kind="conversation.updated",
        data={"handled_by": conversation.handled_by, "status": conversation.status,
              "assignee": conversation.assignee.get_username() if conversation.assignee_id else "",
              "snoozed_until": conversation.snoozed_until.isoformat() if conversation.snoozed_until else None},
    )  # fmt: skip


@transaction.atomic
def conversation_hand_back(*, conversation: Conversation, actor, note: str = "") -> Conversation:
    """The AI answers again, and reads ``note`` (the person's word to it, kept until the next
    hand-back) in its instructions. What the person answered stays answered; a shopper still
    waiting for an answer gets the AI's now."""
    conversation = _locked(conversation, actor)
    note = message_text_clean(note)[:MAX_NOTE_CHARS] if note and note.strip() else ""
    if conversation.handled_by == Conversation.HandledBy.AI and not note:
        return conversation
    # Answered is what came before the last reply, whoever wrote it; after it, the shopper waits.
    last_reply = conversation.messages.filter(direction=Message.Direction.OUTBOUND).order_by("-id").first()
    through = 0
    if last_reply is not None:
        answered = conversation.messages.filter(direction=Message.Direction.INBOUND, pk__lt=last_reply.pk)
        through = answered.order_by("-id").values_list("pk", flat=True).first() or 0
    state = dict(conversation.agent_state or {})
    state.pop("pending_action", None)  # proposed before the person: no yes to it counts now
    if note:
        state["staff_note"] = note
    else:
        state.pop("staff_note", None)
    conversation.handled_by, conversation.assignee, conversation.agent_state = Conversation.HandledBy.AI, None, state
    conversation.answered_through_id = through
    conversation.save(update_fields=["handled_by", "assignee", "agent_state", "answered_through_id", "updated_at"])
    waiting_refresh(conversation.pk)  # the AI's replies count again
    Ticket.objects.filter(conversation=conversation).update(assignee=None)
    ticket = conversation.tickets.order_by("-created_at").first()
    if ticket is not None:
        transaction.on_commit(lambda: hooks.ticket_handed_back(ticket))
    waiting = conversation.messages.filter(direction=Message.Direction.INBOUND, pk__gt=conversation.answered_through_id)
    newest = waiting.order_by("-id").first()
    if newest is not None:
        transaction.on_commit(lambda: hooks.message_received(newest))  # the AI's turn for it
    _changed(conversation, actor, "handed_back", {"note": note})
    return conversation


@transaction.atomic
def conversation_assign(*, conversation: Conversation, assignee, actor) -> Conversation:
    """Who is responsible for it (None: nobody); who answers (the AI or a person) stays as it is."""
    conversation = _locked(conversation, actor)
    if assignee is not None:
        answering_staff_check(user=assignee, tenant_id=conversation.tenant_id)
    if conversation.assignee_id == (assignee.pk if assignee else None):
        return conversation
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee", "updated_at"])
    Ticket.objects.filter(conversation=conversation).update(assignee=assignee, updated_at=timezone.now())
    _changed(conversation, actor, "assigned", {"to": assignee.get_username() if assignee else ""})
    return conversation


@transaction.atomic
def conversation_snooze(*, conversation: Conversation, actor, until=None) -> Conversation:
    """Out of the open views until ``until`` (a future time) or, without one, until the shopper
    writes; either opens it again. Its ticket waits (the resolution clock pauses)."""
    if until is not None and until <= timezone.now():
        raise ApplicationError("Snooze until a time still to come.", code="invalid_snooze")
    conversation = _locked(conversation, actor)
    if conversation.status in (Conversation.Status.RESOLVED, Conversation.Status.CLOSED):
        raise Conflict("This conversation is resolved: reopen it first.", code="resolved")
    conversation.status, conversation.snoozed_until = Conversation.Status.SNOOZED, until
    conversation.save(update_fields=["status", "snoozed_until", "updated_at"])
    ticket_status_set(conversation=conversation, status=Ticket.Status.PENDING)
    _changed(conversation, actor, "snoozed", {"until": until.isoformat() if until else "the shopper's reply"})
    return conversation


@transaction.atomic
def conversation_resolve(*, conversation: Conversation, actor) -> Conversation:
    """Done: out of the open views, its ticket solved (its clocks stop). A shopper writing
    again opens it again."""
    conversation = _locked(conversation, actor)
    if conversation.status == Conversation.Status.RESOLVED:
        return conversation
    state = dict(conversation.agent_state or {})
    state.pop("pending_action", None)  # a yes after "resolved" confirms nothing
    conversation.status, conversation.snoozed_until = Conversation.Status.RESOLVED, None
    conversation.agent_state = state
    conversation.save(update_fields=["status", "snoozed_until", "agent_state", "updated_at"])
    ticket_status_set(conversation=conversation, status=Ticket.Status.SOLVED)
    _changed(conversation, actor, "resolved")
    return conversation


@transaction.atomic
def conversation_reopen(*, conversation: Conversation, actor=None) -> Conversation:
    """Open again (``actor`` None: its snooze ran out)."""
    if actor is not None:
        conversation = _locked(conversation, actor)
    else:
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == Conversation.Status.OPEN:
        return conversation
    conversation.status, conversation.snoozed_until = Conversation.Status.OPEN, None
    conversation.save(update_fields=["status", "snoozed_until", "updated_at"])
    ticket_status_set(conversation=conversation, status=Ticket.Status.OPEN)
    _changed(conversation, actor, "reopened")
    return conversation


def snoozed_wake(now=None) -> int:
    """Open the conversations whose snooze ran out (beat, every minute). Returns how many."""
    now = now or timezone.now()
    due = Conversation.objects.filter(status=Conversation.Status.SNOOZED, snoozed_until__lte=now)
    woken = 0
    for conversation in due.only("pk", "tenant_id")[:500]:
        conversation_reopen(conversation=conversation)
        woken += 1
    return woken


TAG = re.compile(r"[^\w -]+")


def tags_clean(tags) -> list[str]:
    """Lower case, letters, digits, spaces and dashes, at most 50 characters each, no repeats."""
    cleaned = []
    for tag in tags or ():
        tag = " ".join(TAG.sub("", str(tag)).lower().split())[:50]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned


@transaction.atomic
def conversation_tag(*, conversation: Conversation, actor, add=(), remove=()) -> Conversation:
    """Add and remove tags (the inbox filters by them, and by the customer's)."""
    conversation = _locked(conversation, actor)
    add, remove = tags_clean(add), set(tags_clean(remove))
    if not add and not remove:
        raise ApplicationError("Name a tag to add or remove.", code="invalid_tag")
    tags = [t for t in conversation.tags if t not in remove]
    tags += [t for t in add if t not in tags]
    if tags != conversation.tags:
        conversation.tags = tags[:20]
        conversation.save(update_fields=["tags", "updated_at"])
        _changed(conversation, actor, "tagged", {"tags": conversation.tags})
    return conversation
