from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from pgvector.django import VectorField

from conversations.models import Ticket
from knowledge.models import EMBEDDING_DIMENSIONS
from tenants.models import TenantScopedModel


class AgentProfile(TenantScopedModel):
    """A blueprint for an agent: who it is, what it may do, and its limits."""

    class Role(models.TextChoices):
        SUPERVISOR = "supervisor", "Supervisor"
        SPECIALIST = "specialist", "Specialist"

    name = models.CharField(max_length=100)
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.SPECIALIST)
    description = models.CharField(max_length=255, blank=True, help_text="What the supervisor routes here.")
    instructions = models.TextField()
    allowed_tools = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    model = models.CharField(max_length=100, blank=True, help_text="Blank: the provider's default model.")
    max_steps = models.PositiveSmallIntegerField(default=5)
    refund_auto_approve_limit = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Blank: the tenant's refund review threshold. Never above it.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["role", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="agent_profile_unique_name_per_tenant"),
            models.CheckConstraint(condition=models.Q(max_steps__gte=1, max_steps__lte=50), name="agent_steps_1_to_50"),
            models.CheckConstraint(
                condition=models.Q(refund_auto_approve_limit__isnull=True) | models.Q(refund_auto_approve_limit__gte=0),
                name="agent_refund_limit_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgentRun(TenantScopedModel):
    """One agent turn on a conversation: what ran, how long, what it cost."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        ESCALATED = "escalated", "Escalated"
        FAILED = "failed", "Failed"
        DISCARDED = "discarded", "Discarded: a person took over"

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    profile = models.ForeignKey(AgentProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    # The conversation and its last inbound message: a re-run of the same turn shares the key,
    # and tools derive idempotency keys from it, so nothing is done twice.
    turn_key = models.CharField(max_length=64, db_index=True, blank=True)
    provider = models.CharField(max_length=50)
    model = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    triage = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="e.g. prompt_injection_suspected")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One running run per turn: a second one means the first one's worker died mid-turn
            # (agents.engine.turn marks it failed, and runs the turn again).
            models.UniqueConstraint(
                fields=["conversation", "turn_key"],
                condition=models.Q(status="running") & ~models.Q(turn_key=""),
                name="agentrun_one_running_per_turn",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.status})"

    @property
    def duration_ms(self) -> int | None:
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


class ToolCall(TenantScopedModel):
    class Status(models.TextChoices):
        OK = "ok", "OK"
        ERROR = "error", "Error"
        DENIED = "denied", "Denied"
        NEEDS_REVIEW = "needs_review", "Sent for review"
        NEEDS_CONFIRMATION = "needs_confirmation", "Awaiting confirmation"
        NEEDS_VERIFICATION = "needs_verification", "Awaiting identity check"

    run = models.ForeignKey(AgentRun, on_delete=models.CASCADE, related_name="tool_calls")
    tool = models.CharField(max_length=64)
    arguments = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.tool} ({self.status})"


class Intent(TenantScopedModel):
    """A triage category of the store: what shoppers ask, how urgent it is, who handles it."""

    name = models.SlugField(max_length=64, help_text="The category stored on tickets, e.g. order_status.")
    description = models.CharField(max_length=255, blank=True)
    examples = ArrayField(models.TextField(), default=list, blank=True, help_text="How shoppers say it, one per line.")
    priority = models.CharField(max_length=10, choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL)
    target_profile = models.ForeignKey(
        AgentProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="intents"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="intent_unique_name_per_tenant")]

    def __str__(self) -> str:
        return self.name


class IntentExample(TenantScopedModel):
    """One example utterance with its embedding: the neighbours offline triage votes with."""

    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="example_rows")
    text = models.TextField()
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["intent", "id"]

    def __str__(self) -> str:
        return self.text[:60]
