"""Bounded cost per message, whatever the model does: one budget of model calls, tokens and
time for the whole turn, caps on acting tools and follow-ups, and each store's daily budget.
Past a model budget the offline agent answers, so the shopper still gets a real answer."""

import pytest
from django.urls import reverse

from agents.engine.converse import converse, customer_for_contact
from agents.models import AgentProfile, AgentRun
from conversations.models import Message
from orders.models import Order
from tenants.models import UsageDay
from tenants.selectors import usage_day
from tests import factories as f
from tests.fake_openai import tool_call as call

ALEX = "alex.morgan@example.com"


def say(tenant, text, who=ALEX):
    return converse(tenant=tenant, customer=customer_for_contact(tenant=tenant, contact=who), text=text)


def chats(llm):
    return [r for r in llm.requests if r["path"].endswith("/chat/completions")]


def run_of(result) -> AgentRun:
    return AgentRun.objects.get(conversation_id=result["conversation_id"], pk=max(
        AgentRun.objects.filter(conversation_id=result["conversation_id"]).values_list("pk", flat=True)
    ))  # fmt: skip


def shipped(tenant) -> Order:
    return Order.objects.filter(tenant=tenant, customer__email=ALEX, status="shipped").first()


def test_the_supervisor_and_its_specialists_share_one_budget_of_calls(macrocenter, llm, settings):
    settings.AGENT_TURN_MAX_LLM_CALLS = 3
    AgentProfile.objects.filter(tenant=macrocenter).update(max_steps=10)
    order = shipped(macrocenter)
    ask = call("ask_specialist", {"specialist": "Orders and returns", "request": f"Where is {order.number}?"})
    llm.script(ask, *[call("lookup_order", {"order_number": order.number})] * 10)
    result = say(macrocenter, "hmm so about that thing")  # vague: the supervisor decides
    assert len(chats(llm)) == 3
    run = run_of(result)
    assert "turn_llm_calls_exhausted" in run.flags and run.provider == "offline"


def test_a_turn_stops_asking_the_model_past_its_tokens(macrocenter, llm, settings):
    settings.AGENT_TURN_MAX_TOKENS = 1  # the first call's prompt alone is more
    order = shipped(macrocenter)
    llm.script(call("lookup_order", {"order_number": order.number}), {"content": "Let me see."})
    result = say(macrocenter, f"where is {order.number}?")
    assert len(chats(llm)) == 1 and "turn_tokens_exhausted" in run_of(result).flags
    assert order.tracking_number in result["reply"]


def test_acting_tools_are_capped_per_turn(macrocenter, llm, settings):
    settings.AGENT_TURN_MAX_ACTIONS = 2
    orders = list(Order.objects.filter(tenant=macrocenter, customer__email=ALEX).order_by("number"))
    llm.script(
        {"tool_calls": [{"name": "cancel_order", "arguments": {"order_number": o.number}} for o in orders[:4]]},
        {"content": "Working on it."},
    )
    result = say(macrocenter, "cancel all my orders")
    statuses = [c["status"] for c in result["tool_calls"]]
    assert statuses[2:] == ["denied"] * (len(statuses) - 2) and len(statuses) == min(4, len(orders))
    assert all(c["status"] != "denied" for c in result["tool_calls"][:2])


def test_acting_tools_are_capped_per_conversation(macrocenter, llm, settings):
    settings.AGENT_CONVERSATION_MAX_ACTIONS = 1
    f.ToolCallFactory(tenant=macrocenter, tool="process_refund", status="ok",
                      run__conversation=_conversation(macrocenter))  # fmt: skip
    order = shipped(macrocenter)
    llm.script(call("process_refund", {"order_number": order.number}), {"content": "ok"})
    result = say(macrocenter, f"refund {order.number}")
    assert result["tool_calls"][0]["status"] == "denied"


def _conversation(tenant):
    customer = customer_for_contact(tenant=tenant, contact=ALEX)
    return f.ConversationFactory(tenant=tenant, customer=customer, channel="web")


