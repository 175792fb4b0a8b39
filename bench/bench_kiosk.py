"""Benchmark: kiosk submit → thank-you, in a real browser, over 50 submissions.

Starts ``streamlit run app.py`` against a fresh SQLite database, and for each submission
opens a one-time code in headless Chromium (820x1180, touch), taps the four check-in
sliders, then measures from tapping Submit until the "Thank you" heading is visible.
Needs Debian's chromium and playwright (as the browser tests do).
Run: ``python bench/bench_kiosk.py [--n 50]``.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from e2e.helpers import enter_code, new_code, services_for, settle, tap_slider  # noqa: E402
from e2e.seed import seed  # noqa: E402
from e2e.server import running_app  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="submissions to time (default 50)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        raise SystemExit("Debian's chromium is needed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as folder:
        data = seed(Path(folder) / "bench.db")
        services = services_for(data.url)
        timings: list[float] = []
        with running_app(data.url, Path(folder)) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for index in range(args.n + 1):  # the first is a warm-up, not counted
                context = browser.new_context(viewport={"width": 820, "height": 1180},
                                              has_touch=True)
                page = context.new_page()
                enter_code(page, url, new_code(services, data.other_client_id, None))
                for slider, value in enumerate((7, 8, 9, 6)):
                    tap_slider(page, slider, value)
                submit = page.get_by_role("button", name="Submit")
                submit.scroll_into_view_if_needed()
                settle(page)
                thanks = page.get_by_role("heading", name="Thank you")
                start = time.perf_counter()
                submit.tap()
                thanks.wait_for(timeout=30_000)
                elapsed = time.perf_counter() - start
                if index:
                    timings.append(elapsed)
                context.close()
            browser.close()
        services.store.close()
    ms = [t * 1000 for t in timings]
    print(f"kiosk submit → thank-you, {len(ms)} submissions in headless Chromium "
          f"({platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}):")
    print(f"  median {statistics.median(ms):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
          f"min {min(ms):.0f} ms, max {max(ms):.0f} ms")


if __name__ == "__main__":
    main()
