"""The review queue (``reviews``) and the SLA clocks (``sla``)."""

from hitl.models.assignment import Queue, QueueMember, StaffStatus
from hitl.models.reviews import OutcomeMessage, Priority, ReviewDecision, ReviewRequest
from hitl.models.sla import (
    BusinessCalendar,
    BusinessPeriod,
    EscalationPolicy,
    Holiday,
    Metric,
    SlaBreach,
    SlaClock,
    SlaTarget,
    TicketSla,
)

__all__ = [
    "BusinessCalendar",
    "BusinessPeriod",
    "EscalationPolicy",
    "Holiday",
    "Metric",
    "OutcomeMessage",
    "Priority",
    "Queue",
    "QueueMember",
    "ReviewDecision",
    "ReviewRequest",
    "SlaBreach",
    "SlaClock",
    "SlaTarget",
    "StaffStatus",
    "TicketSla",
]
