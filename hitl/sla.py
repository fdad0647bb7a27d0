"""SLA clocks: which replies and events start and stop which clock, and the minute-by-minute
check that finds the clocks due soon and the breached ones.

The rules (docs/architecture.md, "SLA clocks"):
- A ticket gets its policy when it opens and keeps it. Its first-response and resolution
  clocks start from the shopper's first unanswered message.
- First and next response: in a conversation the AI handles, any reply (the AI's or staff's)
  stops them. Once it is handed to a person, the AI's clocks are cancelled and a first-response
  clock for a person starts from the handoff: only a staff reply stops it, and after it each
  new shopper message starts a next-response clock only staff stop. System messages (a review
  outcome) stop nothing.
- Resolution pauses while the ticket waits for the customer (pending) and stops when solved
  or closed.
- Review decision: from the request until it is decided.
"""

import time
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from conversations.models import Conversation, Message, Ticket
from conversations.sort_keys import sla_due_changed
from hitl.assignment import ticket_assign_auto
from hitl.business_hours import Hours
from hitl.models import EscalationPolicy, Metric, SlaClock, TicketSla
from hitl.selectors import escalation_policy_for
from supportdesk.errors import PermissionDenied
from tenants.models import AuditEvent
from tenants.services import audit_record

DEFAULT_REVIEW_MINUTES = 240  # a review request with no policy target still has a clock
RESPONSES = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE)
LIVE = (SlaClock.Status.RUNNING, SlaClock.Status.PAUSED)
CLOSED_TICKET = (Ticket.Status.SOLVED, Ticket.Status.CLOSED)


def _target(policy: EscalationPolicy | None, metric: str):
    if policy is None:
        return None
    return next((t for t in policy.targets.all() if t.metric == metric), None)


def clock_start(
    *, tenant_id: int, metric: str, policy: EscalationPolicy | None, started_at: datetime, ticket=None, review=None,
    audience: str = SlaClock.Audience.ANYONE, minutes: int | None = None,
) -> SlaClock | None:  # fmt: skip
    """A running clock for ``metric`` under ``policy``'s target (or ``minutes``); None when the
    policy sets no target for it."""
    fields = _clock_fields(tenant_id=tenant_id, metric=metric, policy=policy, started_at=started_at,
                           minutes=minutes, audience=audience)  # fmt: skip
    if fields is None:
        return None
    return SlaClock.objects.create(ticket=ticket, review=review, **fields)


def _clock_fields(*, tenant_id, metric, policy, started_at, minutes, audience) -> dict | None:
    target = _target(policy, metric)
    if target is None and minutes is None:
        return None
    minutes = target.minutes if target is not None else minutes
    business = target is not None and target.business_hours and policy.calendar is not None
    hours = Hours(policy.calendar if business else None)
    warn_after = minutes * 60 * (target.warn_percent if target is not None else 75) / 100
    return {
        "tenant_id": tenant_id, "policy": policy, "metric": metric, "audience": audience,
        "calendar": policy.calendar if business else None, "target_minutes": minutes, "started_at": started_at,
        "due_at": hours.deadline(started_at, minutes * 60), "warn_at": hours.deadline(started_at, warn_after),
    }  # fmt: skip


def _stop(clocks, at: datetime, status=SlaClock.Status.MET) -> int:
    return clocks.filter(status__in=LIVE).update(status=status, met_at=at)


def _sync_ticket(ticket_id: int) -> None:
    """The ticket's ``sla_due_at``: its earliest running clock (the queue sorts by it)."""
    due = SlaClock.objects.filter(ticket_id=OuterRef("pk"), status=SlaClock.Status.RUNNING).values("ticket_id")
    Ticket.objects.filter(pk=ticket_id).update(sla_due_at=Subquery(due.annotate(first=Min("due_at")).values("first")))
    sla_due_changed(ticket_id)


def _policy(ticket: Ticket) -> EscalationPolicy | None:
    """The policy the ticket got when it opened (it keeps it), or the one it gets now."""
    kept = TicketSla.objects.filter(ticket=ticket).select_related("policy").first()
    if kept is not None:
        return _with_targets(kept.policy)
    channel = ticket.conversation.channel if ticket.conversation_id else ""
    policy = escalation_policy_for(
        tenant=ticket.tenant_id, category=ticket.category, priority=ticket.priority, channel=channel,
        customer_tags=ticket.customer.tags if ticket.customer_id else (),
    )  # fmt: skip
    TicketSla.objects.create(tenant_id=ticket.tenant_id, ticket=ticket, policy=policy)
    return policy


