"""`/demo/`: a store's page that embeds the chat widget exactly as a store would.

`?as=EMAIL` plays the store's server for one of the demo's own customers: it signs the shopper
with the widget key's secret (the identity hash), so the widget opens already verified. Only
the demo's own keys are ever used here.
"""

from django.http import Http404
from django.shortcuts import render

from conversations.models import Customer
from conversations.widget import user_hash
from orders.models import Product
from supportdesk.demo import DEMO_TENANTS
from tenants.models import WidgetKey


def demo_store(request):
    demo_keys = [key.public_key for demo in DEMO_TENANTS for key in demo.widget_keys]
    slug = request.GET.get("store") or DEMO_TENANTS[0].slug
    widget_key = (
        WidgetKey.objects.select_related("tenant")
        .filter(public_key__in=demo_keys, tenant__slug=slug, active=True, tenant__active=True)
        .first()
    )
    if widget_key is None:
        raise Http404("The demo store is not set up: run `python manage.py seed_demo`.")
    tenant = widget_key.tenant
    shopper = None
    email = (request.GET.get("as") or "").strip()
    if email:
        customer = Customer.objects.for_tenant(tenant).filter(email__iexact=email).first()
        if customer is not None:
            user_id = customer.external_id or f"demo-{customer.pk}"
            shopper = {
                "id": user_id, "email": customer.email, "name": customer.name,
                "hash": user_hash(secret=widget_key.secret, user_id=user_id, email=customer.email),
            }  # fmt: skip
    products = Product.objects.for_tenant(tenant).filter(active=True).order_by("category", "price")[:8]
    customers = Customer.objects.for_tenant(tenant).exclude(email="").order_by("name")[:6]
    context = {"tenant": tenant, "widget_key": widget_key, "products": products, "shopper": shopper,
               "customers": customers, "stores": list(DEMO_TENANTS)}  # fmt: skip
    return render(request, "demo/store.html", context)
