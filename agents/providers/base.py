from dataclasses import dataclass, field


class ProviderError(Exception):
    """One provider failed this call (after its retries); the router tries the next."""


class CircuitOpen(ProviderError):
    """The provider failed too often lately; it is skipped until its cool-down ends."""


class MalformedResponse(ProviderError):
    """The provider answered, but not with a usable completion: no choices, a tool call to no tool
    offered, arguments that are not a JSON object, an HTML page, a stream cut short. The model's
    output is untrusted input: this counts against the provider like any other failure."""


class DeadlineExceeded(ProviderError):
    """The caller's deadline passed (or would pass) before the provider finished answering."""


class AllProvidersFailed(ProviderError):
    """Every configured LLM failed or is cooling down: the engine falls back to the offline agent."""


@dataclass(frozen=True)
class ToolCallRequest:
    id: str
    name: str
    arguments: str  # raw JSON text as the model wrote it; the engine validates it


@dataclass(frozen=True)
class LLMResponse:
    provider: str
    model: str
    content: str
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    # The model the call was made for: what it is priced as (a response's own "model" is the
    # server's word, and may name a model that costs nothing).
    requested_model: str = ""
