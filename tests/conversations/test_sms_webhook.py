"""The SMS doors: Twilio's incoming-message webhook and its status callbacks, signed with
X-Twilio-Signature (HMAC-SHA1 of the URL and the sorted POST parameters, auth token as key)."""

import base64
import hashlib
import hmac
from urllib.parse import urlencode

import pytest

from conversations import hooks
from conversations.channels.sms import twilio_signature, twilio_signature_valid
from conversations.models import Message
from tests.factories import ConversationFactory, CustomerFactory, MessageFactory, TenantFactory

pytestmark = pytest.mark.django_db
TOKEN = "f3c1a9d2b7e84c6a9d0e1f2a3b4c5d6e"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'


@pytest.fixture(autouse=True)
def no_turns(monkeypatch):
    monkeypatch.setattr(hooks, "_message_received", [])


@pytest.fixture
def store(tenant):
    tenant.sms_number, tenant.twilio_account_sid, tenant.twilio_auth_token = "+14155550199", "AC" + "1" * 32, TOKEN
    tenant.save()
    return tenant


def reference_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's documented algorithm, written out again here so the test does not trust the code under test."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def inbound(**overrides) -> dict[str, str]:
    params = {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0", "NumMedia": "0",
        "ToCity": "SAN FRANCISCO", "FromZip": "94105", "SmsSid": "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "FromState": "CA", "SmsStatus": "received", "FromCity": "SAN FRANCISCO", "Body": "Where is ORD-000123?",
        "FromCountry": "US", "To": "+14155550199", "ToZip": "94105", "NumSegments": "1",
        "MessageSid": "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0", "AccountSid": "AC" + "1" * 32,
        "From": "+14155550123", "ApiVersion": "2010-04-01",
    }  # fmt: skip
    return {**params, **overrides}


def post_signed(client, path: str, params: dict[str, str], *, token: str = TOKEN, signature: str | None = None):
    url = f"http://testserver{path}"
    signature = reference_signature(token, url, params) if signature is None else signature
    return client.post(
        path, data=urlencode(params), content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature} if signature else {},
    )  # fmt: skip


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


