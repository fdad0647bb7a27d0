"""Input: text that tries to steer the agent ("ignore your instructions") is kept as the
shopper's words and flagged on the run; it is never obeyed because nothing obeys text: tools
check ownership, money limits and confirmations themselves."""

import re

INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompts?|guidelines|polic(y|ies))\b"
    r"|\b(system|developer|hidden) (prompt|message|instructions?)\b"
    r"|\byou are now\b|\bdeveloper mode\b|\bjailbreak\b|\bDAN mode\b|\bact as (an? )?(admin|developer|system)\b"
    r"|\b(reveal|print|show|repeat)\b.{0,30}\b(prompt|instructions)\b"
    r"|\brefund (everything|all( orders)?|every order)\b",
    re.IGNORECASE | re.DOTALL,
)


def input_flags(text: str) -> list[str]:
    return ["prompt_injection_suspected"] if INJECTION.search(text or "") else []
