"""The staff dashboard's pages: the inbox and a conversation's workspace. Reads through the
selectors, within the stores the member belongs to; every action is a POST to one of the
conversations app's services, which check the member's role again."""

import secrets
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from conversations import notes, ownership, replies
from conversations.models import CannedReply, Channel, Conversation, Mention, Message, Ticket
from dashboard import timeline as timelines
from dashboard.orders import orders_with_actions
from dashboard.selectors import PAGE, SORTS, VIEWS, InboxQuery, inbox, member_conversation, view_counts
from hitl.models import SlaClock
from orders.models import Order
from supportdesk.errors import ApplicationError
from tenants.models import Membership
from tenants.selectors import tenant_ids_for_user

FILTERS = ("channel", "status", "priority", "category", "assignee", "tag", "customer")


def _tenant_ids(request) -> set[int]:
    return tenant_ids_for_user(user=request.user)


def _not_staff(request):
    return HttpResponseForbidden(render(request, "dashboard/not_staff.html").content)


def _inbox_query(params) -> InboxQuery:
    """The URL's view, sort, search and filters; anything unknown falls back, never errs."""
    view = params.get("view") if params.get("view") in VIEWS else "mine"
    sort = params.get("sort") if params.get("sort") in SORTS else "urgent"
    filters = {name: params.get(name, "").strip()[:100] for name in FILTERS if params.get(name, "").strip()}
    for name in ("customer", "assignee"):
        if filters.get(name) and not (filters[name].isdigit() or (name == "assignee" and filters[name] == "none")):
            filters.pop(name)
    try:
        page = max(1, min(int(params.get("page", 1)), 10_000))
    except ValueError:
        page = 1
    return InboxQuery(view=view, sort=sort, q=params.get("q", "").strip()[:200], filters=filters, page=page)


@login_required
def inbox_page(request):
    tenant_ids = _tenant_ids(request)
    if not tenant_ids:
        return _not_staff(request)
    query = _inbox_query(request.GET)
    rows = inbox(tenant_ids=tenant_ids, user=request.user, query=query)
    context = {
        "rows": rows[:PAGE], "more": len(rows) > PAGE, "query": query, "now": timezone.now(),
        "views": [(key, label) for key, label in VIEWS.items()], "sorts": SORTS,
        "counts": view_counts(tenant_ids=tenant_ids, user=request.user),
        "channels": Channel.choices, "statuses": Conversation.Status.choices, "priorities": Ticket.Priority.choices,
        "staff": _staff(tenant_ids),
    }  # fmt: skip
    template = "dashboard/_rows.html" if request.GET.get("partial") else "dashboard/inbox.html"
    return render(request, template, context)


def _staff(tenant_ids: set[int]):
    users = get_user_model().objects.filter(memberships__tenant_id__in=tenant_ids).distinct()
    return users.order_by("username")


def _conversation(request, conversation_id: int) -> Conversation:
    return member_conversation(user=request.user, conversation_id=conversation_id)


