import json
import time
from functools import lru_cache

from pydantic import ValidationError

from agents.tools.action_tools import CancelOrder, CreateReturnLabel, ProcessRefund, UpdateOrderStatus
from agents.tools.base import Tool, ToolContext, ToolResult
from agents.tools.handoff_tools import EscalateToHuman, SaveCustomerInfo, SendFollowup
from agents.tools.read_tools import CheckInventory, ListOrders, LookupOrder, SearchKnowledgeBase
from agents.tools.recommend_tools import RecommendProducts
from supportdesk.errors import ApplicationError

TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        LookupOrder(),
        ListOrders(),
        CheckInventory(),
        RecommendProducts(),
        SearchKnowledgeBase(),
        CancelOrder(),
        ProcessRefund(),
        CreateReturnLabel(),
        UpdateOrderStatus(),
        SaveCustomerInfo(),
        EscalateToHuman(),
        SendFollowup(),
    )
}


def openai_tool_specs(names: list[str] | None = None) -> list[dict]:
    """The tools' JSON schemas in the OpenAI "tools" format, for the names a profile allows."""
    return [dict(spec) for spec in _specs(tuple(names) if names is not None else None)]


@lru_cache(maxsize=64)
def _specs(names: tuple[str, ...] | None) -> tuple[dict, ...]:
    # Building a JSON schema from a pydantic model costs about a millisecond: once per tool set.
    chosen = [TOOLS[n] for n in names if n in TOOLS] if names is not None else list(TOOLS.values())
    return tuple(
        {"type": "function", "function": {"name": t.name, "description": t.description,
                                          "parameters": t.Arguments.model_json_schema()}}
        for t in chosen
    )  # fmt: skip


def execute(context: ToolContext, name: str, arguments: str | dict | None) -> ToolResult:
    started = time.perf_counter()

    def done(status: str, data: dict, proof: dict | None = None) -> ToolResult:
        return ToolResult(status, data, int((time.perf_counter() - started) * 1000), proof)

    tool = TOOLS.get(name)
    if tool is None:
        return done("error", {"message": f"Unknown tool {name!r}. Available: {', '.join(sorted(TOOLS))}."})
    allowed = context.profile.allowed_tools if context.profile is not None else None
    if allowed is not None and name not in allowed:
        return done("denied", {"message": f"The {name} tool is not available to this agent."})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            return done("error", {"message": f"The arguments are not valid JSON: {exc.msg}."})
        except RecursionError:
            return done("error", {"message": "The arguments are nested too deeply."})
    if not isinstance(arguments, dict):
        return done("error", {"message": "The arguments must be a JSON object."})
    try:
        parsed = tool.Arguments.model_validate(arguments)
    except ValidationError as exc:
        # A few problems say what is wrong; thousands (a flood of unknown fields) say nothing more.
        problems = [f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()[:10]]
        return done("error", {"message": "Invalid arguments.", "problems": problems})
    try:
        result = tool.run(context, parsed)
    except ApplicationError as exc:
        return done("error", {"message": exc.message, "code": exc.code})
    return done(result.status, result.data, result.proof)
