"""Live events: what staff pages and the widget hear about, pushed through the channel layer.

The database is the source of truth; a push that fails (Redis down) is logged and dropped, and
clients catch up by replaying from the last message id they have.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def tenant_group(tenant_id: int) -> str:
    return f"tenant.{tenant_id}"


def event_publish(*, tenant_id: int, conversation_id: int, kind: str, data: dict, on_commit: bool = True) -> None:
    """Send ``{"type": "conversation.event", "kind", "conversation_id", "data"}`` to the
    conversation's group and the tenant's group. By default after the current transaction
    commits, so nobody hears of a row that may roll back."""
    event = {"type": "conversation.event", "kind": kind, "conversation_id": conversation_id, "data": data}

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            for group in (conversation_group(conversation_id), tenant_group(tenant_id)):
                async_to_sync(layer.group_send)(group, event)
        except Exception:  # a live push is best effort; the rows are already committed
            logger.warning("live event %s for conversation %s not pushed", kind, conversation_id, exc_info=True)

    if on_commit:
        transaction.on_commit(send)
    else:
        send()


def message_event(message) -> dict:
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "sender_kind": message.sender_kind,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }
