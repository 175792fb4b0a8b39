"""Browser tests: the app served by ``streamlit run`` on a free port, driven by Chromium.

Debian's ``chromium`` and ``playwright`` (Python) drive it; ``axe-core`` comes from the npm
registry into ``node_modules/`` (``.ci/run`` installs all three). Without them the tests
are skipped locally; under CI (``CI`` set) they fail instead, so CI never skips them.
Screenshots go to ``artifacts/kiosk/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import missing_for_browser_tests

from .seed import Seeded, seed
from .server import ROOT, running_app

ARTIFACTS = ROOT / "artifacts" / "kiosk"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"portrait": {"width": 820, "height": 1180},
             "landscape": {"width": 1180, "height": 820}}
@pytest.fixture(scope="session")
def axe_path() -> Path:
    if not AXE.is_file():
        missing_for_browser_tests("axe-core (npm install axe-core@4)")
    return AXE


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> tuple[Seeded, Path]:
    folder = tmp_path_factory.mktemp("kiosk-e2e")
    return seed(folder / "kiosk.db"), folder


@pytest.fixture(scope="session")
def server(seeded) -> str:
    data, folder = seeded
    # The dashboard checks for new alerts every 3 s here (30 s in a clinic).
    with running_app(data.url, folder, env={"ALLIANCE_KIT_ALERT_REFRESH": "3"}) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium_browser):
    return chromium_browser


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
