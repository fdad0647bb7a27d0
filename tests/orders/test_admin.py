"""The order admin changes orders only through orders.services."""

import pytest
from django.urls import reverse

from orders.models import Order, Refund
from tenants.models import AuditEvent, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def owner(tenant):
    user = f.UserFactory(staff=True)
    f.MembershipFactory(user=user, tenant=tenant, role=Membership.Role.OWNER)
    return user


def change(client, order, **fields):
    return client.post(reverse("admin:orders_order_change", args=[order.pk]),
                       {"status": order.status, "refunds-TOTAL_FORMS": 0, "refunds-INITIAL_FORMS": 0,
                        "items-TOTAL_FORMS": 0, "items-INITIAL_FORMS": 0, **fields})  # fmt: skip


def test_a_status_change_goes_through_the_service(client, tenant):
    order = f.OrderFactory(tenant=tenant, status="paid")
    number, total = order.number, order.total
    user = owner(tenant)
    client.force_login(user)
    response = change(client, order, status="shipped", total="1.00", number="HACKED")
    assert response.status_code == 302, response.content.decode()[:3000]
    order.refresh_from_db()
    assert order.status == "shipped" and order.shipped_at is not None
    assert (order.number, order.total) == (number, total)  # money and number are read only
    event = AuditEvent.objects.get(verb="order.status_changed")
    assert (event.actor_user, event.data) == (user, {"from": "paid", "to": "shipped"})


def test_cancelling_from_the_list_refunds_a_paid_order(client, tenant, other_tenant):
    order = f.OrderFactory(tenant=tenant, status="paid")
    theirs = f.OrderFactory(tenant=other_tenant, status="paid")
    client.force_login(owner(tenant))
    client.post(reverse("admin:orders_order_changelist"),
                {"action": "cancel_orders", "_selected_action": [order.pk, theirs.pk]})  # fmt: skip
    order.refresh_from_db()
    theirs.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and Refund.objects.get(order=order).status == "processed"
    assert theirs.status == "paid" and not Refund.objects.filter(order=theirs).exists()


def test_refunds_are_read_here_not_written(client, tenant):
    client.force_login(owner(tenant))
    assert client.get(reverse("admin:orders_refund_add")).status_code == 403


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.AGENT, Membership.Role.REVIEWER])
def test_only_managers_cancel_and_refund_from_the_list(client, tenant, role):
    """Red-team pass 9: any role could post the action, and a paid order was refunded in full."""
    order = f.OrderFactory(tenant=tenant, status="paid")
    user = f.UserFactory(staff=True)
    f.MembershipFactory(user=user, tenant=tenant, role=role)
    client.force_login(user)
    client.post(reverse("admin:orders_order_changelist"),
                {"action": "cancel_orders", "_selected_action": [order.pk]})  # fmt: skip
    order.refresh_from_db()
    assert order.status == "paid" and not Refund.objects.exists()


def test_a_manager_of_one_store_cannot_cancel_where_they_only_view(client, tenant, other_tenant):
    theirs = f.OrderFactory(tenant=other_tenant, status="paid")
    user = owner(tenant)
    f.MembershipFactory(user=user, tenant=other_tenant, role=Membership.Role.VIEWER)
    client.force_login(user)
    client.post(reverse("admin:orders_order_changelist"),
                {"action": "cancel_orders", "_selected_action": [theirs.pk]})  # fmt: skip
    theirs.refresh_from_db()
    assert theirs.status == "paid" and not Refund.objects.exists()
