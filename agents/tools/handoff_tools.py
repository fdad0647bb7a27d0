"""Tools about the shopper and the conversation itself: remember facts, hand off to a human,
follow up on another channel."""

from typing import Literal

from pydantic import Field

from agents.tools.base import Tool, ToolArguments, ToolContext, ToolResult
from conversations import identity
from conversations import services as conversation_services
from orders import selectors as order_selectors


class CustomerInfoArguments(ToolArguments):
    name: str | None = Field(default=None, max_length=200)
    issue_type: str | None = Field(default=None, max_length=100)
    severity: Literal["low", "medium", "high", "critical"] | None = None
    order_number: str | None = Field(default=None, max_length=32)


def _said(context: ToolContext, key: str, value: str) -> bool:
    conversation = context.conversation
    if conversation is None:
        return False
    if key == "order_number":
        return identity.shopper_typed(conversation=conversation, order_number=value)
    return identity.shopper_wrote(conversation=conversation, text=value)


class SaveCustomerInfo(Tool):
    name = "save_customer_info"
    description = "Remember facts the shopper gave: name, issue type, severity, order number."
    Arguments = CustomerInfoArguments

    def run(self, context: ToolContext, arguments: CustomerInfoArguments) -> ToolResult:
        if context.customer is None:
            return ToolResult("error", {"message": "There is no customer record for this conversation yet."})
        facts = arguments.model_dump(exclude_none=True)
        unsaid = [key for key in ("name", "order_number") if key in facts and not _said(context, key, facts[key])]
        if unsaid:
            # Who the shopper is, and which order, come from their own words, never the model's.
            return ToolResult("denied", {"message": f"The shopper has not said that {' or '.join(unsaid)} here."})
        if not facts:
            return ToolResult("error", {"message": "Nothing to save."})
        customer = conversation_services.customer_facts_save(
            tenant=context.tenant, customer=context.customer, facts=facts
        )
        return ToolResult("ok", {"saved": sorted(facts), "customer": customer.extracted_data})


class EscalateArguments(ToolArguments):
    reason: str = Field(min_length=3, max_length=500)
    priority: Literal["low", "normal", "high", "urgent"] = "high"
    order_number: str | None = Field(default=None, max_length=32)


def _own_order_number(context: ToolContext, number: str | None) -> str:
    """The order the ticket names, when it is the verified shopper's or one the shopper wrote
    about: staff act on what a ticket says, and a model's arguments may name anyone's order."""
    number = (number or "").strip().upper()
    if not number:
        return ""
    if context.verified and context.customer is not None:
        orders = order_selectors.order_list_for_customer(tenant=context.tenant, customer_id=context.customer.pk)
        if orders.filter(number__iexact=number).exists():
            return number
    conversation = context.conversation
    typed = conversation is not None and identity.shopper_typed(conversation=conversation, order_number=number)
    return number if typed else ""


class EscalateToHuman(Tool):
    name = "escalate_to_human"
    description = "Hand the conversation to the human support team with the reason; they answer here."
    Arguments = EscalateArguments

    def run(self, context: ToolContext, arguments: EscalateArguments) -> ToolResult:
        if context.customer is None:
            return ToolResult("error", {"message": "There is no customer record for this conversation yet."})
        ticket = conversation_services.ticket_escalate(
            tenant=context.tenant, customer=context.customer, conversation=context.conversation,
            reason=arguments.reason, priority=arguments.priority,
            order_number=_own_order_number(context, arguments.order_number),
        )  # fmt: skip
        return ToolResult(
            "ok",
            {"message": "I've passed this to our support team; a person will reply here as soon as they can.",
             "ticket_id": ticket.pk, "priority": ticket.priority},
        )  # fmt: skip


class FollowupArguments(ToolArguments):
    channel: Literal["email", "sms"]
    message: str = Field(min_length=1, max_length=1600)


class SendFollowup(Tool):
    name = "send_followup"
    description = "Send the shopper a message by email or SMS (to the address on file), e.g. a summary or a link."
    Arguments = FollowupArguments

    def run(self, context: ToolContext, arguments: FollowupArguments) -> ToolResult:
        if not (context.verified and context.customer is not None and context.conversation is not None):
            return ToolResult("needs_verification", {"message": "Follow-ups go only to a verified shopper."})
        if context.outbound_guard is None:
            return ToolResult("denied", {"message": "Follow-ups are sent only by the agent's turn."})
        body, _ = context.outbound_guard(arguments.message)
        subject, _ = context.outbound_guard(context.conversation.subject or "")
        if not body.strip():
            return ToolResult("error", {"message": "Nothing of that message may be sent."})
        # To the conversation's own customer (proven: conversations.identity), at the address on
        # file: never an address the model names.
        message = conversation_services.followup_send(
            conversation=context.conversation, channel=arguments.channel, body=body, subject=subject
        )
        return ToolResult("ok", {"message": f"Sent by {arguments.channel}.", "message_id": message.pk})
