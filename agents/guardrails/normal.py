"""One normal form of a text for matching, with the way back to the text as written.

A hostile model writes what it may not say so that it reads the same but matches nothing:
full-width letters, digits and at signs, zero-width or other invisible characters inside a
word, hyphens of other code points (a non-breaking one in "ORD-1004"), accents left off or put
on ("Sofia" for "Sofía"), digits of other scripts ("\u0669\u0661\u0667"), letters of other scripts that look
like Latin ones (a Cyrillic "\u0430" in "Priya Sh\u0430h"), an at sign as an HTML entity or percent-encoded
("priya&#64;example.com", "priya%40example.com"). The checks match the normal form (NFKC, no format
characters, one hyphen, no accents, ASCII digits, entities decoded, look-alikes read as Latin in a word
they make all Latin) and hide what they find in the text as written, through ``Normal.span``."""

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Hyphens and minus signs that are not "-" (the dashes of prose, en and em, are kept: they
# separate clauses).
HYPHENS = frozenset("\u2010\u2011\u2012\u2043\u2212\ufe63\uff0d")

# Letters of Cyrillic, Greek and Cherokee that look like Latin ones (after accents are taken off).
_LOOKALIKES = {
    "A": "\u0410\u0391\u13aa", "B": "\u0412\u0392\u13f4", "C": "\u0421\u03f9\u13df", "D": "\u13a0",
    "E": "\u0415\u0395\u13ac", "G": "\u050c\u13c0", "H": "\u041d\u0397\u13bb", "I": "\u0406\u04c0\u0399",
    "J": "\u0408\u037f\u13ab", "K": "\u041a\u039a\u13e6", "L": "\u13de", "M": "\u041c\u039c\u13b7",
    "N": "\u039d", "O": "\u041e\u039f", "P": "\u0420\u03a1\u13e2", "Q": "\u051a", "R": "\u13a1\u13d2",
    "S": "\u0405\u13da", "T": "\u0422\u03a4\u13a2", "V": "\u13d9", "W": "\u051c\u13b3", "X": "\u0425\u03a7",
    "Y": "\u04ae\u03a5\u13a9", "Z": "\u0396\u13c3",
    "a": "\u0430\u03b1", "b": "\u042c\u13cf", "c": "\u0441\u03f2", "d": "\u0501", "e": "\u0435",
    "h": "\u04bb\u13c2", "i": "\u0456\u03b9\u13a5", "j": "\u0458\u03f3", "k": "\u03ba", "l": "\u04cf",
    "n": "\u043f", "o": "\u043e\u03bf", "p": "\u0440\u03c1", "q": "\u051b", "r": "\u0433", "s": "\u0455",
    "u": "\u03c5", "v": "\u03bd", "w": "\u051d", "x": "\u0445\u03c7", "y": "\u0443",
}  # fmt: skip
LOOKALIKES = str.maketrans({ch: latin for latin, chars in _LOOKALIKES.items() for ch in chars})
LETTERS = re.compile(r"[^\W\d_]+")
# An HTML character reference, or a percent-encoded at sign, dot, plus, hyphen or underscore.
ENCODED = re.compile(r"&#\d{1,7};?|&#[xX][0-9a-fA-F]{1,6};?|&[A-Za-z][A-Za-z0-9]{1,31};|%(?:40|2[eEbBdD]|5[fF])")


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    digit = unicodedata.digit(ch, None)
    if digit is not None and not ch.isascii():
        return str(digit)  # "\u0669", "\u096f", "\u2788": 9
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


def _decoded(text: str) -> list[tuple[str, int, int]]:
    """Each character of ``text`` with where it came from, HTML references and percent-encoded
    marks read as what they stand for."""
    found, cursor = [], 0
    for match in ENCODED.finditer(text):
        written = match.group(0)
        out = chr(int(written[1:3], 16)) if written[0] == "%" else html.unescape(written)
        if out == written:
            continue
        found += [(ch, i, i + 1) for i, ch in enumerate(text[cursor : match.start()], cursor)]
        found += [(ch, match.start(), match.end()) for ch in out]
        cursor = match.end()
    return found + [(ch, i, i + 1) for i, ch in enumerate(text[cursor:], cursor)]


def _latin(word: str) -> bool:
    return all(ch.isascii() or unicodedata.name(ch, "").startswith("LATIN") for ch in word)


def normal(text: str) -> Normal:
    if text.isascii() and (("&" not in text and "%" not in text) or not ENCODED.search(text)):
        positions = tuple(range(len(text)))
        return Normal(text, positions, tuple(i + 1 for i in positions), text)
    chars, starts, ends = [], [], []
    for ch, start, end in _decoded(text):
        for out in _char(ch):
            chars.append(out)
            starts.append(start)
            ends.append(end)
    folded = "".join(chars)
    if not folded.isascii():  # a word that look-alikes make all Latin is read as Latin: "\u0420riya"
        words = [(m.start(), m.group(0).translate(LOOKALIKES)) for m in LETTERS.finditer(folded)]
        for start, word in words:
            if _latin(word):
                chars[start : start + len(word)] = word
        folded = "".join(chars)
    return Normal(folded, tuple(starts), tuple(ends), text)


def normal_text(text: str) -> str:
    return normal(text).text


# Letters or digits written one by one, a space or tab apart ("p r i y a", "2 0 0 2"), three or
# more: one word spaced out (words two spaces apart stay apart, as ``instructions`` reads them).
SPACED_OUT = re.compile(r"(?<![^\W_])[^\W_](?:[ \t][^\W_]){2,}(?![^\W_])")
# Or letters a hyphen, full stop or underscore apart ("P-r-i-y-a", "S.h.a.h"), the same one
# throughout, three or more; not in an email ("j.d.s@example.com").
SEPARATED = re.compile(r"(?<![\w@.-])[^\W\d_]([-._])[^\W\d_](?:\1[^\W\d_])+(?![\w@]|[-._][^\W_])")


def joined(view: Normal) -> Normal:
    """``view`` with each spaced-out or separated word joined ("p r i y a  s h a h", "p-r-i-y-a
    s-h-a-h" are "priya shah"), places
    in it still pointing at the text as written."""
    if not SPACED_OUT.search(view.text) and not SEPARATED.search(view.text):
        return view
    drop = set()
    for match in [*SPACED_OUT.finditer(view.text), *SEPARATED.finditer(view.text)]:
        drop.update(range(match.start() + 1, match.end(), 2))
    keep = [i for i in range(len(view.text)) if i not in drop]
    return Normal(
        "".join(view.text[i] for i in keep), tuple(view.starts[i] for i in keep), tuple(view.ends[i] for i in keep),
        view.original,
    )  # fmt: skip
