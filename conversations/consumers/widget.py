"""The chat widget's WebSocket: ``/ws/widget/?key=PUBLIC_KEY``.

Frames are JSON text. The widget (static/widget/widget.js) speaks first:

- ``{"type": "hello", "token", "last_id", "user"}``: answered by ``{"type": "ready", "token",
  "conversation_id", "messages"}`` with every message after ``last_id`` (the replay), and a
  token to keep. ``user`` is a store's signed shopper ``{"id", "email", "name", "hash"}``.
- ``{"type": "message", "body", "client_id"}``: committed, then ``{"type": "ack", "client_id",
  "message"}``. The same client_id again is harmless: it acks the stored message.
- ``{"type": "typing", "state": "start"|"stop"}``: staff see it; "stop" closes the batch window.
- ``{"type": "identify", "email", "name"}``: the pre-chat form.
- ``{"type": "ping"}``: ``{"type": "pong"}``.

The server pushes ``message``, ``typing`` (the agent is writing), ``reply.partial`` (streamed
text) and ``error`` frames ``{"type": "error", "code", "message"}``. Close codes: 4001 unknown
key, 4003 origin not allowed, 4008 flooding, 1009 frame too big, 1013 live updates down (Redis):
come back later, the replay catches up.

The consumer only checks, relays and calls services; a visitor only ever joins the group of
its own conversation, so it hears nothing of anyone else's.
"""

import json
import logging
import time
from collections import deque
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from conversations import hooks, services, widget
from conversations.consumers import db
from conversations.events import conversation_group, event_publish, message_event
from conversations.models import Channel
from supportdesk.errors import ApplicationError

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 16_000
CLOSE_UNKNOWN_KEY, CLOSE_ORIGIN, CLOSE_FLOOD, CLOSE_TOO_BIG, CLOSE_TRY_AGAIN = 4001, 4003, 4008, 1009, 1013


class RateLimit:
    """A sliding ten-second window per connection."""

    def __init__(self, limit: int, seconds: float = 10.0) -> None:
        self.limit, self.seconds, self.times = limit, seconds, deque()

    def allow(self) -> bool:
        now = time.monotonic()
        while self.times and now - self.times[0] > self.seconds:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return False
        self.times.append(now)
        return True


class WidgetConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.widget_key = self.visitor = self.conversation_id = None
        self.group = None
        self.frames = RateLimit(settings.WIDGET_FRAMES_PER_10S)
        self.messages = RateLimit(settings.WIDGET_MESSAGES_PER_10S)
        self.floods = 0
        key = parse_qs(self.scope.get("query_string", b"").decode(errors="replace")).get("key", [""])[0]
        origin = dict(self.scope.get("headers", [])).get(b"origin", b"").decode(errors="replace")
        self.widget_key = await db(widget.widget_key_find)(key)
        # Accept first so the browser gets a close code and a reason it can show.
        await self.accept()
        if self.widget_key is None:
            await self.refuse(CLOSE_UNKNOWN_KEY, "unknown_key", "This chat key is not known or no longer active.")
        elif not widget.origin_allowed(self.widget_key, origin):
            await self.refuse(CLOSE_ORIGIN, "origin_not_allowed", "This site may not open this chat.")

    async def refuse(self, code: int, error: str, message: str) -> None:
        await self.send_error(error, message)
        await self.close(code=code)
        self.widget_key = None

    async def disconnect(self, code) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def send_error(self, code: str, message: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.widget_key is None:
            return
        if bytes_data is not None or text_data is None:
            await self.send_error("invalid_frame", "Frames must be JSON text.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.refuse(CLOSE_TOO_BIG, "frame_too_big", "That frame is too big.")
            return
        if not self.frames.allow():
            self.floods += 1
            if self.floods > settings.WIDGET_FRAMES_PER_10S:
                await self.refuse(CLOSE_FLOOD, "rate_limited", "Too many frames; reconnect in a moment.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid_json", "Frames must be JSON objects.")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("invalid_frame", 'Frames are JSON objects with a "type".')
            return
        handler = getattr(self, f"on_{content['type']}", None)
        if content["type"] != "hello" and self.visitor is None and handler is not None:
            await self.send_error("hello_first", 'Send {"type": "hello"} first.')
            return
        if handler is None:
            await self.send_error("unknown_type", f"Unknown frame type {content['type'][:40]!r}.")
            return
        try:
            await handler(content)
        except ApplicationError as exc:
            extra = {"client_id": content["client_id"]} if isinstance(content.get("client_id"), str) else {}
            await self.send_error(exc.code, exc.message, **extra)

    # ------------------------------------------------------------------ frames

    async def on_hello(self, content: dict) -> None:
        last_id = content.get("last_id") or 0
        if not isinstance(last_id, int) or isinstance(last_id, bool) or last_id < 0:
            raise ApplicationError('"last_id" must be a message id (a whole number).', code="invalid_last_id")
        # One trip to the database thread: under load, the consumers' calls queue for it.
        visitor, conversation, messages = await db(self._open)(content, last_id)
        if visitor.token_rejected:
            await self.send_error("invalid_token", "The saved chat session has expired; starting a new one.")
        self.visitor = visitor
        try:
            await self.follow(conversation.pk if conversation else None)
        except Exception:
            await self.live_unavailable()
            return
        await self.send_json(
            {
                "type": "ready",
                "token": visitor.token,
                "conversation_id": self.conversation_id,
                "verified": visitor.verified,
                "messages": [message_event(m) for m in messages],
            }
        )

    def _open(self, content: dict, last_id: int):
        visitor = widget.visitor_open(widget_key=self.widget_key, token=content.get("token"), user=content.get("user"))
        conversation = widget.visitor_conversation(customer=visitor.customer)
        return visitor, conversation, widget.replay(conversation=conversation, after_id=last_id)

    async def on_message(self, content: dict) -> None:
        client_id = content.get("client_id")
        if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64:
            raise ApplicationError('"client_id" must be a short string.', code="invalid_client_id")
        if not isinstance(content.get("body"), str):
            raise ApplicationError('"body" must be text.', code="invalid_body")
        if not self.messages.allow():
            raise ApplicationError("You're sending messages very fast; wait a moment.", code="rate_limited")
        received = await db(self._receive)(content["body"], client_id)
        message = received.message
        try:
            joined = await self.follow(message.conversation_id)
        except Exception:
            # Redis is away: the message is committed, so say so, then drop the socket; the
            # widget comes back and the replay brings what it missed.
            await self.send_json({"type": "ack", "client_id": client_id, "message": message_event(message)})
            await self.live_unavailable()
            return
        await self.send_json({"type": "ack", "client_id": client_id, "message": message_event(message)})
        if joined:
            # The first message of a conversation: anything said in it before this socket
            # joined its group (a quick answer) is sent now; the widget drops repeats by id.
            later = await db(widget.replay)(conversation=message.conversation, after_id=message.pk)
            for missed in later:
                await self.send_json({"type": "message", "message": message_event(missed)})

    def _receive(self, body: str, client_id: str):
        # The agent may have linked this visitor to the customer they proved to be.
        customer = self.visitor.customer = services.customer_current(self.visitor.customer)
        return services.message_receive(
            tenant=self.widget_key.tenant, channel=Channel.WEB, body=body, customer=customer,
            # Scoped to the visitor: another visitor's client id can never name this message.
            provider_message_id=f"widget:{customer.pk}:{client_id}", verified=self.visitor.verified,
            metadata={"client_id": client_id},
        )  # fmt: skip

    async def on_typing(self, content: dict) -> None:
        state = content.get("state")
        if state not in ("start", "stop"):
            raise ApplicationError('"state" must be "start" or "stop".', code="invalid_typing")
        if self.conversation_id is None:
            return
        await db(self._typing)(state)

    def _typing(self, state: str) -> None:
        event_publish(
            tenant_id=self.widget_key.tenant_id, conversation_id=self.conversation_id, kind="typing",
            data={"who": "customer", "state": state}, on_commit=False,
        )  # fmt: skip
        if state == "stop":
            hooks.typing_stopped(self.conversation_id)

    async def on_identify(self, content: dict) -> None:
        customer = await db(widget.prechat_identify)(
            customer=self.visitor.customer, email=content.get("email") or "", name=content.get("name") or ""
        )
        self.visitor.customer = customer
        await self.send_json({"type": "identified", "name": customer.name})

    async def on_ping(self, content: dict) -> None:
        await self.send_json({"type": "pong"})

    # ------------------------------------------------------------------ live events

    async def live_unavailable(self) -> None:
        logger.warning("widget socket closed: the channel layer is unavailable", exc_info=True)
        await self.refuse(CLOSE_TRY_AGAIN, "live_unavailable", "Live updates are down for a moment; reconnecting.")

    async def follow(self, conversation_id: int | None) -> bool:
        """Listen to the visitor's conversation (a new one starts when the last was closed).
        True when this joined a conversation it was not listening to."""
        if conversation_id is None or conversation_id == self.conversation_id:
            return False
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        self.conversation_id, self.group = conversation_id, conversation_group(conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        return True

    async def conversation_event(self, event: dict) -> None:
        """Relay what a shopper may see: messages, the agent writing, its streamed text. Tool
        calls, ticket changes and internal events stay with the staff."""
        if event.get("conversation_id") != self.conversation_id:
            return
        kind, data = event.get("kind"), event.get("data") or {}
        if kind == "message.created":
            await self.send_json({"type": "message", "message": data})
        elif kind == "turn.started":
            await self.send_json({"type": "typing", "state": "start"})
        elif kind == "reply.done":
            await self.send_json({"type": "typing", "state": "stop"})
        elif kind == "reply.discarded":  # a person took over: the streamed draft goes
            await self.send_json({"type": "reply.discarded", "run_id": data.get("run_id")})
            await self.send_json({"type": "typing", "state": "stop"})
        elif kind == "reply.partial":
            await self.send_json({"type": "reply.partial", "run_id": data.get("run_id"), "delta": data.get("delta")})
        elif kind == "typing" and data.get("who") == "staff":
            await self.send_json({"type": "typing", "state": data.get("state")})
