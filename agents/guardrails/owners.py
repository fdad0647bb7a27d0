"""Where a text ties a name to an order ("it belongs to Priya", "that's Priya's order", "placed by
Shah"): a first or last name alone names nobody until it is joined to an order, so only these
words are asked about (``lookups.customer_rows``) and, when they are another customer's name,
hidden."""

import re

_NAME = r"([^\W\d_][\w'-]*?)"  # one word, its possessive "'s" left out
OWNER = re.compile(
    r"\b(?:belongs?|belonged|belonging)\s+to\s+" + _NAME + r"\b"
    r"|\b(?:owned|placed|ordered|bought|purchased|paid for|made|submitted|registered)\s+by\s+" + _NAME + r"\b"
    r"|\b(?:in|under)\s+the\s+name\s+(?:of\s+)?" + _NAME + r"\b"
    r"|\b(?:owner|buyer|purchaser|customer|shopper|recipient|holder)(?:'s name)?\s+(?:is|was|:)\s+" + _NAME + r"\b"
    # "that's Priya's", "it is Priya's order", "Priya's order"
    r"|\b(?:is|was|it's|that's|they're|are)\s+" + _NAME + r"'s\b"
    r"|\b" + _NAME + r"'s\s+(?:order|purchase|package|parcel|shipment|account|delivery)\b"
    r"|\b" + _NAME + r"\s+(?:placed|ordered|bought|purchased|owns)\s+(?:it|that|this|(?:the|that|this) order)\b",
    re.IGNORECASE,
)


def owner_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-case word) of each name ``text`` gives as an order's owner."""
    found = []
    for match in OWNER.finditer(text.replace("\u2019", "'")):
        group = next(i for i in range(1, len(match.groups()) + 1) if match.group(i))
        word = match.group(group)
        if len(word) >= 3 and word.isalpha():
            found.append((match.start(group), match.end(group), word.lower()))
    return found
