"""Output may not show another customer's personal data of the same store: their emails, phone
numbers (however written), street addresses (on one line or several), their names, or their
orders. The current shopper's own data may be shown, and so may anything the shopper wrote or a
tool returned this turn (the tools have checked who may see it). Each leak is hidden in place.

Two queries at most, each within the tenant, and only for what the text could be: the orders
its order numbers, postal codes and house numbers point at, and the customers its phone-like
numbers and runs of two to four words could name."""

import itertools
import re
from dataclasses import dataclass, field

from django.db.models import CharField, F, Func, Q, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower, Replace, Upper

from agents.guardrails.text import ORDER_NUMBER, sentences, squash
from conversations.models import Customer
from conversations.selectors import phone_normalise
from orders.models import Order

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
# Digits in groups with the separators people type: "+1 (917) 555-0110", "917.555.0110".
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d \t().-]{5,24}\d(?!\w)")
DIGIT_GROUP = re.compile(r"\d+")
TOKEN = re.compile(r"[^\W_]+")
POSTAL = re.compile(r"\b(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{3,10}\b")
HOUSE = re.compile(r"(?<![\w.,$€£])(\d{1,6}[A-Za-z]?)\s+([^\W\d_]{2,})")
PHONE_MIN, PHONE_MAX = 7, 15
NAME_WORDS = (2, 3, 4)
# Spellings of the same street word: "214 Bedford Avenue" is "214 Bedford Ave".
STREET_WORDS = (
    ("st", "street"), ("ave", "avenue", "av"), ("rd", "road"), ("blvd", "boulevard"), ("dr", "drive"),
    ("ln", "lane"), ("ct", "court"), ("pl", "place"), ("sq", "square"), ("pkwy", "parkway"), ("hwy", "highway"),
    ("apt", "apartment", "unit", "#"), ("ste", "suite"), ("fl", "floor"), ("n", "north"), ("s", "south"),
    ("e", "east"), ("w", "west"), ("ne", "northeast"), ("nw", "northwest"), ("se", "southeast"),
    ("sw", "southwest"),
)  # fmt: skip
SPELLINGS = {word: group for group in STREET_WORDS for word in group}
ADDRESS_PARTS = ("name", "line1", "line2", "city", "region", "postal_code", "country")
ADDRESS_GAP = re.compile(r"[\s,.;:/-]{0,8}")  # what lies between the parts of one address


@dataclass
class Found:
    text: str
    flags: set[str] = field(default_factory=set)


def _digits(text: str) -> str:
    """A phone's digits as compared: international prefix and trunk 0 dropped."""
    normal = phone_normalise(text)
    return normal.lstrip("+") if normal.startswith("+") else normal.removeprefix("0")


def same_phone(written: str, stored: str) -> bool:
    """The matching rule of conversations.selectors (the same digits, or the national number
    after a country code of one to three digits), both ways: a reply may write a stored E.164
    number without its country code, and staff may have stored it as written."""
    a, b = _digits(written), _digits(stored)
    if min(len(a), len(b)) < PHONE_MIN:
        return False
    short, long = sorted((a, b), key=len)
    return a == b or (long.endswith(short) and len(long) - len(short) <= 3)


def _phone_spans(text: str) -> list[tuple[int, int, str]]:
    """Every run of digit groups inside a phone-like stretch that could be one number: a
    number next to another ("ORD-1002 917 555 0110") is still found."""
    spans = []
    for match in PHONE.finditer(text):
        groups = list(DIGIT_GROUP.finditer(match.group(0)))
        for i in range(len(groups)):
            for j in range(i, len(groups)):
                digits = "".join(g.group(0) for g in groups[i : j + 1])
                if len(digits) > PHONE_MAX:
                    break
                if len(digits) >= PHONE_MIN:
                    start = match.start() + groups[i].start()
                    head = text[match.start() : start]
                    # Keep the "+1 (" written before the first group with the number.
                    start -= len(head) - len(head.rstrip("+( ")) if i == 0 else 0
                    spans.append(
                        (start, match.start() + groups[j].end(), text[start : match.start() + groups[j].end()])
                    )
    return spans


def _name_pattern(name: str) -> re.Pattern | None:
    tokens = TOKEN.findall(name)
    if not tokens:
        return None
    return re.compile(r"\b" + r"[\W_]+".join(map(re.escape, tokens)) + r"\b", re.IGNORECASE)


