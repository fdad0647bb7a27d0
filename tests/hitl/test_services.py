from datetime import timedelta

import pytest
from django.utils import timezone

from hitl.models import ReviewRequest
from hitl.services import review_request_create
from hitl.sla import DEFAULT_REVIEW_MINUTES
from tests import factories as f

pytestmark = pytest.mark.django_db


def create(tenant, **kwargs):
    values = {"action": "process_refund", "payload": {"order": "ORD-1001", "amount": "1959.74"},
              "summary": "Refund ORD-1001", "reason": "over the limit", "priority": "high", "category": "refund",
              **kwargs}  # fmt: skip
    return review_request_create(tenant=tenant, **values)


def test_the_matching_policy_sets_the_sla_clock_and_queue(tenant):
    f.EscalationPolicyFactory(tenant=tenant, category="refund", priority="high", review_minutes=60, queue="billing")
    before = timezone.now()
    review = create(tenant)
    assert review.queue == "billing" and review.status == ReviewRequest.Status.PENDING
    assert before + timedelta(minutes=59) < review.due_at < timezone.now() + timedelta(minutes=61)


def test_without_a_policy_a_default_clock_runs(tenant, other_tenant):
    f.EscalationPolicyFactory(tenant=other_tenant, category="refund", priority="high", review_minutes=5, queue="x")
    before = timezone.now()
    review = create(tenant)
    assert review.queue == "default"
    # The default clock, not the other store's five minutes.
    default = timedelta(minutes=DEFAULT_REVIEW_MINUTES)
    assert before + default <= review.due_at <= timezone.now() + default


def test_the_same_key_twice_queues_once(tenant):
    assert create(tenant, idempotency_key="turn-3:refund").pk == create(tenant, idempotency_key="turn-3:refund").pk
    assert ReviewRequest.objects.count() == 1
    create(tenant, idempotency_key="turn-4:refund")  # another key is another request
    assert ReviewRequest.objects.count() == 2
