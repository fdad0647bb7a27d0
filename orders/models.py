from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models

from tenants.models import TenantScopedModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class Product(TenantScopedModel):
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    category = models.CharField(max_length=64, db_index=True, help_text="e.g. gpu, cpu, psu")
    description = models.TextField(blank=True)
    price = models.DecimalField(**MONEY)
    attributes = models.JSONField(
        default=dict, blank=True, help_text='Compatibility facts, e.g. {"wattage": 750, "socket": "AM5"}'
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "name"]
        indexes = [GinIndex(fields=["attributes"], name="product_attributes_gin")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="product_unique_sku_per_tenant"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class Inventory(TenantScopedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock")
    warehouse = models.CharField(max_length=64)
    quantity = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "warehouse"]
        verbose_name_plural = "inventory"
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="inventory_unique_product_warehouse"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="inventory_quantity_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse}: {self.quantity}"

    @property
    def is_low(self) -> bool:
        return self.quantity <= self.low_stock_threshold


class Order(TenantScopedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        RETURNED = "returned", "Returned"
        REFUNDED = "refunded", "Refunded"

    number = models.CharField(max_length=32)
    # orders depends on conversations for the shopper record (see docs/architecture.md).
    # RESTRICT, not PROTECT: deleting a whole tenant may remove a customer together with their orders.
    customer = models.ForeignKey("conversations.Customer", on_delete=models.RESTRICT, related_name="orders")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(**MONEY, default=Decimal("0"))
    discount = models.DecimalField(**MONEY, default=Decimal("0"))
    shipping_cost = models.DecimalField(**MONEY, default=Decimal("0"))
    tax = models.DecimalField(**MONEY, default=Decimal("0"))
    total = models.DecimalField(**MONEY, default=Decimal("0"))
    carrier = models.CharField(max_length=64, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    placed_at = models.DateTimeField()
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["tenant", "customer", "-placed_at"], name="order_customer_idx")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="order_unique_number_per_tenant"),
            models.CheckConstraint(
                condition=models.Q(subtotal__gte=0, discount__gte=0, shipping_cost__gte=0, tax__gte=0, total__gte=0),
                name="order_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("subtotal") - models.F("discount") + models.F("shipping_cost") + models.F("tax")
                ),
                name="order_total_is_sum",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderItem(TenantScopedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Snapshot of what was bought: the catalogue may change after the order.
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_item_quantity_gte_1"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="order_item_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class Refund(TenantScopedModel):
    class Status(models.TextChoices):
        PENDING_REVIEW = "pending_review", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"

    class RequestedBy(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        AI = "ai", "AI agent"
        STAFF = "staff", "Staff"
        API = "api", "API"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING_REVIEW)
    requested_by = models.CharField(max_length=10, choices=RequestedBy.choices)
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # One key per logical refund: a retried tool call or task finds the row and does not refund twice.
    idempotency_key = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_gt_0"),
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="refund_unique_idempotency_key"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} on {self.order}"


class ReturnLabel(TenantScopedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="return_labels")
    carrier = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64)
    label_file = models.FileField(upload_to="return_labels/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "tracking_number"], name="return_label_unique_tracking"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"