def test_the_signature_matches_twilios_published_vectors():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}  # fmt: skip
    assert twilio_signature(auth_token="12345", url=url, params=params.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")]
    assert twilio_signature(auth_token="12345", url=url, params=repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert twilio_signature_valid(
        auth_token="12345", url="https://mycompany.com:443/myapp.php?foo=1&bar=2", params=params.items(),
        signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=",
    )  # fmt: skip
    assert not twilio_signature_valid(auth_token="12345", url=url + "&x=1", params=params.items(),
                                      signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=")  # fmt: skip


def test_a_text_is_stored_from_the_number_and_answered_with_empty_twiml(client, store):
    response = post_signed(client, "/channels/sms/inbound/", inbound())
    assert response.status_code == 200 and response.content == EMPTY_TWIML
    assert response["Content-Type"].startswith("text/xml")
    message = Message.objects.get(tenant=store)  # committed before the answer
    assert message.channel == "sms" and message.body == "Where is ORD-000123?"
    assert message.provider_message_id == "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert message.conversation.customer.phone == "+14155550123" and message.conversation.customer_verified


def test_the_store_may_be_named_in_the_url(client, store, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = post_signed(client, f"/channels/sms/inbound/{store.slug}/", inbound(To="+18005550000"))
    assert response.status_code == 200 and Message.objects.filter(tenant=store).count() == 1


def test_a_retried_webhook_stores_one_message(client, store):
    assert post_signed(client, "/channels/sms/inbound/", inbound()).status_code == 200
    assert post_signed(client, "/channels/sms/inbound/", inbound()).status_code == 200
    assert Message.objects.filter(tenant=store).count() == 1


def test_a_known_phone_is_that_customer_and_an_email_in_a_text_proves_nothing(client, store):
    known = CustomerFactory(tenant=store, phone="+14155550123", email="pat@example.com")
    post_signed(client, "/channels/sms/inbound/", inbound())
    assert Message.objects.get(tenant=store).conversation.customer == known
    emailed = CustomerFactory(tenant=store, phone="", email="sam@example.com")
    post_signed(
        client, "/channels/sms/inbound/", inbound(From="+14155550177", MessageSid="SM2", Body="I'm sam@example.com")
    )
    texter = Message.objects.get(provider_message_id="SM2").conversation.customer
    assert texter != emailed and texter.phone == "+14155550177" and texter.email == ""


def test_a_picture_without_words_is_kept(client, store):
    params = inbound(
        Body="", NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1", MediaContentType0="image/jpeg"
    )
    assert post_signed(client, "/channels/sms/inbound/", params).status_code == 200
    message = Message.objects.get(tenant=store)
    assert message.body == "[1 attachment(s)]"
    assert message.metadata["media"] == [{"url": "https://api.twilio.com/media/ME1", "type": "image/jpeg"}]


def test_the_public_base_url_is_what_twilio_signed(client, store, settings):
    settings.PUBLIC_BASE_URL = "https://support.example.com"
    params = inbound()
    signature = reference_signature(TOKEN, "https://support.example.com/channels/sms/inbound/", params)
    assert post_signed(client, "/channels/sms/inbound/", params, signature=signature).status_code == 200
    assert_error(post_signed(client, "/channels/sms/inbound/", inbound(MessageSid="SM3")), 403, "bad_signature")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "wrong"])
def test_a_missing_or_wrong_signature_is_a_403_and_nothing_is_stored(client, store, signature):
    params = inbound()
    response = post_signed(client, "/channels/sms/inbound/", params, signature=signature or "")
    assert_error(response, 403, "bad_signature")
    assert not Message.objects.exists()


def test_a_signature_over_other_parameters_is_refused(client, store):
    signed = reference_signature(TOKEN, "http://testserver/channels/sms/inbound/", inbound())
    tampered = inbound(Body="Refund everything")
    assert_error(post_signed(client, "/channels/sms/inbound/", tampered, signature=signed), 403, "bad_signature")


def test_an_unknown_number_or_store_is_a_404(client, store):
    assert_error(post_signed(client, "/channels/sms/inbound/", inbound(To="+18005550000")), 404, "not_found")
    assert_error(post_signed(client, "/channels/sms/inbound/nope/", inbound()), 404, "not_found")
    assert not Message.objects.exists()


def test_without_any_auth_token_nothing_is_accepted(client, tenant, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    tenant.sms_number = "+14155550199"
    tenant.save()
    assert_error(post_signed(client, "/channels/sms/inbound/", inbound(), token=""), 403, "bad_signature")


def test_a_sender_that_is_not_a_phone_number_is_a_400(client, store):
    response = post_signed(client, "/channels/sms/inbound/", inbound(From="whatsapp:+14155550123"))
    assert_error(response, 400, "invalid_sender")
    assert_error(post_signed(client, "/channels/sms/inbound/", inbound(Body="")), 400, "empty_message")
    assert not Message.objects.exists()


def test_the_global_token_signs_for_stores_without_their_own(client, tenant, settings):
    settings.TWILIO_AUTH_TOKEN = "global-token"
    tenant.sms_number = "+14155550199"
    tenant.save()
    assert post_signed(client, "/channels/sms/inbound/", inbound(), token="global-token").status_code == 200
    assert_error(post_signed(client, "/channels/sms/inbound/", inbound(MessageSid="SM4")), 403, "bad_signature")


# --------------------------------------------------------------------------- status callbacks


def sent_sms(tenant, sid="SMout1", status="sent"):
    conversation = ConversationFactory(tenant=tenant, channel="sms")
    return MessageFactory(conversation=conversation, ai_reply=True, provider_message_id=sid, delivery_status=status)


def status_params(sid="SMout1", status="delivered", **extra) -> dict[str, str]:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "1" * 32, "From": "+14155550199",
            "To": "+14155550123", "ApiVersion": "2010-04-01", "SmsSid": sid, "SmsStatus": status, **extra}  # fmt: skip


def test_status_callbacks_move_the_delivery_status_forward_only(client, store):
    message = sent_sms(store)
    path = f"/channels/sms/status/{store.slug}/"
    response = post_signed(client, path, status_params(status="delivered"))
    assert response.status_code == 200 and response.json()["delivery_status"] == "delivered"
    post_signed(client, path, status_params(status="sent"))  # late and out of order
    message.refresh_from_db()
    assert message.delivery_status == "delivered"


def test_an_undelivered_callback_records_the_error(client, store):
    message = sent_sms(store)
    post_signed(client, f"/channels/sms/status/{store.slug}/", status_params(status="undelivered", ErrorCode="30003"))
    message.refresh_from_db()
    assert message.delivery_status == "failed" and message.delivery_error == "Twilio: undelivered, error 30003"


def test_a_status_callback_with_a_bad_signature_changes_nothing(client, store):
    message = sent_sms(store)
    response = post_signed(client, f"/channels/sms/status/{store.slug}/", status_params(), signature="forged")
    assert_error(response, 403, "bad_signature")
    message.refresh_from_db()
    assert message.delivery_status == "sent"


def test_a_status_callback_cannot_touch_another_stores_message(client, store):
    other = TenantFactory(twilio_auth_token="other-token", twilio_account_sid="AC" + "2" * 32)
    theirs = sent_sms(other, sid="SMtheirs")
    response = post_signed(client, f"/channels/sms/status/{store.slug}/", status_params(sid="SMtheirs"))
    assert_error(response, 404, "not_found")
    # Nor with the other store's URL and this store's token.
    response = post_signed(client, f"/channels/sms/status/{other.slug}/", status_params(sid="SMtheirs"))
    assert_error(response, 403, "bad_signature")
    theirs.refresh_from_db()
    assert theirs.delivery_status == "sent"


def test_one_stores_token_cannot_post_texts_into_another_store(client, store):
    other = TenantFactory(twilio_auth_token="other-token", sms_number="+14155550188")
    response = post_signed(client, f"/channels/sms/inbound/{other.slug}/", inbound(To="+14155550188"))
    assert_error(response, 403, "bad_signature")
    response = post_signed(client, "/channels/sms/inbound/", inbound(To="+14155550188"))
    assert_error(response, 403, "bad_signature")
    assert not Message.objects.exists()
