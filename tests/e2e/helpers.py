"""Driving the kiosk as a person would: tapping, reading what is on screen, axe scans."""

from __future__ import annotations

import time
from pathlib import Path

import alliance_kit
from alliance_kit.clinic import kiosk
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import open_store

#: Chromium's ms for Streamlit to finish a rerun after a tap, at most.
TIMEOUT = 20_000


def services_for(url: str) -> Services:
    return Services(open_store(url), alliance_kit.build_kit(entry_points=False, local=False))


def new_code(services: Services, client_id: int, session_id: int | None,
             instruments: tuple[str, ...] = ("session-checkin",)) -> str:
    return kiosk.create_code(services, Actor.system("e2e"), client_id, session_id,
                             list(instruments)).code


def settle(page, quiet: float = 0.3) -> None:
    """Wait until Streamlit has finished its rerun: no running status, no faded (stale)
    elements, and it stays that way for ``quiet`` seconds."""
    check = ("() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
             "!document.querySelector('[data-stale=\"true\"]')")
    deadline = time.monotonic() + TIMEOUT / 1000
    while time.monotonic() < deadline:
        page.wait_for_function(check, timeout=TIMEOUT)
        time.sleep(quiet)
        if page.evaluate(check):
            return


def enter_code(page, base_url: str, code: str) -> None:
    page.goto(f"{base_url}/code")
    field = page.get_by_label("Your 8-digit code")
    field.tap()
    field.fill(code)
    page.get_by_role("button", name="Start").tap()
    page.locator(".vas-range").first.wait_for(timeout=TIMEOUT)
    settle(page)


def tap_slider(page, index: int, value: float, low: float = 0, high: float = 10) -> None:
    """Tap the index-th slider's track where ``value`` lies."""
    track = page.locator(".vas-range").nth(index)
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    # Chromium's range maps the thumb's centre over the track less half a thumb each side.
    thumb = 44
    x = thumb / 2 + (box["width"] - thumb) * (value - low) / (high - low)
    track.tap(position={"x": x, "y": box["height"] / 2})
    page.locator(".vas").nth(index).locator(".vas-value").filter(
        has_text=str(int(value))).wait_for(timeout=TIMEOUT)
    settle(page)


def axe(page, axe_path: Path) -> list[tuple[str, str, int, str]]:
    """axe-core's violations on the page: (rule, impact, nodes, help)."""
    page.add_script_tag(path=str(axe_path))
    return [tuple(v) for v in page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => [v.id, v.impact, v.nodes.length, v.help])")]


def serious(violations) -> list:
    return [v for v in violations if v[1] in ("serious", "critical")]


def shot(page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def wait_count(locator, count: int, timeout: float = TIMEOUT / 1000) -> int:
    """Wait until the locator matches ``count`` elements (Streamlit draws in steps)."""
    deadline = time.monotonic() + timeout
    while (found := locator.count()) != count and time.monotonic() < deadline:
        time.sleep(0.1)
    return found
