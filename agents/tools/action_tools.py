"""Tools that change things. Each states what it will do and waits for the shopper's explicit
yes before acting (``needs_confirmation``); the engine, not the model, decides what counts as
that yes. Authorization and money rules live in ``orders.services`` and are enforced there."""

from decimal import Decimal
from typing import Literal

from pydantic import Field

from agents.confirmation import confirmation_question
from agents.tools.base import Tool, ToolArguments, ToolContext, ToolResult
from orders import selectors as order_selectors
from orders import services as order_services
from orders.models import Order, Refund
from supportdesk.errors import ApplicationError, NotFound
from tenants.models import Membership
from tenants.selectors import tenant_ids_for_user

# Who may change an order's status by hand: the store's owners, admins and support agents.
ORDER_STAFF_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN, Membership.Role.AGENT)


def _own_order(context: ToolContext, number: str) -> Order | ToolResult:
    """The order, if it is the verified shopper's; otherwise the result to return instead."""
    if not (context.verified and context.customer is not None):
        return ToolResult("needs_verification", {"message": "Ask for the order number and the email used for it."})
    try:
        order = order_selectors.order_get_by_number(tenant=context.tenant, number=number)
    except NotFound:
        return ToolResult("error", {"message": f"No order {number.strip().upper()} was found."})
    if order.customer_id != context.customer.pk:
        return ToolResult("denied", {"message": "I can only act on orders placed by you."})
    return order


def _confirmed(context: ToolContext, tool: str, arguments: dict) -> bool:
    pending = context.pending_action or {}
    return context.customer_confirmed and pending.get("tool") == tool and pending.get("arguments") == arguments


def _ask(tool: str, arguments: dict, summary: str) -> ToolResult:
    return ToolResult(
        "needs_confirmation",
        {
            "message": confirmation_question({"summary": summary}),
            "pending_action": {"tool": tool, "arguments": arguments, "summary": summary},
        },
    )


class OrderNumberArguments(ToolArguments):
    order_number: str = Field(min_length=3, max_length=32)


class CancelOrder(Tool):
    name = "cancel_order"
    description = "Cancel one of the shopper's orders that has not shipped (pending or paid). Asks to confirm first."
    Arguments = OrderNumberArguments

    def run(self, context: ToolContext, arguments: OrderNumberArguments) -> ToolResult:
        order = _own_order(context, arguments.order_number)
        if isinstance(order, ToolResult):
            return order
        args = {"order_number": order.number}
        if order.status == Order.Status.CANCELLED and _confirmed(context, self.name, args):
            # A re-run of the turn that cancelled it: report the same outcome, do nothing twice.
            return self._cancelled(order)
        try:
            order_services.order_cancel_check(order=order)
        except ApplicationError as exc:
            return ToolResult("error", self._instead(context, order, exc.message))
        if not _confirmed(context, self.name, args):
            return _ask(self.name, args, f"I will cancel order {order.number} ({order.total} {order.currency}).")
        order = order_services.order_cancel(tenant=context.tenant, order=order, actor_label="ai agent")
        return self._cancelled(order)

    @staticmethod
    def _cancelled(order: Order) -> ToolResult:
        refund = order_services.cancellation_refund(order=order)
        message = f"Order {order.number} is cancelled."
        data = {"status": order.status}
        if refund is not None:
            message += f" {refund.amount} {order.currency} is refunded to your original payment method."
            data.update(refunded=str(refund.amount), refund_status=refund.status)
        return ToolResult("ok", {"message": message, **data})

    @staticmethod
    def _instead(context: ToolContext, order: Order, message: str) -> dict:
        """Why it cannot be cancelled, and what a shopper who changed their mind can still do."""
        days = context.tenant.return_window_days
        if order.status == "shipped":
            message += f" Once it arrives, you can return it within {days} days of delivery; I can make the label."
        elif order.status == "delivered":
            try:  # offer a label only where one can be had
                order_services.return_label_check(tenant=context.tenant, order=order)
            except ApplicationError as exc:
                return {"message": f"{message} {exc.message}{RETURN_ALTERNATIVES.get(exc.code, '')}"}
            message += f" Items can be returned within {days} days of delivery; I can make a return label."
            return {"message": message, "suggest": "create_return_label"}
        return {"message": message}


class RefundArguments(ToolArguments):
    order_number: str = Field(min_length=3, max_length=32)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2,
                                   description="Leave out for everything still refundable.")  # fmt: skip
    reason: str = Field(default="", max_length=500)


