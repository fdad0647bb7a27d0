"""Any OpenAI-compatible chat endpoint (OpenAI, Azure, vLLM, Ollama, OpenRouter) through the
official SDK. Our own retry loop (exponential backoff with full jitter on 429, 5xx, timeouts
and dropped connections) so the circuit breaker sees every final failure.

The model's output is untrusted input: ``answers`` reads it, and anything unusable is a
MalformedResponse, a provider failure like a 500, so the circuit counts it and the router
moves on. ``deadline`` (a time.monotonic() value) bounds the whole call, retries and back-off
included (``deadline.Watchdog`` cuts a body that drips)."""

import random
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

import openai

from agents.providers import circuit
from agents.providers.answers import AnswerReader, accounted, callable_names, describe
from agents.providers.base import CircuitOpen, DeadlineExceeded, LLMResponse, ProviderError
from agents.providers.deadline import Watchdog, passed, time_left

RETRYABLE = (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError, openai.APIConnectionError)


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
        if passed(deadline):
            # Nothing was asked of the provider, so its circuit does not hear of this.
            raise DeadlineExceeded(f"{self.name}: no time left before the deadline")
        request = {"model": model or self.model, "messages": messages, **options}
        if tools:
            request["tools"] = tools
        if on_text is not None:
            request.update(stream=True, stream_options={"include_usage": True})
        try:
            response = self._complete(request, callable_names(tools), on_text, deadline)
        except ProviderError:
            circuit.record_failure(self.name)
            raise
        if failing:
            circuit.record_success(self.name)
        return accounted(response, request)

    def _complete(self, request: dict, names: set[str], on_text, deadline: float | None) -> LLMResponse:
        reader = AnswerReader(self.name)
        with ExitStack() as stack:
            raw = self._send(request, deadline, stack)
            watchdog = stack.enter_context(Watchdog(raw.http_response, deadline))
            try:
                if on_text is None:
                    response = reader.from_completion(reader.parse(raw), request["model"], names)
                else:
                    # Not retried: text already handed on would be sent twice.
                    response = reader.collect(reader.parse(raw), request["model"], on_text, names, deadline)
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
                if passed(deadline):
                    raise DeadlineExceeded(f"{self.name}: {describe(error)} at the deadline") from error
                if attempt == self.max_retries:
                    raise ProviderError(f"{self.name}: {describe(error)}") from error
                self._sleep_before(attempt, error, deadline)
            except openai.OpenAIError as error:  # 400, 401, 404...: retrying will not help
                raise ProviderError(f"{self.name}: {describe(error)}") from error
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _timeout(self, deadline: float | None) -> float:
        left = time_left(deadline)
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
        left = time_left(deadline)
        if left is not None and delay >= left:
            raise DeadlineExceeded(f"{self.name}: {describe(error)}; no time left to retry") from error
        self.pause(delay)
