import json

import pytest
from django.core.management import CommandError, call_command

from agents.models import Intent, IntentExample
from agents.services import intents_load
from agents.triage import triage
from supportdesk.errors import ApplicationError
from tests import factories as f

pytestmark = pytest.mark.django_db

INTENTS = [
    {"name": "order_status", "priority": "normal", "profile": "Orders", "examples": [
        "where is my order", "has my package shipped yet", "tracking number for ORD-1002 please",
        "when will my parcel arrive", "my delivery is late", "what's the status of my purchase"]},
    {"name": "refund_request", "priority": "high", "profile": "Orders", "examples": [
        "i want my money back", "refund please", "how long does a refund take",
        "you still haven't refunded me", "can I get a refund for the cpu", "where is my refund"]},
    {"name": "technical_issue", "priority": "high", "examples": [
        "my gpu shows no display", "pc crashes when gaming", "the new ram won't boot",
        "fans spin but nothing on screen", "computer restarts randomly", "coil whine from the card"]},
    {"name": "human_handoff", "priority": "high", "examples": [
        "let me talk to a human", "i want a real person", "get me an agent"]},
    {"name": "greeting", "priority": "low", "examples": ["hi", "hello there", "thanks, bye", "good morning"]},
]  # fmt: skip


@pytest.fixture
def intents(tenant):
    f.AgentProfileFactory(tenant=tenant, name="Orders")
    intents_load(tenant=tenant, items=INTENTS)
    return tenant


@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        ("hey, any news on when ORD-1003 gets here?", "order_status", "normal"),
        ("I returned the motherboard two weeks ago and still no money", "refund_request", "high"),
        ("black screen after installing my new graphics card", "technical_issue", "high"),
        ("hello!", "greeting", "low"),
    ],
)
def test_messages_get_the_nearest_intent_and_its_priority(intents, text, category, priority):
    result = triage(tenant=intents, text=text)
    assert (result.category, result.priority) == (category, priority)
    assert 0 < result.confidence <= 1
    assert result.candidates[0][0] == category


def test_asking_for_a_person_always_hands_off(intents):
    result = triage(tenant=intents, text="this bot is useless, can I speak to a manager about my refund")
    assert result.category == "human_handoff"
    assert result.confidence >= 0.9 and not result.clarification_needed


def test_fraud_words_make_any_message_urgent(intents):
    result = triage(tenant=intents, text="I was charged twice for my order, is this fraud?")
    assert result.priority == "urgent"


def test_gibberish_needs_clarification(intents):
    result = triage(tenant=intents, text="zxqv plorb 7731 ???")
    assert result.clarification_needed is True


def test_a_tenant_without_intents_gets_unknown_and_a_question(intents, other_tenant):
    result = triage(tenant=other_tenant, text="where is my order")
    assert (result.category, result.clarification_needed, result.confidence) == ("unknown", True, 0.0)


def test_another_tenants_examples_never_vote(intents, other_tenant):
    intents_load(tenant=other_tenant, items=[{"name": "brewing_help", "examples": ["how fine should I grind"]}])
    assert triage(tenant=other_tenant, text="where is my order").category == "brewing_help"
    assert triage(tenant=intents, text="how fine should I grind").category != "brewing_help"


def test_inactive_intents_are_ignored(intents):
    Intent.objects.filter(tenant=intents, name="greeting").update(active=False)
    assert triage(tenant=intents, text="hello!").category != "greeting"


@pytest.mark.parametrize(("text", "code"), [("   ", "empty_text"), ("x" * 4001, "text_too_long")])
def test_bad_text_is_refused(intents, text, code):
    with pytest.raises(ApplicationError) as error:
        triage(tenant=intents, text=text)
    assert error.value.code == code


def test_an_embeddings_outage_still_answers_by_rules(tenant, openai_embeddings):
    openai_embeddings.fail_next(100, status=503)
    f.AgentProfileFactory(tenant=tenant, name="Orders")
    intents_load(tenant=tenant, items=INTENTS[3:4] + INTENTS[:1])
    assert not IntentExample.objects.filter(embedding__isnull=False).exists()
    assert triage(tenant=tenant, text="get me a real person").category == "human_handoff"
    result = triage(tenant=tenant, text="where is my order")
    assert (result.category, result.clarification_needed) == ("unknown", True)


def test_triage_command_prints_json(intents, capsys):
    call_command("triage", "--tenant", intents.slug, "--json", "where's my package??")
    assert json.loads(capsys.readouterr().out) == {
        "category": "order_status",
        "priority": "normal",
        "confidence": pytest.approx(
            json.loads(json.dumps(triage(tenant=intents, text="where's my package??").as_dict()))["confidence"]
        ),
        "clarification_needed": False,
    }
    with pytest.raises(CommandError, match="There is no text to triage"):
        call_command("triage", "--tenant", intents.slug, "")
    with pytest.raises(CommandError, match="No active tenant"):
        call_command("triage", "--tenant", "nope", "hi")


def test_the_demo_intents_classify_fresh_shopper_messages(tenant):
    from pathlib import Path

    from supportdesk.demo.macrocenter import MACROCENTER

    for profile in MACROCENTER.agent_profiles:
        f.AgentProfileFactory(tenant=tenant, name=profile.name)
    path = Path(__file__).resolve().parents[2] / "supportdesk" / "demo" / "intents" / "macrocenter.json"
    intents_load(tenant=tenant, items=json.loads(path.read_text()))
    messages = {
        "hey did ORD-1002 leave the warehouse yet": "order_status",
        "please stop my order I dont need it anymore": "cancel_order",
        "the case came scratched, how do I send it back": "return_request",
        "what gpu should i get for 1440p under 600 bucks": "product_recommendation",
        "will a 650w psu run a 4070 super": "compatibility",
        "my pc turns on but the monitor says no signal": "technical_issue",
        "do you ship to canada and how much": "shipping_info",
        "can i pay with paypal": "payment_question",
        "there are two charges on my card for one order": "billing_dispute",
        "i forgot my password": "account_help",
        "newegg sells it 30 dollars cheaper, can you match": "price_match",
        "hi there": "greeting",
    }
    right = sum(triage(tenant=tenant, text=text).category == want for text, want in messages.items())
    assert right >= 11, f"{right}/{len(messages)}"
