"""Deciding a review request: the money moves once, through the owning service, the shopper is
told, and who decided what is kept. Through hitl.services.review_decide and
orders.services.refund_submit, the doors every caller (admin, agent, API) uses."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from conversations.models import Message, Ticket
from hitl import services
from hitl.models import OutcomeMessage, ReviewDecision, ReviewRequest
from orders import services as order_services
from orders.models import Order, Refund
from supportdesk.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tenants.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


def reviewer_of(tenant, role="reviewer", **user):
    return f.MembershipFactory(tenant=tenant, role=role, user=f.UserFactory(**user)).user


def big_refund(tenant, *, amount=None, key="turn-1:refund", status="delivered", subtotal_extra=False, **kwargs):
    """A refund above the store's limit asked for in a conversation: it waits for review."""
    customer = f.CustomerFactory(tenant=tenant)
    conversation = f.ConversationFactory(tenant=tenant, customer=customer)
    ticket = f.TicketFactory(tenant=tenant, customer=customer, conversation=conversation, status="open")
    order = f.OrderFactory(
        tenant=tenant, customer=customer, status=status,
        subtotal=tenant.refund_review_threshold + D("2000" if subtotal_extra else "300"),
        delivered_at=timezone.now() - timedelta(days=2),
    )  # fmt: skip
    refund = order_services.refund_submit(
        tenant=tenant, order=order, amount=amount, reason="arrived broken", requested_by="ai",
        idempotency_key=key, conversation=conversation, turn_key="c1:m1", **kwargs,
    )  # fmt: skip
    review = ReviewRequest.objects.get(tenant=tenant, payload__refund_id=refund.pk)
    return review, refund, order, ticket


def outbound(review):
    return list(Message.objects.filter(conversation=review.conversation, direction="outbound"))


class TestSubmit:
    def test_a_refund_above_the_limit_waits_with_its_review_in_one_step(self, tenant):
        review, refund, order, ticket = big_refund(tenant)
        assert refund.status == Refund.Status.PENDING_REVIEW and refund.processed_at is None
        assert review.payload == {"order_number": order.number, "amount": str(order.total), "refund_id": refund.pk}
        assert (review.status, review.action, review.customer, review.ticket) == (
            "pending",
            "process_refund",
            order.customer,
            ticket,
        )
        assert "limit" in review.reason and review.turn_key == "c1:m1"
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.ON_HOLD  # waiting on the decision
        order.refresh_from_db()
        assert order.status == "delivered"  # nothing moved

    def test_if_the_review_cannot_be_queued_the_refund_is_not_kept_either(self, tenant, monkeypatch):
        def broken(**kwargs):
            raise RuntimeError("queue down")

        monkeypatch.setattr("orders.hooks._refund_reviewer", broken)
        with pytest.raises(RuntimeError):
            big_refund(tenant)
        assert not Refund.objects.exists() and not ReviewRequest.objects.exists()

    def test_under_the_limit_no_review_is_queued(self, tenant):
        order = f.OrderFactory(tenant=tenant, status="delivered")
        refund = order_services.refund_submit(
            tenant=tenant, order=order, amount=D("10"), reason="", requested_by="ai", idempotency_key="k"
        )
        assert refund.status == "processed" and not ReviewRequest.objects.exists()


