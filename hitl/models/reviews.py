from django.conf import settings
from django.db import models

from tenants.models import TenantScopedModel


class Priority(models.TextChoices):
    """The one priority scale of tickets and reviews (conversations.Ticket.Priority), most urgent first."""

    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class ReviewRequest(TenantScopedModel):
    """A risky action the agent may not take alone, waiting for a human decision."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        EDITED = "edited", "Approved with edits"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    action = models.CharField(max_length=64, help_text="The tool or service to run, e.g. process_refund.")
    payload = models.JSONField(default=dict, help_text="The arguments the agent proposed.")
    summary = models.CharField(max_length=500, blank=True)
    reason = models.TextField(blank=True, help_text="Why a human must decide.")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
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
    # The staff member who raised it, when one did: they may not approve it themselves.
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whose money or order it is: a reviewer may not decide for their own customer account.
    customer = models.ForeignKey(
        "conversations.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The agent turn that asked, when one did (agents.AgentRun.turn_key; hitl does not import agents).
    turn_key = models.CharField(max_length=64, blank=True)
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


class ReviewDecision(TenantScopedModel):
    """What a person (or the clock) decided on a review request: one row per request, kept as
    the decision history. The unique request makes a second, concurrent decision fail."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        EDITED = "edited", "Approved with edits"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    class Reason(models.TextChoices):
        POLICY = "policy", "Against the store's policy"
        FRAUD = "fraud_suspected", "Suspected fraud"
        EVIDENCE = "insufficient_evidence", "Not enough evidence"
        DUPLICATE = "duplicate", "Duplicate request"
        CUSTOMER = "customer_request", "The customer asked to stop"
        OTHER = "other", "Other"

    review = models.OneToOneField(ReviewRequest, on_delete=models.CASCADE, related_name="decision_record")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason_code = models.CharField(max_length=32, choices=Reason.choices, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Empty when the system decided (an expired clock).",
    )  # fmt: skip
    decided_by_label = models.CharField(max_length=150, blank=True, help_text="The name, kept if the user goes.")
    proposed = models.JSONField(default=dict, help_text="The payload as the request proposed it.")
    applied = models.JSONField(null=True, blank=True, help_text="The payload as approved (edited or not).")
    changes = models.JSONField(default=dict, blank=True, help_text="Each edited field: [proposed, approved].")
    result = models.JSONField(default=dict, blank=True, help_text="What the action did (e.g. the refund's status).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="rejected") | ~models.Q(reason_code=""), name="decision_rejected_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.review}"


class OutcomeMessage(TenantScopedModel):
    """The store's words to the shopper when a review is decided; without one, the default
    wording (hitl.notify) is sent. Placeholders: {order}, {amount}, {currency}, {action}."""

    outcome = models.CharField(max_length=10, choices=ReviewDecision.Outcome.choices)
    action = models.CharField(max_length=64, blank=True, help_text="Blank: every action.")
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["outcome", "action"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "outcome", "action"], name="outcome_message_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.action or '(any action)'}"
