"""The inbox's reads: which conversations a view holds, filtered, searched and sorted, with
each row's facts in the same query (no query per row), and the count of every view in one.
Always within the staff member's stores."""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from conversations.models import OPEN_FIRST, Conversation, Customer, Message, Ticket
from hitl.models import ReviewRequest, SlaClock
from orders.models import Order
from tenants.selectors import tenant_ids_for_user

OPEN = (Conversation.Status.OPEN, Conversation.Status.PENDING)
DONE = (Conversation.Status.RESOLVED, Conversation.Status.CLOSED)
VIEWS = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "ai": "Handled by the AI",
    "review": "Waiting on a review",
    "due": "Due soon or breached",
    "snoozed": "Snoozed",
    "resolved": "Resolved",
    "all": "All",
}
SORTS = {"urgent": "Needs a person first", "newest": "Newest"}
PAGE = 50
SEARCH_CONFIG = "simple"  # shoppers write in many languages: no stemming, no stop words


@dataclass
class InboxQuery:
    view: str = "mine"
    sort: str = "urgent"
    q: str = ""
    filters: dict = field(default_factory=dict)  # channel, status, priority, category, assignee, tag, customer
    page: int = 1


def _latest_ticket(column: str):
    ticket = Ticket.objects.filter(conversation=OuterRef("pk")).order_by("-created_at")
    return Subquery(ticket.values(column)[:1])


def _reviewing():
    """Conversations with a review waiting: one hashed set, not a lookup per row."""
    pending = ReviewRequest.objects.filter(status=ReviewRequest.Status.PENDING, conversation__isnull=False)
    return Q(pk__in=pending.values("conversation_id"))


def _warned():
    """The conversation's ticket has a running clock past its warning time (or its due time);
    the "due" view adds the conversations past their ticket's due time (what the badge reads)."""
    clocks = SlaClock.objects.filter(status=SlaClock.Status.RUNNING, warn_at__lte=timezone.now())
    return Q(pk__in=clocks.values("ticket__conversation_id"))


def view_filter(view: str, user) -> Q:
    return {
        "mine": Q(assignee=user, status__in=OPEN),
        "unassigned": Q(assignee__isnull=True, handled_by=Conversation.HandledBy.HUMAN, status__in=OPEN),
        "ai": Q(handled_by=Conversation.HandledBy.AI, status__in=OPEN),
        "review": _reviewing(),
        "due": (_warned() | Q(sla_due_at__lte=timezone.now())) & Q(status__in=OPEN),
        "snoozed": Q(status=Conversation.Status.SNOOZED),
        "resolved": Q(status__in=DONE),
        "all": Q(),
    }[view]


