"""What one turn may spend, whatever the model does: model calls, tokens and wall-clock time
for every call of the turn (triage, the supervisor, each specialist), tool calls, and acting
tools and follow-ups per turn and per conversation; and what the store may spend per day.

Past a model budget the turn stops asking the model and the offline agent answers; past a
tool cap the tool is not run and the model reads why."""

import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from agents.models import ToolCall
from agents.providers.base import AllProvidersFailed
from agents.tools import ToolResult
from tenants.models import Tenant
from tenants.selectors import llm_budget_left

ACTING_TOOLS = frozenset({"cancel_order", "process_refund", "create_return_label", "update_order_status"})
FOLLOWUP_TOOLS = frozenset({"send_followup"})
# An acting tool counts against the conversation's cap when it did something (or queued it).
DONE = ("ok", "needs_review")


class BudgetExhausted(AllProvidersFailed):
    """The turn (or the store's day) has no model budget left: the offline agent answers."""

    def __init__(self, message: str, flag: str) -> None:
        super().__init__(message)
        self.flag = flag


@dataclass
class TurnBudget:
    deadline: float
    max_llm_calls: int
    max_tokens: int
    tenant_tokens_left: int | None = None
    tenant_cost_left: Decimal | None = None
    llm_calls: int = 0
    tool_calls: int = 0
    tools_this_turn: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(cls, tenant: Tenant) -> "TurnBudget":
        tokens_left, cost_left = llm_budget_left(tenant=tenant)
        return cls(
            deadline=time.monotonic() + settings.AGENT_TURN_DEADLINE_SECONDS,
            max_llm_calls=settings.AGENT_TURN_MAX_LLM_CALLS,
            max_tokens=settings.AGENT_TURN_MAX_TOKENS,
            tenant_tokens_left=tokens_left,
            tenant_cost_left=cost_left,
        )

    def llm_check(self, *, tokens: int, cost: Decimal) -> None:
        """Before a model call, given what the turn has used: raise when it may not be made."""
        if self.tenant_tokens_left is not None and tokens >= self.tenant_tokens_left:
            raise BudgetExhausted("The store's daily LLM token budget is spent.", "tenant_llm_budget_exhausted")
        if self.tenant_cost_left is not None and cost >= self.tenant_cost_left:
            raise BudgetExhausted("The store's daily LLM cost budget is spent.", "tenant_llm_budget_exhausted")
        if self.llm_calls >= self.max_llm_calls:
            raise BudgetExhausted(f"The turn made its {self.max_llm_calls} model calls.", "turn_llm_calls_exhausted")
        if tokens >= self.max_tokens:
            raise BudgetExhausted(f"The turn used its {self.max_tokens} tokens.", "turn_tokens_exhausted")
        if time.monotonic() >= self.deadline:
            raise BudgetExhausted("The turn's deadline passed.", "turn_deadline")

    def llm_allowed(self, *, tokens: int, cost: Decimal) -> bool:
        try:
            self.llm_check(tokens=tokens, cost=cost)
        except BudgetExhausted:
            return False
        return True

    def tool_refusal(self, name: str, conversation_id: int | None) -> ToolResult | None:
        """Why the tool may not run now (a result for the model to read), or None. Counts the call."""
        self.tool_calls += 1
        if self.tool_calls > settings.AGENT_TURN_MAX_TOOL_CALLS:
            return _limit(f"This turn made {settings.AGENT_TURN_MAX_TOOL_CALLS} tool calls; answer with what you have.")
        caps = (
            (ACTING_TOOLS, settings.AGENT_TURN_MAX_ACTIONS, settings.AGENT_CONVERSATION_MAX_ACTIONS, "actions"),
            (FOLLOWUP_TOOLS, settings.AGENT_TURN_MAX_FOLLOWUPS, settings.AGENT_CONVERSATION_MAX_FOLLOWUPS, "followups"),
        )
        for tools, per_turn, per_conversation, what in caps:
            if name not in tools:
                continue
            used = sum(count for tool, count in self.tools_this_turn.items() if tool in tools)
            if used >= per_turn:
                return _limit(f"No more {what} in this turn: at most {per_turn}.")
            if conversation_id is not None and _done_in_conversation(conversation_id, tools) >= per_conversation:
                return _limit(f"This conversation has had its {per_conversation} {what}; a person can do more.")
        self.tools_this_turn[name] = self.tools_this_turn.get(name, 0) + 1
        return None


def _limit(message: str) -> ToolResult:
    return ToolResult("denied", {"message": message, "code": "limit_reached"})


def _done_in_conversation(conversation_id: int, tools: frozenset[str]) -> int:
    return ToolCall.objects.filter(run__conversation_id=conversation_id, tool__in=tools, status__in=DONE).count()
