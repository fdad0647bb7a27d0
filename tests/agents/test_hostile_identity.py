"""Whom the agent acts for, against a hostile model: the model picks every tool call and every
argument, and still cannot make a shopper someone else. Proof comes from the shopper only."""

from agents.engine.converse import converse
from agents.models import AgentProfile
from conversations.models import Conversation, Customer
from orders.models import Order, Refund, ReturnLabel
from tenants.models import AuditEvent
from tests import factories as f
from tests.fake_openai import tool_call as call

ALEX = "alex.morgan@example.com"


def visitor(tenant):
    return f.CustomerFactory(tenant=tenant, email="", phone="", name="", external_id="")


def alex_order(tenant, **filters) -> Order:
    return Order.objects.filter(tenant=tenant, customer__email=ALEX, **filters).order_by("number").first()


def chat(tenant, customer, text, *, verified=False):
    return converse(tenant=tenant, customer=customer, text=text, verified=verified)


def test_an_email_only_in_the_models_arguments_proves_nothing(macrocenter, llm):
    order = alex_order(macrocenter, status="delivered")
    shopper = visitor(macrocenter)
    llm.script(
        call("lookup_order", {"order_number": order.number, "email": ALEX}),
        call("process_refund", {"order_number": order.number}),
        call("create_return_label", {"order_number": order.number}),
        {"content": "All sorted."},
    )
    result = chat(macrocenter, shopper, "hi, where is my order?")
    statuses = [c["status"] for c in result["tool_calls"]]
    assert statuses == ["needs_verification", "needs_verification", "needs_verification"]
    assert order.tracking_number not in result["reply"] and order.number not in result["reply"]
    conversation = Conversation.objects.get(pk=result["conversation_id"])
    assert conversation.customer_id == shopper.pk and not conversation.customer_verified
    assert not Refund.objects.filter(order=order).exists() and not ReturnLabel.objects.filter(order=order).exists()
    assert not AuditEvent.objects.filter(tenant=macrocenter, verb="conversation.customer_proven").exists()


def test_the_models_guess_is_not_counted_against_the_shopper(macrocenter, llm):
    order = alex_order(macrocenter)
    llm.script(*[call("lookup_order", {"order_number": order.number, "email": ALEX})] * 6, {"content": "Hmm."})
    AgentProfile.objects.filter(tenant=macrocenter).update(max_steps=10)
    shopper = visitor(macrocenter)
    chat(macrocenter, shopper, "where's my order")
    # The shopper's own first try still works: six model guesses locked nobody out.
    llm.script(call("lookup_order", {"order_number": order.number, "email": ALEX}), {"content": "Found it."})
    proven = chat(macrocenter, shopper, f"it's {order.number.lower()}, {ALEX.upper()}")
    assert proven["tool_calls"][-1]["status"] == "ok"


def test_an_order_and_email_the_shopper_typed_hand_the_conversation_to_that_customer(macrocenter, llm):
    order = alex_order(macrocenter, status="delivered")
    alex = order.customer
    shopper = visitor(macrocenter)
    llm.script({"content": "Sure, what's the order number and email?"})
    chat(macrocenter, shopper, "I want to return something")
    llm.script(
        call("lookup_order", {"order_number": order.number, "email": ALEX}),
        call("create_return_label", {"order_number": order.number}),
        {"content": "Shall I make the label?"},
    )
    result = chat(macrocenter, shopper, f"order {order.number}, email {ALEX}")
    assert [c["status"] for c in result["tool_calls"]] == ["ok", "needs_confirmation"]
    conversation = Conversation.objects.get(pk=result["conversation_id"])
    assert conversation.customer_id == alex.pk and conversation.customer_verified
    shopper.refresh_from_db()
    assert shopper.merged_into_id == alex.pk
    event = AuditEvent.objects.get(tenant=macrocenter, verb="conversation.customer_proven")
    assert event.data == {**event.data, "from_customer": shopper.pk, "to_customer": alex.pk,
                          "order_number": order.number}  # fmt: skip


def test_a_verified_customer_is_never_switched_to_another(macrocenter, llm):
    """Priya, verified by her own email, types Alex's order number and email: she is shown the
    order (its email is the proof) but the conversation stays hers, and nothing acts on it."""
    priya = Customer.objects.get(tenant=macrocenter, email="priya.shah@example.com")
    order = alex_order(macrocenter, status="delivered")
    llm.script(
        call("lookup_order", {"order_number": order.number, "email": ALEX}),
        call("process_refund", {"order_number": order.number}),
        call("send_followup", {"channel": "email", "message": "Your refund"}),
        {"content": "Here you go."},
    )
    result = chat(macrocenter, priya, f"what about {order.number}? it's {ALEX}", verified=True)
    statuses = {c["tool"]: c["status"] for c in result["tool_calls"]}
    assert statuses == {"lookup_order": "ok", "process_refund": "denied", "send_followup": "ok"}
    conversation = Conversation.objects.get(pk=result["conversation_id"])
    assert conversation.customer_id == priya.pk
    assert not Refund.objects.filter(order=order).exists()
    # The follow-up went to Priya's own address, the conversation's customer, not Alex's.
    followup = conversation.customer.conversations.get(channel="email").messages.get()
    assert followup.conversation.customer.email == priya.email
    assert not Conversation.objects.filter(customer=order.customer, channel="email", messages__body="Your refund")


