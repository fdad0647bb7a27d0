"""Product recommendations from the catalogue: category, budget, attributes, and what fits a
part the shopper already has."""

from decimal import Decimal

from django.db.models import Sum
from pydantic import Field

from agents.tools.base import Tool, ToolArguments, ToolContext, ToolResult
from orders import selectors as order_selectors
from orders.models import Product

# "Fits" rules between numeric attributes: the candidate's value must reach the reference's.
AT_LEAST = {"recommended_psu_watts": "wattage", "length_mm": "max_gpu_length_mm"}


def _text(value) -> str:
    return str(value).strip().lower()


def name_score(words: set[str], name: str) -> int:
    """How well a product name matches the shopper's words: shared words, a word with a digit
    (a model number like 4090) counting double."""
    shared = words & set(name.lower().replace("-", " ").split())
    return sum(2 if any(ch.isdigit() for ch in word) else 1 for word in shared)


def product_find(*, tenant, query: str) -> Product | None:
    """A product by SKU, else the one whose name shares the most words with ``query``."""
    query = query.strip()
    products = order_selectors.product_list(tenant=tenant)
    exact = products.filter(sku__iexact=query).first()
    if exact is not None:
        return exact
    words = {w for w in query.lower().replace("-", " ").split() if len(w) > 1}
    best, best_score = None, 0
    for product in products.only("id", "sku", "name", "category", "price", "attributes"):
        score = name_score(words, product.name)
        if score > best_score:
            best, best_score = product, score
    return best if best_score >= 2 else None


def fits(candidate: Product, reference: Product) -> bool:
    for key, value in reference.attributes.items():
        if isinstance(value, str) and key in candidate.attributes and _text(candidate.attributes[key]) != _text(value):
            return False
        target = AT_LEAST.get(key)
        if target in candidate.attributes and isinstance(value, int | float) and candidate.attributes[target] < value:
            return False
    return True


class RecommendArguments(ToolArguments):
    category: str | None = Field(default=None, max_length=64, description="A catalogue category, e.g. gpu, psu")
    max_price: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    attributes: dict[str, str] = Field(default_factory=dict, description='e.g. {"socket": "AM5"}')
    compatible_with: str | None = Field(default=None, max_length=200, description="SKU or name of a part they own")
    limit: int = Field(default=3, ge=1, le=5)


class RecommendProducts(Tool):
    name = "recommend_products"
    description = (
        "Suggest in-stock products by category, budget and attributes, or parts that fit a product the shopper "
        "has (same socket and memory type, enough PSU wattage, a case long enough for the card)."
    )
    Arguments = RecommendArguments

    def run(self, context: ToolContext, arguments: RecommendArguments) -> ToolResult:
        products = order_selectors.product_list(tenant=context.tenant, category=arguments.category or None)
        if arguments.max_price is not None:
            products = products.filter(price__lte=arguments.max_price)
        reference = None
        if arguments.compatible_with:
            reference = product_find(tenant=context.tenant, query=arguments.compatible_with)
            if reference is None:
                return ToolResult("error", {"message": "No product matches that name or SKU."})
            products = products.exclude(pk=reference.pk)
        wanted = {key: _text(value) for key, value in arguments.attributes.items()}
        candidates = [
            p
            for p in products.annotate(in_stock=Sum("stock__quantity")).order_by("-price")
            if all(_text(p.attributes.get(k, "")) == v for k, v in wanted.items())
            and (reference is None or fits(p, reference))
        ]
        # In stock first; within a budget the best it buys, otherwise the most affordable fit.
        ascending = arguments.max_price is None
        candidates.sort(key=lambda p: (not (p.in_stock or 0) > 0, p.price if ascending else -p.price))
        if not candidates:
            return ToolResult("error", {"message": "Nothing in the catalogue matches all of that."})
        return ToolResult(
            "ok",
            {
                "compatible_with": reference.name if reference else None,
                "products": [
                    {"sku": p.sku, "name": p.name, "category": p.category, "price": str(p.price),
                     "in_stock": p.in_stock or 0, "attributes": p.attributes}
                    for p in candidates[: arguments.limit]
                ],
            },
        )  # fmt: skip