def test_one_followup_per_turn_and_a_few_per_conversation(macrocenter, llm, settings):
    settings.AGENT_CONVERSATION_MAX_FOLLOWUPS = 2
    for profile in AgentProfile.objects.filter(tenant=macrocenter):
        profile.allowed_tools = sorted({*profile.allowed_tools, "send_followup"})
        profile.save()
    flood = {"tool_calls": [{"name": "send_followup", "arguments": {"channel": "email", "message": f"spam {i}"}}
                            for i in range(5)]}  # fmt: skip
    llm.script(flood, {"content": "Sent!"})
    first = say(macrocenter, "email me the details please")
    assert [c["status"] for c in first["tool_calls"]] == ["ok"] + ["denied"] * 4
    llm.script(flood, {"content": "Sent!"}, flood, {"content": "Sent!"})
    say(macrocenter, "again please")
    third = say(macrocenter, "and once more")
    assert third["tool_calls"][0]["status"] == "denied"
    sent = Message.objects.filter(conversation__customer__email=ALEX, channel="email", direction="outbound")
    assert sent.count() == 2


def test_a_fan_out_in_one_step_runs_only_the_first_few(macrocenter, llm, settings):
    settings.AGENT_STEP_MAX_TOOL_CALLS = 3
    order = shipped(macrocenter)
    fan = {"tool_calls": [{"name": "lookup_order", "arguments": {"order_number": order.number}}] * 30}
    llm.script(fan, {"content": f"{order.number} is on its way."})
    result = say(macrocenter, f"where is {order.number}")
    assert len(result["tool_calls"]) == 3 and "tool_fanout_capped" in run_of(result).flags


def test_the_stores_daily_budget_hands_the_day_to_the_offline_agent(macrocenter, llm):
    macrocenter.llm_daily_token_budget = 500
    macrocenter.save()
    order = shipped(macrocenter)
    llm.script({"content": "Hello from the model, using tokens."})
    first = say(macrocenter, "hi there")
    used = UsageDay.objects.get(tenant=macrocenter, day=usage_day())
    run = run_of(first)
    assert used.llm_tokens == run.tokens_in + run.tokens_out > 0 and used.turns == 1
    UsageDay.objects.filter(pk=used.pk).update(llm_tokens=500)
    before = len(chats(llm))
    result = say(macrocenter, f"where is {order.number}?")
    assert len(chats(llm)) == before  # no model call at all
    assert "tenant_llm_budget_exhausted" in run_of(result).flags and order.tracking_number in result["reply"]


def test_a_cost_budget_counts_too(macrocenter, llm):
    macrocenter.llm_daily_cost_budget = "0.01"
    macrocenter.save()
    f.UsageDayFactory(tenant=macrocenter, day=usage_day(), llm_cost="0.01")
    result = say(macrocenter, "hello")
    assert chats(llm) == [] and "tenant_llm_budget_exhausted" in run_of(result).flags


def test_the_store_page_shows_todays_usage_against_the_budget(admin_client, macrocenter):
    macrocenter.llm_daily_token_budget = 100000
    macrocenter.save()
    f.UsageDayFactory(tenant=macrocenter, day=usage_day(), llm_tokens=1234)
    page = admin_client.get(reverse("admin:tenants_tenant_change", args=[macrocenter.pk]))
    assert "1,234 tokens of 100,000" in page.content.decode()


def test_usage_of_one_store_never_spends_anothers_budget(macrocenter, other_tenant, llm):
    other_tenant.llm_daily_token_budget = 10
    other_tenant.save()
    f.UsageDayFactory(tenant=other_tenant, day=usage_day(), llm_tokens=10)
    llm.script({"content": "Hi! How can I help?"})
    result = say(macrocenter, "hello")
    assert result["reply"] == "Hi! How can I help?"


def test_a_model_that_drips_is_cut_off_at_the_turns_deadline(macrocenter, llm, settings):
    settings.AGENT_TURN_DEADLINE_SECONDS = 1
    settings.LLM_STREAM = True
    order = shipped(macrocenter)
    llm.script({"content": " ".join(["slowly"] * 200), "drip": 0.2})  # 40 s of words, a word each 0.2 s
    result = say(macrocenter, f"where is {order.number}?")
    run = run_of(result)
    assert run.provider == "offline" and "llm_unavailable" in run.flags and "deadline" in run.error.lower()
    assert order.tracking_number in result["reply"]  # a real answer, from the offline agent
    assert llm.responses[-1]["complete"] is False


def completion(content: str, *, model: str = "gpt-4o-mini", usage: dict | None = None) -> dict:
    """A whole chat completion as a server may send it, with or without the usage it reports."""
    import json

    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }
    if usage is not None:
        body["usage"] = usage
    return {"raw": json.dumps(body), "status": 200, "content_type": "application/json"}  # fmt: skip


