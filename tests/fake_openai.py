"""A fake OpenAI-compatible server on loopback, so tests run the real `openai` client over HTTP.

Embeddings are deterministic (a hash of the text spread over 384 dimensions). Tests can script
failures: ``server.fail_next(n, status=500)`` makes the next n requests fail. Chat requests with
nothing scripted get the default reply: ``{"content": "ok"}``, or what ``FakeOpenAI(default=...)``
says (a reply, or a function of the request body returning one).

It plays hostile models too (see ``script``): HTML pages with status 200, completions without
choices, calls to tools that do not exist, arguments that are not JSON, slow drips, streams cut
short or carrying chunks that are not JSON. ``server.responses`` records how far each chat
answer got before the client hung up, so a test can tell a cut from a finished answer.
"""

import hashlib
import json
import math
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def fake_vector(text: str, dimensions: int = 384) -> list[float]:
    values = []
    counter = 0
    while len(values) < dimensions:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend((byte - 127.5) / 127.5 for byte in digest)
        counter += 1
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def tool_call(name: str, arguments) -> dict:
    """A scripted model reply that calls one tool (``arguments``: a dict, or raw text as a model
    may write it)."""
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


class FakeOpenAI:
    def __init__(self, default: dict | Callable[[dict], dict] | None = None) -> None:
        self._default = default or {"content": "ok"}
        self.requests: list[dict] = []
        self._failures: list[int] = []
        self._replies: list[dict] = []
        self.responses: list[dict] = []  # per chat answer: chunks and bytes sent, complete or not
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # wakes handlers that wait (delay, drip) so stop() is quick
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True  # a handler still dripping never holds up the tests' exit
        self._server.block_on_close = False
        # A short poll: stop() waits one poll for serve_forever to notice.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def script(self, *replies: dict) -> None:
        """Queue chat replies, one per request, each a dict of:

        - ``content``: the text; ``tool_calls``: ``[{"name", "arguments"}]``, where a name may be
          None (sent as null) or any tool at all, and arguments a dict (sent as JSON), a string
          (sent as it is: "{not json") or None. A long list is a fan-out flood.
        - ``status`` (with ``headers``, ``message``): an error response, e.g. 429 or 503.
        - ``delay``: seconds to wait before answering.
        - ``raw``: a body sent as it is, with ``status`` (200 unless given) and ``content_type``
          ("text/html" unless given): ``{"raw": "<html>...</html>"}``, streaming or not.
        - ``choices``: the completion's choices as given, ``[]`` for none; in a stream each one
          is a chunk of its own, in place of the content and tool calls.
        - ``drip``: seconds between stream chunks; with ``bytewise``, between single bytes
          instead, inside a chunk or a non-streamed body (a server that never trips a read timeout).
        - ``break_after``: close a stream after that many chunks, without a finish_reason or
          [DONE]; over HTTP/1.0 the client sees a clean end. With ``promise_length`` the headers
          announce the whole body's length, so the client sees the cut as a broken connection.
        - ``junk``: text sent as a stream chunk that is not JSON, after the first chunk.
        """
        with self._lock:
            self._replies.extend(replies)

    def _next_reply(self, payload: dict) -> dict:
        with self._lock:
            if self._replies:
                return self._replies.pop(0)
        return self._default(payload) if callable(self._default) else self._default

    def recover(self) -> None:
        with self._lock:
            self._failures.clear()

    def _take_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append({"path": self.path, "body": payload})
                failure = fake._take_failure()
                if failure is not None:
                    self._reply(failure, {"error": {"message": "scripted failure", "type": "server_error"}})
                    return
                if self.path.endswith("/embeddings"):
                    texts = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
                    dims = payload.get("dimensions", 384)
                    data = [
                        {"object": "embedding", "index": i, "embedding": fake_vector(t, dims)}
                        for i, t in enumerate(texts)
                    ]
                    usage = {"prompt_tokens": sum(len(t.split()) for t in texts), "total_tokens": 0}
                    self._reply(200, {"object": "list", "data": data, "model": payload["model"], "usage": usage})
                    return
                if self.path.endswith("/chat/completions"):
                    self._chat(payload)
                    return
                self._reply(404, {"error": {"message": f"no route {self.path}"}})

            def _chat(self, payload: dict) -> None:
                reply = fake._next_reply(payload)
                if reply.get("delay") and fake._stopping.wait(reply["delay"]):
                    return
                record = {"chunks": 0, "bytes": 0, "complete": False}
                fake.responses.append(record)
                try:
                    self._answer(payload, reply, record)
                except _ClientGone:
                    self.close_connection = True
                    return
                record["complete"] = True

            def _answer(self, payload: dict, reply: dict, record: dict) -> None:
                if "raw" in reply:
                    body = reply["raw"].encode() if isinstance(reply["raw"], str) else reply["raw"]
                    self._send_body(reply.get("status", 200), body, reply.get("content_type", "text/html"), reply,
                                    record)  # fmt: skip
                    return
                if reply.get("status"):
                    body = {"error": {"message": reply.get("message", "scripted error"), "type": "server_error"}}
                    self._reply(reply["status"], body, reply.get("headers"))
                    return
                tool_calls = [
                    {"id": f"call_{index}", "type": "function",
                     "function": {"name": call.get("name"), "arguments": _arguments(call.get("arguments", {}))}}
                    for index, call in enumerate(reply.get("tool_calls", []))
                ]  # fmt: skip
                if payload.get("stream"):
                    self._stream(payload, reply, tool_calls, record)
                    return
                body = json.dumps(_completion(payload, reply, tool_calls)).encode()
                self._send_body(200, body, "application/json", reply, record)

            def _send_body(self, status: int, body: bytes, content_type: str, reply: dict, record: dict) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self._write(body, reply, record)

            def _write(self, data: bytes, reply: dict, record: dict) -> None:
                pieces = [data[i : i + 1] for i in range(len(data))] if reply.get("bytewise") else [data]
                for piece in pieces:
                    if reply.get("bytewise") and fake._stopping.wait(reply.get("drip", 0)):
                        raise _ClientGone
                    try:
                        self.wfile.write(piece)
                        self.wfile.flush()
                    except OSError as error:  # the client hung up (a deadline, a watchdog)
                        raise _ClientGone from error
                    record["bytes"] += len(piece)

            def _stream(self, payload: dict, reply: dict, tool_calls: list[dict], record: dict) -> None:
                """Server-sent events as OpenAI streams them: the content a word at a time,
                tool calls in one chunk each, the finish_reason, the usage, then [DONE]."""
                events = [f"data: {json.dumps(body)}\n\n".encode() for body in _chunks(payload, reply, tool_calls)]
                if "junk" in reply:
                    events.insert(1, f"data: {reply['junk']}\n\n".encode())
                events.append(b"data: [DONE]\n\n")
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                if reply.get("promise_length"):
                    self.send_header("Content-Length", str(sum(map(len, events))))
                self.end_headers()
                if "break_after" in reply:
                    events = events[: reply["break_after"]]
                    self.close_connection = True
                for index, event in enumerate(events):
                    if index and not reply.get("bytewise") and fake._stopping.wait(reply.get("drip", 0)):
                        raise _ClientGone
                    self._write(event, reply, record)
                    record["chunks"] += 1

        return Handler


