import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models


def email_inbound_secret_generate() -> str:
    return secrets.token_urlsafe(24)


class Tenant(models.Model):
    class Tier(models.TextChoices):
        FREE = "free", "Free"
        STARTER = "starter", "Starter"
        PROFESSIONAL = "professional", "Professional"
        ENTERPRISE = "enterprise", "Enterprise"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.FREE)
    active = models.BooleanField(default=True)
    currency = models.CharField(
        max_length=3, default="USD", validators=[RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code.")]
    )
    # Money rules the agent cannot talk its way around: enforced by the refund and return services.
    refund_review_threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("500.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Refunds above this amount wait for a human reviewer.",
    )
    return_window_days = models.PositiveIntegerField(default=30)

    class StaleArticles(models.TextChoices):
        DOWNRANK = "downrank", "Serve them, ranked lower"
        HIDE = "hide", "Do not serve them"

    stale_articles = models.CharField(
        max_length=10,
        choices=StaleArticles.choices,
        default=StaleArticles.DOWNRANK,
        help_text="What search does with articles past their review-by date.",
    )
    # Messages that arrive within the window are answered by one agent turn; the maximum wait
    # caps how long a shopper who keeps typing waits for the first answer.
    batch_window_ms = models.PositiveIntegerField(
        default=2000, help_text="Quiet time after a message before the AI answers (milliseconds)."
    )
    batch_max_wait_ms = models.PositiveIntegerField(
        default=8000, help_text="The AI answers at the latest this long after the first unanswered message."
    )
    # Email and SMS channels. Empty fields fall back to the installation's settings
    # (DEFAULT_FROM_EMAIL, SENDGRID_WEBHOOK_PUBLIC_KEY, TWILIO_*).
    email_inbound_secret = models.CharField(
        max_length=64,
        default=email_inbound_secret_generate,
        help_text="In the inbound email webhook URL (or the basic-auth password). Change it to revoke the old URL.",
    )
    email_from = models.EmailField(blank=True, help_text="Replies are sent from this address.")
    email_webhook_public_key = models.TextField(
        blank=True,
        help_text="SendGrid's signed-webhook verification key (base64 or PEM). When set, unsigned mail is refused.",
    )
    sms_number = models.CharField(
        max_length=32, blank=True, help_text="The Twilio number shoppers text, E.164 (e.g. +14155550100)."
    )
    twilio_account_sid = models.CharField(max_length=64, blank=True)
    twilio_auth_token = models.CharField(
        max_length=64, blank=True, help_text="Signs Twilio's webhooks to this store and authorises sending."
    )
    # What the store's AI may spend on LLMs per day (UTC); past either, the offline agent answers
    # until the day ends. Blank: no limit.
    llm_daily_token_budget = models.PositiveBigIntegerField(
        "LLM daily token budget",
        null=True,
        blank=True,
        help_text="LLM tokens (in + out) the AI may use per day. Blank: no limit.",
    )
    llm_daily_cost_budget = models.DecimalField(
        "LLM daily cost budget", max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="LLM spend (US dollars, by the price table) per day. Blank: no limit.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(refund_review_threshold__gte=0), name="tenant_threshold_gte_0"),
            models.UniqueConstraint(
                fields=["sms_number"], condition=~models.Q(sms_number=""), name="tenant_unique_sms_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant: "Tenant | int") -> "TenantQuerySet":
        return self.filter(tenant=tenant)


class TenantScopedModel(models.Model):
    """Base of every tenant-owned row: a non-null tenant and ``.for_tenant()`` reads."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class UsageDay(TenantScopedModel):
    """What a store's AI used on one day (UTC): the budget check reads one row."""

    day = models.DateField()
    llm_tokens = models.PositiveBigIntegerField(default=0)
    llm_cost = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal("0"))
    turns = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="usage_day_unique_per_tenant")]

    def __str__(self) -> str:
        return f"{self.day}: {self.llm_tokens} tokens"


class Membership(TenantScopedModel):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"
        REVIEWER = "reviewer", "Reviewer"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "user"]
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user_per_tenant")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} of {self.tenant}"


class ApiKey(TenantScopedModel):
    """A secret for the REST API. Only a SHA-256 of the secret is stored; the prefix finds the row."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"
        ADMIN = "admin", "Admin"

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    hashed_secret = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=20, choices=Scope.choices), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class WidgetKey(TenantScopedModel):
    """The public key a store puts in its widget tag; the secret signs shopper identity tokens."""

    name = models.CharField(max_length=100)
    public_key = models.CharField(max_length=40, unique=True)
    secret = models.CharField(max_length=64, help_text="Signs user tokens (HMAC). Keep it on the store's server.")
    allowed_origins = ArrayField(
        models.CharField(max_length=255),
        default=list,
        blank=True,
        help_text="Origins allowed to open the widget, e.g. https://shop.example.com",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_key})"


class AuditEvent(TenantScopedModel):
    """Append-only record of who did what. A database trigger refuses updates."""

    class ActorKind(models.TextChoices):
        USER = "user", "User"
        AGENT = "agent", "AI agent"
        SYSTEM = "system", "System"
        API = "api", "API key"

    # PROTECT: a tenant with history is deactivated, not deleted, so the audit log survives.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True, help_text="Agent profile, API key or job name.")
    verb = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        actor = self.actor_user or self.actor_label or self.actor_kind
        return f"{actor} {self.verb} {self.target_repr or self.target_type}"
