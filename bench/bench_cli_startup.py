"""Benchmark: how long `alliance-kit --version` and `alliance-kit --help` take, start to end.

Each run is a fresh interpreter doing what the console script does
(``from alliance_kit.cli import main; main()``). Reports the median and the fastest wall time
of N runs, and the median CPU time (user + system, which other work on a shared machine
does not inflate), from an empty folder (no local plugins) and from the repository root (its
plugins/ folder holds the example plugin), next to a bare ``python -c pass`` for scale. The
issue's target: under 0.3 s. ``hyperfine`` gives the same picture where it is installed:

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


def timed(args: list[str], cwd: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("ALLIANCE_KIT_PLUGINS_DIR", None)
    walls, cpus = [], []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {args}")
    return walls, cpus


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
            walls, cpus = timed(command, folder, args.runs)
            print(f"{name:32} wall: median {statistics.median(walls):.3f} s, fastest "
                  f"{min(walls):.3f} s   cpu: median {statistics.median(cpus):.3f} s")


if __name__ == "__main__":
    main()