def _address_pattern(value: str) -> re.Pattern | None:
    tokens = TOKEN.findall(str(value))
    if not tokens:
        return None
    parts = []
    for token in tokens:
        spellings = SPELLINGS.get(token.lower(), (token,))
        parts.append("(?:" + "|".join(re.escape(s) for s in spellings) + r")\.?")
    return re.compile(r"(?<![\w])" + r"[\s,.#-]*".join(parts) + r"(?![\w])", re.IGNORECASE)


def _address_key(address: dict) -> tuple[str, str]:
    return squash(str(address.get("line1", ""))), squash(str(address.get("postal_code", ""))).replace(" ", "")


def _address_blocks(text: str, address: dict) -> list[tuple[int, int]]:
    """Where ``address`` is written in ``text``: its street line, or its postal code with its
    city, with the parts written next to them (on one line or several)."""
    spans = []
    for part in ADDRESS_PARTS:
        pattern = _address_pattern(address.get(part) or "")
        if pattern is not None:
            spans += [(m.start(), m.end(), part) for m in pattern.finditer(text)]
    spans.sort()
    blocks: list[list] = []
    for start, end, part in spans:
        if (
            blocks
            and start <= blocks[-1][1] + 8
            and ADDRESS_GAP.fullmatch(text[blocks[-1][1] : max(start, blocks[-1][1])])
        ):
            blocks[-1][1] = max(blocks[-1][1], end)
            blocks[-1][2].add(part)
        else:
            blocks.append([start, end, {part}])
    return [(s, e) for s, e, parts in blocks if "line1" in parts or {"postal_code", "city"} <= parts]


def _replace(text: str, spans: list[tuple[int, int]], mark: str) -> str:
    """``text`` with each span (overlapping ones joined) replaced by ``mark``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + mark + text[end:]
    return text


def _orders(found: Found, *, tenant_id: int, customer_id: int | None, allowed_text: str) -> list[dict]:
    """Other customers' orders and addresses: hidden. Returns the other customers' orders the
    text names, for their names."""
    text = found.text
    numbers = set(ORDER_NUMBER.findall(text))
    postals = {m.group(0).upper() for m in POSTAL.finditer(text)}
    tokens = text.split()
    postals |= {a.upper() + b.upper() for a, b in itertools.pairwise(tokens) if len(a + b) <= 10}
    houses = {f"{m.group(1)} {m.group(2)}" for m in HOUSE.finditer(text)}
    if not (numbers or postals or houses):
        return []
    postal = Upper(Replace(KeyTextTransform("postal_code", "shipping_address"), Value(" "), Value(""),
                           output_field=TextField()))  # fmt: skip
    condition = Q(number__in=numbers) | Q(postal__in=postals)
    for house in sorted(houses)[:20]:
        condition |= Q(shipping_address__line1__istartswith=house)
    rows = list(
        Order.objects.for_tenant(tenant_id)
        .annotate(postal=postal)
        .filter(condition)
        .values("number", "customer_id", "customer__name", "shipping_address")[:200]
    )
    own = {_address_key(r["shipping_address"] or {}) for r in rows if r["customer_id"] == customer_id}
    allowed_numbers = set(ORDER_NUMBER.findall(allowed_text))
    allowed = squash(allowed_text)
    named = [r for r in rows if r["customer_id"] != customer_id and r["number"] in numbers]
    spans = []
    for row in rows:
        address = row["shipping_address"] if isinstance(row["shipping_address"], dict) else {}
        if row["customer_id"] == customer_id or not address or _address_key(address) in own:
            continue
        for start, end in _address_blocks(text, address):
            if squash(text[start:end]) not in allowed:
                spans.append((start, end))
    if spans:
        text = _replace(text, spans, "[address hidden]")
        found.flags.add("output_address_redacted")
    for number in {r["number"] for r in named} - allowed_numbers:
        text = text.replace(number, "[another order]")
        found.flags.add("output_other_customer_order")
    found.text = text
    return named


def _joined_names(found: Found, named_orders: list[dict], *, own_name: str, allowed_text: str) -> None:
    """A first or last name in the same sentence as that customer's order ("Priya's ORD-1004")."""
    allowed, own = set(squash(allowed_text).split()), set(squash(own_name).split())
    spans = []
    text = found.text
    for order in named_orders:
        names = {order["customer__name"] or "", (order["shipping_address"] or {}).get("name") or ""}
        parts = {p for name in names for p in squash(name).split() if len(p) >= 3} - own - allowed
        for start, end in sentences(text):
            sentence = text[start:end]
            if order["number"] not in sentence and "[another order]" not in sentence:
                continue
            for part in parts:
                spans += [(start + m.start(), start + m.end()) for m in _name_pattern(part).finditer(sentence)]
    if spans:
        found.text = _replace(text, spans, "[name hidden]")
        found.flags.add("output_name_redacted")


