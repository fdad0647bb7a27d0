"""When to run the agent's turn after a shopper's message: the debounced batch window."""

from datetime import timedelta

from django.utils import timezone

from conversations.models import Conversation, Message


def turn_schedule(message: Message, *, flush: bool = False) -> None:
    """Queue ``run_turn`` for when the batch window would close if nothing else arrives: quiet
    for the tenant's window after this message, and no later than the maximum wait after the
    oldest unanswered message. Earlier tasks that wake inside the window find it still open and
    leave the work to the newest one. ``flush`` runs it now (the shopper stopped typing)."""
    from agents.tasks import run_turn

    conversation = Conversation.objects.select_related("tenant").get(pk=message.conversation_id)
    if conversation.handled_by == Conversation.HandledBy.HUMAN:
        return
    countdown = 0.0
    if not flush:
        first = (
            Message.objects.filter(
                conversation=conversation, direction=Message.Direction.INBOUND, pk__gt=conversation.answered_through_id
            )
            .order_by("id")
            .first()
        ) or message
        countdown = window_remaining(conversation.tenant, [first, message])
    run_turn.apply_async((conversation.pk,), {"flush": flush}, countdown=countdown)


def turn_flush(conversation_id: int) -> None:
    """The shopper stopped typing: answer now what is waiting, if anything is."""
    conversation = Conversation.objects.filter(pk=conversation_id, handled_by=Conversation.HandledBy.AI).first()
    if conversation is None:
        return
    waiting = (
        Message.objects.filter(
            conversation=conversation, direction=Message.Direction.INBOUND, pk__gt=conversation.answered_through_id
        )
        .order_by("-id")
        .first()
    )
    if waiting is not None:
        turn_schedule(waiting, flush=True)


def window_remaining(tenant, messages: list[Message], now=None) -> float:
    """Seconds until the batch window closes: quiet for batch_window_ms after the newest
    message, or batch_max_wait_ms after the oldest unanswered one, whichever comes first."""
    now = now or timezone.now()
    quiet_until = messages[-1].created_at + timedelta(milliseconds=tenant.batch_window_ms)
    latest = messages[0].created_at + timedelta(milliseconds=tenant.batch_max_wait_ms)
    return max(0.0, (min(quiet_until, latest) - now).total_seconds())
