"""Live events: what staff pages and the widget hear about, pushed through the channel layer.

The database is the source of truth; a push that fails (Redis down) is logged and dropped, and
clients catch up by replaying from the last message id they have.

Pushing from synchronous code (services, the Celery worker) goes through one background
thread per process with its own event loop: the channel layer keeps its Redis connections
there, events leave in the order they were published, and the caller never waits on Redis.
"""

import asyncio
import atexit
import logging
import os
import threading
import time

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def tenant_group(tenant_id: int) -> str:
    return f"tenant.{tenant_id}"


class _Publisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._pending = 0

    def _ensure_started(self) -> None:
        # Per process: a forked Celery child must not reuse its parent's loop or thread.
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                self._queue = asyncio.Queue()
                self._drain_task = loop.create_task(self._drain())
                ready.set()
                loop.run_forever()

            threading.Thread(target=run, name="live-events", daemon=True).start()
            ready.wait()
            self._loop, self._pending, self._pid = loop, 0, os.getpid()

    async def _drain(self) -> None:
        while True:
            groups, event = await self._queue.get()
            try:
                layer = get_channel_layer()
                for group in groups:
                    await layer.group_send(group, event)
            except Exception:  # best effort: the rows are committed, clients replay
                logger.warning("live event %s not pushed", event.get("kind"), exc_info=True)
            finally:
                with self._lock:
                    self._pending -= 1

    def submit(self, groups: tuple[str, ...], event: dict) -> None:
        self._ensure_started()
        with self._lock:  # the loop thread counts down
            self._pending += 1
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (groups, event))

    def flush(self, timeout: float = 2.0) -> None:
        """Wait (briefly) until every submitted event has left: commands exit right after."""
        deadline = time.monotonic() + timeout
        while self._pid == os.getpid() and self._pending > 0 and time.monotonic() < deadline:
            time.sleep(0.005)


_publisher = _Publisher()
atexit.register(_publisher.flush)


def events_flush(timeout: float = 2.0) -> None:
    _publisher.flush(timeout)


def event_publish(*, tenant_id: int, conversation_id: int, kind: str, data: dict, on_commit: bool = True) -> None:
    """Send ``{"type": "conversation.event", "kind", "conversation_id", "data"}`` to the
    conversation's group and the tenant's group. By default after the current transaction
    commits, so nobody hears of a row that may roll back."""
    event = {"type": "conversation.event", "kind": kind, "conversation_id": conversation_id, "data": data}
    groups = (conversation_group(conversation_id), tenant_group(tenant_id))

    def send() -> None:
        if get_channel_layer() is not None:
            _publisher.submit(groups, event)

    if on_commit:
        transaction.on_commit(send)
    else:
        send()


def message_event(message) -> dict:
    event = {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "sender_kind": message.sender_kind,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }
    if message.metadata.get("client_id"):  # the widget matches its pending bubble to the stored message
        event["client_id"] = message.metadata["client_id"]
    return event
