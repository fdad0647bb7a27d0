"""The chat widget's side of the door: which key, which origin, which visitor.

A store's page opens the widget with its public key; the key names the tenant and lists the
origins allowed to use it. A visitor is a Customer (anonymous until proven otherwise) held by a
signed token the widget keeps in localStorage, so the conversation survives reloads. A store
may prove who the shopper is with a user hash: HMAC-SHA256 of ``"{id}:{email}"`` keyed with the
widget key's secret, computed on the store's server. A proven shopper is the tenant's customer
with that id or email; the anonymous visitor's conversations join that customer.
"""

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing

from conversations.models import Channel, Conversation, Customer, Message
from conversations.selectors import customer_find
from conversations.services import customer_current, customers_link
from supportdesk.errors import ApplicationError
from tenants.models import WidgetKey

TOKEN_SALT = "supportdesk.widget.visitor"
REPLAY_LIMIT = 200


def widget_key_find(public_key: str) -> WidgetKey | None:
    public_key = (public_key or "").strip()
    if not public_key or len(public_key) > 40:
        return None
    return WidgetKey.objects.select_related("tenant").filter(public_key=public_key, active=True).first()


def origin_allowed(widget_key: WidgetKey, origin: str) -> bool:
    """The page's origin must be one the key lists (scheme, host and port, as browsers send it)."""
    origin = (origin or "").strip().rstrip("/").lower()
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return any(origin == allowed.strip().rstrip("/").lower() for allowed in widget_key.allowed_origins)


def visitor_token_issue(*, widget_key: WidgetKey, customer: Customer) -> str:
    payload = {"t": widget_key.tenant_id, "c": customer.pk}
    return signing.dumps(payload, salt=f"{TOKEN_SALT}:{widget_key.public_key}", compress=True)


def visitor_token_read(*, widget_key: WidgetKey, token: str) -> Customer | None:
    """The visitor a token names, or None when it is forged, expired, or from another key."""
    try:
        payload = signing.loads(
            token, salt=f"{TOKEN_SALT}:{widget_key.public_key}", max_age=settings.WIDGET_VISITOR_TOKEN_MAX_AGE
        )
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("t") != widget_key.tenant_id:
        return None
    customer = Customer.objects.for_tenant(widget_key.tenant_id).filter(pk=payload.get("c")).first()
    # A visitor who proved who they are (an order and its email) became that customer.
    return customer_current(customer) if customer is not None else None


def user_hash(*, secret: str, user_id: str, email: str) -> str:
    """What a store's server computes to vouch for its logged-in shopper."""
    return hmac.new(secret.encode(), f"{user_id}:{email}".encode(), hashlib.sha256).hexdigest()


@dataclass
class Visitor:
    customer: Customer
    verified: bool
    token: str
    token_rejected: bool = False


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def visitor_open(*, widget_key: WidgetKey, token: str | None, user: dict | None) -> Visitor:
    """The visitor behind a widget connection: the proven store user, else the token's
    visitor, else a new anonymous visitor. A bad user hash is refused outright (the store's
    integration is broken, and guessing would hand one shopper another's history)."""
    tenant = widget_key.tenant
    anonymous = visitor_token_read(widget_key=widget_key, token=token) if isinstance(token, str) and token else None
    rejected = bool(token) and anonymous is None
    if user:
        if not isinstance(user, dict):
            raise ApplicationError("The user must be an object with id, email and hash.", code="invalid_user")
        user_id, email, name = _text(user.get("id"), 128), _text(user.get("email"), 254), _text(user.get("name"), 200)
        given = _text(user.get("hash"), 128)
        expected = user_hash(secret=widget_key.secret, user_id=user_id, email=email)
        if not (user_id or email) or not hmac.compare_digest(given.lower(), expected):
            raise ApplicationError("The user hash does not match.", code="invalid_user_hash")
        customer = customer_identified(tenant=tenant, external_id=user_id, email=email, name=name)
        if anonymous is not None and anonymous.pk != customer.pk:
            customers_link(keep=customer, merge=anonymous)
        return Visitor(customer, True, visitor_token_issue(widget_key=widget_key, customer=customer), rejected)
    if anonymous is None:
        anonymous = Customer.objects.create(tenant=tenant)
    verified = bool(anonymous.external_id)  # proven by a user hash on an earlier visit
    return Visitor(anonymous, verified, visitor_token_issue(widget_key=widget_key, customer=anonymous), rejected)


def customer_identified(*, tenant, external_id: str, email: str, name: str) -> Customer:
    """The tenant's customer the store vouched for: by its own id, else by email; created when new."""
    customers = Customer.objects.for_tenant(tenant)
    customer = customers.filter(external_id=external_id).first() if external_id else None
    if customer is None and email:
        customer = customer_find(tenant=tenant, email=email)
    if customer is None:
        return customers.create(tenant=tenant, external_id=external_id, email=email, name=name)
    changed = []
    for field, value in (("external_id", external_id), ("email", email), ("name", name)):
        if value and not getattr(customer, field):
            setattr(customer, field, value)
            changed.append(field)
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    return customer


def prechat_identify(*, customer: Customer, email: str, name: str) -> Customer:
    """An email typed into the pre-chat form: kept as contact details, never as proof. It is
    not written onto a customer record someone else already owns."""
    email, name = _text(email, 254), _text(name, 200)
    if email and ("@" not in email or " " in email):
        raise ApplicationError("That email address does not look right.", code="invalid_email")
    changed = []
    if name and not customer.name:
        customer.name = name
        changed.append("name")
    if email and not customer.email:
        if customer_find(tenant=customer.tenant_id, email=email) is None:
            customer.email = email
            changed.append("email")
        else:
            customer.extracted_data = {**customer.extracted_data, "contact_email": email}
            changed.append("extracted_data")
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    return customer


def visitor_conversation(*, customer: Customer) -> Conversation | None:
    """The widget shows the visitor's latest web conversation."""
    return (
        Conversation.objects.for_tenant(customer.tenant_id)
        .filter(customer=customer, channel=Channel.WEB)
        .order_by("-last_message_at", "-id")
        .first()
    )


def replay(*, conversation: Conversation | None, after_id: int) -> list[Message]:
    if conversation is None:
        return []
    messages = Message.objects.for_tenant(conversation.tenant_id).filter(conversation=conversation, pk__gt=after_id)
    return list(reversed(messages.order_by("-id")[:REPLAY_LIMIT]))
