"""The fallback chain: each configured LLM in order, skipping open circuits. When all fail the
caller gets AllProvidersFailed and answers with the offline agent, which never fails. So does a
deadline that passes: the shopper gets the offline answer in time rather than a late one."""

import time
from functools import lru_cache

from django.conf import settings

from agents.providers.base import AllProvidersFailed, LLMResponse, ProviderError
from agents.providers.openai_compatible import OpenAICompatibleProvider


def configured_providers() -> list[OpenAICompatibleProvider]:
    """The chain as settings describe it now (tests change them), each provider built once:
    creating an SDK client (its HTTP pool, its TLS context) costs tens of milliseconds."""
    specs = tuple(
        (spec["name"], spec.get("base_url", ""), spec.get("api_key", ""), spec["model"])
        for spec in settings.LLM_PROVIDERS
    )
    return _build(specs, float(settings.LLM_TIMEOUT), int(settings.LLM_MAX_RETRIES))


@lru_cache(maxsize=8)
def _build(specs: tuple, timeout: float, max_retries: int) -> list[OpenAICompatibleProvider]:
    return [
        OpenAICompatibleProvider(
            name=name, base_url=base_url, api_key=api_key, model=model, timeout=timeout, max_retries=max_retries
        )
        for name, base_url, api_key, model in specs
    ]


def complete(
    *, messages: list[dict], tools: list[dict] | None = None, deadline: float | None = None, **options
) -> LLMResponse:
    """The first provider's answer that comes whole. ``deadline`` (a time.monotonic() value)
    bounds the whole chain: once it has passed no further provider is tried."""
    errors = []
    for provider in configured_providers():
        if deadline is not None and time.monotonic() >= deadline:
            errors.append(f"the deadline passed before {provider.name} was tried")
            break
        try:
            return provider.complete(messages=messages, tools=tools, deadline=deadline, **options)
        except ProviderError as error:  # DeadlineExceeded too: one that gave up early leaves time for the next
            errors.append(str(error))
    raise AllProvidersFailed("; ".join(errors) or "no LLM is configured")
