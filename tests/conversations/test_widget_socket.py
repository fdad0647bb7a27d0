"""The chat widget's WebSocket, driven through Channels' WebsocketCommunicator against the real
ASGI application, database and Redis channel layer."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from conversations.models import Customer, Message
from conversations.widget import user_hash
from supportdesk.asgi import application
from tenants.models import AuditEvent
from tests.factories import CustomerFactory, OrderFactory, TenantFactory, WidgetKeyFactory

ORIGIN = "https://shop.example.com"
WAIT = 20  # seconds: the first turn in a process loads the local embedding model

pytestmark = pytest.mark.django_db(transaction=True)


def run(coroutine):
    return asyncio.run(coroutine)


async def open_socket(key: str, origin: str = ORIGIN) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/widget/?key={key}", headers=[(b"origin", origin.encode())])
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    return communicator


async def say(communicator, frame) -> None:
    await communicator.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))


async def hear(communicator, timeout: float = WAIT) -> dict:
    return json.loads(await communicator.receive_from(timeout=timeout))


async def hear_until(communicator, predicate, timeout: float = WAIT) -> tuple[dict, list[dict]]:
    """Frames until one matches; returns it and everything heard before it."""
    heard = []
    while True:
        frame = await hear(communicator, timeout)
        if predicate(frame):
            return frame, heard
        heard.append(frame)


async def hello(communicator, token=None, last_id=0, user=None) -> dict:
    await say(communicator, {"type": "hello", "token": token, "last_id": last_id, "user": user})
    frame, _ = await hear_until(communicator, lambda f: f["type"] == "ready")
    return frame


def is_reply(frame) -> bool:
    return frame["type"] == "message" and frame["message"]["sender_kind"] == "ai"


@pytest.fixture
def store(transactional_db):
    """A store whose agent answers at once (no batch window to wait out)."""
    tenant = TenantFactory(batch_window_ms=0, batch_max_wait_ms=0)
    return WidgetKeyFactory(tenant=tenant)


def test_unknown_key_and_foreign_origin_are_refused_with_close_codes(store):
    async def scenario():
        communicator = await open_socket("pk_nobody")
        assert (await hear(communicator))["code"] == "unknown_key"
        assert (await communicator.receive_output(timeout=WAIT))["code"] == 4001
        await communicator.disconnect()  # a closed consumer still runs until the client goes

        communicator = await open_socket(store.public_key, origin="https://evil.example.net")
        assert (await hear(communicator))["code"] == "origin_not_allowed"
        assert (await communicator.receive_output(timeout=WAIT))["code"] == 4003
        await communicator.disconnect()  # a closed consumer still runs until the client goes

    run(scenario())


def test_a_message_is_committed_acked_and_answered_live(store):
    async def scenario():
        communicator = await open_socket(store.public_key)
        ready = await hello(communicator)
        assert ready["token"] and ready["conversation_id"] is None and ready["messages"] == []
        await say(communicator, {"type": "message", "body": "hello, can I talk to someone?", "client_id": "c-1"})
        ack, _ = await hear_until(communicator, lambda f: f["type"] == "ack")
        assert ack["client_id"] == "c-1" and ack["message"]["body"] == "hello, can I talk to someone?"
        stored = await database_sync_to_async(Message.objects.get)(pk=ack["message"]["id"])
        assert stored.tenant_id == store.tenant_id and stored.channel == "web"
        reply, _ = await hear_until(communicator, is_reply)
        assert reply["message"]["body"]
        await communicator.disconnect()

    run(scenario())


def test_the_same_client_id_twice_stores_one_message(store):
    async def scenario():
        communicator = await open_socket(store.public_key)
        await hello(communicator)
        for _ in range(2):
            await say(communicator, {"type": "message", "body": "where is my parcel", "client_id": "same"})
            await hear_until(communicator, lambda f: f["type"] == "ack")
        await communicator.disconnect()

    run(scenario())
    assert Message.objects.filter(direction="inbound", body="where is my parcel").count() == 1


def test_a_reconnect_with_the_token_replays_what_was_missed(store):
    async def scenario():
        communicator = await open_socket(store.public_key)
        ready = await hello(communicator)
        await say(communicator, {"type": "message", "body": "hi there", "client_id": "a"})
        ack, _ = await hear_until(communicator, lambda f: f["type"] == "ack")
        await communicator.disconnect()  # the page closes before the answer comes

        again = await open_socket(store.public_key)
        resumed = await hello(again, token=ready["token"], last_id=ack["message"]["id"])
        assert resumed["conversation_id"] is not None
        replayed = resumed["messages"]
        if not any(m["sender_kind"] == "ai" for m in replayed):  # the turn was still running
            await hear_until(again, is_reply)
        else:
            assert all(m["id"] > ack["message"]["id"] for m in replayed)
        # A fresh page load asks for everything.
        reloaded = await open_socket(store.public_key)
        whole = await hello(reloaded, token=ready["token"], last_id=0)
        assert whole["messages"][0]["body"] == "hi there"
        assert whole["token"] and whole["conversation_id"] == resumed["conversation_id"]
        for socket in (again, reloaded):
            await socket.disconnect()

    run(scenario())


def test_a_bad_or_foreign_token_starts_a_new_visitor(store):
    other_key = WidgetKeyFactory(tenant=TenantFactory())
    other_customer = CustomerFactory(tenant=other_key.tenant)

    async def scenario():
        from conversations.widget import visitor_token_issue

        foreign = await database_sync_to_async(visitor_token_issue)(widget_key=other_key, customer=other_customer)
        for token in ("not-a-token", foreign, foreign[:-3] + "abc"):
            communicator = await open_socket(store.public_key)
            await say(communicator, {"type": "hello", "token": token, "last_id": 0})
            assert (await hear(communicator))["code"] == "invalid_token"
            ready = await hear(communicator)
            assert ready["type"] == "ready" and ready["token"] != token and ready["messages"] == []
            await communicator.disconnect()

    run(scenario())
    assert Customer.objects.filter(tenant=store.tenant).count() == 3  # three new visitors
    assert not other_customer.conversations.exists()


def test_an_expired_token_starts_a_new_visitor_and_keeps_the_old_history_private(store, settings):
    async def scenario():
        communicator = await open_socket(store.public_key)
        ready = await hello(communicator)
        await say(communicator, {"type": "message", "body": "my address is 1 Main St", "client_id": "a"})
        await hear_until(communicator, lambda f: f["type"] == "ack")
        await communicator.disconnect()
        settings.WIDGET_VISITOR_TOKEN_MAX_AGE = 0  # every token is now too old
        again = await open_socket(store.public_key)
        await say(again, {"type": "hello", "token": ready["token"], "last_id": 0})
        assert (await hear(again))["code"] == "invalid_token"
        fresh = await hear(again)
        assert fresh["type"] == "ready" and fresh["messages"] == [] and fresh["token"] != ready["token"]
        await again.disconnect()

    run(scenario())


def test_a_signed_store_user_is_verified_and_a_bad_hash_is_refused(store):
    customer = CustomerFactory(tenant=store.tenant, external_id="u-42", email="sam@example.com")

    async def scenario():
        communicator = await open_socket(store.public_key)
        good = {"id": "u-42", "email": "sam@example.com", "name": "Sam",
                "hash": user_hash(secret=store.secret, user_id="u-42", email="sam@example.com")}  # fmt: skip
        ready = await hello(communicator, user=good)
        assert ready["verified"] is True
        await say(communicator, {"type": "message", "body": "hello", "client_id": "x"})
        ack, _ = await hear_until(communicator, lambda f: f["type"] == "ack")
        message = await database_sync_to_async(Message.objects.select_related("conversation").get)(
            pk=ack["message"]["id"]
        )
        assert message.conversation.customer_id == customer.pk and message.conversation.customer_verified

        forged = {**good, "email": "someone-else@example.com"}
        await say(communicator, {"type": "hello", "token": None, "last_id": 0, "user": forged})
        assert (await hear_until(communicator, lambda f: f["type"] == "error"))[0]["code"] == "invalid_user_hash"
        await communicator.disconnect()

    run(scenario())


def test_an_anonymous_visitor_who_signs_in_keeps_the_conversation(store):
    customer = CustomerFactory(tenant=store.tenant, external_id="u-7", email="kim@example.com")

    async def scenario():
        communicator = await open_socket(store.public_key)
        ready = await hello(communicator)
        await say(communicator, {"type": "message", "body": "hi, question about shipping", "client_id": "q"})
        await hear_until(communicator, lambda f: f["type"] == "ack")
        await communicator.disconnect()

        signed = {"id": "u-7", "email": "kim@example.com",
                  "hash": user_hash(secret=store.secret, user_id="u-7", email="kim@example.com")}  # fmt: skip
        again = await open_socket(store.public_key)
        resumed = await hello(again, token=ready["token"], user=signed)
        assert resumed["messages"][0]["body"] == "hi, question about shipping"
        await again.disconnect()

    run(scenario())
    assert customer.conversations.count() == 1
    linked = AuditEvent.objects.get(tenant=store.tenant, verb="customer.linked")
    assert linked.target_id == str(customer.pk) and linked.data["conversations_moved"] == 1


def test_a_visitor_who_proves_an_order_keeps_talking_in_the_same_conversation(store):
    # The agent links the visitor to the customer the order proves; the open socket and the
    # token on a reload must follow, or the shopper starts over with a stranger's agent.
    kim = CustomerFactory(tenant=store.tenant, email="kim@example.com")
    OrderFactory(tenant=store.tenant, customer=kim, number="ORD-5001", status="paid")

    async def scenario():
        communicator = await open_socket(store.public_key)
        ready = await hello(communicator)
        for client_id, body in (("a", "where is my order ORD-5001?"), ("b", "kim@example.com")):
            await say(communicator, {"type": "message", "body": body, "client_id": client_id})
            await hear_until(communicator, lambda f: f["type"] == "ack")
            reply, _ = await hear_until(communicator, is_reply)
        assert "ORD-5001" in reply["message"]["body"] and "paid" in reply["message"]["body"]
        await say(communicator, {"type": "message", "body": "please cancel ORD-5001", "client_id": "c"})
        await hear_until(communicator, lambda f: f["type"] == "ack")
        reply, _ = await hear_until(communicator, is_reply)
        assert "cancel order ORD-5001" in reply["message"]["body"]  # no second "what's your email?"
        await communicator.disconnect()

        reloaded = await open_socket(store.public_key)
        resumed = await hello(reloaded, token=ready["token"])
        bodies = [m["body"] for m in resumed["messages"]]
        asked = ["where is my order ORD-5001?", "kim@example.com", "please cancel ORD-5001"]
        assert [body for body in bodies if body in asked] == asked
        await reloaded.disconnect()
        return resumed["conversation_id"]

    conversation_id = run(scenario())
    assert list(kim.conversations.values_list("pk", flat=True)) == [conversation_id]
    assert Message.objects.filter(conversation_id=conversation_id, body="please cancel ORD-5001").exists()


def test_bad_frames_get_error_frames_and_the_connection_survives(store):
    async def scenario():
        communicator = await open_socket(store.public_key)
        await say(communicator, {"type": "message", "body": "hi", "client_id": "early"})
        assert (await hear(communicator))["code"] == "hello_first"
        await hello(communicator)
        for frame, code in (
            ("{not json", "invalid_json"),
            ("[1, 2]", "invalid_frame"),
            ({"type": "dance"}, "unknown_type"),
            ({"type": "message", "body": "", "client_id": "e"}, "empty_message"),
            ({"type": "message", "body": "x" * 4001, "client_id": "long"}, "message_too_long"),
            ({"type": "message", "body": 12, "client_id": "n"}, "invalid_body"),
            ({"type": "message", "body": "hi"}, "invalid_client_id"),
            ({"type": "typing", "state": "dancing"}, "invalid_typing"),
            ({"type": "identify", "email": "not an email"}, "invalid_email"),
        ):
            await say(communicator, frame)
            error, _ = await hear_until(communicator, lambda f: f["type"] == "error")
            assert error["code"] == code, frame
        await say(communicator, {"type": "ping"})
        assert (await hear_until(communicator, lambda f: f["type"] == "pong"))[0] == {"type": "pong"}
        await communicator.disconnect()

    run(scenario())
    assert not Message.objects.filter(tenant=store.tenant).exists()


def test_an_oversized_frame_closes_with_1009(store):
    async def scenario():
        communicator = await open_socket(store.public_key)
        await hello(communicator)
        await say(communicator, json.dumps({"type": "message", "body": "x" * 20_000, "client_id": "big"}))
        assert (await hear(communicator))["code"] == "frame_too_big"
        assert (await communicator.receive_output(timeout=WAIT))["code"] == 1009
        await communicator.disconnect()  # a closed consumer still runs until the client goes

    run(scenario())


def test_a_message_flood_is_rate_limited(store, settings):
    settings.WIDGET_MESSAGES_PER_10S = 3

    async def scenario():
        communicator = await open_socket(store.public_key)
        await hello(communicator)
        codes = []
        for index in range(5):
            await say(communicator, {"type": "message", "body": f"spam {index}", "client_id": f"s{index}"})
            frame, _ = await hear_until(communicator, lambda f: f["type"] in ("ack", "error"))
            codes.append(frame.get("code", "ack"))
        await communicator.disconnect()
        return codes

    assert run(scenario()) == ["ack", "ack", "ack", "rate_limited", "rate_limited"]
    assert Message.objects.filter(direction="inbound").count() == 3


def test_typing_stopped_answers_without_waiting_out_the_window(transactional_db):
    key = WidgetKeyFactory(tenant=TenantFactory(batch_window_ms=60_000, batch_max_wait_ms=120_000))

    async def scenario():
        communicator = await open_socket(key.public_key)
        await hello(communicator)
        await say(communicator, {"type": "message", "body": "hello", "client_id": "1"})
        await hear_until(communicator, lambda f: f["type"] == "ack")
        await asyncio.sleep(1.0)  # the window holds the turn back
        assert not await database_sync_to_async(Message.objects.filter(sender_kind="ai").exists)()
        await say(communicator, {"type": "typing", "state": "stop"})
        _, before = await hear_until(communicator, is_reply)
        assert {"type": "typing", "state": "start"} in before  # the agent is writing
        assert (await hear(communicator)) == {"type": "typing", "state": "stop"}
        await communicator.disconnect()

    run(scenario())


def test_visitors_hear_only_their_own_conversation(store):
    other_store = WidgetKeyFactory(tenant=TenantFactory(batch_window_ms=0, batch_max_wait_ms=0))

    async def scenario():
        mine = await open_socket(store.public_key)
        await hello(mine)
        await say(mine, {"type": "message", "body": "first", "client_id": "m"})
        await hear_until(mine, is_reply)

        neighbour = await open_socket(store.public_key)  # another shopper of the same store
        await hello(neighbour)
        foreign = await open_socket(other_store.public_key)  # a shopper of another store
        await hello(foreign)
        for socket in (neighbour, foreign):
            await say(socket, {"type": "message", "body": "secret question", "client_id": "n"})
            await hear_until(socket, is_reply)
        while not await mine.receive_nothing(timeout=0.5):
            frame = await hear(mine)
            assert "secret question" not in json.dumps(frame)
        for socket in (mine, neighbour, foreign):
            await socket.disconnect()

    run(scenario())


def test_a_persons_reply_reaches_the_shopper_live_and_a_note_never_does(store):
    from conversations.models import Conversation
    from conversations.notes import note_add
    from conversations.replies import staff_reply_send
    from tenants.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    agent = UserFactory(staff=True)
    MembershipFactory(user=agent, tenant=store.tenant, role=Membership.Role.AGENT)

    async def scenario():
        communicator = await open_socket(store.public_key)
        await hello(communicator)
        await say(communicator, {"type": "message", "body": "is anyone there?", "client_id": "c-1"})
        await hear_until(communicator, is_reply)
        ack = await database_sync_to_async(Message.objects.filter(body="is anyone there?").get)()
        conversation = await database_sync_to_async(Conversation.objects.get)(pk=ack.conversation_id)
        await database_sync_to_async(note_add)(conversation=conversation, author=agent, body="Internal: VIP, be kind")
        await database_sync_to_async(staff_reply_send)(conversation=conversation, actor=agent, body="Hi, I'm Sam.")
        reply, before = await hear_until(
            communicator, lambda f: f["type"] == "message" and f["message"]["sender_kind"] == "staff"
        )
        assert reply["message"]["body"] == "Hi, I'm Sam."
        assert "VIP" not in json.dumps(before)
        while not await communicator.receive_nothing(timeout=0.5):
            assert "VIP" not in json.dumps(await hear(communicator))
        await communicator.disconnect()

    run(scenario())
