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


#: The columns of the two side tables: (required, optional, numeric).
SIDE_TABLES = {
    "plausibility.csv": (["measure", "low", "high", "unit"], ["statistic", "basis", "justification", "source"],
                         ["low", "high"]),
    "measures.csv": (["measure", "canonical_unit"], ["description", "kind", "direction", "anchor_date"], []),
}


def _shipped_then_raw(name: str, raw_dir: Path | None):
    """The rows of prodkit's ``data/<name>``, then those of the raw folder's ``<name>`` (which win), as dicts.

    Each file is read by the ledger's rules (:func:`~prodkit.ledger.read_side_table`): used whole, or
    refused with every problem located.
    """
    required, optional, numeric = SIDE_TABLES[name]
    paths = [resources.files("prodkit") / "data" / name]
    if raw_dir is not None and (Path(raw_dir) / name).exists():
        paths.append(Path(raw_dir) / name)
    for path in paths:
        for row in read_side_table(Path(str(path)), required=required, optional=optional, numeric=numeric):
            yield {**row, "_from_raw": path is not paths[0]}


def read_bounds(raw_dir: Path | None) -> pl.DataFrame:
    """The bounds, prodkit's then the raw folder's (which win): a row that could never apply is an error.

    A bound applies in its measure's canonical unit, to a known statistic,
    on a basis prodkit reads (``shift``, ``per 6-hour shift`` is ``shift``),
    with its low not above its high; a row that breaks one of these would be
    ignored in silence, so the table is refused with each such row located.
    """
    from .errors import InputError
    from .rules import STATISTICS
    from .units import parse_basis, read_measures

    rows: dict[tuple, dict] = {}
    problems: list[Problem] = []
    measures = None
    for row in _shipped_then_raw("plausibility.csv", raw_dir):
        basis = (row.get("basis") or "").strip()
        period, _, understood = parse_basis(basis) if basis else (None, None, True)
        if row["_from_raw"]:  # prodkit's own rows are held to these rules by its tests
            measures = measures if measures is not None else read_measures(raw_dir)
            problems += _bound_problems(row, measures, understood, STATISTICS)
        rows[(row["measure"], row.get("statistic") or "", period or basis)] = {**row, "basis": period or basis}
    if problems:
        raise InputError(f"{problems[0].file} cannot be used: {len(problems)} problem(s)", problems=problems)
    return pl.DataFrame(
        [{"measure": m, "_b_stat": s or None, "_b_basis": b or None, "_b_low": float(r["low"]),
          "_b_high": float(r["high"]), "_b_unit": r["unit"], "_b_why": r["justification"] or "",
          "_b_source": r["source"] or ""}
         for (m, s, b), r in sorted(rows.items())],
        schema={"measure": pl.String, "_b_stat": pl.String, "_b_basis": pl.String, "_b_low": pl.Float64,
                "_b_high": pl.Float64, "_b_unit": pl.String, "_b_why": pl.String, "_b_source": pl.String})


def _bound_problems(row: dict, measures: dict, basis_understood: bool, statistics: list[str]) -> list[Problem]:
    """Why a bound of the ledger's plausibility.csv could never apply, one problem per reason."""
    def refused(field: str, reason: str, fix: str) -> Problem:
        return problem("table-value-invalid", file=row["source_file"], line=row["source_line"], field=field,
                       value=row.get(field) or "", reason=reason, fix=fix)

    out = []
    measure = measures.get((row["measure"] or "").strip())
    if measure is None:
        out.append(refused("measure", "no measure of that name is in measures.csv",
                           "Use a measure of the ledger (see `prodkit units`), or add it to measures.csv."))
    elif (row["unit"] or "").strip() != measure.label:
        out.append(refused("unit", f"a bound applies in its measure's canonical unit, which for {measure.name} "
                                   f"is '{measure.label}'", f"Write the bound in '{measure.label}'."))
    statistic = (row.get("statistic") or "").strip()
    if statistic and statistic not in statistics:
        out.append(refused("statistic", "it is not a statistic prodkit knows",
                           "Write one of: " + ", ".join(statistics) + "; or leave it empty for all."))
    if not basis_understood:
        out.append(refused("basis", "it is not a basis prodkit reads",
                           "Write a period such as 'shift', 'per 6-hour shift', 'day', 'season' or 'at once'; "
                           "or leave it empty for every basis."))
    if float(row["low"]) > float(row["high"]):
        out.append(refused("low", f"the low end is above the high end ({row['high']})",
                           "Write the bound low to high."))
    return out


