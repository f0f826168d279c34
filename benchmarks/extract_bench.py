"""How `prodkit extract` grows with the size of a text: generated texts of 1, 10 and 100 MB (issue 21).

    python benchmarks/extract_bench.py                      # 1, 10 and 100 MB
    python benchmarks/extract_bench.py --sizes 1,10 --thesis PATH/TO/THESIS.txt

The generated text is shaped like the sources prodkit reads: paragraphs of
English and Russian sentences with records, norms, ranges, percentages,
written-out numbers, bracketed conversions, footnote marks and footnotes
with citations, and sentences with dates, pages and archival references that
must not become candidates. It is seeded (the same bytes every run) and
cached in benchmarks/out/. Each size is extracted in a fresh process
(`prodkit extract TEXT --out ...`, in-process through the library so the
interpreter's start is not counted), which reports its wall and CPU time,
its peak resident memory and the number of candidates. Linear growth shows as
a constant CPU time per MB (wall time on a shared machine follows its load).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

SENTENCES = [
    "Under a norm of {a} tons, the hewer {name} cut {b} tons of coal in a {w}-hour shift on {d} August 1935.{fn}",
    "The smith {name} forged {b} crankshafts against a norm of {a}, and the weavers tended {c} looms at once.",
    "By {y} about {p} percent of industrial workers were counted as Stakhanovites; output rose by {q}%.{fn}",
    "Забойщик {name} добыл {b} тонн угля при норме {a} тонны, выполнив норму на {p} процентов.",
    "Звено собрало по {b} центнеров сахарной свёклы с гектара, почти в {a} раза больше прежнего.",
    "Demchenko harvested {b} quintals of sugar beets per hectare [~ {lb} pounds per acre].",
    "The brigade produced {a}-{b} tons per shift on average, and {m} tons maximum, after {d} September {y}.",
    "The committee met on {d} October {y} in room {c} (RGASPI f.85, o.29, d.{b}, l.{d}); see p. {c}.",
    "Output was {a} times the norm, while {ww} other workers followed the method.",
]
FOOTNOTE = "{n} Semen Gershberg, *Stakhanov i Stakhanovtsy* (Moscow: Politizdat, 19{yy}), {c}."
NAMES = ["Stakhanov", "Izotov", "Busygin", "Vinogradova", "Стаханов", "Изотов", "Demchenko", "Angelina"]
WORDS = ["two", "three", "five", "twelve", "twenty-two", "five hundred"]
MARKS = "¹²³⁴⁵⁶⁷⁸⁹"


def generate(path: Path, megabytes: float, seed: int = 1935) -> Path:
    """Write a text of ``megabytes`` MB (UTF-8) to ``path``, seeded."""
    rnd = random.Random(seed)
    target = int(megabytes * 2**20)
    size = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        while size < target:
            marks = []
            sentences = []
            for _ in range(rnd.randint(2, 7)):
                fn = ""
                if rnd.random() < 0.25:
                    fn = rnd.choice(MARKS)
                    marks.append(fn)
                b = rnd.randint(10, 999)
                sentences.append(rnd.choice(SENTENCES).format(
                    a=rnd.randint(3, 9), b=b, c=rnd.randint(2, 300), d=rnd.randint(1, 28), w=rnd.choice([4, 6, 8]),
                    p=rnd.randint(5, 95), q=rnd.randint(1, 90), m=b + rnd.randint(1, 200), y=rnd.choice([1935, 1936]),
                    lb=rnd.randint(10, 60) * 1000, name=rnd.choice(NAMES), ww=rnd.choice(WORDS), fn=fn))
            block = " ".join(sentences) + "\n\n"
            for mark in marks:
                block += FOOTNOTE.format(n=mark, yy=rnd.randint(30, 89), c=rnd.randint(1, 400)) + "\n\n"
            fh.write(block)
            size += len(block.encode("utf-8"))
    return path


def measure(text: Path, out: Path) -> dict:
    """Extract ``text`` in a fresh process; return seconds, peak RSS (MB) and the candidates written."""
    child = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        "from prodkit.api import extract\n"
        "start = time.perf_counter()\n"
        "cpu0 = time.process_time()\n"
        f"r = extract([Path({str(text)!r})], Path({str(out)!r}), keep=0)\n"
        "took = time.perf_counter() - start\n"
        "cpu = time.process_time() - cpu0\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'seconds': took, 'cpu_seconds': cpu, 'peak_mb': rss, 'candidates': r.n_candidates}))\n"
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="text sizes in MB, comma-separated")
    parser.add_argument("--thesis", type=Path, default=None, help="also time the whole thesis text at PATH")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    rows = []
    for mb in (float(x) for x in args.sizes.split(",")):
        text = OUT / f"extract_{mb:g}mb.txt"
        if not text.exists():
            start = time.perf_counter()
            generate(text, mb)
            print(f"generated {text} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        m = measure(text, OUT / f"extract_{mb:g}mb_candidates.csv")
        m.update(size_mb=text.stat().st_size / 2**20, name=text.name)
        rows.append(m)
        print(f"{m['size_mb']:8.1f} MB  {m['seconds']:8.1f} s wall  {m['cpu_seconds']:8.1f} s CPU  "
              f"{m['cpu_seconds'] / m['size_mb']:6.2f} CPU-s/MB  "
              f"peak {m['peak_mb']:7.0f} MB  {m['candidates']:>9} candidates", flush=True)
    if args.thesis:
        m = measure(args.thesis, OUT / "thesis_candidates.csv")
        print(f"thesis {args.thesis.name}: {m['seconds']:.2f} s wall, {m['cpu_seconds']:.2f} s CPU, "
              f"{m['candidates']} candidates", flush=True)
    if len(rows) > 1:
        rates = [r["cpu_seconds"] / r["size_mb"] for r in rows]
        print(f"CPU-s per MB from smallest to largest: {', '.join(f'{x:.2f}' for x in rates)} "
              f"(linear growth keeps it constant; wall time on a shared machine varies with its load)")


if __name__ == "__main__":
    main()
