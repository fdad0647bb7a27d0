"""The staff live feed: ``/ws/staff/``, signed in with the Django session.

On connect a member hears every event of the tenants they belong to (new messages, agent
turns and tool calls, ticket changes, typing). Frames from the page:

- ``{"type": "subscribe", "conversation_id"}``: the page opened one conversation (checked
  against the member's tenants): answered ``{"type": "subscribed", "conversation_id",
  "messages"}``, its history so far; its events already come with the tenant's;
- ``{"type": "typing", "conversation_id", "state": "start"|"stop"}``: the shopper sees it (and
  the colleagues watching, with the typist's name).

Presence: subscribing tells the colleagues watching the same conversation (a ``presence`` event,
``state`` "viewing"); each answers once ("here"), so the newcomer learns who is there; leaving
says "left". Presence is for the staff: the widget relays none of it.

Events arrive as ``{"type": "event", "kind", "conversation_id", "data"}``. Close code 4401:
not signed in, or a member of no store.
"""

import json

from channels.generic.websocket import AsyncWebsocketConsumer

from conversations.consumers import db
from conversations.events import event_publish, message_event, tenant_group
from conversations.models import Conversation
from conversations.selectors import message_list
from tenants.selectors import tenant_ids_for_user

CLOSE_UNAUTHORISED = 4401
MAX_FRAME_CHARS = 4_000


class StaffConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.tenant_ids: set[int] = set()
        self.groups_joined: set[str] = set()
        self.watching: dict[int, int] = {}  # conversation id -> tenant id
        user = self.scope.get("user")
        self.username = user.get_username() if user is not None and user.is_authenticated else ""
        await self.accept()
        if user is not None:
            self.tenant_ids = await db(tenant_ids_for_user)(user=user)
        if not self.tenant_ids:
            await self.send_json({"type": "error", "code": "unauthorised", "message": "Sign in as a store's staff."})
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        for tenant_id in sorted(self.tenant_ids):
            await self.join(tenant_group(tenant_id))
        await self.send_json({"type": "ready", "tenant_ids": sorted(self.tenant_ids)})

    async def join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def disconnect(self, code) -> None:
        for conversation_id, tenant_id in self.watching.items():
            await self.presence(tenant_id, conversation_id, "left")
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if not self.tenant_ids:
            return
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self.error("invalid_frame", "Frames are short JSON text.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.error("invalid_json", "Frames must be JSON objects.")
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind not in ("subscribe", "typing"):
            await self.error("unknown_type", "Frames: subscribe, typing.")
            return
        conversation = await db(self._conversation)(content.get("conversation_id"))
        if conversation is None:
            # The same answer for "no such conversation" and "another store's": nothing leaks.
            await self.error("not_found", "No such conversation.")
            return
        if kind == "subscribe":
            messages = await db(self._messages)(conversation)
            await self.send_json({"type": "subscribed", "conversation_id": conversation.pk, "messages": messages})
            self.watching[conversation.pk] = conversation.tenant_id
            await self.presence(conversation.tenant_id, conversation.pk, "viewing")
        elif content.get("state") in ("start", "stop"):
            await db(event_publish)(
                tenant_id=conversation.tenant_id, conversation_id=conversation.pk, kind="typing",
                data={"who": "staff", "state": content["state"], "user": self.username}, on_commit=False,
            )  # fmt: skip

    async def presence(self, tenant_id: int, conversation_id: int, state: str) -> None:
        await db(event_publish)(
            tenant_id=tenant_id, conversation_id=conversation_id, kind="presence",
            data={"user": self.username, "state": state, "from": self.channel_name}, on_commit=False,
        )  # fmt: skip

    def _conversation(self, conversation_id) -> Conversation | None:
        if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
            return None
        return Conversation.objects.filter(pk=conversation_id, tenant_id__in=self.tenant_ids).first()

    def _messages(self, conversation: Conversation) -> list[dict]:
        return [message_event(m) for m in message_list(tenant=conversation.tenant, conversation_id=conversation.pk)]

    async def conversation_event(self, event: dict) -> None:
        data = event.get("data") or {}
        if event.get("kind") == "presence":
            if data.get("from") == self.channel_name:
                return  # one's own
            conversation_id = event.get("conversation_id")
            if data.get("state") == "viewing" and conversation_id in self.watching:
                await self.presence(self.watching[conversation_id], conversation_id, "here")  # I am here too
        data = {key: value for key, value in data.items() if key != "from"}
        await self.send_json(
            {"type": "event", "kind": event.get("kind"), "conversation_id": event.get("conversation_id"), "data": data}
        )
