"""Where higher apps plug into conversation flow (DESIGN: a lower app never imports a higher
one). The agents app registers its turn scheduler here in ``AppConfig.ready``."""

from collections.abc import Callable

from conversations.models import Message

_message_received: list[Callable[[Message], None]] = []


def on_message_received(handler: Callable[[Message], None]) -> None:
    if handler not in _message_received:
        _message_received.append(handler)


def message_received(message: Message) -> None:
    """Called after the inbound message is committed."""
    for handler in _message_received:
        handler(message)
