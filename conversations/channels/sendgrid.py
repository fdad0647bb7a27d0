"""SendGrid's signed webhooks: an ECDSA (P-256, SHA-256) signature over the timestamp header
followed by the raw request body, base64 DER in X-Twilio-Email-Event-Webhook-Signature; the
verification key is shown in SendGrid's settings as base64 DER (PEM is accepted too)."""

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

SIGNATURE_HEADER = "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE"
TIMESTAMP_HEADER = "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP"


class BadPublicKey(ValueError):
    """The configured verification key cannot be read."""


def public_key_load(text: str) -> ec.EllipticCurvePublicKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = load_pem_public_key(text.encode())
        else:
            key = load_der_public_key(base64.b64decode(text, validate=False))
    except (ValueError, TypeError, binascii.Error) as error:
        raise BadPublicKey(str(error)) from error
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise BadPublicKey("the verification key is not an elliptic-curve key")
    return key


def signature_valid(*, public_key: str, signature: str, timestamp: str, payload: bytes) -> bool:
    if not signature or not timestamp:
        return False
    key = public_key_load(public_key)
    try:
        key.verify(base64.b64decode(signature, validate=True), timestamp.encode() + payload, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
