"""The fallback chain: each configured LLM in order, skipping open circuits. When all fail the
caller gets AllProvidersFailed and answers with the offline agent, which never fails."""

from django.conf import settings

from agents.providers.base import AllProvidersFailed, LLMResponse, ProviderError
from agents.providers.openai_compatible import OpenAICompatibleProvider


def configured_providers() -> list[OpenAICompatibleProvider]:
    providers = []
    for spec in settings.LLM_PROVIDERS:
        providers.append(
            OpenAICompatibleProvider(
                name=spec["name"],
                base_url=spec.get("base_url", ""),
                api_key=spec.get("api_key", ""),
                model=spec["model"],
                timeout=settings.LLM_TIMEOUT,
                max_retries=settings.LLM_MAX_RETRIES,
            )
        )
    return providers


def complete(*, messages: list[dict], tools: list[dict] | None = None, **options) -> LLMResponse:
    errors = []
    for provider in configured_providers():
        try:
            return provider.complete(messages=messages, tools=tools, **options)
        except ProviderError as error:
            errors.append(str(error))
    raise AllProvidersFailed("; ".join(errors) or "no LLM is configured")