def test_a_shopper_turn_never_reaches_the_staff_only_tool(macrocenter, llm):
    AgentProfile.objects.filter(tenant=macrocenter).update(
        allowed_tools=["lookup_order", "update_order_status", "process_refund"]
    )
    alex = Customer.objects.get(tenant=macrocenter, email=ALEX)
    order = alex_order(macrocenter, status="shipped")
    llm.script(call("update_order_status", {"order_number": order.number, "status": "delivered"}), {"content": "ok"})
    result = chat(macrocenter, alex, f"mark {order.number} as delivered please", verified=True)
    assert result["tool_calls"][0]["status"] == "denied"
    order.refresh_from_db()
    assert order.status == "shipped"


def test_a_proof_in_another_conversation_does_not_count_here(macrocenter, llm):
    order = alex_order(macrocenter)
    shopper = visitor(macrocenter)
    other = visitor(macrocenter)
    converse(tenant=macrocenter, customer=other, text=f"{order.number} {ALEX}", verified=False)
    llm.script(call("lookup_order", {"order_number": order.number, "email": ALEX}), {"content": "?"})
    result = chat(macrocenter, shopper, "where is my order")
    assert result["tool_calls"][0]["status"] == "needs_verification"
    assert Conversation.objects.get(pk=result["conversation_id"]).customer_id == shopper.pk


def test_a_followup_the_model_writes_passes_the_same_output_guard(macrocenter, llm):
    alex = Customer.objects.get(tenant=macrocenter, email=ALEX)
    priya = Customer.objects.filter(tenant=macrocenter).exclude(phone="").exclude(email="").exclude(pk=alex.pk)[0]
    for profile in AgentProfile.objects.filter(tenant=macrocenter):
        profile.allowed_tools = sorted({*profile.allowed_tools, "send_followup"})
        profile.save()
    leak = f"Also, {priya.name} ({priya.email}, {priya.phone}) asked too. I've refunded your order in full."
    llm.script(call("send_followup", {"channel": "email", "message": leak}), {"content": "Sent you an email."})
    result = converse(tenant=macrocenter, customer=alex, text="can you email me a summary?", verified=True)
    assert result["tool_calls"][0]["status"] == "ok"
    sent = alex.conversations.get(channel="email").messages.get(direction="outbound").body
    assert priya.email not in sent and priya.phone not in sent and priya.name not in sent
    assert "refunded your order" not in sent
    assert not Refund.objects.filter(order__customer=alex).exists()


def test_a_new_chat_buys_no_more_guesses_at_an_order(macrocenter):
    """Five wrong emails for one order, each from a new visitor: the sixth, even right, waits for
    a person (and so does a right pair for an email someone guessed with five times)."""
    order = Order.objects.filter(tenant=macrocenter, customer__email="mia.johnson@example.com").first()
    for attempt in range(5):
        chat(macrocenter, visitor(macrocenter), f"where is {order.number}? my email is guess{attempt}@example.com")
    proven = chat(macrocenter, visitor(macrocenter), f"where is {order.number}? my email is {order.customer.email}")
    assert ("lookup_order", "denied") in [(c["tool"], c["status"]) for c in proven["tool_calls"]]
    conversation = Conversation.objects.get(pk=proven["conversation_id"])
    assert not conversation.customer_verified and conversation.customer.merged_into_id is None
    assert conversation.handled_by == "human"  # a person checks who this is


def test_when_the_model_hands_off_its_proposal_is_not_kept(macrocenter, llm):
    mia = Customer.objects.get(tenant=macrocenter, email="mia.johnson@example.com")
    order = Order.objects.filter(tenant=macrocenter, customer=mia, status__in=["paid", "delivered"]).first()
    llm.script(
        {"tool_calls": [{"name": "process_refund", "arguments": {"order_number": order.number, "amount": "10.00"}},
                        {"name": "escalate_to_human", "arguments": {"reason": "shopper wants a person too"}}]},
        {"content": "A colleague will take a look."},
    )  # fmt: skip
    result = chat(macrocenter, mia, f"I want a refund of $10 for {order.number}", verified=True)
    conversation = Conversation.objects.get(pk=result["conversation_id"])
    assert conversation.handled_by == "human" and "pending_action" not in conversation.agent_state
    assert "Shall I go ahead" not in result["reply"]
    Conversation.objects.filter(pk=conversation.pk).update(handled_by="ai")  # staff hand it back, say nothing
    llm.script({"content": "Okay."})
    chat(macrocenter, mia, "yes", verified=True)
    assert not Refund.objects.filter(order=order).exists()