def _customers(found: Found, *, tenant_id: int, customer, allowed_text: str) -> None:
    """Other customers' full names and phone numbers: hidden."""
    text = found.text
    tokens = [t.lower() for t in TOKEN.findall(text)]
    ngrams = {" ".join(tokens[i : i + n]) for n in NAME_WORDS for i in range(len(tokens) - n + 1)}
    phones = _phone_spans(text)
    endings = {re.sub(r"\D", "", p)[-PHONE_MIN:] for _, _, p in phones}
    if not (ngrams or endings):
        return
    name_key = Func(
        Lower("name"), Value(r"[^[:alnum:]]+"), Value(" "), Value("g"), function="regexp_replace",
        output_field=TextField(),
    )  # fmt: skip
    phone_digits = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace",
                        output_field=CharField())  # fmt: skip
    condition = Q(name_key__in=ngrams)
    for ending in endings:
        condition |= Q(phone_digits__endswith=ending)
    name_key = Func(name_key, function="btrim", output_field=TextField())
    others = Customer.objects.for_tenant(tenant_id).annotate(name_key=name_key, phone_digits=phone_digits)
    if customer is not None:
        others = others.exclude(pk=customer.pk)
    rows = list(others.filter(condition).values("name", "phone")[:50])
    if not rows:
        return
    own_name, own_phone = squash(customer.name) if customer else "", customer.phone if customer else ""
    allowed, allowed_digits = squash(allowed_text), {re.sub(r"\D", "", p) for _, _, p in _phone_spans(allowed_text)}
    name_spans, phone_spans = [], []
    for row in rows:
        name = squash(row["name"])
        pattern = _name_pattern(row["name"])
        if pattern is not None and len(name.split()) >= 2 and name != own_name and f" {name} " not in f" {allowed} ":
            name_spans += [m.span() for m in pattern.finditer(text)]
        if row["phone"] and not (own_phone and same_phone(row["phone"], own_phone)):
            for start, end, written in phones:
                if same_phone(written, row["phone"]) and re.sub(r"\D", "", written) not in allowed_digits:
                    phone_spans.append((start, end))
    # Phones first: both lists hold places in the same text, so hide them in one pass.
    marks = [(s, e, "[phone hidden]") for s, e in phone_spans] + [(s, e, "[name hidden]") for s, e in name_spans]
    for mark in ("[phone hidden]", "[name hidden]"):
        if any(m == mark for _, _, m in marks):
            found.flags.add("output_phone_redacted" if mark == "[phone hidden]" else "output_name_redacted")
    found.text = _replace_marked(text, marks)


def _replace_marked(text: str, marks: list[tuple[int, int, str]]) -> str:
    merged: list[list] = []
    for start, end, mark in sorted(marks):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, mark])
    for start, end, mark in reversed(merged):
        text = text[:start] + mark + text[end:]
    return text


def _emails(found: Found, *, customer, allowed_text: str, instructions: str) -> None:
    """Any email but the shopper's own, one of this turn's text, or the store's own (its
    instructions may give a contact address)."""
    allowed = {m.group(0).lower() for m in EMAIL.finditer(f"{allowed_text}\n{instructions}")}
    if customer is not None and customer.email:
        allowed.add(customer.email.lower())

    def redact(match: re.Match) -> str:
        if match.group(0).lower() in allowed:
            return match.group(0)
        found.flags.add("output_email_redacted")
        return "[email hidden]"

    found.text = EMAIL.sub(redact, found.text)


def hide_personal_data(text: str, *, tenant_id: int, customer, allowed_text: str, instructions: str) -> Found:
    found = Found(text)
    _emails(found, customer=customer, allowed_text=allowed_text, instructions=instructions)
    customer_id = customer.pk if customer is not None else None
    named = _orders(found, tenant_id=tenant_id, customer_id=customer_id, allowed_text=allowed_text)
    _joined_names(found, named, own_name=customer.name if customer else "", allowed_text=allowed_text)
    _customers(found, tenant_id=tenant_id, customer=customer, allowed_text=allowed_text)
    return found
