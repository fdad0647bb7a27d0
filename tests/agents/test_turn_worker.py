"""The turn through the real broker and real worker processes: debounced batching, and a
worker killed mid-turn whose turn runs again without refunding twice."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from agents.models import AgentRun
from agents.tasks import run_turn
from conversations.models import Conversation, Customer, Message
from conversations.services import message_receive, message_reply_create
from orders.models import Order, Refund
from supportdesk.celery import app as celery_app
from supportdesk.demo.loader import demo_seed
from tenants.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout=60.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def seeded() -> Tenant:
    demo_seed(now=timezone.now(), only=("macrocenter",))
    return Tenant.objects.get(slug="macrocenter")


def test_three_quick_messages_get_one_answer_from_the_worker(celery_worker, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    tenant = seeded()
    Tenant.objects.filter(pk=tenant.pk).update(batch_window_ms=800, batch_max_wait_ms=6000)
    tenant.refresh_from_db()
    alex = Customer.objects.get(tenant=tenant, email="alex.morgan@example.com")
    tracking = Order.objects.get(tenant=tenant, number="ORD-1002").tracking_number
    assert tracking
    for text in ("hi", "it's about ORD-1002", "where is it?"):
        message_receive(tenant=tenant, channel="sms", body=text, customer=alex, verified=True)
        time.sleep(0.15)
    conversation = Conversation.objects.get(customer=alex, channel="sms", status="open")
    replies = Message.objects.filter(conversation=conversation, direction="outbound")
    wait_for(replies.exists, what="the worker's reply")
    time.sleep(1.5)  # every other scheduled task has fired by now, and found nothing to do
    assert replies.count() == 1 and tracking in replies.get().body
    assert AgentRun.objects.filter(conversation=conversation).count() == 1


def _worker(queue: str, llm_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test",
        "SUPPORTDESK_TEST_WORKER": "1",
        "SUPPORTDESK_TEST_LLM_FROM_ENV": "1",
        "LLM_BASE_URL": llm_url,
        "LLM_API_KEY": "test-key",
        "LLM_MAX_RETRIES": "0",
        "LLM_TIMEOUT": "60",
        "CELERY_VISIBILITY_TIMEOUT": "2",  # a killed worker's task comes back quickly
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "supportdesk", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "-Q", queue, "--hostname", f"{queue}-{time.monotonic_ns()}@%h", "--without-mingle", "--without-gossip"],
        env=env, start_new_session=True,
    )  # fmt: skip


def test_a_worker_killed_mid_turn_reruns_the_turn_without_a_second_refund(celery_worker, fake_openai, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    tenant = seeded()
    mia = Customer.objects.get(tenant=tenant, email="mia.johnson@example.com")
    order = Order.objects.get(tenant=tenant, number="ORD-1014", customer=mia)
    assert order.total <= tenant.refund_review_threshold  # the premise: refunded at once, no review
    amount = f"{order.total} {order.currency}"
    pending = {"tool": "process_refund", "arguments": {"order_number": "ORD-1014", "amount": str(order.total)},
               "summary": f"I will refund {amount} for order ORD-1014."}  # fmt: skip
    asking = message_receive(tenant=tenant, channel="web", body="refund ORD-1014 please", customer=mia,
                             verified=True, schedule_turn=False)  # fmt: skip
    conversation = Conversation.objects.get(pk=asking.message.conversation_id)
    # The agent asked (the question a yes answers), then the shopper said yes.
    asked = message_reply_create(conversation=conversation, body=f"{pending['summary']} Shall I go ahead?")
    message_receive(tenant=tenant, channel="web", body="yes", customer=mia, verified=True, schedule_turn=False)
    Conversation.objects.filter(pk=conversation.pk).update(
        agent_state={"pending_action": {**pending, "asked_in": asked.pk}}, answered_through_id=asking.message.pk
    )
    refund_call = {"tool_calls": [{"name": "process_refund", "arguments": pending["arguments"]}]}
    # The model refunds, then hangs before its reply: the worker dies right there.
    fake_openai.script(refund_call, {"delay": 30, "content": "never sent"})
    queue = f"killtest{os.getpid()}"
    first = _worker(queue, fake_openai.base_url)
    try:
        run_turn.apply_async((conversation.pk,), {"flush": True}, queue=queue)
        wait_for(Refund.objects.filter(order__number="ORD-1014").exists, what="the refund")
        wait_for(lambda: len(fake_openai.requests) >= 2, what="the second LLM call")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    replies = Message.objects.filter(conversation=conversation, direction="outbound", pk__gt=asked.pk)
    assert not replies.exists()
    assert AgentRun.objects.get(conversation=conversation).status == AgentRun.Status.RUNNING

    # A new worker gets the unacknowledged task back and runs the whole turn again.
    fake_openai.script(refund_call, {"content": f"Your refund of {amount} is done."})
    second = _worker(queue, fake_openai.base_url)
    try:
        wait_for(replies.exists, timeout=90, what="the re-run turn's reply")
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    # What the yes did is said by code, in the tool's words; the model's sentence with a figure is not kept.
    assert replies.get().body == f"Refunded {amount} for ORD-1014."
    refunds = Refund.objects.filter(order=order)
    assert refunds.count() == 1 and refunds.get().amount == order.total
    assert refunds.get().status == Refund.Status.PROCESSED
    runs = AgentRun.objects.filter(conversation=conversation).order_by("id")
    assert [r.status for r in runs] == [AgentRun.Status.FAILED, AgentRun.Status.SUCCEEDED]
    assert runs[0].turn_key == runs[1].turn_key
