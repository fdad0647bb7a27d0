from django.contrib import admin, messages

from orders import services
from orders.models import Inventory, Order, OrderItem, Product, Refund, ReturnLabel
from supportdesk.errors import ApplicationError
from tenants.admin_base import ReadOnlyAdmin, ReadOnlyInline, TenantScopedAdmin, TenantScopedInline


class InventoryInline(TenantScopedInline):
    model = Inventory


@admin.register(Product)
class ProductAdmin(TenantScopedAdmin):
    list_display = ["sku", "name", "category", "price", "active", "tenant"]
    list_filter = ["category", "active"]
    search_fields = ["sku", "name", "description"]
    inlines = [InventoryInline]


@admin.register(Inventory)
class InventoryAdmin(TenantScopedAdmin):
    list_display = ["product", "warehouse", "quantity", "low_stock_threshold", "is_low", "tenant"]
    list_filter = ["warehouse"]
    search_fields = ["product__sku", "product__name", "warehouse"]
    list_select_related = ["tenant", "product"]

    @admin.display(boolean=True, description="Low stock")
    def is_low(self, obj):
        return obj.is_low


class OrderItemInline(TenantScopedInline):
    model = OrderItem
    fields = ["product", "sku", "name", "quantity", "unit_price"]


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount", "status", "reason", "requested_by", "approved_by", "created_at"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(TenantScopedAdmin):
    """A placed order's money and items are the store's record: on change only its status is
    edited, through orders.services (the audit log, shipped and delivered times); cancelling
    is an action, through the same service the agent uses (a paid order is refunded)."""

    list_display = ["number", "customer", "status", "total", "currency", "carrier", "placed_at", "tenant"]
    list_filter = ["status", "carrier"]
    search_fields = ["number", "customer__email", "customer__name", "customer__phone", "tracking_number"]
    date_hierarchy = "placed_at"
    list_select_related = ["tenant", "customer"]
    raw_id_fields = ["customer"]
    inlines = [OrderItemInline, RefundInline]
    actions = ["cancel_orders"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in Order._meta.fields if f.name not in ("id", "status")]

    def get_inlines(self, request, obj):
        # The items of a placed order are shown, not edited; a new order's are entered.
        return [OrderItemReadOnly, RefundInline] if obj is not None else [OrderItemInline]

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        if "status" in form.changed_data:
            status = obj.status
            obj.refresh_from_db(fields=["status"])
            services.order_status_update(tenant=obj.tenant, order=obj, status=status, actor_user=request.user)
            obj.refresh_from_db()

    @admin.action(description="Cancel the selected orders (a paid order is refunded)", permissions=["change"])
    def cancel_orders(self, request, queryset):
        done = 0
        for order in queryset.select_related("tenant"):
            if not self._may_edit(request, order):  # a manager here may only view in another store
                self.message_user(request, f"You may not cancel {order.number}.", level=messages.ERROR)
                continue
            try:
                services.order_cancel(tenant=order.tenant, order=order, actor_user=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
        if done:
            self.message_user(request, f"Cancelled {done} order(s).", level=messages.SUCCESS)


class OrderItemReadOnly(ReadOnlyInline):
    model = OrderItem
    fields = ["product", "sku", "name", "quantity", "unit_price"]
    readonly_fields = fields


@admin.register(OrderItem)
class OrderItemAdmin(TenantScopedAdmin):
    list_display = ["order", "sku", "name", "quantity", "unit_price", "tenant"]
    list_filter = ["order__status"]
    search_fields = ["order__number", "sku", "name"]
    list_select_related = ["tenant", "order"]
    raw_id_fields = ["order", "product"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Refunds are made and decided through orders.services: the agent, the review console,
    the API. Here they are read."""

    list_display = ["order", "amount", "status", "requested_by", "approved_by", "created_at", "tenant"]
    list_filter = ["status", "requested_by"]
    search_fields = ["order__number", "reason", "idempotency_key"]
    list_select_related = ["tenant", "order", "approved_by"]


@admin.register(ReturnLabel)
class ReturnLabelAdmin(TenantScopedAdmin):
    list_display = ["order", "carrier", "tracking_number", "created_at", "tenant"]
    list_filter = ["carrier"]
    search_fields = ["order__number", "tracking_number"]
    list_select_related = ["tenant", "order"]
    raw_id_fields = ["order"]
