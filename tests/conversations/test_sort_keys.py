"""The inbox's sort keys on a conversation (``waiting_since``, ``sla_due_at``), through the doors
that move them: a shopper's message, the AI's and a person's replies, a handoff, a take-over, a
hand-back, the SLA clocks. At every step the kept keys are what a rebuild from the messages and
tickets computes, so the inbox's order (by an index on them) is the order of the facts."""

import pytest

from conversations import services as conversation_services
from conversations.models import Conversation, Ticket
from conversations.ownership import conversation_hand_back, conversation_take_over
from conversations.replies import staff_reply_send
from conversations.sort_keys import sort_keys_rebuild
from dashboard.selectors import InboxQuery, inbox
from hitl.models import SlaTarget
from tenants.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_hooks(django_capture_on_commit_callbacks):
    def run(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


@pytest.fixture
def agent(tenant):
    return f.MembershipFactory(tenant=tenant, role=Membership.Role.AGENT).user


def first_response_policy(tenant, minutes=30):
    policy = f.EscalationPolicyFactory(tenant=tenant, category="", priority="", review_minutes=0)
    SlaTarget.objects.create(tenant=tenant, policy=policy, metric="first_response", minutes=minutes)
    return policy


def shopper(run_hooks, tenant, customer, body):
    return run_hooks(conversation_services.message_receive, tenant=tenant, channel="web", body=body,
                     customer=customer, verified=True, schedule_turn=False).message  # fmt: skip


def keys(conversation) -> tuple:
    """The kept keys, after checking that a rebuild from the facts gives the same."""
    conversation.refresh_from_db()
    kept = (conversation.waiting_since, conversation.sla_due_at)
    sort_keys_rebuild(tenant_ids=[conversation.tenant_id])
    conversation.refresh_from_db()
    assert (conversation.waiting_since, conversation.sla_due_at) == kept
    return kept


def ticket_due(conversation):
    return Ticket.objects.filter(conversation=conversation).order_by("-created_at").first().sla_due_at


def test_the_keys_follow_every_door_as_a_rebuild_from_the_facts_would(tenant, agent, run_hooks):
    first_response_policy(tenant)
    customer = f.CustomerFactory(tenant=tenant)
    first = shopper(run_hooks, tenant, customer, "where is my order?")
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert keys(conversation) == (first.created_at, None)

    run_hooks(conversation_services.ticket_triage_save, conversation=conversation, category="order_status",
              priority="normal", confidence=0.9, clarification_needed=False)  # fmt: skip
    due = ticket_due(conversation)
    assert due is not None and keys(conversation) == (first.created_at, due)

    # The AI's reply answers the shopper and meets the first-response clock.
    run_hooks(conversation_services.message_reply_create, conversation=conversation, body="It ships today.")
    assert keys(conversation) == (None, ticket_due(conversation))
    second = shopper(run_hooks, tenant, customer, "actually I need a person")
    assert keys(conversation)[0] == second.created_at

    # A person takes it over: the AI's reply no longer answered anything, and a person owes one.
    run_hooks(conversation_take_over, conversation=conversation, actor=agent)
    waiting, due = keys(conversation)
    assert waiting == first.created_at and due is not None and due == ticket_due(conversation)
    run_hooks(conversation_services.message_reply_create, conversation=conversation, body="A person will reply.")
    assert keys(conversation)[0] == first.created_at  # the AI's words after the handoff answer nothing

    run_hooks(staff_reply_send, conversation=conversation, actor=agent, body="Hi, I'm on it.")
    assert keys(conversation) == (None, ticket_due(conversation))

    third = shopper(run_hooks, tenant, customer, "thanks, one more thing")
    run_hooks(conversation_hand_back, conversation=conversation, actor=agent)
    assert keys(conversation)[0] == third.created_at  # still waiting, now for the AI


def test_an_escalation_by_the_agent_makes_the_shopper_wait_for_a_person(tenant, run_hooks):
    customer = f.CustomerFactory(tenant=tenant)
    asked = shopper(run_hooks, tenant, customer, "I want a refund")
    conversation = Conversation.objects.get(pk=asked.conversation_id)
    run_hooks(conversation_services.message_reply_create, conversation=conversation, body="Let me check.")
    assert keys(conversation)[0] is None
    run_hooks(conversation_services.ticket_escalate, tenant=tenant, customer=customer, conversation=conversation,
              reason="refund dispute")  # fmt: skip
    assert keys(conversation)[0] == asked.created_at


def test_the_inbox_puts_open_work_first_by_due_time_then_by_the_longest_wait(tenant, agent, run_hooks):
    first_response_policy(tenant, minutes=60)
    rows = {}
    for name in ("waited long", "waits", "due soon", "resolved"):
        customer = f.CustomerFactory(tenant=tenant, name=name)
        message = shopper(run_hooks, tenant, customer, f"question from {name}")
        rows[name] = Conversation.objects.get(pk=message.conversation_id)
    due = rows["due soon"]
    run_hooks(conversation_services.ticket_triage_save, conversation=due, category="order_status",
              priority="normal", confidence=0.9, clarification_needed=False)  # fmt: skip
    Conversation.objects.filter(pk=rows["resolved"].pk).update(status=Conversation.Status.RESOLVED)
    order = [row.customer.name for row in inbox(tenant_ids={tenant.pk}, user=agent, query=InboxQuery(view="all"))]
    assert order == ["due soon", "waited long", "waits", "resolved"]
    newest = inbox(tenant_ids={tenant.pk}, user=agent, query=InboxQuery(view="all", sort="newest"))
    assert newest[0].customer.name == "resolved"
