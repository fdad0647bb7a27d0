"""The staff dashboard's pages and actions, through the test client: each within the member's
own store, every action through the conversations app's services."""

import json

import pytest
from django.urls import reverse

from agents.models import AgentRun, ToolCall
from conversations.models import Conversation, Message, Note
from conversations.notes import note_add
from conversations.services import message_receive, message_reply_create
from tenants.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db
INBOX = reverse("dashboard:inbox")


def staff(tenant, role=Membership.Role.AGENT, **kwargs):
    user = f.UserFactory(staff=True, **kwargs)
    f.MembershipFactory(user=user, tenant=tenant, role=role)
    return user


def shopper_writes(tenant, text="where is my order?", channel="web", **customer):
    person = f.CustomerFactory(tenant=tenant, **customer)
    received = message_receive(tenant=tenant, channel=channel, body=text, customer=person, schedule_turn=False)
    return Conversation.objects.get(pk=received.message.conversation_id)


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def act(client, conversation, action, json_reply=False, **data):
    url = reverse("dashboard:action", args=[conversation.pk, action])
    headers = {"HTTP_ACCEPT": "application/json"} if json_reply else {}
    return client.post(url, data, **headers)


def test_the_inbox_shows_the_members_store_only_with_counts_per_view(client, tenant, other_tenant):
    mine = shopper_writes(tenant, "my keyboard arrived broken", name="Ada Lovelace")
    theirs = shopper_writes(other_tenant, "secret of another store", name="Zed Other")
    Conversation.objects.filter(pk=mine.pk).update(handled_by="human")
    client.force_login(staff(tenant))
    html = page(client, INBOX, view="all")
    assert "Ada Lovelace" in html and "my keyboard arrived broken" in html
    assert "Zed Other" not in html and "secret of another store" not in html
    unassigned = page(client, INBOX, view="unassigned")
    assert "Ada Lovelace" in unassigned
    assert "Ada Lovelace" not in page(client, INBOX, view="ai")
    partial = page(client, INBOX, view="all", partial="1")
    counts = json.loads(partial.split('id="view-counts" type="application/json">')[1].split("</script>")[0])
    assert counts["all"] == 1 and counts["unassigned"] == 1 and counts["ai"] == 0
    assert client.get(reverse("dashboard:conversation", args=[theirs.pk])).status_code == 404


def test_search_finds_words_of_messages_customers_and_order_numbers(client, tenant, other_tenant):
    by_text = shopper_writes(tenant, "The graphics card makes a clicking noise", name="Noisy Nora")
    by_email = shopper_writes(tenant, "hello", name="Mail Person", email="quirky.name@example.com")
    by_order = shopper_writes(tenant, "hi", name="Order Owner")
    f.OrderFactory(tenant=tenant, customer=by_order.customer, number="ORD-7781")
    shopper_writes(other_tenant, "clicking noise here too", name="Foreign Shopper")
    client.force_login(staff(tenant))
    found = page(client, INBOX, view="all", q="clicking")
    assert "Noisy Nora" in found and "Mail Person" not in found and "Foreign Shopper" not in found
    assert "Mail Person" in page(client, INBOX, view="all", q="quirky.name@example.com")
    assert "Order Owner" in page(client, INBOX, view="all", q="ORD-7781")
    assert "Nothing here" in page(client, INBOX, view="all", q="nonexistentword")
    assert by_text and by_email


