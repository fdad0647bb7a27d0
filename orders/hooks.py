"""What orders asks of the apps above it, registered by them at start-up (DESIGN: a lower app
never imports a higher one). hitl registers who queues a refund for review."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_refund_reviewer: Callable | None = None


def refund_reviewer_register(handler: Callable) -> None:
    """``handler(*, refund, reason, requested_by, requested_by_user, conversation, turn_key)``
    queues the refund for a person's decision, in the caller's transaction."""
    global _refund_reviewer
    _refund_reviewer = handler


def refund_review_request(**kwargs) -> None:
    if _refund_reviewer is None:
        raise ImproperlyConfigured("No app handles refund reviews: is hitl in INSTALLED_APPS?")
    _refund_reviewer(**kwargs)


_refund_withdrawn: Callable | None = None


def refund_withdrawn_register(handler: Callable) -> None:
    """``handler(*, refund)``: a refund waiting for review was withdrawn (its order cancelled):
    its review request is withdrawn too, in the caller's transaction."""
    global _refund_withdrawn
    _refund_withdrawn = handler


def refund_withdrawn(**kwargs) -> None:
    if _refund_withdrawn is not None:
        _refund_withdrawn(**kwargs)
