"""Any OpenAI-compatible chat endpoint (OpenAI, Azure, vLLM, Ollama, OpenRouter) through the
official SDK. Our own retry loop (exponential backoff with full jitter on 429, 5xx, timeouts
and dropped connections) so the circuit breaker sees every final failure.

The model's output is untrusted input. What comes back is checked before the engine sees it,
and anything unusable (no choices, a call to a tool that does not exist, arguments that are not a JSON
object, an HTML page with status 200, a stream cut short or not JSON) is a MalformedResponse:
a provider failure like a 500, so the circuit counts it and the router moves on. Wrong argument
types or unknown fields in a well-formed call are not checked here: the tools layer tells the
model about those.

``deadline`` (a time.monotonic() value) bounds the whole call, retries and back-off included."""

import contextlib
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from agents.providers import circuit
from agents.providers.base import (
    CircuitOpen,
    DeadlineExceeded,
    LLMResponse,
    MalformedResponse,
    ProviderError,
    ToolCallRequest,
)

RETRYABLE = (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError, openai.APIConnectionError)


def _time_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def _passed(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _callable(tools: list[dict] | None) -> set[str]:
    """The names a call may carry: the tools offered, and when some were, any other tool of ours.
    The tools layer denies one the profile does not allow and tells the model why (a denial staff
    can see); a name that is no tool at all is made up, and with nothing offered any call is."""
    offered = {tool.get("function", {}).get("name") for tool in tools or [] if tool.get("type") == "function"}
    if not offered:
        return offered
    from agents.tools.registry import TOOLS  # not at import time: the tools need the apps loaded

    return offered | set(TOOLS)


def _tokens(usage, field: str) -> int:
    value = getattr(usage, field, 0)
    return value if isinstance(value, int) and value >= 0 else 0


class _Watchdog:
    """Cuts the connection at the deadline. The per-read timeout cannot: a server that sends a
    byte every little while never lets a read time out, inside one stream chunk or a JSON body."""

    def __init__(self, response: httpx2.Response, deadline: float | None) -> None:
        self.fired = False
        self._response = response
        left = _time_left(deadline)
        self._timer = None if left is None else threading.Timer(max(0.0, left), self._cut)

    def __enter__(self) -> "_Watchdog":
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _cut(self) -> None:
        self.fired = True
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            self._response.close()
            return
        # shutdown, not close: it wakes a read blocked in the caller's thread, which then fails and
        # closes the response itself. The base class's method leaves TLS state alone. OSError: the
        # call finished meanwhile and closed the socket.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


@dataclass
class OpenAICompatibleProvider:
    name: str
    base_url: str
    api_key: str
    model: str
    timeout: float = 30.0
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0

    # A seam for tests: they record the back-off instead of waiting it out.
    pause = staticmethod(time.sleep)

    def __post_init__(self) -> None:
        # The SDK's own retries are off: ours below count toward the circuit breaker.
        self._client = openai.OpenAI(
            base_url=self.base_url or None, api_key=self.api_key or "not-needed", timeout=self.timeout, max_retries=0
        )

    def complete(
        self,
        *,
        messages: list[dict],
        tools: list[dict] | None = None,
        model: str | None = None,
        on_text: Callable[[str], None] | None = None,
        deadline: float | None = None,
        **options,
    ) -> LLMResponse:
        """One chat completion. With ``on_text`` the answer is streamed and each piece of text
        is handed to it as it arrives; the returned response is the whole answer either way.
        ``deadline`` is a time.monotonic() value by which the call is over, or DeadlineExceeded."""
        is_open, failing = circuit.state(self.name)
        if is_open:
            raise CircuitOpen(f"{self.name} is cooling down after repeated failures")
        if _passed(deadline):
            # Nothing was asked of the provider, so its circuit does not hear of this.
            raise DeadlineExceeded(f"{self.name}: no time left before the deadline")
        request = {"model": model or self.model, "messages": messages, **options}
        if tools:
            request["tools"] = tools
        if on_text is not None:
            request.update(stream=True, stream_options={"include_usage": True})
        try:
            response = self._complete(request, _callable(tools), on_text, deadline)
        except ProviderError:
            circuit.record_failure(self.name)
            raise
        if failing:
            circuit.record_success(self.name)
        return response

    def _complete(self, request: dict, names: set[str], on_text, deadline: float | None) -> LLMResponse:
        with ExitStack() as stack:
            raw = self._send(request, deadline, stack)
            watchdog = stack.enter_context(_Watchdog(raw.http_response, deadline))
            try:
                if on_text is None:
                    response = self._from_completion(self._parse(raw), request["model"], names)
                else:
                    # Not retried: text already handed on would be sent twice.
                    response = self._collect(self._parse(raw), request["model"], on_text, names, deadline)
            except ProviderError as error:
                if watchdog.fired:
                    raise DeadlineExceeded(f"{self.name}: cut off at the deadline") from error
                raise
        if watchdog.fired:
            raise DeadlineExceeded(f"{self.name}: cut off at the deadline")
        return response

    def _send(self, request: dict, deadline: float | None, stack: ExitStack):
        """The SDK's response once its headers are in, the body still to read (so the watchdog
        can cut a slow one), with our retries around it."""
        create = self._client.chat.completions.with_streaming_response.create
        for attempt in range(self.max_retries + 1):
            try:
                return stack.enter_context(create(**request, timeout=self._timeout(deadline)))
            except RETRYABLE as error:
                if _passed(deadline):
                    raise DeadlineExceeded(f"{self.name}: {_describe(error)} at the deadline") from error
                if attempt == self.max_retries:
                    raise ProviderError(f"{self.name}: {_describe(error)}") from error
                self._sleep_before(attempt, error, deadline)
            except openai.OpenAIError as error:  # 400, 401, 404...: retrying will not help
                raise ProviderError(f"{self.name}: {_describe(error)}") from error
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _timeout(self, deadline: float | None) -> float:
        left = _time_left(deadline)
        if left is None:
            return self.timeout
        if left <= 0:
            raise DeadlineExceeded(f"{self.name}: no time left for another attempt")
        return min(self.timeout, left)

    def _sleep_before(self, attempt: int, error: Exception, deadline: float | None) -> None:
        retry_after = getattr(getattr(error, "response", None), "headers", {}).get("retry-after")
        if retry_after and retry_after.replace(".", "", 1).isdigit():
            delay = min(float(retry_after), self.backoff_cap)
        else:
            delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        left = _time_left(deadline)
        if left is not None and delay >= left:
            raise DeadlineExceeded(f"{self.name}: {_describe(error)}; no time left to retry") from error
        self.pause(delay)

    def _parse(self, raw):
        """The body as the SDK reads it: a ChatCompletion, a Stream, or the text of a body that is
        not JSON. Whatever it raises on a hostile body is the provider's failure."""
        try:
            return raw.parse()
        except Exception as error:
            raise MalformedResponse(f"{self.name}: unreadable response: {_describe(error)}") from error

    def _from_completion(self, completion, model: str, names: set[str]) -> LLMResponse:
        if not isinstance(completion, ChatCompletion):  # a body that is not JSON comes back as its text
            raise MalformedResponse(f"{self.name}: not a chat completion: {str(completion)[:120]!r}")
        if not isinstance(completion.choices, list) or not completion.choices:
            raise MalformedResponse(f"{self.name}: the response had no choices")
        message = getattr(completion.choices[0], "message", None)
        if message is None:
            raise MalformedResponse(f"{self.name}: the choice had no message")
        calls = getattr(message, "tool_calls", None) or []
        if not isinstance(calls, list):
            raise MalformedResponse(f"{self.name}: tool_calls is not a list")
        return LLMResponse(
            provider=self.name,
            model=completion.model if isinstance(completion.model, str) and completion.model else model,
            content=self._text(getattr(message, "content", None)),
            tool_calls=[self._message_call(call, names) for call in calls],
            tokens_in=_tokens(completion.usage, "prompt_tokens"),
            tokens_out=_tokens(completion.usage, "completion_tokens"),
        )

    def _text(self, content) -> str:
        if content is not None and not isinstance(content, str):
            raise MalformedResponse(f"{self.name}: the content is a {type(content).__name__}, not text")
        return content or ""

    def _message_call(self, call, names: set[str]) -> ToolCallRequest:
        function = getattr(call, "function", None)
        name, arguments = getattr(function, "name", None), getattr(function, "arguments", None)
        return self._tool_call(getattr(call, "id", ""), getattr(call, "type", None), name, arguments, names)

    def _tool_call(self, call_id, kind, name, arguments, names: set[str]) -> ToolCallRequest:
        """A call the engine can run. Empty arguments are taken as {}: servers send "" for a tool
        without parameters. Arguments of the wrong types are the tools layer's to report."""
        if kind not in (None, "function"):
            raise MalformedResponse(f"{self.name}: a {str(kind)[:40]!r} tool call; only functions are offered")
        if not isinstance(name, str) or not name:
            raise MalformedResponse(f"{self.name}: a tool call without a tool name")
        if name not in names:
            raise MalformedResponse(f"{self.name}: a call to {name[:80]!r}, a tool neither offered nor ours")
        if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
            arguments = "{}"
        try:
            parsed = json.loads(arguments) if isinstance(arguments, str) else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise MalformedResponse(f"{self.name}: the arguments to {name} are not a JSON object: {arguments!r:.120}")
        return ToolCallRequest(id=call_id if isinstance(call_id, str) else "", name=name, arguments=arguments)

    def _chunks(self, stream, deadline: float | None) -> Iterator[ChatCompletionChunk]:
        """The stream's chunks, the deadline checked after each. Whatever the SDK raises reading
        or decoding them (a cut connection, a chunk that is not JSON) is the provider's failure."""
        chunks = iter(stream)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except Exception as error:
                raise MalformedResponse(f"{self.name}: the stream broke: {_describe(error)}") from error
            if _passed(deadline):
                raise DeadlineExceeded(f"{self.name}: still streaming at the deadline")
            if not isinstance(chunk, ChatCompletionChunk) or not isinstance(chunk.choices or [], list):
                raise MalformedResponse(f"{self.name}: a stream chunk that is not a completion chunk")
            yield chunk

    def _collect(self, stream, model: str, on_text: Callable[[str], None], names: set[str], deadline) -> LLMResponse:
        content: list[str] = []
        calls: dict[object, dict] = {}
        usage = None
        chosen = finished = False
        for chunk in self._chunks(stream, deadline):
            model = chunk.model if isinstance(chunk.model, str) and chunk.model else model
            usage = chunk.usage or usage
            for choice in chunk.choices or []:
                chosen = True
                finished = finished or bool(getattr(choice, "finish_reason", None))
                delta = getattr(choice, "delta", None)
                text = self._text(getattr(delta, "content", None))
                if text:
                    content.append(text)
                    on_text(text)
                self._gather(calls, getattr(delta, "tool_calls", None))
        if not chosen:
            raise MalformedResponse(f"{self.name}: the stream ended without any choice")
        if not finished:
            # Every OpenAI-compatible server ends a choice with a finish_reason. Without one, the
            # connection closed mid-answer, and over HTTP/1.0 that looks like a clean end.
            raise MalformedResponse(f"{self.name}: the stream ended before the answer did (no finish_reason)")
        return LLMResponse(
            provider=self.name,
            model=model,
            content="".join(content),
            tool_calls=[self._tool_call(c["id"], c["type"], c["name"], c["arguments"], names) for c in calls.values()],
            tokens_in=_tokens(usage, "prompt_tokens"),
            tokens_out=_tokens(usage, "completion_tokens"),
        )

    def _gather(self, calls: dict[object, dict], pieces) -> None:
        """Tool calls arrive in pieces, keyed by index: the id, type and name first, the
        arguments a few characters at a time."""
        if pieces is None:
            return
        if not isinstance(pieces, list):
            raise MalformedResponse(f"{self.name}: tool_calls is not a list")
        for piece in pieces:
            index = getattr(piece, "index", None)
            empty = {"id": "", "type": None, "name": "", "arguments": ""}
            entry = calls.setdefault(index if isinstance(index, int) else None, empty)
            entry["id"] = getattr(piece, "id", None) or entry["id"]
            entry["type"] = getattr(piece, "type", None) or entry["type"]
            function = getattr(piece, "function", None)
            name, arguments = getattr(function, "name", None), getattr(function, "arguments", None)
            if not isinstance(name or "", str) or not isinstance(arguments or "", str):
                raise MalformedResponse(f"{self.name}: a tool call whose name or arguments are not text")
            entry["name"] += name or ""
            entry["arguments"] += arguments or ""
