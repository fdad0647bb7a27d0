"""The tool loop with an LLM: ask, run the tools it calls, give back the results, until it
answers in words or runs out of steps. A supervisor may consult specialists as tools."""

import json
from collections.abc import Callable

from django.conf import settings

from agents.engine.context import Turn, llm_messages
from agents.models import AgentProfile
from agents.providers import router
from agents.tools import openai_tool_specs

ASK_SPECIALIST = "ask_specialist"


class OutOfSteps(Exception):
    """The profile's step limit was reached without a reply."""


def _specialists(turn: Turn) -> dict[str, AgentProfile]:
    return {p.name: p for p in turn.profiles if p.active and p.role == AgentProfile.Role.SPECIALIST}


def _ask_specialist_spec(specialists: dict[str, AgentProfile]) -> dict:
    return {
        "type": "function",
        "function": {
            "name": ASK_SPECIALIST,
            "description": "Hand the shopper's request to a specialist, who uses their own tools and answers. "
            + " ".join(f"{name}: {p.description}" for name, p in specialists.items()),
            "parameters": {
                "type": "object",
                "properties": {
                    "specialist": {"type": "string", "enum": sorted(specialists)},
                    "request": {"type": "string", "description": "What the specialist should answer or do."},
                },
                "required": ["specialist", "request"],
                "additionalProperties": False,
            },
        },
    }


def llm_reply(
    turn: Turn, profile: AgentProfile, *, request: str | None = None, on_text: Callable[[str], None] | None = None
) -> str:
    """The profile's reply to the turn (or to a supervisor's ``request``). ``on_text`` hears
    the shopper-facing text as it streams. Raises AllProvidersFailed when no LLM answers,
    OutOfSteps at the step limit."""
    messages = llm_messages(turn, profile)
    if request:
        messages.append({"role": "user", "content": f"[supervisor] {request}"})
    tools = openai_tool_specs(list(profile.allowed_tools))
    specialists = _specialists(turn) if profile.role == AgentProfile.Role.SUPERVISOR and not request else {}
    if specialists:
        tools.append(_ask_specialist_spec(specialists))
    previous = turn.context.profile
    turn.context.profile = profile
    try:
        for _ in range(profile.max_steps):
            options = {"on_text": on_text} if on_text is not None and not request else {}
            turn.recorder.llm_check()  # one budget for every model call of the turn
            response = router.complete(
                messages=messages, tools=tools or None, model=profile.model or None,
                deadline=turn.recorder.budget.deadline if turn.recorder.budget else None, **options,
            )  # fmt: skip
            turn.recorder.llm(response)
            if not response.tool_calls:
                return response.content.strip()
            messages.append(
                {
                    "role": "assistant",
                    "content": response.content or None,
                    "tool_calls": [
                        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                        for c in response.tool_calls
                    ],
                }
            )
            for index, call in enumerate(response.tool_calls):
                if index >= settings.AGENT_STEP_MAX_TOOL_CALLS:
                    # A fan-out of calls in one step: the first few run, the model hears why not the rest.
                    turn.flags.append("tool_fanout_capped")
                    content = json.dumps({"status": "error", "message": "Too many tool calls in one step; not run."})
                elif call.name == ASK_SPECIALIST and specialists:
                    content = _consult(turn, specialists, call.arguments)
                else:
                    result = turn.recorder.tool(turn.context, call.name, call.arguments)
                    content = json.dumps({"status": result.status, **result.data}, default=str)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
        raise OutOfSteps(f"{profile.name} used all {profile.max_steps} steps")
    finally:
        turn.context.profile = previous


def _consult(turn: Turn, specialists: dict[str, AgentProfile], arguments: str) -> str:
    try:
        parsed = json.loads(arguments or "{}")
        specialist = specialists[parsed["specialist"]]
        request = str(parsed["request"])[:2000]
    except (json.JSONDecodeError, KeyError, TypeError):
        return json.dumps({"status": "error", "message": f"Name one of: {', '.join(sorted(specialists))}."})
    try:
        answer = llm_reply(turn, specialist, request=request)
    except OutOfSteps:
        return json.dumps({"status": "error", "message": f"{specialist.name} could not finish."})
    return json.dumps({"status": "ok", "specialist": specialist.name, "answer": answer})
