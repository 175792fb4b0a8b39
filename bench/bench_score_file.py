"""Benchmark: `alliance-kit score` on a big file, end to end, against plain pyarrow.

Writes a WAI-SR table (a client code, a session number and 12 items answered 1 to 5, 5% of
answers blank) as CSV into a temporary folder, then times, each in a fresh process:

- the baseline: ``pyarrow.csv.read_csv`` then ``pyarrow.csv.write_csv`` of the same file;
- ``alliance-kit score wai-sr IN.csv -o OUT.csv`` (start-up, plugins and the kit included).

Runs alternate (baseline, ours, baseline, ...) so machine load hits both alike; the ratio is
of the medians. Peak memory is each process's maximum resident set (``wait4``). With
``--big N`` it also scores an N-row file once to show memory stays flat; with ``--parquet``
it times Parquet in and out against ``pyarrow.parquet`` read + write.

    python bench/bench_score_file.py                    # 1M rows, 3 runs each
    python bench/bench_score_file.py --big 10000000     # and one 10M-row run

The issue's targets: 1M rows within 2.5x of the baseline, under 400 MB peak, 10M rows under
the same memory. The temporary folder is removed at the end (``--keep`` to keep it).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ITEMS = [str(i) for i in range(1, 13)]
BASELINE = ("import sys, pyarrow.csv as c; "
            "c.write_csv(c.read_csv(sys.argv[1]), sys.argv[2])")
PARQUET_BASELINE = ("import sys, pyarrow.parquet as q; "
                    "q.write_table(q.read_table(sys.argv[1]), sys.argv[2])")
OURS = "import sys; from alliance_kit.cli import main; sys.argv[0] = 'alliance-kit'; main()"


def write_table(path: Path, rows: int, seed: int = 2026, batch: int = 1_000_000) -> None:
    """The benchmark's input, written a million rows at a time (plain, unquoted CSV)."""
    rng = np.random.default_rng(seed)
    options = pacsv.WriteOptions(quoting_style="none")
    schema = pa.schema([(name, pa.string()) for name in ["client", "session", *ITEMS]])
    with pacsv.CSVWriter(path, schema, write_options=options) as writer:
        for start in range(0, rows, batch):
            n = min(batch, rows - start)
            number = np.arange(start, start + n)
            columns = [pa.array(np.char.add("c", (number % 50_000).astype(str))),
                       pa.array(number % 20 + 1).cast(pa.string())]
            answers = rng.integers(1, 6, size=(n, 12))
            blank = rng.random((n, 12)) < 0.05
            for j in range(12):
                text = pa.array(answers[:, j]).cast(pa.string())
                columns.append(pa.array(np.where(blank[:, j], "", text.to_numpy(
                    zero_copy_only=False)).astype(object), pa.string()))
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))


#: GNU time reports a child's peak memory. Measuring a child of this (large) process itself
#: would not do: Linux carries the parent's peak over into a forked child's.
GNU_TIME = shutil.which("time") or "/usr/bin/time"


def measure(command: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of one run of ``command`` in a new process."""
    start = time.perf_counter()
    done = subprocess.run([GNU_TIME, "-f", "%M", *command], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr}")
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def compare(name: str, baseline: list[str], ours: list[str], repeat: int) -> dict:
    runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "ours": []}
    for _ in range(repeat):
        runs["baseline"].append(measure(baseline))
        runs["ours"].append(measure(ours))
    base_s = statistics.median(s for s, _ in runs["baseline"])
    ours_s = statistics.median(s for s, _ in runs["ours"])
    result = {
        "case": name, "baseline_s": base_s, "ours_s": ours_s, "ratio": ours_s / base_s,
        "baseline_peak_mb": max(m for _, m in runs["baseline"]),
        "ours_peak_mb": max(m for _, m in runs["ours"]),
        "runs": {k: [round(s, 2) for s, _ in v] for k, v in runs.items()},
    }
    print(f"{name}: pyarrow {base_s:.2f} s ({result['baseline_peak_mb']:.0f} MB), "
          f"alliance-kit score {ours_s:.2f} s ({result['ours_peak_mb']:.0f} MB): "
          f"ratio {result['ratio']:.2f}x   runs {result['runs']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big", type=int, default=0, help="also score a file this long once")
    parser.add_argument("--parquet", action="store_true", help="also time Parquet in and out")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="alliance-kit-bench-"))
    python = sys.executable
    print(f"python {platform.python_version()}, pyarrow {pa.__version__}, "
          f"{os.cpu_count()} cpu(s), load {os.getloadavg()[0]:.1f}; files in {folder}")
    try:
        source = folder / "wai.csv"
        write_table(source, args.rows)
        print(f"input: {args.rows:,} rows, {source.stat().st_size / 1e6:.0f} MB of CSV")
        compare(f"{args.rows:,} rows CSV -> CSV",
                [python, "-c", BASELINE, str(source), str(folder / "base.csv")],
                [python, "-c", OURS, "score", "wai-sr", str(source), "-o",
                 str(folder / "ours.csv")], args.repeat)
        if args.parquet:
            import pyarrow.parquet as pq

            parquet = folder / "wai.parquet"
            pq.write_table(pacsv.read_csv(source), parquet)
            compare(f"{args.rows:,} rows Parquet -> Parquet",
                    [python, "-c", PARQUET_BASELINE, str(parquet), str(folder / "b.parquet")],
                    [python, "-c", OURS, "score", "wai-sr", str(parquet), "-o",
                     str(folder / "o.parquet")], args.repeat)
        if args.big:
            big = folder / "big.csv"
            write_table(big, args.big)
            source.unlink()
            print(f"big input: {args.big:,} rows, {big.stat().st_size / 1e6:.0f} MB of CSV")
            seconds, peak = measure([python, "-c", OURS, "score", "wai-sr", str(big), "-o",
                                     str(folder / "big-out.csv")])
            print(f"{args.big:,} rows CSV -> CSV: alliance-kit score {seconds:.1f} s, "
                  f"peak {peak:.0f} MB")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
