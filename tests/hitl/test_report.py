"""The support report: each figure from rows made to be counted, through hitl.report, the
`support_report` command and the admin page; one store's figures never hold another's."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Message, Ticket
from hitl import services
from hitl.models import SlaClock
from hitl.report import support_report
from tenants.models import Membership
from tests import factories as f
from tests.hitl.test_decisions import big_refund, reviewer_of

pytestmark = pytest.mark.django_db


def conversation(tenant, *, days_ago, channel="web", customer=None, **fields):
    convo = f.ConversationFactory(tenant=tenant, channel=channel, **({"customer": customer} if customer else {}),
                                  **fields)  # fmt: skip
    Conversation.objects.filter(pk=convo.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return convo


def message(convo, *, days_ago, direction="inbound", sender="customer", hours=0):
    m = f.MessageFactory(tenant=convo.tenant, conversation=convo, direction=direction, sender_kind=sender)
    Message.objects.filter(pk=m.pk).update(created_at=timezone.now() - timedelta(days=days_ago, hours=hours))
    return m


@pytest.fixture
def store(tenant):
    """Four conversations: resolved by the AI, one the shopper came back to, one a person took,
    and one too recent to say."""
    resolved = conversation(tenant, days_ago=5)
    message(resolved, days_ago=5)
    message(resolved, days_ago=5, direction="outbound", sender="ai")
    back = conversation(tenant, days_ago=5, channel="email")
    message(back, days_ago=5)
    message(back, days_ago=5, direction="outbound", sender="ai", hours=1)
    elsewhere = conversation(tenant, days_ago=4, channel="sms", customer=back.customer)
    message(elsewhere, days_ago=4)  # a day later, on another channel: not resolved
    handed = conversation(tenant, days_ago=5, handled_by=Conversation.HandledBy.HUMAN)
    message(handed, days_ago=5)
    message(handed, days_ago=5, direction="outbound", sender="ai")
    message(handed, days_ago=5, direction="outbound", sender="staff")
    f.TicketFactory(tenant=tenant, conversation=handed, customer=handed.customer, category="damaged_item",
                    csat_score=2)  # fmt: skip
    recent = conversation(tenant, days_ago=0)
    message(recent, days_ago=0)
    message(recent, days_ago=0, direction="outbound", sender="ai")
    f.TicketFactory(tenant=tenant, conversation=resolved, customer=resolved.customer, csat_score=5)
    Ticket.objects.filter(tenant=tenant).update(created_at=timezone.now() - timedelta(days=5))
    return tenant


def test_conversations_ai_resolution_handoffs_and_csat(store, other_tenant):
    conversation(other_tenant, days_ago=5)  # another store's: counted nowhere here
    totals = support_report(tenant=store, since=timezone.now().date() - timedelta(days=10))["totals"]
    assert totals["conversations"] == 5
    # Decided: resolved, came back, the other channel's (no AI reply: not resolved), handed off; not the recent one.
    assert (totals["ai_resolution_decided"], totals["ai_resolution_rate"]) == (4, 0.25)
    assert totals["handoff_rate"] == 0.2 and totals["handoffs_by_reason"] == {"damaged_item": {"count": 1, "rate": 0.2}}
    assert totals["csat"] == {"average": 3.5, "responses": 2, "satisfied_rate": 0.5}


def test_figures_per_channel_and_per_day(store):
    report = support_report(tenant=store, since=timezone.now().date() - timedelta(days=10))
    channels = {row["channel"]: row["conversations"] for row in report["by_channel"]}
    assert channels == {"web": 3, "email": 1, "sms": 1}
    days = {row["day"]: row["conversations"] for row in report["by_day"]}
    assert sum(days.values()) == 5 and len(days) == 3


def test_review_turnaround_override_rate_and_sla_compliance(tenant):
    approved, _, _, _ = big_refund(tenant, key="a")
    edited, _, _, _ = big_refund(tenant, key="b")
    services.review_decide(review=approved, decision="approve", reviewer=reviewer_of(tenant))
    services.review_decide(review=edited, decision="approve", reviewer=reviewer_of(tenant), edits={"amount": "10"})
    now = timezone.now()
    late = f.SlaClockFactory(tenant=tenant, metric="first_response", started_at=now - timedelta(hours=2))
    SlaClock.objects.filter(pk=late.pk).update(status="met", met_at=now)  # met after it was due
    in_time = f.SlaClockFactory(tenant=tenant, metric="first_response", started_at=now - timedelta(minutes=10))
    SlaClock.objects.filter(pk=in_time.pk).update(status="met", met_at=now - timedelta(minutes=5))
    totals = support_report(tenant=tenant, since=now.date())["totals"]
    assert totals["reviews_decided"] == 2 and totals["review_override_rate"] == 0.5
    assert totals["review_turnaround_minutes"]["count"] == 2
    assert totals["review_turnaround_minutes"]["median"] is not None
    first = totals["sla_compliance"]["first_response"]
    assert (first["finished"], first["breached"], first["rate"]) == (2, 1, 0.5)
    assert totals["sla_compliance"]["review"]["rate"] == 1.0  # both decided within their clocks
    assert totals["first_response_minutes"] == {"median": 62.5, "p90": 120.0, "count": 2}  # 120 and 5 minutes


def test_the_command_prints_the_figures_and_json(store):
    out = StringIO()
    call_command("support_report", tenant=store.slug, since=str(timezone.now().date() - timedelta(days=10)), stdout=out)
    text = out.getvalue()
    assert "5 conversations, AI resolution 25%" in text and "damaged_item 1" in text
    out = StringIO()
    call_command("support_report", tenant=store.slug, json=True, stdout=out)
    assert json.loads(out.getvalue())["totals"]["conversations"] == 5


@pytest.mark.parametrize(
    ("options", "message"),
    [({"tenant": "nope"}, "No store 'nope'"), ({"since": "yesterday"}, "is not a date"),
     ({"since": "2026-11-10", "until": "2026-11-01"}, "must be after")],
)  # fmt: skip
def test_the_command_says_what_is_wrong(tenant, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("support_report", **{"tenant": tenant.slug, **options}, stdout=StringIO())


def test_the_admin_page_shows_the_staff_members_own_store(client, store, other_tenant):
    user = f.UserFactory(staff=True)
    f.MembershipFactory(user=user, tenant=store, role=Membership.Role.REVIEWER)
    client.force_login(user)
    url = reverse("admin:hitl_report")
    page = client.get(url, {"since": str(timezone.now().date() - timedelta(days=10))})
    assert page.status_code == 200 and page.context["report"]["totals"]["conversations"] == 5
    forged = client.get(url, {"store": other_tenant.pk})  # not theirs: their own store instead
    assert forged.context["store"] == store
    assert "is not a date" in client.get(url, {"since": "soon"}).content.decode()
    assert reverse("admin:hitl_report") in client.get(reverse("admin:hitl_reviewrequest_changelist")).content.decode()
