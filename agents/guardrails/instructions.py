"""Output may not repeat the system or profile instructions, in any layout: numbered, bulleted,
re-wrapped, reordered or lightly paraphrased. Text is compared by shared word sequences
(shingles of content words), not by whole lines, so a change of layout or a word put in here
and there does not hide a copy; a reply that shares a phrase or one policy sentence with the
instructions (which also say what the store's policy is) does not look like one.

Nor do altered layouts hide a copy: a junk token put between every word ("You ~zz~ work ~zz~
for..."), the letters of each word spaced out ("Y o u  w o r k"), the words in reverse order.
Spaced-out letters are joined (and cut into the instructions' words where they ran together),
and the text is compared three ways: as written, keeping only the words the instructions use
(in order), and those backwards. Text in another language than the instructions' is not
compared: a translation of them is not found."""

import re
from functools import lru_cache

from agents.guardrails.normal import normal_text
from agents.guardrails.text import sentences, words

SHINGLE = 3
# Words that carry no meaning of their own: left out, a paraphrase that adds or drops them
# ("be friendly, brief, and exact") keeps its shingles; modal verbs turn "you can" into "I can".
_STOP_WORDS = (
    "a an the and or but of to for in on at by with from as into than then so if is are am was were be been being "
    "it its this that these those there here you your yours i me my we our us they them their he she his her "
    "can could will would shall should may might must do does did have has had just also very please"
)
STOP = frozenset(_STOP_WORDS.split())
# A copy: enough of the reply is instructions' word sequences, and they come from more than one
# of its sentences (or from one long one). Tuned on the demo stores' replies (tests/agents/test_output_guard.py).
COVERED_WORDS_ONE_SOURCE = 16
COVERED_WORDS_SEVERAL = 9
UNIT_SHARE = 0.6


def content_words(text: str) -> list[str]:
    kept = []
    for word in words(text):
        if word in STOP or (word.isdigit() and len(word) < 3):  # list numbers, small counts
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "orders" and "order" are one word here
        kept.append(word)
    return kept


def shingles(tokens: list[str]) -> list[tuple[str, ...]]:
    if 0 < len(tokens) < SHINGLE:
        return [tuple(tokens)]
    return [tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)]


@lru_cache(maxsize=64)
def _units(instructions: str) -> tuple[frozenset, ...]:
    """The shingles of each sentence or list item of the instructions."""
    units = {frozenset(shingles(content_words(instructions[a:b]))) for a, b in sentences(instructions)}
    return tuple(unit for unit in units if unit and len(next(iter(unit))) == SHINGLE)


# Single letters one separator apart ("Y o u", "w-o-r-k"), three or more: one word spaced out.
SPACED_LETTERS = re.compile(r"(?<![^\W_])[^\W\d_](?:[ \t.\-_*~\u00b7][^\W\d_]){2,}(?![^\W_])")
LONGEST_WORD = 30


@lru_cache(maxsize=64)
def _vocabulary(instructions: str) -> frozenset[str]:
    return frozenset(words(instructions))


def _segment(letters: str, vocabulary: frozenset[str]) -> str:
    """Letters that ran together cut into the fewest words of ``vocabulary`` ("youworkfor" is
    "you work for"); as they were when they cannot be."""
    best: list[list[str] | None] = [[]] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - LONGEST_WORD), end):
            head = best[start]
            better = head is not None and (best[end] is None or len(head) + 1 < len(best[end]))
            if better and letters[start:end] in vocabulary:
                best[end] = [*head, letters[start:end]]
    return " ".join(best[-1]) if best[-1] else letters


def _unspaced(text: str, vocabulary: frozenset[str]) -> str:
    def join(match: re.Match) -> str:
        letters = re.sub(r"[^\w]", "", match.group(0)).lower()
        return letters if letters in vocabulary else _segment(letters, vocabulary)

    return SPACED_LETTERS.sub(join, text)


def _copies(tokens: list[str], units: tuple[frozenset, ...], known: frozenset, allowed: set) -> bool:
    if len(tokens) < SHINGLE:
        return False
    covered, matched = set(), set()
    for i, shingle in enumerate(shingles(tokens)):
        if shingle in known and shingle not in allowed:
            covered.update(range(i, i + SHINGLE))
            matched.add(shingle)
    if len(covered) < COVERED_WORDS_SEVERAL:
        return False
    hit = sum(1 for unit in units if len(unit & matched) >= UNIT_SHARE * len(unit))
    return len(covered) >= COVERED_WORDS_ONE_SOURCE or hit >= 2


def repeats_instructions(text: str, *, instructions: str, allowed_text: str = "") -> bool:
    """Whether ``text`` reproduces a meaningful part of ``instructions``. Word sequences the
    shopper wrote or a tool returned this turn do not count (a knowledge-base passage may say
    what the instructions say)."""
    units = _units(instructions)
    known = frozenset().union(*units)
    vocabulary = _vocabulary(instructions)
    tokens = content_words(_unspaced(normal_text(text), vocabulary))
    allowed_tokens = content_words(_unspaced(normal_text(allowed_text), vocabulary)) if allowed_text else []
    if _copies(tokens, units, known, set(shingles(allowed_tokens))):
        return True
    used = _content_vocabulary(instructions)
    kept = [t for t in tokens if t in used]
    if len(kept) < SHINGLE:
        return False
    allowed_kept = [t for t in allowed_tokens if t in used]
    allowed = set(shingles(allowed_kept)) | set(shingles(allowed_kept[::-1]))
    return _copies(kept, units, known, allowed) or _copies(kept[::-1], units, known, allowed)


@lru_cache(maxsize=64)
def _content_vocabulary(instructions: str) -> frozenset[str]:
    return frozenset(content_words(instructions))
