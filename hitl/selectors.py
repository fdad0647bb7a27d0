"""Reads of the review queue and escalation rules. Every function takes the tenant."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from hitl.models import EscalationPolicy, Priority, ReviewRequest
from tenants.models import Tenant

_PRIORITY_RANK = Case(
    *[When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)],
    output_field=IntegerField(),
)


def review_request_list_pending(*, tenant: Tenant) -> QuerySet[ReviewRequest]:
    """Pending reviews, most urgent first: priority, then the SLA clock."""
    return (
        ReviewRequest.objects.for_tenant(tenant)
        .filter(status=ReviewRequest.Status.PENDING)
        .annotate(priority_rank=_PRIORITY_RANK)
        .order_by("priority_rank", "due_at", "created_at")
    )


def escalation_policy_for(*, tenant: Tenant, category: str, priority: str) -> EscalationPolicy | None:
    """The most specific active rule: exact category and priority beat a blank (any) one."""
    specificity = Case(When(~Q(category=""), then=Value(2)), default=Value(0), output_field=IntegerField()) + Case(
        When(~Q(priority=""), then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return (
        EscalationPolicy.objects.for_tenant(tenant)
        .filter(active=True, category__in=[category, ""], priority__in=[priority, ""])
        .annotate(specificity=specificity)
        .order_by("-specificity")
        .first()
    )
