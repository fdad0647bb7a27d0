"""LLM providers: the OpenAI-compatible client, its circuit breaker, and the fallback chain."""