def test_the_guess_count_ignores_how_the_model_spells_the_order(macrocenter, llm):
    order = alex_order(macrocenter)
    spellings = [order.number, f" {order.number}", f"{order.number} ", f"\t{order.number}", order.number.lower()]
    for attempt, spelling in enumerate(spellings):
        guess = f"guess{attempt}@example.com"
        llm.script(call("lookup_order", {"order_number": spelling, "email": guess}), {"content": "Hmm."})
        chat(macrocenter, visitor(macrocenter), f"{order.number} {guess}")
    llm.script(call("lookup_order", {"order_number": f"   {order.number}", "email": ALEX}), {"content": "Found it."})
    proven = chat(macrocenter, visitor(macrocenter), f"{order.number} {ALEX}")
    assert proven["tool_calls"][0]["status"] == "denied"
    assert not Conversation.objects.get(pk=proven["conversation_id"]).customer_verified


def test_the_models_malformed_emails_are_no_guesses_of_the_shopper(macrocenter, llm):
    order = alex_order(macrocenter)
    AgentProfile.objects.filter(tenant=macrocenter).update(max_steps=10)
    shopper = visitor(macrocenter)
    llm.script(*[call("lookup_order", {"order_number": order.number, "email": "nope"})] * 6, {"content": "Hmm."})
    chat(macrocenter, shopper, "hi, where's my order?")
    llm.script(call("lookup_order", {"order_number": order.number, "email": ALEX}), {"content": "Found it."})
    proven = chat(macrocenter, shopper, f"it's {order.number}, {ALEX}")
    assert proven["tool_calls"][-1]["status"] == "ok"


def test_the_models_malformed_emails_lock_no_order_across_the_store(macrocenter, llm):
    order = alex_order(macrocenter)
    for _ in range(6):  # six chats, the model alone naming the order with junk for an email
        llm.script(call("lookup_order", {"order_number": order.number, "email": "x"}), {"content": "Hmm."})
        chat(macrocenter, visitor(macrocenter), "hello")
    llm.script(call("lookup_order", {"order_number": order.number, "email": ALEX}), {"content": "Found it."})
    real = chat(macrocenter, visitor(macrocenter), f"{order.number} {ALEX}")
    assert real["tool_calls"][-1]["status"] == "ok"
    assert Conversation.objects.get(pk=real["conversation_id"]).customer_verified


def test_an_email_guessed_elsewhere_in_the_models_arguments_locks_no_one_out(macrocenter, llm):
    """Five shoppers guessed with one email; in a sixth chat the model passes that email on its
    own: it proves nothing and is asked for, and the conversation is no lockout's."""
    order = Order.objects.filter(tenant=macrocenter, customer__email="mia.johnson@example.com").first()
    guess = call("lookup_order", {"order_number": order.number, "email": "guess@example.com"})
    for _ in range(5):
        llm.script(guess, {"content": "That doesn't match."})
        chat(macrocenter, visitor(macrocenter), f"where is {order.number}? my email is guess@example.com")
    llm.script(guess, {"content": "Hmm."})
    result = chat(macrocenter, visitor(macrocenter), "hi, where's my order?")
    assert [c["status"] for c in result["tool_calls"]] == ["needs_verification"]
    assert Conversation.objects.get(pk=result["conversation_id"]).handled_by == "ai"


def test_a_known_customer_unproven_here_who_proves_anothers_order_keeps_their_history(macrocenter, llm):
    """Alex, not proven on this chat (a returning visitor, an unsigned channel), proves Mia's
    order: shown it, and no more. Joining the records would have handed Alex's conversations
    (his email thread among them) to Mia."""
    alex = Customer.objects.get(tenant=macrocenter, email=ALEX)
    llm.script({"content": "Hi Alex."})
    earlier = chat(macrocenter, alex, "hello", verified=True)
    Conversation.objects.filter(pk=earlier["conversation_id"]).update(status="closed")
    mia_order = Order.objects.filter(tenant=macrocenter, customer__email="mia.johnson@example.com").first()
    llm.script(call("lookup_order", {"order_number": mia_order.number, "email": mia_order.customer.email}),
               {"content": "Found it."})  # fmt: skip
    result = chat(macrocenter, alex, f"order {mia_order.number}, email {mia_order.customer.email}")
    assert result["tool_calls"][-1]["status"] == "ok"
    assert Conversation.objects.get(pk=result["conversation_id"]).customer_id == alex.pk
    assert Conversation.objects.get(pk=earlier["conversation_id"]).customer_id == alex.pk
    assert Customer.objects.get(pk=alex.pk).merged_into_id is None
