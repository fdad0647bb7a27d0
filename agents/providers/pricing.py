"""Cost per call from a per-model price table (US dollars per million tokens, input / output)."""

from decimal import Decimal

PRICES_PER_MILLION: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1-nano": (Decimal("0.10"), Decimal("0.40")),
}
MILLION = Decimal(1_000_000)


def call_cost(*, model: str, tokens_in: int, tokens_out: int) -> Decimal:
    """Unknown models (self-hosted vLLM, Ollama) cost nothing here."""
    prices = PRICES_PER_MILLION.get(model)
    if prices is None:
        # Dated snapshots ("gpt-4o-mini-2024-07-18") cost what their family costs.
        family = max((name for name in PRICES_PER_MILLION if model.startswith(f"{name}-")), key=len, default=None)
        prices = PRICES_PER_MILLION.get(family) if family else None
    if prices is None:
        return Decimal("0")
    price_in, price_out = prices
    return (price_in * tokens_in + price_out * tokens_out) / MILLION
