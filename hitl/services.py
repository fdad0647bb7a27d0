"""Writes to the review queue: risky actions wait here for a human decision, and the decision
runs the action (``hitl.actions``), tells the shopper and is kept as a row."""

from django.db import transaction
from django.utils import timezone

from conversations import services as conversation_services
from conversations.events import event_publish
from conversations.models import Message, Ticket
from hitl import assignment, hooks, sla
from hitl.actions import action_for
from hitl.models import ReviewDecision, ReviewRequest
from hitl.notify import outcome_text
from hitl.selectors import MANAGER_ROLES, escalation_policy_for
from supportdesk.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tenants.models import AuditEvent, Membership, Tenant
from tenants.selectors import tenant_ids_for_user
from tenants.services import audit_record

# Who may decide a review request: the store's owners and admins, and its reviewers.
DECIDERS = (Membership.Role.OWNER, Membership.Role.ADMIN, Membership.Role.REVIEWER)
DECISIONS = ("approve", "reject", "withdraw", "expire")
Outcome = ReviewDecision.Outcome


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
    requested_by_user=None,
    customer=None,
    conversation=None,
    ticket=None,
    turn_key: str = "",
) -> ReviewRequest:
    """Queue ``action`` with ``payload`` for a reviewer. The SLA clock and queue come from the
    tenant's most specific escalation policy. A repeated idempotency key returns the first request.
    The conversation's ticket waits (on hold) until the request is decided."""
    if idempotency_key:
        existing = ReviewRequest.objects.for_tenant(tenant).filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    channel = conversation.channel if conversation is not None else ""
    customer = customer or (conversation.customer if conversation is not None else None)
    policy = escalation_policy_for(tenant=tenant, category=category, priority=priority, channel=channel,
                                   customer_tags=customer.tags if customer is not None else ())  # fmt: skip
    if ticket is None and conversation is not None:
        ticket = conversation.tickets.order_by("-created_at").first()
    review = ReviewRequest.objects.create(
        tenant=tenant,
        action=action,
        payload=payload,
        summary=summary[:500],
        reason=reason,
        priority=priority,
        queue=policy.queue if policy else "default",
        idempotency_key=idempotency_key,
        requested_by=requested_by,
        requested_by_user=requested_by_user,
        customer=customer,
        conversation=conversation,
        ticket=ticket,
        turn_key=turn_key,
    )
    clock = sla.review_opened(review, policy)
    review.due_at = clock.due_at
    review.save(update_fields=["due_at"])
    assignment.review_assign_auto(review)
    if ticket is not None and ticket.status not in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.ON_HOLD, updated_at=timezone.now())
    audit_record(
        tenant=tenant,
        verb="review.requested",
        actor_kind=AuditEvent.ActorKind.USER if requested_by_user else AuditEvent.ActorKind.AGENT,
        actor_user=requested_by_user,
        actor_label=requested_by,
        target=review,
        data={
            "action": action,
            "priority": priority,
            "sla_minutes": clock.target_minutes,
            "policy": policy.name if policy else "",
        },
    )
    if conversation is not None:
        event_publish(tenant_id=tenant.pk, conversation_id=conversation.pk, kind="review.requested",
                      data=_event(review))  # fmt: skip
    return review


def refund_review_queue(*, refund, reason, requested_by, requested_by_user, conversation, turn_key) -> None:
    """orders.services.refund_submit's reviewer (registered in hitl.apps): a refund that waits."""
    order = refund.order
    review_request_create(
        tenant=refund.tenant, action="process_refund",
        payload={"order_number": order.number, "amount": str(refund.amount), "refund_id": refund.pk},
        summary=f"Refund {refund.amount} {order.currency} on {order.number}", reason=reason,
        priority="high", category="refund", idempotency_key=refund.idempotency_key,
        requested_by={"ai": "ai agent"}.get(requested_by, requested_by), requested_by_user=requested_by_user,
        customer=order.customer, conversation=conversation, turn_key=turn_key,
    )  # fmt: skip


def refund_review_withdraw(*, refund) -> None:
    """orders.services.order_cancel's hook: the refund's pending review is withdrawn, quietly
    (the shopper hears of the cancellation and its refund instead)."""
    review = (
        ReviewRequest.objects.for_tenant(refund.tenant_id)
        .filter(action="process_refund", payload__refund_id=refund.pk, status=ReviewRequest.Status.PENDING)
        .first()
    )
    if review is not None:
        review_decide(review=review, decision="withdraw", reviewer=None, tell_shopper=False,
                      note="The order was cancelled and refunded in full.")  # fmt: skip


