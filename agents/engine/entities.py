"""What the shopper's text names: order numbers, emails, amounts, products, catalogue
categories and attributes, a budget. Matched against the tenant's own data, not guessed."""

import re
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from agents.tools.recommend_tools import name_score
from orders import selectors as order_selectors
from orders.models import Order, Product
from tenants.models import Tenant

ORDER_NUMBER = re.compile(r"\b([A-Za-z]{2,5})[- ]?#?(\d{3,10})\b")
BARE_ORDER = re.compile(r"(?:\border\b|#)\s*(?:number\s*|no\.?\s*)?#?\s*(\d{3,10})\b", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
AMOUNT = re.compile(
    r"(?:[$€£]\s?(\d[\d,]*(?:\.\d{1,2})?))|(?:\b(\d[\d,]*(?:\.\d{1,2})?)\s?(?:dollars|usd|bucks|eur|euros?)\b)",
    re.IGNORECASE,
)
REFUND_AMOUNT = re.compile(
    r"\brefund(?:\s+me)?(?:\s+(?:of|just|only))?\s+(\d{1,3}(?:\.\d{1,2})?)(?![\d.,%])(?!\s*(?:%|percent))", re.I
)
BUDGET = re.compile(r"\b(under|below|less than|max(?:imum)?|up to|budget(?: of| is)?|no more than)\b", re.IGNORECASE)
LATEST = re.compile(r"\b(my|the)\s+(last|latest|recent|most recent|newest)\s+(order|purchase|package|parcel)\b", re.I)
MY_ORDER = re.compile(r"\b(my|the)\s+(order|package|parcel|purchase|stuff|delivery)\b(?!\s*(#|number|no\b))", re.I)
# How shoppers pick one of the orders the agent listed: by its status or its place in the list.
STATUS_WORDS = ("pending", "paid", "shipped", "delivered", "cancelled", "returned", "refunded")
# How shoppers name catalogue categories; a category's own name (and plural) always counts.
CATEGORY_WORDS = {
    "gpu": ("graphics card", "video card", "graphics", "gpu"),
    "cpu": ("processor", "cpu", "chip"),
    "psu": ("power supply", "psu", "power unit"),
    "ram": ("memory", "ram", "dimm"),
    "motherboard": ("motherboard", "mobo", "mainboard"),
    "storage": ("ssd", "nvme", "hard drive", "hdd", "storage", "drive"),
    "case": ("case", "tower", "chassis"),
    "beans": ("coffee", "beans", "roast", "espresso blend"),
    "brewer": ("brewer", "coffee maker", "machine", "french press", "pour over"),
    "grinder": ("grinder", "burr"),
}


@dataclass
class Entities:
    order_numbers: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    amount: Decimal | None = None
    max_price: Decimal | None = None
    latest_order: bool = False  # "my last order"
    my_order: bool = False  # "my order": which one, if there are several, is to be found out
    status_word: str | None = None  # "the pending one"
    product: Product | None = None
    category: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    """What entity matching needs of a tenant's data, read once a minute per process: the
    tools themselves always read live rows."""

    order_prefix: str
    categories: tuple[str, ...]
    attribute_values: dict[str, str]  # lower-cased value -> attribute key
    products: tuple[tuple[int, str, str], ...]  # id, sku, name


CATALOGUE_SECONDS = 60
_catalogues: dict[int, tuple[float, Catalogue]] = {}


def catalogue(tenant: Tenant) -> Catalogue:
    cached = _catalogues.get(tenant.pk)
    if cached is not None and time.monotonic() - cached[0] < CATALOGUE_SECONDS:
        return cached[1]
    number = Order.objects.for_tenant(tenant).order_by("-id").values_list("number", flat=True).first() or ""
    match = re.match(r"([A-Za-z]{2,5})-?\d", number)
    rows = list(order_selectors.product_list(tenant=tenant).values_list("id", "sku", "name", "category", "attributes"))
    values: dict[str, str] = {}
    for *_, attributes in rows:
        for key, value in attributes.items():
            if isinstance(value, str) and 2 <= len(value) <= 20 and not value.replace(".", "").isdigit():
                values.setdefault(value.lower(), key)
    result = Catalogue(
        order_prefix=match.group(1).upper() if match else "ORD",
        categories=tuple(sorted({row[3] for row in rows})),
        attribute_values=values,
        products=tuple((pk, sku, name) for pk, sku, name, *_ in rows),
    )
    _catalogues[tenant.pk] = (time.monotonic(), result)
    return result


def _product(tenant: Tenant, known: Catalogue, text: str) -> Product | None:
    """A product by SKU, else the one whose name shares the most words with the text (a word
    with a digit, like a model number, counts double)."""
    words = {w for w in re.split(r"[\s,.;:!?()/]+", text.lower().replace("-", " ")) if len(w) > 1}
    lowered = text.lower()
    best, best_score = None, 0
    for pk, sku, name in known.products:
        if re.search(rf"(?<![\w-]){re.escape(sku.lower())}(?![\w-])", lowered):
            best, best_score = pk, 99
            break
        score = name_score(words, name)
        if score > best_score:
            best, best_score = pk, score
    if best is None or best_score < 2:
        return None
    return order_selectors.product_list(tenant=tenant).filter(pk=best).first()


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def extract(*, tenant: Tenant, text: str) -> Entities:
    found = Entities()
    known = catalogue(tenant)
    prefix = known.order_prefix
    for letters, digits in ORDER_NUMBER.findall(text):
        if letters.upper() == prefix:
            found.order_numbers.append(f"{prefix}-{digits}")
    if not found.order_numbers:
        found.order_numbers = [f"{prefix}-{digits}" for digits in BARE_ORDER.findall(text)]
    found.order_numbers = list(dict.fromkeys(found.order_numbers))
    found.emails = list(dict.fromkeys(m.lower() for m in EMAIL.findall(text)))
    for match in AMOUNT.finditer(text):
        value = _decimal(match.group(1) or match.group(2))
        if value is None:
            continue
        before = text[max(0, match.start() - 20) : match.start()]
        if BUDGET.search(before):
            found.max_price = value
        elif found.amount is None:
            found.amount = value
    if found.amount is None:
        # "refund 40 for ORD-1017": a small plain number right after "refund" is the amount (a
        # four-digit one could be an order number, so it is not guessed at).
        plain = REFUND_AMOUNT.search(text)
        if plain:
            found.amount = _decimal(plain.group(1))
    found.latest_order = bool(LATEST.search(text)) and not found.order_numbers
    found.my_order = found.latest_order or (bool(MY_ORDER.search(text)) and not found.order_numbers)
    found.status_word = next((w for w in STATUS_WORDS if re.search(rf"\b{w}\b", text, re.IGNORECASE)), None)
    lowered = f" {text.lower()} "
    for category in known.categories:
        words = (category, f"{category}s", *CATEGORY_WORDS.get(category, ()))
        if any(re.search(rf"\b{re.escape(w)}s?\b", lowered) for w in words):
            found.category = category
            break
    found.attributes = {
        key: value
        for value, key in known.attribute_values.items()
        if key != "pcie" and re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", lowered)
    }
    text_without_orders = ORDER_NUMBER.sub(lambda m: " " if m.group(1).upper() == prefix else m.group(0), text)
    found.product = _product(tenant, known, text_without_orders)
    return found


FILLER = re.compile(
    r"\b(it'?s|it is|its|this is|that'?s|the|my|our|order|number|no|num|email|e-?mail|address|is|here|"
    r"you go|sure|ok|okay|yes|yeah|yep|oh|sorry|and|it|was|under|used|with|for|of|i|me|a|an|to|the same)\b",
    re.IGNORECASE,
)


def bare_reference(text: str) -> bool:
    """Only an order number or an email, perhaps with a few filler words ("it's ORD-1004",
    "sure, pat@example.com"): the answer to a question the agent asked, not a new request."""
    rest = EMAIL.sub(" ", text)
    rest = ORDER_NUMBER.sub(" ", rest)
    rest = BARE_ORDER.sub(" ", rest)
    if rest == text:
        return False
    rest = FILLER.sub(" ", rest)
    return not re.sub(r"[\W_]+", "", rest)
