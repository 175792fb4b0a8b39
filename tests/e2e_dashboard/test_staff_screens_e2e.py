"""Every staff screen in Chromium at 768×1024 and 1180×820: no serious axe-core violation,
buttons and fields at least 44 px high, not one request to a host other than the app's;
a long comment wraps, an address in a client code is no link, the admin pages speak
Spanish, and the audit log pages on the server with its filters kept.

Figures (axe counts, button and field heights) go to artifacts/dashboard/figures.json.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from pathlib import Path

import pytest
from conftest import missing_for_browser_tests
from hostile_strings import add_legacy_client
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import alliance_kit
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import audit, open_store
from e2e_dashboard.clinic import PASSWORD, build_clinic
from e2e_dashboard.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TABLETS = {"768x1024": (768, 1024), "1180x820": (1180, 820)}
MINIMUM = 44
LONG = ("I want to say more about this week than fits in a line. " * 20)[:1000].strip()
URL_CODE = "see https://evil.invalid now"
#: What staff tap and type into: the app's buttons (Streamlit's own small toolbar and
#: header buttons aside) and its fields.
TARGETS = """() => {
  const kinds = {
    button: '[data-testid^=stBaseButton-]:not([data-testid=stBaseButton-headerNoPadding])'
            + ':not([data-testid=stBaseButton-elementToolbar])',
    field: '[data-testid=stTextInputRootElement], [data-testid=stNumberInputContainer], '
           + '[data-testid=stSelectbox] [data-baseweb=select], '
           + '[data-testid=stMultiSelect] [data-baseweb=select], '
           + '[data-testid=stDateInput] [data-baseweb=input], [data-testid=stTextArea] textarea'};
  const out = [];
  for (const [kind, selector] of Object.entries(kinds)) {
    document.querySelectorAll(selector).forEach((el) => {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) return;
      out.push({kind, height: Math.round(box.height * 10) / 10,
                name: (el.getAttribute('aria-label') || el.innerText || '').trim().slice(0, 40)});
    });
  }
  return out;
}"""


def pick(page, select, name) -> None:
    """Choose an option of a select box. A redraw of the page (new alerts arriving, as the
    banner's check does) closes an open list, as it would under a finger: open it again."""
    option = page.get_by_role("option", name=name)
    for _ in range(3):
        select.click()
        try:
            option.click(timeout=5_000)
            return
        except PlaywrightTimeout:
            settle(page)
    select.click()
    option.click()


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory):
    if not AXE.is_file():
        missing_for_browser_tests("axe-core (npm install axe-core@4)")
    folder = tmp_path_factory.mktemp("staff-clinic")
    kit = alliance_kit.build_kit(plugins_dir=folder / "none", entry_points=False)
    info = build_clinic(f"sqlite:///{folder / 'clinic.db'}", kit, passwords=("ana", "adam"))
    store = open_store(f"sqlite:///{folder / 'clinic.db'}")
    services, system = Services(store, kit), Actor.system("e2e")
    client = info["clients"]["C-001"]
    services.submit_response(Actor.kiosk(client, "ana"), client_id=client,
                             instrument_id="session-checkin",
                             answers={"bond": 9, "goals": 9, "approach": 9, "overall": 9,
                                      "comment": LONG}, idempotency_key="long-comment")
    add_legacy_client(services, system, URL_CODE, therapist_ids=[info["users"]["ana"]])
    # Weeks of Ana opening her caseload: the log of one person spans pages too.
    store.write(lambda session: [audit.append(session, actor="ana", action="view",
                                              entity="caseload", details={"clients": 6})
                                 for _ in range(150)])
    store.close()
    running = Server((folder / "clinic.db", None, info), tmp_path_factory.mktemp("staff"))
    yield running
    running.stop()


def settle(page, quiet: float = 0.4) -> None:
    check = ("() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
             "!document.querySelector('[data-stale=\"true\"]')")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page.wait_for_function(check, timeout=30_000)
        time.sleep(quiet)
        if page.evaluate(check):
            return


class Visit:
    """One tablet's walk through the staff screens, recording what it finds."""

    def __init__(self, page, size: str, artifacts: Path, base: str):
        self.page, self.size, self.artifacts = page, size, artifacts
        self.host = urllib.parse.urlsplit(base).netloc
        self.elsewhere: list[str] = []
        page.on("request", self._request)

    def _request(self, request) -> None:
        parts = urllib.parse.urlsplit(request.url)
        if parts.scheme not in ("data", "blob") and parts.netloc != self.host:
            self.elsewhere.append(request.url)

    def go(self, link: str) -> None:
        toggle = self.page.get_by_test_id("stExpandSidebarButton")
        if toggle.count() and toggle.is_visible():
            toggle.click()
        self.page.get_by_role("link", name=link, exact=True).click()

    def check(self, name: str) -> None:
        page = self.page
        settle(page)
        page.screenshot(path=str(self.artifacts / f"staff-{self.size}-{name}.png"))
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("async () => (await axe.run(document, {resultTypes: "
                              "['violations']})).violations.map(v => [v.id, v.impact, "
                              "v.nodes.length])")
        targets = page.evaluate(TARGETS)
        path = self.artifacts / "figures.json"
        figures = json.loads(path.read_text("utf-8")) if path.is_file() else {}
        figures[f"{self.size} {name}"] = {
            "axe": found, "serious": sum(v[1] in ("serious", "critical") for v in found),
            "lowest": min((t["height"] for t in targets), default=None),
            "targets": len(targets)}
        path.write_text(json.dumps(figures, indent=1, sort_keys=True), "utf-8")
        serious = [v for v in found if v[1] in ("serious", "critical")]
        assert serious == [], f"{name} at {self.size}: {serious}"
        low = [t for t in targets if t["height"] < MINIMUM]
        assert low == [], f"{name} at {self.size}: under {MINIMUM} px: {low}"


