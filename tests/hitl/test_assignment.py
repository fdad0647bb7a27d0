"""Assignment and escalation: who gets a new review request or a handed-off ticket, what
happens at a clock's warning and breach, and who may see which queue (django-guardian)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conversations import services as conversation_services
from hitl import assignment, escalation, services, sla
from hitl.models import QueueMember, ReviewRequest, SlaClock
from supportdesk.errors import PermissionDenied
from tenants.models import AuditEvent, Membership
from tests import factories as f
from tests.hitl.test_decisions import big_refund

pytestmark = pytest.mark.django_db


def member(tenant, queue, *, status="online", capacity=10, role="reviewer", **user):
    person = f.MembershipFactory(tenant=tenant, role=role, user=f.UserFactory(**user)).user
    assignment.queue_member_save(member=QueueMember(tenant=tenant, queue=queue, user=person, capacity=capacity))
    f.StaffStatusFactory(tenant=tenant, user=person, status=status)
    return person


@pytest.fixture
def billing(tenant):
    """Refunds go to the billing queue (the policy), worked by its members."""
    f.EscalationPolicyFactory(tenant=tenant, category="refund", priority="high", queue="billing")
    return f.QueueFactory(tenant=tenant, name="billing")


def refund_review(tenant, n):
    review, _, _, _ = big_refund(tenant, key=f"k{n}")
    review.refresh_from_db()
    return review


class TestWhoGetsIt:
    def test_balanced_gives_the_fewest_open_first_then_the_longest_waiting(self, tenant, billing):
        ana, ben = member(tenant, billing), member(tenant, billing)
        first, second, third = (refund_review(tenant, n).assignee for n in range(3))
        assert {first, second} == {ana, ben} and third == first  # level again: the longest since last
        assert AuditEvent.objects.filter(verb="reviewrequest.assigned").count() == 3

    def test_round_robin_takes_turns_whatever_the_load(self, tenant, billing):
        billing.strategy = "round_robin"
        billing.save()
        ana, ben = member(tenant, billing), member(tenant, billing)
        got = [refund_review(tenant, n).assignee for n in range(4)]
        assert got[0] != got[1] and got[2] == got[0] and got[3] == got[1] and set(got) == {ana, ben}

    @pytest.mark.parametrize("status", ["away", "offline"])
    def test_nobody_away_or_offline_gets_work_and_it_waits_unassigned(self, tenant, billing, status):
        member(tenant, billing, status=status)
        assert refund_review(tenant, 0).assignee is None

    def test_nobody_at_capacity_gets_more(self, tenant, billing):
        busy = member(tenant, billing, capacity=1)
        assert refund_review(tenant, 0).assignee == busy
        assert refund_review(tenant, 1).assignee is None

    def test_coming_online_picks_up_the_waiting_work_most_due_first(self, tenant, billing):
        person = member(tenant, billing, status="offline", capacity=2)
        waiting = [refund_review(tenant, n) for n in range(3)]
        assert all(r.assignee is None for r in waiting)
        assignment.staff_status_set(tenant=tenant, user=person, status="online")
        picked = ReviewRequest.objects.filter(assignee=person).order_by("due_at")
        assert list(picked) == sorted(waiting, key=lambda r: r.due_at)[:2]  # up to capacity
        assert AuditEvent.objects.filter(verb="staff.status_changed", actor_user=person).exists()

    def test_another_stores_members_are_never_chosen(self, tenant, other_tenant, billing):
        theirs = f.QueueFactory(tenant=other_tenant, name="billing")
        member(other_tenant, theirs)
        assert refund_review(tenant, 0).assignee is None

    def test_a_handoff_goes_to_a_member_of_the_policys_queue(self, tenant, django_capture_on_commit_callbacks):
        f.EscalationPolicyFactory(tenant=tenant, category="", priority="", queue="support")
        queue = f.QueueFactory(tenant=tenant, name="support")
        person = member(tenant, queue, role="agent")
        conversation = f.ConversationFactory(tenant=tenant)
        with django_capture_on_commit_callbacks(execute=True):
            ticket = conversation_services.ticket_escalate(
                tenant=tenant, customer=conversation.customer, conversation=conversation, reason="asked for a person"
            )
        ticket.refresh_from_db()
        conversation.refresh_from_db()
        assert ticket.assignee == person and conversation.assignee == person


class TestEscalation:
    def test_at_warn_time_the_assignee_is_told(self, tenant, billing):
        person = member(tenant, billing)
        review = refund_review(tenant, 0)
        clock = SlaClock.objects.get(review=review)
        found = sla.sla_evaluate(clock.warn_at + timedelta(seconds=1))
        escalation.escalate(**found)
        event = AuditEvent.objects.get(verb="sla.warned")
        assert event.target_id == str(review.pk) and event.data["assignee"] == person.get_username()

    def test_at_breach_it_is_reassigned_raised_and_the_owners_are_emailed(self, tenant, billing):
        first = member(tenant, billing)
        review = refund_review(tenant, 0)
        assert review.assignee == first and review.priority == "high"
        second = member(tenant, billing)
        boss = f.UserFactory(email="boss@store.example")
        billing.owners.add(boss)
        clock = SlaClock.objects.get(review=review)
        escalation.escalate(**sla.sla_evaluate(clock.due_at + timedelta(seconds=1)))
        review.refresh_from_db()
        assert review.assignee == second and review.priority == "urgent"
        assert [m.to for m in mail.outbox] == [["boss@store.example"]] and "SLA breached" in mail.outbox[0].subject
        verbs = set(AuditEvent.objects.filter(target_id=str(review.pk)).values_list("verb", flat=True))
        assert {"sla.breached", "sla.reassigned", "sla.priority_raised", "sla.owners_notified"} <= verbs

    def test_a_policy_can_turn_each_step_off(self, tenant, billing):
        first = member(tenant, billing)
        review = refund_review(tenant, 0)
        member(tenant, billing)
        policy = SlaClock.objects.get(review=review).policy
        type(policy).objects.filter(pk=policy.pk).update(breach_reassign=False, breach_raise_priority=False)
        clock = SlaClock.objects.get(review=review)
        escalation.escalate(**sla.sla_evaluate(clock.due_at + timedelta(seconds=1)))
        review.refresh_from_db()
        assert (review.assignee, review.priority) == (first, "high")

    def test_the_beat_task_escalates(self, tenant, billing):
        from hitl.tasks import sla_evaluate

        member(tenant, billing)
        review = refund_review(tenant, 0)
        SlaClock.objects.filter(review=review).update(due_at=timezone.now() - timedelta(minutes=1))
        assert sla_evaluate()["breached"] == 1
        assert AuditEvent.objects.filter(verb="sla.breached", target_id=str(review.pk)).exists()


class TestQueueVisibility:
    def test_a_reviewer_sees_and_decides_only_their_queues(self, client, tenant, billing):
        reviewer = member(tenant, billing)
        mine = refund_review(tenant, 0)
        other = f.ReviewRequestFactory(tenant=tenant, queue="urgent", summary="Someone else's queue")
        f.QueueFactory(tenant=tenant, name="urgent")
        reviewer.is_staff = True
        reviewer.save()
        client.force_login(reviewer)
        page = client.get(reverse("admin:hitl_reviewrequest_changelist")).content.decode()
        assert mine.summary in page and other.summary not in page
        assert client.post(reverse("admin:hitl_reviewrequest_decide", args=[other.pk]),
                           {"decision": "approve"}).status_code == 404  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.review_decide(review=other, decision="reject", reviewer=reviewer, reason="policy")

    def test_removing_a_member_takes_the_permission_away(self, tenant, billing):
        reviewer = member(tenant, billing)
        assert assignment.visible_queues(user=reviewer, tenant_id=tenant.pk) == ["billing"]
        assignment.queue_member_remove(member=QueueMember.objects.get(user=reviewer))
        assert assignment.visible_queues(user=reviewer, tenant_id=tenant.pk) == []

    def test_managers_and_stores_without_queues_see_everything(self, client, tenant, other_tenant):
        review = f.ReviewRequestFactory(tenant=other_tenant, queue="anything")
        reviewer = f.MembershipFactory(tenant=other_tenant, role=Membership.Role.REVIEWER,
                                       user=f.UserFactory(staff=True)).user  # fmt: skip
        assert assignment.visible_queues(user=reviewer, tenant_id=other_tenant.pk) is None
        client.force_login(reviewer)
        assert review.summary in client.get(reverse("admin:hitl_reviewrequest_changelist")).content.decode()
