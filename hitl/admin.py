from django.contrib import admin

from hitl.models import EscalationPolicy, ReviewRequest
from tenants.admin_base import MANAGERS, TenantScopedAdmin
from tenants.models import Membership


@admin.register(ReviewRequest)
class ReviewRequestAdmin(TenantScopedAdmin):
    edit_roles = MANAGERS | {Membership.Role.REVIEWER}
    list_display = ["__str__", "action", "priority", "status", "queue", "due_at", "assignee", "reviewer", "tenant"]
    list_filter = ["status", "priority", "action", "queue"]
    search_fields = ["summary", "reason", "note"]
    list_select_related = ["tenant", "assignee", "reviewer"]
    raw_id_fields = ["conversation", "ticket"]
    date_hierarchy = "created_at"


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(TenantScopedAdmin):
    list_display = ["name", "category", "priority", "sla_minutes", "queue", "active", "tenant"]
    list_filter = ["active", "priority", "queue"]
    search_fields = ["name", "category", "queue"]