def check_claims(claims: pl.DataFrame, raw_dir: Path | None) -> tuple[pl.DataFrame, list[Problem]]:
    """Flag claims outside the bound for their measure, statistic and basis.

    A bound for one basis ("per shift") applies to claims on that basis. A
    claim whose basis is not given is held to the loosest bound of its
    measure and statistic (the lowest low, the highest high, whatever the
    basis), and its flag says so: ``implausible`` with ``loosest-bound``.
    """
    bounds = read_bounds(raw_dir)
    numbered = claims.with_row_index("_row").select(
        "_row", "claim_id", "measure", "statistic", "basis_period", "value", "value_mid", "unit_canonical", "basis",
        "source_file", "source_line").filter(pl.col("value_mid").is_not_null())
    # a bound applies in its own unit only: measure and unit are the join's keys
    j = numbered.join(bounds.with_row_index("_b_row"), left_on=["measure", "unit_canonical"],
                      right_on=["measure", "_b_unit"], how="inner").filter(
        (pl.col("_b_stat").is_null() | (pl.col("_b_stat") == pl.col("statistic")))
        & (pl.col("_b_basis").is_null() | (pl.col("_b_basis") == pl.col("basis_period"))
           | pl.col("basis_period").is_null()))
    unknown = pl.col("basis_period").is_null() & pl.col("_b_basis").is_not_null()
    # a claim with no basis: the loosest of its measure's bounds (kept on the first bound's row)
    j = j.with_columns(pl.when(unknown).then(-pl.col("_b_high")).otherwise(pl.col("_b_row")).alias("_pick"))
    j = j.with_columns(pl.when(unknown).then(pl.col("_b_low").min().over("_row")).otherwise(pl.col("_b_low"))
                       .alias("_b_low"),
                       pl.when(unknown).then(pl.col("_b_high").max().over("_row")).otherwise(pl.col("_b_high"))
                       .alias("_b_high"), unknown.any().over("_row").alias("_loosest"))
    bad = j.filter((pl.col("value_mid") < pl.col("_b_low")) | (pl.col("value_mid") > pl.col("_b_high")))
    # a claim outside two bounds is reported once, against the first bound in the table's order
    # (with no basis, against the loosest bound)
    bad = bad.sort("source_line", "_pick").unique(subset=["claim_id"], keep="first", maintain_order=True)
    problems = [
        problem("implausible", file=r["source_file"], line=r["source_line"], field="value", value=f"{r['value_mid']:g}",
                unit=r["unit_canonical"], measure=r["measure"],
                basis=(r["basis"] or (f"per {r['basis_period']}" if r["basis_period"] else
                                      "(basis not given: the loosest bound of any basis)")).strip(),
                low=f"{r['_b_low']:g}", high=f"{r['_b_high']:g}", why=f"{r['_b_why']} [{r['_b_source']}]")
        for r in bad.iter_rows(named=True)]
    claims = add_flag_at(claims, bad["_row"], "implausible")
    return add_flag_at(claims, bad.filter(pl.col("_loosest"))["_row"], "loosest-bound"), problems


def read_measure_facts(raw_dir: Path | None) -> pl.DataFrame:
    """measure -> kind, direction, anchor_date (from ``data/measures.csv``, a raw ``measures.csv`` on top).

    ``kind`` is output, rate, time_per_piece, specification, clock or
    context; ``direction`` is higher or lower (is better); ``anchor_date``
    the date a "time since" measure counts from. A measure not listed, or
    listed without a kind, is an output where more is better.
    """
    rows: dict[str, dict] = {}
    for row in _shipped_then_raw("measures.csv", raw_dir):
        rows[row["measure"].strip()] = {
            "measure": row["measure"].strip(), "kind": (row.get("kind") or "output").strip(),
            "direction": (row.get("direction") or "").strip() or None,
            "anchor_date": (row.get("anchor_date") or "").strip() or None}
    return pl.DataFrame(list(rows.values()), schema={"measure": pl.String, "kind": pl.String,
                                                     "direction": pl.String, "anchor_date": pl.String})


