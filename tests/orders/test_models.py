from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from orders.models import Order, Product, Refund
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_sku_is_unique_per_tenant(tenant, other_tenant):
    f.ProductFactory(tenant=tenant, sku="GPU-4090")
    f.ProductFactory(tenant=other_tenant, sku="GPU-4090")

    with pytest.raises(IntegrityError, match="product_unique_sku_per_tenant"), transaction.atomic():
        f.ProductFactory(tenant=tenant, sku="GPU-4090")
    assert Product.objects.filter(sku="GPU-4090").count() == 2


def test_order_number_is_unique_per_tenant(tenant, other_tenant):
    f.OrderFactory(tenant=tenant, number="1001")
    f.OrderFactory(tenant=other_tenant, number="1001")

    with pytest.raises(IntegrityError, match="order_unique_number_per_tenant"), transaction.atomic():
        f.OrderFactory(tenant=tenant, number="1001")
    assert Order.objects.filter(number="1001").count() == 2


def test_return_label_tracking_number_is_unique_per_tenant(tenant, other_tenant):
    f.ReturnLabelFactory(tenant=tenant, tracking_number="1Z999")
    f.ReturnLabelFactory(tenant=other_tenant, tracking_number="1Z999")

    with pytest.raises(IntegrityError, match="return_label_unique_tracking"), transaction.atomic():
        f.ReturnLabelFactory(tenant=tenant, tracking_number="1Z999")


@pytest.mark.parametrize("price", [Decimal("-0.01"), Decimal("-100")])
def test_product_price_cannot_be_negative(price):
    with pytest.raises(IntegrityError, match="product_price_gte_0"), transaction.atomic():
        f.ProductFactory(price=price)


def test_free_product_is_allowed():
    assert f.ProductFactory(price=Decimal("0")).pk


def test_stock_cannot_be_negative():
    with pytest.raises(IntegrityError, match="inventory_quantity_gte_0"), transaction.atomic():
        f.InventoryFactory(quantity=-1)
    assert f.InventoryFactory(quantity=0).pk


def test_one_stock_row_per_product_and_warehouse():
    stock = f.InventoryFactory(warehouse="EU-1")
    f.InventoryFactory(product=stock.product, warehouse="US-1")

    with pytest.raises(IntegrityError, match="inventory_unique_product_warehouse"), transaction.atomic():
        f.InventoryFactory(product=stock.product, warehouse="EU-1")


@pytest.mark.parametrize(
    ("quantity", "threshold", "low"),
    [(0, 5, True), (4, 5, True), (5, 5, True), (6, 5, False), (100, 0, False), (0, 0, True)],
)
def test_inventory_is_low_at_or_below_the_threshold(quantity, threshold, low):
    stock = f.InventoryFactory(quantity=quantity, low_stock_threshold=threshold)
    stock.refresh_from_db()

    assert stock.is_low is low


def test_order_factory_total_matches_the_constraint():
    order = f.OrderFactory(
        subtotal=Decimal("250.00"), discount=Decimal("25.50"), shipping_cost=Decimal("9.99"), tax=Decimal("18.04")
    )
    order.refresh_from_db()

    assert order.total == Decimal("252.53")


@pytest.mark.parametrize("total", [Decimal("113.39"), Decimal("113.41"), Decimal("100.00"), Decimal("0")])
def test_order_total_must_equal_the_sum(total):
    # subtotal 100 - discount 0 + shipping 5 + tax 8.40 = 113.40
    with pytest.raises(IntegrityError, match="order_total_is_sum"), transaction.atomic():
        f.OrderFactory(total=total)


def test_order_total_is_checked_on_update_too():
    order = f.OrderFactory()

    with pytest.raises(IntegrityError, match="order_total_is_sum"), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(discount=Decimal("10.00"))
    order.refresh_from_db()
    assert order.discount == Decimal("0.00")


@pytest.mark.parametrize("field", ["subtotal", "discount", "shipping_cost", "tax"])
def test_order_amounts_cannot_be_negative_even_when_the_sum_matches(field):
    amounts = {"subtotal": Decimal("100.00"), "discount": Decimal("0"), "shipping_cost": Decimal("5.00")}
    amounts["tax"] = Decimal("5.00")
    amounts[field] = Decimal("-1.00")
    # The factory recomputes the total, so only the sign check can refuse the row.
    with pytest.raises(IntegrityError, match="order_amounts_gte_0"), transaction.atomic():
        f.OrderFactory(**amounts)


def test_order_item_line_total():
    item = f.OrderItemFactory(unit_price=Decimal("19.99"), quantity=3)
    item.refresh_from_db()

    assert item.line_total == Decimal("59.97")


def test_order_item_keeps_its_snapshot_when_the_product_is_deleted():
    item = f.OrderItemFactory(unit_price=Decimal("5.00"), quantity=2)
    sku = item.sku

    item.product.delete()
    item.refresh_from_db()

    assert item.product is None
    assert item.sku == sku
    assert item.line_total == Decimal("10.00")


@pytest.mark.parametrize(("field", "value"), [("quantity", 0), ("unit_price", Decimal("-1"))])
def test_order_item_quantity_and_price_are_checked(field, value):
    with pytest.raises(IntegrityError, match="order_item_"), transaction.atomic():
        f.OrderItemFactory(**{field: value})


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-0.01"), Decimal("-50")])
def test_refund_amount_must_be_positive(amount):
    with pytest.raises(IntegrityError, match="refund_amount_gt_0"), transaction.atomic():
        f.RefundFactory(amount=amount)


def test_refund_idempotency_key_is_unique_per_tenant(tenant, other_tenant):
    order = f.OrderFactory(tenant=tenant)
    f.RefundFactory(order=order, idempotency_key="tool-call-42")
    f.RefundFactory(tenant=other_tenant, idempotency_key="tool-call-42")

    with pytest.raises(IntegrityError, match="refund_unique_idempotency_key"), transaction.atomic():
        f.RefundFactory(order=order, amount=Decimal("99.00"), idempotency_key="tool-call-42")
    assert Refund.objects.for_tenant(tenant).count() == 1


def test_for_tenant_returns_only_that_tenants_orders_and_products(tenant, other_tenant):
    my_orders = f.OrderFactory.create_batch(2, tenant=tenant)
    f.OrderFactory(tenant=other_tenant)
    my_product = f.ProductFactory(tenant=tenant)
    f.ProductFactory(tenant=other_tenant)

    assert set(Order.objects.for_tenant(tenant)) == set(my_orders)
    assert list(Product.objects.for_tenant(tenant)) == [my_product]
    assert set(Order.objects.for_tenant(other_tenant)).isdisjoint(my_orders)
