from dataclasses import dataclass, field


class ProviderError(Exception):
    """One provider failed this call (after its retries); the router tries the next."""


class CircuitOpen(ProviderError):
    """The provider failed too often lately; it is skipped until its cool-down ends."""


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