def clock_durations(claims: pl.DataFrame, facts: pl.DataFrame) -> pl.DataFrame:
    """A clock interval ("from 2 to 9 o'clock") is the duration between its ends, not a range with a midpoint.

    >>> c = pl.DataFrame({"measure": ["shift_clock_hours"], "value_low": [22.0], "value_high": [6.0],
    ...                   "value_mid": [14.0], "flags": ["range"]})
    >>> f = pl.DataFrame({"measure": ["shift_clock_hours"], "kind": ["clock"]})
    >>> clock_durations(c, f).select("value_low", "value_high", "value_mid", "flags").row(0)
    (8.0, 8.0, 8.0, 'clock-duration')
    """
    clock = facts.filter(pl.col("kind") == "clock")["measure"]
    is_clock = (pl.col("measure").is_in(clock.implode()) & pl.col("value_low").is_not_null()
                & pl.col("value_high").is_not_null() & (pl.col("value_low") != pl.col("value_high")))
    hours = (pl.col("value_high") - pl.col("value_low")) % 24
    return claims.with_columns(
        *[pl.when(is_clock).then(hours).otherwise(pl.col(c)).alias(c) for c in ("value_low", "value_high", "value_mid")],
        # no longer a range: its flag gives way to clock-duration
        pl.when(is_clock).then(pl.concat_str([pl.col("flags").str.replace_all(r"(^|;)range(;|$)", "$1"),
                                              pl.lit("clock-duration")], separator=";", ignore_nulls=True)
                               .str.strip_chars(";").str.replace_all(";;", ";"))
        .otherwise(pl.col("flags")).alias("flags"))


#: Days in one unit of a "time since" measure's canonical unit.
_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25, "h": 1 / 24}
#: A stated interval and the dates' interval agree within this relative difference.
INTERVAL_TOLERANCE = 0.15


def _date_bounds(col: str) -> tuple[pl.Expr, pl.Expr]:
    """The first and last day a partial ISO date (1935, 1935-09, 1935-08-31) can mean."""
    d = pl.col(col).str.slice(0, 10)
    first = (pl.when(d.str.len_chars() == 4).then(d + "-01-01").when(d.str.len_chars() == 7).then(d + "-01")
             .otherwise(d).str.to_date("%Y-%m-%d", strict=False))
    last = (pl.when(d.str.len_chars() == 4).then((d + "-12-31").str.to_date("%Y-%m-%d", strict=False))
            .when(d.str.len_chars() == 7).then((d + "-01").str.to_date("%Y-%m-%d", strict=False).dt.month_end())
            .otherwise(d.str.to_date("%Y-%m-%d", strict=False)))
    return first, last


def check_intervals(claims: pl.DataFrame, facts: pl.DataFrame) -> tuple[pl.DataFrame, list[Problem]]:
    """A stated "time since" an anchored event against the claim's own date: the arithmetic must square.

    ``measures.csv`` gives the anchor (Stakhanov's record, 31 August 1935;
    Stalin's speech, May 1935); the claim's date minus the anchor, over every
    day either partial date can mean, is the interval the dates allow. A stated interval outside it, widened by
    INTERVAL_TOLERANCE, is flagged ``date-interval-mismatch`` and kept.
    """
    anchored = facts.filter(pl.col("anchor_date").is_not_null()).select("measure", "anchor_date")
    c = claims.with_row_index("_row").filter(pl.col("value_mid").is_not_null() & pl.col("date").is_not_null()
                                             & (pl.col("statistic") == "duration"))
    j = c.join(anchored, on="measure", how="inner")
    if j.height == 0:
        return claims, []
    first, last = _date_bounds("date")
    a_first, a_last = _date_bounds("anchor_date")  # an anchor may be partial too ("May 1935")
    per = pl.col("unit_canonical").replace_strict(_DAYS, default=None, return_dtype=pl.Float64)
    j = j.with_columns(((first - a_last).dt.total_days() / per).alias("_d_lo"),
                       ((last - a_first).dt.total_days() / per).alias("_d_hi"),
                       pl.coalesce("value_low", pl.lit(0.0)).alias("_s_lo"),
                       pl.coalesce("value_high", pl.lit(float("inf"))).alias("_s_hi"))
    tol = INTERVAL_TOLERANCE
    bad = j.filter(per.is_not_null() & ((pl.col("_s_lo") > pl.col("_d_hi") * (1 + tol) + 1e-9)
                                        | (pl.col("_s_hi") < pl.col("_d_lo") * (1 - tol) - 1e-9)))
    problems = [
        problem("date-interval-mismatch", file=r["source_file"], line=r["source_line"], field="value",
                value=str(r["value"]), measure=r["measure"], anchor=r["anchor_date"], date=r["date"],
                computed=_span(r["_d_lo"], r["_d_hi"], r["unit_canonical"]))
        for r in bad.iter_rows(named=True)]
    return add_flag_at(claims, bad["_row"], "date-interval-mismatch"), problems


def _span(lo: float, hi: float, unit: str) -> str:
    return f"{lo:.3g} {unit}" if abs(hi - lo) < 1e-9 else f"{lo:.3g} to {hi:.3g} {unit}"