class ProcessRefund(Tool):
    name = "process_refund"
    description = (
        "Refund all or part of one of the shopper's orders. Above the store's limit it goes to a human "
        "reviewer instead. Asks to confirm first."
    )
    Arguments = RefundArguments

    def run(self, context: ToolContext, arguments: RefundArguments) -> ToolResult:
        order = _own_order(context, arguments.order_number)
        if isinstance(order, ToolResult):
            return order
        made = self._made_this_turn(context, order)
        try:  # never propose a refund that would be refused after the shopper says yes
            amount = made.amount if made else order_services.refund_check(order=order, amount=arguments.amount)
        except ApplicationError as exc:
            return ToolResult("error", {"message": exc.message, "code": exc.code})
        args = {"order_number": order.number, "amount": str(amount)}
        if not _confirmed(context, self.name, args):
            return _ask(self.name, args, f"I will refund {amount} {order.currency} for order {order.number}.")
        profile_limit = context.profile.refund_auto_approve_limit if context.profile else None
        key = f"{context.turn_key}:refund:{order.number}:{amount}"
        try:
            refund = order_services.refund_submit(
                tenant=context.tenant, order=order, amount=amount, reason=arguments.reason or "requested in chat",
                requested_by=Refund.RequestedBy.AI, idempotency_key=key, review_above=profile_limit,
                conversation=context.conversation, turn_key=context.turn_key,
            )  # fmt: skip
        except ApplicationError as exc:
            return ToolResult("error", {"message": exc.message, "code": exc.code})
        if refund.status == Refund.Status.PENDING_REVIEW:
            return ToolResult(
                "needs_review",
                {"message": f"A refund of {amount} {order.currency} for {order.number} needs a member of our team "
                            "to approve it; they will review it, usually within one business day.",
                 "refund_status": refund.status},
            )  # fmt: skip
        return ToolResult("ok", {"message": f"Refunded {amount} {order.currency} for {order.number}.",
                                 "refund_status": refund.status})  # fmt: skip

    @staticmethod
    def _made_this_turn(context: ToolContext, order: Order) -> Refund | None:
        """The confirmed refund a crashed run of this same turn already made: the re-run reports
        it again rather than finding nothing left to refund."""
        pending = (context.pending_action or {}).get("arguments") or {}
        if not (_confirmed(context, ProcessRefund.name, pending) and pending.get("order_number") == order.number):
            return None
        key = f"{context.turn_key}:refund:{order.number}:{pending.get('amount')}"
        return Refund.objects.filter(tenant=context.tenant, order=order, idempotency_key=key).first()


# What a shopper whose return is refused can still do.
RETURN_ALTERNATIVES = {
    "outside_return_window": (
        " If a part has stopped working, it may still be covered by warranty: tell me what's wrong and "
        "I'll pass it to our team."
    ),
}


class CreateReturnLabel(Tool):
    name = "create_return_label"
    description = "A prepaid return label for a delivered order inside the return window. Asks to confirm first."
    Arguments = OrderNumberArguments

    def run(self, context: ToolContext, arguments: OrderNumberArguments) -> ToolResult:
        order = _own_order(context, arguments.order_number)
        if isinstance(order, ToolResult):
            return order
        args = {"order_number": order.number}
        if not _confirmed(context, self.name, args):
            if not order.return_labels.exists():
                try:  # never offer what would be refused after the shopper says yes
                    order_services.return_label_check(tenant=context.tenant, order=order)
                except ApplicationError as exc:
                    return ToolResult("error", {"message": exc.message + RETURN_ALTERNATIVES.get(exc.code, ""),
                                                "code": exc.code})  # fmt: skip
            return _ask(self.name, args, f"I will create a prepaid return label for order {order.number}.")
        try:
            label = order_services.return_label_create(tenant=context.tenant, order=order, actor_label="ai agent")
        except ApplicationError as exc:
            return ToolResult("error", {"message": exc.message, "code": exc.code})
        text = (
            f"Your prepaid return label for {order.number} is ready: {label.carrier}, tracking number "
            f"{label.tracking_number}. Pack the items securely and drop the parcel off with {label.carrier}."
        )
        return ToolResult("ok", {"message": text,
                                 "carrier": label.carrier, "tracking_number": label.tracking_number})  # fmt: skip


class OrderStatusArguments(ToolArguments):
    order_number: str = Field(min_length=3, max_length=32)
    status: Literal["pending", "paid", "shipped", "delivered", "cancelled", "returned", "refunded"]


class UpdateOrderStatus(Tool):
    name = "update_order_status"
    description = "Staff only: set an order's status (e.g. mark it shipped or delivered)."
    Arguments = OrderStatusArguments

    def run(self, context: ToolContext, arguments: OrderStatusArguments) -> ToolResult:
        staff = context.staff_user
        if staff is None or context.tenant.pk not in tenant_ids_for_user(user=staff, roles=ORDER_STAFF_ROLES):
            # Checked in code on every call: a shopper's turn has no staff user, and a staff user
            # of another store, or a reviewer or viewer here, may not change orders.
            return ToolResult("denied", {"message": "Only a member of staff can change an order's status."})
        try:
            order = order_selectors.order_get_by_number(tenant=context.tenant, number=arguments.order_number)
        except NotFound:
            return ToolResult("error", {"message": f"No order {arguments.order_number.strip().upper()} was found."})
        order = order_services.order_status_update(
            tenant=context.tenant, order=order, status=arguments.status, actor_user=context.staff_user
        )
        return ToolResult("ok", {"message": f"Order {order.number} is now {order.status}.", "status": order.status})
