"""What staff do to a customer's order from the conversation's sidebar: cancel, refund, create a
return label, through the same order services, checks and review rules as the agent (a refund
above the store's limit waits for a reviewer; a person's refund is one request per form, so a
double click refunds once)."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from conversations.ownership import answering_staff_check
from dashboard.selectors import member_conversation
from orders import services
from orders.models import Order, Refund
from supportdesk.errors import ApplicationError

ACTIONS = ("cancel", "refund", "return_label")


def orders_with_actions(*, tenant, orders) -> list[Order]:
    """The orders, each with ``may_cancel`` and ``may_return``: what the order services' own
    checks allow now, so the sidebar offers only what would be done."""
    rows = list(orders)
    for order in rows:
        order.may_cancel = _allowed(services.order_cancel_check, order=order)
        order.may_return = _allowed(services.return_label_check, tenant=tenant, order=order)
    return rows


def _allowed(check, **kwargs) -> bool:
    try:
        check(**kwargs)
    except ApplicationError:
        return False
    return True


def _amount(text: str) -> Decimal | None:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None  # all that is left
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ApplicationError("Write the amount as a number, such as 25.00.", code="invalid_amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ApplicationError("The amount must be more than zero.", code="invalid_amount")
    return amount


def _act(request, conversation, order: Order, action: str) -> str:
    user, tenant = request.user, conversation.tenant
    if action == "cancel":
        services.order_cancel(tenant=tenant, order=order, actor_user=user)
        return f"Order {order.number} is cancelled."
    if action == "return_label":
        label = services.return_label_create(tenant=tenant, order=order, actor_user=user)
        return f"Return label {label.carrier} {label.tracking_number} created for {order.number}."
    nonce = request.POST.get("nonce", "").strip()[:64]
    if not nonce:
        raise ApplicationError("Reload the page and try again.", code="stale_form")
    refund = services.refund_submit(
        tenant=tenant, order=order, amount=_amount(request.POST.get("amount", "")),
        reason=(request.POST.get("reason", "") or "Refunded by staff.").strip()[:500],
        requested_by=Refund.RequestedBy.STAFF, actor_user=user, conversation=conversation,
        idempotency_key=f"staff:{user.pk}:{nonce}",
    )  # fmt: skip
    if refund.status == Refund.Status.PENDING_REVIEW:
        return f"The refund of {refund.amount} {order.currency} waits for a reviewer: it is above the store's limit."
    return f"Refunded {refund.amount} {order.currency} for {order.number}."


@login_required
@require_POST
def order_action(request, conversation_id: int, order_id: int, action: str):
    conversation = member_conversation(user=request.user, conversation_id=conversation_id)
    order = Order.objects.for_tenant(conversation.tenant).filter(pk=order_id, customer=conversation.customer).first()
    if order is None or action not in ACTIONS:
        raise Http404("No such order for this customer.")
    try:
        answering_staff_check(user=request.user, tenant_id=conversation.tenant_id)
        said = _act(request, conversation, order, action)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, said)  # the order service wrote the audit event
    return redirect("dashboard:conversation", conversation_id=conversation.pk)
