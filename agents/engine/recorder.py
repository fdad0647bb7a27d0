"""Everything a turn does, recorded as it happens: tool calls as rows (so a crashed turn leaves
its trail), LLM usage summed into the run, and live events for staff and the widget."""

import json
import logging
from collections.abc import Callable
from decimal import Decimal

from agents.engine.budget import ACTING_TOOLS, FOLLOWUP_TOOLS, TurnBudget
from agents.models import AgentRun, ToolCall
from agents.providers.base import LLMResponse
from agents.providers.pricing import call_cost
from agents.tools import ToolContext, ToolResult, execute
from conversations import identity
from conversations.events import event_publish
from conversations.models import Conversation, Customer
from supportdesk.errors import ApplicationError

logger = logging.getLogger(__name__)


def _arguments_as_dict(arguments) -> dict:
    if isinstance(arguments, dict):
        return arguments
    try:
        parsed = json.loads(arguments or "{}")
    except (TypeError, ValueError, RecursionError):
        return {"_raw": str(arguments)[:2000]}
    return parsed if isinstance(parsed, dict) else {"_raw": str(arguments)[:2000]}


def _prove(context: ToolContext, proof: dict) -> None:
    """The shopper proved an order of another record (a visitor, a phone): the conversation is
    that customer's from now on, through the one service that switches it, which checks the
    proof again."""
    customer = Customer.objects.for_tenant(context.tenant).filter(pk=proof["customer_id"]).first()
    if customer is None or context.conversation is None:
        return
    try:
        identity.conversation_customer_switch(
            conversation=context.conversation, customer=customer, order_number=proof["order_number"],
            email=proof["email"],
        )  # fmt: skip
    except ApplicationError:
        logger.warning("a proof did not hold on conversation %s", context.conversation.pk)
        return
    context.customer, context.verified = customer, True


class TurnRecorder:
    def __init__(self, run: AgentRun, budget: TurnBudget | None = None) -> None:
        self.run = run
        self.budget = budget
        self.calls: list[tuple[str, dict, ToolResult]] = []
        self.tokens_in = 0
        self.tokens_out = 0
        self.cost = Decimal("0")
        self.stream_buffer, self.streamed, self.stream_blocked = "", 0, False

    def stream(self, delta: str, check: Callable[[str], bool]) -> None:
        """Push the reply as the model writes it, a sentence at a time, each sentence released
        only if the whole text so far passes ``check`` (the output guardrails). Once a check
        fails nothing more streams; the final message, checked in full, is what counts."""
        if self.stream_blocked:
            return
        self.stream_buffer += delta
        cut = max(self.stream_buffer.rfind(mark) for mark in (". ", "! ", "? ", "\n"))
        if cut < self.streamed:
            return
        candidate = self.stream_buffer[: cut + 1]
        if not check(candidate) or self._taken_from_us():
            self.stream_blocked = True
            return
        piece, self.streamed = candidate[self.streamed :], len(candidate)
        self.publish("reply.partial", {"run_id": self.run.pk, "delta": piece})

    def _taken_from_us(self) -> bool:
        """A person took the conversation over while this turn ran (not by the turn's own
        handoff): no more of its text may reach the shopper (its reply is discarded too)."""
        return "escalate_to_human" not in self.succeeded() and _taken_over(self.run.conversation_id)

    def publish(self, kind: str, data: dict) -> None:
        event_publish(tenant_id=self.run.tenant_id, conversation_id=self.run.conversation_id, kind=kind, data=data)

    def tool(self, context: ToolContext, name: str, arguments) -> ToolResult:
        refused = self.budget.tool_refusal(name, self.run.conversation_id) if self.budget is not None else None
        if refused is None and name in CHANGING_TOOLS and _taken_over(self.run.conversation_id):
            # A person took the conversation over while this turn ran: the AI does nothing more
            # in it (the turn's reply is discarded too: agents.engine.turn).
            refused = ToolResult("denied", {"message": "A person has taken this conversation over: do nothing "
                                            "more.", "code": "taken_over"})  # fmt: skip
        result = refused or execute(context, name, arguments)
        if result.proof is not None:
            _prove(context, result.proof)
        args = _arguments_as_dict(arguments)
        ToolCall.objects.create(
            tenant_id=self.run.tenant_id, run=self.run, tool=name[:64], arguments=args, result=result.data,
            status=result.status, duration_ms=result.duration_ms,
        )  # fmt: skip
        self.calls.append((name, args, result))
        self.publish("tool.called", {"run_id": self.run.pk, "tool": name, "status": result.status})
        return result

    def llm(self, response: LLMResponse) -> None:
        if self.budget is not None:
            self.budget.llm_calls += 1
        self.tokens_in += response.tokens_in
        self.tokens_out += response.tokens_out
        # Priced as the model asked for, or the one the server named when that costs more: a
        # server's word may not make a call free.
        self.cost += max(
            call_cost(model=model, tokens_in=response.tokens_in, tokens_out=response.tokens_out)
            for model in (response.requested_model, response.model)
        )
        self.run.provider, self.run.model = response.provider, response.model

    def llm_check(self) -> None:
        """Raise BudgetExhausted when the turn may make no further model call."""
        if self.budget is not None:
            self.budget.llm_check(tokens=self.tokens_in + self.tokens_out, cost=self.cost)

    def succeeded(self) -> set[str]:
        return {name for name, _, result in self.calls if result.status == "ok"}

    def last(self, *statuses: str) -> tuple[str, dict, ToolResult] | None:
        for call in reversed(self.calls):
            if not statuses or call[2].status in statuses:
                return call
        return None


# The tools that change something or speak to the shopper (the read tools only read).
CHANGING_TOOLS = ACTING_TOOLS | FOLLOWUP_TOOLS | {"escalate_to_human", "save_customer_info"}


def _taken_over(conversation_id: int) -> bool:
    return Conversation.objects.filter(pk=conversation_id, handled_by=Conversation.HandledBy.HUMAN).exists()
