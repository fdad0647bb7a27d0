"""Taking a conversation over from the AI: enforced by the service (and the turn), for the
store's answering staff only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.engine import turn_run
from agents.models import AgentRun
from conversations.models import Conversation, Message, Ticket
from conversations.ownership import (
    conversation_assign,
    conversation_hand_back,
    conversation_reopen,
    conversation_resolve,
    conversation_snooze,
    conversation_take_over,
    snoozed_wake,
)
from conversations.services import message_receive, message_reply_create
from hitl.models import SlaClock
from supportdesk.errors import ApplicationError, Conflict, PermissionDenied
from tenants.models import AuditEvent, Membership
from tests import factories as f
from tests.hitl.test_sla import policy

pytestmark = pytest.mark.django_db


def staff(tenant, role=Membership.Role.AGENT):
    user = f.UserFactory(staff=True)
    f.MembershipFactory(user=user, tenant=tenant, role=role)
    return user


def shopper_writes(tenant, text="where is my order?"):
    customer = f.CustomerFactory(tenant=tenant)
    received = message_receive(tenant=tenant, channel="web", body=text, customer=customer, schedule_turn=False)
    return Conversation.objects.get(pk=received.message.conversation_id)


def test_taking_over_makes_it_a_persons_and_the_ai_stays_quiet(tenant, django_capture_on_commit_callbacks):
    policy(tenant, first_response=15)
    conversation = shopper_writes(tenant)
    agent = staff(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        taken = conversation_take_over(conversation=conversation, actor=agent)
    assert taken.handled_by == Conversation.HandledBy.HUMAN and taken.assignee == agent
    ticket = Ticket.objects.get(conversation=conversation)
    assert ticket.assignee == agent and ticket.status == Ticket.Status.OPEN
    assert AuditEvent.objects.filter(tenant=tenant, verb="conversation.taken_over", actor_user=agent).exists()
    assert SlaClock.objects.filter(ticket=ticket, audience=SlaClock.Audience.STAFF, status="running").exists()

    # The turn scheduled for the shopper's message finds a person on it, and says nothing.
    assert turn_run(conversation_id=conversation.pk, flush=True).status == "human"
    assert not Message.objects.filter(conversation=conversation, direction="outbound").exists()
    # Taking one's own conversation again changes nothing, and records nothing more.
    conversation_take_over(conversation=conversation, actor=agent)
    assert AuditEvent.objects.filter(tenant=tenant, verb="conversation.taken_over").count() == 1


def test_only_the_stores_answering_staff_take_over(tenant, other_tenant):
    conversation = shopper_writes(tenant)
    for outsider in (staff(other_tenant, Membership.Role.OWNER), staff(tenant, Membership.Role.VIEWER)):
        with pytest.raises(PermissionDenied):
            conversation_take_over(conversation=conversation, actor=outsider)
    conversation.refresh_from_db()
    assert conversation.handled_by == Conversation.HandledBy.AI and conversation.assignee is None
    assert not AgentRun.objects.filter(conversation=conversation).exists()


def test_handing_back_lets_the_ai_answer_the_waiting_shopper_with_the_note(
    tenant, fake_openai, settings, django_capture_on_commit_callbacks
):
    settings.LLM_PROVIDERS = [{"name": "fake", "base_url": fake_openai.base_url, "api_key": "k", "model": "m"}]
    settings.LLM_TRIAGE = False
    f.AgentProfileFactory(tenant=tenant)
    policy(tenant, first_response=15)
    conversation = shopper_writes(tenant)
    agent = staff(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_take_over(conversation=conversation, actor=agent)
    message_receive(tenant=tenant, channel="web", body="hello? anyone?", conversation=conversation, schedule_turn=False)
    with django_capture_on_commit_callbacks(execute=True):
        back = conversation_hand_back(conversation=conversation, actor=agent, note="She is a VIP: be generous.")
    assert back.handled_by == Conversation.HandledBy.AI and back.assignee is None
    assert AuditEvent.objects.filter(tenant=tenant, verb="conversation.handed_back").exists()
    ticket = Ticket.objects.get(conversation=conversation)
    assert not SlaClock.objects.filter(ticket=ticket, audience="staff", status="running").exists()  # nobody owes it

    fake_openai.script({"content": "Sorry for the wait! How can I help?"})
    outcome = turn_run(conversation_id=conversation.pk, flush=True)
    assert outcome.status == "answered"
    system = fake_openai.requests[-1]["body"]["messages"][0]["content"]
    assert "She is a VIP: be generous." in system


def test_handing_back_after_the_person_answered_leaves_their_answered_messages_answered(tenant):
    conversation = shopper_writes(tenant)
    agent = staff(tenant)
    conversation_take_over(conversation=conversation, actor=agent)
    message_reply_create(conversation=conversation, body="On it!", sender_kind="staff")
    conversation_hand_back(conversation=conversation, actor=agent)
    assert turn_run(conversation_id=conversation.pk, flush=True).status == "nothing"


def test_snoozed_conversations_wake_by_time_or_when_the_shopper_writes(tenant, django_capture_on_commit_callbacks):
    agent = staff(tenant)
    by_time, by_reply = shopper_writes(tenant), shopper_writes(tenant)
    soon = timezone.now() + timedelta(hours=1)
    conversation_snooze(conversation=by_time, actor=agent, until=soon)
    conversation_snooze(conversation=by_reply, actor=agent)
    for conversation in (by_time, by_reply):
        conversation.refresh_from_db()
        assert conversation.status == Conversation.Status.SNOOZED
    assert snoozed_wake(now=soon - timedelta(minutes=1)) == 0
    assert snoozed_wake(now=soon + timedelta(seconds=1)) == 1
    by_time.refresh_from_db()
    assert by_time.status == Conversation.Status.OPEN and by_time.snoozed_until is None

    again = message_receive(tenant=tenant, channel="web", body="any news?", customer=by_reply.customer,
                            schedule_turn=False)  # fmt: skip
    assert again.message.conversation_id == by_reply.pk  # the snoozed conversation, not a new one
    by_reply.refresh_from_db()
    assert by_reply.status == Conversation.Status.OPEN
    with pytest.raises(ApplicationError):
        conversation_snooze(conversation=by_reply, actor=agent, until=timezone.now() - timedelta(minutes=5))


def test_resolving_solves_the_ticket_and_a_shopper_writing_again_reopens_both(tenant):
    conversation = shopper_writes(tenant)
    agent = staff(tenant)
    conversation_take_over(conversation=conversation, actor=agent)
    Conversation.objects.filter(pk=conversation.pk).update(agent_state={"pending_action": {"tool": "cancel_order"}})
    resolved = conversation_resolve(conversation=conversation, actor=agent)
    ticket = Ticket.objects.get(conversation=conversation)
    assert resolved.status == Conversation.Status.RESOLVED and ticket.status == Ticket.Status.SOLVED
    assert ticket.resolved_at is not None and "pending_action" not in resolved.agent_state
    with pytest.raises(Conflict):
        conversation_snooze(conversation=conversation, actor=agent)

    message_receive(tenant=tenant, channel="web", body="one more thing", conversation=conversation, schedule_turn=False)
    conversation.refresh_from_db()
    ticket.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN and ticket.status == Ticket.Status.OPEN
    conversation_resolve(conversation=conversation, actor=agent)
    assert conversation_reopen(conversation=conversation, actor=agent).status == Conversation.Status.OPEN


def test_assigning_gives_it_to_a_colleague_of_the_same_store_only(tenant, other_tenant):
    conversation = shopper_writes(tenant)
    lead, colleague, outsider = staff(tenant), staff(tenant), staff(other_tenant)
    assigned = conversation_assign(conversation=conversation, assignee=colleague, actor=lead)
    assert assigned.assignee == colleague and assigned.handled_by == Conversation.HandledBy.AI
    with pytest.raises(PermissionDenied):
        conversation_assign(conversation=conversation, assignee=outsider, actor=lead)
    with pytest.raises(PermissionDenied):
        conversation_assign(conversation=conversation, assignee=outsider, actor=outsider)
    for action in (conversation_resolve, conversation_snooze, conversation_hand_back, conversation_reopen):
        with pytest.raises(PermissionDenied):
            action(conversation=conversation, actor=outsider)
    conversation.refresh_from_db()
    assert conversation.assignee == colleague and conversation.status == Conversation.Status.OPEN
