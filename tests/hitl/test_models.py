import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from hitl.models import EscalationPolicy, Priority, ReviewRequest
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", ["approved", "rejected", "edited"])
def test_decided_review_request_needs_decided_at(status):
    with pytest.raises(IntegrityError, match="review_decided_has_time"), transaction.atomic():
        f.ReviewRequestFactory(status=status, decided_at=None)


@pytest.mark.parametrize("status", ["approved", "rejected", "edited"])
def test_decided_review_request_with_decided_at_is_accepted(status):
    review = f.ReviewRequestFactory(status=status, decided_at=timezone.now())

    assert ReviewRequest.objects.filter(pk=review.pk, status=status).exists()


@pytest.mark.parametrize("status", ["pending", "expired"])
def test_undecided_review_request_needs_no_decided_at(status):
    review = f.ReviewRequestFactory(status=status, decided_at=None)

    assert ReviewRequest.objects.filter(pk=review.pk, decided_at__isnull=True).exists()


def test_approving_without_decided_at_is_refused_on_update():
    review = f.ReviewRequestFactory()

    with pytest.raises(IntegrityError, match="review_decided_has_time"), transaction.atomic():
        ReviewRequest.objects.filter(pk=review.pk).update(status=ReviewRequest.Status.APPROVED)
    review.refresh_from_db()
    assert review.status == ReviewRequest.Status.PENDING


def test_approved_trait_records_the_decision():
    review = f.ReviewRequestFactory(approved=True)
    review.refresh_from_db()

    assert review.status == ReviewRequest.Status.APPROVED
    assert review.decided_at is not None
    assert review.decision == review.payload


def test_review_idempotency_key_is_unique_per_tenant_when_set(tenant, other_tenant):
    f.ReviewRequestFactory(tenant=tenant, idempotency_key="refund:ORD-1")
    f.ReviewRequestFactory(tenant=other_tenant, idempotency_key="refund:ORD-1")
    f.ReviewRequestFactory.create_batch(2, tenant=tenant, idempotency_key="")

    with pytest.raises(IntegrityError, match="review_unique_idempotency_key"), transaction.atomic():
        f.ReviewRequestFactory(tenant=tenant, idempotency_key="refund:ORD-1")
    assert ReviewRequest.objects.for_tenant(tenant).count() == 3


def test_an_sla_target_must_be_at_least_a_minute():
    with pytest.raises(IntegrityError, match="sla_target_minutes_gte_1"), transaction.atomic():
        f.SlaTargetFactory(minutes=0)
    assert f.SlaTargetFactory(minutes=1).pk


def test_a_business_period_closes_after_it_opens():
    import datetime

    with pytest.raises(IntegrityError, match="period_closes_after_opens"), transaction.atomic():
        f.BusinessPeriodFactory(opens=datetime.time(17), closes=datetime.time(9))


def test_one_escalation_rule_per_category_and_priority_in_a_tenant(tenant, other_tenant):
    f.EscalationPolicyFactory(tenant=tenant, category="refunds", priority=Priority.HIGH)
    f.EscalationPolicyFactory(tenant=other_tenant, category="refunds", priority=Priority.HIGH)
    f.EscalationPolicyFactory(tenant=tenant, category="refunds", priority=Priority.LOW)
    f.EscalationPolicyFactory(tenant=tenant, category="", priority="")

    with pytest.raises(IntegrityError, match="escalation_unique_rule_per_tenant"), transaction.atomic():
        f.EscalationPolicyFactory(tenant=tenant, category="refunds", priority=Priority.HIGH)
    # Blank is stored as "", not NULL, so a second catch-all rule collides too.
    with pytest.raises(IntegrityError, match="escalation_unique_rule_per_tenant"), transaction.atomic():
        f.EscalationPolicyFactory(tenant=tenant, category="", priority="")
    assert EscalationPolicy.objects.for_tenant(tenant).count() == 3


def test_for_tenant_returns_only_that_tenants_review_requests(tenant, other_tenant):
    mine = f.ReviewRequestFactory(tenant=tenant)
    f.ReviewRequestFactory(tenant=other_tenant)

    assert list(ReviewRequest.objects.for_tenant(tenant)) == [mine]
