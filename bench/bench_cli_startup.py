"""Benchmark: how long `alliance-kit --version` and `alliance-kit --help` take, start to end.

Each run is a fresh interpreter doing what the console script does
(``from alliance_kit.cli import main; main()``). Reports the median and the fastest of N runs,
from an empty folder (no local plugins) and from the repository root (its plugins/ folder
holds the example plugin), next to a bare ``python -c pass`` for scale. The issue's target:
under 0.3 s. ``hyperfine`` gives the same picture where it is installed:

    hyperfine -w 3 'alliance-kit --version' 'alliance-kit --help'

    python bench/bench_cli_startup.py --runs 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "from alliance_kit.cli import main; main()"


def timed(args: list[str], cwd: Path, runs: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("ALLIANCE_KIT_PLUGINS_DIR", None)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=cwd, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"{args.runs} runs each; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpu(s)")
    with tempfile.TemporaryDirectory() as empty:
        cases = [("python -c pass", ["-c", "pass"], Path(empty))]
        for where, folder in (("empty folder", Path(empty)), ("repository root", ROOT)):
            cases += [(f"--version ({where})", ["-c", SCRIPT, "--version"], folder),
                      (f"--help ({where})", ["-c", SCRIPT, "--help"], folder)]
        for name, command, folder in cases:
            times = timed(command, folder, args.runs)
            print(f"{name:32} median {statistics.median(times):.3f} s   "
                  f"fastest {min(times):.3f} s")


if __name__ == "__main__":
    main()
