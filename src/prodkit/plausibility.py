"""Physical plausibility: bounds per measure and basis, shipped and editable.

``prodkit/data/plausibility.csv`` holds the bounds; a ``plausibility.csv`` in
the raw folder replaces rows with the same (measure, statistic, basis) and
adds new ones. A claim outside its bound keeps its value and gets the flag
``implausible``, with the bound and its justification in the message.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import polars as pl

from .errors import Problem, problem
from .flags import add_flag_at
from .ledger import read_side_table

BOUND_COLUMNS = ["measure", "statistic", "basis", "low", "high", "unit", "justification", "source"]


def read_bounds(raw_dir: Path | None) -> pl.DataFrame:
    rows: dict[tuple, dict] = {}
    paths = [resources.files("prodkit") / "data" / "plausibility.csv"]
    if raw_dir is not None and (Path(raw_dir) / "plausibility.csv").exists():
        paths.append(Path(raw_dir) / "plausibility.csv")
    for path in paths:
        for row in read_side_table(Path(str(path)), required=["measure", "low", "high", "unit"],
                                   optional=["statistic", "basis", "justification", "source"], numeric=["low", "high"]):
            key = (row["measure"], row["statistic"] or "", row["basis"] or "")
            rows[key] = row
    return pl.DataFrame(
        [{"measure": m, "_b_stat": s or None, "_b_basis": b or None, "_b_low": float(r["low"]),
          "_b_high": float(r["high"]), "_b_unit": r["unit"], "_b_why": r["justification"] or "", "_b_source": r["source"] or ""}
         for (m, s, b), r in sorted(rows.items())],
        schema={"measure": pl.String, "_b_stat": pl.String, "_b_basis": pl.String, "_b_low": pl.Float64,
                "_b_high": pl.Float64, "_b_unit": pl.String, "_b_why": pl.String, "_b_source": pl.String})


def check_claims(claims: pl.DataFrame, raw_dir: Path | None) -> tuple[pl.DataFrame, list[Problem]]:
    """Flag claims outside the bound for their measure, statistic and basis."""
    bounds = read_bounds(raw_dir)
    numbered = claims.with_row_index("_row").select(
        "_row", "claim_id", "measure", "statistic", "basis_period", "value", "value_mid", "unit_canonical", "basis",
        "source_file", "source_line").filter(pl.col("value_mid").is_not_null())
    # a bound applies in its own unit only: measure and unit are the join's keys
    j = numbered.join(bounds.with_row_index("_b_row"), left_on=["measure", "unit_canonical"],
                      right_on=["measure", "_b_unit"], how="inner").filter(
        (pl.col("_b_stat").is_null() | (pl.col("_b_stat") == pl.col("statistic")))
        & (pl.col("_b_basis").is_null() | (pl.col("_b_basis") == pl.col("basis_period"))))
    bad = j.filter((pl.col("value_mid") < pl.col("_b_low")) | (pl.col("value_mid") > pl.col("_b_high")))
    # a claim outside two bounds is reported once, against the first bound in the table's order
    bad = bad.sort("source_line", "_b_row").unique(subset=["claim_id"], keep="first", maintain_order=True)
    problems = [
        problem("implausible", file=r["source_file"], line=r["source_line"], field="value", value=f"{r['value_mid']:g}",
                unit=r["unit_canonical"], measure=r["measure"],
                basis=(r["basis"] or (f"per {r['basis_period']}" if r["basis_period"] else "")).strip(),
                low=f"{r['_b_low']:g}", high=f"{r['_b_high']:g}", why=f"{r['_b_why']} [{r['_b_source']}]")
        for r in bad.iter_rows(named=True)]
    return add_flag_at(claims, bad["_row"], "implausible"), problems
