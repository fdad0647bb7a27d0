"""Output may not show another customer's personal data of the same store: their emails, phone
numbers, street addresses (on one line or several), their names, or their orders, however they
are written ("ord-1004", "#1004", "order number 1004"; see ``contacts`` and ``addresses`` for
the rest). The current shopper's own data may be shown, and so may anything the shopper wrote or
a tool returned this turn (the tools have checked who may see it). Each leak is hidden in place.

The text is put in its normal form once (``normal``, numbers written as words read as digits by
``spoken``); what is found there is hidden in the text as written. Two queries at most (``lookups``), each
within the tenant, and only for what the text could be: the orders its order numbers, postal
codes, house numbers and street names point at, and the customers its phone-like numbers, runs
of two to four words, spelled-out emails, names given as an order's owner (``owners``) and
names beside the cities their orders went to could name."""

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from agents.guardrails import contacts, lookups
from agents.guardrails.addresses import (
    STREET_KINDS,
    address_blocks,
    address_key,
    house_numbers,
    street_of,
    street_pairs,
)
from agents.guardrails.normal import Normal, joined, normal, normal_text
from agents.guardrails.owners import owner_spans
from agents.guardrails.spoken import spoken
from agents.guardrails.text import order_refs, sentences, squash

POSTAL = re.compile(r"\b(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{3,10}\b")
TOKEN = re.compile(r"[^\W_]+")
ANOTHER_ORDER = "[another order]"


@dataclass
class Found:
    text: str
    flags: set[str] = field(default_factory=set)


@dataclass
class _Check:
    """One check of one text: its normal form, what may be shown, and what is to be hidden
    (places in the normal form, each with its mark and flag)."""

    view: Normal
    customer: object
    allowed: str  # normal form
    store_words: frozenset[str] = frozenset()  # the instructions' words: a persona's name is the store's
    marks: list[tuple[int, int, str, str]] = field(default_factory=list)
    # Addresses cut short of their ending (start, end, key prefix): hidden if a customer's starts so.
    cut_emails: list[tuple[int, int, str]] = field(default_factory=list)

    def __post_init__(self):
        self.allowed_words = squash(self.allowed)
        self.allowed_refs = order_refs(self.allowed)

    def hide(self, start: int, end: int, mark: str, flag: str) -> None:
        self.marks.append((start, end, mark, flag))

    def result(self) -> Found:
        found, text = Found(self.view.original), self.view.original
        merged: list[list] = []
        for start, end, mark, flag in sorted(self.marks):
            found.flags.add(flag)
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end, mark])
        for start, end, mark in reversed(merged):
            start, end = self.view.span(start, end)
            text = text[:start] + mark + text[end:]
        found.text = text
        return found


@lru_cache(maxsize=64)
def _store_words(instructions: str) -> frozenset[str]:
    return frozenset(squash(normal_text(instructions)).split())


@lru_cache(maxsize=64)
def _store_emails(instructions: str) -> frozenset[str]:
    return frozenset(address for *_, address, _ in contacts.emails(normal_text(instructions)))


def _emails(check: _Check, instructions: str) -> list[tuple[int, int, str]]:
    """Emails written with "@" that are not the shopper's, this turn's or the store's own (its
    instructions may give a contact address): hidden. Returns the spelled-out ones (start, end,
    ``contacts.email_key``), for the customer query."""
    written = contacts.emails(check.view.text)
    cut = contacts.cut_emails(check.view.text, [(s, e) for s, e, *_ in written])
    if cut:  # the shopper's own, this turn's, or the store's: not another customer's
        mine = {address for *_, address, _ in contacts.emails(check.allowed)} | _store_emails(instructions)
        if check.customer is not None and check.customer.email:
            mine.add(check.customer.email.lower())
        keys = {contacts.email_key(address) for address in mine}
        check.cut_emails = [one for one in cut if not any(key.startswith(one[2]) for key in keys)]
    if not written:
        return []
    allowed = {address for *_, address, _ in contacts.emails(check.allowed)} | _store_emails(instructions)
    if check.customer is not None and check.customer.email:
        allowed.add(check.customer.email.lower())
    allowed_keys = {contacts.email_key(address) for address in allowed}
    spelled = []
    for start, end, address, is_spelled in written:
        if address in allowed:
            continue
        if is_spelled:
            found = contacts.spelled_out(check.view.text, start, end, address)
            spelled += [one for one in found if one[2] not in allowed_keys]
        else:
            check.hide(start, end, "[email hidden]", "output_email_redacted")
    return spelled


def _beside_numbers(text: str) -> set[str]:
    """The first letters of the words just before and after each number: where a street's name
    may be written beside its house number ("1820 Market", "Market St 1820")."""
    tokens = TOKEN.findall(text)
    found = set()
    for i, token in enumerate(tokens):
        if token[0].isdigit():
            found |= {t[0].lower() for t in tokens[max(0, i - 2) : i + 2] if t[0].isalpha()}
    return found


