"""Cutting text into the pieces the output checks reason about: sentences and normalised words."""

import re
from dataclasses import dataclass

# A sentence ends at . ! ? (or a run of them) before white space, or at a line break; list
# items and lines of an address are pieces of their own.
# Not after the abbreviations an order or a name is written with ("ord. 1001", "Mrs. Shah"); "no."
# ends a sentence ("the answer is no. Your refund...").
SENTENCE_END = re.compile(
    r"(?<!\bord\.)(?<!\bnr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bmrs\.)(?<!\bdr\.)(?<=[.!?])[\"')\]]*\s+|\n+",
    re.IGNORECASE,
)
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, the white space after it left out; together with the gaps
    they cover the text, so a sentence can be replaced in place."""
    spans, start = [], 0
    for mark in SENTENCE_END.finditer(text):
        if text[start : mark.start()].strip():
            spans.append((start, mark.start()))
        start = mark.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped ("shopper's" is "shoppers")."""
    return [w.replace("'", "").replace("’", "") for w in WORD.findall(text.lower())]


def squash(text: str) -> str:
    """Text compared loosely: lower case, one space between words, no punctuation."""
    return " ".join(words(text))


ORDER_NUMBER = re.compile(r"\b[A-Z]{2,5}-\d{3,10}\b")


# An order as people write it: "ORD-1001", "ord 1001", "ORD1001", "ORD 1001" with a dash, "#1001", "order
# 1001", "order number 1001", "pedido 1001", "commande n° 1001", "Bestellung Nr. 1001". Matched on
# the normal form of the text (``normal``), so other hyphens and full-width digits are found too.
_ORDER_WORD = r"(?:order|pedido|orden|commande|bestellung|auftrag)"
_NUMBER_WORD = r"(?:number|num\.?|no\.?|nr\.?|n[°º]|numero|nummer)"
# The order word may be followed by "is", "was" or a colon ("order: 1001", "Priya's order number is
# 1015"), a prefix by a dot, slash or colon ("Ord. 1001", "ORD/1001").
_IS = r"(?:(?:is|was|es|est|ist)\s+)?"
ORDER_REF = re.compile(
    rf"(?<![\w#-])(?:{_ORDER_WORD}(?:\s*:\s*|\s+){_IS}(?:{_NUMBER_WORD}(?:\s*:\s*|\s*){_IS})?#?\s?"
    r"|#\s?"
    r"|(?P<prefix>[A-Za-z]{2,5})(?:\s?[-\u2013\u2014_./:]\s?|\s)?#?)"
    r"(?P<digits>\d{3,10})(?![\w-]|[.,]\d|\s?(?:dollars?|usd|eur|euros?|gbp|pounds?|bucks)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class OrderRef:
    start: int
    end: int
    prefix: str  # upper case; "" when written without one ("#1001", "order 1001")
    digits: str
    canonical: bool  # written as order numbers are stored: "ORD-1001"

    def same(self, number: str) -> bool:
        """Whether this is the order numbered ``number`` (as stored, "ORD-1001")."""
        ref = order_ref(number)
        return ref is not None and ref.digits == self.digits and (not self.prefix or self.prefix == ref.prefix)


def order_refs(text: str) -> list[OrderRef]:
    found = []
    for match in ORDER_REF.finditer(text):
        prefix = (match.group("prefix") or "").upper()
        written = match.group(0)
        canonical = bool(prefix) and re.fullmatch(r"[A-Z]{2,5}-\d+", written) is not None
        found.append(OrderRef(match.start(), match.end(), prefix, match.group("digits"), canonical))
    return found


def order_ref(number: str) -> OrderRef | None:
    refs = order_refs(str(number).strip())
    return refs[0] if refs else None
