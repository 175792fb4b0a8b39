"""Benchmark: scoring real-world PHQ-9 tables (issue 16) at scale.

A million PHQ-9 responses through the public API: a clean table; the same with bad values
in some rows under ``bad_rows="blank"`` (each bad row is described in words); with answers
to item 10 that the skip rule did not ask (a warning per row); and the per-response alert
ids that ``alliance-kit score --alerts`` writes. Run: ``python bench/bench_rows.py``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import pandas as pd

import alliance_kit
from alliance_kit.engine.alerts import alert_ids


def make_phq9(n: int, *, bad: float = 0.0, not_asked: float = 0.0, blank9: float = 0.01,
              seed: int = 2026) -> pd.DataFrame:
    """n PHQ-9 responses: items 0-3, item 10 when the total is above 0; ``bad`` of the rows
    get a 7 in item 1, ``not_asked`` an item 10 at a total of 0, ``blank9`` item 9 blank."""
    rng = np.random.default_rng(seed)
    values = rng.choice([0, 1, 2, 3], p=[0.5, 0.3, 0.15, 0.05], size=(n, 9)).astype(float)
    values[rng.random(n) < blank9, 8] = np.nan
    frame = pd.DataFrame(values, columns=[str(i) for i in range(1, 10)])
    frame["10"] = np.where(values[:, :8].sum(axis=1) > 0, rng.integers(0, 4, n), np.nan)
    zero = rng.random(n) < not_asked
    frame.loc[zero, [str(i) for i in range(1, 10)]] = 0.0
    frame.loc[zero, "10"] = 1.0
    frame.loc[rng.random(n) < bad, "1"] = 7.0
    return frame


def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kit = alliance_kit.build_kit(entry_points=False, local=False)
    phq9 = kit.instrument("phq-9")
    print(f"Python {platform.python_version()}, pandas {pd.__version__}, "
          f"numpy {np.__version__}; {args.n:,} PHQ-9 responses, median of {args.repeat}")
    clean = make_phq9(args.n)
    cases = [
        ("clean table, bad_rows='reject'", lambda: alliance_kit.score(phq9, clean)),
        ("clean table, bad_rows='blank'",
         lambda: alliance_kit.score(phq9, clean, bad_rows="blank")),
    ]
    for share in (0.001, 0.1):
        table = make_phq9(args.n, bad=share)
        cases.append((f"{share:.1%} bad rows, bad_rows='blank'",
                      lambda table=table: alliance_kit.score(phq9, table, bad_rows="blank")))
    skipped = make_phq9(args.n, not_asked=0.01)
    cases.append(("1% answers to item 10 not asked", lambda: alliance_kit.score(phq9, skipped)))
    result = alliance_kit.score(phq9, clean)
    cases.append(("alert ids per response (--alerts)", lambda: alert_ids(phq9, result)))
    for label, function in cases:
        seconds = timed(function, args.repeat)
        print(f"{label:<40} {seconds:7.3f} s  {args.n / seconds / 1e6:6.2f} M rows/s")
    blank = alliance_kit.score(phq9, make_phq9(args.n, bad=0.1), bad_rows="blank")
    print(f"check: {int(blank.bad_rows.sum()):,} bad rows blank, "
          f"{int(blank.scores['total'].notna().sum()):,} scored; "
          f"{int((alert_ids(phq9, result) != '').sum()):,} responses with alerts")


if __name__ == "__main__":
    main()
