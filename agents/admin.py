from django.contrib import admin

from agents.models import AgentProfile, AgentRun, ToolCall
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
