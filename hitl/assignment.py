"""Who gets the work: staff availability, per-queue members with a capacity, and the choice of
the next assignee (round robin, or balanced: fewest open first, then longest since the last).
Nobody away, offline or at capacity is given anything; what finds nobody stays unassigned and
is picked up when a member comes online. Each assignment is an audit event."""

from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from conversations.models import Ticket
from hitl.models import Queue, QueueMember, ReviewRequest, StaffStatus, TicketSla
from supportdesk.errors import ApplicationError
from tenants.models import AuditEvent, Tenant
from tenants.services import audit_record

OPEN_TICKETS = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING, Ticket.Status.ON_HOLD)
WORK_QUEUE = "hitl.work_queue"


def queue_member_save(*, member: QueueMember) -> QueueMember:
    """A member of a queue may see and decide its requests (the django-guardian permission)."""
    member.save()
    assign_perm(WORK_QUEUE, member.user, member.queue)
    return member


def queue_member_remove(*, member: QueueMember) -> None:
    remove_perm(WORK_QUEUE, member.user, member.queue)
    member.delete()


def visible_queues(*, user, tenant_id: int) -> list[str] | None:
    """The queue names whose requests ``user`` works in the store, or None for all of them (a
    store that defines no queues, or a user granted every queue)."""
    queues = Queue.objects.for_tenant(tenant_id)
    if not queues.exists():
        return None
    return list(get_objects_for_user(user, WORK_QUEUE, klass=queues, accept_global_perms=False)
                .values_list("name", flat=True))  # fmt: skip


def _load(tenant_id: int, queue_name: str):
    """Each member's open work in the queue: pending reviews and open tickets there."""
    return {
        "reviews": {
            row["assignee"]: row["n"]
            for row in ReviewRequest.objects.for_tenant(tenant_id)
            .filter(status=ReviewRequest.Status.PENDING, queue=queue_name, assignee__isnull=False)
            .values("assignee")
            .annotate(n=Count("id"))
        },
        "tickets": {
            row["ticket__assignee"]: row["n"]
            for row in TicketSla.objects.for_tenant(tenant_id)
            .filter(policy__queue=queue_name, ticket__status__in=OPEN_TICKETS, ticket__assignee__isnull=False)
            .values("ticket__assignee")
            .annotate(n=Count("id"))
        },
    }


def assignee_pick(*, tenant_id: int, queue_name: str, exclude: tuple = ()) -> AbstractBaseUser | None:
    """The next member of the queue to give work to, or None when nobody is available. The
    member's last-assigned time moves on (round robin turns on it)."""
    queue = Queue.objects.for_tenant(tenant_id).filter(name=queue_name).first()
    if queue is None:
        return None
    online = StaffStatus.objects.for_tenant(tenant_id).filter(status=StaffStatus.Availability.ONLINE)
    members = list(
        QueueMember.objects.select_for_update()
        .filter(queue=queue, user__in=online.values("user"), user__is_active=True)
        .exclude(user__in=[u.pk for u in exclude if u is not None])
        .select_related("user")
    )
    load = _load(tenant_id, queue_name)
    free = [(m, load["reviews"].get(m.user_id, 0) + load["tickets"].get(m.user_id, 0)) for m in members]
    free = [(m, n) for m, n in free if n < m.capacity]
    if not free:
        return None
    never = datetime(1970, 1, 1, tzinfo=UTC)
    if queue.strategy == Queue.Strategy.ROUND_ROBIN:
        member = min(free, key=lambda pair: (pair[0].last_assigned_at or never, pair[0].pk))[0]
    else:
        member = min(free, key=lambda pair: (pair[1], pair[0].last_assigned_at or never, pair[0].pk))[0]
    QueueMember.objects.filter(pk=member.pk).update(last_assigned_at=timezone.now())
    return member.user


def _record(tenant_id: int, target, assignee, how: str, actor=None) -> None:
    audit_record(
        tenant=Tenant.objects.get(pk=tenant_id), verb=f"{target._meta.model_name}.assigned", target=target,
        actor_kind=AuditEvent.ActorKind.USER if actor else AuditEvent.ActorKind.SYSTEM, actor_user=actor,
        actor_label="" if actor else "assignment", data={"to": assignee.get_username() if assignee else "", "how": how},
    )  # fmt: skip


