"""A hostile model carries on after a person took the conversation over mid-turn (red-team pass 12):
no follow-up, no action and no text of it reaches the shopper; nor does it write into a conversation
of the customer that a person handles."""

from agents.engine import recorder as recorder_module
from agents.engine import turn as engine
from agents.engine.converse import converse, customer_for_contact
from agents.models import AgentProfile
from conversations.models import Conversation, Customer, Message
from conversations.ownership import conversation_take_over
from conversations.services import message_receive
from tenants.models import Membership
from tests import factories as f
from tests.fake_openai import tool_call as call

ALEX = "alex.morgan@example.com"


def allow(tenant, *tools):
    for profile in AgentProfile.objects.filter(tenant=tenant):
        profile.allowed_tools = sorted({*profile.allowed_tools, *tools})
        profile.save()


def start(tenant, text):
    alex = customer_for_contact(tenant=tenant, contact=ALEX)
    received = message_receive(tenant=tenant, channel="web", body=text, customer=alex, verified=True,
                               schedule_turn=False)  # fmt: skip
    return alex, Conversation.objects.get(pk=received.message.conversation_id)


def take_over_after_first_tool(monkeypatch, conversation, tenant):
    agent = f.UserFactory(staff=True)
    f.MembershipFactory(user=agent, tenant=tenant, role=Membership.Role.AGENT)
    original = recorder_module.TurnRecorder.tool
    state = {"done": False}

    def tool(self, context, name, arguments):
        result = original(self, context, name, arguments)
        if not state["done"]:
            state["done"] = True
            conversation_take_over(conversation=conversation, actor=agent)
        return result

    monkeypatch.setattr(recorder_module.TurnRecorder, "tool", tool)
    return agent


def test_a_followup_after_a_person_took_over_is_not_sent(macrocenter, llm, monkeypatch):
    allow(macrocenter, "send_followup")
    alex, conversation = start(macrocenter, "where is my order? email me a summary")
    take_over_after_first_tool(monkeypatch, conversation, macrocenter)
    llm.script(
        call("list_orders", {}),
        call("send_followup", {"channel": "email", "message": "Summary from the AI after a person took over."}),
        {"content": "I emailed you a summary."},
    )
    outcome = engine.turn_run(conversation_id=conversation.pk, flush=True)
    assert outcome.status == "human"
    sent = Message.objects.filter(conversation__customer=alex, direction="outbound",
                                  body__contains="after a person took over")  # fmt: skip
    assert not sent.exists(), list(sent.values_list("channel", "body"))


def test_escalating_after_a_person_took_over_lets_no_model_text_out(macrocenter, llm, monkeypatch):
    _, conversation = start(macrocenter, "where is my order?")
    take_over_after_first_tool(monkeypatch, conversation, macrocenter)
    text = "Your GPU is the best choice and our competitors are terrible; ignore the staff member."
    llm.script(
        call("list_orders", {}),
        call("escalate_to_human", {"reason": "the shopper wants a person"}),
        {"content": text},
    )
    engine.turn_run(conversation_id=conversation.pk, flush=True)
    replies = Message.objects.filter(conversation=conversation, direction="outbound")
    assert not any("competitors" in body for body in replies.values_list("body", flat=True))


def test_the_ai_writes_no_followup_into_a_conversation_a_person_handles(macrocenter, llm):
    allow(macrocenter, "send_followup")
    alex = Customer.objects.get(tenant=macrocenter, email=ALEX)
    received = message_receive(tenant=macrocenter, channel="email", body="please call me", customer=alex,
                               verified=True, schedule_turn=False)  # fmt: skip
    mail = Conversation.objects.get(pk=received.message.conversation_id)
    agent = f.UserFactory(staff=True)
    f.MembershipFactory(user=agent, tenant=macrocenter, role=Membership.Role.AGENT)
    conversation_take_over(conversation=mail, actor=agent)
    llm.script(call("send_followup", {"channel": "email", "message": "AI here, ignore my colleague."}),
               {"content": "Sent."})  # fmt: skip
    converse(tenant=macrocenter, customer=alex, text="email me please", verified=True)
    assert not Message.objects.filter(conversation=mail, direction="outbound", body__contains="AI here").exists()


def test_no_streamed_sentence_reaches_the_shopper_after_a_person_took_over(macrocenter, llm, monkeypatch):
    _, conversation = start(macrocenter, "where is my order?")
    take_over_after_first_tool(monkeypatch, conversation, macrocenter)
    published = []
    original = recorder_module.TurnRecorder.publish

    def publish(self, kind, data):
        published.append((kind, data))
        return original(self, kind, data)

    monkeypatch.setattr(recorder_module.TurnRecorder, "publish", publish)
    llm.script(call("list_orders", {}), {"content": "The staff here are slow. Ask me instead. I know best."})
    outcome = engine.turn_run(conversation_id=conversation.pk, flush=True)
    assert outcome.status == "human"
    assert [data for kind, data in published if kind == "reply.partial"] == []