@login_required
def conversation_page(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    customer = conversation.customer
    ticket = conversation.tickets.order_by("-created_at").first()
    items = timelines.timeline(conversation)
    newest = Message.objects.filter(conversation=conversation).order_by("-id").values_list("pk", flat=True).first()
    orders = Order.objects.for_tenant(conversation.tenant).filter(customer=customer).order_by("-placed_at")
    canned = _canned(request, conversation, _order_in_question(ticket, orders))
    context = {
        "conversation": conversation, "customer": customer, "ticket": ticket, "items": items,
        "seen_message_id": newest or 0, "now": timezone.now(),
        "orders": orders_with_actions(tenant=conversation.tenant, orders=orders[:20]), "canned": canned,
        "nonce": secrets.token_hex(8),  # one refund per form
        "others": Conversation.objects.for_tenant(conversation.tenant).filter(customer=customer)
        .exclude(pk=conversation.pk).order_by("-last_message_at")[:10],
        "clocks": SlaClock.objects.filter(ticket=ticket).order_by("started_at") if ticket else [],
        "colleagues": get_user_model().objects.filter(memberships__tenant_id=conversation.tenant_id)
        .exclude(memberships__role=Membership.Role.VIEWER).order_by("username"),
        "channels": _reply_channels(conversation),
        # What a refused reply or note said, so nothing written is lost; and a held reply.
        "reply_draft": _picked(request, canned) or request.session.get(f"draft:{conversation.pk}:reply", ""),
        "note_draft": request.session.get(f"draft:{conversation.pk}:note", ""),
        "held": request.session.get(f"held:{conversation.pk}", False),
    }  # fmt: skip
    return render(request, "dashboard/conversation.html", context)


def _order_in_question(ticket, orders):
    """The order a canned reply's {order_number} means: the ticket's, else the latest one."""
    if ticket is not None and ticket.order_number:
        named = orders.filter(number__iexact=ticket.order_number).first()
        if named is not None:
            return named
    return orders.first()


def _canned(request, conversation: Conversation, order) -> list[tuple[CannedReply, str]]:
    """The store's canned replies, each as it would read in this conversation (the preview)."""
    replies_ = CannedReply.objects.for_tenant(conversation.tenant).filter(active=True).order_by("name")
    return [(c, replies.canned_reply_fill(canned=c, conversation=conversation, actor=request.user, order=order))
            for c in replies_[:100]]  # fmt: skip


def _picked(request, canned) -> str:
    """The canned reply picked without JavaScript (``?canned=<id>``), filled in."""
    picked = request.GET.get("canned", "")
    return next((text for c, text in canned if str(c.pk) == picked), "")


def _reply_channels(conversation: Conversation) -> list[tuple[str, str]]:
    """The conversation's own channel, and email or SMS when the customer has that address."""
    customer, own = conversation.customer, conversation.channel
    found = [(own, Channel(own).label)]
    for channel, address in ((Channel.EMAIL, customer.email), (Channel.SMS, customer.phone)):
        if channel != own and address:
            found.append((channel, f"{Channel(channel).label} ({address})"))
    return found


def _snooze_until(choice: str) -> datetime | None:
    now = timezone.localtime()
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "4h":
        return now + timedelta(hours=4)
    if choice == "tomorrow":
        return (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    if choice == "reply" or not choice:
        return None
    try:
        until = datetime.fromisoformat(choice)
    except ValueError:
        raise ApplicationError("Pick when to wake it: in an hour, tomorrow, a time, or the shopper's reply.",
                               code="invalid_snooze") from None  # fmt: skip
    return until if until.tzinfo else timezone.make_aware(until)


def _assignee(value: str, user, tenant_id: int):
    if value == "me":
        return user
    if value in ("", "none"):
        return None
    member = get_user_model().objects.filter(pk=value if value.isdigit() else 0, memberships__tenant_id=tenant_id)
    found = member.first()
    if found is None:
        raise ApplicationError("Pick a colleague of this store.", code="invalid_assignee")
    return found


def _act(request, conversation: Conversation, action: str):
    data, user = request.POST, request.user
    if action == "take_over":
        ownership.conversation_take_over(conversation=conversation, actor=user)
        return "You have the conversation: the AI stopped."
    if action == "hand_back":
        ownership.conversation_hand_back(conversation=conversation, actor=user, note=data.get("note", ""))
        return "Handed back to the AI."
    if action == "assign":
        assignee = _assignee(data.get("assignee", ""), user, conversation.tenant_id)
        ownership.conversation_assign(conversation=conversation, assignee=assignee, actor=user)
        return f"Assigned to {assignee.get_username()}." if assignee else "Unassigned."
    if action == "snooze":
        until = _snooze_until(data.get("until", ""))
        ownership.conversation_snooze(conversation=conversation, actor=user, until=until)
        return f"Snoozed until {timezone.localtime(until):%a %H:%M}." if until else "Snoozed until the shopper writes."
    if action == "resolve":
        ownership.conversation_resolve(conversation=conversation, actor=user)
        return "Resolved."
    if action == "reopen":
        ownership.conversation_reopen(conversation=conversation, actor=user)
        return "Reopened."
    if action == "reply":
        seen = data.get("seen_message_id", "")
        replies.staff_reply_send(
            conversation=conversation, actor=user, body=data.get("body", ""), channel=data.get("channel") or None,
            seen_message_id=int(seen) if seen.isdigit() else None, force=data.get("force") == "1",
        )  # fmt: skip
        return "Sent."
    if action == "note":
        notes.note_add(conversation=conversation, author=user, body=data.get("body", ""))
        return "Note added."
    if action == "tag":
        ownership.conversation_tag(conversation=conversation, actor=user, add=data.get("add", "").split(","),
                                   remove=data.getlist("remove"))  # fmt: skip
        return "Tags saved."
    raise ApplicationError(f"Unknown action {action!r}.", code="unknown_action")


@login_required
@require_POST
def conversation_action(request, conversation_id: int, action: str):
    """Do ``action`` through its service. A page that asks for JSON gets it (a 4xx with the
    error's code and message when refused); a form gets the workspace again, with the outcome
    (and, for a refused reply, the text it wrote, so nothing is lost)."""
    conversation = _conversation(request, conversation_id)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        said = _act(request, conversation, action)
    except ApplicationError as error:
        if wants_json:
            return JsonResponse({"error": {"code": error.code, "message": error.message, **error.extra}},
                                status=error.status_code)  # fmt: skip
        messages.error(request, error.message)
        if action in ("reply", "note"):
            request.session[f"draft:{conversation.pk}:{action}"] = request.POST.get("body", "")[:8000]
            if error.code == "replied_meanwhile":
                request.session[f"held:{conversation.pk}"] = True
        return redirect("dashboard:conversation", conversation_id=conversation.pk)
    request.session.pop(f"draft:{conversation.pk}:{action}", None)
    request.session.pop(f"held:{conversation.pk}", None)
    if wants_json:
        return JsonResponse({"ok": True, "message": said})
    messages.success(request, said)
    return redirect("dashboard:conversation", conversation_id=conversation.pk)


BULK_LIMIT = 100


@login_required
@require_POST
def bulk_action(request):
    """Assign, resolve, snooze or tag the ticked conversations (of the member's stores), each
    through its service; what one refuses is said, the others go ahead."""
    tenant_ids = _tenant_ids(request)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:BULK_LIMIT]
    action = request.POST.get("action", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
        back = reverse("dashboard:inbox")
    if action not in ("assign", "resolve", "snooze", "tag") or not ids:
        messages.error(request, "Tick some conversations and pick what to do with them.")
        return redirect(back)
    done, refused = 0, []
    for conversation in Conversation.objects.filter(pk__in=ids, tenant_id__in=tenant_ids).select_related("tenant"):
        try:
            _bulk_one(request, conversation, action)
            done += 1
        except ApplicationError as error:
            refused.append(f"{conversation}: {error.message}")
    if done:
        messages.success(request, f"Done for {done} conversation{'s' if done != 1 else ''}.")
    for line in refused[:10]:
        messages.error(request, line)
    return redirect(back)


def _bulk_one(request, conversation: Conversation, action: str) -> None:
    """As the workspace's own button does; the bulk form names its one tag ``tag``."""
    if action == "tag":
        ownership.conversation_tag(conversation=conversation, actor=request.user, add=[request.POST.get("tag", "")])
    else:
        _act(request, conversation, action)


@login_required
def mentions_page(request):
    """The notes that @mention the member, newest first; opening the page reads them."""
    tenant_ids = _tenant_ids(request)
    mentions = list(
        Mention.objects.filter(tenant_id__in=tenant_ids, user=request.user)
        .select_related("note", "note__author", "note__conversation", "note__conversation__customer")
        .order_by("-id")[:100]
    )
    unread = [m.pk for m in mentions if m.read_at is None]
    for tenant_id in {m.tenant_id for m in mentions if m.read_at is None}:
        notes.mentions_read(user=request.user, tenant_id=tenant_id, mention_ids=unread)
    return render(request, "dashboard/mentions.html", {"mentions": mentions, "unread": set(unread)})
