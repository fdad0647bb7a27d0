"""Writes to orders: cancellations, refunds, return labels, status changes.

Money rules live here, whatever asked (the AI agent, staff, the API): only the order's own
refundable amount, never twice for one idempotency key, above the store's limit only through
a human review, returns only inside the return window.
"""

import secrets
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from orders import hooks
from orders.models import Order, Refund, ReturnLabel
from supportdesk.errors import ApplicationError, Conflict, NotFound
from tenants.models import AuditEvent, Tenant
from tenants.services import audit_record

CANCELLABLE = {Order.Status.PENDING, Order.Status.PAID}
REFUNDABLE = {Order.Status.PAID, Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.RETURNED}
RETURNABLE = {Order.Status.DELIVERED}  # and inside the return window (return_label_check)
CENT = Decimal("0.01")


def _actor(actor_user, actor_label: str) -> dict:
    kind = AuditEvent.ActorKind.USER if actor_user is not None else AuditEvent.ActorKind.AGENT
    return {"actor_kind": kind, "actor_user": actor_user, "actor_label": actor_label}


def _locked(tenant: Tenant, order: Order) -> Order:
    """The order row, locked for this transaction, and only if it is the tenant's."""
    locked = Order.objects.select_for_update().filter(tenant=tenant, pk=order.pk).first()
    if locked is None:
        raise NotFound("No such order.")
    return locked


def order_cancel_check(*, order: Order) -> None:
    """Raise when the order may not be cancelled: only a pending or paid order (not shipped yet)
    may. Checked before the agent offers it, and again when it is done."""
    if order.status not in CANCELLABLE:
        raise Conflict(
            f"Order {order.number} is {order.get_status_display().lower()} and can no longer be cancelled.",
            code="not_cancellable",
            extra={"status": order.status},
        )


@transaction.atomic
def order_cancel(
    *, tenant: Tenant, order: Order, actor_user: AbstractBaseUser | None = None, actor_label: str = ""
) -> Order:
    """Cancel a pending or paid order. A paid order gets back what is left of its payment at
    once, as the store's refund policy promises for cancellations (no review: nothing shipped)."""
    order = _locked(tenant, order)
    if order.status == Order.Status.CANCELLED:
        return order  # asking twice is not an error
    order_cancel_check(order=order)
    previous = order.status
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    # A refund still waiting for review is overtaken: the cancellation pays back all that is
    # left, and the review is withdrawn (a reviewer rejecting it later would short the shopper).
    for waiting in order.refunds.filter(status=Refund.Status.PENDING_REVIEW):
        refund_decline(tenant=tenant, refund=waiting, actor_user=actor_user, status=Refund.Status.WITHDRAWN,
                       reason="The order was cancelled and refunded in full.")  # fmt: skip
        hooks.refund_withdrawn(refund=waiting)
    paid_back = order.total - refunded_total(order=order) if previous == Order.Status.PAID else Decimal("0")
    if paid_back > 0:
        earlier = order.refunds.filter(_cancellation_keys(order)).count()
        Refund.objects.create(
            tenant=tenant, order=order, amount=paid_back, reason="Order cancelled before it shipped.",
            requested_by=Refund.RequestedBy.STAFF if actor_user is not None else Refund.RequestedBy.AI,
            requested_by_user=actor_user, status=Refund.Status.PROCESSED, processed_at=timezone.now(),
            idempotency_key=f"cancel:{order.pk}" + (f":{earlier + 1}" if earlier else ""),
        )  # fmt: skip
    audit_record(
        tenant=tenant, verb="order.cancelled", target=order,
        data={"from": previous, "refunded": str(paid_back)}, **_actor(actor_user, actor_label),
    )  # fmt: skip
    return order


def _cancellation_keys(order: Order) -> Q:
    return Q(idempotency_key=f"cancel:{order.pk}") | Q(idempotency_key__startswith=f"cancel:{order.pk}:")


