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
    _call(_message_received, f"message {message.pk}", message)


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


# What the SLA clocks (hitl) hear, after commit: a shopper's message stored (whether or not a
# turn is scheduled for it), a reply sent, a ticket opened, a ticket handed to a person (and
# back to the AI), a ticket's status changed. A failing handler is logged; the conversation goes on.
_message_stored: list[Callable] = []
_message_sent: list[Callable] = []
_ticket_opened: list[Callable] = []
_ticket_handed_off: list[Callable] = []
_ticket_handed_back: list[Callable] = []
_ticket_status_changed: list[Callable] = []


def _register(handlers: list, handler: Callable) -> None:
    if handler not in handlers:
        handlers.append(handler)


def _call(handlers: list, what: str, *args) -> None:
    for handler in handlers:
        try:
            handler(*args)
        except Exception:
            logger.exception("after %s: %s failed", what, getattr(handler, "__name__", handler))


def on_message_stored(handler: Callable) -> None:
    _register(_message_stored, handler)


def message_stored(message) -> None:
    _call(_message_stored, f"message {message.pk} stored", message)


def on_message_sent(handler: Callable) -> None:
    _register(_message_sent, handler)


def on_ticket_opened(handler: Callable) -> None:
    _register(_ticket_opened, handler)


def on_ticket_handed_off(handler: Callable) -> None:
    _register(_ticket_handed_off, handler)


def on_ticket_handed_back(handler: Callable) -> None:
    _register(_ticket_handed_back, handler)


def on_ticket_status_changed(handler: Callable) -> None:
    _register(_ticket_status_changed, handler)


def message_sent(message) -> None:
    _call(_message_sent, f"message {message.pk} sent", message)


def ticket_opened(ticket) -> None:
    _call(_ticket_opened, f"ticket {ticket.pk} opened", ticket)


def ticket_handed_off(ticket) -> None:
    _call(_ticket_handed_off, f"ticket {ticket.pk} handed off", ticket)


def ticket_handed_back(ticket) -> None:
    _call(_ticket_handed_back, f"ticket {ticket.pk} handed back", ticket)


def ticket_status_changed(ticket) -> None:
    _call(_ticket_status_changed, f"ticket {ticket.pk} status changed", ticket)
