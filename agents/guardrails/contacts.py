"""Emails, phone numbers and names in a text (its normal form, ``normal``), however they are
written to slip past a pattern: "priya[at]example.com", "priya dot shah at example dot com",
"917/555/0110", "+1·917·555·0110", "917555O110" (a letter for a digit), "Shah, Priya", "P. Shah".

An email written with "@" (or "[at]") that is not allowed is hidden whatever it is; one spelled
out with "at" only when it is a customer's, as a phone or a name is."""

import re
from dataclasses import dataclass

from conversations.selectors import phone_normalise

# "at" and "dot" in English, Spanish, Italian, French and German ("arroba", "punto", "arobase",
# "point", "punkt"; "\u00e4t" is "at" once its accent is off).
_AT_WORD = r"(?:at|arroba|chiocciola|arobase|klammeraffe)"
_DOT = r"(?:\.|\s*[\[({<]\s*(?:dot|period|\.)\s*[\])}>]\s*|\s*[-_]dot[-_]\s*|\s+(?:dot|period)\s+)"
_LOCAL = rf"[\w+-]+(?:{_DOT}[\w+-]+)*"
# In a domain a dot may have spaces before it ("example .com"), and after it before a common
# ending ("example . com"; not "example.com. Company"); a dot of another language only before
# one ("example punto com"; "point", "punto" are words of prose too).
_TLD = r"(?:com|net|org|edu|gov|info|biz|io|co|me|us|uk|ca|de|fr|es|it|nl|au|in)\b"
_OTHER_DOT = r"(?:\s*[\[({<]\s*(?:punto|point|punkt)\s*[\])}>]\s*|\s+(?:punto|point|punkt)\s+)"
_DOMAIN_DOT = rf"(?:[ \t]*\.(?:[ \t]+(?={_TLD}))?|{_DOT}|{_OTHER_DOT}(?={_TLD}))"
_DOMAIN = rf"[\w-]+(?:{_DOMAIN_DOT}[\w-]+)*{_DOMAIN_DOT}[a-z]{{2,24}}"
EMAIL = re.compile(
    rf"(?<![\w.+-])({_LOCAL})(\s*@\s*|\s*[\[({{<]\s*(?:{_AT_WORD}|@)\s*[\])}}>]\s*|\s*[-_]{_AT_WORD}[-_]\s*)({_DOMAIN})"
    r"(?![\w-])",
    re.I,
)
# Spelled out, a comma may stand before the "at" ("priya, at example.com").
SPELLED_EMAIL = re.compile(rf"(?<![\w.+-])({_LOCAL})(\s*,?\s+{_AT_WORD}\s+)({_DOMAIN})(?![\w-])", re.IGNORECASE)
_DOT_SPLIT = re.compile(rf"{_OTHER_DOT}|{_DOT}", re.IGNORECASE)
MAY_BE_EMAIL = re.compile(rf"@|\b{_AT_WORD}\b|_{_AT_WORD}_", re.IGNORECASE)

# Digits in groups with the separators people type: "+1 (917) 555-0110", "917/555/0110".
# Dashes of prose, commas and other marks between the groups too: "917\u2013555\u20130110", "9,1,7,...";
# signs, arrows and line breaks ("917+555+0110", "917\u2192555\u21920110", one group a line or list item),
# backticks of code spans.
PHONE = re.compile(
    r"(?<![\w+])\+?\(?\d[\d \t\r\n().\-/_,;:|*~'`+&=#<>\u00b7\u2022\u2219\u2027\u22c5\u2010-\u2015\u2190-\u21ff"
    r"\u2794-\u27bf]{5,40}\d(?!\w)"
)
DIGIT_GROUP = re.compile(r"\d+")
# Letters that stand for digits inside a run of them: "917555O110", "9l7 555 0110".
LOOKALIKE_RUN = re.compile(r"[\dOoIl][\dOoIl \-./_\u00b7]*[\dOoIl]")
LOOKALIKES = str.maketrans("OoIl", "0011")
PHONE_MIN, PHONE_MAX = 7, 15
TOKEN = re.compile(r"[^\W_]+")
NAME_WORDS = (2, 3, 4)
# Accented letters as PostgreSQL folds them for the name comparison, as ``normal`` does.
ACCENTED = "ÁÀÂÄÃÅáàâäãåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñÇçÝýÿ"
UNACCENTED = "AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuNnCcYyy"


def email_of(match: re.Match) -> str:
    """The address an email match spells, as stored: "priya dot shah at example dot com" is
    "priya.shah@example.com"."""
    local, domain = (".".join(p.strip() for p in _DOT_SPLIT.split(match.group(i).strip())) for i in (1, 3))
    return f"{local}@{domain}".lower()


