from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Lower
from django.urls import reverse

from tenants.models import TenantScopedModel


class Channel(models.TextChoices):
    WEB = "web", "Web chat"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    VOICE = "voice", "Voice"
    API = "api", "API"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


# Open and pending conversations before the rest: the first key of the inbox's "needs a person
# first" order, and of the index that serves it.
OPEN_FIRST = Case(When(status__in=("open", "pending"), then=Value(0)), default=Value(1), output_field=IntegerField())


class Customer(TenantScopedModel):
    """A shopper, one record across channels: found by email or phone within the tenant."""

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164, e.g. +14155550123")
    external_id = models.CharField(max_length=128, blank=True, help_text="The store's own customer id.")
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True, help_text="e.g. vip, wholesale")
    extracted_data = models.JSONField(default=dict, blank=True, help_text="Facts the agent saved about the shopper.")
    # Set when this record was found to be another customer (conversations.services.customers_link).
    # Kept, empty, rather than deleted: a widget visitor token still names it, and must lead on.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The customer this record turned out to be.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [GinIndex(SearchVector("name", "email", config="simple"), name="customer_search_idx")]
        constraints = [
            models.UniqueConstraint(
                "tenant", Lower("email"), condition=~models.Q(email=""), name="customer_unique_email_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["tenant", "phone"], condition=~models.Q(phone=""), name="customer_unique_phone_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~models.Q(external_id=""),
                name="customer_unique_external_id_per_tenant",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Customer {self.pk}"


class Conversation(TenantScopedModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        SNOOZED = "snoozed", "Snoozed"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class HandledBy(models.TextChoices):
        AI = "ai", "AI agent"
        HUMAN = "human", "Human"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    handled_by = models.CharField(max_length=10, choices=HandledBy.choices, default=HandledBy.AI)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # Snoozed until then (or, empty, until the shopper writes): it opens again by itself.
    snoozed_until = models.DateTimeField(null=True, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True, help_text="e.g. damaged, vip")
    # Proven by the channel (a signed widget token, the email or phone it came from) or by the
    # agent checking an order number with its email; never by what the shopper's text claims.
    customer_verified = models.BooleanField(default=False)
    # The last inbound message an agent turn has answered: a turn answers everything after it.
    answered_through_id = models.BigIntegerField(default=0)
    # What the agent carries between turns: a proposed action awaiting an explicit yes, the
    # slot it asked for, how often it asked to clarify, the order being discussed.
    agent_state = models.JSONField(default=dict, blank=True)
    # The inbox's sort keys, kept by the services that write messages, hand conversations over
    # and run SLA clocks (conversations.sort_keys), so the inbox sorts by an index instead of
    # computing them for every row. Since when the shopper has waited: their first message after
    # the last reply that counts (the AI's or a person's while the AI handles it, a person's
    # after the handoff). The due time of the latest ticket's earliest running SLA clock.
    waiting_since = models.DateTimeField(null=True, blank=True, editable=False)
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "-last_message_at"], name="conversation_inbox_idx"),
            # The inbox's view counts read the open rows from the index alone (dashboard.selectors).
            models.Index(
                fields=["tenant", "status"],
                include=["handled_by", "assignee", "sla_due_at", "id"],
                name="conversation_view_counts_idx",
            ),
            # The inbox's two orders (dashboard.selectors.URGENT and NEWEST, the same expressions).
            models.Index(
                "tenant",
                OPEN_FIRST,
                F("sla_due_at").asc(nulls_last=True),
                F("waiting_since").asc(nulls_last=True),
                F("id").desc(),
                name="conversation_urgent_idx",
            ),
            models.Index(
                "tenant", F("last_message_at").desc(nulls_last=True), F("id").desc(), name="conversation_newest_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.subject or f"Conversation {self.pk} with {self.customer}"

    def get_absolute_url(self) -> str:
        # The staff's live view of it: the admin's "View on site" and the changelist link go there.
        return reverse("conversation_live", args=[self.pk])


class ConversationSearch(TenantScopedModel):
    """A conversation's search document: every message's words (the `simple` configuration:
    no stemming, as shoppers write in many languages), appended by a trigger on each insert of
    messages (migration 0012), so the inbox's search matches conversations by one GIN index. A
    table of its own, so that loading a conversation never reads it."""

    conversation = models.OneToOneField(Conversation, primary_key=True, on_delete=models.CASCADE, related_name="search")
    document = SearchVectorField()

    class Meta:
        indexes = [GinIndex(fields=["document"], name="conversation_search_idx")]


class Message(TenantScopedModel):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class SenderKind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        AI = "ai", "AI agent"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    sender_kind = models.CharField(max_length=10, choices=SenderKind.choices)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    # The channel provider's id (Twilio SID, email Message-ID, widget client id): retries are harmless.
    provider_message_id = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Outbound email and SMS only (web replies reach the widget as live events): the delivery
    # task moves pending to sent (or failed after its last try); Twilio's callbacks to delivered.
    delivery_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, blank=True)
    delivery_error = models.CharField(max_length=500, blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_timeline_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="message_unique_provider_id_per_tenant",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(direction="inbound", sender_kind="customer")
                    | models.Q(direction="outbound", sender_kind__in=["ai", "staff", "system"])
                ),
                name="message_direction_matches_sender",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_sender_kind_display()}: {self.body[:60]}"


class Ticket(TenantScopedModel):
    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        ON_HOLD = "on_hold", "On hold"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tickets")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    subject = models.CharField(max_length=255)
    category = models.CharField(max_length=64, blank=True, db_index=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.LOW)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    order_number = models.CharField(max_length=32, blank=True, db_index=True)
    triage_confidence = models.FloatField(null=True, blank=True)
    clarification_needed = models.BooleanField(default=False)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    csat_score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 (bad) to 5 (great)")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "status", "sla_due_at"], name="ticket_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat_score__isnull=True) | models.Q(csat_score__gte=1, csat_score__lte=5),
                name="ticket_csat_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Note(TenantScopedModel):
    """An internal note on a conversation: for the store's staff, never sent to the shopper."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note by {self.author}: {self.body[:60]}"


class Mention(TenantScopedModel):
    """A colleague a note names (@username): their notification, until they read it."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["note", "user"], name="mention_once_per_note")]
        indexes = [models.Index(fields=["tenant", "user", "read_at"], name="mention_unread_idx")]


class CannedReply(TenantScopedModel):
    """A reply staff pick, see filled in with the conversation's facts, edit and send."""

    name = models.CharField(max_length=80, help_text="What staff pick it by, e.g. “Where is my order”.")
    body = models.TextField(help_text="Placeholders: {customer_name}, {customer_first_name}, {order_number}, ...")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "canned replies"
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="canned_reply_unique_name_per_tenant")]

    def __str__(self) -> str:
        return self.name
