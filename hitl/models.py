from django.conf import settings
from django.db import models

from tenants.models import TenantScopedModel


class Priority(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class ReviewRequest(TenantScopedModel):
    """A risky action the agent may not take alone, waiting for a human decision."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        EDITED = "edited", "Approved with edits"
        EXPIRED = "expired", "Expired"

    action = models.CharField(max_length=64, help_text="The tool or service to run, e.g. process_refund.")
    payload = models.JSONField(default=dict, help_text="The arguments the agent proposed.")
    summary = models.CharField(max_length=500, blank=True)
    reason = models.TextField(blank=True, help_text="Why a human must decide.")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    queue = models.CharField(max_length=64, default="default")
    due_at = models.DateTimeField(null=True, blank=True)
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "conversations.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="review_requests"
    )
    requested_by = models.CharField(max_length=100, blank=True, help_text="Agent profile or service that asked.")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.JSONField(null=True, blank=True, help_text="The payload as approved (edited or not).")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "created_at"]
        indexes = [models.Index(fields=["tenant", "status", "due_at"], name="review_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status__in=["pending", "expired"]) | models.Q(decided_at__isnull=False)),
                name="review_decided_has_time",
            ),
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="review_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.summary or f"{self.action} #{self.pk}"


class EscalationPolicy(TenantScopedModel):
    """A rule: tickets of this category and priority get this SLA and go to this queue.

    Blank category or priority matches any; the most specific active rule wins.
    """

    name = models.CharField(max_length=100)
    category = models.CharField(max_length=64, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    sla_minutes = models.PositiveIntegerField()
    queue = models.CharField(max_length=64, default="default")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "priority"]
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "category", "priority"], name="escalation_unique_rule_per_tenant"
            ),
            models.CheckConstraint(condition=models.Q(sla_minutes__gte=1), name="escalation_sla_gte_1"),
        ]

    def __str__(self) -> str:
        return self.name
