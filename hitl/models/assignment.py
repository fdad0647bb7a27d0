"""Who works which queue: queues (with their owners and how work is shared out), their
members with a capacity each, and each staff member's availability."""

from django.conf import settings
from django.db import models

from tenants.models import TenantScopedModel


class Queue(TenantScopedModel):
    """A named line of work (review requests and handed-off tickets name it). Members see and
    decide its requests (a django-guardian permission on the queue); owners hear of breaches."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", "Round robin"
        BALANCED = "balanced", "Balanced (fewest open first)"

    name = models.CharField(max_length=64, help_text="As SLA policies and review requests name it, e.g. billing.")
    strategy = models.CharField(max_length=12, choices=Strategy.choices, default=Strategy.BALANCED)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", help_text="Emailed when an item here breaches its SLA."
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="queue_unique_name")]
        permissions = [("work_queue", "Can see and decide the queue's review requests")]

    def __str__(self) -> str:
        return self.name


class QueueMember(TenantScopedModel):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveSmallIntegerField(default=10, help_text="Open items at most, in this queue.")
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queue", "user"]
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="queue_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.queue}"


class StaffStatus(TenantScopedModel):
    class Availability(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Availability.choices, default=Availability.OFFLINE)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "staff statuses"
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="staff_status_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_status_display()}"