class TestApprove:
    def test_approval_pays_once_tells_the_shopper_and_keeps_the_decision(self, tenant):
        review, refund, order, ticket = big_refund(tenant)
        run = f.AgentRunFactory(tenant=tenant, conversation=review.conversation, turn_key="c1:m1")
        reviewer = reviewer_of(tenant)
        decision = services.review_decide(review=review, decision="approve", reviewer=reviewer, note="photos ok")
        refund.refresh_from_db()
        order.refresh_from_db()
        assert (refund.status, refund.approved_by, refund.amount) == ("processed", reviewer, order.total)
        assert order.status == Order.Status.REFUNDED
        assert (decision.outcome, decision.decided_by, decision.changes) == ("approved", reviewer, {})
        assert decision.result["refund_status"] == "processed"
        review.refresh_from_db()
        assert (review.status, review.reviewer, review.note) == ("approved", reviewer, "photos ok")
        [told] = outbound(review)
        assert told.sender_kind == "system" and order.number in told.body and str(order.total) in told.body
        assert "approved" in told.body.lower()
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.SOLVED
        run.refresh_from_db()
        assert "review_approved" in run.flags
        assert AuditEvent.objects.for_tenant(tenant).filter(verb="review.approved", actor_user=reviewer).exists()
        assert AuditEvent.objects.for_tenant(tenant).filter(verb="refund.approved").count() == 1

    def test_the_same_approval_twice_pays_once(self, tenant):
        review, _, order, _ = big_refund(tenant)
        reviewer = reviewer_of(tenant)
        first = services.review_decide(review=review, decision="approve", reviewer=reviewer)
        again = services.review_decide(review=review, decision="approve", reviewer=reviewer)
        assert again.pk == first.pk
        assert Refund.objects.filter(order=order, status="processed").count() == 1
        assert len(outbound(review)) == 1  # told once

    def test_approved_with_edits_keeps_the_diff_and_pays_the_edited_amount(self, tenant):
        review, refund, order, _ = big_refund(tenant)
        decision = services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant),
                                          edits={"amount": "250"})  # fmt: skip
        refund.refresh_from_db()
        assert (decision.outcome, refund.amount, refund.status) == ("edited", D("250.00"), "processed")
        assert decision.changes == {"amount": [str(order.total), "250.00"]}
        assert decision.proposed["amount"] == str(order.total) and decision.applied["amount"] == "250.00"
        order.refresh_from_db()
        assert order.status == "delivered"  # part of it: not refunded in full
        assert "250.00" in outbound(review)[0].body

    @pytest.mark.parametrize(
        ("edits", "error", "code"),
        [
            ({"amount": "999999"}, Conflict, "exceeds_refundable"),
            ({"amount": "-5"}, ApplicationError, "invalid_amount"),
            ({"amount": "a lot"}, ApplicationError, "invalid_amount"),
            ({"order_number": "ORD-000001"}, ApplicationError, "not_editable"),
            ({"refund_id": 1}, ApplicationError, "not_editable"),
        ],
    )
    def test_bad_edits_are_refused_and_nothing_changes(self, tenant, edits, error, code):
        review, refund, _, _ = big_refund(tenant)
        with pytest.raises(error) as raised:
            services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant), edits=edits)
        assert raised.value.code == code
        refund.refresh_from_db()
        review.refresh_from_db()
        assert (refund.status, review.status) == ("pending_review", "pending")
        assert not ReviewDecision.objects.exists() and outbound(review) == []


class TestReject:
    def test_rejection_needs_a_reason_pays_nothing_and_tells_the_shopper(self, tenant):
        review, refund, order, ticket = big_refund(tenant)
        reviewer = reviewer_of(tenant)
        with pytest.raises(ApplicationError) as raised:
            services.review_decide(review=review, decision="reject", reviewer=reviewer)
        assert raised.value.code == "reason_required"
        decision = services.review_decide(review=review, decision="reject", reviewer=reviewer,
                                          reason="insufficient_evidence", note="no photos")  # fmt: skip
        refund.refresh_from_db()
        assert (decision.outcome, decision.reason_code, refund.status) == (
            "rejected",
            "insufficient_evidence",
            "rejected",
        )
        assert order_services.refunded_total(order=order) == 0
        [told] = outbound(review)
        assert "can't approve" in told.body and "no photos" not in told.body  # the note is for staff
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.SOLVED

    def test_after_a_rejection_the_order_can_be_refunded_again(self, tenant):
        review, _, order, _ = big_refund(tenant)
        services.review_decide(review=review, decision="reject", reviewer=reviewer_of(tenant), reason="policy")
        assert order_services.refund_check(order=order, amount=None) == order.total

    @pytest.mark.parametrize("decision", ["withdraw", "expire"])
    def test_withdrawn_or_expired_pays_nothing_and_reopens_the_ticket(self, tenant, decision):
        review, refund, _, ticket = big_refund(tenant)
        record = services.review_decide(review=review, decision=decision, reviewer=None)
        refund.refresh_from_db()
        outcome = {"withdraw": "withdrawn", "expire": "expired"}[decision]
        assert (record.outcome, refund.status, record.decided_by_label) == (outcome, "withdrawn", "system")
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.OPEN
        assert len(outbound(review)) == 1


