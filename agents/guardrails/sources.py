"""What a reply may repeat: the shopper's words this turn and what this turn's tools returned,
but not what the model put into those tools.

Several tools echo their arguments ("No order ORD-1003 was found"), so a model could launder
another customer's email, a piece of its instructions or a claim ("I cancelled ORD-1003" as an
order number) through a tool and then repeat it as the tool's words. Every string the model
supplied in a call's arguments (nested ones too) is therefore cut out of that call's result
before the result counts, case-insensitively and in the normal form of both."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agents.guardrails.normal import normal_text
from agents.guardrails.text import squash

MIN_ARGUMENT = 3  # shorter strings ("ok", "CA") are not worth hiding and are everywhere
# What stands where a model's argument was: a word of its own, so text on either side of it is
# not joined into a phrase, a name or a shingle the tool never wrote.
PLACEHOLDER = " modelargument "


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def _supplied(arguments: Any) -> list[str]:
    return [s for s in {normal_text(s).strip() for s in _strings(arguments)} if len(s) >= MIN_ARGUMENT]


def _pattern(supplied: Iterable[str]) -> re.Pattern | None:
    supplied = sorted(set(supplied), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, supplied)), re.IGNORECASE) if supplied else None


@dataclass(frozen=True)
class Sources:
    shopper: str
    tools: str  # the tool results, normal form, each model argument replaced by PLACEHOLDER
    supplied: re.Pattern | None  # every argument of every call
    tool_words: str  # ``tools`` squashed

    @classmethod
    def of(cls, calls: Sequence, shopper_text: str = "") -> "Sources":
        parts, everything = [], []
        for _name, arguments, _status, data in calls:
            supplied = _supplied(arguments)
            everything += supplied
            pattern = _pattern(supplied)
            for value in _strings(data):
                value = normal_text(value)
                parts.append(pattern.sub(PLACEHOLDER, value) if pattern is not None else value)
        tools = "\n".join(parts)
        return cls(normal_text(shopper_text or ""), tools, _pattern(everything), squash(tools))

    @property
    def allowed(self) -> str:
        return f"{self.shopper}\n{self.tools}"

    def masked(self, text: str) -> str:
        """``text`` with what the model supplied to a tool put as the tools' text has it."""
        text = normal_text(text)
        return self.supplied.sub(PLACEHOLDER, text) if self.supplied is not None else text

    def said_by_tool(self, text: str) -> bool:
        """Whether a tool wrote ``text`` this turn, in words of its own (not the model's)."""
        words = squash(self.masked(text))
        return len(words) > 12 and words in self.tool_words