def emails(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, address, spelled) of each email in ``text``; spelled: written with "at"."""
    if not MAY_BE_EMAIL.search(text):
        return []
    found = [(m.start(), m.end(), email_of(m), False) for m in EMAIL.finditer(text)]
    taken = [(s, e) for s, e, *_ in found]
    for match in SPELLED_EMAIL.finditer(text):
        if not any(s < match.end() and match.start() < e for s, e in taken):
            found.append((match.start(), match.end(), email_of(match), True))
    return found


# An address cut short of its ending ("dw1987@example", or streamed as far as "dw1987@example."):
# an email only when a customer's starts so, which the customer query tells.
CUT_EMAIL = re.compile(
    r"(?<![\w.+-])([\w+-]+(?:\.[\w+-]+)*)\s*@\s*([a-z0-9][a-z0-9-]{1,62})(?![\w-]|\s*\.\s*[a-z0-9])", re.I
)
# Or of everything after its "@" ("priya@"): a customer's email when one starts with that name.
BARE_EMAIL = re.compile(r"(?<![\w.+-])([\w+-]+(?:\.[\w+-]+)*)\s*@(?![a-z0-9-])", re.I)


def cut_emails(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, key prefix) of each address with no ending outside ``taken``: the
    ``email_key`` a customer's email would start with ("dw1987@example.")."""
    if "@" not in text:
        return []
    found = [(m.start(), m.end(), email_key(f"{m.group(1)}@{m.group(2)}") + ".") for m in CUT_EMAIL.finditer(text)]
    found += [(m.start(), m.end(), email_key(f"{m.group(1)}@")) for m in BARE_EMAIL.finditer(text)]
    return [one for one in found if not any(s < one[1] and one[0] < e for s, e in taken)]


def email_key(address: str) -> str:
    """An email as compared with a spelled-out one: dots, dashes and underscores of its name
    left out ("priyashah at example.com" is priya.shah@example.com)."""
    local, _, domain = address.lower().partition("@")
    return re.sub(r"[._-]", "", local) + "@" + domain


def spelled_out(text: str, start: int, end: int, address: str) -> list[tuple[int, int, str]]:
    """(start, end, key) of an email spelled out with "at", and of it with the one or two words
    before it as part of its name ("priya shah at example dot com")."""
    found, key = [(start, end, email_key(address))], email_key(address)
    for count in (1, 2):
        before = re.search(rf"(?:[^\W_]+[ \t]+){{{count}}}$", text[:start])
        if before is None:
            break
        found.append((before.start(), end, "".join(TOKEN.findall(before.group(0))).lower() + key))
    return found


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


def shows_phone(written: str, stored: str) -> bool:
    """Whether ``written`` gives the stored phone away: the same number, or its last seven
    digits or more ("it ends in 555-0110")."""
    tail = re.sub(r"\D", "", written)
    return same_phone(written, stored) or (len(tail) >= PHONE_MIN and re.sub(r"\D", "", stored).endswith(tail))


def _digitised(text: str) -> str:
    """``text`` with look-alike letters read as digits where they sit among five or more digits
    (the same length, so places in it stay)."""

    def swap(match: re.Match) -> str:
        run = match.group(0)
        return run.translate(LOOKALIKES) if sum(c.isdigit() for c in run) >= 5 else run

    return LOOKALIKE_RUN.sub(swap, text)


def phone_spans(text: str) -> list[tuple[int, int, str]]:
    """Every run of digit groups inside a phone-like stretch that could be one number: a
    number next to another ("ORD-1002 917 555 0110") is still found."""
    text = _digitised(text)
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
                    end = match.start() + groups[j].end()
                    spans.append((start, end, text[start:end]))
    return spans


@dataclass(frozen=True)
class NameSpan:
    start: int
    end: int
    key: str  # as the customer's name is compared: "priya shah"; "p shah" for an initial


def _initial(token: re.Match, gap: str) -> bool:
    """Whether ``token`` is an initial: one letter, with a full stop or in upper case."""
    letter = token.group(0)
    return len(letter) == 1 and letter.isalpha() and (gap.strip().startswith(".") or letter.isupper())


def name_spans(text: str) -> tuple[list[NameSpan], list[NameSpan]]:
    """Runs of two to four words that could be a full name, in the order written or last name
    first ("Shah, Priya", "Shah Priya"), or run together ("PriyaShah"); and a name with an
    initial ("P. Shah", "Shah, P.": "p shah"; "Priya S.": "priya s")."""
    tokens = list(TOKEN.finditer(text))
    words = [t.group(0).lower() for t in tokens]
    full, initials = [], []
    for i in range(len(tokens)):
        if len(words[i]) >= 6 and words[i].isalpha():
            full.append(NameSpan(tokens[i].start(), tokens[i].end(), words[i]))  # "PriyaShah"
        for n in NAME_WORDS:
            if i + n > len(tokens):
                break
            start, end = tokens[i].start(), tokens[i + n - 1].end()
            full.append(NameSpan(start, end, " ".join(words[i : i + n])))
            # "Shah Priya" too: a surname first needs no comma between two words
            if n == 2 or (n <= 3 and "," in text[tokens[i].end() : tokens[i + 1].start()]):
                full.append(NameSpan(start, end, " ".join([*words[i + 1 : i + n], words[i]])))
        if i + 1 >= len(tokens) or text[tokens[i].end() : tokens[i + 1].start()].strip(" .,"):
            continue
        first, second = tokens[i], tokens[i + 1]
        gap, after = text[first.end() : second.start()], text[second.end() : second.end() + 1]
        if _initial(first, gap) and len(words[i + 1]) >= 2:
            initials.append(NameSpan(first.start(), second.end(), f"{words[i]} {words[i + 1]}"))  # "P. Shah"
        if _initial(second, after) and len(words[i]) >= 2:
            if "," in gap:
                initials.append(NameSpan(first.start(), second.end(), f"{words[i + 1]} {words[i]}"))  # "Shah, P."
            else:  # "Priya S.", or "Shah P."
                initials.append(NameSpan(first.start(), second.end(), f"{words[i]} {words[i + 1]}"))
                initials.append(NameSpan(first.start(), second.end(), f"{words[i + 1]} {words[i]}"))
    return full, initials
