"""Where higher apps plug into conversation flow (DESIGN: a lower app never imports a higher
one). The agents app registers its turn scheduler here in ``AppConfig.ready``."""

import logging
from collections.abc import Callable

from conversations.models import Message

logger = logging.getLogger(__name__)

_message_received: list[Callable[[Message], None]] = []


def on_message_received(handler: Callable[[Message], None]) -> None:
    if handler not in _message_received:
        _message_received.append(handler)


def message_received(message: Message) -> None:
    """Called after the inbound message is committed. The message is safe whatever a handler
    does: a failure (the broker down while queueing the turn) is logged, the sender still hears
    "received", and the agent's straggler sweep answers the message once the broker is back."""
    for handler in _message_received:
        try:
            handler(message)
        except Exception:
            logger.exception("after message %s: %s failed", message.pk, getattr(handler, "__name__", handler))


_typing_stopped: list[Callable[[int], None]] = []


def on_typing_stopped(handler: Callable[[int], None]) -> None:
    if handler not in _typing_stopped:
        _typing_stopped.append(handler)


def typing_stopped(conversation_id: int) -> None:
    """The shopper stopped typing: what they sent so far may be answered without waiting out
    the batch window."""
    for handler in _typing_stopped:
        try:
            handler(conversation_id)
        except Exception:  # best effort: the batch window closes on its own anyway
            logger.exception("typing stopped in %s: %s failed", conversation_id, getattr(handler, "__name__", handler))
