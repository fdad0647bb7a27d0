"""SLA clocks, through the doors that move them: a shopper's message stored, a reply sent, the
ticket opened by triage, a handoff, the ticket's status, a review request; and the minute check.
Each case of "which reply stops which clock" is its own test."""

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import services as conversation_services
from conversations.models import Conversation, Message, Ticket
from hitl import sla
from hitl.business_hours import Hours
from hitl.models import SlaBreach, SlaClock, SlaTarget, TicketSla
from tests import factories as f

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def policy(tenant, *, calendar=None, business_hours=False, **targets):
    row = f.EscalationPolicyFactory(tenant=tenant, category="", priority="", review_minutes=0, calendar=calendar)
    for metric, minutes in targets.items():
        SlaTarget.objects.create(tenant=tenant, policy=row, metric=metric, minutes=minutes,
                                 business_hours=business_hours)  # fmt: skip
    return row


@pytest.fixture
def run_hooks(django_capture_on_commit_callbacks):
    """Run what would run after commit (the clocks hear of messages and tickets then)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def conversation_with_ticket(tenant, run_hooks, *, text="where is my order?"):
    conversation = f.ConversationFactory(tenant=tenant)
    received = run_hooks(conversation_services.message_receive, tenant=tenant, channel="web", body=text,
                         customer=conversation.customer, verified=True, schedule_turn=False)  # fmt: skip
    conversation = Conversation.objects.get(pk=received.message.conversation_id)
    run_hooks(conversation_services.ticket_triage_save, conversation=conversation, category="order_status",
              priority="normal", confidence=0.9, clarification_needed=False)  # fmt: skip
    return conversation, Ticket.objects.get(conversation=conversation), received.message


def clocks(ticket, **filters):
    return {(c.metric, c.audience): c for c in SlaClock.objects.filter(ticket=ticket, **filters)}


def reply(run_hooks, conversation, sender="ai", body="Here you go."):
    return run_hooks(conversation_services.message_reply_create, conversation=conversation, body=body,
                     sender_kind=sender)  # fmt: skip


def shopper(run_hooks, conversation, body="and another thing"):
    return run_hooks(conversation_services.message_receive, tenant=conversation.tenant, channel="web", body=body,
                     customer=conversation.customer, verified=True, schedule_turn=False).message  # fmt: skip


class TestBusinessHours:
    @pytest.fixture
    def calendar(self, tenant):
        calendar = f.BusinessCalendarFactory(tenant=tenant, timezone="America/New_York")
        for weekday in range(5):
            f.BusinessPeriodFactory(calendar=calendar, weekday=weekday, opens=dt.time(9), closes=dt.time(12))
            f.BusinessPeriodFactory(calendar=calendar, weekday=weekday, opens=dt.time(13), closes=dt.time(17))
        f.HolidayFactory(calendar=calendar, date=dt.date(2026, 12, 25))
        return calendar

    def test_a_deadline_skips_lunch_nights_weekends_and_holidays(self, calendar):
        hours = Hours(calendar)
        ny = hours.zone
        thursday_4pm = dt.datetime(2026, 12, 24, 16, 0, tzinfo=ny)  # Christmas Eve, a Thursday
        # An hour left on Thursday; Friday is Christmas; the weekend is closed: Monday 9:30.
        assert hours.deadline(thursday_4pm, 90 * 60) == dt.datetime(2026, 12, 28, 9, 30, tzinfo=ny)
        eleven = dt.datetime(2026, 12, 28, 11, 30, tzinfo=ny)
        assert hours.deadline(eleven, 60 * 60) == dt.datetime(2026, 12, 28, 13, 30, tzinfo=ny)  # lunch skipped
        saturday = dt.datetime(2026, 12, 26, 10, 0, tzinfo=ny)
        assert hours.deadline(saturday, 60) == dt.datetime(2026, 12, 28, 9, 1, tzinfo=ny)

    def test_business_time_between_two_moments(self, calendar):
        hours = Hours(calendar)
        ny = hours.zone
        start, end = dt.datetime(2026, 12, 28, 11, 0, tzinfo=ny), dt.datetime(2026, 12, 28, 14, 0, tzinfo=ny)
        assert hours.between(start, end) == 2 * 3600  # 11-12 and 13-14
        assert hours.between(end, start) == 0

    def test_no_calendar_or_no_periods_is_the_clock(self, tenant):
        start = timezone.now()
        assert Hours(None).deadline(start, 600) == start + timedelta(minutes=10)
        assert Hours(f.BusinessCalendarFactory(tenant=tenant)).deadline(start, 600) == start + timedelta(minutes=10)

    def test_a_business_hours_target_counts_on_the_policys_calendar(self, tenant, calendar, run_hooks):
        policy(tenant, calendar=calendar, business_hours=True, first_response=60)
        _conversation, ticket, first = conversation_with_ticket(tenant, run_hooks)
        clock = clocks(ticket)[("first_response", "anyone")]
        assert clock.due_at == Hours(calendar).deadline(first.created_at, 3600) and clock.calendar == calendar


class TestResponseClocks:
    def test_the_ticket_gets_the_policy_and_its_clocks_from_the_first_message(self, tenant, run_hooks):
        rule = policy(tenant, first_response=15, resolution=480)
        _conversation, ticket, first = conversation_with_ticket(tenant, run_hooks)
        found = clocks(ticket)
        assert set(found) == {("first_response", "anyone"), ("resolution", "anyone")}
        assert found[("first_response", "anyone")].started_at == first.created_at
        assert found[("first_response", "anyone")].due_at == first.created_at + timedelta(minutes=15)
        assert TicketSla.objects.get(ticket=ticket).policy == rule
        ticket.refresh_from_db()
        assert ticket.sla_due_at == first.created_at + timedelta(minutes=15)

    def test_an_ai_reply_is_the_first_response_of_an_ai_handled_conversation(self, tenant, run_hooks):
        policy(tenant, first_response=15, next_response=60, resolution=480)
        conversation, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        sent = reply(run_hooks, conversation, "ai")
        first = clocks(ticket)[("first_response", "anyone")]
        assert (first.status, first.met_at) == ("met", sent.created_at)

    def test_a_system_message_stops_no_clock(self, tenant, run_hooks):
        policy(tenant, first_response=15)
        conversation, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        reply(run_hooks, conversation, "system", body="Your refund was approved.")
        assert clocks(ticket)[("first_response", "anyone")].status == "running"

    def test_each_new_message_after_an_answer_starts_a_next_response_clock(self, tenant, run_hooks):
        policy(tenant, first_response=15, next_response=60)
        conversation, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        reply(run_hooks, conversation, "ai")
        asked = shopper(run_hooks, conversation)
        shopper(run_hooks, conversation, "hello?")  # a second message does not start a second clock
        nexts = SlaClock.objects.filter(ticket=ticket, metric="next_response")
        assert nexts.count() == 1 and nexts.get().started_at == asked.created_at
        ticket.refresh_from_db()
        assert ticket.sla_due_at == nexts.get().due_at  # the queue sorts by the running clock
        reply(run_hooks, conversation, "ai")
        assert nexts.get().status == "met"
        ticket.refresh_from_db()
        assert ticket.sla_due_at is None  # nothing left running

    def test_a_handoff_starts_a_persons_first_response_that_ai_replies_do_not_stop(self, tenant, run_hooks):
        policy(tenant, first_response=15, next_response=60, resolution=480)
        conversation, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        reply(run_hooks, conversation, "ai")
        shopper(run_hooks, conversation, "I want a human")
        run_hooks(conversation_services.ticket_escalate, tenant=tenant, customer=conversation.customer,
                  conversation=conversation, reason="asked for a person")  # fmt: skip
        found = clocks(ticket)
        staff = found[("first_response", "staff")]
        assert staff.status == "running"
        assert found[("next_response", "anyone")].status == "cancelled"  # the AI's clock is not the person's
        reply(run_hooks, conversation, "ai", body="A colleague will be with you shortly.")
        staff.refresh_from_db()
        assert staff.status == "running"
        answered = reply(run_hooks, conversation, "staff", body="Hi, Sam here.")
        staff.refresh_from_db()
        assert (staff.status, staff.met_at) == ("met", answered.created_at)

    def test_after_the_handoff_only_staff_stop_the_next_response(self, tenant, run_hooks):
        policy(tenant, first_response=15, next_response=60)
        conversation, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        run_hooks(conversation_services.ticket_escalate, tenant=tenant, customer=conversation.customer,
                  conversation=conversation, reason="asked for a person")  # fmt: skip
        reply(run_hooks, conversation, "staff")
        shopper(run_hooks, conversation, "thanks, one more question")
        nxt = clocks(ticket)[("next_response", "staff")]
        reply(run_hooks, conversation, "ai")
        nxt.refresh_from_db()
        assert nxt.status == "running"
        reply(run_hooks, conversation, "staff")
        nxt.refresh_from_db()
        assert nxt.status == "met"

    def test_a_ticket_keeps_its_policy_when_a_more_specific_one_appears(self, tenant, run_hooks):
        first = policy(tenant, first_response=15, next_response=60)
        conversation, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        f.EscalationPolicyFactory(tenant=tenant, category="order_status", priority="", review_minutes=0)
        reply(run_hooks, conversation, "ai")
        shopper(run_hooks, conversation)
        assert clocks(ticket)[("next_response", "anyone")].policy == first


class TestResolution:
    def test_waiting_for_the_customer_pauses_and_their_reply_resumes_with_the_time_left(self, tenant, run_hooks):
        policy(tenant, resolution=60)
        conversation, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        clock = clocks(ticket)[("resolution", "anyone")]
        paused_at = clock.started_at + timedelta(minutes=20)
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.PENDING)
        ticket.refresh_from_db()
        sla.ticket_status_changed(ticket, at=paused_at)
        clock.refresh_from_db()
        assert (clock.status, clock.remaining_seconds) == ("paused", 40 * 60)
        back = shopper(run_hooks, conversation, "here is the photo")
        clock.refresh_from_db()
        assert clock.status == "running" and clock.due_at == back.created_at + timedelta(minutes=40)

    def test_solving_the_ticket_stops_it(self, tenant, run_hooks):
        policy(tenant, resolution=60, first_response=15)
        _conversation, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SOLVED)
        ticket.refresh_from_db()
        sla.ticket_status_changed(ticket)
        found = clocks(ticket)
        assert found[("resolution", "anyone")].status == "met"
        assert found[("first_response", "anyone")].status == "cancelled"
        ticket.refresh_from_db()
        assert ticket.sla_due_at is None


class TestTheMinuteCheck:
    def test_due_soon_is_warned_and_past_due_is_breached_once_with_a_row(self, tenant, other_tenant):
        now = timezone.now()
        soon = f.SlaClockFactory(tenant=tenant, started_at=now - timedelta(minutes=25), target_minutes=30)
        late = f.SlaClockFactory(tenant=other_tenant, started_at=now - timedelta(minutes=40), target_minutes=30)
        fine = f.SlaClockFactory(tenant=tenant, started_at=now, target_minutes=30)
        met = f.SlaClockFactory(tenant=tenant, started_at=now - timedelta(hours=2), status="met")
        found = sla.sla_evaluate(now)
        assert found == {"warned": [soon.pk], "breached": [late.pk]}
        breach = SlaBreach.objects.get()
        assert (breach.clock, breach.tenant, breach.ticket, breach.breached_at) == (
            late,
            other_tenant,
            late.ticket,
            now,
        )
        assert sla.sla_evaluate(now + timedelta(seconds=60)) == {"warned": [], "breached": []}  # once each
        for clock in (fine, met):
            clock.refresh_from_db()
            assert clock.warned_at is None and clock.breached_at is None

    def test_a_paused_clock_never_breaches(self, tenant):
        now = timezone.now()
        f.SlaClockFactory(tenant=tenant, started_at=now - timedelta(hours=2), status="paused")
        assert sla.sla_evaluate(now) == {"warned": [], "breached": []}

    def test_the_beat_task_runs_it(self, tenant):
        from hitl.tasks import sla_evaluate

        f.SlaClockFactory(tenant=tenant, started_at=timezone.now() - timedelta(hours=1))
        assert sla_evaluate() == {"warned": 0, "breached": 1}


class TestPolicies:
    def test_the_most_specific_policy_wins_channel_and_customer_tag_included(self, tenant, other_tenant):
        from hitl.selectors import escalation_policy_for

        anything = f.EscalationPolicyFactory(tenant=tenant, category="", priority="")
        vip = f.EscalationPolicyFactory(tenant=tenant, category="", priority="", customer_tag="vip")
        email = f.EscalationPolicyFactory(tenant=tenant, category="", priority="", channel="email")
        refunds = f.EscalationPolicyFactory(tenant=tenant, category="refund", priority="")
        f.EscalationPolicyFactory(tenant=other_tenant, category="refund", priority="", customer_tag="vip")

        def pick(**kw):
            values = {"category": "x", "priority": "low", "channel": "web", "customer_tags": (), **kw}
            return escalation_policy_for(tenant=tenant, **values)

        assert pick() == anything
        assert pick(customer_tags=["vip"]) == vip
        assert pick(channel="email", customer_tags=["vip"]) == email  # channel outranks a tag
        assert pick(category="refund", channel="email") == refunds  # category outranks both
        assert pick(category="refund", customer_tags=["vip"]) == refunds  # the other store's rule is not seen


class TestReviewClock:
    def test_a_review_request_runs_its_policys_review_target_until_decided(self, tenant):
        from hitl.services import review_decide
        from tests.hitl.test_decisions import big_refund, reviewer_of

        f.EscalationPolicyFactory(tenant=tenant, category="refund", priority="high", review_minutes=45)
        review, _, _, _ = big_refund(tenant)
        clock = SlaClock.objects.get(review=review)
        assert (clock.metric, clock.target_minutes, clock.status) == ("review", 45, "running")
        assert review.due_at == clock.due_at == clock.started_at + timedelta(minutes=45)
        review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant))
        clock.refresh_from_db()
        assert clock.status == "met" and clock.met_at is not None


def test_clocks_of_one_store_do_not_move_for_another(tenant, other_tenant, run_hooks):
    policy(tenant, first_response=15)
    policy(other_tenant, first_response=15)
    mine, my_ticket, _ = conversation_with_ticket(tenant, run_hooks)
    theirs, their_ticket, _ = conversation_with_ticket(other_tenant, run_hooks)
    reply(run_hooks, theirs, "ai")
    assert clocks(my_ticket)[("first_response", "anyone")].status == "running"
    assert clocks(their_ticket)[("first_response", "anyone")].status == "met"
    assert {c.tenant_id for c in SlaClock.objects.filter(ticket=my_ticket)} == {tenant.pk}
    assert Message.objects.filter(conversation=mine, direction="outbound").count() == 0


class TestPolicyChange:
    def test_a_person_moves_a_ticket_to_another_policy_and_its_clocks_follow(self, tenant, run_hooks):
        policy(tenant, first_response=15, resolution=480)
        _, ticket, first = conversation_with_ticket(tenant, run_hooks)
        faster = f.EscalationPolicyFactory(tenant=tenant, category="vip-rush", review_minutes=0)
        SlaTarget.objects.create(tenant=tenant, policy=faster, metric="first_response", minutes=5)
        owner = f.MembershipFactory(tenant=tenant, role="owner").user
        sla.ticket_policy_set(ticket=ticket, policy=faster, actor=owner)
        found = clocks(ticket)
        assert found[("first_response", "anyone")].due_at == first.created_at + timedelta(minutes=5)
        assert found[("resolution", "anyone")].status == "cancelled"  # the new policy has no such target
        from tenants.models import AuditEvent

        event = AuditEvent.objects.get(verb="ticket.sla_policy_changed")
        assert event.actor_user == owner and event.data["to"] == faster.name

    def test_another_stores_policy_is_refused(self, tenant, other_tenant, run_hooks):
        from supportdesk.errors import PermissionDenied

        policy(tenant, first_response=15)
        _, ticket, _ = conversation_with_ticket(tenant, run_hooks)
        theirs = f.EscalationPolicyFactory(tenant=other_tenant)
        with pytest.raises(PermissionDenied):
            sla.ticket_policy_set(ticket=ticket, policy=theirs, actor=None)
        assert TicketSla.objects.get(ticket=ticket).policy.tenant == tenant
