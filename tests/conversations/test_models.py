import pytest
from django.db import IntegrityError, transaction

from conversations.models import Conversation, Customer, Message, Ticket
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "first", "second", "constraint"),
    [
        ("email", "a@x.com", "a@x.com", "customer_unique_email_per_tenant"),
        ("email", "A@x.com", "a@x.com", "customer_unique_email_per_tenant"),
        ("email", "Jane.Doe@Example.com", "jane.doe@EXAMPLE.COM", "customer_unique_email_per_tenant"),
        ("phone", "+14155550123", "+14155550123", "customer_unique_phone_per_tenant"),
        ("external_id", "shopify-77", "shopify-77", "customer_unique_external_id_per_tenant"),
    ],
)
def test_customer_identity_is_unique_per_tenant(field, first, second, constraint, tenant, other_tenant):
    f.CustomerFactory(tenant=tenant, **{field: first})
    f.CustomerFactory(tenant=other_tenant, **{field: second})

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        f.CustomerFactory(tenant=tenant, **{field: second})
    assert Customer.objects.for_tenant(tenant).count() == 1


@pytest.mark.parametrize("field", ["email", "phone", "external_id"])
def test_blank_customer_identity_may_repeat(field, tenant):
    f.CustomerFactory.create_batch(3, tenant=tenant, **{field: ""})

    assert Customer.objects.for_tenant(tenant).filter(**{field: ""}).count() == 3


def test_provider_message_id_is_unique_per_tenant(tenant, other_tenant):
    conversation = f.ConversationFactory(tenant=tenant)
    f.MessageFactory(conversation=conversation, provider_message_id="SM123")
    f.MessageFactory(tenant=other_tenant, provider_message_id="SM123")

    with pytest.raises(IntegrityError, match="message_unique_provider_id_per_tenant"), transaction.atomic():
        # A provider retry, even into another conversation of the tenant.
        f.MessageFactory(tenant=tenant, provider_message_id="SM123", body="again")
    assert Message.objects.filter(provider_message_id="SM123").count() == 2


def test_blank_provider_message_id_may_repeat(tenant):
    conversation = f.ConversationFactory(tenant=tenant)
    f.MessageFactory.create_batch(3, conversation=conversation, provider_message_id="")

    assert conversation.messages.count() == 3


@pytest.mark.parametrize(
    ("direction", "sender_kind"),
    [
        ("inbound", "customer"),
        ("outbound", "ai"),
        ("outbound", "staff"),
        ("outbound", "system"),
    ],
)
def test_message_direction_matching_sender_is_accepted(direction, sender_kind):
    message = f.MessageFactory(direction=direction, sender_kind=sender_kind)

    assert Message.objects.filter(pk=message.pk, direction=direction, sender_kind=sender_kind).exists()


@pytest.mark.parametrize(
    ("direction", "sender_kind"),
    [
        ("inbound", "ai"),
        ("inbound", "staff"),
        ("inbound", "system"),
        ("outbound", "customer"),
    ],
)
def test_message_direction_must_match_sender(direction, sender_kind):
    with pytest.raises(IntegrityError, match="message_direction_matches_sender"), transaction.atomic():
        f.MessageFactory(direction=direction, sender_kind=sender_kind)


def test_message_factory_defaults_and_ai_reply_trait():
    inbound = f.MessageFactory()
    reply = f.MessageFactory(conversation=inbound.conversation, ai_reply=True)

    assert (inbound.direction, inbound.sender_kind) == (Message.Direction.INBOUND, Message.SenderKind.CUSTOMER)
    assert (reply.direction, reply.sender_kind) == (Message.Direction.OUTBOUND, Message.SenderKind.AI)
    assert reply.channel == inbound.conversation.channel


@pytest.mark.parametrize("score", [0, 6, 10])
def test_csat_outside_one_to_five_is_refused(score):
    with pytest.raises(IntegrityError, match="ticket_csat_1_to_5"), transaction.atomic():
        f.TicketFactory(csat_score=score)


@pytest.mark.parametrize("score", [None, 1, 3, 5])
def test_csat_one_to_five_or_none_is_accepted(score):
    ticket = f.TicketFactory(csat_score=score)
    ticket.refresh_from_db()

    assert ticket.csat_score == score


def test_for_tenant_returns_only_that_tenants_conversations_and_messages(tenant, other_tenant):
    mine = f.ConversationFactory(tenant=tenant)
    theirs = f.ConversationFactory(tenant=other_tenant)
    my_message = f.MessageFactory(conversation=mine)
    f.MessageFactory(conversation=theirs)
    my_ticket = f.TicketFactory(tenant=tenant, customer=mine.customer, conversation=mine)
    f.TicketFactory(conversation=theirs, customer=theirs.customer)

    assert list(Conversation.objects.for_tenant(tenant)) == [mine]
    assert list(Message.objects.for_tenant(tenant)) == [my_message]
    assert list(Ticket.objects.for_tenant(tenant)) == [my_ticket]
    assert list(Conversation.objects.for_tenant(other_tenant.pk)) == [theirs]