def log_in(page, base: str, username: str) -> None:
    page.goto(base)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("size", list(TABLETS))
def test_therapist_screens(browser, staff_server, artifacts, size):
    width, height = TABLETS[size]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
    page = context.new_page()
    visit = Visit(page, size, artifacts, staff_server.url)
    page.goto(staff_server.url)
    page.get_by_role("button", name="Log in").wait_for()
    visit.check("login")
    log_in(page, staff_server.url, "ana")
    page.get_by_role("heading", name="Needs attention").wait_for(timeout=30_000)
    visit.check("caseload")

    page.locator("[data-testid=stMain] [data-testid^=stBaseButton-]",
                 has_text="Open").first.click()
    page.get_by_role("heading", name="Open alerts").wait_for(timeout=30_000)
    visit.check("client")
    visit.go("Client")
    page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="C-001").click()
    page.get_by_role("heading", name="C-001").wait_for()
    settle(page)
    page.get_by_role("tab", name="Latest answers").click()
    settle(page)
    start = LONG[:40]
    comment = page.get_by_text(start).filter(visible=True).first
    comment.wait_for()
    # Wrapped onto several lines, the whole of it one tap away: no single cut-off line.
    assert comment.bounding_box()["height"] > 3 * 20
    page.get_by_text(re.compile(r"The whole comment \(\d+ characters\)")).first.click()
    page.get_by_text(LONG[-40:]).filter(visible=True).first.wait_for()
    comment.scroll_into_view_if_needed()
    visit.check("client-comment")

    visit.go("Client")
    pick(page, page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first,
         re.compile("evil"))
    page.get_by_role("heading", name=re.compile("evil")).wait_for()
    settle(page)
    links = page.locator("[data-testid=stMain] a[href*='evil']")
    assert links.count() == 0, "an address in a client code became a link"
    assert page.locator("[data-testid=stMain] h1 a").count() == 0

    visit.go("Exports and reports")
    page.get_by_role("heading", name="Exports and reports").wait_for()
    visit.check("exports")
    assert visit.elsewhere == [], f"requests left the app's server: {visit.elsewhere}"
    context.close()


@pytest.mark.parametrize("size", list(TABLETS))
def test_admin_screens_in_english_and_spanish(browser, staff_server, artifacts, size):
    width, height = TABLETS[size]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
    page = context.new_page()
    visit = Visit(page, size, artifacts, staff_server.url)
    log_in(page, staff_server.url, "adam")
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    for link, name in (("Users and roles", "admin"), ("Alert settings", "alerts"),
                       ("Notifications", "notifications"), ("Kiosk settings", "kiosk"),
                       ("Audit log", "audit")):
        visit.go(link)
        page.get_by_role("heading", name=link, exact=True).wait_for()
        visit.check(name)

    # The log a page at a time, filters kept while paging.
    caption = page.get_by_text(re.compile(r"^Entries \d+–\d+ of \d+"))
    total = int(re.search(r"of (\d+)", caption.inner_text()).group(1))
    assert total > 200, "the test clinic's log should span pages"
    page.get_by_role("button", name="Older").click()
    # (each look at the log is logged, so the unfiltered total grows as we page)
    page.get_by_text(re.compile(r"^Entries 201–\d+ of \d+")).wait_for()
    page.get_by_label("Actor contains").fill("ana")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text(re.compile(r"^Entries 1–\d+ of \d+.*page 1 of")).wait_for()
    filtered = int(re.search(r"of (\d+)", page.get_by_text(
        re.compile(r"^Entries")).inner_text()).group(1))
    assert 200 < filtered < total
    page.get_by_role("button", name="Older").click()
    page.get_by_text(re.compile(rf"^Entries 201–\d+ of {filtered}")).wait_for()
    assert page.get_by_label("Actor contains").input_value() == "ana"
    visit.check("audit-page-2")

    # Spanish: the language choice in the sidebar, then the admin pages in Spanish.
    toggle = page.get_by_test_id("stExpandSidebarButton")
    if toggle.count() and toggle.is_visible():
        toggle.click()
    chooser = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
    chooser.scroll_into_view_if_needed()
    time.sleep(0.5)  # the sidebar slides in
    chooser.click()
    page.get_by_role("option", name="Español").click()
    page.get_by_role("link", name="Registro de auditoría").wait_for()
    for link in ("Usuarios y roles", "Notificaciones", "Ajustes del quiosco",
                 "Registro de auditoría"):
        visit.go(link)
        page.get_by_role("heading", name=link, exact=True).wait_for()
    visit.check("audit-es")
    main = page.get_by_test_id("stMain").inner_text()
    for english in ("Actor contains", "Filter", "Check the hash chain", "Entries ",
                    "Choose options"):
        assert english not in main, f"{english!r} is still English on the Spanish page"
    assert visit.elsewhere == [], f"requests left the app's server: {visit.elsewhere}"
    context.close()
