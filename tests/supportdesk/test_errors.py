"""One error shape for the whole API: {"error": {"code", "message", ...}} with the right status."""

from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from supportdesk.errors import Conflict, NotFound


class Input(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)


class Probe(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        kind = request.query_params.get("raise")
        if kind == "not_found":
            raise NotFound("No order 'ORD-9'.")
        if kind == "conflict":
            raise Conflict("Already refunded.", code="already_refunded", extra={"refund_id": 7})
        Input(data=request.data).is_valid(raise_exception=True)
        return None


def call(query: str, data: dict | None = None):
    request = APIRequestFactory().post(f"/probe?{query}", data or {}, format="json")
    return Probe.as_view()(request)


def test_service_errors_keep_their_status_code_and_extra_fields():
    response = call("raise=not_found")
    assert response.status_code == 404
    assert response.data == {"error": {"code": "not_found", "message": "No order 'ORD-9'."}}
    response = call("raise=conflict")
    assert response.status_code == 409
    assert response.data == {"error": {"code": "already_refunded", "message": "Already refunded.", "refund_id": 7}}


def test_validation_errors_name_the_fields():
    response = call("", {"amount": "lots"})
    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid"
    assert "amount" in response.data["error"]["fields"]


def test_drf_errors_with_a_detail_get_the_same_shape():
    request = APIRequestFactory().get("/probe")
    response = Probe.as_view()(request)
    assert response.status_code == 405
    assert response.data["error"]["code"] == "method_not_allowed"
    assert "GET" in response.data["error"]["message"]
