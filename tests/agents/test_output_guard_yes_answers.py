"""A bare yes to the shopper's question whether an action happened claims that action (red-team
pass 12: "did my refund for ORD-1003 go through?" "Yes, it did." went out with no refund)."""

import pytest

from tests.agents.test_output_guard import check, lookup, shop  # noqa: F401 (shop is a fixture)

UNCONFIRMED = "output_unconfirmed_claim"


@pytest.fixture
def store(db, request):
    return request.getfixturevalue("shop")


@pytest.mark.parametrize(
    ("asked", "answer"),
    [("did you refund ORD-1001?", "Yes."), ("is ORD-1001 cancelled now?", "Yep, it is."),
     ("has the label been created?", "Yes, all done."), ("was my refund processed?", "Absolutely!"),
     ("is my order cancelled?", "Sí."), ("did my refund for ORD-1001 go through?", "Yes, it did.")],
)  # fmt: skip
def test_a_yes_to_whether_it_happened_is_a_claim_of_it(store, asked, answer):
    checked = check(store, answer, shopper_text=asked)
    assert any(flag.startswith(UNCONFIRMED) for flag in checked.flags), checked.text


@pytest.mark.parametrize(
    ("asked", "answer"),
    [("is it possible to get a refund?", "Yes, within 30 days of delivery."),
     ("can I cancel ORD-1001?", "Yes, it hasn't shipped yet, so it can be cancelled. Shall I?"),
     ("did you get my photos? I want a refund", "Yes, thanks for the photos."),
     ("did my order ship?", "Yes, it shipped on Nov 24 with FedEx."),
     ("where is my refund?", "Yes, let me look that up for you.")],
)  # fmt: skip
def test_a_yes_to_another_question_claims_nothing(store, asked, answer):
    assert not check(store, answer, shopper_text=asked).flags


def test_a_yes_the_tools_bear_out_stands(store):
    message = "Refunded 10.00 USD for ORD-1001."
    refunded = ("process_refund", {"order_number": "ORD-1001", "amount": "10.00"}, "ok",
                {"message": message, "amount": "10.00", "refund_status": "processed"})  # fmt: skip
    checked = check(store, "Yes, it did.", calls=[refunded], shopper_text="did my refund for ORD-1001 go through?")
    assert checked.text == "Yes, it did." and not checked.flags
    cancelled = check(store, "Yes.", calls=[lookup(status="cancelled")], shopper_text="is ORD-1001 cancelled?")
    assert cancelled.text == "Yes." and not cancelled.flags