class TestWhoMayDecide:
    def test_nobody_approves_a_request_they_raised(self, tenant):
        staff = reviewer_of(tenant, role="admin")
        review, _, _, _ = big_refund(tenant, actor_user=staff)
        assert review.requested_by_user == staff
        with pytest.raises(PermissionDenied) as raised:
            services.review_decide(review=review, decision="approve", reviewer=staff)
        assert raised.value.code == "own_request"
        services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant))  # another may

    def test_nobody_approves_a_refund_to_their_own_customer_account(self, tenant):
        review, refund, order, _ = big_refund(tenant)
        me = reviewer_of(tenant, email=order.customer.email.upper())
        with pytest.raises(PermissionDenied) as raised:
            services.review_decide(review=review, decision="approve", reviewer=me)
        assert raised.value.code == "own_account"
        refund.refresh_from_db()
        assert refund.status == "pending_review"

    @pytest.mark.parametrize("role", ["agent", "viewer"])
    def test_only_reviewers_and_managers_decide(self, tenant, role):
        review, refund, _, _ = big_refund(tenant)
        with pytest.raises(PermissionDenied):
            services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant, role=role))
        refund.refresh_from_db()
        assert refund.status == "pending_review"

    def test_a_reviewer_of_another_store_cannot_decide(self, tenant, other_tenant):
        review, refund, _, _ = big_refund(tenant)
        outsider = reviewer_of(other_tenant)
        for decision in ("approve", "reject", "withdraw"):
            with pytest.raises(PermissionDenied):
                services.review_decide(review=review, decision=decision, reviewer=outsider, reason="policy")
        refund.refresh_from_db()
        review.refresh_from_db()
        assert (refund.status, review.status) == ("pending_review", "pending")

    def test_the_system_may_not_approve_or_reject(self, tenant):
        review, _, _, _ = big_refund(tenant)
        for decision in ("approve", "reject"):
            with pytest.raises(PermissionDenied):
                services.review_decide(review=review, decision=decision, reviewer=None, reason="policy")

    def test_an_unknown_decision_is_refused(self, tenant):
        review, _, _, _ = big_refund(tenant)
        with pytest.raises(ApplicationError) as raised:
            services.review_decide(review=review, decision="yes", reviewer=reviewer_of(tenant))
        assert raised.value.code == "invalid_decision"


class TestDecidedAlready:
    @pytest.mark.parametrize("first", ["expire", "withdraw"])
    def test_an_expired_or_withdrawn_request_cannot_be_approved(self, tenant, first):
        review, refund, _, _ = big_refund(tenant)
        services.review_decide(review=review, decision=first, reviewer=None)
        with pytest.raises(Conflict) as raised:
            services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant))
        assert raised.value.code == "already_decided"
        refund.refresh_from_db()
        assert refund.status == "withdrawn"

    def test_a_second_reviewer_gets_a_conflict_saying_who_decided(self, tenant):
        review, _, order, _ = big_refund(tenant)
        first = reviewer_of(tenant, username="riley")
        services.review_decide(review=review, decision="approve", reviewer=first)
        with pytest.raises(Conflict, match="already approved by riley"):
            services.review_decide(review=review, decision="reject", reviewer=reviewer_of(tenant), reason="policy")
        assert Refund.objects.get(order=order).status == "processed"

    def test_another_stores_request_is_not_found_through_a_forged_object(self, tenant, other_tenant):
        review, _, _, _ = big_refund(other_tenant)
        review.tenant_id = tenant.pk  # a caller that trusted the wrong tenant
        with pytest.raises(NotFound):
            services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant))

    def test_a_crash_before_commit_loses_nothing_and_pays_nothing(self, tenant, monkeypatch):
        review, refund, order, _ = big_refund(tenant)
        reviewer = reviewer_of(tenant)

        def crash(**kwargs):
            raise RuntimeError("worker killed")

        monkeypatch.setattr("conversations.services.message_reply_create", crash)
        with pytest.raises(RuntimeError):
            services.review_decide(review=review, decision="approve", reviewer=reviewer)
        refund.refresh_from_db()
        review.refresh_from_db()
        assert (refund.status, review.status) == ("pending_review", "pending")
        assert not ReviewDecision.objects.exists()
        monkeypatch.undo()
        services.review_decide(review=review, decision="approve", reviewer=reviewer)  # decided again: pays once
        assert Refund.objects.filter(order=order, status="processed").count() == 1


