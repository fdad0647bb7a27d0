"""Reads of the review queue and SLA policies. Every function takes the tenant."""

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from hitl.assignment import visible_queues
from hitl.models import EscalationPolicy, Metric, Priority, ReviewRequest, SlaClock
from tenants.models import Membership, Tenant
from tenants.selectors import tenant_ids_for_user

MANAGER_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)  # they see every queue

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


def with_clock_warning(reviews: QuerySet[ReviewRequest]) -> QuerySet[ReviewRequest]:
    """Each request with its review clock's warning time (``clock_warn_at``), for its SLA badge."""
    clock = SlaClock.objects.filter(review=OuterRef("pk"), metric=Metric.REVIEW).order_by("-id")
    return reviews.annotate(clock_warn_at=Subquery(clock.values("warn_at")[:1]))


def review_scope(*, user, roles) -> Q:
    """The review requests ``user`` may see (the admin's console and the dashboard's queue): all
    of the stores they manage; in the other stores where they hold one of ``roles``, those of
    their queues (all of them, in a store that has no queues)."""
    if user.is_active and user.is_superuser:
        return Q()
    managed = tenant_ids_for_user(user=user, roles=MANAGER_ROLES)
    limits = Q(tenant_id__in=managed)
    for tenant_id in tenant_ids_for_user(user=user, roles=roles) - managed:
        names = visible_queues(user=user, tenant_id=tenant_id)
        limits |= Q(tenant_id=tenant_id) if names is None else Q(tenant_id=tenant_id, queue__in=names)
    return limits


def _weight(field: str, points: int) -> Case:
    return Case(When(~Q(**{field: ""}), then=Value(points)), default=Value(0), output_field=IntegerField())


def escalation_policy_for(
    *, tenant: Tenant, category: str, priority: str, channel: str = "", customer_tags=()
) -> EscalationPolicy | None:
    """The most specific active policy whose conditions all hold: a condition set beats a blank
    (any) one, category first, then priority, channel and customer tag."""
    specificity = _weight("category", 8) + _weight("priority", 4) + _weight("channel", 2) + _weight("customer_tag", 1)
    return (
        EscalationPolicy.objects.for_tenant(tenant)
        .filter(
            active=True,
            category__in=[category, ""],
            priority__in=[priority, ""],
            channel__in=[channel, ""],
            customer_tag__in=[*customer_tags, ""],
        )
        .select_related("calendar")
        .prefetch_related("targets", "calendar__periods", "calendar__holidays")
        .annotate(specificity=specificity)
        .order_by("-specificity", "id")
        .first()
    )