def review_decide(*, review: ReviewRequest, decision: str, reviewer, edits: dict | None = None, note: str = "",
                  reason: str = "", tell_shopper: bool = True) -> ReviewDecision:  # fmt: skip
    """Decide a pending review request: ``approve`` (with ``edits`` to the payload: approved with
    edits, the diff kept), ``reject`` (``reason``: a ReviewDecision.Reason code), ``withdraw``,
    or ``expire`` (``reviewer`` None: the system). Approval runs the action through its owning
    service in this transaction; the shopper is told on the conversation's channel and staff
    hear a live event after commit (``tell_shopper=False``: a withdrawal the shopper hears of
    otherwise). Deciding again the same way returns the first decision and does nothing twice;
    any other decision on a decided request is a conflict."""
    if decision not in DECISIONS:
        raise ApplicationError(f"Unknown decision {decision!r}: one of {', '.join(DECISIONS)}.",
                               code="invalid_decision")  # fmt: skip
    if reviewer is None and decision in ("approve", "reject"):
        raise PermissionDenied("Only a person may approve or reject a request.")
    if reviewer is not None and decision == "expire":
        raise PermissionDenied("A request expires by its clock, not by a person: reject or withdraw it.")
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        locked = ReviewRequest.objects.select_for_update().filter(pk=review.pk, tenant_id=review.tenant_id).first()
        if locked is None:
            raise NotFound("No such review request.")
        _may_decide(locked, decision, reviewer)
        action = action_for(locked)
        changes, applied = {}, None
        if decision == "approve":
            applied = _applied(locked, action, edits or {})
            changes = {k: [locked.payload.get(k), v] for k, v in applied.items() if locked.payload.get(k) != v}
        outcome = {"approve": Outcome.EDITED if changes else Outcome.APPROVED, "reject": Outcome.REJECTED,
                   "withdraw": Outcome.WITHDRAWN, "expire": Outcome.EXPIRED}[decision]  # fmt: skip
        if locked.status != ReviewRequest.Status.PENDING:
            return _decided_before(locked, outcome, reviewer)
        if decision == "reject" and reason not in ReviewDecision.Reason.values:
            raise ApplicationError("Say why it is rejected: choose a reason.", code="reason_required",
                                   extra={"reasons": list(ReviewDecision.Reason.values)})  # fmt: skip
        if decision == "approve":
            result = action.approve(locked, applied, reviewer)
        else:
            result = action.decline(locked, outcome, reviewer, note)
        now = timezone.now()
        locked.status, locked.reviewer, locked.decided_at = outcome, reviewer, now
        locked.decision, locked.note = applied, note
        locked.save(update_fields=["status", "reviewer", "decided_at", "decision", "note"])
        record = ReviewDecision.objects.create(
            tenant_id=locked.tenant_id, review=locked, outcome=outcome,
            reason_code=reason if decision == "reject" else "", note=note, decided_by=reviewer,
            decided_by_label=reviewer.get_username() if reviewer else "system", proposed=locked.payload,
            applied=applied, changes=changes, result=result,
        )  # fmt: skip
        audit_record(
            tenant=locked.tenant, verb=f"review.{outcome}", target=locked,
            actor_kind=AuditEvent.ActorKind.USER if reviewer else AuditEvent.ActorKind.SYSTEM,
            actor_user=reviewer, actor_label="" if reviewer else "sla clock",
            data={"action": locked.action, "changes": changes, "reason": record.reason_code, "result": result},
        )  # fmt: skip
        sla.review_closed(locked, now)
        if tell_shopper:
            _tell_shopper(locked, outcome, applied or locked.payload)
        _ticket_after(locked, outcome)
        hooks.review_decided(locked, record)
        if locked.conversation_id:
            event_publish(tenant_id=locked.tenant_id, conversation_id=locked.conversation_id, kind="review.decided",
                          data={**_event(locked), "outcome": outcome})  # fmt: skip
    return record


def _may_decide(review: ReviewRequest, decision: str, reviewer) -> None:
    if reviewer is None:
        return  # the system: expiry, or a request withdrawn by the flow that raised it
    if not (reviewer.is_superuser or review.tenant_id in tenant_ids_for_user(user=reviewer, roles=DECIDERS)):
        if decision == "withdraw" and review.requested_by_user_id == reviewer.pk:
            return  # who raised it may take it back
        raise PermissionDenied("You may not decide review requests of this store.")
    managed = reviewer.is_superuser or review.tenant_id in tenant_ids_for_user(user=reviewer, roles=MANAGER_ROLES)
    queues = None if managed else assignment.visible_queues(user=reviewer, tenant_id=review.tenant_id)
    if queues is not None and review.queue not in queues and review.requested_by_user_id != reviewer.pk:
        raise PermissionDenied("This request is in a queue you do not work.", code="other_queue")
    if decision != "approve":
        return
    if review.requested_by_user_id == reviewer.pk:
        raise PermissionDenied("You raised this request: another reviewer must approve it.", code="own_request")
    email = _mailbox(reviewer.email)
    if email and review.customer is not None and _mailbox(review.customer.email) == email:
        raise PermissionDenied("This request is for your own customer account: another reviewer must approve it.",
                               code="own_account")  # fmt: skip


