"""Output may not repeat the system or profile instructions, in any layout: numbered, bulleted,
re-wrapped, reordered or lightly paraphrased. Text is compared by shared word sequences
(shingles of content words), not by whole lines, so a change of layout or a word put in here
and there does not hide a copy; a reply that shares a phrase or one policy sentence with the
instructions (which also say what the store's policy is) does not look like one."""

from functools import lru_cache

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


def repeats_instructions(text: str, *, instructions: str, allowed_text: str = "") -> bool:
    """Whether ``text`` reproduces a meaningful part of ``instructions``. Word sequences the
    shopper wrote or a tool returned this turn do not count (a knowledge-base passage may say
    what the instructions say)."""
    units = _units(instructions)
    tokens = content_words(text)
    if len(tokens) < SHINGLE:
        return False
    known = frozenset().union(*units)
    allowed = set(shingles(content_words(allowed_text))) if allowed_text else set()
    covered, matched = set(), set()
    for i, shingle in enumerate(shingles(tokens)):
        if shingle in known and shingle not in allowed:
            covered.update(range(i, i + SHINGLE))
            matched.add(shingle)
    if len(covered) < COVERED_WORDS_SEVERAL:
        return False
    hit = sum(1 for unit in units if len(unit & matched) >= UNIT_SHARE * len(unit))
    return len(covered) >= COVERED_WORDS_ONE_SOURCE or hit >= 2
