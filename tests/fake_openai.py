"""A fake OpenAI-compatible server on loopback, so tests run the real `openai` client over HTTP.

Embeddings are deterministic (a hash of the text spread over 384 dimensions). Tests can script
failures: ``server.fail_next(n, status=500)`` makes the next n requests fail.
"""

import hashlib
import json
import math
import threading
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
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self._failures: list[int] = []
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

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
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
                self._reply(404, {"error": {"message": f"no route {self.path}"}})

        return Handler
