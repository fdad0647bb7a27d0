"""Money and order rules, enforced in the services whoever calls them."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import services
from orders.models import Order, Refund, ReturnLabel
from supportdesk.errors import ApplicationError, Conflict, NotFound
from tenants.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


def big_order(tenant, **fields):
    values = {"subtotal": D("1799.99"), "shipping_cost": D("0"), "tax": D("159.75"), "status": "delivered",
              "delivered_at": timezone.now() - timedelta(days=3), **fields}  # fmt: skip
    return f.OrderFactory(tenant=tenant, **values)


def refund(tenant, order, amount, key="k1", **kwargs):
    return services.refund_submit(
        tenant=tenant, order=order, amount=amount, reason="test", requested_by="ai", idempotency_key=key, **kwargs
    )


class TestCancel:
    def test_a_pending_order_cancels_and_nothing_is_refunded(self, tenant):
        order = f.OrderFactory(tenant=tenant, status="pending")  # nothing was charged yet
        assert services.order_cancel(tenant=tenant, order=order, actor_label="agent").status == "cancelled"
        assert AuditEvent.objects.for_tenant(tenant).get(verb="order.cancelled").data == {
            "from": "pending",
            "refunded": "0",
        }
        assert not Refund.objects.exists() and services.cancellation_refund(order=order) is None

    def test_a_paid_order_cancels_and_its_payment_is_refunded_once(self, tenant):
        # The store's refund article: a cancelled order is refunded as soon as it is cancelled.
        order = f.OrderFactory(tenant=tenant, status="paid")
        services.order_cancel(tenant=tenant, order=order, actor_label="agent")
        assert services.order_cancel(tenant=tenant, order=order).status == "cancelled"  # twice is fine
        refund = Refund.objects.get()
        assert (refund.order, refund.amount, refund.status) == (order, order.total, "processed")
        assert services.cancellation_refund(order=order) == refund
        event = AuditEvent.objects.for_tenant(tenant).get(verb="order.cancelled")
        assert event.data == {"from": "paid", "refunded": str(order.total)}

    def test_a_paid_order_already_part_refunded_gets_the_rest_back(self, tenant):
        order = f.OrderFactory(tenant=tenant, status="paid")
        refund(tenant, order, D("10.00"))
        services.order_cancel(tenant=tenant, order=order)
        assert sorted(r.amount for r in Refund.objects.all()) == sorted([D("10.00"), order.total - D("10.00")])
        assert services.refunded_total(order=order) == order.total

    def test_a_cancellation_above_the_store_limit_waits_for_no_review(self, tenant):
        order = big_order(tenant, status="paid", delivered_at=None)
        assert order.total > tenant.refund_review_threshold  # the premise
        services.order_cancel(tenant=tenant, order=order)
        assert Refund.objects.get().status == "processed"

    @pytest.mark.parametrize("status", ["shipped", "delivered", "refunded", "returned"])
    def test_later_orders_do_not(self, tenant, status):
        order = f.OrderFactory(tenant=tenant, status=status)
        with pytest.raises(Conflict, match="can no longer be cancelled") as error:
            services.order_cancel(tenant=tenant, order=order)
        assert error.value.code == "not_cancellable"
        order.refresh_from_db()
        assert order.status == status

    def test_another_tenants_order_is_not_found(self, tenant, other_tenant):
        order = f.OrderFactory(tenant=other_tenant, status="pending")
        with pytest.raises(NotFound):
            services.order_cancel(tenant=tenant, order=order)
        order.refresh_from_db()
        assert order.status == "pending"


class TestRefund:
    def test_under_the_limit_is_processed_at_once(self, tenant):
        order = f.OrderFactory(tenant=tenant, status="delivered")
        assert D("40") < order.total <= tenant.refund_review_threshold  # the premise: part of it, under the limit
        result = refund(tenant, order, D("40"))
        assert (result.status, result.amount) == (Refund.Status.PROCESSED, D("40.00"))
        assert result.processed_at is not None
        order.refresh_from_db()
        assert order.status == "delivered"

    def test_the_whole_rest_refunds_the_order(self, tenant):
        order = f.OrderFactory(tenant=tenant, status="delivered")
        assert D("13.40") < order.total <= tenant.refund_review_threshold  # the premise
        refund(tenant, order, D("13.40"), key="a")
        rest = refund(tenant, order, None, key="b")
        assert (rest.status, rest.amount) == (Refund.Status.PROCESSED, order.total - D("13.40"))
        order.refresh_from_db()
        assert order.status == "refunded"

    def test_over_the_limit_waits_for_review_and_moves_no_money(self, tenant):
        order = big_order(tenant)
        assert order.total > tenant.refund_review_threshold  # the premise
        result = refund(tenant, order, None)
        assert (result.status, result.amount, result.processed_at) == (Refund.Status.PENDING_REVIEW, order.total, None)
        order.refresh_from_db()
        assert order.status == "delivered"
        assert AuditEvent.objects.for_tenant(tenant).filter(verb="refund.pending_review").exists()

    def test_a_profile_may_lower_the_limit_but_never_raise_it(self, tenant):
        order = big_order(tenant)
        limit = tenant.refund_review_threshold
        assert D("50") < D("100") < limit < D("600") < D("5000")  # the premise: 100 is under the store's limit
        assert refund(tenant, order, D("100"), key="a", review_above=D("50")).status == Refund.Status.PENDING_REVIEW
        assert refund(tenant, order, D("600"), key="b", review_above=D("5000")).status == Refund.Status.PENDING_REVIEW
        fresh = big_order(tenant)
        assert refund(tenant, fresh, D("20"), key="c", review_above=D("50")).status == Refund.Status.PROCESSED

    def test_small_refunds_adding_up_past_the_limit_wait_for_review(self, tenant):
        order = big_order(tenant)
        assert D("450") < tenant.refund_review_threshold < D("900")  # the premise: each alone is under it
        assert refund(tenant, order, D("450"), key="a").status == Refund.Status.PROCESSED
        assert refund(tenant, order, D("450"), key="b").status == Refund.Status.PENDING_REVIEW
        staff = services.refund_submit(tenant=tenant, order=order, amount=D("40"), reason="goodwill",
                                        requested_by="staff", idempotency_key="s")  # fmt: skip
        assert staff.status == Refund.Status.PROCESSED  # staff are the reviewers; only the limit applies to them

    def test_a_delivered_order_past_the_return_window_waits_for_review(self, tenant):
        late = big_order(tenant, delivered_at=timezone.now() - timedelta(days=tenant.return_window_days + 5))
        assert refund(tenant, late, D("30"), key="a").status == Refund.Status.PENDING_REVIEW
        assert "return window" in services.refund_review_reason(tenant=tenant, order=late, amount=D("30"))

    def test_the_same_request_twice_refunds_once(self, tenant):
        order = f.OrderFactory(tenant=tenant, status="delivered")
        first = refund(tenant, order, D("40"), key="turn-7:refund")
        again = refund(tenant, order, D("40"), key="turn-7:refund")
        assert first.pk == again.pk
        assert Refund.objects.filter(order=order).count() == 1

    def test_never_more_than_was_paid_counting_pending_reviews(self, tenant):
        order = big_order(tenant)
        refund(tenant, order, D("1500"), key="a")  # waits for review, but is promised
        left = order.total - D("1500")
        assert D("0") < left < D("500")  # the premise: 500 more is too much
        with pytest.raises(Conflict, match=re.escape(f"{left} {order.currency} left to refund")) as error:
            refund(tenant, order, D("500"), key="b")
        assert error.value.code == "exceeds_refundable"
        assert Refund.objects.filter(order=order).count() == 1

    @pytest.mark.parametrize("status", ["pending", "cancelled", "refunded"])
    def test_orders_without_payment_to_return_are_refused(self, tenant, status):
        order = f.OrderFactory(tenant=tenant, status=status)
        with pytest.raises(Conflict, match="nothing to refund"):
            refund(tenant, order, D("10"))
        assert not Refund.objects.exists()

    @pytest.mark.parametrize("amount", [D("0"), D("-5")])
    def test_zero_or_negative_amounts_are_refused(self, tenant, amount):
        with pytest.raises(ApplicationError, match="more than zero"):
            refund(tenant, f.OrderFactory(tenant=tenant, status="paid"), amount)

    def test_another_tenants_order_cannot_be_refunded(self, tenant, other_tenant):
        order = f.OrderFactory(tenant=other_tenant, status="delivered")
        with pytest.raises(NotFound):
            refund(tenant, order, D("10"))
        assert not Refund.objects.exists()


class TestReturnLabel:
    def test_inside_the_window_a_label_is_made_once(self, tenant):
        order = big_order(tenant, delivered_at=timezone.now() - timedelta(days=tenant.return_window_days - 1))
        label = services.return_label_create(tenant=tenant, order=order)
        assert label.tracking_number.startswith("1Z") and label.label_file.read().startswith(b"RETURN LABEL")
        assert services.return_label_create(tenant=tenant, order=order).pk == label.pk
        assert ReturnLabel.objects.count() == 1

    def test_outside_the_window_is_refused_with_the_reason(self, tenant):
        window = tenant.return_window_days
        days = window + 15
        order = big_order(tenant, delivered_at=timezone.now() - timedelta(days=days))
        refused = f"delivered {days} days ago, outside the {window}-day return window"
        with pytest.raises(Conflict, match=refused) as error:
            services.return_label_create(tenant=tenant, order=order)
        assert error.value.extra == {"delivered_days_ago": days, "window_days": window}
        assert not ReturnLabel.objects.exists()

    @pytest.mark.parametrize("status", ["pending", "paid", "shipped", "cancelled"])
    def test_undelivered_orders_are_refused(self, tenant, status):
        order = f.OrderFactory(tenant=tenant, status=status)
        with pytest.raises(Conflict, match="a return label is for delivered orders"):
            services.return_label_create(tenant=tenant, order=order)

    def test_the_store_sets_the_window(self, tenant):
        order = big_order(tenant, delivered_at=timezone.now() - timedelta(days=45))
        assert tenant.return_window_days < 45  # the premise: refused under the default window
        with pytest.raises(Conflict):
            services.return_label_create(tenant=tenant, order=order)
        tenant.return_window_days = 60
        tenant.save()
        assert services.return_label_create(tenant=tenant, order=order).order == order


class TestStatusUpdate:
    def test_staff_moves_an_order_and_it_is_recorded(self, tenant):
        staff = f.UserFactory(staff=True)
        order = f.OrderFactory(tenant=tenant, status="paid")
        updated = services.order_status_update(tenant=tenant, order=order, status="shipped", actor_user=staff)
        assert updated.status == "shipped" and updated.shipped_at is not None
        event = AuditEvent.objects.for_tenant(tenant).get(verb="order.status_changed")
        assert (event.actor_user, event.data) == (staff, {"from": "paid", "to": "shipped"})

    def test_unknown_status_is_refused(self, tenant):
        order = f.OrderFactory(tenant=tenant)
        with pytest.raises(ApplicationError, match="Unknown order status 'lost'"):
            services.order_status_update(tenant=tenant, order=order, status="lost", actor_user=f.UserFactory())
        order.refresh_from_db()
        assert order.status == Order.Status.PAID


@pytest.mark.django_db(transaction=True)
def test_two_workers_refunding_with_the_same_key_at_once_refund_once(tenant):
    """A re-delivered task runs the same tool call twice, concurrently: one refund, no error."""
    import threading

    from django.db import connection

    order = f.OrderFactory(tenant=tenant, status="delivered")
    results, errors = [], []
    barrier = threading.Barrier(2)

    def attempt():
        try:
            barrier.wait()
            results.append(refund(tenant, order, D("40"), key="turn-9:refund").pk)
        except Exception as exc:  # the test reports any failure below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(results) == 2 and len(set(results)) == 1  # both answered, with the same refund
    assert Refund.objects.filter(order=order).count() == 1
