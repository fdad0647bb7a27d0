"""Sending outbound messages on their channel. Web replies reach the widget as live events;
email goes through Django's email backend; SMS is written to the log until a provider is
configured (the live-channels work adds Twilio)."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage

from conversations.models import Channel, Message

logger = logging.getLogger("supportdesk.sms")


def message_deliver(message: Message) -> None:
    conversation, customer = message.conversation, message.conversation.customer
    if message.channel == Channel.EMAIL and customer.email:
        subject = conversation.subject or f"Your conversation with {conversation.tenant.name}"
        EmailMessage(
            subject=f"Re: {subject}" if not subject.lower().startswith("re:") else subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[customer.email],
        ).send()
    elif message.channel == Channel.SMS and customer.phone:
        logger.info("SMS to %s: %s", customer.phone, message.body)
