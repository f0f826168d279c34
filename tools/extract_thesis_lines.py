"""Copy the thesis lines that the ledger quotes into tests/data/thesis_lines.tsv.

The tests check every quote in data/raw/claims.csv against this copy, so the
test suite never needs the thesis itself. Run it after editing the ledger:

    python tools/extract_thesis_lines.py PATH/TO/THESIS.txt
"""

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(thesis: str) -> None:
    lines = Path(thesis).read_text(encoding="utf-8").split("\n")
    wanted: set[int] = set()
    with open(ROOT / "data" / "raw" / "claims.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            wanted |= {int(n) for n in re.findall(r"line (\d+)", row["locator"] or "")}
    out = ROOT / "tests" / "data" / "thesis_lines.tsv"
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("# Lines of Young (2020), 'Immortal through Labor', quoted by data/raw/claims.csv.\n")
        fh.write("# line<TAB>text, as in the thesis file (1-based physical lines).\n")
        for n in sorted(wanted):
            fh.write(f"{n}\t{lines[n - 1]}\n")
    print(f"wrote {len(wanted)} lines to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
