"""Where higher apps hear of review decisions (DESIGN: a lower app never imports a higher one).
The agents app registers one in ``AppConfig.ready`` to mark the agent run that asked."""

from collections.abc import Callable

_decided: list[Callable] = []


def on_review_decided(handler: Callable) -> None:
    """``handler(review, decision)`` runs inside the decision's transaction."""
    if handler not in _decided:
        _decided.append(handler)


def review_decided(review, decision) -> None:
    for handler in _decided:
        handler(review, decision)