def view_counts(*, tenant_ids: set[int], user) -> dict[str, int]:
    """Every view's count (the same sets as ``view_filter``), in four small queries: the open and
    snoozed rows grouped from an index alone (past due or not included), the resolved ones counted
    by it (most of a store's history), the ones due soon by their clocks, and the review view."""
    scoped = Conversation.objects.filter(tenant_id__in=tenant_ids)
    counts = dict.fromkeys(VIEWS, 0)
    now = timezone.now()
    groups = (
        scoped.filter(status__in=(*OPEN, Conversation.Status.SNOOZED))
        .annotate(overdue=Q(sla_due_at__lte=now))
        .values_list("status", "handled_by", "assignee_id", "overdue")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for status, handled_by, assignee_id, overdue, n in groups:
        counts["all"] += n
        if status == Conversation.Status.SNOOZED:
            counts["snoozed"] += n
            continue
        counts["due"] += n if overdue else 0
        counts["mine"] += n if assignee_id == user.pk else 0
        if handled_by == Conversation.HandledBy.AI:
            counts["ai"] += n
        elif assignee_id is None:
            counts["unassigned"] += n
    counts["resolved"] = scoped.filter(status__in=DONE).count()
    counts["all"] += counts["resolved"]
    # Due soon by a running clock's warning time, and not already counted as past due.
    warned = SlaClock.objects.filter(
        tenant_id__in=tenant_ids, status=SlaClock.Status.RUNNING, warn_at__lte=now,
        ticket__conversation__status__in=OPEN,
    ).exclude(ticket__conversation__sla_due_at__lte=now)  # fmt: skip
    counts["due"] += warned.values("ticket__conversation_id").distinct().count()
    pending = ReviewRequest.objects.filter(tenant_id__in=tenant_ids, status=ReviewRequest.Status.PENDING)
    counts["review"] = pending.exclude(conversation=None).values("conversation_id").distinct().count()
    return counts


def _searched(conversations: QuerySet, q: str, tenant_ids: set[int], order, first: int) -> QuerySet:
    """Full text over every message of the conversations (PostgreSQL, by the GIN index on their
    search document), the customers' names and emails, and the exact order number: the first
    ``first`` matches of each kind in the page's order, so a common word does not make the
    database gather every conversation that holds it, and a rare one is found by the index."""
    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    customers = (
        Customer.objects.filter(tenant_id__in=tenant_ids)
        .annotate(found=SearchVector("name", "email", config=SEARCH_CONFIG))
        .filter(found=query)
    )
    orders = Order.objects.filter(tenant_id__in=tenant_ids, number__iexact=q.strip())
    # Three branches, each one condition the planner can join by its index (an OR of them
    # would make it read every conversation of the store).
    branches = [
        conversations.filter(search__document=query),
        conversations.filter(customer_id__in=customers.values("pk")),
        conversations.filter(customer_id__in=orders.values("customer_id")),
    ]
    first_of = [branch.order_by(*order).values("pk")[:first] for branch in branches]
    return first_of[0].union(*first_of[1:])


def _filtered(conversations: QuerySet, filters: dict) -> QuerySet:
    if filters.get("channel"):
        conversations = conversations.filter(channel=filters["channel"])
    if filters.get("status"):
        conversations = conversations.filter(status=filters["status"])
    if filters.get("priority"):
        conversations = conversations.alias(priority=_latest_ticket("priority")).filter(priority=filters["priority"])
    if filters.get("category"):
        conversations = conversations.alias(category=_latest_ticket("category")).filter(category=filters["category"])
    assignee = filters.get("assignee")
    if assignee == "none":
        conversations = conversations.filter(assignee__isnull=True)
    elif assignee:
        conversations = conversations.filter(assignee_id=assignee)
    if filters.get("tag"):  # the conversation's tag, or its customer's ("vip")
        tag = [filters["tag"].lower()]
        conversations = conversations.filter(Q(tags__contains=tag) | Q(customer__tags__contains=tag))
    if filters.get("customer"):
        conversations = conversations.filter(customer_id=filters["customer"])
    return conversations


# The two orders, each served by an index on the conversation (conversations.models): what
# needs a person first (open ones, by the nearest SLA due time, then the longest wait), and newest.
URGENT = (OPEN_FIRST, F("sla_due_at").asc(nulls_last=True), F("waiting_since").asc(nulls_last=True), F("id").desc())
NEWEST = (F("last_message_at").desc(nulls_last=True), F("id").desc())


def inbox(*, tenant_ids: set[int], user, query: InboxQuery) -> list[Conversation]:
    """One page of the view: each row with its customer, last message (excerpt, who wrote it,
    when), ticket (priority, category, SLA due and warning times) and whether a review waits.
    The row facts are computed for the page's rows only: the order comes from the index."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    warn = SlaClock.objects.filter(ticket__conversation=OuterRef("pk"), status=SlaClock.Status.RUNNING)
    pending = ReviewRequest.objects.filter(conversation=OuterRef("pk"), status=ReviewRequest.Status.PENDING)
    order = NEWEST if query.sort == "newest" else URGENT
    start = (max(query.page, 1) - 1) * PAGE
    scope = _filtered(Conversation.objects.filter(tenant_id__in=tenant_ids).filter(view_filter(query.view, user)),
                      query.filters)  # fmt: skip
    if query.q.strip():
        scope = scope.filter(pk__in=_searched(scope, query.q, tenant_ids, order, start + PAGE + 1))
    # The page's ids in order first, then their facts: ordering a query that also selects the
    # facts' subqueries makes Django hash each of them, which cost more than running the query.
    ids = list(scope.order_by(*order).values_list("pk", flat=True)[start : start + PAGE + 1])
    rows = (
        Conversation.objects.filter(pk__in=ids)
        .select_related("customer", "assignee")
        .defer("agent_state", "customer__extracted_data")  # what the agent keeps: not a row's to show
        .annotate(
            last_body=Substr(Subquery(last.values("body")[:1]), 1, 140),
            last_sender=Subquery(last.values("sender_kind")[:1]),
            waiting=Case(When(status__in=OPEN, then=F("waiting_since"))),
            ticket_priority=_latest_ticket("priority"),
            ticket_category=_latest_ticket("category"),
            sla_warn_at=Subquery(warn.order_by("due_at").values("warn_at")[:1]),
            review_pending=Exists(pending),
        )
    )
    by_id = {row.pk: row for row in rows.order_by()}
    return [by_id[pk] for pk in ids]


def member_conversation(*, user, conversation_id: int) -> Conversation:
    """The conversation, if it is one of the member's stores'; else a 404 (the same for a
    missing one and another store's: nothing leaks)."""
    conversation = (
        Conversation.objects.select_related("tenant", "customer", "assignee")
        .filter(pk=conversation_id, tenant_id__in=tenant_ids_for_user(user=user))
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation
