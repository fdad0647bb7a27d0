"""A circuit breaker per provider, kept in Redis (the cache) so every worker process shares it.

After FAILURE_THRESHOLD failures within WINDOW_SECONDS the circuit opens and calls skip the
provider for COOL_DOWN_SECONDS; then one call is let through, and a success closes it.
"""

from django.core.cache import cache

FAILURE_THRESHOLD = 5
WINDOW_SECONDS = 60
COOL_DOWN_SECONDS = 30


def _keys(provider: str) -> tuple[str, str]:
    return f"llm-circuit:{provider}:failures", f"llm-circuit:{provider}:open"


def is_open(provider: str) -> bool:
    return cache.get(_keys(provider)[1]) is not None


def state(provider: str) -> tuple[bool, bool]:
    """(open, failing lately) in one round trip."""
    failures_key, open_key = _keys(provider)
    found = cache.get_many([failures_key, open_key])
    return open_key in found, bool(found.get(failures_key))


def record_success(provider: str) -> None:
    cache.delete_many(list(_keys(provider)))


def record_failure(provider: str) -> bool:
    """Count a failure; True when this one opened the circuit."""
    failures_key, open_key = _keys(provider)
    cache.add(failures_key, 0, timeout=WINDOW_SECONDS)
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.set(failures_key, 1, timeout=WINDOW_SECONDS)
        failures = 1
    if failures >= FAILURE_THRESHOLD:
        cache.set(open_key, 1, timeout=COOL_DOWN_SECONDS)
        cache.delete(failures_key)
        return True
    return False
