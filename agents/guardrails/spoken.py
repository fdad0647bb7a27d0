"""Numbers written as words, read as digits: a hostile model spells out what it may not write
("nine one seven, five five five, oh one one oh", "order two thousand and two", "twenty oh
two"), so the personal-data checks read the digits it means. Digits one by one in English,
Spanish, French and German ("nueve uno siete", "neuf un sept", "neun eins sieben"), and English
numbers with tens, hundreds and thousands ("one thousand and one", "nineteen ninety-nine").

Words next to each other (a space or a hyphen apart) are one number; a comma, slash or full
stop between them keeps the groups apart, as digits are grouped in a phone number."""

import re

from agents.guardrails.normal import Normal

DIGITS = {
    **dict.fromkeys(("zero", "oh", "nought", "cero", "null"), 0),
    **dict.fromkeys(("one", "uno", "un", "une", "eins"), 1),
    **dict.fromkeys(("two", "dos", "deux", "zwei", "zwo"), 2),
    **dict.fromkeys(("three", "tres", "trois", "drei"), 3),
    **dict.fromkeys(("four", "cuatro", "quatre", "vier"), 4),
    **dict.fromkeys(("five", "cinco", "cinq", "funf"), 5),
    **dict.fromkeys(("six", "seis", "sechs"), 6),
    **dict.fromkeys(("seven", "siete", "sept", "sieben"), 7),
    **dict.fromkeys(("eight", "ocho", "huit", "acht"), 8),
    **dict.fromkeys(("nine", "nueve", "neuf", "neun"), 9),
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000}
REPEATS = {"double": 2, "triple": 3}
NUMBER_WORDS = {**DIGITS, **TEENS, **TENS, **SCALES}
_WORD = "|".join(sorted({*NUMBER_WORDS, *REPEATS}, key=len, reverse=True))
# A run of number words with what may stand between them; "and" only inside a number ("one
# thousand and one").
RUN = re.compile(rf"\b(?:{_WORD})(?:(?:[\s,/.-]+|\s+and\s+)(?:{_WORD}))*\b", re.IGNORECASE)
PIECE = re.compile(rf"\b(?:{_WORD}|and)\b|[,/.]", re.IGNORECASE)


def _digits(words: list[str]) -> str:
    """The digits a run of number words (lower case, "," for a group break) spells."""
    out: list[str] = []
    thousands, small, last = 0, None, ""  # the number being read, and what its last word was
    repeat = 1

    def flush():
        nonlocal thousands, small, last
        if small is not None or thousands:
            out.append(str(thousands + (small or 0)))
        thousands, small, last = 0, None, ""

    for word in words:
        if word in REPEATS:
            repeat = REPEATS[word]
            continue
        if word == "," or (word == "and" and last not in ("hundred", "thousand")):  # "one and two" are two
            flush()
            out.append(" ")
            continue
        if word == "and":
            continue
        if word in DIGITS:
            value = DIGITS[word]
            if repeat > 1:  # "double five"
                flush()
                out.append(str(value) * repeat)
            elif last in ("hundred", "thousand") or (last == "tens" and value):  # "twenty four", "one hundred five"
                small = (small or 0) + value
                last = "unit"
            else:  # digits one by one: "nine one seven", "twenty oh two"
                flush()
                small, last = value, "unit"
        elif word in TEENS or word in TENS:
            if last not in ("hundred", "thousand"):  # "nineteen ninety"
                flush()
            small = (small or 0) + (TEENS.get(word) or TENS[word])
            last = "tens" if word in TENS else "teen"
        elif word == "hundred":
            if last != "hundred":
                small = (small if small is not None and small < 100 else 1) * 100
            last = "hundred"
        else:  # thousand
            thousands += (small or 1) * 1000
            small, last = None, "thousand"
        repeat = 1
    flush()
    return "".join(out).strip()


def spoken(view: Normal) -> Normal:
    """``view`` with each run of number words read as digits, places in it still pointing at
    the text as written (each digit at the whole run)."""
    if not RUN.search(view.text):
        return view
    chars, starts, ends, cursor = [], [], [], 0
    for match in RUN.finditer(view.text):
        words = [p.lower() if p[0].isalpha() else "," for p in PIECE.findall(match.group(0))]
        if all(w in ("and", ",") for w in words):
            continue
        digits = re.sub(r" +", " ", _digits(words))
        for i in range(cursor, match.start()):
            chars.append(view.text[i])
            starts.append(view.starts[i])
            ends.append(view.ends[i])
        chars.extend(digits)
        starts.extend([view.starts[match.start()]] * len(digits))
        ends.extend([view.ends[match.end() - 1]] * len(digits))
        cursor = match.end()
    for i in range(cursor, len(view.text)):
        chars.append(view.text[i])
        starts.append(view.starts[i])
        ends.append(view.ends[i])
    return Normal("".join(chars), tuple(starts), tuple(ends), view.original)
