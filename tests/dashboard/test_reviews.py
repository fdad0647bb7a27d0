"""The review queue in the dashboard: the admin console's requests, rules and services."""

import pytest
from django.urls import reverse

from hitl.models import ReviewRequest
from orders.models import Refund
from tenants.models import Membership
from tests import factories as f
from tests.hitl.test_decisions import big_refund

pytestmark = pytest.mark.django_db


def staff(tenant, role=Membership.Role.REVIEWER):
    user = f.UserFactory(staff=True)
    f.MembershipFactory(user=user, tenant=tenant, role=role)
    return user


def test_a_reviewer_approves_with_edits_beside_the_conversation(client, tenant, other_tenant):
    review, refund, order, _ = big_refund(tenant)
    f.MessageFactory(tenant=tenant, conversation=review.conversation, body="The fan rattles, please refund me.")
    theirs, _, _, _ = big_refund(other_tenant, key="theirs")
    client.force_login(staff(tenant))
    queue = client.get(reverse("dashboard:reviews")).content.decode()
    assert review.summary in queue and theirs.summary not in queue
    page = client.get(reverse("dashboard:review", args=[review.pk])).content.decode()
    assert "The fan rattles" in page and 'value="approve_edited"' in page
    assert client.get(reverse("dashboard:review", args=[theirs.pk])).status_code == 404
    amount = str(order.total - 100)
    decided = client.post(reverse("dashboard:review_decide", args=[review.pk]),
                          {"decision": "approve_edited", "amount": amount, "note": "partial"})  # fmt: skip
    assert decided.status_code == 302
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSED and str(refund.amount) == amount
    assert ReviewRequest.objects.get(pk=review.pk).status != ReviewRequest.Status.PENDING
    assert client.post(reverse("dashboard:review_decide", args=[theirs.pk]), {"decision": "approve"}).status_code == 404


def test_an_agent_without_the_role_is_told_no_and_nothing_moves(client, tenant):
    review, refund, _, _ = big_refund(tenant)
    client.force_login(staff(tenant, Membership.Role.AGENT))
    response = client.post(reverse("dashboard:review_decide", args=[review.pk]), {"decision": "approve"}, follow=True)
    assert b"may not decide" in response.content
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING_REVIEW