def cancellation_refund(*, order: Order) -> Refund | None:
    """The refund the order's (last) cancellation paid back, if it did."""
    return order.refunds.filter(_cancellation_keys(order)).order_by("-created_at", "-id").first()


def refunded_total(*, order: Order) -> Decimal:
    """What is refunded or promised: processed, approved and waiting-for-review refunds."""
    counted = [Refund.Status.PROCESSED, Refund.Status.APPROVED, Refund.Status.PENDING_REVIEW]
    return order.refunds.filter(status__in=counted).aggregate(total=Sum("amount"))["total"] or Decimal("0")


def refund_check(*, order: Order, amount: Decimal | None) -> Decimal:
    """The amount a refund of ``order`` would be (None: all that is left), or raise why there can
    be none. Checked before the agent proposes a refund, and again when it is made."""
    if order.status not in REFUNDABLE:
        raise Conflict(
            f"Order {order.number} is {order.get_status_display().lower()}; there is nothing to refund.",
            code="not_refundable",
            extra={"status": order.status},
        )
    remaining = order.total - refunded_total(order=order)
    if remaining <= 0:
        raise Conflict(f"Order {order.number} has already been refunded in full.", code="fully_refunded")
    amount = Decimal(remaining if amount is None else amount)
    if not amount.is_finite():
        raise ApplicationError("A refund must be a number of money.", code="invalid_amount")
    amount = amount.quantize(CENT)
    if amount <= 0:
        raise ApplicationError("A refund must be more than zero.", code="invalid_amount")
    if amount > remaining:
        raise Conflict(
            f"Order {order.number} has {remaining} {order.currency} left to refund, less than {amount}.",
            code="exceeds_refundable",
            extra={"refundable": str(remaining)},
        )
    return amount


def refund_review_reason(
    *, tenant: Tenant, order: Order, amount: Decimal, review_above: Decimal | None = None, by_staff: bool = False
) -> str | None:
    """Why this refund must wait for a person, or None when it may go through at once.

    The store's limit counts what the order has already had refunded, so several small refunds
    cannot add up past it unreviewed; and a delivered order past the return window (no return
    to check in) is a judgement for a person. Staff are that person: only the limit applies."""
    limit = (
        tenant.refund_review_threshold if review_above is None else min(review_above, tenant.refund_review_threshold)
    )
    if amount > limit:
        return f"Above the store's {tenant.refund_review_threshold} {order.currency} limit."
    if by_staff:
        return None
    already = refunded_total(order=order)
    if already + amount > limit:
        return f"With {already} {order.currency} already refunded, the order's refunds pass the store's limit."
    if order.status == Order.Status.DELIVERED and order.delivered_at is not None:
        days = (timezone.now() - order.delivered_at).days
        if days > tenant.return_window_days:
            return f"Delivered {days} days ago, past the {tenant.return_window_days}-day return window."
    return None


