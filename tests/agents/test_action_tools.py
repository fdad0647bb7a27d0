"""Acting tools: an explicit yes before anything changes, money rules in code, one refund per turn."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.tools import ToolContext, execute
from hitl.models import ReviewRequest
from orders.models import Order, Refund, ReturnLabel
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def alex(tenant):
    return f.CustomerFactory(tenant=tenant, email="alex@example.com")


def context(tenant, customer, **kwargs):
    return ToolContext(tenant=tenant, customer=customer, verified=True, turn_key="turn-1", **kwargs)


def confirm(result, tenant, customer, **kwargs):
    """The engine's part: the shopper said yes to exactly what the agent proposed."""
    assert result.status == "needs_confirmation"
    return context(tenant, customer, pending_action=result.data["pending_action"], customer_confirmed=True, **kwargs)


class TestCancel:
    def test_asks_first_then_cancels_on_yes(self, tenant, alex):
        order = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1003", status="pending")
        asked = execute(context(tenant, alex), "cancel_order", {"order_number": "ORD-1003"})
        assert "I will cancel order ORD-1003" in asked.data["message"]
        order.refresh_from_db()
        assert order.status == "pending"
        done = execute(confirm(asked, tenant, alex), "cancel_order", {"order_number": "ORD-1003"})
        assert done.status == "ok"
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED

    def test_a_yes_to_something_else_does_not_count(self, tenant, alex):
        proposed = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1003", status="pending")
        other = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1004", status="pending")
        asked = execute(context(tenant, alex), "cancel_order", {"order_number": "ORD-1003"})
        swapped = execute(confirm(asked, tenant, alex), "cancel_order", {"order_number": "ORD-1004"})
        assert swapped.status == "needs_confirmation" and "ORD-1004" in swapped.data["message"]
        other.refresh_from_db()
        proposed.refresh_from_db()
        assert (other.status, proposed.status) == ("pending", "pending")

    def test_without_the_shoppers_yes_nothing_happens(self, tenant, alex):
        order = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1003", status="pending")
        asked = execute(context(tenant, alex), "cancel_order", {"order_number": "ORD-1003"})
        not_yet = context(tenant, alex, pending_action=asked.data["pending_action"], customer_confirmed=False)
        assert execute(not_yet, "cancel_order", {"order_number": "ORD-1003"}).status == "needs_confirmation"
        order.refresh_from_db()
        assert order.status == "pending"

    def test_other_customers_and_shipped_orders(self, tenant, alex):
        f.OrderFactory(tenant=tenant, number="ORD-2000", status="pending")
        f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1002", status="shipped")
        assert execute(context(tenant, alex), "cancel_order", {"order_number": "ORD-2000"}).status == "denied"
        shipped = execute(context(tenant, alex), "cancel_order", {"order_number": "ORD-1002"})
        assert shipped.status == "error" and "can no longer be cancelled" in shipped.data["message"]
        # and what the shopper can do instead
        assert f"return it within {tenant.return_window_days} days of delivery" in shipped.data["message"]
        assert execute(ToolContext(tenant=tenant), "cancel_order", {"order_number": "ORD-1002"}).status == (
            "needs_verification"
        )


