"""Where a stored shipping address is written in a text: its street line (with or without its
house number), or its postal code, with the parts written next to them, on one line or several,
in the normal form (``normal``). The street line may come number first or last ("1820 Market
St", "Market St 1820"), its words spelled out or cut short ("Street", "St", "Mkt"), its unit
left off."""

import itertools
import re
from functools import lru_cache, partial

from agents.guardrails.normal import normal_text
from agents.guardrails.text import squash

TOKEN = re.compile(r"[^\W_]+")
HOUSE_NUMBER = re.compile(r"\d{1,6}[a-z]?", re.IGNORECASE)
# Spellings of the same street word: "214 Bedford Avenue" is "214 Bedford Ave".
STREET_WORDS = (
    ("st", "street", "str"), ("ave", "avenue", "av"), ("rd", "road"), ("blvd", "boulevard"), ("dr", "drive"),
    ("ln", "lane"), ("ct", "court"), ("pl", "place"), ("sq", "square"), ("pkwy", "parkway"), ("hwy", "highway"),
    ("apt", "apartment", "unit", "#"), ("ste", "suite"), ("fl", "floor"), ("n", "north"), ("s", "south"),
    ("e", "east"), ("w", "west"), ("ne", "northeast"), ("nw", "northwest"), ("se", "southeast"),
    ("sw", "southwest"),
)  # fmt: skip
SPELLINGS = {word: group for group in STREET_WORDS for word in group}
# The words that end a street's name ("Market St"): not a unit's or a direction's.
STREET_KINDS = frozenset(word for group in STREET_WORDS[:11] for word in group)
UNIT_WORDS = frozenset(("apt", "apartment", "unit", "ste", "suite", "fl", "floor"))
# "street" is the street line without its house number ("Market St"), when the caller gives it.
ADDRESS_PARTS = ("name", "line1", "street", "line2", "city", "region", "postal_code", "country")
ADDRESS_GAP = re.compile(r"[\s,.;:/-]{0,8}")  # what lies between the parts of one address
BETWEEN = r"[\s,.#-]*"


def _word(token: str, *, short: bool = False) -> str:
    """A stored word as it may be written: any spelling of a street word, or (``short``) cut
    short keeping its first letter and some of the rest in order ("Mkt" for "Market")."""
    lowered = token.lower()
    spellings = [re.escape(s) for s in SPELLINGS.get(lowered, (token,))]
    if short and lowered not in SPELLINGS and len(lowered) >= 4 and lowered.isalpha():
        spellings.append(rf"(?=[a-z]{{2}}){re.escape(lowered[0])}" + "".join(f"{re.escape(c)}?" for c in lowered[1:]))
    return "(?:" + "|".join(spellings) + r")\.?"


def _sequence(tokens: list[str], *, short: bool = False) -> str:
    return BETWEEN.join(_word(token, short=short) for token in tokens)


@lru_cache(maxsize=2048)
def part_pattern(part: str, value: str) -> re.Pattern | None:
    tokens = TOKEN.findall(normal_text(value))
    if not tokens:
        return None
    alternatives = [_sequence(tokens)]
    code = "".join(tokens)
    if part == "postal_code" and len(code) >= 5:  # also split anywhere: "94 102", "94-102", "9 4 1 0 2"
        alternatives.append(r"[\s.-]?".join(re.escape(c) for c in code))
    if part == "line1":
        seq = partial(_sequence, short=True)  # a street word may be cut short
        unit = next((i for i, t in enumerate(tokens) if i and t.lower() in UNIT_WORDS), len(tokens))
        street, rest = tokens[:unit], tokens[unit:]
        tail = rf"(?:{BETWEEN}{seq(rest)})?" if rest else ""
        alternatives = [seq(street) + tail]
        kinds = [t for t in street if t.lower() in SPELLINGS and t.lower() not in UNIT_WORDS]
        if len(street) >= 3 and HOUSE_NUMBER.fullmatch(street[0]) and street[-1] in kinds:
            # the street's kind left off, its name in full: "1820 Market" ("16 GB" is no "16 Gibson Ave")
            alternatives.append(_sequence(street[:-1]))
        if len(street) >= 2 and HOUSE_NUMBER.fullmatch(street[0]):  # also "Market St 1820, Apt 12"
            alternatives.append(seq(street[1:]) + BETWEEN + _word(street[0]) + tail)
        elif len(street) >= 2 and HOUSE_NUMBER.fullmatch(street[-1]):  # also "5 Calle Mayor"
            alternatives.append(_word(street[-1]) + BETWEEN + seq(street[:-1]) + tail)
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


def street_of(line1: str) -> str:
    """The street line without its house number and unit ("1820 Market St Apt 12" is "Market
    St"), when that leaves two words or more: one ("Broadway") names too many places."""
    tokens = TOKEN.findall(normal_text(line1))
    if len(tokens) < 3 or not HOUSE_NUMBER.fullmatch(tokens[0]):
        return ""
    unit = next((i for i, t in enumerate(tokens) if i and t.lower() in UNIT_WORDS), len(tokens))
    street = tokens[1:unit]
    return " ".join(street) if len(street) >= 2 else ""


def street_pairs(text: str) -> set[str]:
    """Each two words of ``text`` in a row, lower case, with each spelling of a street word
    ("Market Street" is also "market st"): what a stored street's first two words are compared
    with."""
    tokens = [t.lower() for t in TOKEN.findall(text)]
    pairs = set()
    for a, b in itertools.pairwise(tokens):
        if a.isdigit() or b.isdigit():
            continue
        pairs |= {f"{x} {y}" for x in SPELLINGS.get(a, (a,)) for y in SPELLINGS.get(b, (b,))}
    return pairs


def _postal_alone(text: str, start: int, end: int) -> bool:
    """A postal code written alone is one when it could be no other number: five characters or
    more, or letters in it ("94102", "SW1A 1AA"), and no price or part of a number ("$94102.00",
    "ORD-94102", "#94102")."""
    code = text[start:end]
    if len(code.replace(" ", "")) < 5 and not re.search(r"[a-z]", code, re.IGNORECASE):
        return False
    before = text[max(0, start - 2) : start]
    return not (re.search(r"([$\u20ac\u00a3]\s?|[-#/])$", before) or re.match(r"[.,]\d|[-/](?!\d{4}\b)\w", text[end:]))


def address_key(address: dict) -> tuple[str, str]:
    return squash(str(address.get("line1", ""))), squash(str(address.get("postal_code", ""))).replace(" ", "")


def address_blocks(text: str, address: dict) -> list[tuple[int, int]]:
    """Where ``address`` is written in ``text`` (a normal form): its street line, or its postal
    code with its city, with the parts written next to them."""
    spans = []
    for part in ADDRESS_PARTS:
        pattern = part_pattern(part, str(address.get(part) or ""))
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
    return [
        (s, e) for s, e, parts in blocks
        if parts & {"line1", "street"} or {"postal_code", "city"} <= parts
        or ("postal_code" in parts and _postal_alone(text, s, e))
    ]  # fmt: skip


def house_numbers(text: str, limit: int = 500) -> list[str]:
    """Numbers in ``text`` that could start a stored street line: those beside a word first
    ("1820 Market", "Market St 1820"), then any other."""
    beside, other = [], []
    for match in re.finditer(r"(?<![\w.,$€£-])\d{1,6}(?![\d.,]\d)", text):
        near = text[max(0, match.start() - 4) : match.end() + 4]
        (beside if re.search(r"[^\W\d_]{2}", near) else other).append(match.group(0))
    return list(dict.fromkeys(beside + other))[:limit]
