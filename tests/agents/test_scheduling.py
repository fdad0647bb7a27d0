"""When turns are queued: the debounced countdown, the straggler sweep, and live events."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from agents import scheduling
from agents.engine.stragglers import conversations_waiting_too_long
from agents.tasks import run_turn
from conversations.events import conversation_group
from conversations.models import Conversation, Message
from conversations.services import message_receive
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(
        run_turn, "apply_async", lambda args, kwargs, countdown: calls.append((args, kwargs, countdown))
    )
    return calls


def test_a_message_queues_its_turn_for_when_the_window_closes(tenant, queued):
    tenant.batch_window_ms, tenant.batch_max_wait_ms = 2000, 8000
    tenant.save()
    message = message_receive(tenant=tenant, channel="web", body="hi", email="q@example.com", schedule_turn=False)
    scheduling.turn_schedule(message.message)
    [(args, kwargs, countdown)] = queued
    assert args == (message.message.conversation_id,) and kwargs == {"flush": False}
    assert 1.5 < countdown <= 2.0
    scheduling.turn_schedule(message.message, flush=True)
    assert queued[-1][2] == 0


def test_no_turn_is_queued_for_a_conversation_a_person_handles(tenant, queued):
    conversation = f.ConversationFactory(tenant=tenant, handled_by=Conversation.HandledBy.HUMAN)
    received = message_receive(tenant=tenant, channel="web", body="hi", conversation=conversation, schedule_turn=False)
    scheduling.turn_schedule(received.message)
    assert queued == []


def test_the_sweep_finds_messages_left_unanswered(tenant, other_tenant):
    def unanswered(t, minutes_ago, **conversation):
        c = f.ConversationFactory(tenant=t, **conversation)
        m = f.MessageFactory(tenant=t, conversation=c, direction="inbound", sender_kind="customer")
        Message.objects.filter(pk=m.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
        return c

    late = unanswered(tenant, 5)
    late_elsewhere = unanswered(other_tenant, 5)
    recent = unanswered(tenant, 0)
    human = unanswered(tenant, 5, handled_by="human")
    answered = unanswered(tenant, 5)
    Conversation.objects.filter(pk=answered.pk).update(answered_through_id=10**12)
    found = set(conversations_waiting_too_long())
    assert {late.pk, late_elsewhere.pk} <= found
    assert not found & {recent.pk, human.pk, answered.pk}


def test_inbound_messages_are_pushed_live_to_the_conversation_group(tenant, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    conversation = f.ConversationFactory(tenant=tenant)
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(conversation_group(conversation.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        message_receive(tenant=tenant, channel="web", body="live?", conversation=conversation, schedule_turn=False)
    event = async_to_sync(layer.receive)(channel)
    assert event["kind"] == "message.created" and event["data"]["body"] == "live?"
    assert event["conversation_id"] == conversation.pk