@transaction.atomic
def review_assign_auto(review: ReviewRequest, *, exclude: tuple = (), how: str = "new") -> AbstractBaseUser | None:
    """Give a pending request with no assignee (or one being reassigned) to its queue's next member."""
    user = assignee_pick(tenant_id=review.tenant_id, queue_name=review.queue, exclude=exclude)
    if user is None:
        return None
    ReviewRequest.objects.filter(pk=review.pk).update(assignee=user)
    review.assignee = user
    _record(review.tenant_id, review, user, how)
    return user


def _ticket_queue(ticket: Ticket) -> str:
    sla = TicketSla.objects.filter(ticket=ticket).select_related("policy").first()
    return sla.policy.queue if sla is not None and sla.policy is not None else "default"


@transaction.atomic
def ticket_assign_auto(ticket: Ticket, *, exclude: tuple = (), how: str = "handoff") -> AbstractBaseUser | None:
    """A ticket handed to people goes to a member of its policy's queue (and its conversation with it)."""
    if ticket.assignee_id is not None and not exclude:
        return None
    user = assignee_pick(tenant_id=ticket.tenant_id, queue_name=_ticket_queue(ticket), exclude=exclude)
    if user is None:
        return None
    Ticket.objects.filter(pk=ticket.pk).update(assignee=user)
    if ticket.conversation_id:
        from conversations.models import Conversation

        Conversation.objects.filter(pk=ticket.conversation_id).update(assignee=user)
    ticket.assignee = user
    _record(ticket.tenant_id, ticket, user, how)
    return user


@transaction.atomic
def staff_status_set(*, tenant: Tenant, user, status: str, actor=None) -> StaffStatus:
    """Online, away or offline in one store. Coming online picks up the unassigned work of the
    member's queues, most due first, up to their capacity."""
    if status not in StaffStatus.Availability.values:
        raise ApplicationError(f"Unknown status {status!r}: online, away or offline.", code="invalid_status")
    row, _ = StaffStatus.objects.update_or_create(tenant=tenant, user=user, defaults={"status": status})
    audit_record(tenant=tenant, verb="staff.status_changed", target=row, actor_kind=AuditEvent.ActorKind.USER,
                 actor_user=actor or user, data={"status": status})  # fmt: skip
    if status == StaffStatus.Availability.ONLINE:
        pick_up(tenant=tenant, user=user)
    return row


def pick_up(*, tenant: Tenant, user) -> int:
    """Unassigned pending requests and handed-off tickets of the user's queues, most due first,
    to the user while they have room: they were waiting for anyone. Returns how many."""
    given = 0
    for member in QueueMember.objects.filter(tenant=tenant, user=user).select_related("queue"):
        name = member.queue.name
        load = _load(tenant.pk, name)
        room = member.capacity - load["reviews"].get(user.pk, 0) - load["tickets"].get(user.pk, 0)
        waiting = (
            ReviewRequest.objects.for_tenant(tenant)
            .filter(status=ReviewRequest.Status.PENDING, queue=name, assignee__isnull=True)
            .order_by(F("due_at").asc(nulls_last=True), "created_at")
        )
        for review in waiting[: max(room, 0)]:
            ReviewRequest.objects.filter(pk=review.pk).update(assignee=user)
            _record(tenant.pk, review, user, "came online")
            given, room = given + 1, room - 1
        tickets = (
            Ticket.objects.for_tenant(tenant)
            .filter(status__in=OPEN_TICKETS, assignee__isnull=True, conversation__handled_by="human",
                    sla__policy__queue=name)
            .order_by(F("sla_due_at").asc(nulls_last=True), "created_at")
        )  # fmt: skip
        for ticket in tickets[: max(room, 0)]:
            Ticket.objects.filter(pk=ticket.pk).update(assignee=user)
            _record(tenant.pk, ticket, user, "came online")
            given += 1
        if given:
            QueueMember.objects.filter(pk=member.pk).update(last_assigned_at=timezone.now())
    return given