def test_search_reads_every_message_and_pages_through_all_matches_once(tenant):
    from dashboard.selectors import PAGE, InboxQuery, inbox

    agent = staff(tenant)
    later = shopper_writes(tenant, "hello there", name="Later Words")
    message_reply_create(conversation=later, body="Your parcel went out with the courier Vestibule.")
    message_receive(tenant=tenant, channel="web", body="and the fjord-blue cable?", customer=later.customer,
                    schedule_turn=False)  # fmt: skip
    for q in ("vestibule", "fjord-blue"):  # the AI's reply, and the shopper's second message
        assert [r.pk for r in inbox(tenant_ids={tenant.pk}, user=agent, query=InboxQuery(view="all", q=q))] == [
            later.pk
        ]
    many = {shopper_writes(tenant, f"my bluetooth dongle number {n}").pk for n in range(PAGE + 5)}
    Conversation.objects.filter(pk__in=list(many)[:3]).update(assignee=agent)

    def found(view, page):
        return [r.pk for r in inbox(tenant_ids={tenant.pk}, user=agent, query=InboxQuery(view=view, q="bluetooth",
                                                                                       page=page))]  # fmt: skip

    first, second = found("all", 1), found("all", 2)
    assert len(first) == PAGE + 1 and len(second) == 5  # a page and "more"; then the rest
    assert set(first[:PAGE]) | set(second) == many and not set(first[:PAGE]) & set(second)
    assert set(found("mine", 1)) == set(list(many)[:3])  # the view's matches, however many others match


def test_filters_and_odd_parameters_never_err(client, tenant):
    shopper_writes(tenant, "by email", channel="email", name="Emailer", email="e@example.com")
    shopper_writes(tenant, "on the web", name="Webber")
    client.force_login(staff(tenant))
    html = page(client, INBOX, view="all", channel="email")
    assert "Emailer" in html and "Webber" not in html
    for params in ({"view": "nope", "sort": "sideways", "page": "x"}, {"assignee": "abc", "customer": "1; drop"},
                   {"q": "\"unbalanced OR (", "page": "999999999"}, {"q": "x" * 5000}):  # fmt: skip
        assert client.get(INBOX, params).status_code == 200