class TestWording:
    def test_the_stores_wording_is_used_with_its_placeholders(self, tenant):
        OutcomeMessage.objects.create(
            tenant=tenant, outcome="approved", body="Yay! {amount} {currency} back for {order}."
        )
        review, _, order, _ = big_refund(tenant)
        services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant))
        assert outbound(review)[0].body == f"Yay! {order.total} {tenant.currency} back for {order.number}."

    def test_another_stores_wording_is_not_used(self, tenant, other_tenant):
        OutcomeMessage.objects.create(tenant=other_tenant, outcome="approved", body="Other store {order}")
        review, _, _, _ = big_refund(tenant)
        services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant))
        assert "Other store" not in outbound(review)[0].body

    @pytest.mark.parametrize("body", ["Refund {amount:>{width}} for {customer_email}", "Unclosed {order"])
    def test_a_broken_wording_falls_back_to_the_default(self, tenant, body):
        OutcomeMessage.objects.create(tenant=tenant, outcome="approved", body=body)
        review, _, order, _ = big_refund(tenant)
        services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant))
        assert "approved" in outbound(review)[0].body and order.number in outbound(review)[0].body


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_one_wins_the_other_gets_a_conflict(tenant):
    review, refund, _, _ = big_refund(tenant)
    reviewers = [reviewer_of(tenant), reviewer_of(tenant)]
    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def decide(reviewer, decision):
        try:
            barrier.wait()
            outcomes.append(services.review_decide(review=review, decision=decision, reviewer=reviewer,
                                                   reason="policy").outcome)  # fmt: skip
        except Conflict as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    pairs = zip(reviewers, ["approve", "reject"], strict=True)
    threads = [threading.Thread(target=decide, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert len(outcomes) == 1 and errors == ["already_decided"]
    refund.refresh_from_db()
    assert refund.status == {"approved": "processed", "rejected": "rejected"}[outcomes[0]]
    assert ReviewDecision.objects.count() == 1
    assert Message.objects.filter(conversation=review.conversation, direction="outbound").count() == 1


class TestPassNine:
    """Red-team pass 9: each of these moved money wrongly, crashed, or let the wrong person decide."""

    @pytest.mark.parametrize(
        ("typed", "paid"),
        [("12,50", "12.50"), ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("250", "250.00"), ("$99.5", "99.50")],
    )
    def test_an_edited_amount_is_read_as_people_write_it(self, tenant, typed, paid):
        review, refund, _, _ = big_refund(tenant, amount=D("1300"), subtotal_extra=True)
        services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant), edits={"amount": typed})
        refund.refresh_from_db()
        assert refund.amount == D(paid)

    @pytest.mark.parametrize("typed", ["NaN", "nan", "-NaN", "Infinity", "1e9", "12,5", "1.2.3", "", "-5", "sNaN"])
    def test_an_amount_that_is_no_sum_is_a_clear_error(self, tenant, typed):
        review, refund, _, _ = big_refund(tenant)
        with pytest.raises(ApplicationError) as raised:
            services.review_decide(review=review, decision="approve", reviewer=reviewer_of(tenant),
                                   edits={"amount": typed})  # fmt: skip
        assert raised.value.code in ("invalid_amount", "exceeds_refundable")
        refund.refresh_from_db()
        assert refund.status == "pending_review"

    @pytest.mark.parametrize(
        "email", ["Alice+orders@shop.example", "alice+refund@SHOP.example", " alice@shop.example "]
    )
    def test_a_plus_address_is_still_the_reviewers_own_account(self, tenant, email):
        review, _, order, _ = big_refund(tenant)
        type(order.customer).objects.filter(pk=order.customer_id).update(email=email.strip())
        review.refresh_from_db()
        with pytest.raises(PermissionDenied):
            services.review_decide(review=review, decision="approve",
                                   reviewer=reviewer_of(tenant, email="alice@shop.example"))  # fmt: skip

    def test_a_person_cannot_expire_a_request(self, tenant):
        review, refund, _, _ = big_refund(tenant)
        with pytest.raises(PermissionDenied):
            services.review_decide(review=review, decision="expire", reviewer=reviewer_of(tenant))
        refund.refresh_from_db()
        assert refund.status == "pending_review"

    def test_cancelling_the_order_withdraws_its_waiting_refund_and_pays_back_everything(self, tenant):
        review, refund, order, _ = big_refund(tenant, amount=D("600"), status="paid")
        order_services.order_cancel(tenant=tenant, order=order)
        refund.refresh_from_db()
        review.refresh_from_db()
        assert (refund.status, review.status) == ("withdrawn", "withdrawn")
        assert order_services.refunded_total(order=order) == order.total  # all of it, at once
        assert outbound(review) == []  # told of the cancellation, not of a withdrawn request
        with pytest.raises(Conflict):
            services.review_decide(review=review, decision="reject", reviewer=reviewer_of(tenant), reason="policy")
        assert order_services.refunded_total(order=order) == order.total

    def test_a_second_cancellation_after_the_order_was_set_back_to_paid_pays_only_the_rest(self, tenant):
        order = f.OrderFactory(tenant=tenant, status="paid")
        order_services.refund_submit(tenant=tenant, order=order, amount=D("10"), reason="", requested_by="ai",
                                     idempotency_key="k")  # fmt: skip
        order_services.order_cancel(tenant=tenant, order=order)
        Refund.objects.filter(idempotency_key=f"cancel:{order.pk}").update(status="failed")  # the payment bounced
        Order.objects.filter(pk=order.pk).update(status="paid")
        order.refresh_from_db()
        order_services.order_cancel(tenant=tenant, order=order)
        assert order_services.refunded_total(order=order) == order.total
        assert order_services.cancellation_refund(order=order).idempotency_key == f"cancel:{order.pk}:2"
