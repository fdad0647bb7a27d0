"""What a decision does, per kind of request: each runs through the service that owns the
data (orders.services for refunds), in the decision's transaction. A new kind of review
request registers its ``Action`` here."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from orders import services as order_services
from orders.models import Refund
from supportdesk.errors import ApplicationError, NotFound

# A sum as people type it: "120", "120.5", "120.50", "1,250.00", and the decimal comma of much
# of Europe, "120,50" and "1.250,00". Anything else ("12,5", "1e9", "NaN") is refused rather
# than guessed: a misread separator is a hundredfold refund.
_POINT = re.compile(r"\d{1,3}(,\d{3})+(\.\d{1,2})?|\d+(\.\d{1,2})?")
_COMMA = re.compile(r"\d{1,3}(\.\d{3})+,\d{2}|\d+,\d{2}")


def money_read(text: str) -> Decimal | None:
    text = text.strip().replace(" ", "").lstrip("$€£")
    if _POINT.fullmatch(text):
        number = text.replace(",", "")
    elif _COMMA.fullmatch(text):
        number = text.replace(".", "").replace(",", ".")
    else:
        return None
    try:
        return Decimal(number).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


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
        amount = money_read(str(edits["amount"]))
        if amount is None:
            raise ApplicationError("Write the amount like 120.50 (or 1,250.00).", code="invalid_amount")
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
