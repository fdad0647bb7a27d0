"""Factories for the whole model, one module.

Tenant-owned factories never build a cross-tenant graph by accident:

- a child (an order item, a chunk, a message, ...) takes its tenant from its parent
  (``tenant = SelfAttribute("order.tenant")``);
- every other related row is built with ``tenant=SelfAttribute("..tenant")``;
- at the top level, ``OrderItemFactory(tenant=t)`` builds the order in ``t`` and
  ``OrderFactory(customer=c)`` takes ``c.tenant`` (see ``TenantOwnedFactory._generate``).

Passing both a tenant and a parent from another tenant still builds exactly that: tests of
tenant isolation need such rows on purpose.
"""

import datetime
import hashlib
from decimal import Decimal
from typing import Any, ClassVar

import factory
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from factory.django import DjangoModelFactory

from agents.models import AgentProfile, AgentRun, Intent, IntentExample, ToolCall
from conversations.models import (
    CannedReply,
    Channel,
    Conversation,
    ConversationSearch,
    Customer,
    Mention,
    Message,
    Note,
    Ticket,
)
from hitl.models import (
    BusinessCalendar,
    BusinessPeriod,
    EscalationPolicy,
    Holiday,
    OutcomeMessage,
    Priority,
    Queue,
    QueueMember,
    ReviewDecision,
    ReviewRequest,
    SlaBreach,
    SlaClock,
    SlaTarget,
    StaffStatus,
    TicketSla,
)
from knowledge.models import Article, ArticleVersion, Chunk, LexemeCount
from orders.models import Inventory, Order, OrderItem, Product, Refund, ReturnLabel
from tenants.models import ApiKey, AuditEvent, Membership, Tenant, UsageDay, WidgetKey

# --------------------------------------------------------------------------- tenants


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Store {n}")
    slug = factory.Sequence(lambda n: f"store-{n}")
    tier = Tenant.Tier.PROFESSIONAL
    currency = "USD"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    class Params:
        staff = factory.Trait(is_staff=True)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@staff.example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("password")
    is_staff = False


class TenantOwnedFactory(DjangoModelFactory):
    """Base of tenant-owned factories: keeps a top-level call inside one tenant.

    ``_tenant_parents`` names the foreign keys whose object decides the tenant. A parent
    object passed without a tenant gives its tenant; a tenant passed without a parent goes
    to the parent built for it (only for children whose tenant comes from that parent).
    """

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    _tenant_parents: ClassVar[tuple[str, ...]] = ()
    # The parent the tenant is read from by declaration (``tenant = SelfAttribute(...)``).
    _tenant_source: ClassVar[str | None] = None

    @classmethod
    def _generate(cls, strategy: str, params: dict[str, Any]) -> Any:
        params = dict(params)
        if "tenant" not in params:
            for name in cls._tenant_parents:
                parent = params.get(name)
                if isinstance(parent, models.Model):
                    params["tenant"] = parent.tenant
                    break
        elif cls._tenant_source:
            source = cls._tenant_source
            if source not in params and f"{source}__tenant" not in params:
                params[f"{source}__tenant"] = params["tenant"]
        return super()._generate(strategy, params)


