"""The inbox's sort keys on each conversation (``waiting_since``, ``sla_due_at``), kept as the
messages, handoffs and SLA clocks that decide them are written, so the inbox sorts 100,000
conversations by an index instead of computing the keys for every row.

A message moves ``waiting_since`` in the statement that records it (conversations.services);
a handoff or a hand-back recomputes it, since whose replies count changes. The SLA clocks
(hitl.sla) mirror their ticket's due time here after their own statement or transaction, in a
statement of its own: the conversation's row is never locked while a ticket's or a clock's is
held, so this cannot deadlock with the services that lock the conversation first."""

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Value, When

from conversations.models import Conversation, Message

# Since when the shopper of conversation ``c`` waits: their first message after the last reply
# that answers them (a person's once a person handles the conversation; the AI's "a person will
# reply" is none).
_WAITING = """
(SELECT min(m.created_at) FROM conversations_message m
 WHERE m.conversation_id = c.id AND m.direction = 'inbound'
   AND m.id > coalesce((
       SELECT max(r.id) FROM conversations_message r
       WHERE r.conversation_id = c.id AND r.direction = 'outbound'
         AND (r.sender_kind = 'staff' OR (r.sender_kind = 'ai' AND c.handled_by = 'ai'))), 0))
"""
# The latest ticket's earliest running clock (hitl.sla keeps it on the ticket).
_SLA_DUE = """
(SELECT t.sla_due_at FROM conversations_ticket t WHERE t.conversation_id = c.id
 ORDER BY t.created_at DESC, t.id DESC LIMIT 1)
"""


def waiting_after_reply(sender_kind: str):
    """``waiting_since`` once a reply of ``sender_kind`` is stored (the rule of ``_WAITING``): a
    person's answers the shopper; the AI's only while the AI handles the conversation."""
    if sender_kind == Message.SenderKind.STAFF:
        return None
    if sender_kind == Message.SenderKind.AI:
        return Case(
            When(handled_by=Conversation.HandledBy.AI, then=Value(None)), default=F("waiting_since"),
            output_field=DateTimeField(),
        )  # fmt: skip
    return F("waiting_since")


def waiting_refresh(conversation_id: int) -> None:
    """After whose replies count has changed (a handoff, a hand-back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE conversations_conversation c SET waiting_since = {_WAITING} WHERE c.id = %s", [conversation_id]
        )


def _sla_due_sync(ticket_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE conversations_conversation c SET sla_due_at = {_SLA_DUE}
            WHERE c.id = (SELECT conversation_id FROM conversations_ticket WHERE id = %s)
              AND c.sla_due_at IS DISTINCT FROM {_SLA_DUE}""",
            [ticket_id],
        )


def sla_due_changed(ticket_id: int) -> None:
    """The ticket's ``sla_due_at`` may have changed: its conversation's follows, after the
    caller's transaction (at once in autocommit)."""
    transaction.on_commit(lambda: _sla_due_sync(ticket_id))


def sort_keys_rebuild(*, tenant_ids: list[int] | None = None) -> int:
    """Every conversation's keys from its messages and tickets: after rows were loaded around
    the services (a bulk import, the benchmark's COPY). Returns the conversations changed."""
    where = "WHERE c.tenant_id = ANY(%s)" if tenant_ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE conversations_conversation c SET waiting_since = {_WAITING}, sla_due_at = {_SLA_DUE} {where}",
            [list(tenant_ids)] if tenant_ids is not None else [],
        )
        return cursor.rowcount
