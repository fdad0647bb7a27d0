"""End to end in a real browser: a shopper asks the widget for a refund above the store's limit
and says yes; the demo reviewer approves it in the admin's review console; the shopper reads the
outcome in the widget; the refund list shows it processed once, and the support report counts
the review's turnaround."""

import json
import re

import pytest

from tests.browser.conftest import END_TO_END

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt")

pytestmark = END_TO_END


@pytest.fixture
def big_order(store):
    """Alex's ORD-1001 as seeded (read before the browser starts): above the review limit."""
    from orders.models import Order

    order = Order.objects.select_related("tenant").get(tenant__slug="macrocenter", number="ORD-1001")
    assert order.total > order.tenant.refund_review_threshold and not order.refunds.exists()  # the premise
    return order


def test_a_refund_above_the_limit_is_approved_in_the_console_and_the_shopper_reads_it(
    store, big_order, browser, fake_openai
):
    from supportdesk.demo import DEMO_PASSWORD

    order = big_order
    fake_openai.script(
        {"content": json.dumps({"category": "greeting", "priority": "low", "confidence": 0.9})},
        {"content": "Hello Alex! How can I help?"},
        {"content": json.dumps({"category": "refund_request", "priority": "high", "confidence": 0.95})},
        {"tool_calls": [{"name": "process_refund", "arguments": {"order_number": order.number}}]},
        {"content": "I'm sorry the card let you down."},
        {"content": "Thanks! Our team will review it shortly."},  # after the yes: the engine ran the refund
    )
    shopper = browser.new_page(viewport={"width": 375, "height": 740})
    shopper.goto(f"{store}/demo/?as=alex.morgan@example.com")
    shopper.get_by_role("button", name="Open chat").click()
    message = shopper.get_by_role("textbox", name="Message")
    log = shopper.get_by_role("log")
    message.fill("Hi")
    message.press("Enter")
    playwright.expect(log).to_contain_text("How can I help?", timeout=30_000)
    message.fill(f"The fan on my RTX 4090 is broken, I want a refund for {order.number}")
    message.press("Enter")
    playwright.expect(log).to_contain_text("Shall I go ahead?", timeout=30_000)
    playwright.expect(log).to_contain_text(f"I will refund {order.total}")
    message.fill("yes")
    message.press("Enter")
    playwright.expect(log).to_contain_text("needs a member of our team to approve it", timeout=30_000)

    reviewer = browser.new_context().new_page()
    reviewer.goto(f"{store}/admin/login/?next=/admin/hitl/reviewrequest/")
    reviewer.get_by_label("Username").fill("reviewer")
    reviewer.get_by_label("Password").fill(DEMO_PASSWORD)
    reviewer.get_by_role("button", name="Log in").click()
    row = reviewer.get_by_role("row").filter(has_text=order.number)
    playwright.expect(row).to_contain_text("On track", timeout=15_000)
    row.get_by_role("link", name=re.compile(order.number)).click()
    playwright.expect(reviewer.get_by_role("region", name=re.compile(order.number))).to_contain_text(
        "The fan on my RTX 4090 is broken"
    )  # the conversation excerpt
    reviewer.get_by_role("button", name="Approve", exact=True).click()
    playwright.expect(reviewer.locator(".messagelist")).to_contain_text("The shopper has been told")
    playwright.expect(reviewer.get_by_role("row").filter(has_text=order.number)).to_have_count(0)  # off the queue

    playwright.expect(log).to_contain_text(f"your refund of {order.total} USD for order {order.number} has been "
                                           "approved", timeout=30_000)  # fmt: skip

    reviewer.goto(f"{store}/admin/orders/refund/?q={order.number}")
    refunds = reviewer.get_by_role("row").filter(has_text="Processed")
    playwright.expect(refunds).to_have_count(1)
    reviewer.goto(f"{store}/admin/hitl/reviewrequest/report/")
    turnaround = reviewer.get_by_role("row", name=re.compile(r"^Review turnaround"))
    playwright.expect(turnaround).to_contain_text("3 decided")  # the two seeded decisions and this one