def _orders(check: _Check, *, tenant_id: int) -> list[tuple[dict, list]]:
    """Other customers' orders and addresses: hidden. Returns the other customers' orders the
    text names, with where, for their names."""
    text = check.view.text
    refs = order_refs(text)
    postals = {m.group(0).upper() for m in POSTAL.finditer(text)}
    # A code in two parts: "SW1A 1AA", and a split one ("94 102", "94-102").
    tokens = re.findall(r"[^\W_]+", text)
    postals |= {a.upper() + b.upper() for a, b in itertools.pairwise(tokens) if len(a + b) <= 10}
    houses = house_numbers(text)
    streets = _street_names(text)
    if not (refs or postals or houses or streets):
        return []
    rows = lookups.order_rows(
        tenant_id, digits={r.digits for r in refs}, postals=postals, houses=houses, initials=_beside_numbers(text),
        streets=streets,
    )  # fmt: skip
    customer_id = check.customer.pk if check.customer is not None else None
    mine = [r["shipping_address"] or {} for r in rows if r["customer_id"] == customer_id]
    own = {address_key(address) for address in mine}
    # The shopper's own street and postal code are theirs to see, whoever else lives there.
    own_streets = {squash(street_of(str(address.get("line1") or ""))) for address in mine} - {""}
    own_postals = {address_key(address)[1] for address in mine} - {""}
    named = []
    for row in rows:
        if row["customer_id"] == customer_id:
            continue
        written = [r for r in refs if r.same(row["number"])]
        if written:
            named.append((row, written))
        address = row["shipping_address"] if isinstance(row["shipping_address"], dict) else {}
        if not address or address_key(address) in own:
            continue
        folded = {key: normal_text(str(value)) for key, value in address.items() if value and key != "street"}
        street = street_of(str(address.get("line1") or ""))
        if street and squash(street) not in own_streets:
            folded["street"] = normal_text(street)
        if address_key(address)[1] in own_postals:
            folded.pop("postal_code", None)
        for start, end in address_blocks(text, folded):
            if squash(text[start:end]) not in check.allowed_words:
                check.hide(start, end, "[address hidden]", "output_address_redacted")
    for row, written in named:
        if any(a.same(row["number"]) for a in check.allowed_refs):
            continue
        for ref in written:
            check.hide(ref.start, ref.end, ANOTHER_ORDER, "output_other_customer_order")
    return named


def _street_names(text: str) -> set[str]:
    """The two-word runs of ``text`` that may be a street without its house number: a street
    word second ("Market St") or both written as names ("Via Roma"); most replies have none, and
    then the query is not made for them."""
    found = set()
    for pair in street_pairs(text):
        last = pair.split()[1]
        if last in STREET_KINDS:
            found.add(pair)
    for a, b in re.findall(r"(?=\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b)", text):
        found |= street_pairs(f"{a} {b}")
    return found


def _name_parts(check: _Check, names) -> re.Pattern | None:
    """A pattern for the first and last names in ``names`` that are neither the shopper's nor
    written by the shopper, a tool or the store's instructions."""
    allowed = set(check.allowed_words.split())
    own = set(squash(normal_text(check.customer.name)).split()) if check.customer is not None else set()
    parts = {p for name in names for p in squash(normal_text(name or "")).split() if len(p) >= 3}
    parts -= own | allowed | check.store_words
    if not parts:
        return None
    return re.compile(r"\b(" + "|".join(map(re.escape, sorted(parts))) + r")\b", re.IGNORECASE)


def _joined_names(check: _Check, named: list[tuple[dict, list]]) -> None:
    """A first or last name in the same sentence as that customer's order ("Priya's ORD-1004"),
    or in the sentence before or after it ("ORD-1005 is someone else's. It belongs to Priya.")."""
    text = check.view.text
    spans = sentences(text)
    for row, written in named:
        pattern = _name_parts(check, {row["customer_name"], (row["shipping_address"] or {}).get("name")})
        if pattern is None:
            continue
        near = set()
        for index, (start, end) in enumerate(spans):
            if any(start <= ref.start < end for ref in written):
                near |= {i for i in (index - 1, index, index + 1) if 0 <= i < len(spans)}
        for start, end in (spans[i] for i in sorted(near)):
            for match in pattern.finditer(text, start, end):
                check.hide(match.start(), match.end(), "[name hidden]", "output_name_redacted")


def _placed_names(check: _Check, row: dict) -> None:
    """A first or last name in the same sentence as the city that customer's orders went to
    ("Shah from San Francisco")."""
    pattern = _name_parts(check, {row["name"]})
    if pattern is None:
        return
    text = check.view.text
    for start, end in sentences(text):
        said = f" {squash(text[start:end])} "
        if any(f" {place} " in said for place in row["places"] if place):
            for match in pattern.finditer(text, start, end):
                if match.group(0)[0].isupper():  # written as a name: "the best price" names nobody
                    check.hide(match.start(), match.end(), "[name hidden]", "output_name_redacted")


def _owner_names(check: _Check, row: dict, owners: list[tuple[int, int, str]]) -> None:
    """A first or last name of ``row``'s customer given as an order's owner ("it belongs to
    Priya")."""
    pattern = _name_parts(check, {row["name"]})
    for start, end, word in owners if pattern is not None else ():
        if pattern.fullmatch(word):
            check.hide(start, end, "[name hidden]", "output_name_redacted")


