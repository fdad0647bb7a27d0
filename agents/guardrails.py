"""Checks on what goes into and comes out of the agent, in code, whatever the model says.

Input: text that tries to steer the agent ("ignore your instructions") is kept as the
shopper's words and flagged on the run; it is never obeyed because nothing obeys text: tools
check ownership, money limits and confirmations themselves.

Output: a reply may not show another customer's orders or emails, repeat the system
instructions, or claim an action the tools did not confirm this turn.
"""

import re
from dataclasses import dataclass, field

from orders.models import Order

INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompts?|guidelines|polic(y|ies))\b"
    r"|\b(system|developer|hidden) (prompt|message|instructions?)\b"
    r"|\byou are now\b|\bdeveloper mode\b|\bjailbreak\b|\bDAN mode\b|\bact as (an? )?(admin|developer|system)\b"
    r"|\b(reveal|print|show|repeat)\b.{0,30}\b(prompt|instructions)\b"
    r"|\brefund (everything|all( orders)?|every order)\b",
    re.IGNORECASE | re.DOTALL,
)
ORDER_NUMBER = re.compile(r"\b[A-Z]{2,5}-\d{3,10}\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
# Claims of a finished action, and the tool whose success backs each.
CLAIMS = {
    "process_refund": re.compile(
        r"\b(i('ve| have)|we('ve| have))\s+(issued|processed|refunded|sent)\b.{0,40}\brefund|\bhas been refunded\b"
        r"|\brefund (has been|was|is) (issued|processed|approved|completed)\b|\bi('ve| have) refunded\b",
        re.IGNORECASE,
    ),
    "cancel_order": re.compile(
        r"\b(i('ve| have)|we('ve| have)) cancell?ed\b|\b(has been|is now|was) cancell?ed\b", re.IGNORECASE
    ),
    "create_return_label": re.compile(
        r"\b(i('ve| have)|we('ve| have)) (created|generated|sent)\b.{0,30}\blabel\b|\blabel (is ready|has been)\b",
        re.IGNORECASE,
    ),
}
# Order data the tools returned that backs a claim on its own ("ORD-1016 has been refunded").
GROUNDS = {
    "process_refund": re.compile(r'"(status": "refunded|refund_status": "processed)"'),
    "cancel_order": re.compile(r'"status": "cancelled"'),
}
MIN_LEAK_CHARS = 40


def input_flags(text: str) -> list[str]:
    return ["prompt_injection_suspected"] if INJECTION.search(text or "") else []


@dataclass
class OutputCheck:
    text: str
    flags: list[str] = field(default_factory=list)


def _instruction_lines(instructions: str) -> list[str]:
    return [line.strip() for line in instructions.splitlines() if len(line.strip()) >= MIN_LEAK_CHARS]


def output_check(
    *,
    text: str,
    tenant_id: int,
    customer_id: int | None,
    customer_email: str,
    instructions: str,
    succeeded_tools: set[str],
    fallback: str,
    allowed_text: str = "",
    tool_results: str = "",
) -> OutputCheck:
    """The reply as it may be sent, and what was changed in it. Order numbers and emails that
    appear in ``allowed_text`` (the shopper's own words, this turn's tool results) may be
    repeated; any other customer's are hidden."""
    flags: list[str] = []
    lowered = text.lower()
    if any(line.lower() in lowered for line in _instruction_lines(instructions)):
        return OutputCheck(fallback, ["output_instructions_leak"])
    for tool, claim in CLAIMS.items():
        grounded = tool in succeeded_tools or (tool in GROUNDS and GROUNDS[tool].search(tool_results))
        if not grounded and claim.search(text):
            return OutputCheck(fallback, [f"output_unconfirmed_claim:{tool}"])
    numbers = set(ORDER_NUMBER.findall(text)) - set(ORDER_NUMBER.findall(allowed_text))
    if numbers:
        foreign = set(
            Order.objects.filter(tenant_id=tenant_id, number__in=numbers)
            .exclude(customer_id=customer_id)
            .values_list("number", flat=True)
        )
        for number in foreign:
            text = text.replace(number, "[another order]")
        if foreign:
            flags.append("output_other_customer_order")
    allowed_emails = {m.group(0).lower() for m in EMAIL.finditer(allowed_text)}
    if customer_email:
        allowed_emails.add(customer_email.lower())

    def redact(match: re.Match) -> str:
        if match.group(0).lower() in allowed_emails:
            return match.group(0)
        flags.append("output_email_redacted")
        return "[email hidden]"

    text = EMAIL.sub(redact, text)
    return OutputCheck(text, sorted(set(flags)))
