"""SLA policies, their targets, business hours, and the clocks that run against them."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

from hitl.models.reviews import Priority, ReviewRequest
from tenants.models import TenantScopedModel


def _timezone_name(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a time zone, e.g. America/New_York or Europe/Berlin.") from None


class BusinessCalendar(TenantScopedModel):
    """When the store's team works: periods per weekday in its time zone, and holidays. A
    calendar without periods is open around the clock."""

    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="UTC", validators=[_timezone_name])

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="calendar_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.timezone})"


class BusinessPeriod(TenantScopedModel):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")), name="period_closes_after_opens")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Holiday(TenantScopedModel):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class EscalationPolicy(TenantScopedModel):
    """An SLA policy: tickets (and review requests) that match its conditions get its targets,
    counted on its calendar, and go to its queue. A blank condition matches anything; the most
    specific active policy wins (category, then priority, then channel, then customer tag)."""

    name = models.CharField(max_length=100)
    category = models.CharField(max_length=64, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    channel = models.CharField(max_length=10, blank=True, help_text="web, email or sms; blank for any.")
    customer_tag = models.CharField(max_length=50, blank=True, help_text="e.g. vip; blank for any customer.")
    queue = models.CharField(max_length=64, default="default")
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Business hours for the targets that count only those.",
    )  # fmt: skip
    active = models.BooleanField(default=True)
    # What happens at a clock's warn time and at its breach (each step an audit event).
    warn_assignee = models.BooleanField(default=True, help_text="At warn time, tell the assignee (live event).")
    breach_reassign = models.BooleanField(default=True, help_text="At breach, give it to another available member.")
    breach_raise_priority = models.BooleanField(default=True, help_text="At breach, raise its priority one step.")
    breach_notify_owners = models.BooleanField(default=True, help_text="At breach, email the queue's owners.")

    class Meta:
        ordering = ["category", "priority", "channel", "customer_tag"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "category", "priority", "channel", "customer_tag"],
                name="escalation_unique_rule_per_tenant",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"
    REVIEW = "review", "Review decision"


class SlaTarget(TenantScopedModel):
    """How long one metric may take under a policy."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    minutes = models.PositiveIntegerField()
    business_hours = models.BooleanField(default=False, help_text="Count only the calendar's business hours.")
    warn_percent = models.PositiveSmallIntegerField(default=75, help_text="Warn when this much of the time is used.")

    class Meta:
        ordering = ["policy", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "metric"], name="sla_target_unique_metric"),
            models.CheckConstraint(condition=models.Q(minutes__gte=1), name="sla_target_minutes_gte_1"),
            models.CheckConstraint(
                condition=models.Q(warn_percent__gte=1, warn_percent__lte=99), name="sla_target_warn_1_to_99"
            ),
        ]

    def __str__(self) -> str:
        hours = " (business hours)" if self.business_hours else ""
        return f"{self.get_metric_display()}: {self.minutes} min{hours}"


class TicketSla(TenantScopedModel):
    """The policy a ticket got when it opened: it keeps it (a change is an audited service call)."""

    ticket = models.OneToOneField("conversations.Ticket", on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(EscalationPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ticket SLA policy"
        verbose_name_plural = "ticket SLA policies"

    def __str__(self) -> str:
        return f"{self.ticket}: {self.policy or 'no policy'}"


class SlaClock(TenantScopedModel):
    """One target running for one ticket or review request: when it started, is due, warns,
    and when it was met or breached. ``audience`` says whose reply stops a response clock:
    anyone's (an AI-handled conversation) or only a person's (after the handoff)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused (waiting for the customer)"
        MET = "met", "Stopped"
        CANCELLED = "cancelled", "Cancelled"

    class Audience(models.TextChoices):
        ANYONE = "anyone", "AI or staff"
        STAFF = "staff", "Staff only"

    ticket = models.ForeignKey("conversations.Ticket", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="sla_clocks")  # fmt: skip
    review = models.ForeignKey(ReviewRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="clocks")
    policy = models.ForeignKey(EscalationPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.ANYONE)
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_minutes = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Left when it was paused.")
    warned_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = "SLA clock"
        indexes = [
            models.Index(
                fields=["due_at"],
                name="sla_clock_due_idx",
                condition=models.Q(status="running", breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_clock_warn_idx",
                condition=models.Q(status="running", warned_at__isnull=True),
            ),
            models.Index(fields=["ticket", "metric", "status"], name="sla_clock_ticket_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ticket__isnull=False) | models.Q(review__isnull=False), name="sla_clock_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} due {self.due_at:%Y-%m-%d %H:%M}"


class SlaBreach(TenantScopedModel):
    """A clock that passed its due time: one row per breach, for reports and escalation."""

    clock = models.OneToOneField(SlaClock, on_delete=models.CASCADE, related_name="breach")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    ticket = models.ForeignKey(
        "conversations.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    review = models.ForeignKey(ReviewRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    breached_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-breached_at"]
        verbose_name_plural = "SLA breaches"

    def __str__(self) -> str:
        return f"{self.get_metric_display()} breached {self.breached_at:%Y-%m-%d %H:%M}"
