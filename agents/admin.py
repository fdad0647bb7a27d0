from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField

from agents import services
from agents.models import AgentProfile, AgentRun, Intent, IntentExample, ToolCall
from tenants.admin_base import ReadOnlyAdmin, ReadOnlyInline, TenantScopedAdmin


@admin.register(AgentProfile)
class AgentProfileAdmin(TenantScopedAdmin):
    list_display = ["name", "role", "model", "max_steps", "refund_auto_approve_limit", "active", "tenant"]
    list_filter = ["role", "active"]
    search_fields = ["name", "description", "instructions"]


class ToolCallInline(ReadOnlyInline):
    model = ToolCall
    fields = ["created_at", "tool", "status", "arguments", "result", "duration_ms"]
    readonly_fields = fields


@admin.register(AgentRun)
class AgentRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "conversation",
        "profile",
        "provider",
        "model",
        "status",
        "tokens_in",
        "tokens_out",
        "cost",
        "started_at",
        "tenant",
    ]
    list_filter = ["status", "provider", "model"]
    search_fields = ["error", "model", "conversation__customer__email"]
    list_select_related = ["tenant", "profile", "conversation"]
    date_hierarchy = "started_at"
    inlines = [ToolCallInline]


@admin.register(ToolCall)
class ToolCallAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "tool", "status", "duration_ms", "run", "tenant"]
    list_filter = ["status", "tool"]
    search_fields = ["tool"]
    list_select_related = ["tenant", "run"]


class LinesField(SimpleArrayField):
    """One item per line; blank lines and Windows line ends are fine."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "\n".join(line.strip() for line in value.splitlines() if line.strip())
        return super().to_python(value)


class IntentForm(forms.ModelForm):
    # Examples contain commas, so one per line rather than the default comma-separated field.
    examples = LinesField(
        forms.CharField(),
        delimiter="\n",
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="One example per line, written the way shoppers write.",
    )

    class Meta:
        model = Intent
        fields = ["tenant", "name", "description", "examples", "priority", "target_profile", "active"]

    def clean(self):
        cleaned = super().clean()
        profile, tenant = cleaned.get("target_profile"), cleaned.get("tenant")
        if profile and tenant and profile.tenant_id != tenant.pk:
            self.add_error("target_profile", "This belongs to another tenant.")
        return cleaned


@admin.register(Intent)
class IntentAdmin(TenantScopedAdmin):
    form = IntentForm
    list_display = ["name", "description", "priority", "target_profile", "example_count", "active", "tenant"]
    list_filter = ["priority", "active"]
    search_fields = ["name", "description"]
    list_select_related = ["tenant", "target_profile"]

    @admin.display(description="Examples")
    def example_count(self, obj):
        return len(obj.examples)

    def save_model(self, request, obj, form, change):
        # Through the service: examples re-embedded, audit logged.
        services.intent_save(intent=obj, actor=request.user)


@admin.register(IntentExample)
class IntentExampleAdmin(ReadOnlyAdmin):
    list_display = ["text", "intent", "embedding_model", "tenant"]
    list_filter = ["intent__name", "embedding_model"]
    search_fields = ["text", "intent__name"]
    list_select_related = ["tenant", "intent"]
    exclude = ["embedding"]