# Letters of another script among Latin ones in one word ("P\u0443iya"): read as any letter, for a
# name (its keys with each such letter, one at a time, as each of a to z).
MIXED_WORD = re.compile(r"[^\W\d_]*[a-z][^\W\d_]*", re.IGNORECASE)
LOOK_ALIKE_KEYS = 2000


def _look_alike_keys(view: Normal, full: list[contacts.NameSpan]) -> list[contacts.NameSpan]:
    """More keys of the name runs in ``full`` that hold a letter written in another script inside a
    Latin word: that letter read as each Latin one."""
    if view.original.isascii():
        return []
    foreign = set()
    for match in MIXED_WORD.finditer(view.text):
        for i in range(match.start(), match.end()):
            written = view.original[view.starts[i] : view.ends[i]]
            if len(written) == 1 and not written.isascii() and not unicodedata.name(written, "").startswith("LATIN"):
                foreign.add(i)
    found = []
    for span in full if foreign else ():
        tokens = list(TOKEN.finditer(view.text, span.start, span.end))
        words = [t.group(0).lower() for t in tokens]
        if " ".join(words) != span.key:  # written last name first: keys in the order written only
            continue
        offset = 0
        for token in tokens:
            for i in range(token.start(), token.end()):
                if i in foreign:
                    at = offset + i - token.start()
                    found += [contacts.NameSpan(span.start, span.end, span.key[:at] + letter + span.key[at + 1 :])
                              for letter in "abcdefghijklmnopqrstuvwxyz"]  # fmt: skip
            offset += len(token.group(0)) + 1
        if len(found) > LOOK_ALIKE_KEYS:
            break
    return found[:LOOK_ALIKE_KEYS]


def _customers(check: _Check, *, tenant_id: int, spelled_emails: list[tuple[int, int, str]]) -> None:
    """Other customers' full names (or initial and last name), phone numbers and spelled-out
    emails: hidden."""
    text = check.view.text
    full, initials = contacts.name_spans(text)
    full += _look_alike_keys(check.view, full)
    phones = contacts.phone_spans(text)
    endings = {re.sub(r"\D", "", p)[-contacts.PHONE_MIN :] for _, _, p in phones}
    cut = check.cut_emails
    owners = owner_spans(text)
    if not (full or initials or endings or spelled_emails or cut or owners):
        return
    words = [w.lower() for w in TOKEN.findall(text)]
    places = {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    rows = lookups.customer_rows(
        tenant_id, exclude=check.customer.pk if check.customer is not None else None,
        names={s.key for s in full}, initials={s.key for s in initials}, endings=endings,
        addresses={key for *_, key in spelled_emails}, words={w for w in words if len(w) >= 3 and w.isalpha()},
        places=places, address_starts={start for *_, start in cut}, owners={word for *_, word in owners},
    )  # fmt: skip
    if not rows:
        return
    customer = check.customer
    own_name = squash(normal_text(customer.name)) if customer else ""
    own_phone = customer.phone if customer else ""
    allowed = f" {check.allowed_words} "
    allowed_digits = {re.sub(r"\D", "", p) for _, _, p in contacts.phone_spans(check.allowed)}
    for row in rows:
        key = row["name_key"] or ""
        if len(key.split()) >= 2 and key != own_name and f" {key} " not in allowed:
            parts = key.split()
            shortened = {f"{parts[0][0]} {parts[-1]}", f"{parts[0]} {parts[-1][0]}"}  # "P. Shah", "Priya S."
            for span in full:
                if span.key in (key, key.replace(" ", "")):
                    check.hide(span.start, span.end, "[name hidden]", "output_name_redacted")
            for span in initials:
                if span.key in shortened and f" {span.key} " not in allowed:
                    check.hide(span.start, span.end, "[name hidden]", "output_name_redacted")
        if row["phone"] and not (own_phone and contacts.same_phone(row["phone"], own_phone)):
            for start, end, written in phones:
                if contacts.shows_phone(written, row["phone"]) and re.sub(r"\D", "", written) not in allowed_digits:
                    check.hide(start, end, "[phone hidden]", "output_phone_redacted")
        if row.get("places"):
            _placed_names(check, row)
        _owner_names(check, row, owners)
        if row["email"]:
            key = contacts.email_key(row["email"])
            for start, end, _ in (s for s in spelled_emails if s[2] == key):
                check.hide(start, end, "[email hidden]", "output_email_redacted")
            for start, end, _ in (c for c in cut if key.startswith(c[2])):
                check.hide(start, end, "[email hidden]", "output_email_redacted")


def hide_personal_data(text: str, *, tenant_id: int, customer, allowed_text: str, instructions: str) -> Found:
    allowed = spoken(joined(normal(allowed_text))).text
    check = _Check(spoken(joined(normal(text))), customer, allowed, _store_words(instructions))
    spelled = _emails(check, instructions)
    named = _orders(check, tenant_id=tenant_id)
    _joined_names(check, named)
    _customers(check, tenant_id=tenant_id, spelled_emails=spelled)
    return check.result()
