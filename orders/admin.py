from django.contrib import admin

from orders.models import Inventory, Order, OrderItem, Product, Refund, ReturnLabel
from tenants.admin_base import ReadOnlyInline, TenantScopedAdmin, TenantScopedInline


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
    list_display = ["number", "customer", "status", "total", "currency", "carrier", "placed_at", "tenant"]
    list_filter = ["status", "carrier"]
    search_fields = ["number", "customer__email", "customer__name", "customer__phone", "tracking_number"]
    date_hierarchy = "placed_at"
    list_select_related = ["tenant", "customer"]
    raw_id_fields = ["customer"]
    inlines = [OrderItemInline, RefundInline]


@admin.register(OrderItem)
class OrderItemAdmin(TenantScopedAdmin):
    list_display = ["order", "sku", "name", "quantity", "unit_price", "tenant"]
    list_filter = ["order__status"]
    search_fields = ["order__number", "sku", "name"]
    list_select_related = ["tenant", "order"]
    raw_id_fields = ["order", "product"]


@admin.register(Refund)
class RefundAdmin(TenantScopedAdmin):
    list_display = ["order", "amount", "status", "requested_by", "approved_by", "created_at", "tenant"]
    list_filter = ["status", "requested_by"]
    search_fields = ["order__number", "reason", "idempotency_key"]
    list_select_related = ["tenant", "order", "approved_by"]
    raw_id_fields = ["order"]


@admin.register(ReturnLabel)
class ReturnLabelAdmin(TenantScopedAdmin):
    list_display = ["order", "carrier", "tracking_number", "created_at", "tenant"]
    list_filter = ["carrier"]
    search_fields = ["order__number", "tracking_number"]
    list_select_related = ["tenant", "order"]
    raw_id_fields = ["order"]
