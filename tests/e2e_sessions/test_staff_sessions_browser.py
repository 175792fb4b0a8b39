"""Staff sessions in headless Chromium at tablet sizes: Log out works for every role on a
clinic without single sign-on (issue 18, item 1), an unattended staff screen logs out by
itself, taking the client data off the screen (issue 15, item 12), and so does the open
screen of an account an admin disables (issue 15, item 1).
"""

from __future__ import annotations

import time

import pytest
from e2e.helpers import settle
from e2e_dashboard.clinic import PASSWORD
from sqlalchemy import select

from alliance_kit.store import open_store
from alliance_kit.store.models import AuditEntry

from .conftest import USERS

VIEWPORTS = {"768x1024": (768, 1024), "1180x820": (1180, 820)}
TIMEOUT = 30_000
CRASH = "This app has encountered an error"


def log_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Logged in as").wait_for(state="attached", timeout=TIMEOUT)
    settle(page)


def sidebar_open(page) -> None:
    """Open the sidebar if the tablet's width collapsed it (the button is then in the page
    but off screen), as a person would with the ">>" control."""
    for selector in ("[data-testid=stExpandSidebarButton]",
                     "[data-testid=stSidebarCollapsedControl] button"):
        control = page.locator(selector)
        if control.count() and control.first.is_visible():
            control.first.click()
            break
    page.get_by_role("button", name="Log out").wait_for(timeout=TIMEOUT)
    page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('button')].find("
        "e => e.innerText.includes('Log out')); if (!b) return false; "
        "const r = b.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; }",
        timeout=TIMEOUT)


def ended(database, username: str) -> list[str]:
    store = open_store(f"sqlite:///{database}")
    try:
        with store.read() as session:
            return list(session.scalars(select(AuditEntry.action).where(
                AuditEntry.actor == username,
                AuditEntry.action.in_(["logout", "timeout", "session-ended"]))
                .order_by(AuditEntry.seq)))
    finally:
        store.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("role", list(USERS))
def test_log_out_works_for_every_role(browser, server, artifacts, role, size):
    url, database = server
    username = USERS[role]
    width, height = VIEWPORTS[size]
    page = browser.new_page(viewport={"width": width, "height": height}, has_touch=True)
    before = ended(database, username)
    log_in(page, url, username)
    sidebar_open(page)
    page.screenshot(path=artifacts / f"{role}-{size}-1-logged-in.png")
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You have logged out.").wait_for(timeout=TIMEOUT)
    settle(page)
    page.screenshot(path=artifacts / f"{role}-{size}-2-logged-out.png")
    body = page.locator("body").inner_text()
    assert CRASH not in body
    assert "Logged in as" not in body
    assert page.get_by_role("button", name="Log in").is_visible()
    assert ended(database, username) == [*before, "logout"]
    # Back, or a reload, does not bring the staff pages back.
    page.goto(f"{url}/caseload")
    page.get_by_role("button", name="Log in").wait_for(timeout=TIMEOUT)
    assert "Needs attention" not in page.locator("body").inner_text()
    page.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_an_unattended_caseload_logs_out_by_itself(browser, idle_server, artifacts, size):
    url, database = idle_server
    width, height = VIEWPORTS[size]
    page = browser.new_page(viewport={"width": width, "height": height}, has_touch=True)
    log_in(page, url, "ana")
    page.get_by_role("heading", name="Needs attention").wait_for(timeout=TIMEOUT)
    assert "C-001" in page.locator("body").inner_text()
    page.screenshot(path=artifacts / f"idle-{size}-1-caseload.png")
    started = time.monotonic()
    # Nobody touches the screen: within the idle time and one check, it logs out.
    page.get_by_text("without activity").wait_for(timeout=2 * TIMEOUT)
    waited = time.monotonic() - started
    settle(page)
    page.screenshot(path=artifacts / f"idle-{size}-2-logged-out.png")
    body = page.locator("body").inner_text()
    assert "C-001" not in body and "Needs attention" not in body
    # 9 s idle and a check every ~2 s; slack for a loaded machine, far below a click's wait.
    assert waited < 9 + 30, f"the idle screen logged out after {waited:.1f} s"
    assert ended(database, "ana")[-1] == "timeout"
    page.close()


def test_an_open_screen_of_a_disabled_account_logs_out_without_a_click(browser, server,
                                                                       artifacts):
    from alliance_kit.clinic import accounts
    from alliance_kit.clinic.access import Actor

    url, database = server
    page = browser.new_page(viewport={"width": 1180, "height": 820}, has_touch=True)
    log_in(page, url, "ben")
    page.get_by_role("heading", name="Needs attention").wait_for(timeout=TIMEOUT)
    assert "C-007" in page.locator("body").inner_text()
    store = open_store(f"sqlite:///{database}")
    accounts.set_active(store, Actor.system("e2e-admin"), "ben", False)
    store.close()
    started = time.monotonic()
    page.get_by_text("this account has been disabled").wait_for(timeout=2 * TIMEOUT)
    waited = time.monotonic() - started
    settle(page)
    page.screenshot(path=artifacts / "disabled-1180x820-logged-out.png")
    assert "C-007" not in page.locator("body").inner_text()
    # A check every 15 s; slack for a loaded machine.
    assert waited < 15 + 30, f"the disabled account's screen stayed {waited:.1f} s"
    assert ended(database, "ben") == ["session-ended"]
    page.close()
