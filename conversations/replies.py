"""A person's reply to a shopper, on the conversation's channel or by email or SMS: delivered
and retried like the AI's (``message_reply_create``), and never sent blindly over a reply
that came meanwhile from someone else."""

from django.db import transaction

from conversations.models import CannedReply, Channel, Conversation, Message
from conversations.ownership import answering_staff_check, conversation_take_over
from conversations.placeholders import placeholder_errors, placeholders_fill
from conversations.services import followup_send, message_reply_create, message_text_clean
from supportdesk.errors import ApplicationError, Conflict


@transaction.atomic
def staff_reply_send(
    *, conversation: Conversation, actor, body: str, channel: str | None = None, seen_message_id: int | None = None,
    force: bool = False,
) -> Message:  # fmt: skip
    """Send ``body`` as ``actor``. Replying to a conversation the AI handles takes it over (the
    AI stops, as with the take-over button). ``seen_message_id``: the newest message the person
    saw; a reply someone else (a colleague, the AI) sent after it holds this one back with a
    ``replied_meanwhile`` conflict naming them, unless ``force``."""
    answering_staff_check(user=actor, tenant_id=conversation.tenant_id)
    text = message_text_clean(body)
    channel = channel or conversation.channel
    if channel not in (conversation.channel, Channel.EMAIL, Channel.SMS):
        raise ApplicationError("Reply on this conversation's channel, or by email or SMS.", code="invalid_channel")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk, tenant_id=conversation.tenant_id)
    if seen_message_id is not None and not force:
        outbound = Message.objects.filter(conversation=conversation, direction=Message.Direction.OUTBOUND)
        newer = (
            outbound.filter(pk__gt=seen_message_id)
            .exclude(sender_user=actor)
            .select_related("sender_user")
            .order_by("id")
        )
        replied = list(newer[:5])
        if replied:
            who = sorted({m.sender_user.get_username() if m.sender_user_id else m.get_sender_kind_display()
                          for m in replied})  # fmt: skip
            raise Conflict(
                f"{', '.join(who)} replied while you were writing: read it, then send yours again.",
                code="replied_meanwhile", extra={"replied": [m.pk for m in replied], "by": who},
            )  # fmt: skip
    if conversation.handled_by == Conversation.HandledBy.AI:
        conversation = conversation_take_over(conversation=conversation, actor=actor)
    if channel == conversation.channel:
        return message_reply_create(
            conversation=conversation, body=text, sender_kind=Message.SenderKind.STAFF, sender_user=actor
        )
    return followup_send(conversation=conversation, channel=channel, body=text, sender_user=actor)


# What a canned reply may say: the customer's, the order's (the dashboard passes the order
# the conversation is about; conversations does not read orders), the person's, the store's.
CANNED_PLACEHOLDERS = (
    "customer_name", "customer_first_name", "customer_email", "order_number", "order_status", "tracking_number",
    "carrier", "agent_name", "store_name",
)  # fmt: skip


def canned_reply_fill(*, canned: CannedReply, conversation: Conversation, actor, order=None) -> str:
    """``canned``'s text for this conversation, to edit before sending: a fact it does not
    know (no order, no name) is left empty."""
    customer = conversation.customer
    values = {
        "customer_name": customer.name, "customer_first_name": (customer.name or "").split(" ")[0],
        "customer_email": customer.email, "agent_name": actor.get_full_name() or actor.get_username(),
        "store_name": conversation.tenant.name,
    }  # fmt: skip
    if order is not None:
        values.update(order_number=order.number, order_status=order.get_status_display(),
                      tracking_number=order.tracking_number, carrier=order.carrier)  # fmt: skip
    if placeholder_errors(canned.body, CANNED_PLACEHOLDERS):
        return canned.body  # saved before the rules: staff see it as written
    return placeholders_fill(canned.body, values)
