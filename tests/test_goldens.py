"""Issue 16: reconciled.csv and norms_vs_records.csv of the bundled ledger, line for line against goldens.

The goldens (tests/data/golden/tables/) were read line by line before they
were committed; a change to either table must be deliberate: regenerate with
PRODKIT_REGEN_GOLDENS=1 (see tests/test_figures.py) and read the diff.
"""

from __future__ import annotations

import pytest

from conftest import DATA


@pytest.mark.parametrize("name", ["reconciled", "norms_vs_records"])
def test_bundled_table_matches_its_golden_line_by_line(bundled, name):
    now = (bundled["_dir"] / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    golden = (DATA / "golden" / "tables" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    assert now[0] == golden[0], "the columns changed"
    changed = [(i + 1, g, n) for i, (g, n) in enumerate(zip(golden, now)) if g != n]
    assert not changed, f"{name}.csv line {changed[0][0]}:\n golden: {changed[0][1]}\n now:    {changed[0][2]}"
    assert len(now) == len(golden)
