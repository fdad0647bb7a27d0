"""One normal form of a text for matching, with the way back to the text as written.

A hostile model writes what it may not say so that it reads the same but matches nothing:
full-width letters, digits and at signs, zero-width or other invisible characters inside a
word, hyphens of other code points (a non-breaking one in "ORD-1004"), accents left off or put
on ("Sofia" for "Sofía"). The checks match the normal form (NFKC, no format characters, one hyphen, no accents)
and hide what they find in the text as written, through ``Normal.span``."""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Hyphens and minus signs that are not "-" (the dashes of prose, en and em, are kept: they
# separate clauses).
HYPHENS = frozenset("\u2010\u2011\u2012\u2043\u2212\ufe63\uff0d")


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    if ch in HYPHENS:
        return "-"
    if unicodedata.category(ch) == "Cf":
        return ""  # zero-width spaces and joiners, soft hyphens, direction marks
    if ch == "\u00a0":
        return " "
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", folded) if folded else ch


@dataclass(frozen=True)
class Normal:
    text: str
    starts: tuple[int, ...]  # for each character of ``text``, where it came from in the original
    ends: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span of the normal text's ``start:end``."""
        if start >= end:
            point = self.starts[start] if start < len(self.starts) else len(self.original)
            return point, point
        return self.starts[start], self.ends[end - 1]


def normal(text: str) -> Normal:
    if text.isascii():
        positions = tuple(range(len(text)))
        return Normal(text, positions, tuple(i + 1 for i in positions), text)
    chars, starts, ends = [], [], []
    for index, ch in enumerate(text):
        for out in _char(ch):
            chars.append(out)
            starts.append(index)
            ends.append(index + 1)
    return Normal("".join(chars), tuple(starts), tuple(ends), text)


def normal_text(text: str) -> str:
    return normal(text).text


# Letters or digits written one by one, a space or tab apart ("p r i y a", "2 0 0 2"), three or
# more: one word spaced out (words two spaces apart stay apart, as ``instructions`` reads them).
SPACED_OUT = re.compile(r"(?<![^\W_])[^\W_](?:[ \t][^\W_]){2,}(?![^\W_])")


def joined(view: Normal) -> Normal:
    """``view`` with each spaced-out word joined ("p r i y a  s h a h" is "priya shah"), places
    in it still pointing at the text as written."""
    if not SPACED_OUT.search(view.text):
        return view
    drop = set()
    for match in SPACED_OUT.finditer(view.text):
        drop.update(range(match.start() + 1, match.end(), 2))
    keep = [i for i in range(len(view.text)) if i not in drop]
    return Normal(
        "".join(view.text[i] for i in keep), tuple(view.starts[i] for i in keep), tuple(view.ends[i] for i in keep),
        view.original,
    )  # fmt: skip
