"""Hostile shapes at scale: time and peak memory of `prodkit reconcile` on ledgers built to hurt.

Each case is the bundled ledger bent one way, written to a temporary folder
and run in a fresh process (`prodkit reconcile`, exports on, figures off):

- ``wide``: every claim carries N extra columns (a spreadsheet's stray
  columns, or a historian's own), each kept through claims.csv, claims.dta
  and the data package. Cost must grow linearly in cells.
- ``one-event``: one event told by N records and N norms, each dated, so that
  every record meets every norm and every value every interval of its group
  (N² pairs). Memory must stay bounded: pairs are taken in chunks.

Usage::

    .venv/bin/python benchmarks/hostile.py                 # both cases at two sizes, medians of 3
    .venv/bin/python benchmarks/hostile.py --case wide --sizes 5000 20000 --repeat 1

Prints one line per run and a median per case and size: wall seconds,
CPU seconds (user + system of the child) and peak RSS in MB.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
HEADER = ["claim_id", "event_id", "subject", "sector", "measure", "statistic", "value", "unit", "basis", "date",
          "place", "source_id", "locator", "quote", "note", "norm_ref", "converted_from"]


def _copy_side_tables(raw: Path) -> None:
    raw.mkdir(parents=True)
    for f in RAW.iterdir():
        if f.is_file() and f.name != "claims.csv":
            shutil.copyfile(f, raw / f.name)


def wide(raw: Path, n: int) -> None:
    """The bundled claims with n extra columns."""
    _copy_side_tables(raw)
    with open(RAW / "claims.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    extra = [f"extra_{i}" for i in range(n)]
    cells = [str(i % 10) for i in range(n)]
    with open(raw / "claims.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(rows[0] + extra)
        w.writerows(r + cells for r in rows[1:])


def one_event(raw: Path, n: int) -> None:
    """One event with n dated norms and n dated records (two sources, 700 distinct days)."""
    _copy_side_tables(raw)
    start = datetime.date(1935, 1, 1)
    with open(raw / "claims.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        for i in range(n):
            day = (start + datetime.timedelta(days=i % 700)).isoformat()
            common = ["one-event", "Stakhanov", "coal", "coal_hewn"]
            w.writerow([f"n{i:06d}", *common, "norm", str(6 + i % 3), "tons", "per shift", day, "",
                        "gershberg-1981", "", "", "", "", ""])
            w.writerow([f"r{i:06d}", *common, "record", str(50 + i % 100), "tons", "per shift", day, "",
                        "rgaspi-85-29-633", "", "", "", "", ""])


CASES = {"wide": (wide, [5_000, 20_000]), "one-event": (one_event, [1_000, 3_000])}


def measure(case: str, n: int, workdir: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one `prodkit reconcile` in a fresh process."""
    raw = workdir / "raw"
    shutil.rmtree(workdir, ignore_errors=True)
    CASES[case][0](raw, n)
    prodkit = Path(sys.executable).with_name("prodkit")
    cmd = [str(prodkit), "reconcile", "--raw-dir", str(raw), "--out-dir", str(workdir / "out"),
           "--reports-dir", str(workdir / "rep"), "--no-figures"]
    # a child of its own, so that its peak RSS (ru_maxrss) is this run's alone
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
               "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
               "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024, r.returncode)")
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True,
                         env={**os.environ, "PRODKIT_QUIET": "1"}, check=True)
    wall, cpu, rss, code = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"{case} {n}: prodkit exited {code}")
    return float(wall), float(cpu), float(rss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", choices=sorted(CASES), action="append", help="one case (default: both)")
    ap.add_argument("--sizes", type=int, nargs="+", help="sizes to run (default: the case's two)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="prodkit-hostile-") as tmp:
        for case in args.case or sorted(CASES):
            for n in args.sizes or CASES[case][1]:
                runs = [measure(case, n, Path(tmp) / case) for _ in range(args.repeat)]
                for wall, cpu, rss in runs:
                    print(f"  {case} n={n}: wall {wall:.2f} s, cpu {cpu:.2f} s, peak {rss:.0f} MB")
                med = [statistics.median(x) for x in zip(*runs)]
                print(f"{case} n={n}: median wall {med[0]:.2f} s, cpu {med[1]:.2f} s, peak {med[2]:.0f} MB "
                      f"({args.repeat} runs)")


if __name__ == "__main__":
    main()
