"""Writes to the review queue: risky actions wait here for a human decision."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from hitl.models import ReviewRequest
from hitl.selectors import escalation_policy_for
from tenants.models import AuditEvent, Tenant
from tenants.services import audit_record

DEFAULT_SLA_MINUTES = 240  # when no escalation policy matches


@transaction.atomic
def review_request_create(
    *,
    tenant: Tenant,
    action: str,
    payload: dict,
    summary: str,
    reason: str,
    priority: str,
    category: str = "",
    idempotency_key: str = "",
    requested_by: str = "",
    conversation=None,
    ticket=None,
) -> ReviewRequest:
    """Queue ``action`` with ``payload`` for a reviewer. The SLA clock and queue come from the
    tenant's most specific escalation policy. A repeated idempotency key returns the first request."""
    if idempotency_key:
        existing = ReviewRequest.objects.for_tenant(tenant).filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    policy = escalation_policy_for(tenant=tenant, category=category, priority=priority)
    minutes = policy.sla_minutes if policy else DEFAULT_SLA_MINUTES
    review = ReviewRequest.objects.create(
        tenant=tenant,
        action=action,
        payload=payload,
        summary=summary[:500],
        reason=reason,
        priority=priority,
        queue=policy.queue if policy else "default",
        due_at=timezone.now() + timedelta(minutes=minutes),
        idempotency_key=idempotency_key,
        requested_by=requested_by,
        conversation=conversation,
        ticket=ticket,
    )
    audit_record(
        tenant=tenant,
        verb="review.requested",
        actor_kind=AuditEvent.ActorKind.AGENT,
        actor_label=requested_by,
        target=review,
        data={"action": action, "priority": priority, "sla_minutes": minutes},
    )
    return review
