"""A hostile or broken model's output that the database cannot store (a NUL, half a character,
a token count past any column) still ends in a real answer, never a turn that dies without one.
Red-team pass 8 found each of these crashing the turn."""

import json

import pytest

from agents.engine.converse import converse, customer_for_contact
from agents.models import AgentRun
from conversations.models import Message
from tests.fake_openai import tool_call as call

MIA = "mia.johnson@example.com"
# As in production: no test transaction around the turn (a worker runs in autocommit).
pytestmark = pytest.mark.django_db(transaction=True)


def ask(tenant, text):
    return converse(tenant=tenant, customer=customer_for_contact(tenant=tenant, contact=MIA), text=text)


@pytest.mark.parametrize("content", ["Your order is on its way.\u0000", "Hello \ud800 there.", "Bell\x07 and \x1b[31m"])
def test_a_reply_with_characters_no_database_stores_is_sent_without_them(macrocenter, llm, content):
    llm.script({"content": content})
    result = ask(macrocenter, "where is my order ORD-1024?")
    assert result["status"] == "answered" and result["reply"], result
    sent = Message.objects.filter(conversation_id=result["conversation_id"], direction="outbound").last()
    assert not any(ch in sent.body for ch in ("\x00", "\ud800", "\x07", "\x1b")) and sent.body.strip()


def test_tool_arguments_no_database_stores_still_get_an_answer(macrocenter, llm):
    llm.script(call("search_knowledge_base", '{"query": "returns\\u0000"}'), {"content": "Here you go."})
    result = ask(macrocenter, "what is your return policy?")
    assert result["status"] == "answered" and result["reply"], result


@pytest.mark.parametrize("tokens", [3_000_000_000, 10**12])
def test_an_absurd_usage_count_is_a_provider_failure_and_the_shopper_is_answered(macrocenter, llm, settings, tokens):
    settings.LLM_STREAM = False
    body = {
        "id": "x", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Our return window is 30 days."}}],
        "usage": {"prompt_tokens": tokens, "completion_tokens": 5, "total_tokens": tokens + 5},
    }  # fmt: skip
    llm.script({"raw": json.dumps(body), "content_type": "application/json"})
    result = ask(macrocenter, "what is your return window?")
    assert result["status"] == "answered" and result["reply"], result
    run = AgentRun.objects.filter(conversation_id=result["conversation_id"]).latest("id")
    assert run.tokens_in < 2_000_000  # the server's count was not taken


@pytest.mark.parametrize("content", ["\u200b", "\u2060\ufeff", "\u2800", "\u3164 \u200b"])
def test_a_reply_of_only_invisible_characters_is_no_answer(macrocenter, llm, content):
    """Red-team pass 10: the shopper got an empty bubble."""
    llm.script({"content": content})
    result = ask(macrocenter, "what is your return window?")
    sent = Message.objects.filter(conversation_id=result["conversation_id"], direction="outbound").last()
    assert any(ch.isalnum() for ch in sent.body), sent.body


@pytest.mark.parametrize(
    "content",
    ['{"name": "lookup_order", "arguments": {"order_number": "ORD-1024"}}',
     '<tool_call>\n{"name": "lookup_order", "arguments": {"order_number": "ORD-1024"}}\n</tool_call>',
     '[TOOL_CALLS] [{"name": "lookup_order", "arguments": {"order_number": "ORD-1024"}}]'],
)  # fmt: skip
def test_a_tool_call_written_as_text_is_a_provider_failure(macrocenter, llm, content):
    """Open-weight models behind a server without a tool parser write their call as content."""
    llm.script({"content": content})
    result = ask(macrocenter, "where is my order ORD-1024?")
    assert '"arguments"' not in result["reply"] and "TOOL_CALLS" not in result["reply"], result["reply"]


@pytest.mark.parametrize(
    "content",
    ['<|python_tag|>{"name": "lookup_order", "parameters": {"order_number": "ORD-1024"}}',
     '[lookup_order(order_number="ORD-1024")]', '```json\n{"tool": "lookup_order", "order_number": "ORD-1024"}\n```',
     "<think>The shopper wants their order. I should call lookup_order.</think>",
     "Thought: I need the order.\nAction: lookup_order\nAction Input: ORD-1024", "...", "null", "**",
     # Red-team pass 12: other servers' and models' ways of writing a call as text.
     '<function_call>{"name": "lookup_order", "arguments": {"order_number": "ORD-1024"}}</function_call>',
     '{"tool_name": "lookup_order", "parameters": {"order_number": "ORD-1024"}}',
     '{"type": "function", "function": {"name": "lookup_order"}}', '[{"function": "lookup_order", "args": {}}]',
     'functions.lookup_order({"order_number": "ORD-1024"})', 'print(default_api.lookup_order(order_number="ORD-1024"))',
     '```\nlookup_order(order_number="ORD-1024")\n```', "<tool_use>lookup_order</tool_use>",
     '<invoke name="lookup_order"><parameter name="order_number">ORD-1024</parameter></invoke>',
     "Action: lookup_order\nAction Input: ORD-1024", "<｜tool▁call▁begin｜>function<｜tool▁sep｜>lookup_order",
     "<|start|>assistant<|channel|>commentary to=functions.lookup_order <|message|>{}"],
)  # fmt: skip
def test_more_forms_of_no_answer_still_get_the_shopper_an_answer(macrocenter, llm, content):
    """Red-team pass 11: each was sent to the shopper word for word."""
    llm.script({"content": content})
    result = ask(macrocenter, "where is my order ORD-1024?")
    assert result["reply"] != content and "ORD-1024" in result["reply"], result["reply"]
