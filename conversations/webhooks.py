"""Provider webhooks: SendGrid Inbound Parse (email), Twilio messaging and status callbacks
(SMS). Each view authenticates the caller, parses, calls one service and answers only after
the service committed; every refusal is a JSON error (``{"error": {"code", "message"}}``)."""

import base64
import binascii
import hmac

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from conversations.channels import sendgrid
from conversations.channels.email_inbound import Ignored, email_parse, email_receive, sendgrid_form_parse
from conversations.channels.sms import E164, SIGNATURE_HEADER, twilio_auth_token, twilio_signature_valid
from conversations.channels.sms_keywords import keyword_settle, sms_keyword
from conversations.delivery import sms_status_record
from conversations.models import Channel
from conversations.services import message_receive
from supportdesk.errors import ApplicationError, PermissionDenied
from tenants.models import Tenant
from tenants.selectors import tenant_get_by_slug, tenant_get_by_sms_number

# SendGrid accepts mail up to 30 MB; a post bigger than that is not from it.
EMAIL_MAX_BYTES = 40 * 1024 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


class Unauthorized(ApplicationError):
    status_code = 401
    code = "unauthorized"


class TooLarge(ApplicationError):
    status_code = 413
    code = "too_large"


class UnsupportedMediaType(ApplicationError):
    status_code = 415
    code = "unsupported_media_type"


class MethodNotAllowed(ApplicationError):
    status_code = 405
    code = "method_not_allowed"


def error_response(error: ApplicationError) -> JsonResponse:
    body = {"error": {"code": error.code, "message": error.message, **error.extra}}
    response = JsonResponse(body, status=error.status_code)
    if isinstance(error, Unauthorized):
        response["WWW-Authenticate"] = 'Basic realm="supportdesk inbound email"'
    if isinstance(error, MethodNotAllowed):
        response["Allow"] = "POST"
    return response


def _post_only(request: HttpRequest) -> None:
    if request.method != "POST":
        raise MethodNotAllowed("Use POST.")


# --------------------------------------------------------------------------- email


def _email_authenticate(request: HttpRequest, tenant: Tenant, secret: str) -> None:
    """The secret from the URL, or else the password of HTTP basic auth."""
    expected = tenant.email_inbound_secret.encode()
    if secret:
        if not hmac.compare_digest(secret.encode(), expected):
            raise PermissionDenied("Wrong inbound email secret.", code="bad_secret")
        return
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    try:
        password = base64.b64decode(credentials, validate=True).partition(b":")[2] if scheme.lower() == "basic" else b""
    except (binascii.Error, ValueError):
        password = b""
    if not password or not hmac.compare_digest(password, expected):
        raise Unauthorized("Put the store's inbound email secret in the URL or as the basic-auth password.")


def _email_body_read(request: HttpRequest) -> bytes:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > EMAIL_MAX_BYTES:
        raise TooLarge(f"The post is larger than {EMAIL_MAX_BYTES // (1024 * 1024)} MB.")
    return request.read(EMAIL_MAX_BYTES + 1)


def _email_signature_check(request: HttpRequest, tenant: Tenant, raw: bytes) -> None:
    public_key = tenant.email_webhook_public_key or settings.SENDGRID_WEBHOOK_PUBLIC_KEY
    if not public_key:
        return
    try:
        valid = sendgrid.signature_valid(
            public_key=public_key, signature=request.META.get(sendgrid.SIGNATURE_HEADER, ""),
            timestamp=request.META.get(sendgrid.TIMESTAMP_HEADER, ""), payload=raw,
        )  # fmt: skip
    except sendgrid.BadPublicKey:
        raise PermissionDenied("The store's SendGrid verification key cannot be read.", code="bad_key") from None
    if not valid:
        raise PermissionDenied("Missing or wrong SendGrid webhook signature.", code="bad_signature")