def test_the_inbox_costs_the_same_queries_for_one_row_or_many(client, tenant, django_assert_max_num_queries):
    shopper_writes(tenant)
    client.force_login(staff(tenant))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        page(client, INBOX, view="all")
    for n in range(15):
        shopper_writes(tenant, f"question {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = page(client, INBOX, view="all")
    assert html.count("data-conversation=") == 16


def test_the_workspace_shows_the_customers_timeline_across_channels(client, tenant):
    conversation = shopper_writes(tenant, "Is my parcel lost?", name="Tim Line", email="tim@example.com")
    email = message_receive(tenant=tenant, channel="email", body="Also asked by email", customer=conversation.customer,
                            schedule_turn=False)  # fmt: skip
    message_reply_create(conversation=conversation, body="Let me check that for you.")
    run = f.AgentRunFactory(tenant=tenant, conversation=conversation, tokens_in=120, tokens_out=30)
    ToolCall.objects.create(tenant=tenant, run=run, tool="lookup_order", arguments={"order_number": "ORD-1"},
                            result={"status": "shipped"}, status="ok", duration_ms=12)  # fmt: skip
    agent = staff(tenant)
    note_add(conversation=conversation, author=agent, body="Carrier says it is delayed.")
    client.force_login(agent)
    html = page(client, reverse("dashboard:conversation", args=[conversation.pk]))
    for seen in ("Is my parcel lost?", "Also asked by email", "Let me check that for you.", "lookup_order",
                 "ORD-1", "150 tokens", "Carrier says it is delayed.", "tim@example.com"):  # fmt: skip
        assert seen in html
    assert email.message.conversation_id != conversation.pk
    assert run.status == AgentRun.Status.SUCCEEDED


def test_taking_over_replying_noting_and_resolving_from_the_workspace(client, tenant):
    conversation = shopper_writes(tenant, "I want to talk to someone", name="Wanda")
    agent, reviewer = staff(tenant), staff(tenant, Membership.Role.REVIEWER, username="rita")
    client.force_login(agent)
    assert act(client, conversation, "take_over").status_code == 302
    conversation.refresh_from_db()
    assert conversation.handled_by == "human" and conversation.assignee == agent
    seen = Message.objects.filter(conversation=conversation).latest("id").pk
    assert act(client, conversation, "reply", body="Hi Wanda, I'm here.", seen_message_id=seen).status_code == 302
    assert Message.objects.filter(conversation=conversation, sender_kind="staff", sender_user=agent).exists()
    act(client, conversation, "note", body="@rita please check the refund")
    assert Note.objects.get(conversation=conversation).mentions.get().user == reviewer
    act(client, conversation, "resolve")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.RESOLVED
    html = page(client, reverse("dashboard:conversation", args=[conversation.pk]))
    assert "Hi Wanda, I&#x27;m here." in html and "took the conversation over" in html and "Reopen" in html


def test_refused_actions_answer_with_a_clear_error_and_keep_what_was_written(client, tenant, other_tenant):
    conversation = shopper_writes(tenant)
    agent = staff(tenant)
    client.force_login(agent)
    empty = act(client, conversation, "reply", json_reply=True, body="   ")
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "empty_message"
    seen = Message.objects.filter(conversation=conversation).latest("id").pk
    message_reply_create(conversation=conversation, body="The AI answered meanwhile.")
    held = act(client, conversation, "reply", json_reply=True, body="My answer", seen_message_id=seen)
    assert held.status_code == 409 and held.json()["error"]["code"] == "replied_meanwhile"
    form = act(client, conversation, "reply", body="My kept words", seen_message_id=seen)
    assert form.status_code == 302
    html = page(client, reverse("dashboard:conversation", args=[conversation.pk]))
    assert "My kept words" in html and "Someone replied while you were writing" in html
    assert act(client, conversation, "fly", json_reply=True).status_code == 400
    assert client.get(reverse("dashboard:action", args=[conversation.pk, "resolve"])).status_code == 405

    # A viewer reads but may not act; another store's member cannot even find it.
    client.force_login(staff(tenant, Membership.Role.VIEWER))
    assert client.get(reverse("dashboard:conversation", args=[conversation.pk])).status_code == 200
    assert act(client, conversation, "take_over", json_reply=True).status_code == 403
    client.force_login(staff(other_tenant, Membership.Role.OWNER))
    assert act(client, conversation, "take_over", json_reply=True).status_code == 404
    conversation.refresh_from_db()
    assert conversation.handled_by == "ai"


def test_strangers_sign_in_first_and_non_staff_get_a_clear_page(client, tenant):
    conversation = shopper_writes(tenant)
    assert client.get(INBOX).status_code == 302
    assert client.post(reverse("dashboard:action", args=[conversation.pk, "take_over"])).status_code == 302
    client.force_login(f.UserFactory(staff=True))
    response = client.get(INBOX)
    assert response.status_code == 403 and b"not on any store" in response.content


def test_a_shopper_waits_from_their_message_until_a_reply_that_answers_them(tenant):
    from conversations.replies import staff_reply_send
    from dashboard.selectors import InboxQuery, inbox

    conversation = shopper_writes(tenant, "I need a person")
    asked = Message.objects.get(conversation=conversation)
    agent = staff(tenant)
    query = InboxQuery(view="all")

    def waiting_since():
        rows = inbox(tenant_ids={tenant.pk}, user=agent, query=query)
        return next(r for r in rows if r.pk == conversation.pk).waiting_since

    assert waiting_since() == asked.created_at
    Conversation.objects.filter(pk=conversation.pk).update(handled_by="human")
    message_reply_create(conversation=conversation, body="A person will reply here soon.")  # the AI's, no answer
    assert waiting_since() == asked.created_at
    staff_reply_send(conversation=conversation, actor=agent, body="Hi, I'm here.")
    assert waiting_since() is None


def test_bulk_actions_apply_to_the_members_ticked_conversations_only(client, tenant, other_tenant):
    first, second = shopper_writes(tenant, "first question"), shopper_writes(tenant, "second question")
    foreign = shopper_writes(other_tenant, "foreign")
    agent = staff(tenant)
    client.force_login(agent)
    bulk = reverse("dashboard:bulk")
    ids = [first.pk, second.pk, foreign.pk]
    tagged = client.post(bulk, {"ids": ids, "action": "tag", "tag": "Damaged!", "next": "https://evil.example/"})
    assert tagged.url == INBOX
    client.post(bulk, {"ids": ids, "action": "assign", "assignee": "me"})
    client.post(bulk, {"ids": ids, "action": "resolve"})
    for conversation in (first, second):
        conversation.refresh_from_db()
        assert conversation.tags == ["damaged"] and conversation.assignee == agent and conversation.status == "resolved"
    foreign.refresh_from_db()
    assert foreign.tags == [] and foreign.assignee is None and foreign.status == "open"
    assert "first question" in page(client, INBOX, view="all", tag="damaged")
    assert "first question" not in page(client, INBOX, view="all", tag="other")

    # A refusal is said per conversation; nothing else changes.
    client.force_login(staff(tenant, Membership.Role.VIEWER))
    response = client.post(bulk, {"ids": [first.pk], "action": "snooze", "until": "1h"}, follow=True)
    assert b"Only the store" in response.content
    first.refresh_from_db()
    assert first.status == "resolved"


def test_tags_are_added_and_removed_in_the_workspace(client, tenant):
    conversation = shopper_writes(tenant)
    client.force_login(staff(tenant))
    act(client, conversation, "tag", add="Late delivery, vip")
    conversation.refresh_from_db()
    assert conversation.tags == ["late delivery", "vip"]
    act(client, conversation, "tag", remove="vip")
    conversation.refresh_from_db()
    assert conversation.tags == ["late delivery"]
    assert act(client, conversation, "tag", json_reply=True, add=" , ").json()["error"]["code"] == "invalid_tag"


def test_canned_replies_are_filled_in_for_the_conversation_to_edit_before_sending(client, tenant, other_tenant):
    from conversations.models import CannedReply

    conversation = shopper_writes(tenant, name="Grace Hopper")
    f.OrderFactory(tenant=tenant, customer=conversation.customer, number="ORD-4242", tracking_number="1Z999",
                   carrier="UPS")  # fmt: skip
    body = "Hi {customer_first_name}, {order_number} is with {carrier}: {tracking_number}. {agent_name}, {store_name}"
    mine = CannedReply.objects.create(tenant=tenant, name="Tracking", body=body)
    CannedReply.objects.create(tenant=other_tenant, name="Foreign canned", body="not yours")
    agent = staff(tenant, first_name="Sam", last_name="Lee")
    client.force_login(agent)
    url = reverse("dashboard:conversation", args=[conversation.pk])
    html = page(client, url)
    filled = f"Hi Grace, ORD-4242 is with UPS: 1Z999. Sam Lee, {tenant.name}"
    assert f'data-text="{filled}"' in html and "Foreign canned" not in html
    assert f">{filled}</textarea>" in page(client, url, canned=mine.pk)  # without JavaScript


def test_the_admin_refuses_a_canned_reply_with_an_unknown_placeholder(client, tenant):
    from conversations.admin import CannedReplyForm

    form = CannedReplyForm(data={"tenant": tenant.pk, "name": "Bad", "body": "Hi {customer_nmae}", "active": True})
    assert not form.is_valid() and "unknown placeholder {customer_nmae}" in str(form.errors)
    good = CannedReplyForm(data={"tenant": tenant.pk, "name": "Good", "body": "Hi {customer_name}", "active": True})
    assert good.is_valid(), good.errors


def test_a_colleague_mentioned_in_a_note_sees_it_until_they_read_it(client, tenant):
    conversation = shopper_writes(tenant, name="Mo Mention")
    dana, sam = staff(tenant, username="dana"), staff(tenant, username="sam")
    note_add(conversation=conversation, author=dana, body="@sam can you call Mo back?")
    client.force_login(sam)
    assert 'data-count="1"' in page(client, INBOX)
    listed = page(client, reverse("dashboard:mentions"))
    assert "can you call Mo back?" in listed and "New" in listed and "Mo Mention" in listed
    assert 'data-count="0"' in page(client, INBOX)  # read now
    client.force_login(dana)
    assert "can you call Mo back?" not in page(client, reverse("dashboard:mentions"))


def test_the_sidebar_offers_what_the_order_checks_allow(client, tenant):
    from datetime import timedelta

    from django.utils import timezone

    conversation = shopper_writes(tenant, name="Olive Orders")
    now, window = timezone.now(), tenant.return_window_days
    orders = {
        "paid": f.OrderFactory(tenant=tenant, customer=conversation.customer, status="paid"),
        "shipped": f.OrderFactory(tenant=tenant, customer=conversation.customer, status="shipped"),
        "fresh": f.OrderFactory(tenant=tenant, customer=conversation.customer, status="delivered",
                                delivered_at=now - timedelta(days=1)),
        "old": f.OrderFactory(tenant=tenant, customer=conversation.customer, status="delivered",
                              delivered_at=now - timedelta(days=window + 5)),
    }  # fmt: skip
    client.force_login(staff(tenant))
    html = page(client, reverse("dashboard:conversation", args=[conversation.pk]))

    def offered(order, action):
        return reverse("dashboard:order_action", args=[conversation.pk, order.pk, action]) in html

    assert offered(orders["paid"], "cancel") and not offered(orders["shipped"], "cancel")
    assert offered(orders["fresh"], "return_label")
    assert not offered(orders["old"], "return_label")  # past the store's return window
    assert not offered(orders["paid"], "return_label") and not offered(orders["fresh"], "cancel")


def test_staff_act_on_the_customers_orders_by_the_same_rules_as_the_agent(client, tenant, other_tenant):
    from decimal import Decimal

    from django.utils import timezone

    from hitl.models import ReviewRequest
    from orders.models import Order, Refund

    conversation = shopper_writes(tenant, name="Olive Orders")
    customer = conversation.customer
    paid = f.OrderFactory(tenant=tenant, customer=customer, status="paid", subtotal=Decimal("80"))
    big = f.OrderFactory(tenant=tenant, customer=customer, status="delivered", delivered_at=timezone.now(),
                         subtotal=tenant.refund_review_threshold + 100)  # fmt: skip
    shipped = f.OrderFactory(tenant=tenant, customer=customer, status="shipped")
    stranger = f.OrderFactory(tenant=tenant)  # another customer's
    client.force_login(staff(tenant))

    def order_act(order, action, **data):
        url = reverse("dashboard:order_action", args=[conversation.pk, order.pk, action])
        return client.post(url, data, follow=True).content.decode()

    assert "is cancelled" in order_act(paid, "cancel")
    paid.refresh_from_db()
    assert paid.status == Order.Status.CANCELLED and paid.refunds.get().status == Refund.Status.PROCESSED
    assert "can no longer be cancelled" in order_act(shipped, "cancel")
    said = order_act(big, "refund", nonce="n1", reason="dented")
    assert "waits for a reviewer" in said and ReviewRequest.objects.filter(payload__refund_id=big.refunds.get().pk)
    order_act(big, "refund", nonce="n1")  # a double click: the same refund
    assert big.refunds.count() == 1
    assert "Return label" in order_act(big, "return_label")
    assert "must be more than zero" in order_act(big, "refund", nonce="n2", amount="-5")
    url = reverse("dashboard:order_action", args=[conversation.pk, stranger.pk, "cancel"])
    assert client.post(url).status_code == 404  # not this customer's order
    client.force_login(staff(other_tenant, Membership.Role.OWNER))
    foreign = reverse("dashboard:order_action", args=[conversation.pk, shipped.pk, "cancel"])
    assert client.post(foreign).status_code == 404
    client.force_login(staff(tenant, Membership.Role.VIEWER))
    assert "Only the store" in order_act(shipped, "return_label")


def test_the_due_view_holds_what_the_badges_call_due_or_breached(tenant):
    from datetime import timedelta

    from django.utils import timezone

    from conversations.models import Ticket
    from conversations.sort_keys import sort_keys_rebuild
    from dashboard.selectors import InboxQuery, inbox, view_counts
    from hitl.models import SlaClock

    agent = staff(tenant)
    now = timezone.now()
    overdue, warned, resolved, calm = (shopper_writes(tenant, text) for text in ("late", "warned", "done", "calm"))
    for conversation, due in ((overdue, now - timedelta(hours=1)), (resolved, now - timedelta(hours=1)),
                              (calm, now + timedelta(hours=5)), (warned, now + timedelta(minutes=10))):  # fmt: skip
        f.TicketFactory(tenant=tenant, conversation=conversation, customer=conversation.customer, sla_due_at=due)
    ticket = Ticket.objects.get(conversation=warned)
    SlaClock.objects.create(
        tenant=tenant, ticket=ticket, metric="first_response", started_at=now - timedelta(hours=1),
        due_at=now + timedelta(minutes=10), warn_at=now - timedelta(minutes=5), target_minutes=70,
    )  # fmt: skip
    Conversation.objects.filter(pk=resolved.pk).update(status=Conversation.Status.RESOLVED)
    sort_keys_rebuild(tenant_ids=[tenant.pk])  # the tickets were made around the SLA services
    due = {row.pk for row in inbox(tenant_ids={tenant.pk}, user=agent, query=InboxQuery(view="due"))}
    assert due == {overdue.pk, warned.pk}
    assert view_counts(tenant_ids={tenant.pk}, user=agent)["due"] == 2


def test_the_inbox_says_how_long_a_shopper_has_waited_in_short(client, tenant):
    from datetime import timedelta

    from django.utils import timezone

    waits = {"just now": timedelta(seconds=5), "12 min": timedelta(minutes=12, seconds=30),
             "3 h": timedelta(hours=3, minutes=59), "2 d": timedelta(days=2, hours=1)}  # fmt: skip
    for label, ago in waits.items():
        conversation = shopper_writes(tenant, f"waiting {label}")
        Conversation.objects.filter(pk=conversation.pk).update(waiting_since=timezone.now() - ago)
    client.force_login(staff(tenant))
    html = page(client, INBOX, view="all")
    for label in waits:
        assert f">{label}</time>" in html


def test_every_views_count_is_the_number_of_conversations_it_lists(tenant, other_tenant):
    from datetime import timedelta

    from django.utils import timezone

    from conversations.sort_keys import sort_keys_rebuild
    from dashboard.selectors import VIEWS, InboxQuery, inbox, view_counts

    agent, colleague = staff(tenant), staff(tenant)
    rows = [shopper_writes(tenant, f"question {n}") for n in range(9)]
    shopper_writes(other_tenant, "another store's")
    Conversation.objects.filter(pk=rows[0].pk).update(handled_by="human", assignee=agent)
    Conversation.objects.filter(pk=rows[1].pk).update(handled_by="human", assignee=colleague)
    Conversation.objects.filter(pk=rows[2].pk).update(handled_by="human")
    Conversation.objects.filter(pk=rows[3].pk).update(status=Conversation.Status.SNOOZED, assignee=agent)
    Conversation.objects.filter(pk__in=[rows[4].pk, rows[5].pk]).update(status=Conversation.Status.RESOLVED)
    f.ReviewRequestFactory(tenant=tenant, conversation=rows[5], customer=rows[5].customer)
    f.ReviewRequestFactory(tenant=tenant, conversation=rows[6], customer=rows[6].customer)
    for row, hours in ((rows[7], -1), (rows[5], -1), (rows[8], 5)):
        f.TicketFactory(tenant=tenant, conversation=row, customer=row.customer,
                        sla_due_at=timezone.now() + timedelta(hours=hours))  # fmt: skip
    sort_keys_rebuild(tenant_ids=[tenant.pk])
    counts = view_counts(tenant_ids={tenant.pk}, user=agent)
    listed = {view: len(inbox(tenant_ids={tenant.pk}, user=agent, query=InboxQuery(view=view))) for view in VIEWS}
    assert counts == listed
    assert listed["all"] == 9 and listed["mine"] == 1 and listed["due"] == 1 and listed["review"] == 2
