"""A person's reply and internal notes: through the services the dashboard and the API call."""

import pytest

from conversations.models import Conversation, Mention, Message, Note
from conversations.notes import mentions_read, note_add
from conversations.replies import staff_reply_send
from conversations.services import MAX_MESSAGE_CHARS, message_receive, message_reply_create
from supportdesk.errors import ApplicationError, Conflict, PermissionDenied
from tenants.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def staff(tenant, role=Membership.Role.AGENT, **kwargs):
    user = f.UserFactory(staff=True, **kwargs)
    f.MembershipFactory(user=user, tenant=tenant, role=role)
    return user


def shopper_writes(tenant, channel="web", **customer):
    person = f.CustomerFactory(tenant=tenant, **customer)
    received = message_receive(tenant=tenant, channel=channel, body="my parcel never came", customer=person,
                               schedule_turn=False)  # fmt: skip
    return Conversation.objects.get(pk=received.message.conversation_id)


def test_a_persons_reply_goes_to_the_shopper_and_takes_the_conversation_from_the_ai(tenant):
    conversation = shopper_writes(tenant, channel="email")
    agent = staff(tenant)
    reply = staff_reply_send(conversation=conversation, actor=agent, body="  So sorry! A new one ships today.  ")
    assert reply.body == "So sorry! A new one ships today." and reply.channel == "email"
    assert reply.sender_kind == Message.SenderKind.STAFF and reply.sender_user == agent
    assert reply.delivery_status == "pending"  # delivered and retried like the AI's
    conversation.refresh_from_db()
    assert conversation.handled_by == Conversation.HandledBy.HUMAN and conversation.assignee == agent


def test_a_reply_written_while_someone_else_replied_is_held_until_sent_again(tenant):
    conversation = shopper_writes(tenant)
    me, colleague = staff(tenant), staff(tenant)
    seen = Message.objects.filter(conversation=conversation).latest("id").pk
    mine = staff_reply_send(conversation=conversation, actor=me, body="Checking now.", seen_message_id=seen)
    # My own earlier reply is no surprise to me.
    staff_reply_send(conversation=conversation, actor=me, body="Still checking.", seen_message_id=seen)
    ai = message_reply_create(conversation=conversation, body="Your parcel is at the depot.")
    with pytest.raises(Conflict) as held:
        staff_reply_send(conversation=conversation, actor=colleague, body="I refunded it.", seen_message_id=mine.pk)
    assert held.value.code == "replied_meanwhile" and ai.pk in held.value.extra["replied"]
    assert me.get_username() in held.value.message
    assert not Message.objects.filter(body="I refunded it.").exists()
    sent = staff_reply_send(conversation=conversation, actor=colleague, body="I refunded it.", seen_message_id=mine.pk,
                            force=True)  # fmt: skip
    assert sent.pk > ai.pk


def test_bad_replies_get_clear_errors_and_store_nothing(tenant):
    conversation = shopper_writes(tenant, phone="")
    agent = staff(tenant)
    for body, code in (("   ", "empty_message"), ("x" * (MAX_MESSAGE_CHARS + 1), "message_too_long")):
        with pytest.raises(ApplicationError) as error:
            staff_reply_send(conversation=conversation, actor=agent, body=body)
        assert error.value.code == code
    with pytest.raises(ApplicationError) as error:
        staff_reply_send(conversation=conversation, actor=agent, body="hi", channel="sms")
    assert error.value.code == "no_address"
    with pytest.raises(ApplicationError) as error:
        staff_reply_send(conversation=conversation, actor=agent, body="hi", channel="fax")
    assert error.value.code == "invalid_channel"
    assert not Message.objects.filter(conversation__customer=conversation.customer, direction="outbound").exists()


def test_a_reply_by_sms_joins_the_customers_sms_conversation(tenant):
    conversation = shopper_writes(tenant, phone="+15551234567")
    agent = staff(tenant)
    sms = staff_reply_send(conversation=conversation, actor=agent, body="Texting you the tracking link.", channel="sms")
    assert sms.channel == "sms" and sms.conversation_id != conversation.pk
    assert sms.sender_user == agent and sms.conversation.customer == conversation.customer


def test_only_the_stores_staff_reply_or_write_notes(tenant, other_tenant):
    conversation = shopper_writes(tenant)
    for outsider in (staff(other_tenant, Membership.Role.OWNER), staff(tenant, Membership.Role.VIEWER)):
        with pytest.raises(PermissionDenied):
            staff_reply_send(conversation=conversation, actor=outsider, body="hello")
        with pytest.raises(PermissionDenied):
            note_add(conversation=conversation, author=outsider, body="a note")
    assert not Message.objects.filter(conversation=conversation, direction="outbound").exists()
    assert not Note.objects.exists()


def test_a_note_mentions_colleagues_of_the_store_only(tenant, other_tenant):
    conversation = shopper_writes(tenant)
    author = staff(tenant, username="dana")
    sam = staff(tenant, Membership.Role.REVIEWER, username="sam.lee")
    staff(other_tenant, username="olga")
    note = note_add(conversation=conversation, author=author,
                    body="@Sam.Lee can you approve? Not @olga, not bob@sam.lee, and not me @dana.")  # fmt: skip
    assert note.body.startswith("@Sam.Lee") and note.conversation == conversation
    assert [m.user for m in Mention.objects.filter(note=note)] == [sam]
    assert not Message.objects.filter(conversation=conversation, direction="outbound").exists()  # never sent
    assert mentions_read(user=sam, tenant_id=tenant.pk) == 1
    assert mentions_read(user=sam, tenant_id=tenant.pk) == 0
