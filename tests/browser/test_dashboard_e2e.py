"""End to end in a real browser: a shopper asks the widget for a person; the demo agent signs
in to the dashboard, finds the conversation the AI handed off, answers (the shopper reads it in
the widget), leaves a note for the reviewer and resolves it."""

import re

import pytest

from tests.browser.conftest import END_TO_END

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt")

pytestmark = END_TO_END


def test_the_agent_takes_a_handed_off_conversation_answers_notes_and_resolves_it(store, browser, fake_openai):
    from supportdesk.demo import DEMO_PASSWORD

    fake_openai.script(
        {"tool_calls": [{"name": "escalate_to_human", "arguments": {"reason": "The shopper asked for a person."}}]},
        {"content": "I've passed this to our team: a person will reply here."},
    )
    shopper = browser.new_page(viewport={"width": 375, "height": 740})
    shopper.goto(f"{store}/demo/?as=alex.morgan@example.com")
    shopper.get_by_role("button", name="Open chat").click()
    message = shopper.get_by_role("textbox", name="Message")
    log = shopper.get_by_role("log")
    message.fill("I want to talk to a real person about a damaged parcel")
    message.press("Enter")
    playwright.expect(log).to_contain_text("a person will reply", timeout=30_000)

    agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    agent.goto(f"{store}/dashboard/")
    agent.get_by_label("Username").fill("agent")
    agent.get_by_label("Password").fill(DEMO_PASSWORD)
    agent.get_by_role("button", name=re.compile("log in", re.I)).click()
    agent.get_by_role("link", name=re.compile("^All")).click()
    search = agent.get_by_role("searchbox", name="Search")
    search.fill("damaged parcel")  # full text over the messages
    search.press("Enter")
    rows = agent.locator("tbody tr")
    playwright.expect(rows).to_have_count(1)
    playwright.expect(rows).to_contain_text("Alex Morgan")
    rows.get_by_role("link").click()
    playwright.expect(agent.get_by_role("log", name="Timeline")).to_contain_text("handed it to a person")
    if agent.get_by_role("button", name="Take over").count():
        agent.get_by_role("button", name="Take over").click()
    agent.keyboard.press("?")  # the shortcut sheet
    playwright.expect(agent.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    agent.keyboard.press("Escape")
    agent.keyboard.press("r")  # r: reply
    playwright.expect(agent.get_by_label("Reply to the shopper")).to_be_focused()
    agent.keyboard.type("Hi Alex, I'm Sam. Send me a photo of the box and I'll sort it.")
    agent.keyboard.press("Control+Enter")
    playwright.expect(agent.get_by_role("status").filter(has_text="Sent.")).to_be_visible()
    playwright.expect(log).to_contain_text("I'm Sam. Send me a photo", timeout=15_000)  # the shopper reads it

    agent.get_by_label(re.compile("Internal note")).fill("@reviewer a refund may follow for this one")
    agent.get_by_role("button", name="Add note").click()
    playwright.expect(agent.get_by_role("log", name="Timeline")).to_contain_text("a refund may follow")
    agent.get_by_role("button", name="Resolve").click()
    playwright.expect(agent.get_by_role("heading", level=1)).to_contain_text("Resolved")

    playwright.expect(agent.get_by_role("log", name="Timeline")).to_contain_text("resolved it")
    agent.goto(f"{store}/dashboard/?view=resolved&q=damaged+parcel")
    playwright.expect(agent.locator("tbody tr")).to_have_count(1)
    assert "refund may follow" not in log.inner_text()  # a note never reaches the shopper


def test_two_colleagues_see_each_other_on_a_conversation_and_each_others_replies_live(store, browser):
    from supportdesk.demo import DEMO_PASSWORD

    def signed_in(username):
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{store}/dashboard/?view=all&q=ORD-1011")  # Omar's order: his email conversation
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name=re.compile("log in", re.I)).click()
        page.locator("tbody tr").first.get_by_role("link").click()
        playwright.expect(page.get_by_role("log", name="Timeline")).to_be_visible(timeout=15_000)
        return page

    agent = signed_in("agent")
    owner = signed_in("owner")
    playwright.expect(agent.locator("#viewers")).to_contain_text("owner", timeout=15_000)
    playwright.expect(owner.locator("#viewers")).to_contain_text("agent", timeout=15_000)
    owner.get_by_label("Reply to the shopper").type("Replying from the owner's desk.")
    playwright.expect(agent.locator("#typing")).to_contain_text("owner is typing", timeout=15_000)
    owner.get_by_role("button", name="Send reply").click()
    # The agent's page shows the owner's reply without a reload.
    playwright.expect(agent.get_by_role("log", name="Timeline")).to_contain_text("Replying from the owner's desk.",
                                                                                  timeout=15_000)  # fmt: skip
    owner.close()
    playwright.expect(agent.locator("#viewers")).not_to_contain_text("owner", timeout=15_000)
