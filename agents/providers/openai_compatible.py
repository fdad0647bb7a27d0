"""Any OpenAI-compatible chat endpoint (OpenAI, Azure, vLLM, Ollama, OpenRouter) through the
official SDK. Our own retry loop (exponential backoff with full jitter on 429, 5xx, timeouts
and dropped connections) so the circuit breaker sees every final failure."""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx2
import openai

from agents.providers import circuit
from agents.providers.base import CircuitOpen, LLMResponse, ProviderError, ToolCallRequest

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

    def _sleep_before(self, attempt: int, error: Exception) -> None:
        retry_after = getattr(getattr(error, "response", None), "headers", {}).get("retry-after")
        if retry_after and retry_after.replace(".", "", 1).isdigit():
            delay = min(float(retry_after), self.backoff_cap)
        else:
            delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        self.pause(delay)

    def complete(
        self,
        *,
        messages: list[dict],
        tools: list[dict] | None = None,
        model: str | None = None,
        on_text: Callable[[str], None] | None = None,
        **options,
    ) -> LLMResponse:
        """One chat completion. With ``on_text`` the answer is streamed and each piece of text
        is handed to it as it arrives; the returned response is the whole answer either way."""
        is_open, failing = circuit.state(self.name)
        if is_open:
            raise CircuitOpen(f"{self.name} is cooling down after repeated failures")
        request = {"model": model or self.model, "messages": messages, **options}
        if tools:
            request["tools"] = tools
        if on_text is not None:
            request.update(stream=True, stream_options={"include_usage": True})
        for attempt in range(self.max_retries + 1):
            try:
                completion = self._client.chat.completions.create(**request)
                break
            except RETRYABLE as error:
                if attempt == self.max_retries:
                    circuit.record_failure(self.name)
                    raise ProviderError(f"{self.name}: {type(error).__name__}: {error}") from error
                self._sleep_before(attempt, error)
            except openai.OpenAIError as error:  # 400, 401, 404...: retrying will not help
                circuit.record_failure(self.name)
                raise ProviderError(f"{self.name}: {type(error).__name__}: {error}") from error
        if on_text is not None:
            try:
                # Not retried: text already handed on would be sent twice.
                completion = self._collect(completion, request["model"], on_text)
            except (openai.OpenAIError, httpx2.HTTPError) as error:
                circuit.record_failure(self.name)
                raise ProviderError(f"{self.name}: the stream broke: {type(error).__name__}: {error}") from error
        if failing:
            circuit.record_success(self.name)
        if isinstance(completion, LLMResponse):
            return completion
        if not completion.choices:
            raise ProviderError(f"{self.name}: the response had no choices")
        message = completion.choices[0].message
        usage = completion.usage
        return LLMResponse(
            provider=self.name,
            model=completion.model or request["model"],
            content=message.content or "",
            tool_calls=[
                ToolCallRequest(id=call.id, name=call.function.name, arguments=call.function.arguments or "")
                for call in message.tool_calls or []
                if call.type == "function"
            ],
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
        )

    def _collect(self, stream, model: str, on_text: Callable[[str], None]) -> LLMResponse:
        content: list[str] = []
        calls: dict[int, dict] = {}
        usage = None
        for chunk in stream:
            model = chunk.model or model
            usage = chunk.usage or usage
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    content.append(delta.content)
                    on_text(delta.content)
                for call in delta.tool_calls or []:
                    entry = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                    entry["id"] = call.id or entry["id"]
                    if call.function is not None:
                        entry["name"] += call.function.name or ""
                        entry["arguments"] += call.function.arguments or ""
        return LLMResponse(
            provider=self.name,
            model=model,
            content="".join(content),
            tool_calls=[ToolCallRequest(id=c["id"], name=c["name"], arguments=c["arguments"]) for c in calls.values()],
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
        )
