"""The inbox's reads: which conversations a view holds, filtered, searched and sorted, with
each row's facts in the same query (no query per row), and the count of every view in one.
Always within the staff member's stores."""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Substr
from django.http import Http404
from django.utils import timezone

from conversations.models import Conversation, Customer, Message, Ticket
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


def _pending_review():
    return Exists(ReviewRequest.objects.filter(conversation=OuterRef("pk"), status=ReviewRequest.Status.PENDING))


def _warned():
    """The conversation's open ticket has a running clock past its warning time (or its due time)."""
    clocks = SlaClock.objects.filter(
        ticket__conversation=OuterRef("pk"), status=SlaClock.Status.RUNNING, warn_at__lte=timezone.now()
    )
    return Exists(clocks)


def view_filter(view: str, user) -> Q:
    return {
        "mine": Q(assignee=user, status__in=OPEN),
        "unassigned": Q(assignee__isnull=True, handled_by=Conversation.HandledBy.HUMAN, status__in=OPEN),
        "ai": Q(handled_by=Conversation.HandledBy.AI, status__in=OPEN),
        "review": Q(_pending_review()),
        "due": Q(_warned(), status__in=OPEN),
        "snoozed": Q(status=Conversation.Status.SNOOZED),
        "resolved": Q(status__in=DONE),
        "all": Q(),
    }[view]


def view_counts(*, tenant_ids: set[int], user) -> dict[str, int]:
    """Every view's count, in one query."""
    scoped = Conversation.objects.filter(tenant_id__in=tenant_ids)
    return scoped.aggregate(**{view: Count("pk", filter=view_filter(view, user)) for view in VIEWS})


def _searched(conversations: QuerySet, q: str, tenant_ids: set[int]) -> QuerySet:
    """Full text over the messages (PostgreSQL, by the index on their text), the customers'
    names and emails, and the exact order number."""
    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    messages = (
        Message.objects.filter(tenant_id__in=tenant_ids)
        .annotate(found=SearchVector("body", config=SEARCH_CONFIG))
        .filter(found=query)
    )
    customers = (
        Customer.objects.filter(tenant_id__in=tenant_ids)
        .annotate(found=SearchVector("name", "email", config=SEARCH_CONFIG))
        .filter(found=query)
    )
    orders = Order.objects.filter(tenant_id__in=tenant_ids, number__iexact=q.strip())
    return conversations.filter(
        Q(pk__in=messages.values("conversation_id"))
        | Q(customer_id__in=customers.values("pk"))
        | Q(customer_id__in=orders.values("customer_id"))
    )


def _filtered(conversations: QuerySet, filters: dict) -> QuerySet:
    if filters.get("channel"):
        conversations = conversations.filter(channel=filters["channel"])
    if filters.get("status"):
        conversations = conversations.filter(status=filters["status"])
    if filters.get("priority"):
        conversations = conversations.filter(ticket_priority=filters["priority"])
    if filters.get("category"):
        conversations = conversations.filter(ticket_category=filters["category"])
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


def inbox(*, tenant_ids: set[int], user, query: InboxQuery) -> list[Conversation]:
    """One page of the view: each row with its customer, last message (excerpt, who wrote it,
    when), ticket (priority, category, SLA due and warning times) and whether a review waits."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    replies = last.filter(direction=Message.Direction.OUTBOUND)
    # The shopper waits from their first message after the last reply that answers them: a
    # person's, once a person handles the conversation (the AI's "a person will reply" is none).
    waiting = Message.objects.filter(
        conversation=OuterRef("pk"), direction=Message.Direction.INBOUND, pk__gt=Coalesce(OuterRef("answered_by"), 0)
    ).order_by("id")
    warn = SlaClock.objects.filter(ticket__conversation=OuterRef("pk"), status=SlaClock.Status.RUNNING)
    conversations = (
        Conversation.objects.filter(tenant_id__in=tenant_ids)
        .filter(view_filter(query.view, user))
        .select_related("customer", "assignee", "tenant")
        .annotate(
            last_body=Substr(Subquery(last.values("body")[:1]), 1, 140),
            last_sender=Subquery(last.values("sender_kind")[:1]),
            answered_by=Case(
                When(
                    handled_by=Conversation.HandledBy.HUMAN,
                    then=Subquery(replies.filter(sender_kind=Message.SenderKind.STAFF).values("pk")[:1]),
                ),
                default=Subquery(replies.filter(sender_kind__in=["ai", "staff"]).values("pk")[:1]),
            ),
        )
        .annotate(
            waiting_since=Case(When(status__in=OPEN, then=Subquery(waiting.values("created_at")[:1]))),
            ticket_priority=_latest_ticket("priority"),
            ticket_category=_latest_ticket("category"),
            sla_due_at=_latest_ticket("sla_due_at"),
            sla_warn_at=Subquery(warn.order_by("due_at").values("warn_at")[:1]),
            review_pending=_pending_review(),
        )
    )
    conversations = _filtered(conversations, query.filters)
    if query.q.strip():
        conversations = _searched(conversations, query.q, tenant_ids)
    if query.sort == "newest":
        conversations = conversations.order_by(F("last_message_at").desc(nulls_last=True), "-id")
    else:
        # What needs a person first: the nearest SLA due time, then the longest wait.
        conversations = conversations.order_by(
            Case(When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
            F("sla_due_at").asc(nulls_last=True), F("waiting_since").asc(nulls_last=True), "-id",
        )  # fmt: skip
    start = (max(query.page, 1) - 1) * PAGE
    return list(conversations[start : start + PAGE + 1])


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