@transaction.atomic
def refund_submit(
    *,
    tenant: Tenant,
    order: Order,
    amount: Decimal | None,
    reason: str,
    requested_by: str,
    idempotency_key: str,
    review_above: Decimal | None = None,
    actor_user: AbstractBaseUser | None = None,
    conversation=None,
    turn_key: str = "",
) -> Refund:
    """Refund ``amount`` (None: all that is left) of ``order``. When a person must decide
    (``refund_review_reason``: above the store's limit or a lower ``review_above`` of the agent
    profile, past the return window) the refund waits as ``pending_review``, nothing moves, and
    its review request is created in the same transaction. A repeated ``idempotency_key``
    returns the first refund, whatever else changed."""
    # Lock the order first: a concurrent request with the same key waits here, then finds the
    # refund the first one committed instead of racing it to the unique constraint.
    order = _locked(tenant, order)
    existing = Refund.objects.filter(tenant=tenant, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    amount = refund_check(order=order, amount=amount)
    why = refund_review_reason(
        tenant=tenant, order=order, amount=amount, review_above=review_above, by_staff=requested_by == "staff"
    )  # fmt: skip
    refund = Refund.objects.create(
        tenant=tenant,
        order=order,
        amount=amount,
        reason=reason[:2000],
        requested_by=requested_by,
        requested_by_user=actor_user,
        idempotency_key=idempotency_key,
        status=Refund.Status.PENDING_REVIEW if why else Refund.Status.PROCESSED,
        processed_at=None if why else timezone.now(),
    )
    if why:
        hooks.refund_review_request(
            refund=refund, reason=why, requested_by=requested_by, requested_by_user=actor_user,
            conversation=conversation, turn_key=turn_key,
        )  # fmt: skip
    elif refunded_total(order=order) >= order.total:
        order.status = Order.Status.REFUNDED
        order.save(update_fields=["status", "updated_at"])
    audit_record(
        tenant=tenant,
        verb="refund.pending_review" if why else "refund.processed",
        target=refund,
        data={"order": order.number, "amount": str(amount), "limit": str(tenant.refund_review_threshold),
              **({"review_reason": why} if why else {})},
        **_actor(actor_user, requested_by),
    )  # fmt: skip
    return refund


def _pending_refund(tenant: Tenant, refund: Refund) -> tuple[Refund, Order]:
    """The refund and its order, both locked (order first, as refund_submit locks it)."""
    order = _locked(tenant, refund.order)
    refund = Refund.objects.select_for_update().filter(tenant=tenant, pk=refund.pk).first()
    if refund is None:
        raise NotFound("No such refund.")
    return refund, order


@transaction.atomic
def refund_approve(
    *, tenant: Tenant, refund: Refund, actor_user: AbstractBaseUser | None, amount: Decimal | None = None
) -> Refund:
    """A reviewer lets a refund waiting for review go through, for ``amount`` if they changed it
    (never more than the order has left). Approving it again changes nothing and pays nothing."""
    refund, order = _pending_refund(tenant, refund)
    if refund.status == Refund.Status.PROCESSED:
        return refund
    if refund.status != Refund.Status.PENDING_REVIEW:
        raise Conflict(f"This refund is {refund.get_status_display().lower()}; it can no longer be approved.",
                       code="refund_not_pending", extra={"status": refund.status})  # fmt: skip
    proposed = refund.amount
    if order.status not in REFUNDABLE:
        raise Conflict(f"Order {order.number} is {order.get_status_display().lower()}; this refund can no longer "
                       "be approved.", code="not_refundable", extra={"status": order.status})  # fmt: skip
    if amount is not None:
        amount = Decimal(amount)
        if not amount.is_finite():
            raise ApplicationError("A refund must be a number of money.", code="invalid_amount")
        amount = amount.quantize(CENT)
        left = order.total - (refunded_total(order=order) - refund.amount)
        if amount <= 0:
            raise ApplicationError("A refund must be more than zero.", code="invalid_amount")
        if amount > left:
            raise Conflict(
                f"Order {order.number} has {left} {order.currency} left to refund, less than {amount}.",
                code="exceeds_refundable", extra={"refundable": str(left)},
            )  # fmt: skip
        refund.amount = amount
    refund.status, refund.approved_by, refund.processed_at = Refund.Status.PROCESSED, actor_user, timezone.now()
    refund.save(update_fields=["amount", "status", "approved_by", "processed_at"])
    if refunded_total(order=order) >= order.total:
        order.status = Order.Status.REFUNDED
        order.save(update_fields=["status", "updated_at"])
    audit_record(
        tenant=tenant, verb="refund.approved", target=refund,
        data={"order": order.number, "amount": str(refund.amount), "proposed": str(proposed)},
        **_actor(actor_user, "" if actor_user else "system"),
    )  # fmt: skip
    return refund


@transaction.atomic
def refund_decline(
    *, tenant: Tenant, refund: Refund, actor_user: AbstractBaseUser | None, status: str, reason: str = ""
) -> Refund:
    """A refund waiting for review that will not be paid: ``rejected`` by a reviewer, or
    ``withdrawn`` (the request was withdrawn or its review expired). Saying it twice is no error."""
    if status not in (Refund.Status.REJECTED, Refund.Status.WITHDRAWN):
        raise ApplicationError(f"A refund is not declined as {status!r}.", code="invalid_status")
    refund, order = _pending_refund(tenant, refund)
    if refund.status == status:
        return refund
    if refund.status != Refund.Status.PENDING_REVIEW:
        raise Conflict(f"This refund is {refund.get_status_display().lower()}; it can no longer be {status}.",
                       code="refund_not_pending", extra={"status": refund.status})  # fmt: skip
    refund.status = status
    refund.save(update_fields=["status"])
    audit_record(
        tenant=tenant, verb=f"refund.{status}", target=refund,
        data={"order": order.number, "amount": str(refund.amount), "reason": reason[:500]},
        **_actor(actor_user, "" if actor_user else "system"),
    )  # fmt: skip
    return refund


def return_label_check(*, tenant: Tenant, order: Order) -> None:
    """Raise when the order may not have a return label: only a delivered order inside the
    store's return window may. Checked before the agent offers one, and again when it is made."""
    if order.status not in RETURNABLE or order.delivered_at is None:
        raise Conflict(
            f"Order {order.number} is {order.get_status_display().lower()}; a return label is for delivered orders.",
            code="not_returnable",
            extra={"status": order.status},
        )
    days = (timezone.now() - order.delivered_at).days
    if days > tenant.return_window_days:
        raise Conflict(
            f"Order {order.number} was delivered {days} days ago, outside the {tenant.return_window_days}-day "
            "return window.",
            code="outside_return_window",
            extra={"delivered_days_ago": days, "window_days": tenant.return_window_days},
        )


@transaction.atomic
def return_label_create(
    *,
    tenant: Tenant,
    order: Order,
    carrier: str = "UPS",
    actor_user: AbstractBaseUser | None = None,
    actor_label: str = "",
) -> ReturnLabel:
    """A prepaid return label, only for a delivered order inside the store's return window.
    Asking again returns the same label."""
    order = _locked(tenant, order)
    existing = order.return_labels.first()
    if existing is not None:
        return existing
    return_label_check(tenant=tenant, order=order)
    tracking = f"1Z{secrets.token_hex(8).upper()}"
    label = ReturnLabel(tenant=tenant, order=order, carrier=carrier, tracking_number=tracking)
    text = (
        f"RETURN LABEL\n{tenant.name}\nOrder {order.number}\nCarrier {carrier}\nTracking {tracking}\n"
        f"Ship to: {tenant.name} returns\n"
    )
    label.label_file.save(f"{order.number}-{tracking}.txt", ContentFile(text.encode()), save=False)
    label.save()
    audit_record(tenant=tenant, verb="return_label.created", target=label, data={"order": order.number},
                 **_actor(actor_user, actor_label))  # fmt: skip
    return label


@transaction.atomic
def order_status_update(*, tenant: Tenant, order: Order, status: str, actor_user: AbstractBaseUser) -> Order:
    """Staff only: the caller checks the staff member's role; this records who did it."""
    if status not in Order.Status.values:
        raise ApplicationError(f"Unknown order status {status!r}.", code="invalid_status")
    order = _locked(tenant, order)
    previous = order.status
    order.status = status
    now = timezone.now()
    if status == Order.Status.SHIPPED and order.shipped_at is None:
        order.shipped_at = now
    if status == Order.Status.DELIVERED and order.delivered_at is None:
        order.delivered_at = now
    order.save()
    audit_record(tenant=tenant, verb="order.status_changed", target=order, data={"from": previous, "to": status},
                 actor_kind=AuditEvent.ActorKind.USER, actor_user=actor_user)  # fmt: skip
    return order