class TestRefund:
    def test_nothing_left_to_refund_is_said_before_asking(self, tenant, alex):
        order = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1015", status="delivered")
        f.RefundFactory(tenant=tenant, order=order, amount=order.total, status=Refund.Status.PROCESSED)
        asked = execute(context(tenant, alex), "process_refund", {"order_number": "ORD-1015"})
        assert asked.status == "error" and "refunded in full" in asked.data["message"]
        f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1016", status="pending")
        unpaid = execute(context(tenant, alex), "process_refund", {"order_number": "ORD-1016"})
        assert unpaid.status == "error" and "nothing to refund" in unpaid.data["message"]
        too_much = execute(context(tenant, alex), "process_refund", {"order_number": "ORD-1015", "amount": "5"})
        assert too_much.status == "error"

    def test_under_the_limit_refunds_after_yes(self, tenant, alex):
        order = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1005", status="delivered")
        assert order.total > Decimal("40")  # the premise: a part of the order
        asked = execute(context(tenant, alex), "process_refund", {"order_number": "ORD-1005", "amount": "40"})
        assert f"I will refund 40.00 {order.currency}" in asked.data["message"]
        done = execute(confirm(asked, tenant, alex), "process_refund", {"order_number": "ORD-1005", "amount": "40"})
        assert done.status == "ok"
        refund = Refund.objects.get()
        assert (refund.order, refund.amount, refund.status) == (order, Decimal("40.00"), Refund.Status.PROCESSED)

    def test_over_the_limit_becomes_a_review_request_and_no_refund(self, tenant, alex):
        order = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1001", status="delivered",
                               subtotal=Decimal("1799.99"), shipping_cost=Decimal("0"),
                               tax=Decimal("159.75"))  # fmt: skip
        assert order.total > tenant.refund_review_threshold  # the premise: over the limit
        args = {"order_number": "ORD-1001"}
        asked = execute(context(tenant, alex), "process_refund", args)
        done = execute(confirm(asked, tenant, alex), "process_refund", args)
        assert done.status == "needs_review" and "will review it" in done.data["message"]
        refund = Refund.objects.get()
        assert (refund.status, refund.amount, refund.processed_at) == ("pending_review", order.total, None)
        review = ReviewRequest.objects.get()
        assert (review.action, review.payload["refund_id"], review.status) == ("process_refund", refund.pk, "pending")

        # The same turn re-run (a re-delivered task) refunds nothing twice and asks no second review.
        execute(confirm(asked, tenant, alex), "process_refund", args)
        assert Refund.objects.count() == 1 and ReviewRequest.objects.count() == 1

    def test_the_agent_cannot_confirm_for_the_shopper(self, tenant, alex):
        f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1005", status="delivered")
        result = execute(context(tenant, alex), "process_refund", {"order_number": "ORD-1005", "confirmed": True})
        assert result.status == "error" and "Invalid arguments" in result.data["message"]
        assert not Refund.objects.exists()


class TestReturnLabel:
    def test_inside_the_window_after_yes(self, tenant, alex):
        order = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1001", status="delivered",
                               delivered_at=timezone.now() - timedelta(days=5))  # fmt: skip
        asked = execute(context(tenant, alex), "create_return_label", {"order_number": "ORD-1001"})
        assert not ReturnLabel.objects.exists()  # nothing before the yes
        done = execute(confirm(asked, tenant, alex), "create_return_label", {"order_number": "ORD-1001"})
        assert done.status == "ok"
        label = ReturnLabel.objects.get(order=order)
        assert (done.data["carrier"], done.data["tracking_number"]) == (label.carrier, label.tracking_number)
        assert label.tracking_number in done.data["message"]

    def test_outside_the_window_is_refused_with_the_reason(self, tenant, alex):
        days = tenant.return_window_days + 20
        f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1009", status="delivered",
                       delivered_at=timezone.now() - timedelta(days=days))  # fmt: skip
        window = f"delivered {days} days ago, outside the {tenant.return_window_days}-day return window"
        asked = execute(context(tenant, alex), "create_return_label", {"order_number": "ORD-1009"})
        # Refused before the shopper is asked to confirm, with what they can do instead.
        assert asked.status == "error" and window in asked.data["message"]
        assert "warranty" in asked.data["message"]
        shipped = f.OrderFactory(tenant=tenant, customer=alex, number="ORD-1010", status="shipped")
        assert execute(context(tenant, alex), "create_return_label", {"order_number": shipped.number}).status == "error"
        # A yes to an older proposal is still checked when the label is made.
        forged = {"tool": "create_return_label", "arguments": {"order_number": "ORD-1009"}, "summary": "-"}
        done = execute(
            context(tenant, alex, pending_action=forged, customer_confirmed=True), "create_return_label",
            {"order_number": "ORD-1009"},
        )  # fmt: skip
        assert done.status == "error" and window in done.data["message"]
        assert not ReturnLabel.objects.exists()


def test_another_tenants_order_cannot_be_touched(tenant, other_tenant, alex):
    f.OrderFactory(tenant=other_tenant, number="ORD-1003", status="pending")
    result = execute(context(tenant, alex), "cancel_order", {"order_number": "ORD-1003"})
    assert result.status == "error" and "No order ORD-1003 was found" in result.data["message"]
    assert Order.objects.get(tenant=other_tenant).status == "pending"
