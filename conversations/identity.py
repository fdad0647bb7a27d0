"""Whom a conversation belongs to, and the one way it changes hands.

Proof of who is writing comes from the shopper, never from the model: a signed widget
identity or the address a message came from (``message_receive(verified=True)``), or an order
number and that order's email which the shopper typed into an inbound message of this
conversation. An email or order number that appears only in a tool call proves nothing.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from conversations.models import Conversation, Customer, Message
from conversations.services import customers_link
from supportdesk.errors import ApplicationError
from tenants.models import AuditEvent
from tenants.services import audit_record

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DASHES = re.compile(r"[\u2010-\u2015\u2212]")
# How many of the conversation's latest inbound messages are read for the shopper's words.
MESSAGES_READ = 200


def is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def _digits(order_number: str) -> str:
    """The number part of an order number ("ORD-1002" -> "1002"): shoppers write it as
    "ord 1002", "#1002" or "order 1002" as often as the store does."""
    match = re.search(r"(\d{3,})\D*$", order_number or "")
    return match.group(1) if match else ""


def _inbound_bodies(conversation: Conversation) -> list[str]:
    inbound = Message.objects.filter(
        tenant_id=conversation.tenant_id, conversation_id=conversation.pk, direction=Message.Direction.INBOUND
    ).order_by("-id")[:MESSAGES_READ]
    # Full-width letters and digits, and the many dashes, read as typed on any keyboard.
    return [DASHES.sub("-", unicodedata.normalize("NFKC", body)) for body in inbound.values_list("body", flat=True)]


def _typed_number(bodies: list[str], order_number: str) -> bool:
    """The order number as shoppers write it: with the store's prefix ("ORD-1002", "ord 1002",
    "ORD1002"), after "#", or after the word order ("order 1002", "order no. 1002"); a bare
    number elsewhere ("waited 1004 minutes") is not it."""
    digits = _digits(order_number)
    if not digits:
        return False
    prefix = re.escape(re.match(r"[A-Za-z]*", order_number.strip()).group(0))
    lead = r"#\s*|\border\b[^\d\n]{0,12}"
    if prefix:
        lead = rf"\b{prefix}\s*[-#]?\s*|{lead}"
    number = re.compile(rf"(?:{lead})(?<!\d){digits}(?!\d)", re.IGNORECASE)
    return any(number.search(body) for body in bodies)


def shopper_wrote(*, conversation: Conversation, text: str) -> bool:
    """Did the shopper write ``text`` (any case and spacing) in this conversation?"""
    words = (text or "").split()
    if not words:
        return False
    said = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE)
    return any(said.search(body) for body in _inbound_bodies(conversation))


def shopper_typed(*, conversation: Conversation, order_number: str, email: str | None = None) -> bool:
    """Did the shopper type this order number (and this email, when given) into the
    conversation's inbound messages, in one message or across several?"""
    bodies = _inbound_bodies(conversation)
    if not _typed_number(bodies, order_number):
        return False
    if email is None:
        return True
    email = email.strip().lower()
    return bool(email) and any(email in {m.lower() for m in EMAIL.findall(body)} for body in bodies)


def customer_proof_check(*, conversation: Conversation, customer: Customer, order_number: str, email: str) -> None:
    """Raises unless ``email`` is ``customer``'s (the owner of order ``order_number``, found by
    the caller) and the shopper typed both here. ``not_typed``: the shopper never wrote them,
    so nothing was proven or refused; ``no_match``: a real attempt that failed."""
    email = (email or "").strip().lower()
    if not is_email(email):
        raise ApplicationError("That doesn't look like an email address.", code="invalid_email")
    if not shopper_typed(conversation=conversation, order_number=order_number, email=email):
        raise ApplicationError("The shopper has not given that order number and email here.", code="not_typed")
    if customer.tenant_id != conversation.tenant_id or (customer.email or "").strip().lower() != email:
        raise ApplicationError("The order number and email do not match.", code="no_match")


def contact_only(customer: Customer) -> bool:
    """A record that is only a way to reach someone (a phone number, a widget visitor): no
    email and no orders of its own."""
    return not customer.email and not customer.orders.exists()


def customer_switch_check(*, conversation: Conversation, customer: Customer) -> bool:
    """May the conversation become ``customer``'s once its shopper proved an order of theirs?
    Yes when it is theirs already, or when the record on it is only a contact (no email, no
    orders), which then joins ``customer``. A customer with an email or orders of their own,
    proven or not, who proves someone else's order is someone else asking: shown the order, and
    stays apart, their history with them (joining them would hand it to the other customer)."""
    current = conversation.customer
    return current.pk == customer.pk or contact_only(current)


def conversation_customer_switch(
    *, conversation: Conversation, customer: Customer, order_number: str, email: str, actor_label: str = "ai agent"
) -> Conversation:
    """The conversation is ``customer``'s, proven by ``order_number`` and ``email`` typed by its
    shopper: it is marked verified, the contact record it had joins ``customer``
    (``customers_link``), and the change is audited. Refuses (``not_proven``) what the checks
    above refuse."""
    customer_proof_check(conversation=conversation, customer=customer, order_number=order_number, email=email)
    if not customer_switch_check(conversation=conversation, customer=customer):
        raise ApplicationError("This conversation belongs to another verified customer.", code="not_proven")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().select_related("customer").get(pk=conversation.pk)
        previous = locked.customer
        if previous.pk == customer.pk and locked.customer_verified:
            return locked
        Conversation.objects.filter(pk=locked.pk).update(customer=customer, customer_verified=True)
        if previous.pk != customer.pk:
            # The same person, now proven: the visitor or phone record joins the known customer.
            customers_link(keep=customer, merge=previous)
        audit_record(
            tenant=conversation.tenant, verb="conversation.customer_proven", actor_kind=AuditEvent.ActorKind.AGENT,
            actor_label=actor_label, target=locked,
            data={"from_customer": previous.pk, "to_customer": customer.pk, "proof": "order_number_and_email",
                  "order_number": order_number},
        )  # fmt: skip
    conversation.customer, conversation.customer_verified = customer, True
    return conversation