def _with_targets(policy: EscalationPolicy | None) -> EscalationPolicy | None:
    if policy is None:
        return None
    return (
        EscalationPolicy.objects.filter(pk=policy.pk)
        .select_related("calendar")
        .prefetch_related("targets", "calendar__periods", "calendar__holidays")
        .first()
    )


def _waiting_since(conversation_id: int, before: datetime) -> datetime:
    """When the shopper's unanswered messages began: the first inbound after the last reply."""
    last_reply = (
        Message.objects.filter(
            conversation_id=conversation_id,
            direction=Message.Direction.OUTBOUND,
            created_at__lte=before,
            sender_kind__in=["ai", "staff"],
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    inbound = Message.objects.filter(
        conversation_id=conversation_id, direction=Message.Direction.INBOUND, created_at__lte=before
    )
    if last_reply is not None:
        inbound = inbound.filter(created_at__gt=last_reply)
    return inbound.order_by("created_at").values_list("created_at", flat=True).first() or before


def _audience(conversation: Conversation | None) -> str:
    human = conversation is not None and conversation.handled_by == Conversation.HandledBy.HUMAN
    return SlaClock.Audience.STAFF if human else SlaClock.Audience.ANYONE


@transaction.atomic
def ticket_opened(ticket: Ticket) -> None:
    """A new ticket: its policy, and its first-response and resolution clocks (once)."""
    if SlaClock.objects.filter(ticket=ticket).exists():
        return
    ticket = Ticket.objects.select_related("conversation", "customer").get(pk=ticket.pk)
    policy = _policy(ticket)
    since = _waiting_since(ticket.conversation_id, ticket.created_at) if ticket.conversation_id else ticket.created_at
    audience = _audience(ticket.conversation)
    for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
        clock_start(tenant_id=ticket.tenant_id, metric=metric, policy=policy, started_at=since, ticket=ticket,
                    audience=audience if metric == Metric.FIRST_RESPONSE else SlaClock.Audience.ANYONE)  # fmt: skip
    _sync_ticket(ticket.pk)


def _open_ticket(conversation_id: int) -> Ticket | None:
    return (
        Ticket.objects.filter(conversation_id=conversation_id)
        .exclude(status__in=CLOSED_TICKET)
        .select_related("conversation", "customer")
        .order_by("-created_at")
        .first()
    )


# Replies and shopper messages are on every turn's path: a reply is one statement, a shopper's
# message one read (and one write when it starts a next-response clock), with the policy's
# targets kept a minute in the process, as the agent keeps its entity catalogue (an edited
# policy applies to new clocks within a minute).
_STOP_RESPONSES = """
WITH stopped AS (
    UPDATE hitl_slaclock SET status = 'met', met_at = %(at)s
    WHERE ticket_id = (
        SELECT id FROM conversations_ticket
        WHERE conversation_id = %(conversation)s AND status NOT IN ('solved', 'closed')
        ORDER BY created_at DESC LIMIT 1
    ) AND metric IN ('first_response', 'next_response') AND status IN ('running', 'paused')
      AND (audience = 'anyone' OR %(staff)s)
    RETURNING id, ticket_id
)
UPDATE conversations_ticket t SET sla_due_at = (
    SELECT min(c.due_at) FROM hitl_slaclock c
    WHERE c.ticket_id = t.id AND c.status = 'running' AND c.id NOT IN (SELECT id FROM stopped)
)
WHERE t.id IN (SELECT ticket_id FROM stopped)
RETURNING t.id
"""

# The open ticket of a shopper's conversation, and what its clocks say for the audience whose
# replies count now (a person's after the handoff).
_OPEN_TICKET_CLOCKS = """
SELECT t.id, t.tenant_id, ts.policy_id, a.audience,
       coalesce(bool_or(c.status = 'paused'), false),
       coalesce(bool_or(c.metric = 'first_response' AND c.status = 'met' AND c.audience = a.audience), false),
       coalesce(bool_or(c.metric IN ('first_response', 'next_response') AND c.status = 'running'
                        AND c.audience = a.audience), false)
FROM conversations_ticket t
JOIN conversations_conversation v ON v.id = t.conversation_id
CROSS JOIN LATERAL (SELECT CASE WHEN v.handled_by = 'human' THEN 'staff' ELSE 'anyone' END AS audience) a
LEFT JOIN hitl_ticketsla ts ON ts.ticket_id = t.id
LEFT JOIN hitl_slaclock c ON c.ticket_id = t.id
WHERE t.conversation_id = %(conversation)s AND t.status NOT IN ('solved', 'closed')
GROUP BY t.id, t.created_at, ts.policy_id, a.audience
ORDER BY t.created_at DESC LIMIT 1
"""
POLICY_SECONDS = 60
_policies: dict[int, tuple[float, EscalationPolicy | None]] = {}


def _cached_policy(policy_id: int | None) -> EscalationPolicy | None:
    if policy_id is None:
        return None
    cached = _policies.get(policy_id)
    if cached is not None and time.monotonic() - cached[0] < POLICY_SECONDS:
        return cached[1]
    policy = _with_targets(EscalationPolicy(pk=policy_id))
    _policies[policy_id] = (time.monotonic(), policy)
    return policy


def message_sent(message: Message) -> None:
    """A reply stops the response clocks it counts for: the AI's or staff's while the AI handles
    the conversation, only staff's after the handoff."""
    if message.direction != Message.Direction.OUTBOUND or message.sender_kind not in ("ai", "staff"):
        return
    with connection.cursor() as cursor:
        cursor.execute(_STOP_RESPONSES, {"at": message.created_at, "conversation": message.conversation_id,
                                         "staff": message.sender_kind == "staff"})  # fmt: skip
        stopped = cursor.fetchone()
    if stopped is not None:
        sla_due_changed(stopped[0])


def message_received(message: Message) -> None:
    """A shopper's message: a paused resolution clock runs again, and once the first response
    was given, a next-response clock starts (unless one is running). On every turn's path: one
    read, and at most one write, in autocommit (each statement is atomic on its own)."""
    if message.direction != Message.Direction.INBOUND:
        return
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_TICKET_CLOCKS, {"conversation": message.conversation_id})
        row = cursor.fetchone()
    if row is None:
        return  # the turn opens the ticket, and its clocks
    ticket_id, tenant_id, policy_id, audience, paused, answered, running = row
    if paused:
        with transaction.atomic():
            ticket = Ticket(pk=ticket_id, tenant_id=tenant_id)
            _resume(ticket, message.created_at)
            if answered and not running:
                clock_start(tenant_id=tenant_id, metric=Metric.NEXT_RESPONSE, policy=_cached_policy(policy_id),
                            started_at=message.created_at, ticket=ticket, audience=audience)  # fmt: skip
            _sync_ticket(ticket_id)
        return
    if answered and not running:
        fields = _clock_fields(tenant_id=tenant_id, metric=Metric.NEXT_RESPONSE, policy=_cached_policy(policy_id),
                               started_at=message.created_at, minutes=None, audience=audience)  # fmt: skip
        if fields is not None:
            _clock_start_on_ticket(ticket_id, fields)


# A new clock and the ticket's earliest due time (what it was, or the new clock's), in one
# statement.
_START_ON_TICKET = """
WITH started AS (
    INSERT INTO hitl_slaclock (tenant_id, ticket_id, policy_id, metric, audience, calendar_id, target_minutes,
                               started_at, due_at, warn_at, status)
    VALUES (%(tenant)s, %(ticket)s, %(policy)s, %(metric)s, %(audience)s, %(calendar)s, %(minutes)s,
            %(started_at)s, %(due_at)s, %(warn_at)s, 'running')
    RETURNING ticket_id, due_at
)
UPDATE conversations_ticket t SET sla_due_at = LEAST(coalesce(t.sla_due_at, s.due_at), s.due_at)
FROM started s
WHERE t.id = s.ticket_id AND t.sla_due_at IS DISTINCT FROM LEAST(coalesce(t.sla_due_at, s.due_at), s.due_at)
RETURNING t.id
"""


def _clock_start_on_ticket(ticket_id: int, fields: dict) -> None:
    calendar, policy = fields["calendar"], fields["policy"]
    with connection.cursor() as cursor:
        cursor.execute(_START_ON_TICKET, {
            "tenant": fields["tenant_id"], "ticket": ticket_id, "policy": policy.pk if policy else None,
            "metric": fields["metric"], "audience": fields["audience"], "calendar": calendar.pk if calendar else None,
            "minutes": fields["target_minutes"], "started_at": fields["started_at"], "due_at": fields["due_at"],
            "warn_at": fields["warn_at"],
        })  # fmt: skip
        moved = cursor.fetchone()
    if moved is not None:  # the new clock is the ticket's earliest
        sla_due_changed(ticket_id)


@transaction.atomic
def ticket_handed_off(ticket: Ticket, at: datetime | None = None) -> None:
    """A person takes over: the AI's response clocks are cancelled, a person's first-response
    clock starts now (the AI's replies never stop it)."""
    at = at or timezone.now()
    if not SlaClock.objects.filter(ticket=ticket).exists():
        ticket_opened(ticket)
    _stop(SlaClock.objects.filter(ticket=ticket, metric__in=RESPONSES, audience=SlaClock.Audience.ANYONE), at,
          status=SlaClock.Status.CANCELLED)  # fmt: skip
    staff = SlaClock.objects.filter(ticket=ticket, metric=Metric.FIRST_RESPONSE, audience=SlaClock.Audience.STAFF)
    if not staff.exists():
        clock_start(tenant_id=ticket.tenant_id, metric=Metric.FIRST_RESPONSE, policy=_policy(ticket), started_at=at,
                    ticket=ticket, audience=SlaClock.Audience.STAFF)  # fmt: skip
    _sync_ticket(ticket.pk)
    ticket_assign_auto(Ticket.objects.get(pk=ticket.pk))  # to a member of the policy's queue, if one is free


@transaction.atomic
def ticket_handed_back(ticket: Ticket, at: datetime | None = None) -> None:
    """Back to the AI: a person owes no reply any more (their response clocks are cancelled);
    the AI's replies count again from the shopper's next message."""
    _stop(SlaClock.objects.filter(ticket=ticket, metric__in=RESPONSES, audience=SlaClock.Audience.STAFF),
          at or timezone.now(), status=SlaClock.Status.CANCELLED)  # fmt: skip
    _sync_ticket(ticket.pk)


@transaction.atomic
def ticket_status_changed(ticket: Ticket, at: datetime | None = None) -> None:
    """Waiting for the customer pauses the resolution clock; solved or closed stops it (and
    cancels the response clocks); any other status lets a paused clock run again."""
    at = at or timezone.now()
    if ticket.status == Ticket.Status.PENDING:
        for clock in SlaClock.objects.filter(ticket=ticket, metric=Metric.RESOLUTION, status=SlaClock.Status.RUNNING):
            hours = Hours(clock.calendar)
            left = max(0, round(hours.between(at, clock.due_at)))
            SlaClock.objects.filter(pk=clock.pk).update(status=SlaClock.Status.PAUSED, paused_at=at,
                                                        remaining_seconds=left)  # fmt: skip
    elif ticket.status in CLOSED_TICKET:
        _stop(SlaClock.objects.filter(ticket=ticket, metric=Metric.RESOLUTION), at)
        _stop(SlaClock.objects.filter(ticket=ticket, metric__in=RESPONSES), at, status=SlaClock.Status.CANCELLED)
    else:
        _resume(ticket, at)
    _sync_ticket(ticket.pk)


def _resume(ticket: Ticket, at: datetime) -> None:
    for clock in SlaClock.objects.filter(ticket=ticket, status=SlaClock.Status.PAUSED):
        hours = Hours(clock.calendar)
        seconds = clock.remaining_seconds or 0
        total = clock.target_minutes * 60
        warn_left = max(0.0, seconds - total * (1 - _warn_fraction(clock)))
        SlaClock.objects.filter(pk=clock.pk).update(
            status=SlaClock.Status.RUNNING, paused_at=None, remaining_seconds=None,
            due_at=hours.deadline(at, seconds), warn_at=hours.deadline(at, warn_left),
        )  # fmt: skip


def _warn_fraction(clock: SlaClock) -> float:
    target = _target(_cached_policy(clock.policy_id), clock.metric)
    return (target.warn_percent if target is not None else 75) / 100


@transaction.atomic
def ticket_policy_set(*, ticket: Ticket, policy: EscalationPolicy | None, actor) -> TicketSla:
    """Put the ticket under another policy (a person's choice, audited): its running and paused
    clocks keep their start and take the new policy's targets; a metric it has no target for
    stops being counted."""
    if policy is not None and policy.tenant_id != ticket.tenant_id:
        raise PermissionDenied("That policy belongs to another store.")
    row, _ = TicketSla.objects.select_for_update().get_or_create(
        ticket=ticket, defaults={"tenant_id": ticket.tenant_id, "policy": policy}
    )
    previous = row.policy
    row.policy = policy
    row.save(update_fields=["policy"])
    policy = _with_targets(policy)
    now = timezone.now()
    for clock in SlaClock.objects.filter(ticket=ticket, status__in=LIVE):
        target = _target(policy, clock.metric)
        if target is None:
            SlaClock.objects.filter(pk=clock.pk).update(status=SlaClock.Status.CANCELLED, met_at=now)
            continue
        business = target.business_hours and policy.calendar is not None
        hours = Hours(policy.calendar if business else None)
        seconds = target.minutes * 60
        SlaClock.objects.filter(pk=clock.pk).update(
            policy=policy, target_minutes=target.minutes, calendar=policy.calendar if business else None,
            due_at=hours.deadline(clock.started_at, seconds),
            warn_at=hours.deadline(clock.started_at, seconds * target.warn_percent / 100),
        )  # fmt: skip
    _sync_ticket(ticket.pk)
    audit_record(
        tenant=ticket.tenant, verb="ticket.sla_policy_changed", target=ticket, actor_kind=AuditEvent.ActorKind.USER,
        actor_user=actor, data={"from": previous.name if previous else "", "to": policy.name if policy else ""},
    )  # fmt: skip
    return row


def sla_state(*, due_at: datetime | None, warn_at: datetime | None, now: datetime | None = None) -> str:
    """What a clock's badge says: breached past its due time, due soon past its warning time
    (its policy's warn percent of the target), else on track; "" with no due time."""
    if due_at is None:
        return ""
    now = now or timezone.now()
    if now >= due_at:
        return "breached"
    return "due_soon" if warn_at is not None and now >= warn_at else "on_track"


def review_opened(review, policy: EscalationPolicy | None) -> SlaClock:
    """The review-decision clock: the policy's review target, else the default."""
    return clock_start(
        tenant_id=review.tenant_id, metric=Metric.REVIEW, policy=policy, started_at=review.created_at,
        review=review, minutes=None if _target(policy, Metric.REVIEW) else DEFAULT_REVIEW_MINUTES,
    )  # fmt: skip


def review_closed(review, at: datetime) -> None:
    _stop(SlaClock.objects.filter(review=review), at)


# --------------------------------------------------------------------------- the minute check

_WARN = """
UPDATE hitl_slaclock SET warned_at = %(now)s
WHERE status = 'running' AND warned_at IS NULL AND warn_at <= %(now)s AND due_at > %(now)s
RETURNING id
"""
# One statement: the clocks that just passed their due time are marked, and each gets its
# breach row, however many there are.
_BREACH = """
WITH breached AS (
    UPDATE hitl_slaclock SET breached_at = %(now)s, warned_at = COALESCE(warned_at, %(now)s)
    WHERE status = 'running' AND breached_at IS NULL AND due_at <= %(now)s
    RETURNING id, tenant_id, metric, ticket_id, review_id, due_at
)
INSERT INTO hitl_slabreach (tenant_id, clock_id, metric, ticket_id, review_id, due_at, breached_at)
SELECT tenant_id, id, metric, ticket_id, review_id, due_at, %(now)s FROM breached
RETURNING clock_id
"""


def sla_evaluate(now: datetime | None = None) -> dict:
    """Mark the clocks now due soon (warned) and those past due (breached, with a breach row),
    across every store, with two set-based statements: the cost grows with what changed, not
    with the open tickets. Returns the ids of each."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_WARN, {"now": now})
        warned = [row[0] for row in cursor.fetchall()]
        cursor.execute(_BREACH, {"now": now})
        breached = [row[0] for row in cursor.fetchall()]
    return {"warned": warned, "breached": breached}
