"""What the shopper reads when their request is decided: the store's wording
(``OutcomeMessage``, edited in the admin) or the default below."""

from conversations import placeholders
from hitl.models import OutcomeMessage, ReviewDecision

Outcome = ReviewDecision.Outcome

DEFAULTS = {
    Outcome.APPROVED: "Good news: your refund of {amount} {currency} for order {order} has been approved. "
    "It goes back to your original payment method.",
    Outcome.EDITED: "We've reviewed your refund request for order {order} and approved a refund of "
    "{amount} {currency}. It goes back to your original payment method.",
    Outcome.REJECTED: "We've reviewed your refund request for order {order} and we're sorry, we can't approve it. "
    "Reply here if you have any questions and a member of our team will help.",
    Outcome.WITHDRAWN: "Your refund request for order {order} has been withdrawn, so no refund was made. "
    "Reply here if you still need help.",
    Outcome.EXPIRED: "We couldn't finish reviewing your refund request for order {order} in time. "
    "A member of our team will follow up with you here.",
}

PLACEHOLDERS = ("order", "amount", "currency", "action")


def placeholder_errors(body: str) -> list[str]:
    return placeholders.placeholder_errors(body, PLACEHOLDERS)


def outcome_text(*, review, outcome: str, values: dict) -> str:
    """The shopper's message for ``outcome`` of ``review``: the tenant's wording for this
    action, else for any action, else the default; placeholders filled from ``values``."""
    custom = {
        (m.action, m.body)
        for m in OutcomeMessage.objects.for_tenant(review.tenant_id).filter(
            outcome=outcome, action__in=[review.action, ""], active=True
        )
    }
    body = next((b for a, b in custom if a == review.action), None) or next((b for a, b in custom if a == ""), None)
    if body is None or placeholder_errors(body):
        body = DEFAULTS[outcome]
    return placeholders.placeholders_fill(body, values)