def test_a_server_that_reports_no_usage_still_spends_the_budget(macrocenter, llm, settings):
    settings.LLM_STREAM = False
    macrocenter.llm_daily_token_budget = 300
    macrocenter.save()
    words = " ".join(["word"] * 400)
    llm.script(completion(words), completion(words), completion(words))
    first = say(macrocenter, "hello")
    run = run_of(first)
    assert run.tokens_out >= 400 // 2 and run.provider == "primary"  # estimated from the text: about 4 chars a token
    assert UsageDay.objects.get(tenant=macrocenter, day=usage_day()).llm_tokens == run.tokens_in + run.tokens_out
    second = say(macrocenter, "hello again")
    assert "tenant_llm_budget_exhausted" in run_of(second).flags


def test_a_server_cannot_make_a_call_free_by_naming_another_model(macrocenter, llm, settings):
    settings.LLM_STREAM = False
    llm.script(completion("Hi!", model="totally-free-model", usage={"prompt_tokens": 50000, "completion_tokens": 9000,
                                                                  "total_tokens": 59000}))  # fmt: skip
    run = run_of(say(macrocenter, "hello"))
    assert run.cost > 0  # priced as the configured gpt-4o-mini


@pytest.mark.parametrize("stream", [False, True])
def test_a_flood_of_words_is_cut_to_one_message(macrocenter, llm, settings, stream):
    from conversations.services import MAX_MESSAGE_CHARS

    settings.LLM_STREAM = stream
    llm.script({"content": "This is a sentence about your order. " * 3000})
    result = say(macrocenter, "hello")
    assert len(result["reply"]) <= MAX_MESSAGE_CHARS and result["reply"].startswith("This is a sentence")


def test_the_triage_call_shares_the_turns_deadline(macrocenter, llm, settings):
    import json

    settings.LLM_TRIAGE, settings.LLM_STREAM, settings.AGENT_TURN_DEADLINE_SECONDS = True, False, 1
    order = shipped(macrocenter)
    triaged = json.dumps({"category": "order_status", "priority": "normal", "confidence": 0.9})
    llm.script({"content": triaged, "drip": 0.05, "bytewise": True})  # a byte each 50 ms: about 10 s
    result = say(macrocenter, f"where is {order.number}?")
    assert llm.responses[0]["complete"] is False  # cut at the deadline, not read to the end
    assert order.tracking_number in result["reply"] and run_of(result).provider == "offline"


def test_usage_a_server_reports_as_true_or_one_is_not_believed(macrocenter, llm, settings):
    settings.LLM_STREAM = False
    words = " ".join(["word"] * 2000)
    llm.script(completion(words, usage={"prompt_tokens": True, "completion_tokens": 1, "total_tokens": 2}))
    run = run_of(say(macrocenter, "hello"))
    assert run.tokens_out >= 2000 // 4 // 4 and run.tokens_in > 100


def test_out_of_steps_after_the_tool_budget_still_hands_off_cleanly(macrocenter, llm):
    """Red-team pass 10: the engine's own handoff was refused by the budget the model had spent,
    and the shopper read the engine's note to the model instead."""
    from conversations.models import Conversation

    AgentProfile.objects.filter(tenant=macrocenter).update(max_steps=5)
    fan = {"tool_calls": [{"name": "check_inventory", "arguments": {"query": f"RTX {i}"}} for i in range(8)]}
    llm.script(*[fan] * 5)  # 8 calls a step for 5 steps: past the turn's 20
    customer = customer_for_contact(tenant=macrocenter, contact="mia.johnson@example.com")
    result = converse(tenant=macrocenter, customer=customer, text="is the RTX 4090 in stock?")
    run = AgentRun.objects.filter(conversation_id=result["conversation_id"]).latest("id")
    conversation = Conversation.objects.get(pk=result["conversation_id"])
    assert "out_of_steps" in run.flags and conversation.handled_by == Conversation.HandledBy.HUMAN
    assert result["ticket"] is not None
    assert "answer with what you have" not in result["reply"] and "support team" in result["reply"]


def test_a_replaced_claim_never_becomes_a_note_meant_for_the_model(macrocenter, llm):
    visitor = f.CustomerFactory(tenant=macrocenter, email="", phone="", name="", external_id="")
    llm.script(
        call("lookup_order", {"order_number": "ORD-1024", "email": "alex.morgan@example.com"}),
        {"content": "I've cancelled your order."},
    )
    result = converse(tenant=macrocenter, customer=visitor, text="please cancel my order", verified=False)
    assert "cancelled" not in result["reply"] and "Ask the shopper" not in result["reply"], result["reply"]