class MembershipFactory(TenantOwnedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.AGENT


class ApiKeyFactory(TenantOwnedFactory):
    """A placeholder key: real keys are made by the tenants service."""

    class Meta:
        model = ApiKey

    class Params:
        secret = factory.Sequence(lambda n: f"test-secret-{n}")

    name = factory.Sequence(lambda n: f"Integration {n}")
    prefix = factory.Sequence(lambda n: f"sdk{n:08d}")
    hashed_secret = factory.LazyAttribute(lambda o: hashlib.sha256(o.secret.encode()).hexdigest())
    scopes = factory.LazyFunction(lambda: [ApiKey.Scope.READ])


class WidgetKeyFactory(TenantOwnedFactory):
    class Meta:
        model = WidgetKey

    name = factory.Sequence(lambda n: f"Storefront {n}")
    public_key = factory.Sequence(lambda n: f"pk_test_{n:012d}")
    secret = factory.Sequence(lambda n: hashlib.sha256(f"widget-secret-{n}".encode()).hexdigest())
    allowed_origins = factory.LazyFunction(lambda: ["https://shop.example.com"])


class UsageDayFactory(TenantOwnedFactory):
    class Meta:
        model = UsageDay

    day = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    llm_tokens = 1200
    llm_cost = Decimal("0.0042")
    turns = 3


class AuditEventFactory(TenantOwnedFactory):
    class Meta:
        model = AuditEvent

    actor_kind = AuditEvent.ActorKind.SYSTEM
    actor_label = "tests"
    verb = "tenant.updated"
    target_type = "tenant"
    target_id = factory.LazyAttribute(lambda o: str(o.tenant.pk))
    target_repr = factory.LazyAttribute(lambda o: o.tenant.name)


# --------------------------------------------------------------------------- conversations (customers first)


class CustomerFactory(TenantOwnedFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Shopper {n}")
    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1415555{n:04d}")
    external_id = factory.Sequence(lambda n: f"cust-{n}")


class ConversationFactory(TenantOwnedFactory):
    class Meta:
        model = Conversation

    _tenant_parents = ("customer",)

    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    channel = Channel.WEB
    subject = factory.Sequence(lambda n: f"Question {n}")
    last_message_at = factory.LazyFunction(timezone.now)


class MessageFactory(TenantOwnedFactory):
    """An inbound message from the shopper; ``ai_reply=True`` gives the agent's answer."""

    class Meta:
        model = Message

    class Params:
        ai_reply = factory.Trait(
            direction=Message.Direction.OUTBOUND, sender_kind=Message.SenderKind.AI, body="Happy to help."
        )

    _tenant_parents = ("conversation",)
    _tenant_source = "conversation"

    conversation = factory.SubFactory(ConversationFactory)
    tenant = factory.SelfAttribute("conversation.tenant")
    direction = Message.Direction.INBOUND
    channel = factory.SelfAttribute("conversation.channel")
    sender_kind = Message.SenderKind.CUSTOMER
    body = "Where is my order?"
    provider_message_id = ""


class NoteFactory(TenantOwnedFactory):
    class Meta:
        model = Note

    _tenant_parents = ("conversation",)

    conversation = factory.SubFactory(ConversationFactory, tenant=factory.SelfAttribute("..tenant"))
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Internal note {n}")


class MentionFactory(TenantOwnedFactory):
    class Meta:
        model = Mention

    _tenant_parents = ("note",)

    note = factory.SubFactory(NoteFactory, tenant=factory.SelfAttribute("..tenant"))
    user = factory.SubFactory(UserFactory)


class CannedReplyFactory(TenantOwnedFactory):
    class Meta:
        model = CannedReply

    name = factory.Sequence(lambda n: f"Canned reply {n}")
    body = "Hi {customer_first_name}, thanks for writing."


class TicketFactory(TenantOwnedFactory):
    class Meta:
        model = Ticket

    _tenant_parents = ("customer", "conversation")

    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    conversation = factory.SubFactory(
        ConversationFactory, tenant=factory.SelfAttribute("..tenant"), customer=factory.SelfAttribute("..customer")
    )
    subject = factory.Sequence(lambda n: f"Ticket {n}")
    category = "shipping"
    priority = Ticket.Priority.NORMAL


# --------------------------------------------------------------------------- orders


class ProductFactory(TenantOwnedFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Graphics card {n}")
    category = "gpu"
    price = Decimal("199.99")
    attributes = factory.LazyFunction(lambda: {"wattage": 220})


class InventoryFactory(TenantOwnedFactory):
    class Meta:
        model = Inventory

    _tenant_parents = ("product",)
    _tenant_source = "product"

    product = factory.SubFactory(ProductFactory)
    tenant = factory.SelfAttribute("product.tenant")
    warehouse = factory.Sequence(lambda n: f"WH-{n}")
    quantity = 20
    low_stock_threshold = 5


class OrderFactory(TenantOwnedFactory):
    """A placed order whose total is the sum the check constraint asks for."""

    class Meta:
        model = Order

    _tenant_parents = ("customer",)

    number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    status = Order.Status.PAID
    currency = factory.SelfAttribute("tenant.currency")
    subtotal = Decimal("100.00")
    discount = Decimal("0.00")
    shipping_cost = Decimal("5.00")
    tax = Decimal("8.40")
    total = factory.LazyAttribute(lambda o: o.subtotal - o.discount + o.shipping_cost + o.tax)
    shipping_address = factory.LazyFunction(
        lambda: {"line1": "1 Market St", "city": "San Francisco", "postal_code": "94105", "country": "US"}
    )
    placed_at = factory.LazyFunction(timezone.now)


class OrderItemFactory(TenantOwnedFactory):
    class Meta:
        model = OrderItem

    _tenant_parents = ("order",)
    _tenant_source = "order"

    order = factory.SubFactory(OrderFactory)
    tenant = factory.SelfAttribute("order.tenant")
    product = factory.SubFactory(ProductFactory, tenant=factory.SelfAttribute("..tenant"))
    sku = factory.LazyAttribute(lambda o: o.product.sku if o.product else "SKU-REMOVED")
    name = factory.LazyAttribute(lambda o: o.product.name if o.product else "Removed product")
    quantity = 1
    unit_price = factory.LazyAttribute(lambda o: o.product.price if o.product else Decimal("10.00"))


class RefundFactory(TenantOwnedFactory):
    class Meta:
        model = Refund

    _tenant_parents = ("order",)
    _tenant_source = "order"

    order = factory.SubFactory(OrderFactory)
    tenant = factory.SelfAttribute("order.tenant")
    amount = Decimal("10.00")
    reason = "Arrived damaged"
    requested_by = Refund.RequestedBy.CUSTOMER
    idempotency_key = factory.Sequence(lambda n: f"refund-{n}")


class ReturnLabelFactory(TenantOwnedFactory):
    class Meta:
        model = ReturnLabel

    _tenant_parents = ("order",)
    _tenant_source = "order"

    order = factory.SubFactory(OrderFactory)
    tenant = factory.SelfAttribute("order.tenant")
    carrier = "UPS"
    tracking_number = factory.Sequence(lambda n: f"1ZRET{n:010d}")


# --------------------------------------------------------------------------- knowledge


class ArticleFactory(TenantOwnedFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Help article {n}")
    slug = factory.Sequence(lambda n: f"help-article-{n}")
    body = "Our refund policy: you can return any item within 30 days."
    status = Article.Status.PUBLISHED
    tags = factory.LazyFunction(lambda: ["policy"])


class ArticleVersionFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleVersion

    _tenant_source = "article"
    article = factory.SubFactory(ArticleFactory)
    tenant = factory.SelfAttribute("article.tenant")
    number = factory.Sequence(lambda n: n + 1)
    title = factory.SelfAttribute("article.title")
    body = factory.SelfAttribute("article.body")
    status = factory.SelfAttribute("article.status")


class ChunkFactory(TenantOwnedFactory):
    class Meta:
        model = Chunk

    _tenant_parents = ("article",)
    _tenant_source = "article"

    article = factory.SubFactory(ArticleFactory)
    tenant = factory.SelfAttribute("article.tenant")
    position = factory.Sequence(lambda n: n)
    heading = factory.SelfAttribute("article.title")
    text = "You can return any item within 30 days of delivery."
    embedding = None


class ConversationSearchFactory(TenantOwnedFactory):
    """Kept by a database trigger in real use (conversations migration 0012); built directly here."""

    class Meta:
        model = ConversationSearch

    _tenant_parents = ("conversation",)
    _tenant_source = "conversation"

    conversation = factory.SubFactory(ConversationFactory)
    tenant = factory.SelfAttribute("conversation.tenant")
    document = "where is my parcel"  # a tsvector's text form: the words


class LexemeCountFactory(TenantOwnedFactory):
    """Kept by database triggers in real use (knowledge migration 0004); built directly here."""

    class Meta:
        model = LexemeCount

    tenant = factory.SubFactory(TenantFactory)
    lexeme = factory.Sequence(lambda n: f"word{n}")
    passages = 1


# --------------------------------------------------------------------------- hitl


class ReviewRequestFactory(TenantOwnedFactory):
    """A pending request; ``approved=True`` gives a decided one."""

    class Meta:
        model = ReviewRequest

    class Params:
        approved = factory.Trait(
            status=ReviewRequest.Status.APPROVED,
            decided_at=factory.LazyFunction(timezone.now),
            decision=factory.SelfAttribute("payload"),
        )

    _tenant_parents = ("conversation", "ticket")

    action = "process_refund"
    payload = factory.LazyFunction(lambda: {"order_number": "ORD-000001", "amount": "25.00"})
    summary = "Refund 25.00 on ORD-000001"
    reason = "Above the auto-approve limit"
    priority = Priority.NORMAL
    conversation = factory.SubFactory(ConversationFactory, tenant=factory.SelfAttribute("..tenant"))
    ticket = None
    requested_by = "refunds"
    idempotency_key = factory.Sequence(lambda n: f"review-{n}")


class ReviewDecisionFactory(TenantOwnedFactory):
    """A decision recorded on an (approved) request; review_decide is what makes real ones."""

    class Meta:
        model = ReviewDecision

    _tenant_parents = ("review",)
    _tenant_source = "review"

    review = factory.SubFactory(ReviewRequestFactory, approved=True)
    tenant = factory.SelfAttribute("review.tenant")
    outcome = ReviewDecision.Outcome.APPROVED
    decided_by_label = "reviewer"
    proposed = factory.SelfAttribute("review.payload")
    applied = factory.SelfAttribute("review.payload")


class OutcomeMessageFactory(TenantOwnedFactory):
    class Meta:
        model = OutcomeMessage

    outcome = ReviewDecision.Outcome.APPROVED
    action = factory.Sequence(lambda n: f"action_{n}")
    body = "Your refund of {amount} {currency} for {order} is approved."


class EscalationPolicyFactory(TenantOwnedFactory):
    """A policy with a review target of ``review_minutes`` (60 unless given; 0: no targets)."""

    class Meta:
        model = EscalationPolicy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Policy {n}")
    category = factory.Sequence(lambda n: f"category-{n}")
    priority = ""

    @factory.post_generation
    def review_minutes(obj, create, extracted, **kwargs):
        minutes = 60 if extracted is None else extracted
        if create and minutes:
            SlaTarget.objects.create(tenant=obj.tenant, policy=obj, metric="review", minutes=minutes)


class QueueFactory(TenantOwnedFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"queue-{n}")


class QueueMemberFactory(TenantOwnedFactory):
    class Meta:
        model = QueueMember

    _tenant_parents = ("queue",)
    _tenant_source = "queue"

    queue = factory.SubFactory(QueueFactory)
    tenant = factory.SelfAttribute("queue.tenant")
    user = factory.SubFactory(UserFactory)
    capacity = 10


class StaffStatusFactory(TenantOwnedFactory):
    class Meta:
        model = StaffStatus

    user = factory.SubFactory(UserFactory)
    status = StaffStatus.Availability.ONLINE


class SlaTargetFactory(TenantOwnedFactory):
    class Meta:
        model = SlaTarget

    _tenant_parents = ("policy",)
    _tenant_source = "policy"

    policy = factory.SubFactory(EscalationPolicyFactory, review_minutes=0)
    tenant = factory.SelfAttribute("policy.tenant")
    metric = "first_response"
    minutes = 30


class BusinessCalendarFactory(TenantOwnedFactory):
    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"Hours {n}")
    timezone = "America/New_York"


class BusinessPeriodFactory(TenantOwnedFactory):
    class Meta:
        model = BusinessPeriod

    _tenant_parents = ("calendar",)
    _tenant_source = "calendar"

    calendar = factory.SubFactory(BusinessCalendarFactory)
    tenant = factory.SelfAttribute("calendar.tenant")
    weekday = 0
    opens = datetime.time(9, 0)
    closes = datetime.time(17, 0)


class HolidayFactory(TenantOwnedFactory):
    class Meta:
        model = Holiday

    _tenant_parents = ("calendar",)
    _tenant_source = "calendar"

    calendar = factory.SubFactory(BusinessCalendarFactory)
    tenant = factory.SelfAttribute("calendar.tenant")
    date = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    name = "Holiday"


class TicketSlaFactory(TenantOwnedFactory):
    class Meta:
        model = TicketSla

    _tenant_parents = ("ticket",)
    _tenant_source = "ticket"

    ticket = factory.SubFactory(TicketFactory)
    tenant = factory.SelfAttribute("ticket.tenant")
    policy = None


class SlaClockFactory(TenantOwnedFactory):
    class Meta:
        model = SlaClock

    _tenant_parents = ("ticket",)
    _tenant_source = "ticket"

    ticket = factory.SubFactory(TicketFactory)
    tenant = factory.SelfAttribute("ticket.tenant")
    metric = "first_response"
    target_minutes = 30
    started_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.started_at + datetime.timedelta(minutes=o.target_minutes))
    warn_at = factory.LazyAttribute(lambda o: o.started_at + datetime.timedelta(minutes=o.target_minutes * 0.75))


class SlaBreachFactory(TenantOwnedFactory):
    class Meta:
        model = SlaBreach

    _tenant_parents = ("clock",)
    _tenant_source = "clock"

    clock = factory.SubFactory(SlaClockFactory)
    tenant = factory.SelfAttribute("clock.tenant")
    ticket = factory.SelfAttribute("clock.ticket")
    metric = factory.SelfAttribute("clock.metric")
    due_at = factory.SelfAttribute("clock.due_at")
    breached_at = factory.LazyFunction(timezone.now)


# --------------------------------------------------------------------------- agents


class AgentProfileFactory(TenantOwnedFactory):
    class Meta:
        model = AgentProfile

    name = factory.Sequence(lambda n: f"Specialist {n}")
    role = AgentProfile.Role.SPECIALIST
    description = "Orders, shipping and returns."
    instructions = "Answer from the tools and the knowledge base only."
    allowed_tools = factory.LazyFunction(lambda: ["order_lookup", "knowledge_search"])
    max_steps = 5


class AgentRunFactory(TenantOwnedFactory):
    class Meta:
        model = AgentRun

    _tenant_parents = ("conversation", "profile")

    conversation = factory.SubFactory(ConversationFactory, tenant=factory.SelfAttribute("..tenant"))
    profile = factory.SubFactory(AgentProfileFactory, tenant=factory.SelfAttribute("..tenant"))
    provider = "offline"
    model = "offline-1"
    status = AgentRun.Status.SUCCEEDED
    tokens_in = 120
    tokens_out = 40


class ToolCallFactory(TenantOwnedFactory):
    class Meta:
        model = ToolCall

    _tenant_parents = ("run",)
    _tenant_source = "run"

    run = factory.SubFactory(AgentRunFactory)
    tenant = factory.SelfAttribute("run.tenant")
    tool = "order_lookup"
    arguments = factory.LazyFunction(lambda: {"order_number": "ORD-000001"})
    result = factory.LazyFunction(lambda: {"status": "shipped"})
    status = ToolCall.Status.OK
    duration_ms = 12


class IntentFactory(TenantOwnedFactory):
    class Meta:
        model = Intent

    name = factory.Sequence(lambda n: f"intent_{n}")
    description = "A test intent"
    examples = factory.LazyFunction(lambda: ["where is my order", "track my package"])


class IntentExampleFactory(TenantOwnedFactory):
    class Meta:
        model = IntentExample

    _tenant_source = "intent"
    intent = factory.SubFactory(IntentFactory)
    tenant = factory.SelfAttribute("intent.tenant")
    text = "where is my order"
