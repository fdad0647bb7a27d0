"""Taking a conversation over from the AI: enforced by the service (and the turn), for the
store's answering staff only."""

import pytest

from agents.engine import turn_run
from agents.models import AgentRun
from conversations.models import Conversation, Message, Ticket
from conversations.ownership import conversation_take_over
from conversations.services import message_receive
from hitl.models import SlaClock
from supportdesk.errors import PermissionDenied
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
