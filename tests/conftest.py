"""Shared fixtures: a small valid definition to mutate, and helpers to load and score.

The minimal definition ("mini") has three items a, b, c on a 0-3 options scale and one sum
score ``total`` (range 0-9) with three bands (0-3 low, 4-6 mid, 7-9 high) and a cut-off
``case`` (>= 5). Every check test starts from it and changes one thing.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

import alliance_kit
from alliance_kit.kit import try_load_definition
from alliance_kit.problems import Problem

ROOT = Path(__file__).resolve().parents[1]

#: The audit key of the tests' databases (docs/deployment.md, "The audit key"): PostgreSQL
#: has no "next to the database" to keep one in, and the app servers the tests start inherit
#: it. Tests of where the key comes from unset it (tests/storage/test_audit_keys.py).
os.environ.setdefault("ALLIANCE_KIT_AUDIT_KEY", "5e" * 32)
INSTRUMENTS = ROOT / "instruments"


def options(values, language: str | None = "en") -> dict[str, Any]:
    """An options scale with the given values (labels only when ``language`` is given)."""
    opts = []
    for value in values:
        option: dict[str, Any] = {"value": value}
        if language:
            option["label"] = {language: f"option {value}"}
        opts.append(option)
    return {"type": "options", "options": opts}


def band(ident: str, low: float, high: float) -> dict[str, Any]:
    return {"id": ident, "min": low, "max": high, "label": {"en": ident}}


def make_minimal() -> dict[str, Any]:
    return {
        "id": "mini",
        "version": "1.0.0",
        "title": {"en": "Mini"},
        "license": {"name": "test only"},
        "citation": "none",
        "wording": "open",
        "languages": ["en"],
        "scales": {"freq": options([0, 1, 2, 3])},
        "items": [
            {"id": "a", "text": {"en": "Item A"}, "scale": "freq"},
            {"id": "b", "text": {"en": "Item B"}, "scale": "freq"},
            {"id": "c", "text": {"en": "Item C"}, "scale": "freq"},
        ],
        "scores": [
            {
                "id": "total",
                "method": "sum",
                "items": ["a", "b", "c"],
                "range": [0, 9],
                "bands": [band("low", 0, 3), band("mid", 4, 6), band("high", 7, 9)],
                "cutoffs": [{"id": "case", "op": ">=", "value": 5}],
            }
        ],
    }


@pytest.fixture
def minimal() -> dict[str, Any]:
    """A fresh small valid definition (see the module docstring) to mutate."""
    return make_minimal()


def find_problems(data: Any, source: str | None = None) -> list[Problem]:
    """The problems of a definition (dict or path); fails if it loads with none."""
    instrument, problems = try_load_definition(copy.deepcopy(data) if isinstance(data, dict)
                                               else data, source=source)
    assert instrument is None, "expected the definition to be rejected"
    assert problems, "a rejected definition must say why"
    return problems


def at(problems: list[Problem], path: str) -> list[Problem]:
    """The problems located at exactly ``path``."""
    return [p for p in problems if p.path == path]


def load(data: dict[str, Any]) -> alliance_kit.Instrument:
    return alliance_kit.load_definition(copy.deepcopy(data))


@pytest.fixture(scope="session")
def kit() -> alliance_kit.Kit:
    """The kit with the built-in plugins only (no entry points, no local plugins folder)."""
    return alliance_kit.build_kit(plugins_dir=ROOT / "tests" / "no-such-folder",
                                  disabled=(), entry_points=False)


@pytest.fixture(scope="session")
def phq9() -> alliance_kit.Instrument:
    return alliance_kit.load_definition(INSTRUMENTS / "phq-9.json")


@pytest.fixture(scope="session")
def wai() -> alliance_kit.Instrument:
    return alliance_kit.load_definition(INSTRUMENTS / "wai-sr.json")


@pytest.fixture
def no_plugin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No plugin settings leak in from the environment."""
    monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("ALLIANCE_KIT_PLUGINS_DIR", raising=False)


# ---- the one browser of the end-to-end tests ---------------------------------------------

#: Debian's Chromium under Playwright, as in ../shared/RECIPES.md.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def missing_for_browser_tests(what: str) -> None:
    """Skip locally when a browser-test prerequisite is missing; fail under CI."""
    import os

    message = f"the browser tests need {what} (see .ci/run)"
    if os.environ.get("CI"):
        pytest.fail(message + ": it must be installed in CI", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium for every end-to-end test folder: Playwright's sync API allows
    a single running instance per process."""
    import shutil

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        missing_for_browser_tests("Debian's chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_for_browser_tests("playwright (pip install playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def row_counts(store) -> dict[str, int]:
    """Rows per table: tests compare them before and after to show nothing was written."""
    from sqlalchemy import inspect, text

    with store.engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names}
