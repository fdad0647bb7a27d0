"""Sending outbound email and SMS messages, and recording how it went on the message.

Web replies reach the widget as live events and never come here. ``message_send`` is one try,
called by ``conversations.tasks.deliver_message``, which retries with backoff; the status moves
pending -> sent (-> delivered, from Twilio's callbacks), or failed after the last try or at
once when trying again cannot help."""

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conversations.channels import DeliveryFailed, plain_text
from conversations.channels.email_outbound import email_send
from conversations.channels.sms import TWILIO_STATUSES, sms_send
from conversations.channels.sms_keywords import sms_opted_out
from conversations.models import Channel, DeliveryStatus, Message
from conversations.selectors import message_get_by_provider_id
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# A status only moves forward: a late "sent" callback never undoes "delivered".
STATUS_RANK = {
    "": -1, DeliveryStatus.PENDING: 0, DeliveryStatus.SENT: 1, DeliveryStatus.DELIVERED: 2, DeliveryStatus.FAILED: 2,
}  # fmt: skip


@dataclass(frozen=True)
class Attempt:
    status: str  # the message's delivery status after this try
    retry: bool = False  # the try failed and another may succeed
    error: str = ""


def retry_delay(retries: int) -> float:
    """Exponential backoff with jitter: about base * 2**retries seconds, capped at an hour."""
    ceiling = min(3600, settings.DELIVERY_RETRY_BACKOFF * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


def _status_callback_url(tenant: Tenant) -> str:
    if not settings.PUBLIC_BASE_URL:
        return ""
    return settings.PUBLIC_BASE_URL + reverse("sms_status", kwargs={"tenant_slug": tenant.slug})


def _send(message: Message) -> str:
    """One send through the channel's provider; returns the status it leaves the message in."""
    if message.channel == Channel.EMAIL:
        email_send(message)
        return DeliveryStatus.SENT
    if message.channel == Channel.SMS:
        tenant = message.conversation.tenant
        if sms_opted_out(message.conversation.customer):
            raise DeliveryFailed("The shopper texted STOP; nothing is sent until they text START.", permanent=True)
        sid, status = sms_send(
            tenant=tenant, to=message.conversation.customer.phone, body=plain_text(message.body),
            status_callback=_status_callback_url(tenant),
        )  # fmt: skip
        message.provider_message_id = sid
        if status == DeliveryStatus.FAILED:
            raise DeliveryFailed("Twilio refused the message.", permanent=True)
        return status
    raise DeliveryFailed(f"Messages on {message.channel!r} are not delivered this way.", permanent=True)


def messages_stuck(now=None) -> list[int]:
    """Outbound messages still pending although their first try should have run minutes ago,
    or their whole retry chain (capped at an hour a try) should have ended."""
    now = now or timezone.now()
    pending = Message.objects.filter(direction=Message.Direction.OUTBOUND, delivery_status=DeliveryStatus.PENDING)
    never_tried = pending.filter(delivery_attempts=0, created_at__lt=now - timedelta(minutes=2))
    chain_over = pending.filter(created_at__lt=now - timedelta(hours=settings.DELIVERY_MAX_RETRIES + 1))
    return list((never_tried | chain_over).order_by("id").values_list("pk", flat=True)[:500])


def message_send(*, message_id: int, final: bool) -> Attempt:
    """Try to deliver one outbound message. The row is locked while sending, so a duplicated
    task waits and then finds it sent; anything not pending is left as it is. ``final``: the
    last try, after which a failure is recorded as failed."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("conversation__customer", "conversation__tenant")
            .filter(pk=message_id, direction=Message.Direction.OUTBOUND)
            .first()
        )
        if message is None or message.delivery_status != DeliveryStatus.PENDING:
            return Attempt(message.delivery_status if message else "missing")
        message.delivery_attempts += 1
        retry = False
        try:
            message.delivery_status = _send(message)
            message.delivery_error = ""
        except DeliveryFailed as failure:
            message.delivery_error = str(failure)[:500]
            retry = not (failure.permanent or final)
            if not retry:
                message.delivery_status = DeliveryStatus.FAILED
            logger.warning("delivery of message %s failed (try %s): %s", message.pk, message.delivery_attempts, failure)
        message.save(
            update_fields=["delivery_status", "delivery_error", "delivery_attempts", "provider_message_id", "metadata"]
        )
    return Attempt(message.delivery_status, retry=retry, error=message.delivery_error)


def sms_status_record(*, tenant: Tenant, sid: str, status: str, error_code: str = "") -> Message:
    """Twilio's status callback for one of this tenant's outbound SMS (NotFound otherwise)."""
    ours = TWILIO_STATUSES.get(status)
    with transaction.atomic():
        message = message_get_by_provider_id(tenant=tenant, provider_message_id=sid, direction="outbound")
        message = Message.objects.select_for_update().get(pk=message.pk)
        if ours is None or STATUS_RANK[ours] <= STATUS_RANK[message.delivery_status]:
            return message
        message.delivery_status = ours
        if ours == DeliveryStatus.FAILED:
            message.delivery_error = f"Twilio: {status}" + (f", error {error_code}" if error_code else "")
        message.save(update_fields=["delivery_status", "delivery_error"])
    return message


def email_bounce_record(*, tenant: Tenant, message_ids: list[str], reason: str) -> list[int]:
    """A bounce names (or quotes) the tenant's outbound emails it could not deliver: they are
    failed, with the bounce's reason, so staff see the shopper never got them. Returns their ids."""
    bounced = list(
        Message.objects.for_tenant(tenant)
        .select_for_update()
        .filter(direction=Message.Direction.OUTBOUND, channel=Channel.EMAIL)
        .filter(provider_message_id__in=[item for item in message_ids if item])
    )
    for message in bounced:
        message.delivery_status = DeliveryStatus.FAILED
        message.delivery_error = f"Bounced: {reason}"[:500]
        message.save(update_fields=["delivery_status", "delivery_error"])
    return [message.pk for message in bounced]
