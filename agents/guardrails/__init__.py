"""Checks on what goes into and comes out of the agent, in code, whatever the model says.

Input (``input_flags``): text that tries to steer the agent is flagged and stays the shopper's
words (``injection``).

Output (``output_check`` for a reply, ``outbound_check`` for other text sent in the agent's
name): the model is untrusted, so every outbound word passes three checks:
- it does not repeat the system or profile instructions (``instructions``): the whole text is
  replaced;
- it claims no action that no tool result of this turn confirms (``claims``): the claiming
  sentences are replaced by what did happen;
- it shows no other customer's email, phone, address, name or order (``personal``): each is
  hidden in place.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.guardrails.claims import Evidence, unconfirmed_claims
from agents.guardrails.injection import INJECTION, input_flags
from agents.guardrails.instructions import repeats_instructions
from agents.guardrails.personal import hide_personal_data
from agents.guardrails.sources import Sources
from agents.guardrails.text import squash

__all__ = ["INJECTION", "OutputCheck", "ToolCallRecord", "input_flags", "outbound_check", "output_check"]

# One tool call of this turn: name, arguments, result status, result data.
ToolCallRecord = tuple[str, dict[str, Any], str, dict[str, Any]]


@dataclass
class OutputCheck:
    text: str
    flags: list[str] = field(default_factory=list)


def output_check(
    *,
    text: str,
    tenant_id: int,
    customer,
    instructions: str,
    calls: Sequence[ToolCallRecord],
    fallback: str,
    shopper_text: str = "",
    handed_off: bool = False,
    done_before: Callable[[], Sequence[ToolCallRecord]] | None = None,
    instead_of_claims: str | None = None,
) -> OutputCheck:
    """The reply as it may be sent, and what was changed in it.

    ``customer`` is the shopper the turn acts for (their own data may be shown); ``calls`` this
    turn's tool calls, whose results may be repeated and are the only proof an action happened;
    ``shopper_text`` the shopper's words this turn (what the model put into a tool does not
    count as the tool's: ``sources``); ``handed_off`` whether the engine itself
    passed the conversation to a person; ``fallback`` what to say instead of what may not be
    said (the last tool result's message); ``instead_of_claims`` what a claim's sentence gives way
    to, when not ``fallback`` ("" to leave it out). ``done_before`` gives the conversation's
    earlier turns' successful actions (asked only when the text claims an action): they ground a
    claim as this turn's do (what really happened may be said) but are not this turn's words to
    repeat."""
    sources = Sources.of(calls, shopper_text)
    if repeats_instructions(text, instructions=instructions, allowed_text=sources.allowed):
        text, flags = fallback, {"output_instructions_leak"}
    else:
        flags = set()

        def evidence() -> Evidence:
            return Evidence.of([*(done_before() if done_before else ()), *calls], escalated=handed_off)

        unconfirmed = unconfirmed_claims(text, evidence=evidence, sources=sources, asked=shopper_text)
        if unconfirmed:
            instead = fallback if instead_of_claims is None else instead_of_claims
            text = _without_claims(text, [span for span, _ in unconfirmed], instead) or fallback
            flags |= {f"output_unconfirmed_claim:{tool}" for _, tool in unconfirmed}
    # The fallback is checked too: it may be a tool's message that echoes the model's arguments.
    found = hide_personal_data(
        text, tenant_id=tenant_id, customer=customer, allowed_text=sources.allowed, instructions=instructions
    )
    return OutputCheck(found.text, sorted(flags | found.flags))


def outbound_check(
    *,
    text: str,
    tenant_id: int,
    customer,
    instructions: str,
    calls: Sequence[ToolCallRecord],
    shopper_text: str = "",
    handed_off: bool = False,
    done_before: Callable[[], Sequence[ToolCallRecord]] | None = None,
) -> OutputCheck:
    """The same checks on text that is not the reply (a follow-up's body by email or SMS, an
    email's subject): nothing is put in place of what may not be sent, so an empty text means
    there is nothing to send."""
    return output_check(
        text=text, tenant_id=tenant_id, customer=customer, instructions=instructions, calls=calls, fallback="",
        shopper_text=shopper_text, handed_off=handed_off, done_before=done_before,
    )  # fmt: skip


def _without_claims(text: str, spans: list[tuple[int, int]], fallback: str) -> str:
    """``text`` with the claiming sentences taken out and ``fallback`` said once in the first's
    place; only ``fallback`` when nothing worth sending is left."""
    kept, cursor = [], 0
    for number, (start, end) in enumerate(spans):
        kept.append(text[cursor:start])
        kept.append("\0" if number == 0 else "")
        cursor = end
    kept.append(text[cursor:])
    rest = "".join(kept)
    if not re.search(r"\w", rest.replace("\0", "")):
        return fallback
    if fallback and squash(fallback) in squash(rest):
        fallback = ""  # the reply already says what happened
    rest = rest.replace("\0", fallback)
    return re.sub(r"[ \t]{2,}", " ", rest).strip()
