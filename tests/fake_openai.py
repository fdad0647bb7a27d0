"""A fake OpenAI-compatible server on loopback, so tests run the real `openai` client over HTTP.

Embeddings are deterministic (a hash of the text spread over 384 dimensions). Tests can script
failures: ``server.fail_next(n, status=500)`` makes the next n requests fail. Chat requests with
nothing scripted get the default reply: ``{"content": "ok"}``, or what ``FakeOpenAI(default=...)``
says (a reply, or a function of the request body returning one).
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


class FakeOpenAI:
    def __init__(self, default: dict | Callable[[dict], dict] | None = None) -> None:
        self._default = default or {"content": "ok"}
        self.requests: list[dict] = []
        self._failures: list[int] = []
        self._replies: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def script(self, *replies: dict) -> None:
        """Queue chat replies: {"content": str}, {"tool_calls": [{"name", "arguments"}]},
        {"status": 429, "headers": {...}} for an error, {"delay": seconds} before answering."""
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
                import time

                reply = fake._next_reply(payload)
                if reply.get("delay"):
                    time.sleep(reply["delay"])
                if reply.get("status"):
                    body = {"error": {"message": reply.get("message", "scripted error"), "type": "server_error"}}
                    self._reply(reply["status"], body, reply.get("headers"))
                    return
                tool_calls = [
                    {
                        "id": f"call_{index}",
                        "type": "function",
                        "function": {
                            "name": call["name"],
                            "arguments": call["arguments"]
                            if isinstance(call["arguments"], str)
                            else json.dumps(call["arguments"]),
                        },
                    }
                    for index, call in enumerate(reply.get("tool_calls", []))
                ]
                if payload.get("stream"):
                    self._stream(payload, reply, tool_calls)
                    return
                message = {"role": "assistant", "content": reply.get("content")}
                if tool_calls:
                    message["tool_calls"] = tool_calls
                prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in payload.get("messages", []))
                self._reply(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": 0,
                        "model": payload["model"],
                        "choices": [
                            {"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}
                        ],
                        "usage": {
                            "prompt_tokens": prompt_tokens,
                            "completion_tokens": len(str(reply.get("content") or "").split()) + 5 * len(tool_calls),
                            "total_tokens": 0,
                        },
                    },
                )

            def _stream(self, payload: dict, reply: dict, tool_calls: list[dict]) -> None:
                """Server-sent events as OpenAI streams them: the content a word at a time,
                tool calls in one chunk each, then the usage, then [DONE]."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()

                def chunk(delta: dict | None, usage: dict | None = None) -> None:
                    body = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                            "model": payload["model"],
                            "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": None}],
                            "usage": usage}  # fmt: skip
                    self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
                    self.wfile.flush()

                words = str(reply.get("content") or "").split(" ")
                for index, word in enumerate(words if reply.get("content") else []):
                    chunk({"content": word if index == 0 else f" {word}"})
                for index, call in enumerate(tool_calls):
                    chunk({"tool_calls": [{"index": index, **call}]})
                chunk(None, {"prompt_tokens": 10, "completion_tokens": len(words) + 5 * len(tool_calls),
                             "total_tokens": 0})  # fmt: skip
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler
