"""The dashboard in headless Chromium at tablet size: log in, read the caseload, open a
client, acknowledge an alert; and hostile text stays inert in a real browser.

Screenshots go to artifacts/dashboard/ (kept by CI as artifacts).
"""

from __future__ import annotations

import re
import time

import pytest
from hostile_strings import PWNED

from e2e_dashboard.clinic import PASSWORD

VIEWPORTS = {"portrait": (820, 1180), "landscape": (1180, 820)}


def log_in(page, url: str, username: str = "ana") -> float:
    """Log in; returns the seconds from pressing 'Log in' to the caseload table drawn."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    started = time.perf_counter()
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Needs attention").wait_for(timeout=30_000)
    page.locator("[data-testid=stDataFrame] canvas").first.wait_for(timeout=30_000)
    return time.perf_counter() - started


def open_button(page):
    """The first "Open" button of the page's own (not a select box's "Open" chevron)."""
    return page.locator("[data-testid=stMain] [data-testid^=stBaseButton-]",
                        has_text="Open").first


def open_first_card(page) -> None:
    open_button(page).click()
    page.get_by_role("heading", name="Open alerts").wait_for(timeout=30_000)
    page.locator(".vega-embed:visible").first.wait_for(timeout=30_000)


@pytest.mark.parametrize("layout", list(VIEWPORTS))
def test_login_caseload_client_acknowledge(browser, server, artifacts, layout):
    width, height = VIEWPORTS[layout]
    page = browser.new_page(viewport={"width": width, "height": height}, has_touch=True)
    seconds = log_in(page, server.url)
    assert seconds < 15
    main = page.locator("[data-testid=stMain]")
    assert main.get_by_text("SAFETY").first.is_visible()  # the safety card, in words
    page.screenshot(path=artifacts / f"{layout}-1-caseload.png")

    open_first_card(page)
    # The most urgent client (the safety alert of C-002, until the first run dealt with it).
    assert re.fullmatch(r"C-\d{3}", page.locator("h1").first.inner_text().strip())
    page.screenshot(path=artifacts / f"{layout}-2-client.png")
    page.locator(".vega-embed:visible").first.screenshot(path=artifacts / f"{layout}-3-chart.png")

    buttons = page.get_by_role("button", name="Acknowledge")
    before = buttons.count()
    buttons.first.click()
    page.get_by_text("Write a note").wait_for(timeout=15_000)
    page.get_by_label("What was done? (required)").first.fill("Safety plan agreed in session")
    page.get_by_role("button", name="Acknowledge").first.click()
    page.get_by_text("Alert acknowledged").wait_for(timeout=15_000)
    assert page.get_by_role("button", name="Acknowledge").count() == before - 1
    page.screenshot(path=artifacts / f"{layout}-4-acknowledged.png")

    page.get_by_role("tab", name="Latest answers").click()
    page.get_by_text("Comments").first.wait_for(timeout=15_000)
    page.screenshot(path=artifacts / f"{layout}-5-answers.png")
    page.close()


def test_hostile_text_stays_inert_in_the_browser(browser, hostile_server, artifacts):
    page = browser.new_page(viewport={"width": 1180, "height": 820})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, hostile_server.url)
    page.screenshot(path=artifacts / "hostile-1-caseload.png")
    open_button(page).click()
    page.get_by_role("heading", name="Open alerts").wait_for(timeout=30_000)
    page.locator(".vega-embed:visible").first.wait_for(timeout=30_000)
    page.screenshot(path=artifacts / "hostile-2-client.png")
    page.get_by_role("tab", name="Latest answers").click()
    time.sleep(1)
    page.screenshot(path=artifacts / "hostile-3-answers.png")
    assert page.evaluate(f"() => window.{PWNED}") is None
    assert not dialogs
    injected = page.evaluate("""() => document.querySelectorAll(
        '[data-testid=stMain] img[src="x"], [data-testid=stMain] svg[onload], '
        + '[data-testid=stMain] iframe, [data-testid=stMain] script').length""")
    assert injected == 0
    # Shown as text: the escaped payload is readable on the page.
    text = page.locator("[data-testid=stMain]").inner_text()
    assert re.search(r"<(img|script|svg)", text)
    page.close()
