"""SMS through Twilio: webhook signatures, sending over the REST API (or to the log when no
account is configured), and Twilio's message statuses in ours."""

import base64
import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable

from django.conf import settings

from conversations.channels import DeliveryFailed
from conversations.models import DeliveryStatus
from tenants.models import Tenant

logger = logging.getLogger("supportdesk.sms")

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"
TIMEOUT_SECONDS = 15

# Twilio's MessageStatus values in ours. Accepted by the provider counts as sent.
TWILIO_STATUSES = {
    "accepted": DeliveryStatus.SENT, "scheduled": DeliveryStatus.SENT, "queued": DeliveryStatus.SENT,
    "sending": DeliveryStatus.SENT, "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED, "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED, "failed": DeliveryStatus.FAILED, "canceled": DeliveryStatus.FAILED,
}  # fmt: skip


def twilio_account(tenant: Tenant) -> tuple[str, str]:
    """(account SID, auth token): the store's own account, else the installation's."""
    if tenant.twilio_account_sid and tenant.twilio_auth_token:
        return tenant.twilio_account_sid, tenant.twilio_auth_token
    return settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN


def twilio_auth_token(tenant: Tenant) -> str:
    return tenant.twilio_auth_token or settings.TWILIO_AUTH_TOKEN


def twilio_signature(*, auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's documented algorithm: the full URL, then each POST parameter's name and value
    sorted by name (and value), HMAC-SHA1 with the auth token, base64."""
    payload = url + "".join(f"{name}{value}" for name, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """Twilio may sign the URL with or without the default port (its own validator tries both)."""
    parts = urllib.parse.urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    bare = parts._replace(netloc=host).geturl()
    with_port = parts._replace(netloc=f"{host}:{parts.port or default}").geturl() if default else url
    return list(dict.fromkeys([url, bare, with_port]))


def twilio_signature_valid(*, auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str) -> bool:
    if not auth_token or not signature:
        return False
    params = list(params)
    return any(
        hmac.compare_digest(twilio_signature(auth_token=auth_token, url=variant, params=params), signature)
        for variant in _url_variants(url)
    )


def sms_send(*, tenant: Tenant, to: str, body: str, status_callback: str = "") -> tuple[str, str]:
    """Send one SMS; returns (provider id, our delivery status). Without a Twilio account the
    message is written to the log (the development backend)."""
    if not E164.match(to or ""):
        raise DeliveryFailed(f"{to!r} is not a phone number in E.164 form.", permanent=True)
    account_sid, auth_token = twilio_account(tenant)
    sender = tenant.sms_number or settings.TWILIO_FROM
    if not (account_sid and auth_token):
        logger.info("SMS to %s from %s: %s", to, sender or "(no number)", body)
        return f"console-{uuid.uuid4().hex}", DeliveryStatus.SENT
    if not sender:
        raise DeliveryFailed("No number to send SMS from (the store's SMS number or TWILIO_FROM).", permanent=True)
    form = {"To": to, "From": sender, "Body": body}
    if status_callback:
        form["StatusCallback"] = status_callback
    request = urllib.request.Request(
        f"{settings.TWILIO_API_BASE}/2010-04-01/Accounts/{urllib.parse.quote(account_sid)}/Messages.json",
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Authorization": "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            payload = json.load(response)
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read() or b"{}")
        except ValueError:
            detail = {}
        reason = f"Twilio answered {error.code}: {detail.get('message') or error.reason} (code {detail.get('code')})"
        # 429 and 5xx may pass; any other 4xx (an invalid number, an unverified sender) will not.
        raise DeliveryFailed(reason, permanent=error.code != 429 and error.code < 500) from error
    except (OSError, ValueError) as error:  # refused, timed out, not JSON
        raise DeliveryFailed(f"Twilio unreachable: {error}") from error
    if not payload.get("sid"):
        raise DeliveryFailed("Twilio's answer had no message SID.")
    status = TWILIO_STATUSES.get(payload.get("status", ""), DeliveryStatus.SENT)
    if status == DeliveryStatus.DELIVERED:
        status = DeliveryStatus.SENT  # only a status callback says it arrived
    return payload["sid"], status