class _ClientGone(Exception):
    """The client closed the connection mid-answer, or the server is stopping."""


def _arguments(arguments) -> str | None:
    return arguments if arguments is None or isinstance(arguments, str) else json.dumps(arguments)


def _completion(payload: dict, reply: dict, tool_calls: list[dict]) -> dict:
    message = {"role": "assistant", "content": reply.get("content")}
    if tool_calls:
        message["tool_calls"] = tool_calls
    choice = {"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}
    prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in payload.get("messages", []))
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": payload["model"],
        "choices": reply.get("choices", [choice]),
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(str(reply.get("content") or "").split()) + 5 * len(tool_calls),
            "total_tokens": 0,
        },
    }


def _chunks(payload: dict, reply: dict, tool_calls: list[dict]) -> list[dict]:
    def chunk(choices: list[dict], usage: dict | None = None) -> dict:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": payload["model"],
                "choices": choices, "usage": usage}  # fmt: skip

    def delta(values: dict, finish_reason: str | None = None) -> list[dict]:
        return [{"index": 0, "delta": values, "finish_reason": finish_reason}]

    words = str(reply.get("content") or "").split(" ")
    if "choices" in reply:
        chunks = [chunk([choice]) for choice in reply["choices"]]
    else:
        chunks = [chunk(delta({"content": word if i == 0 else f" {word}"})) for i, word in enumerate(words)]
        chunks = chunks if reply.get("content") else []
        chunks += [chunk(delta({"tool_calls": [{"index": i, **call}]})) for i, call in enumerate(tool_calls)]
        chunks.append(chunk(delta({}, "tool_calls" if tool_calls else "stop")))
    usage = {"prompt_tokens": 10, "completion_tokens": len(words) + 5 * len(tool_calls), "total_tokens": 0}
    return [*chunks, chunk([], usage)]
