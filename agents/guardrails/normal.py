"""One normal form of a text for matching, with the way back to the text as written.

A hostile model writes what it may not say so that it reads the same but matches nothing:
full-width letters, digits and at signs, zero-width or other invisible characters inside a
word, hyphens of other code points (a non-breaking one in "ORD-1004"), accents left off or put
on ("Sofia" for "Sofía"). The checks match the normal form (NFKC, no format characters, one hyphen, no accents)
and hide what they find in the text as written, through ``Normal.span``."""

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
