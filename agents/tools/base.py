from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from agents.models import AgentProfile
from conversations.models import Conversation, Customer
from tenants.models import Tenant


@dataclass
class ToolContext:
    """Who the agent acts for. ``verified`` comes from the channel (a signed widget token, a known
    email or phone) or from a tool that checked order number and email, never from what the
    shopper's text claims."""

    tenant: Tenant
    customer: Customer | None = None
    verified: bool = False
    conversation: Conversation | None = None
    profile: AgentProfile | None = None
    # Stable for one turn: tools derive idempotency keys from it, so a re-run turn acts once.
    turn_key: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    # The action the agent last proposed ({"tool", "arguments", "summary"}), and whether the
    # shopper's latest message is an explicit yes to it. The engine sets both from the
    # conversation; an acting tool runs only when they match what it is asked to do.
    pending_action: dict[str, Any] | None = None
    customer_confirmed: bool = False
    # Set only when a staff member runs the agent for themselves (agent assist): the staff-only
    # tools (update_order_status) check it, and act in that person's name.
    staff_user: Any = None
    # The output guard for text a tool sends in the agent's name (a follow-up's body and
    # subject): the engine sets it to the same checks its replies pass. It returns the text as
    # it may be sent ("" for nothing) and what it changed.
    outbound_guard: Callable[[str], tuple[str, list[str]]] | None = None


@dataclass(frozen=True)
class ToolResult:
    status: str  # one of agents.models.ToolCall.Status
    data: dict[str, Any]
    duration_ms: int = 0
    # What the shopper proved (an order number and its email they typed): the engine, not the
    # tool, hands the conversation to that customer (conversations.identity). Never shown to
    # the model.
    proof: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ToolArguments(BaseModel):
    # An argument the tool does not define (say "confirmed": true) is an error, not ignored.
    model_config = ConfigDict(extra="forbid")


class Tool:
    name: ClassVar[str]
    description: ClassVar[str]
    Arguments: ClassVar[type[BaseModel]]

    def run(self, context: ToolContext, arguments: BaseModel) -> ToolResult:
        raise NotImplementedError
