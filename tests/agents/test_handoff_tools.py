import pytest

from agents.tools import ToolContext, execute
from conversations.models import Conversation, Ticket
from conversations.services import customer_facts_save
from supportdesk.errors import ApplicationError, NotFound
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_asking_for_a_human_opens_a_ticket_and_takes_the_ai_off(tenant):
    conversation = f.MessageFactory(tenant=tenant, body="ORD-1004 came with a cracked case").conversation
    context = ToolContext(tenant=tenant, customer=conversation.customer, conversation=conversation)
    args = {"reason": "Shopper asked for a person about a damaged case", "order_number": "ORD-1004"}
    result = execute(context, "escalate_to_human", args)
    assert result.status == "ok" and "a person will reply here" in result.data["message"]
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.priority, ticket.order_number) == ("open", "high", "ORD-1004")
    conversation.refresh_from_db()
    assert conversation.handled_by == Conversation.HandledBy.HUMAN
    # Escalating again reuses the conversation's ticket.
    execute(context, "escalate_to_human", {"reason": "Still waiting", "priority": "urgent"})
    assert Ticket.objects.get().priority == "urgent"


def test_a_ticket_names_only_an_order_of_the_shopper_or_one_they_wrote_about(tenant):
    """The model's arguments may name anyone's order; staff act on what a ticket says."""
    conversation = f.MessageFactory(tenant=tenant, body="I need a person about my case").conversation
    mine = f.OrderFactory(tenant=tenant, customer=conversation.customer, number="ORD-1100")
    f.OrderFactory(tenant=tenant, number="ORD-1200")  # someone else's
    context = ToolContext(tenant=tenant, customer=conversation.customer, verified=True, conversation=conversation)
    execute(context, "escalate_to_human", {"reason": "Wants a person", "order_number": "ORD-1200"})
    assert Ticket.objects.get().order_number == ""
    f.MessageFactory(tenant=tenant, conversation=conversation, body="I've waited 1200 minutes on hold!")
    execute(context, "escalate_to_human", {"reason": "Wants a person", "order_number": "ORD-1200"})
    assert Ticket.objects.get().order_number == ""  # a number is not an order because it has its digits
    f.MessageFactory(tenant=tenant, conversation=conversation, body="it's about order #1200 really")
    execute(context, "escalate_to_human", {"reason": "Wants a person", "order_number": "ORD-1200"})
    assert Ticket.objects.get().order_number == "ORD-1200"  # the shopper wrote about it: staff will check
    execute(context, "escalate_to_human", {"reason": "Wants a person", "order_number": mine.number.lower()})
    assert Ticket.objects.get().order_number == mine.number


def test_a_name_or_order_the_shopper_never_gave_is_not_saved(tenant):
    """A visitor's record never takes another customer's name from the model's arguments."""
    visitor = f.CustomerFactory(tenant=tenant, name="", email="", phone="")
    said = f.MessageFactory(tenant=tenant, conversation__customer=visitor, body="Is a PSU OK for 4090? waited 1004 min")
    context = ToolContext(tenant=tenant, customer=visitor, conversation=said.conversation)
    # Not said: another customer's name, an order number ("1004 min" is not one), a word's part.
    for facts in ({"name": "Mia Johnson"}, {"order_number": "ORD-1004"}, {"name": "PS", "severity": "high"}):
        assert execute(context, "save_customer_info", facts).status == "denied"
    visitor.refresh_from_db()
    assert visitor.name == "" and visitor.extracted_data == {}


def test_bad_escalations_are_refused(tenant):
    conversation = f.ConversationFactory(tenant=tenant)
    context = ToolContext(tenant=tenant, customer=conversation.customer, conversation=conversation)
    assert execute(context, "escalate_to_human", {"reason": "x", "priority": "asap"}).status == "error"
    assert execute(ToolContext(tenant=tenant), "escalate_to_human", {"reason": "help me"}).status == "error"
    assert not Ticket.objects.exists()


def test_customer_facts_are_typed_and_merged(tenant):
    customer = f.CustomerFactory(tenant=tenant, name="")
    said = f.MessageFactory(tenant=tenant, conversation__customer=customer, body="I'm alex, order ORD-1001 is DOA")
    context = ToolContext(tenant=tenant, customer=customer, conversation=said.conversation)
    result = execute(context, "save_customer_info", {"name": "Alex", "severity": "high", "order_number": "ORD-1001"})
    assert result.status == "ok"
    execute(context, "save_customer_info", {"issue_type": "dead on arrival"})
    customer.refresh_from_db()
    assert customer.name == "Alex"
    assert customer.extracted_data == {
        "name": "Alex", "severity": "high", "order_number": "ORD-1001", "issue_type": "dead on arrival"
    }  # fmt: skip
    assert execute(context, "save_customer_info", {"severity": "meh"}).status == "error"
    assert execute(context, "save_customer_info", {"password": "x"}).status == "error"
    assert execute(context, "save_customer_info", {}).status == "error"


def test_facts_cannot_be_saved_on_another_tenants_customer(tenant, other_tenant):
    theirs = f.CustomerFactory(tenant=other_tenant)
    with pytest.raises(NotFound):
        customer_facts_save(tenant=tenant, customer=theirs, facts={"name": "x"})
    with pytest.raises(ApplicationError, match="Unknown customer fields: password"):
        customer_facts_save(tenant=other_tenant, customer=theirs, facts={"password": "x"})
