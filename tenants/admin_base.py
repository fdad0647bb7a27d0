"""The admin as a multi-tenant governance console.

Superusers see everything. Other staff see only the rows of the tenants they belong
to, and what they may change depends on their role there (``edit_roles``). Every
foreign key in a form offers only rows of the same tenants, and a saved row may not
point at another tenant's data, whoever saves it.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from tenants import selectors
from tenants.models import Membership, Tenant, TenantScopedModel

Role = Membership.Role
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})


def tenant_ids_for_request(request, roles) -> set[int]:
    """Per-request cache: the admin asks for permissions many times per page."""
    cache = request.__dict__.setdefault("_tenant_ids_by_roles", {})
    key = frozenset(roles)
    if key not in cache:
        cache[key] = selectors.tenant_ids_for_user(user=request.user, roles=key)
    return cache[key]


class SameTenantForm(ModelForm):
    """Refuses a row whose foreign keys belong to a different tenant than the row itself."""

    def clean(self):
        cleaned = super().clean()
        tenant = cleaned.get("tenant") or getattr(self.instance, "tenant", None)
        if tenant is None:
            return cleaned
        for name, value in list(cleaned.items()):
            if isinstance(value, TenantScopedModel) and value.tenant_id != tenant.pk:
                self.add_error(name, ValidationError("This belongs to another tenant.", code="cross_tenant"))
        return cleaned


class TenantFilter(admin.SimpleListFilter):
    """The stores a staff member belongs to (every store for a superuser): Django's own filter
    on the foreign key would list every store's name."""

    title = "store"
    parameter_name = "tenant__id__exact"

    def lookups(self, request, model_admin):
        stores = Tenant.objects.order_by("name")
        if not model_admin._superuser(request):
            stores = stores.filter(id__in=model_admin._ids(request))
        return [(str(t.pk), t.name) for t in stores]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(tenant_id=value) if value and value.isdigit() else queryset


class TenantScopedAdmin(admin.ModelAdmin):
    form = SameTenantForm
    # Roles that may see rows here, and roles that may add, change and delete them.
    view_roles: frozenset[str] = selectors.ALL_ROLES
    edit_roles: frozenset[str] = MANAGERS
    list_select_related = ["tenant"]

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def _ids(self, request, roles=selectors.ALL_ROLES) -> set[int]:
        return tenant_ids_for_request(request, roles)

    # ------------------------------------------------------------------ what rows

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._superuser(request):
            return queryset
        return queryset.filter(tenant_id__in=self._ids(request, self.view_roles | self.edit_roles))

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if self._superuser(request) or len(self._ids(request)) > 1:
            filters.insert(0, TenantFilter)
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not self._superuser(request):
            related = db_field.related_model
            editable = self._ids(request, self.edit_roles)
            if related is Tenant:
                kwargs["queryset"] = Tenant.objects.filter(id__in=editable)
            elif issubclass(related, TenantScopedModel):
                kwargs["queryset"] = related._default_manager.filter(tenant_id__in=editable)
            elif related is get_user_model():
                kwargs["queryset"] = related._default_manager.filter(memberships__tenant_id__in=editable).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # ------------------------------------------------------------------ who may do what

    def has_module_permission(self, request):
        return self._superuser(request) or bool(self._ids(request, self.view_roles | self.edit_roles))

    def has_view_permission(self, request, obj=None):
        if self._superuser(request):
            return True
        ids = self._ids(request, self.view_roles | self.edit_roles)
        return obj.tenant_id in ids if obj is not None else bool(ids)

    def _may_edit(self, request, obj=None) -> bool:
        if self._superuser(request):
            return True
        ids = self._ids(request, self.edit_roles)
        return obj.tenant_id in ids if obj is not None else bool(ids)

    def has_add_permission(self, request):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def save_formset(self, request, form, formset, change):
        # Inline children inherit the parent's tenant; their form does not show it.
        for inline_form in formset.forms:
            child = inline_form.instance
            if isinstance(child, TenantScopedModel) and child.tenant_id is None:
                child.tenant_id = form.instance.tenant_id
        super().save_formset(request, form, formset, change)


class ReadOnlyAdmin(TenantScopedAdmin):
    """Rows written only by the product itself (runs, tool calls, audit events)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TenantScopedInline(admin.TabularInline):
    """Child rows edited on their parent's page; they take the parent's tenant, and whoever may
    see or edit the parent may see or edit them (roles, not Django model permissions)."""

    exclude = ["tenant"]
    extra = 0

    def _parent_admin(self) -> TenantScopedAdmin:
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request, obj=None):
        return self._parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent_admin()._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_admin()._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_admin()._may_edit(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if issubclass(related, TenantScopedModel) and not request.user.is_superuser:
            ids = tenant_ids_for_request(request, selectors.ALL_ROLES)
            kwargs["queryset"] = related._default_manager.filter(tenant_id__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(TenantScopedInline):
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
