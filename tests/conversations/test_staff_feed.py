"""The staff live feed (/ws/staff/) and the live conversation page built on it."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from conversations.models import Message
from conversations.services import message_receive
from supportdesk.asgi import application
from tests.factories import ConversationFactory, MembershipFactory, TenantFactory, UserFactory, WidgetKeyFactory

WAIT = 20
ORIGIN = b"http://localhost"

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> bytes:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"sessionid={session.session_key}".encode()


async def open_feed(user=None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin)]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
    communicator = WebsocketCommunicator(application, "/ws/staff/", headers=headers)
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    return communicator


async def hear(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=WAIT))


async def hear_until(communicator, predicate) -> dict:
    while True:
        frame = await hear(communicator)
        if predicate(frame):
            return frame


@pytest.fixture
def two_stores(transactional_db):
    mine, theirs = TenantFactory(), TenantFactory()
    member = MembershipFactory(tenant=mine).user
    return mine, theirs, member


def receive(tenant, body, email="shopper@example.com"):
    return message_receive(tenant=tenant, channel="web", body=body, email=email, schedule_turn=False).message


def test_a_visitor_without_a_session_or_membership_is_closed(two_stores):
    async def scenario():
        for user in (None, await database_sync_to_async(UserFactory)()):
            communicator = await open_feed(user)
            assert (await hear(communicator))["code"] == "unauthorised"
            assert (await communicator.receive_output(timeout=WAIT))["code"] == 4401
            await communicator.disconnect()  # a closed consumer still runs until the client goes

    asyncio.run(scenario())


def test_a_page_of_another_site_cannot_open_the_feed(two_stores):
    _, _, member = two_stores

    async def scenario():
        communicator = WebsocketCommunicator(
            application, "/ws/staff/",
            headers=[(b"origin", b"https://evil.example.net"),
                     (b"cookie", await database_sync_to_async(session_cookie)(member))],
        )  # fmt: skip
        connected, _ = await communicator.connect(timeout=WAIT)
        assert not connected
        await communicator.disconnect()

    asyncio.run(scenario())


def test_staff_hear_their_stores_messages_and_tickets_and_nothing_of_another_store(two_stores):
    mine, theirs, member = two_stores

    async def scenario():
        communicator = await open_feed(member)
        ready = await hear(communicator)
        assert ready == {"type": "ready", "tenant_ids": [mine.pk]}
        await database_sync_to_async(receive)(theirs, "their secret")
        message = await database_sync_to_async(receive)(mine, "my question")
        event = await hear_until(communicator, lambda f: f["type"] == "event")
        assert event["kind"] == "message.created" and event["data"]["body"] == "my question"
        assert event["conversation_id"] == message.conversation_id
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()

    asyncio.run(scenario())


def test_subscribing_gives_the_history_and_another_stores_conversation_is_not_found(two_stores):
    mine, theirs, member = two_stores
    own = receive(mine, "hello")
    foreign = ConversationFactory(tenant=theirs)

    async def scenario():
        communicator = await open_feed(member)
        await hear(communicator)
        await communicator.send_json_to({"type": "subscribe", "conversation_id": own.conversation_id})
        subscribed = await hear(communicator)
        assert subscribed["type"] == "subscribed" and [m["body"] for m in subscribed["messages"]] == ["hello"]
        for bad in (foreign.pk, "1; drop", None, 10**9):
            await communicator.send_json_to({"type": "subscribe", "conversation_id": bad})
            assert (await hear(communicator))["code"] == "not_found"
        await communicator.send_to(text_data="{nope")
        assert (await hear(communicator))["code"] == "invalid_json"
        await communicator.send_json_to({"type": "typing", "conversation_id": foreign.pk, "state": "start"})
        assert (await hear(communicator))["code"] == "not_found"
        await communicator.disconnect()

    asyncio.run(scenario())


def test_staff_typing_reaches_the_shopper_widget(two_stores):
    mine, _, member = two_stores
    key = WidgetKeyFactory(tenant=mine)

    async def scenario():
        widget = WebsocketCommunicator(
            application, f"/ws/widget/?key={key.public_key}", headers=[(b"origin", b"https://shop.example.com")]
        )
        await widget.connect(timeout=WAIT)
        await widget.send_json_to({"type": "hello", "token": None, "last_id": 0})
        await hear_until(widget, lambda f: f["type"] == "ready")
        await widget.send_json_to({"type": "message", "body": "anyone there?", "client_id": "w1"})
        ack = await hear_until(widget, lambda f: f["type"] == "ack")
        stored = await database_sync_to_async(Message.objects.get)(pk=ack["message"]["id"])
        conversation_id = stored.conversation_id

        staff = await open_feed(member)
        await hear(staff)
        await staff.send_json_to({"type": "typing", "conversation_id": conversation_id, "state": "start"})
        assert await hear_until(widget, lambda f: f["type"] == "typing") == {"type": "typing", "state": "start"}
        for socket in (widget, staff):
            await socket.disconnect()

    asyncio.run(scenario())


def test_the_live_page_shows_only_a_members_conversations(two_stores, client):
    mine, theirs, member = two_stores
    own = receive(mine, "where is my order?")
    foreign = receive(theirs, "their question")
    client.force_login(member)
    page = client.get(f"/staff/conversations/{own.conversation_id}/")
    assert page.status_code == 200 and b"where is my order?" in page.content
    assert client.get(f"/staff/conversations/{foreign.conversation_id}/").status_code == 404
    client.logout()
    assert client.get(f"/staff/conversations/{own.conversation_id}/").status_code == 302


def test_the_admin_leads_staff_to_the_live_page(two_stores, client):
    mine, _, _ = two_stores
    staff = UserFactory(staff=True)
    MembershipFactory(user=staff, tenant=mine)
    own = receive(mine, "where is my order?")
    client.force_login(staff)
    listing = client.get("/admin/conversations/conversation/")
    assert f'href="/staff/conversations/{own.conversation_id}/"'.encode() in listing.content
    change = client.get(f"/admin/conversations/conversation/{own.conversation_id}/change/")
    assert b"View on site" in change.content


def test_a_linked_customer_shows_whom_it_became_and_staff_cannot_rewire_it(two_stores, client):
    from conversations.services import customers_link
    from tests.factories import CustomerFactory

    mine, _, _ = two_stores
    staff = UserFactory(staff=True)
    MembershipFactory(user=staff, tenant=mine)
    kim = CustomerFactory(tenant=mine, email="kim@example.com", name="Kim")
    visitor = CustomerFactory(tenant=mine, email="", phone="")
    customers_link(keep=kim, merge=visitor)
    client.force_login(staff)
    page = client.get(f"/admin/conversations/customer/{visitor.pk}/change/")
    assert page.status_code == 200 and b"Kim" in page.content
    assert b'name="merged_into"' not in page.content


def test_colleagues_on_the_same_conversation_see_each_other_and_another_store_sees_nothing(two_stores):
    mine, theirs, dana = two_stores
    sam = MembershipFactory(tenant=mine).user
    outsider = MembershipFactory(tenant=theirs).user
    own = receive(mine, "hello")

    async def scenario():
        first = await open_feed(dana)
        await hear(first)
        await first.send_json_to({"type": "subscribe", "conversation_id": own.conversation_id})
        await hear_until(first, lambda f: f["type"] == "subscribed")
        foreign = await open_feed(outsider)
        await hear(foreign)

        second = await open_feed(sam)
        await hear(second)
        await second.send_json_to({"type": "subscribe", "conversation_id": own.conversation_id})
        arrived = await hear_until(first, lambda f: f.get("kind") == "presence")
        assert arrived["data"] == {"user": sam.get_username(), "state": "viewing"}
        here = await hear_until(second, lambda f: f.get("kind") == "presence")
        assert here["data"] == {"user": dana.get_username(), "state": "here"}  # the newcomer learns who is there
        await second.send_json_to({"type": "typing", "conversation_id": own.conversation_id, "state": "start"})
        typing = await hear_until(first, lambda f: f.get("kind") == "typing")
        assert typing["data"]["user"] == sam.get_username()
        await second.disconnect()
        left = await hear_until(first, lambda f: f.get("kind") == "presence")
        assert left["data"]["state"] == "left"
        assert await foreign.receive_nothing(timeout=0.5)  # another store hears nothing of it
        for socket in (first, foreign):
            await socket.disconnect()

    asyncio.run(scenario())
