"""What the minute check's warnings and breaches set off, per the clock's policy: at warn time
the assignee hears of it; at breach the item goes to another available member, its priority
goes up a step, the queue's owners get an email, and staff get a live event. Each step is an
audit event. Only the clocks that just warned or breached are read, never every open ticket."""

from django.conf import settings
from django.core.mail import send_mail

from conversations.events import event_publish
from hitl.assignment import review_assign_auto, ticket_assign_auto
from hitl.models import EscalationPolicy, Priority, Queue, ReviewRequest, SlaClock
from tenants.models import AuditEvent, Tenant
from tenants.services import audit_record

# Most urgent first: a step up is one place to the left.
LADDER = list(Priority.values)


def _raised(priority: str) -> str:
    index = LADDER.index(priority) if priority in LADDER else len(LADDER) - 1
    return LADDER[max(0, index - 1)]


def _subject(clock: SlaClock):
    return clock.review if clock.review_id else clock.ticket


def _record(tenant: Tenant, verb: str, target, data: dict) -> None:
    audit_record(tenant=tenant, verb=verb, target=target, actor_kind=AuditEvent.ActorKind.SYSTEM,
                 actor_label="sla clock", data=data)  # fmt: skip


def _publish(tenant_id: int, subject, kind: str, data: dict) -> None:
    conversation_id = getattr(subject, "conversation_id", None)
    if conversation_id:
        event_publish(tenant_id=tenant_id, conversation_id=conversation_id, kind=kind, data=data)


def escalate(*, warned: list[int], breached: list[int]) -> None:
    clocks = SlaClock.objects.filter(pk__in=[*warned, *breached]).select_related(
        "tenant", "policy", "review", "ticket", "review__assignee", "ticket__assignee"
    )
    for clock in clocks:
        policy = clock.policy or EscalationPolicy()  # no policy: the defaults, every step on
        subject = _subject(clock)
        if subject is None:
            continue
        facts = {"clock": clock.pk, "metric": clock.metric, "due_at": clock.due_at.isoformat()}
        if clock.pk in warned and clock.pk not in breached:
            if policy.warn_assignee and subject.assignee_id:
                _record(clock.tenant, "sla.warned", subject, {**facts, "assignee": subject.assignee.get_username()})
                _publish(clock.tenant_id, subject, "sla.warning", {**facts, "assignee_id": subject.assignee_id})
            continue
        _breach(clock, policy, subject, facts)


def _breach(clock: SlaClock, policy: EscalationPolicy, subject, facts: dict) -> None:
    tenant = clock.tenant
    _record(tenant, "sla.breached", subject, facts)
    if policy.breach_reassign and subject.assignee_id:
        before = subject.assignee
        assign = review_assign_auto if isinstance(subject, ReviewRequest) else ticket_assign_auto
        after = assign(subject, exclude=(before,), how="breach")
        if after is not None:
            _record(tenant, "sla.reassigned", subject, {**facts, "from": before.get_username(),
                                                        "to": after.get_username()})  # fmt: skip
    if policy.breach_raise_priority:
        raised = _raised(subject.priority)
        if raised != subject.priority:
            type(subject).objects.filter(pk=subject.pk).update(priority=raised)
            _record(tenant, "sla.priority_raised", subject, {**facts, "from": subject.priority, "to": raised})
            subject.priority = raised
    queue_name = subject.queue if isinstance(subject, ReviewRequest) else (policy.queue if policy.pk else "")
    queue = Queue.objects.for_tenant(tenant).filter(name=queue_name).prefetch_related("owners").first()
    owners = [u.email for u in queue.owners.all() if u.email] if queue is not None else []
    if policy.breach_notify_owners and owners:
        send_mail(
            subject=f"[{tenant.name}] SLA breached: {subject}",
            message=f"{clock.get_metric_display()} was due {clock.due_at:%Y-%m-%d %H:%M} UTC for {subject} "
            f"in the {queue_name} queue.",
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=owners, fail_silently=True,
        )  # fmt: skip
        _record(tenant, "sla.owners_notified", subject, {**facts, "to": owners})
    _publish(clock.tenant_id, subject, "sla.breached", facts)