@csrf_exempt
def email_inbound(request: HttpRequest, tenant_slug: str, secret: str = "") -> HttpResponse:
    """SendGrid Inbound Parse: POST multipart/form-data to
    /channels/email/inbound/<store>/<secret>/ (or without the secret, with basic auth)."""
    try:
        _post_only(request)
        tenant = tenant_get_by_slug(slug=tenant_slug)
        _email_authenticate(request, tenant, secret)
        raw = _email_body_read(request)
        _email_signature_check(request, tenant, raw)
        if not request.content_type.startswith("multipart/form-data"):
            raise UnsupportedMediaType("Inbound email comes as multipart/form-data (SendGrid Inbound Parse).")
        try:
            fields, attachments = sendgrid_form_parse(request, raw)
        except RequestDataTooBig:
            raise TooLarge("The mail's text fields are too large.") from None
        except (MultiPartParserError, TooManyFieldsSent, SuspiciousOperation) as error:
            raise ApplicationError(f"Malformed multipart form: {error}", code="malformed_multipart") from None
        received = email_receive(tenant=tenant, email=email_parse(fields, attachments))
    except ApplicationError as error:
        return error_response(error)
    if isinstance(received, Ignored):
        # 200, not 4xx: the mail was understood and recorded; SendGrid must not retry it.
        body = {"ok": True, "message_id": None, "ignored": received.kind, "reason": received.reason}
        return JsonResponse(body, status=200)
    body = {"ok": True, "message_id": received.message.pk, "created": received.created}
    return JsonResponse(body, status=201 if received.created else 200)


# --------------------------------------------------------------------------- SMS


def _public_url(request: HttpRequest) -> str:
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + request.get_full_path()
    return request.build_absolute_uri()


def _twilio_verify(request: HttpRequest, tenant: Tenant) -> None:
    params = [(name, value) for name in request.POST for value in request.POST.getlist(name)]
    if not twilio_signature_valid(
        auth_token=twilio_auth_token(tenant), url=_public_url(request), params=params,
        signature=request.META.get(SIGNATURE_HEADER, ""),
    ):  # fmt: skip
        raise PermissionDenied("Missing or wrong X-Twilio-Signature.", code="bad_signature")


def _sms_tenant(request: HttpRequest, tenant_slug: str | None) -> Tenant:
    if tenant_slug:
        return tenant_get_by_slug(slug=tenant_slug)
    return tenant_get_by_sms_number(number=request.POST.get("To", ""))


@csrf_exempt
def sms_inbound(request: HttpRequest, tenant_slug: str | None = None) -> HttpResponse:
    """Twilio's incoming-message webhook. The store is the one the URL names, or the owner of
    the number texted (``To``). Answers empty TwiML once the message is committed."""
    try:
        _post_only(request)
        tenant = _sms_tenant(request, tenant_slug)
        _twilio_verify(request, tenant)
        sender, sid = request.POST.get("From", "").strip(), request.POST.get("MessageSid", "").strip()
        if not E164.match(sender):
            raise ApplicationError("'From' is not a phone number in E.164 form.", code="invalid_sender")
        if not sid:
            raise ApplicationError("'MessageSid' is missing.", code="missing_message_sid")
        try:
            media_count = min(int(request.POST.get("NumMedia") or 0), 10)
        except ValueError:
            media_count = 0
        media = [
            {"url": request.POST.get(f"MediaUrl{index}", ""), "type": request.POST.get(f"MediaContentType{index}", "")}
            for index in range(media_count)
        ]
        body = request.POST.get("Body", "").strip() or (f"[{len(media)} attachment(s)]" if media else "")
        keyword = sms_keyword(request.POST.get("Body", ""), request.POST.get("OptOutType", ""))
        metadata = {"to": request.POST.get("To", ""), "media": media, **({"sms_keyword": keyword} if keyword else {})}
        received = message_receive(
            tenant=tenant, channel=Channel.SMS, body=body, phone=sender, provider_message_id=sid, verified=True,
            metadata=metadata,            schedule_turn=not keyword,
        )  # fmt: skip
        if keyword and received.created:
            keyword_settle(received.message)
    except ApplicationError as error:
        return error_response(error)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
def sms_status(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Twilio's status callback for an SMS we sent (the StatusCallback URL names the store)."""
    try:
        _post_only(request)
        tenant = tenant_get_by_slug(slug=tenant_slug)
        _twilio_verify(request, tenant)
        sid = request.POST.get("MessageSid", "").strip() or request.POST.get("SmsSid", "").strip()
        status = request.POST.get("MessageStatus", "").strip() or request.POST.get("SmsStatus", "").strip()
        if not sid or not status:
            raise ApplicationError("'MessageSid' and 'MessageStatus' are required.", code="missing_fields")
        message = sms_status_record(
            tenant=tenant, sid=sid, status=status, error_code=request.POST.get("ErrorCode", "").strip()
        )
    except ApplicationError as error:
        return error_response(error)
    return JsonResponse({"ok": True, "message_id": message.pk, "delivery_status": message.delivery_status})
