"""A real Streamlit server and headless Chromium for the dashboard's end-to-end tests.

Each server runs app.py on a free port against a private copy of a test clinic (see
clinic.py). Chromium is Debian's (Playwright's own download does not work here). Without
chromium or Playwright the tests are skipped locally; under CI (``CI`` set) they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from e2e_dashboard.clinic import template

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "dashboard"
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """app.py served headless on a free port, against its own copy of a clinic."""

    def __init__(self, clinic, folder: Path):
        source, plugins, self.info = clinic
        database = folder / "clinic.db"
        shutil.copy(source, database)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ, ALLIANCE_KIT_DATABASE_URL=f"sqlite:///{database}",
                   ALLIANCE_KIT_PLUGINS_DIR=str(plugins or folder / "no-plugins"))
        env.pop("ALLIANCE_KIT_DISABLE_PLUGINS", None)
        self.log = (folder / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.port", str(self.port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start: see {folder / 'server.log'}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def browser(chromium_browser):
    return chromium_browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(template(tmp_path_factory), tmp_path_factory.mktemp("server"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    running = Server(template(tmp_path_factory, hostile=True),
                     tmp_path_factory.mktemp("hostile-server"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
