"""What a decision does, per kind of request: each runs through the service that owns the
data (orders.services for refunds), in the decision's transaction. A new kind of review
request registers its ``Action`` here."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from orders import services as order_services
from orders.models import Refund
from supportdesk.errors import ApplicationError, NotFound


@dataclass(frozen=True)
class Action:
    editable: tuple[str, ...]  # payload fields a reviewer may change when approving

    def clean_edits(self, review, edits: dict) -> dict:
        return edits

    def approve(self, review, payload: dict, reviewer) -> dict:
        raise NotImplementedError

    def decline(self, review, outcome: str, reviewer, note: str) -> dict:
        raise NotImplementedError


class RefundAction(Action):
    def _refund(self, review) -> Refund:
        refund = Refund.objects.for_tenant(review.tenant_id).filter(pk=review.payload.get("refund_id")).first()
        if refund is None:
            raise NotFound("The refund this request is about no longer exists.", code="refund_missing")
        return refund

    def clean_edits(self, review, edits: dict) -> dict:
        if "amount" not in edits:
            return edits
        try:
            amount = Decimal(str(edits["amount"]).replace(",", "").strip()).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise ApplicationError("The amount must be a number, like 120.00.", code="invalid_amount") from None
        return {**edits, "amount": str(amount)}

    def approve(self, review, payload: dict, reviewer) -> dict:
        refund = order_services.refund_approve(
            tenant=review.tenant, refund=self._refund(review), actor_user=reviewer, amount=Decimal(payload["amount"])
        )
        return {"refund_id": refund.pk, "refund_status": refund.status, "amount": str(refund.amount)}

    def decline(self, review, outcome: str, reviewer, note: str) -> dict:
        status = Refund.Status.REJECTED if outcome == "rejected" else Refund.Status.WITHDRAWN
        refund = order_services.refund_decline(
            tenant=review.tenant, refund=self._refund(review), actor_user=reviewer, status=status, reason=note
        )
        return {"refund_id": refund.pk, "refund_status": refund.status}


ACTIONS: dict[str, Action] = {"process_refund": RefundAction(editable=("amount",))}


def action_for(review) -> Action:
    action = ACTIONS.get(review.action)
    if action is None:
        raise ApplicationError(f"Requests to {review.action!r} cannot be decided here.", code="unknown_action")
    return action
