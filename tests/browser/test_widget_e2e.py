"""End to end in a real browser: Debian's chromium, driven by Playwright, against daphne serving
the real ASGI application on the test database. A shopper opens /demo/, asks about ORD-1002
through the widget and watches the answer stream in; a reload shows the history; a staff
member sees the conversation live on the staff page.

Skipped, saying why, where chromium is not installed (`apt-get install chromium`)."""

import json

import pytest

from tests.browser.conftest import END_TO_END

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt")

pytestmark = END_TO_END


@pytest.fixture
def shipped_order(store):
    """ORD-1002 as seeded, read before the browser starts (Django refuses database work under
    Playwright's running event loop)."""
    from orders.models import Order

    order = Order.objects.get(tenant__slug="macrocenter", number="ORD-1002")
    assert order.carrier and order.tracking_number  # the premise: it shipped with tracking
    return order


def test_a_shopper_asks_about_an_order_and_staff_watch_it_live(store, shipped_order, browser, fake_openai):
    from supportdesk.demo import DEMO_PASSWORD

    # The model repeats what lookup_order tells it: the order's own carrier and tracking number.
    order = shipped_order
    reply = (
        f"Your order ORD-1002 shipped with {order.carrier}, tracking number {order.tracking_number}. "
        "It should arrive within two business days. Anything else I can help with?"
    )
    triage = {"content": json.dumps({"category": "order_status", "priority": "normal", "confidence": 0.95})}
    fake_openai.script(
        {"content": json.dumps({"category": "greeting", "priority": "low", "confidence": 0.9})},
        {"content": "Hello Alex! How can I help?"},
        triage,
        {"tool_calls": [{"name": "lookup_order", "arguments": {"order_number": "ORD-1002"}}]},
        {"content": reply},
    )
    shopper = browser.new_page(viewport={"width": 375, "height": 740})  # a phone
    frames: list[str] = []
    shopper.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    shopper.goto(f"{store}/demo/?as=alex.morgan@example.com")
    shopper.get_by_role("button", name="Open chat").click()
    message = shopper.get_by_role("textbox", name="Message")
    log = shopper.get_by_role("log")
    # A first message opens the conversation: text streamed before the socket joined it (a
    # quick first answer) is not replayed, only the whole message is, so the question comes second.
    message.fill("Hi")
    message.press("Enter")
    playwright.expect(log).to_contain_text("How can I help?", timeout=30_000)
    frames.clear()
    message.fill("Where is my order ORD-1002?")
    message.press("Enter")
    playwright.expect(log).to_contain_text("within two business days", timeout=30_000)
    playwright.expect(log).to_contain_text(order.tracking_number)
    assert any('"reply.partial"' in frame for frame in frames), "the answer streamed in"

    shopper.reload()
    launcher = shopper.get_by_role("button", name="Open chat")
    shopper.get_by_role("log").or_(launcher).first.wait_for()  # the panel may come back open
    if launcher.is_visible():
        launcher.click()
    history = shopper.get_by_role("log")
    playwright.expect(history).to_contain_text("Where is my order ORD-1002?", timeout=15_000)
    playwright.expect(history).to_contain_text("within two business days")

    ready = [json.loads(f) for f in frames if f.startswith('{"type":"ready"')]
    conversation_id = ready[-1]["conversation_id"]
    staff = browser.new_context().new_page()
    staff.goto(f"{store}/admin/login/?next=/staff/conversations/{conversation_id}/")
    staff.get_by_label("Username").fill("agent")
    staff.get_by_label("Password").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    playwright.expect(staff.locator("#connection")).to_have_text("Live", timeout=15_000)
    playwright.expect(staff.locator("#messages")).to_contain_text("within two business days")

    fake_openai.script(
        {"content": json.dumps({"category": "greeting", "priority": "low", "confidence": 0.9})},
        {"content": "You're welcome! Have a great day."},
    )
    message = shopper.get_by_role("textbox", name="Message")
    message.fill("thanks a lot")
    message.press("Enter")
    playwright.expect(staff.locator("#messages")).to_contain_text("thanks a lot", timeout=15_000)
    playwright.expect(staff.locator("#messages")).to_contain_text("Have a great day", timeout=30_000)
