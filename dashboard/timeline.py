"""One timeline per customer, across their conversations and channels: messages (with their
delivery status), the AI's turns with their tool calls (arguments, results, timings, tokens,
cost), review requests and their decisions, handoffs, assignment and status changes, and the
staff's notes. A constant number of queries, newest ``LIMIT`` items."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from agents.models import AgentRun, ToolCall
from conversations.models import Conversation, Message, Note, Ticket
from hitl.models import ReviewRequest
from tenants.models import AuditEvent

LIMIT = 200
# The audit verbs that are the conversation's own story (the rest is in the admin's log).
STORY = {
    "conversation.taken_over": "took the conversation over",
    "conversation.handed_back": "handed it back to the AI",
    "conversation.assigned": "assigned it",
    "conversation.snoozed": "snoozed it",
    "conversation.resolved": "resolved it",
    "conversation.reopened": "reopened it",
    "conversation.tagged": "tagged it",
    "ticket.escalated": "handed it to a person",
    "ticket.assigned": "assigned the ticket",
}


@dataclass
class Item:
    kind: str  # message, note, turn, review, event
    at: datetime
    obj: object
    calls: list = field(default_factory=list)  # a turn's tool calls
    label: str = ""


def _conversation_ids(conversation: Conversation) -> list[int]:
    return list(
        Conversation.objects.filter(tenant_id=conversation.tenant_id, customer_id=conversation.customer_id)
        .values_list("pk", flat=True)
    )  # fmt: skip


def timeline(conversation: Conversation) -> list[Item]:
    tenant_id, ids = conversation.tenant_id, _conversation_ids(conversation)
    items = [
        Item("message", m.created_at, m)
        for m in Message.objects.filter(tenant_id=tenant_id, conversation_id__in=ids)
        .select_related("sender_user")
        .order_by("-id")[:LIMIT]
    ]
    items += [
        Item("note", n.created_at, n)
        for n in Note.objects.filter(tenant_id=tenant_id, conversation_id__in=ids).select_related("author")
        .order_by("-id")[:LIMIT]
    ]  # fmt: skip
    runs = list(
        AgentRun.objects.filter(tenant_id=tenant_id, conversation_id__in=ids).select_related("profile")
        .order_by("-id")[:LIMIT]
    )  # fmt: skip
    calls: dict[int, list] = {}
    for call in ToolCall.objects.filter(tenant_id=tenant_id, run__in=runs).order_by("id"):
        calls.setdefault(call.run_id, []).append(call)
    items += [Item("turn", r.started_at, r, calls.get(r.pk, [])) for r in runs]
    reviews = (
        ReviewRequest.objects.filter(tenant_id=tenant_id, conversation_id__in=ids)
        .select_related("decision_record", "decision_record__decided_by", "assignee")
        .order_by("-id")[:LIMIT]
    )
    items += [Item("review", r.created_at, r) for r in reviews]
    tickets = Ticket.objects.filter(tenant_id=tenant_id, conversation_id__in=ids).values_list("pk", flat=True)
    events = (
        AuditEvent.objects.filter(tenant_id=tenant_id, verb__in=list(STORY))
        .filter(Q(target_type="conversations.Conversation", target_id__in=[str(i) for i in ids])
                | Q(target_type="conversations.Ticket", target_id__in=[str(i) for i in tickets]))
        .select_related("actor_user")
        .order_by("-id")[:LIMIT]
    )  # fmt: skip
    items += [Item("event", e.created_at, e, label=STORY[e.verb]) for e in events]
    items.sort(key=lambda item: item.at)
    return items[-LIMIT:]
