"""How long the recovery focus takes: matching guidance for many profiles, building one
client's profile from a long history, and drawing the one-page feedback sheet.

    python bench/bench_recovery.py

Not part of the test suite; the figures go in the issue's closing note.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

import alliance_kit
from alliance_kit.clinic import feedback
from alliance_kit.engine.guidance import match
from alliance_kit.engine.motivation import build_profile, derive
from alliance_kit.engine.records import Record


def timed(label: str, work, repeat: int = 3) -> float:
    best = min(_once(work) for _ in range(repeat))
    print(f"{label}: {best * 1000:.1f} ms")
    return best


def _once(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    kit = alliance_kit.build_kit(entry_points=False, local=False)
    rng = np.random.default_rng(14)
    profiles = []
    for _ in range(10_000):
        ruler = {"importance": int(rng.integers(0, 11)), "confidence": int(rng.integers(0, 11))}
        profiles.append({"readiness-ruler": ruler | derive("readiness-ruler", ruler),
                         "audit-c": {"total": 5, "total_positive": bool(rng.random() < 0.5)}})
    packs = list(kit.guidance.values())
    timed("match the built-in pack against 10,000 profiles",
          lambda: [match(packs, p) for p in profiles])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    records = [Record(i, str(i), 1, "C", "readiness-ruler", "1.0.0", i,
                      start + dt.timedelta(days=7 * i), "en",
                      {"importance": int(rng.integers(0, 11)),
                       "confidence": int(rng.integers(0, 11))}) for i in range(200)]
    timed("build one client's profile from 200 ruler responses",
          lambda: build_profile(kit.instruments, records).table())
    limits = feedback.available_limits()[0]["niaaa-us"]
    sheet = [Record(1, "1", 1, "C", "audit-c", "1.0.0", 1, start, "es",
                    {"1": 4, "2": 4, "3": 4}),
             Record(2, "2", 1, "C", "readiness-ruler", "1.0.0", 1, start, "es",
                    {"importance": 7, "confidence": 3})]
    timed("draw the feedback sheet (Spanish, every section)",
          lambda: feedback.render_sheet("AK-1001", feedback.sections(sheet, limits, "es"),
                                        limits, "es"))


if __name__ == "__main__":
    main()
