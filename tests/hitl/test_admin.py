"""The review console in the admin: the queue, the decision buttons (through review_decide),
the history and its CSV, each within the reviewer's own store."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from hitl.models import OutcomeMessage, ReviewDecision, ReviewRequest, SlaClock
from orders.models import Refund
from tenants.models import Membership
from tests import factories as f
from tests.hitl.test_decisions import big_refund

pytestmark = pytest.mark.django_db


def staff(tenant, role=Membership.Role.REVIEWER):
    user = f.UserFactory(staff=True)
    f.MembershipFactory(user=user, tenant=tenant, role=role)
    return user


def decide(client, review, **data):
    return client.post(reverse("admin:hitl_reviewrequest_decide", args=[review.pk]), data)


def test_the_queue_shows_pending_requests_of_the_reviewers_store_most_due_first(client, tenant, other_tenant):
    mine, _, order, _ = big_refund(tenant)
    theirs, _, _, _ = big_refund(other_tenant, key="other")
    decided = f.ReviewRequestFactory(tenant=tenant, summary="Already done", approved=True)
    client.force_login(staff(tenant))
    page = client.get(reverse("admin:hitl_reviewrequest_changelist")).content.decode()
    assert mine.summary in page and f"{order.total} {tenant.currency}" in page
    assert "On track" in page  # the SLA badge
    assert theirs.summary not in page and decided.summary not in page  # pending only, by default
    assert client.get(reverse("admin:hitl_reviewrequest_change", args=[theirs.pk])).status_code in (302, 404)
    assert decide(client, theirs, decision="approve").status_code == 404
    assert Refund.objects.get(pk=theirs.payload["refund_id"]).status == "pending_review"


def test_the_sla_badge_and_filter_follow_the_review_clocks_warning_time(client, tenant):
    """Due soon from the clock's warning time (its policy's warn percent), as the minute check
    warns: not from a fixed share of the window."""
    early, _, _, _ = big_refund(tenant)
    warned, _, _, _ = big_refund(tenant, key="warned")
    now = timezone.now()
    # Half of its window left, but its policy warns at 40%: due soon.
    SlaClock.objects.filter(review=warned).update(warn_at=now - timedelta(minutes=1), due_at=now + timedelta(hours=2))
    ReviewRequest.objects.filter(pk=warned.pk).update(due_at=now + timedelta(hours=2))
    client.force_login(staff(tenant))
    url = reverse("admin:hitl_reviewrequest_changelist")
    page = client.get(url).content.decode()
    assert page.count("sla-due_soon") == 1 and page.count("sla-on_track") == 1
    due_soon = client.get(url, {"sla": "due_soon"}).content.decode()
    assert warned.summary in due_soon and early.summary not in due_soon
    on_track = client.get(url, {"sla": "on_track"}).content.decode()
    assert early.summary in on_track and warned.summary not in on_track


def test_the_request_page_shows_what_a_reviewer_needs_and_the_buttons(client, tenant):
    review, _, order, _ = big_refund(tenant)
    f.MessageFactory(tenant=tenant, conversation=review.conversation, body="The card arrived with a cracked fan.")
    client.force_login(staff(tenant))
    page = client.get(reverse("admin:hitl_reviewrequest_change", args=[review.pk])).content.decode()
    assert "cracked fan" in page and escape(review.reason) in page and order.customer.email in page
    for button in ('value="approve"', 'value="approve_edited"', 'value="reject"', 'value="assign"'):
        assert button in page
    assert 'accesskey="a"' in page and 'accesskey="r"' in page


def test_approving_in_the_admin_moves_the_money_once_and_tells_the_shopper(client, tenant):
    review, refund, _, _ = big_refund(tenant)
    reviewer = staff(tenant)
    client.force_login(reviewer)
    response = decide(client, review, decision="approve", note="ok")
    assert response.status_code == 302 and response.url == reverse("admin:hitl_reviewrequest_changelist")
    assert decide(client, review, decision="approve").status_code == 302  # a double click
    refund.refresh_from_db()
    assert (refund.status, refund.approved_by) == ("processed", reviewer)
    assert Refund.objects.filter(status="processed").count() == 1
    assert review.conversation.messages.filter(direction="outbound", sender_kind="system").count() == 1


def test_approve_with_edits_and_reject_from_the_page(client, tenant):
    edited, refund, _, _ = big_refund(tenant)
    rejected, other_refund, _, _ = big_refund(tenant, key="second")
    client.force_login(staff(tenant))
    decide(client, edited, decision="approve_edited", amount="120.50")
    refund.refresh_from_db()
    assert (refund.amount, ReviewDecision.objects.get(review=edited).outcome) == (Decimal("120.50"), "edited")
    page = client.get(reverse("admin:hitl_reviewrequest_change", args=[rejected.pk]), follow=True)
    response = decide(client, rejected, decision="reject", reason="", note="no")  # no reason chosen
    assert response.status_code == 302
    assert "choose a reason" in client.get(response.url).content.decode()
    other_refund.refresh_from_db()
    assert other_refund.status == "pending_review"
    decide(client, rejected, decision="reject", reason="fraud_suspected")
    other_refund.refresh_from_db()
    assert other_refund.status == "rejected" and page.status_code == 200


@pytest.mark.parametrize("role", [Membership.Role.AGENT, Membership.Role.VIEWER])
def test_staff_who_are_not_reviewers_see_but_cannot_decide(client, tenant, role):
    review, refund, _, _ = big_refund(tenant)
    client.force_login(staff(tenant, role=role))
    page = client.get(reverse("admin:hitl_reviewrequest_change", args=[review.pk])).content.decode()
    assert review.summary in page and 'value="approve"' not in page
    decide(client, review, decision="approve")
    refund.refresh_from_db()
    assert refund.status == "pending_review" and not ReviewDecision.objects.exists()


def test_the_form_cannot_change_a_request_directly(client, tenant):
    review, _, _, _ = big_refund(tenant)
    client.force_login(staff(tenant, role=Membership.Role.OWNER))
    url = reverse("admin:hitl_reviewrequest_change", args=[review.pk])
    client.post(url, {"status": "approved", "decision": "{}", "payload": '{"amount": "1"}'})
    review.refresh_from_db()
    assert review.status == "pending" and review.payload["amount"] != "1"
    assert client.get(reverse("admin:hitl_reviewrequest_add")).status_code == 403


def test_assign_to_me(client, tenant):
    review, _, _, _ = big_refund(tenant)
    reviewer = staff(tenant)
    client.force_login(reviewer)
    decide(client, review, decision="assign")
    review.refresh_from_db()
    assert review.assignee == reviewer


def test_the_decision_history_exports_as_csv_within_the_store(client, tenant, other_tenant):
    from hitl import services

    mine, _, _, _ = big_refund(tenant)
    theirs, _, _, _ = big_refund(other_tenant, key="other")
    services.review_decide(review=mine, decision="reject", reviewer=staff(tenant), reason="policy", note="=cmd()")
    services.review_decide(review=theirs, decision="reject", reviewer=staff(other_tenant), reason="policy")
    client.force_login(staff(tenant))
    response = client.post(
        reverse("admin:hitl_reviewdecision_changelist"),
        {"action": "export_csv", "_selected_action": list(ReviewDecision.objects.values_list("pk", flat=True))},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["request"] for row in rows] == [mine.summary]  # the other store's is not exported
    assert rows[0]["outcome"] == "rejected" and rows[0]["reason"] == "policy" and rows[0]["note"] == "'=cmd()"


def test_the_stores_wording_is_checked_for_unknown_placeholders(client, tenant):
    client.force_login(staff(tenant, role=Membership.Role.OWNER))
    url = reverse("admin:hitl_outcomemessage_add")
    response = client.post(url, {"tenant": tenant.pk, "outcome": "approved", "action": "",
                                 "body": "Refunded {amount} to {customer_email}", "active": "on"})  # fmt: skip
    assert response.status_code == 200 and "unknown placeholder {customer_email}" in response.content.decode()
    response = client.post(url, {"tenant": tenant.pk, "outcome": "approved", "action": "",
                                 "body": "Refunded {amount} {currency} for {order}.", "active": "on"})  # fmt: skip
    assert response.status_code == 302 and OutcomeMessage.objects.filter(tenant=tenant).count() == 1
    assert ReviewRequest.objects.count() == 0


class TestPassNine:
    def test_a_forged_withdraw_or_expire_from_the_console_is_refused(self, client, tenant):
        review, refund, _, _ = big_refund(tenant)
        client.force_login(staff(tenant))
        for choice in ("withdraw", "expire", "anything"):
            decide(client, review, decision=choice)
        refund.refresh_from_db()
        assert refund.status == "pending_review" and not ReviewDecision.objects.exists()

    def test_a_nan_amount_is_a_message_not_a_500(self, client, tenant):
        review, _, _, _ = big_refund(tenant)
        client.force_login(staff(tenant))
        response = decide(client, review, decision="approve_edited", amount="NaN")
        assert response.status_code == 302
        assert "Write the amount like" in client.get(response.url).content.decode()

    @pytest.mark.parametrize("body", ["Refunded {amount:.2f} {currency}", "Order {order!r}", "{amount:>50000000}"])
    def test_a_wording_with_a_format_is_refused_and_never_blocks_a_decision(self, client, tenant, body):
        client.force_login(staff(tenant, role=Membership.Role.OWNER))
        data = {"tenant": tenant.pk, "outcome": "approved", "action": "", "body": body, "active": "on"}
        response = client.post(reverse("admin:hitl_outcomemessage_add"), data)
        assert response.status_code == 200 and "without a format" in response.content.decode()
        OutcomeMessage.objects.create(tenant=tenant, outcome="approved", body=body)  # saved around the form
        review, _, order, _ = big_refund(tenant)
        from hitl import services

        services.review_decide(review=review, decision="approve", reviewer=staff(tenant))
        told = review.conversation.messages.get(direction="outbound").body
        assert order.number in told and len(told) < 500  # the default wording instead

    def test_the_csv_neutralises_formulas_in_every_column(self, client, tenant):
        from hitl import services

        review, _, _, _ = big_refund(tenant)
        ReviewRequest.objects.filter(pk=review.pk).update(queue='=HYPERLINK("http://x.example/","open")')
        user = f.UserFactory(staff=True, username="+1+cmd")
        f.MembershipFactory(user=user, tenant=tenant, role=Membership.Role.REVIEWER)
        record = services.review_decide(review=review, decision="approve", reviewer=user)
        client.force_login(staff(tenant))
        response = client.post(reverse("admin:hitl_reviewdecision_changelist"),
                               {"action": "export_csv", "_selected_action": [record.pk]})  # fmt: skip
        cells = [c for row in list(csv.reader(io.StringIO(response.content.decode())))[1:] for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@")], cells

    def test_filters_list_only_the_staff_members_stores(self, client, tenant, other_tenant):
        from tests.factories import TenantFactory

        third = TenantFactory(name="Somebody Else's Store")
        big_refund(third, key="third")
        ReviewRequest.objects.filter(tenant=third).update(queue="secret-queue")
        user = staff(tenant)
        f.MembershipFactory(user=user, tenant=other_tenant, role=Membership.Role.VIEWER)
        client.force_login(user)
        for name in ("hitl_reviewdecision_changelist", "hitl_reviewrequest_changelist"):
            page = client.get(reverse(f"admin:{name}")).content.decode()
            assert "Somebody Else" not in page and "secret-queue" not in page
            assert other_tenant.name in page  # their second store is offered


def test_an_sla_policy_change_in_the_admin_is_audited(client, tenant):
    from hitl.models import EscalationPolicy
    from tenants.models import AuditEvent

    owner = staff(tenant, role=Membership.Role.OWNER)
    client.force_login(owner)
    data = {"tenant": tenant.pk, "name": "VIP", "category": "", "priority": "", "channel": "", "customer_tag": "vip",
            "queue": "default", "active": "on", "warn_assignee": "on", "targets-TOTAL_FORMS": 1,
            "targets-INITIAL_FORMS": 0, "targets-0-metric": "first_response", "targets-0-minutes": 10,
            "targets-0-warn_percent": 75}  # fmt: skip
    response = client.post(reverse("admin:hitl_escalationpolicy_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = EscalationPolicy.objects.get(name="VIP")
    assert policy.targets.get().minutes == 10
    verbs = set(AuditEvent.objects.filter(actor_user=owner).values_list("verb", flat=True))
    assert {"sla_policy.created", "sla_policy.targets_changed"} <= verbs
