from contextvars import ContextVar

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.templatetags.static import static
from django.utils.html import format_html

from tenants import selectors, services
from tenants.admin_base import MANAGERS, ReadOnlyAdmin, TenantScopedAdmin, tenant_ids_for_request
from tenants.models import ApiKey, AuditEvent, Membership, Tenant, UsageDay, WidgetKey


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "tier", "active", "currency", "refund_review_threshold", "created_at"]
    list_filter = ["tier", "active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(id__in=tenant_ids_for_request(request, selectors.ALL_ROLES))

    def has_module_permission(self, request):
        return request.user.is_superuser or bool(tenant_ids_for_request(request, selectors.ALL_ROLES))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        ids = tenant_ids_for_request(request, selectors.ALL_ROLES)
        return obj.pk in ids if obj is not None else bool(ids)

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        ids = tenant_ids_for_request(request, MANAGERS)
        return obj.pk in ids if obj is not None else bool(ids)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    def get_readonly_fields(self, request, obj=None):
        # Only the installation's operators change a store's plan or identity.
        shown = ["ai_usage_today"]
        return shown if request.user.is_superuser else ["slug", "tier", "active", *shown]

    @admin.display(description="AI usage today (UTC)")
    def ai_usage_today(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        tokens, cost = selectors.usage_today(tenant=obj)
        token_budget = f" of {obj.llm_daily_token_budget:,}" if obj.llm_daily_token_budget is not None else ""
        cost_budget = f" of ${obj.llm_daily_cost_budget}" if obj.llm_daily_cost_budget is not None else ""
        return f"{tokens:,} tokens{token_budget}; ${cost:.4f}{cost_budget}"


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    view_roles = MANAGERS  # staff lists and secrets are for the store's managers
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "tenant__name"]


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin):
    view_roles = MANAGERS  # staff lists and secrets are for the store's managers
    list_display = ["name", "tenant", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    fields = ["tenant", "name", "scopes", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "scopes":
            return forms.MultipleChoiceField(
                choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple, required=True
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # New keys go through the service: the secret is generated, hashed and shown once.
        issued = services.api_key_create(
            tenant=obj.tenant, name=obj.name, scopes=list(obj.scopes), created_by=request.user
        )
        obj.pk = issued.api_key.pk
        obj.prefix = issued.api_key.prefix
        self.message_user(
            request,
            f"Copy this key now, it will not be shown again: {issued.raw_key}",
            level=messages.WARNING,
        )

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset):
        for api_key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(api_key=api_key, revoked_by=request.user)
        self.message_user(request, "Revoked.")


# The address shoppers' browsers reach this server at, for the embed code; per request.
_request_base: ContextVar[str] = ContextVar("request_base", default="")


@admin.register(WidgetKey)
class WidgetKeyAdmin(TenantScopedAdmin):
    view_roles = MANAGERS  # staff lists and secrets are for the store's managers
    list_display = ["name", "tenant", "public_key", "allowed_origins", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "public_key"]
    readonly_fields = ["public_key", "secret", "embed_code", "created_at"]

    @admin.display(description="Embed code")
    def embed_code(self, obj):
        if not obj.pk:
            return "Save the key to get the tag for the store's pages."
        src = _request_base.get() + static("widget/widget.js")
        tag = f'<script src="{src}" data-key="{obj.public_key}" async></script>'
        help_text = (
            "Paste before </body> on every page of the store. To sign shoppers in, add data-user-id, "
            'data-user-email and data-user-hash: the hex HMAC-SHA256 of "id:email" keyed with the secret, '
            "computed on the store's server."
        )
        return format_html("<code>{}</code><p class='help'>{}</p>", tag, help_text)

    def get_form(self, request, obj=None, **kwargs):
        _request_base.set(settings.PUBLIC_BASE_URL or request.build_absolute_uri("/").rstrip("/"))
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # New keys go through the service: generated key and secret, and an audit event.
        created = services.widget_key_create(
            tenant=obj.tenant, name=obj.name, allowed_origins=list(obj.allowed_origins), created_by=request.user
        )
        obj.pk, obj.public_key, obj.secret = created.pk, created.public_key, created.secret


@admin.register(UsageDay)
class UsageDayAdmin(ReadOnlyAdmin):
    """What each store's AI used per day (UTC), against the budgets on the store's page."""

    list_display = ["day", "tenant", "llm_tokens", "llm_cost", "turns"]
    list_filter = ["day"]
    search_fields = ["tenant__name", "tenant__slug"]
    date_hierarchy = "day"
    list_select_related = ["tenant"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "tenant", "actor_kind", "actor_user", "actor_label", "verb", "target_repr"]
    list_filter = ["actor_kind", "verb"]
    search_fields = ["verb", "actor_label", "actor_user__username", "target_repr", "target_id"]
    date_hierarchy = "created_at"
    list_select_related = ["tenant", "actor_user"]