def _mailbox(email: str | None) -> str:
    """An address as the mailbox it reaches: case, spaces and a +tag do not make another person."""
    local, _, domain = (email or "").strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if domain else ""


def _applied(review: ReviewRequest, action, edits: dict) -> dict:
    unknown = sorted(set(edits) - set(action.editable))
    if unknown:
        raise ApplicationError(f"These cannot be edited: {', '.join(unknown)}.", code="not_editable",
                               extra={"editable": list(action.editable)})  # fmt: skip
    return {**review.payload, **action.clean_edits(review, dict(edits))}


def _decided_before(review: ReviewRequest, outcome: str, reviewer) -> ReviewDecision:
    """The same decision again (a double click, a retried request) is the first one; any other
    is refused, saying who decided what."""
    record = ReviewDecision.objects.filter(review=review).first()
    same = record is not None and record.outcome == outcome and record.decided_by_id == getattr(reviewer, "pk", None)
    if same:
        return record
    who = f" by {record.decided_by_label}" if record is not None else ""
    raise Conflict(f"This request was already {review.get_status_display().lower()}{who}.", code="already_decided",
                   extra={"status": review.status})  # fmt: skip


def _tell_shopper(review: ReviewRequest, outcome: str, payload: dict) -> None:
    conversation = review.conversation
    if conversation is None or conversation.tenant_id != review.tenant_id:
        return
    currency = review.tenant.currency
    text = outcome_text(review=review, outcome=outcome, values={
        "order": payload.get("order_number", ""), "amount": payload.get("amount", ""), "currency": currency,
        "action": review.action.replace("_", " "),
    })  # fmt: skip
    conversation_services.message_reply_create(
        conversation=conversation, body=text, sender_kind=Message.SenderKind.SYSTEM,
        metadata={"review_id": review.pk, "outcome": outcome},
    )  # fmt: skip


def _ticket_after(review: ReviewRequest, outcome: str) -> None:
    """The ticket waited on the decision: the shopper has their answer (solved), unless nobody
    decided in time or it was withdrawn (open again, for a person to follow up)."""
    if review.ticket_id is None:
        return
    pending = ReviewRequest.objects.filter(ticket_id=review.ticket_id, status=ReviewRequest.Status.PENDING)
    if pending.exclude(pk=review.pk).exists():
        return
    now = timezone.now()
    solved = outcome in (Outcome.APPROVED, Outcome.EDITED, Outcome.REJECTED)
    status = Ticket.Status.SOLVED if solved else Ticket.Status.OPEN
    changed = Ticket.objects.filter(pk=review.ticket_id, status=Ticket.Status.ON_HOLD).update(
        status=status, updated_at=now, **({"resolved_at": now} if solved else {})
    )
    if changed:
        sla.ticket_status_changed(Ticket.objects.get(pk=review.ticket_id), at=now)


def _event(review: ReviewRequest) -> dict:
    return {"id": review.pk, "action": review.action, "summary": review.summary, "status": review.status,
            "priority": review.priority, "due_at": review.due_at.isoformat() if review.due_at else None}  # fmt: skip


# The console's buttons, in the admin and the dashboard alike.
CHOICES = ("approve", "approve_edited", "reject")


def review_decide_choice(*, review: ReviewRequest, choice: str, reviewer, amount: str = "", note: str = "",
                         reason: str = "") -> ReviewDecision:  # fmt: skip
    """``review_decide`` for a button: approve, approve with edits (another ``amount``), reject."""
    if choice not in CHOICES:
        raise ApplicationError("Choose approve, approve with edits, reject or assign to me.", code="invalid_decision")
    edits = {"amount": (amount or "").strip()} if choice == "approve_edited" else {}
    return review_decide(review=review, decision="approve" if choice == "approve_edited" else choice,
                         reviewer=reviewer, edits=edits, note=note, reason=reason)  # fmt: skip


def review_assign(*, review: ReviewRequest, assignee, actor) -> ReviewRequest:
    """Give a pending request to ``assignee`` (a reviewer or manager of its store), as ``actor``."""
    for user in {assignee, actor}:
        if not (user.is_superuser or review.tenant_id in tenant_ids_for_user(user=user, roles=DECIDERS)):
            raise PermissionDenied("Only the store's reviewers and managers take review requests.")
    with transaction.atomic():
        locked = ReviewRequest.objects.select_for_update().filter(pk=review.pk, tenant_id=review.tenant_id).first()
        if locked is None:
            raise NotFound("No such review request.")
        if locked.status != ReviewRequest.Status.PENDING:
            raise Conflict(f"This request was already {locked.get_status_display().lower()}.", code="already_decided")
        previous = locked.assignee
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        audit_record(
            tenant=locked.tenant, verb="review.assigned", target=locked, actor_kind=AuditEvent.ActorKind.USER,
            actor_user=actor, data={"from": previous.get_username() if previous else "", "to": assignee.get_username()},
        )  # fmt: skip
    return locked
