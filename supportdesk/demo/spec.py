"""The shape of a tenant's demo data: plain, frozen values that one loader turns into rows.

Nothing here imports Django models, so the data modules (and ``make run``, which prints the
demo logins) can be imported before the app registry is ready.

Times are offsets ("how long ago") from an anchor the loader takes once per run; statuses,
roles and channels are the models' choice values spelled as strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"


@dataclass(frozen=True)
class UserSpec:
    username: str
    email: str
    first_name: str
    last_name: str
    description: str  # what the login is for, printed by `make run`
    is_superuser: bool = False
    is_staff: bool = True


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    category: str
    price: Decimal
    attributes: Mapping[str, object]
    description: str = ""
    stock: Mapping[str, int] = field(default_factory=dict)  # warehouse -> quantity
    low_stock_threshold: int = 5


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    address: Mapping[str, str]  # line1, city, region, postal_code, country; the name is added per order
    email: str = ""
    phone: str = ""  # E.164

    @property
    def key(self) -> str:
        """How orders and conversations refer to this shopper: the email, else the phone."""
        return self.email or self.phone


@dataclass(frozen=True)
class RefundSpec:
    reason: str
    requested_by: str  # orders.Refund.RequestedBy value
    processed_after: timedelta  # after the order was placed
    amount: Decimal | None = None  # None: the order total
    approved_by: str = ""  # username of the reviewer, for refunds above the review threshold


@dataclass(frozen=True)
class OrderSpec:
    number: str
    customer: str  # CustomerSpec.key
    status: str  # orders.Order.Status value
    items: tuple[tuple[str, int], ...]  # (sku, quantity); the price is the catalogue price
    placed_ago: timedelta
    shipping_cost: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    carrier: str = ""
    tracking_number: str = ""
    shipped_after: timedelta | None = None  # after placed_at
    delivered_after: timedelta | None = None  # after shipped_at
    return_carrier: str = ""
    return_tracking_number: str = ""  # a ReturnLabel when set
    refund: RefundSpec | None = None


@dataclass(frozen=True)
class MessageSpec:
    sender_kind: str  # conversations.Message.SenderKind value; customer means inbound
    body: str
    sent_ago: timedelta
    sender_user: str = ""  # username, for staff messages


@dataclass(frozen=True)
class TicketSpec:
    subject: str
    category: str
    priority: str
    severity: str
    status: str
    order_number: str = ""
    assignee: str = ""  # username
    sla_minutes: int | None = None  # after the ticket was opened (the first message)


@dataclass(frozen=True)
class ConversationSpec:
    customer: str  # CustomerSpec.key
    channel: str
    subject: str
    status: str
    handled_by: str
    messages: tuple[MessageSpec, ...]
    assignee: str = ""  # username
    ticket: TicketSpec | None = None


@dataclass(frozen=True)
class EscalationPolicySpec:
    """An SLA policy: its conditions (blank matches any) and its targets in minutes."""

    name: str
    review_minutes: int
    queue: str
    category: str = ""
    priority: str = ""
    channel: str = ""
    customer_tag: str = ""
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours: bool = False  # the response and resolution targets count the store's hours only


@dataclass(frozen=True)
class ReviewSpec:
    """A refund that went to the review queue: waiting, or decided by the demo reviewer."""

    order: str  # OrderSpec.number
    amount: Decimal | None  # None: all that is left
    reason: str  # the shopper's
    requested_ago: timedelta
    conversation: str = ""  # ConversationSpec.subject the agent asked in
    decision: str = ""  # "", approve or reject
    edited_amount: Decimal | None = None
    reject_reason: str = ""  # hitl.ReviewDecision.Reason value
    decided_after: timedelta | None = None
    note: str = ""


@dataclass(frozen=True)
class QueueSpec:
    name: str
    members: tuple[tuple[str, int], ...]  # username, capacity; online in the demo
    owners: tuple[str, ...] = ()  # usernames, emailed at a breach
    strategy: str = "balanced"


@dataclass(frozen=True)
class CalendarSpec:
    name: str
    timezone: str
    periods: tuple[tuple[int, str, str], ...]  # weekday (0 = Monday), opens, closes ("09:00")
    holidays: tuple[tuple[str, str], ...] = ()  # ISO date, name


@dataclass(frozen=True)
class AgentProfileSpec:
    name: str
    role: str
    description: str
    instructions: str
    allowed_tools: tuple[str, ...]
    max_steps: int = 5


@dataclass(frozen=True)
class WidgetKeySpec:
    name: str
    public_key: str
    secret: str
    allowed_origins: tuple[str, ...]


@dataclass(frozen=True)
class ArticleSpec:
    slug: str
    title: str
    body: str  # Markdown, ## sections
    status: str  # knowledge.Article.Status value
    tags: tuple[str, ...]
    review_in_days: int  # review_by = anchor date + this; negative makes a stale article

    @classmethod
    def from_markdown(cls, path: Path) -> ArticleSpec:
        """Read ``path``: a ``---`` front-matter block of ``key: value`` lines, then the Markdown body."""
        text = path.read_text(encoding="utf-8")
        _, header, body = text.split("---\n", 2)
        meta = dict(line.split(":", 1) for line in header.strip().splitlines())
        meta = {key.strip(): value.strip() for key, value in meta.items()}
        return cls(
            slug=path.stem,
            title=meta["title"],
            body=body.strip() + "\n",
            status=meta.get("status", "published"),
            tags=tuple(tag.strip() for tag in meta.get("tags", "").split(",") if tag.strip()),
            review_in_days=int(meta.get("review_in_days", "180")),
        )


@dataclass(frozen=True)
class TenantDemo:
    slug: str
    name: str
    tier: str
    memberships: tuple[tuple[str, str], ...]  # (username, tenants.Membership.Role value)
    products: tuple[ProductSpec, ...]
    customers: tuple[CustomerSpec, ...]
    orders: tuple[OrderSpec, ...]
    currency: str = "USD"
    refund_review_threshold: Decimal = Decimal("500.00")
    return_window_days: int = 30
    # Sales tax on (subtotal - discount), by the shipping address's region; unlisted regions pay none.
    tax_rates: Mapping[str, Decimal] = field(default_factory=dict)
    article_owner: str = ""  # username
    escalation_policies: tuple[EscalationPolicySpec, ...] = ()
    calendar: CalendarSpec | None = None  # the business hours every policy's business-hours targets count
    queues: tuple[QueueSpec, ...] = ()  # before the reviews, so they are assigned
    canned_replies: tuple[tuple[str, str], ...] = ()  # (name, body with placeholders)
    agent_profiles: tuple[AgentProfileSpec, ...] = ()
    widget_keys: tuple[WidgetKeySpec, ...] = ()
    conversations: tuple[ConversationSpec, ...] = ()
    reviews: tuple[ReviewSpec, ...] = ()  # after the conversations; then the SLA clocks are checked once

    @property
    def articles(self) -> tuple[ArticleSpec, ...]:
        """The tenant's knowledge base: ``articles/<tenant slug>/<article slug>.md``."""
        return tuple(ArticleSpec.from_markdown(path) for path in sorted((ARTICLES_DIR / self.slug).glob("*.md")))
