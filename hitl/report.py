"""The support performance report of one store: the figures per day and per channel, each
defined in docs/report.md. Read only; every query takes the tenant."""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from conversations.models import Ticket
from hitl.business_hours import Hours
from hitl.models import BusinessCalendar, ReviewDecision, SlaClock
from tenants.models import Tenant

RETURN_WINDOW = timedelta(hours=72)  # a shopper back within this, on any channel, was not resolved

# Per conversation started in the period: its channel and day, whether the AI answered, whether
# a person wrote or took it over, and whether the shopper came back (on any channel) within 72 h
# of the AI's last reply; the ticket's category as the handoff's reason.
_CONVERSATIONS = """
SELECT c.id, c.channel, (c.created_at AT TIME ZONE 'UTC')::date AS day, c.handled_by,
       last_ai.at AS last_ai,
       EXISTS (SELECT 1 FROM conversations_message m WHERE m.conversation_id = c.id
               AND m.direction = 'outbound' AND m.sender_kind = 'staff') AS staff_wrote,
       EXISTS (SELECT 1 FROM conversations_message m JOIN conversations_conversation o ON o.id = m.conversation_id
               WHERE o.tenant_id = c.tenant_id AND o.customer_id = c.customer_id AND m.direction = 'inbound'
               AND m.created_at > last_ai.at AND m.created_at <= last_ai.at + %(window)s) AS came_back,
       (SELECT t.category FROM conversations_ticket t WHERE t.conversation_id = c.id
        ORDER BY t.created_at DESC LIMIT 1) AS category
FROM conversations_conversation c
LEFT JOIN LATERAL (
    SELECT max(m.created_at) AS at FROM conversations_message m
    WHERE m.conversation_id = c.id AND m.direction = 'outbound' AND m.sender_kind = 'ai'
) last_ai ON true
WHERE c.tenant_id = %(tenant)s AND c.created_at >= %(since)s AND c.created_at < %(until)s
"""


@dataclass
class _Conversation:
    channel: str
    day: date
    handed_off: bool
    ai_resolved: bool | None  # None: the 72 hours are not over yet
    category: str


def _ai_resolved(last_ai: datetime | None, person: bool, came_back: bool, now: datetime) -> bool | None:
    """Resolved by the AI: it answered, no person wrote or took over, and the shopper did not come
    back on any channel within 72 hours of its last reply. None while those hours run."""
    if last_ai is None or person or came_back:
        return False
    return True if last_ai + RETURN_WINDOW <= now else None


def _median_p90(values: list[float]) -> dict:
    if not values:
        return {"median": None, "p90": None, "count": 0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(ordered), 1), "p90": round(p90, 1), "count": len(ordered)}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


class _Clocks:
    """Business time on each clock's own calendar, its hours read once per calendar."""

    def __init__(self):
        self._hours: dict[int | None, Hours] = {}

    def minutes(self, clock: SlaClock) -> float:
        key = clock.calendar_id
        if key not in self._hours:
            calendar = BusinessCalendar.objects.filter(pk=key).prefetch_related("periods", "holidays").first()
            self._hours[key] = Hours(calendar)
        return self._hours[key].between(clock.started_at, clock.met_at) / 60


def support_report(*, tenant: Tenant, since: date, until: date | None = None) -> dict:
    """The figures from ``since`` (a UTC day) up to, not including, ``until`` (default: tomorrow)."""
    until = until or (timezone.now().date() + timedelta(days=1))
    start = datetime.combine(since, time.min, tzinfo=UTC)
    end = datetime.combine(until, time.min, tzinfo=UTC)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_CONVERSATIONS, {"tenant": tenant.pk, "since": start, "until": end, "window": RETURN_WINDOW})
        conversations = [
            _Conversation(channel=channel, day=day, handed_off=handled_by == "human", category=category or "",
                          ai_resolved=_ai_resolved(last_ai, staff or handled_by == "human", back, now))
            for _id, channel, day, handled_by, last_ai, staff, back, category in cursor.fetchall()
        ]  # fmt: skip
    clocks = list(
        SlaClock.objects.for_tenant(tenant)
        .filter(started_at__gte=start, started_at__lt=end)
        .select_related("ticket__conversation", "review__conversation")
    )
    decisions = list(
        ReviewDecision.objects.for_tenant(tenant)
        .filter(created_at__gte=start, created_at__lt=end)
        .select_related("review__conversation")
    )
    csat = list(
        Ticket.objects.for_tenant(tenant)
        .filter(created_at__gte=start, created_at__lt=end, csat_score__isnull=False)
        .values_list("created_at", "conversation__channel", "csat_score")
    )
    timing = _Clocks()

    def clock_channel(clock):
        owner = clock.ticket.conversation if clock.ticket_id and clock.ticket.conversation_id else None
        owner = owner or (clock.review.conversation if clock.review_id and clock.review.conversation_id else None)
        return owner.channel if owner is not None else ""

    def figures(keep_conversation, keep_clock, keep_decision, keep_csat) -> dict:
        mine = [c for c in conversations if keep_conversation(c)]
        decided = [c for c in mine if c.ai_resolved is not None]
        handoffs = [c for c in mine if c.handed_off]
        reasons = defaultdict(int)
        for c in handoffs:
            reasons[c.category or "uncategorised"] += 1
        my_clocks = [k for k in clocks if keep_clock(k)]
        met = [k for k in my_clocks if k.status == SlaClock.Status.MET and k.met_at is not None]

        def times(metric, audience=None):
            return _median_p90([timing.minutes(k) for k in met if k.metric == metric
                                and (audience is None or k.audience == audience)])  # fmt: skip

        compliance = {}
        for metric in ("first_response", "next_response", "resolution", "review"):
            # Finished: met, or past due whether or not the minute check saw it yet. Kept: met in time.
            finished = [k for k in my_clocks if k.metric == metric
                        and (k.status == SlaClock.Status.MET or k.breached_at or k.due_at <= now)]  # fmt: skip
            kept = [k for k in finished if k.status == SlaClock.Status.MET and k.met_at and k.met_at <= k.due_at]
            compliance[metric] = {"rate": _rate(len(kept), len(finished)), "finished": len(finished),
                                  "breached": len(finished) - len(kept)}  # fmt: skip
        mine_decisions = [d for d in decisions if keep_decision(d)]
        overridden = [d for d in mine_decisions if d.outcome in ("edited", "rejected")]
        judged = [d for d in mine_decisions if d.outcome in ("approved", "edited", "rejected")]
        scores = [score for created, channel, score in csat if keep_csat(created, channel)]
        return {
            "conversations": len(mine),
            "ai_resolution_rate": _rate(sum(1 for c in decided if c.ai_resolved), len(decided)),
            "ai_resolution_decided": len(decided),
            "handoff_rate": _rate(len(handoffs), len(mine)),
            "handoffs_by_reason": {k: {"count": v, "rate": _rate(v, len(mine))} for k, v in sorted(reasons.items())},
            "first_response_minutes": times("first_response", SlaClock.Audience.ANYONE),
            "first_human_response_minutes": times("first_response", SlaClock.Audience.STAFF),
            "resolution_minutes": times("resolution"),
            "sla_compliance": compliance,
            "review_turnaround_minutes": _median_p90(
                [(d.created_at - d.review.created_at).total_seconds() / 60 for d in mine_decisions]
            ),
            "review_override_rate": _rate(len(overridden), len(judged)),
            "reviews_decided": len(mine_decisions),
            "csat": {
                "average": round(statistics.mean(scores), 2) if scores else None,
                "responses": len(scores),
                "satisfied_rate": _rate(sum(1 for s in scores if s >= 4), len(scores)),
            },
        }

    days = sorted({c.day for c in conversations} | {k.started_at.date() for k in clocks}
                  | {d.created_at.date() for d in decisions})  # fmt: skip
    channels = sorted({c.channel for c in conversations} | {clock_channel(k) for k in clocks} - {""})
    return {
        "tenant": tenant.slug,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "totals": figures(lambda c: True, lambda k: True, lambda d: True, lambda *_: True),
        "by_day": [
            {
                "day": day.isoformat(),
                **figures(
                    lambda c, day=day: c.day == day,
                    lambda k, day=day: k.started_at.date() == day,
                    lambda d, day=day: d.created_at.date() == day,
                    lambda created, _ch, day=day: created.date() == day,
                ),
            }
            for day in days
        ],
        "by_channel": [
            {
                "channel": channel,
                **figures(
                    lambda c, ch=channel: c.channel == ch,
                    lambda k, ch=channel: clock_channel(k) == ch,
                    lambda d, ch=channel: (d.review.conversation.channel if d.review.conversation_id else "") == ch,
                    lambda _created, chan, ch=channel: chan == ch,
                ),
            }
            for channel in channels
        ],
    }
