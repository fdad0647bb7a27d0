from datetime import timedelta

from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef
from django.utils import timezone

from conversations.models import Conversation, Message

GRACE = timedelta(minutes=1)


def conversations_waiting_too_long(limit: int = 500) -> list[int]:
    """AI-handled open conversations with an inbound message older than the tenant's maximum
    wait plus GRACE that no turn has answered."""
    now = timezone.now()
    late = Message.objects.filter(
        conversation=OuterRef("pk"),
        direction=Message.Direction.INBOUND,
        pk__gt=OuterRef("answered_through_id"),
        created_at__lt=now
        - GRACE
        - ExpressionWrapper(
            F("conversation__tenant__batch_max_wait_ms") * timedelta(milliseconds=1), output_field=DurationField()
        ),
    )
    return list(
        Conversation.objects.filter(handled_by=Conversation.HandledBy.AI, status__in=["open", "pending"])
        .filter(Exists(late))
        .values_list("pk", flat=True)[:limit]
    )
