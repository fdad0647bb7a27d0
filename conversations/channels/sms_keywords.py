"""Carrier opt-out keywords. Twilio (and the carriers behind it) act on a text that is only
STOP, CANCEL, UNSUBSCRIBE... before we see it: the number is blocked for our replies (error
21610) until the shopper texts START. So such a text is stored for staff and never answered,
and replies to an opted-out shopper are not sent. HELP is left to the agent: on a helpdesk,
help is what it gives (Twilio may also send its own short HELP reply)."""

import string

from django.db import transaction

from conversations.models import Channel, Conversation, Customer, Message

# Twilio's default opt-out and opt-in keywords; YES is one of Twilio's opt-in words but is also
# the shopper's "yes" to a proposed refund, so it stays a message for the agent.
OPT_OUT = {"stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
OPT_IN = {"start", "unstop"}


def sms_keyword(body: str, opt_out_type: str = "") -> str:
    """ "stop" or "start" when the text is a carrier keyword (Twilio's OptOutType, when its
    Advanced Opt-Out is on, or the whole text being one of the words), else ""."""
    kind = opt_out_type.strip().lower()
    if kind in ("stop", "start"):
        return kind
    word = " ".join(body.strip(string.punctuation + string.whitespace).lower().split())
    return "stop" if word in OPT_OUT else "start" if word in OPT_IN else ""


def sms_opted_out(customer: Customer) -> bool:
    """The shopper's last keyword text was an opt-out."""
    last = (
        Message.objects.filter(
            conversation__customer=customer,
            channel=Channel.SMS,
            direction=Message.Direction.INBOUND,
            metadata__sms_keyword__in=["stop", "start"],
        )
        .order_by("-id")
        .values_list("metadata__sms_keyword", flat=True)
        .first()
    )
    return last == "stop"


def keyword_settle(message: Message) -> None:
    """A keyword text needs no answer: the turn's high-water mark moves past it, so neither the
    turn nor the straggler sweep answers it, unless the shopper's earlier words still wait for
    an answer (the turn that answers them takes this one along)."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
        waiting = Message.objects.filter(
            conversation=conversation, direction=Message.Direction.INBOUND,
            pk__gt=conversation.answered_through_id, pk__lt=message.pk,
        ).exists()  # fmt: skip
        if not waiting and conversation.answered_through_id < message.pk:
            conversation.answered_through_id = message.pk
            conversation.save(update_fields=["answered_through_id", "updated_at"])
