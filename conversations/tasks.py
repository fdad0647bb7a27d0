"""Celery tasks of the conversations app: thin, taking ids, idempotent."""

from celery import shared_task
from django.conf import settings

from conversations import delivery


@shared_task(bind=True, acks_late=True, max_retries=None, soft_time_limit=60, time_limit=90, ignore_result=True)
def deliver_message(self, message_id: int) -> str:
    """Send one outbound email or SMS. A failed try comes back with exponential backoff; after
    DELIVERY_MAX_RETRIES retries the message is recorded as failed. A message that is no longer
    pending (already sent by an earlier copy of this task) is left alone."""
    attempt = delivery.message_send(message_id=message_id, final=self.request.retries >= settings.DELIVERY_MAX_RETRIES)
    if attempt.retry:
        raise self.retry(countdown=delivery.retry_delay(self.request.retries))
    return attempt.status


@shared_task(ignore_result=True)
def deliver_stuck() -> int:
    """A safety net for sends whose task was lost (a broker restart between the commit and the
    queue): outbound email and SMS still pending long after they were written get their task
    again. The send locks the row and skips anything no longer pending, so a copy of a task
    that is merely slow sends nothing twice."""
    message_ids = delivery.messages_stuck()
    for message_id in message_ids:
        deliver_message.delay(message_id)
    return len(message_ids)


@shared_task(ignore_result=True)
def snoozed_wake() -> int:
    """Snoozed conversations whose time came open again (beat, every minute)."""
    from conversations.ownership import snoozed_wake as wake  # ownership imports services, which imports tasks

    return wake()
