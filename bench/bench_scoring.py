"""Benchmark: score 1,000,000 WAI-SR responses (12 items, 3 subscales, 5% missing answers).

DataFrame in, scores out, through the public API, against a straightforward per-row
Python loop that applies the same rules. Run: ``python bench/bench_scoring.py``.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time

import numpy as np
import pandas as pd

import alliance_kit

SUBSCALES = {
    "task": ["1", "2", "10", "12"],
    "bond": ["3", "5", "7", "9"],
    "goal": ["4", "6", "8", "11"],
}


def make_responses(n: int, missing: float = 0.05, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 6, size=(n, 12)).astype(float)
    values[rng.random((n, 12)) < missing] = np.nan
    return pd.DataFrame(values, columns=[str(i) for i in range(1, 13)])


def score_loop(frame: pd.DataFrame) -> list[dict[str, float]]:
    """The same WAI-SR rules, one row at a time, in plain Python."""
    results = []
    for row in frame.to_dict("records"):
        out = {}
        for name, items in SUBSCALES.items():
            answered = [row[i] for i in items if not math.isnan(row[i])]
            if len(items) - len(answered) > 1:
                out[name] = math.nan
            else:
                out[name] = sum(answered) + (len(items) - len(answered)) * (
                    sum(answered) / len(answered)
                )
        out["total"] = out["task"] + out["bond"] + out["goal"]
        out["mean"] = out["total"] / 12
        results.append(out)
    return results


def timed(function, *args, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    kit = alliance_kit.build_kit()
    instrument = kit.instrument("wai-sr")
    frame = make_responses(args.rows)
    sample = frame.iloc[: args.loop_rows]

    # The loop and the engine must agree before their speeds are compared.
    engine = alliance_kit.score(instrument, sample).scores
    loop = pd.DataFrame(score_loop(sample), index=sample.index)[engine.columns]
    pd.testing.assert_frame_equal(engine, loop, check_exact=False, rtol=1e-12)

    alliance_kit.score(instrument, frame)  # warm up
    engine_times = timed(alliance_kit.score, instrument, frame, repeat=args.repeat)
    loop_times = timed(score_loop, sample, repeat=1)
    engine_rate = args.rows / statistics.median(engine_times)
    loop_rate = args.loop_rows / loop_times[0]
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    print(
        f"engine: {args.rows:,} responses, median {statistics.median(engine_times):.3f} s "
        f"(min {min(engine_times):.3f}, max {max(engine_times):.3f}, {args.repeat} runs) "
        f"= {engine_rate:,.0f} responses/s"
    )
    print(
        f"per-row Python loop: {args.loop_rows:,} responses in {loop_times[0]:.3f} s "
        f"= {loop_rate:,.0f} responses/s"
    )
    print(f"engine / loop: {engine_rate / loop_rate:,.0f}x")


if __name__ == "__main__":
    main()
