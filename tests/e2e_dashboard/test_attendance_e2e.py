"""Attendance in headless Chromium at tablet size: book from the caseload's quick actions,
see it on the client page's timeline, and no serious axe findings in the new sections.

Screenshots go to artifacts/dashboard/.
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, missing_for_browser_tests

from e2e_dashboard.test_dashboard_e2e import VIEWPORTS, log_in, open_first_card

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_in(page, selector: str) -> list[tuple[str, str, int]]:
    """Serious and critical axe findings inside the elements ``selector`` matches."""
    if not AXE.is_file():
        missing_for_browser_tests("axe-core (npm install axe-core@4)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async (selector) => (await axe.run({include: [[selector]]}, "
        "{resultTypes: ['violations']})).violations.map(v => [v.id, v.impact, v.nodes.length])",
        selector)
    return [tuple(v) for v in found if v[1] in ("serious", "critical")]


@pytest.mark.parametrize("layout", list(VIEWPORTS))
def test_book_from_the_caseload_and_see_it_on_the_client_page(browser, server, artifacts,
                                                              layout):
    width, height = VIEWPORTS[layout]
    page = browser.new_page(viewport={"width": width, "height": height}, has_touch=True)
    log_in(page, server.url)
    main = page.locator("[data-testid=stMain]")
    main.get_by_role("heading", name="Attendance").scroll_into_view_if_needed()
    quick = page.locator(".st-key-dashboard-attendance-quick")
    quick.wait_for(timeout=30_000)
    assert axe_in(page, ".st-key-dashboard-attendance-quick") == []
    quick.get_by_role("spinbutton", name="hour, Time (optional)").click()
    page.keyboard.type("1015")  # hour, then minutes, as a person types on the tablet
    quick.get_by_role("button", name="Book").click()
    flash = page.locator("[data-testid=stAlertContentSuccess]")
    flash.wait_for(timeout=30_000)
    # The server serves both layouts: the second one finds it booked already.
    assert re.search(r"Wed|Thu|Fri|Sat|Sun|Mon|Tue", flash.inner_text())
    assert "10:15 booked." in flash.inner_text() or "10:15 was already booked" in \
        flash.inner_text()
    page.screenshot(path=artifacts / f"{layout}-attendance-caseload.png")

    open_first_card(page)
    facts = page.locator(".st-key-dashboard-client-attendance-facts")
    facts.scroll_into_view_if_needed()
    assert "Next appointment" in facts.inner_text()
    assert axe_in(page, ".st-key-dashboard-client-attendance-facts") == []
    chart = page.locator(".vega-embed:visible").first
    chart.wait_for(timeout=30_000)
    page.screenshot(path=artifacts / f"{layout}-attendance-client.png")
    page.close()
