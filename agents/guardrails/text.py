"""Cutting text into the pieces the output checks reason about: sentences and normalised words."""

import re

# A sentence ends at . ! ? (or a run of them) before white space, or at a line break; list
# items and lines of an address are pieces of their own.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
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
