"""Reads of the store's catalogue and orders. Every function takes the tenant."""

from django.db.models import Prefetch, QuerySet

from orders.models import Inventory, Order, OrderItem, Product
from supportdesk.errors import NotFound
from tenants.models import Tenant


def product_get_by_sku(*, tenant: Tenant, sku: str) -> Product:
    product = Product.objects.for_tenant(tenant).filter(sku__iexact=sku.strip()).first()
    if product is None:
        raise NotFound(f"No product with SKU {sku!r}.")
    return product


def product_list(*, tenant: Tenant, category: str | None = None, active_only: bool = True) -> QuerySet[Product]:
    products = Product.objects.for_tenant(tenant)
    if active_only:
        products = products.filter(active=True)
    if category:
        products = products.filter(category=category)
    return products


def inventory_for_product(*, tenant: Tenant, product: Product) -> QuerySet[Inventory]:
    return Inventory.objects.for_tenant(tenant).filter(product=product).order_by("warehouse")


def order_get_by_number(*, tenant: Tenant, number: str) -> Order:
    order = (
        Order.objects.for_tenant(tenant)
        .select_related("customer")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
        .filter(number__iexact=number.strip())
        .first()
    )
    if order is None:
        raise NotFound(f"No order {number!r}.")
    return order


def order_list_for_customer(*, tenant: Tenant, customer_id: int) -> QuerySet[Order]:
    return Order.objects.for_tenant(tenant).filter(customer_id=customer_id).prefetch_related("items")
