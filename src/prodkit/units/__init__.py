"""Units: the registry, the measures table, and the normalising stage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import DimensionMismatch, Problem, UnitError, problem
from ..ledger import read_side_table
from .registry import CANONICAL_LABELS, Units

__all__ = ["Units", "Measure", "read_measures", "normalise_units", "parse_basis", "per_hour_columns",
           "RATIO_STATISTICS"]

#: Statistics that are ratios whatever the measure: canonical unit %.
RATIO_STATISTICS = {"pct_of_norm", "multiple_of_norm", "share", "growth"}


@dataclass(frozen=True)
class Measure:
    name: str
    canonical: str  # a pint expression
    label: str
    description: str


def read_measures(raw_dir: Path | None = None) -> dict[str, Measure]:
    """The shipped measures table, with ``raw_dir/measures.csv`` rows on top."""
    paths = [resources.files("prodkit") / "data" / "measures.csv"]
    if raw_dir is not None and (raw_dir / "measures.csv").exists():
        paths.append(raw_dir / "measures.csv")
    table: dict[str, Measure] = {}
    for path in paths:
        for row in read_side_table(Path(str(path)), required=["measure", "canonical_unit"], optional=["description"]):
            canon = row["canonical_unit"].strip()
            label = CANONICAL_LABELS.get(canon, canon)
            table[row["measure"].strip()] = Measure(row["measure"].strip(), canon, label,
                                                    row["description"] or "")
    return table


_BASIS = re.compile(
    r"^(?:per\s+)?(?:(?:a|one)\s+)?(?:(?P<hours>\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|eleven|twelve)[-\s]hours?[-\s])?(?P<period>shift|hour|day|month|year|season|week)s?$"
)
_HOUR_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}


def parse_basis(text: str | None) -> tuple[str | None, float | None, bool]:
    """Read a basis: (period, shift length in hours, understood).

    >>> parse_basis("per 6-hour shift")
    ('shift', 6.0, True)
    >>> parse_basis("per shift")
    ('shift', None, True)
    >>> parse_basis("per four-hour shift")
    ('shift', 4.0, True)
    >>> parse_basis("at once")
    ('at once', None, True)
    """
    if text is None or not text.strip():
        return None, None, True
    t = re.sub(r"\s+", " ", text.strip().lower())
    if t in ("at once", "simultaneously", "total", "in total", "cumulative"):
        return ("total" if "total" in t or t == "cumulative" else "at once"), None, True
    m = _BASIS.match(t)
    if not m:
        return None, None, False
    hours = m.group("hours")
    if hours is not None:
        hours = float(_HOUR_WORDS.get(hours, None) or hours.replace(",", "."))
    period = m.group("period")
    if period == "hour":
        hours = 1.0
    return period, hours, True


#: Canonical units that count things: a measure counted in them may name what it counts in any plural.
_COUNT_UNITS = {"pair", "loom", "part", "cutter", "page", "person", "machine", "drill", "building", "item",
                "storey", "column_of_print"}


def _counts_things(measure: str | None, statistic: str | None, measures: dict, units: Units) -> bool:
    """May an unknown English plural be read as a count of those things? Where the measure counts, or is unknown."""
    if statistic in RATIO_STATISTICS:
        return False
    if statistic == "count" or measure not in measures:
        return True
    return measures[measure].canonical in _COUNT_UNITS


def per_hour_columns() -> list:
    """``value_per_hour`` and ``shift_hours`` as ``claims.csv`` gives them (polars expressions).

    A figure per shift becomes a figure per hour only where the basis states
    the shift's length ("per 6-hour shift"); a length is never guessed.
    ``shift_hours`` is kept for figures per shift only.

    >>> import polars as pl
    >>> c = pl.DataFrame({"basis_period": ["shift", "shift", "hour", "day"], "shift_hours": [6.0, None, 1.0, None],
    ...                   "value_mid": [102.0, 102.0, 17.0, 5.0]})
    >>> c.select(per_hour_columns()).rows()
    [(17.0, 6.0), (None, None), (17.0, None), (None, None)]
    """
    import polars as pl

    per_hour = (pl.when(pl.col("basis_period") == "hour").then(pl.col("value_mid"))
                .when((pl.col("basis_period") == "shift") & (pl.col("shift_hours") > 0))
                .then(pl.col("value_mid") / pl.col("shift_hours")).alias("value_per_hour"))
    shift = pl.when(pl.col("basis_period") == "shift").then(pl.col("shift_hours")).alias("shift_hours")
    return [per_hour, shift]


def normalise_units(claims, units: Units, measures: dict[str, Measure], *, column_numbers=None):
    """Convert ``value_low/high/mid`` to canonical units, one factor per unit.

    Adds ``unit_canonical``, ``basis_period``, ``shift_hours`` and the
    canonical values; returns the frame and the problems found. A row whose
    unit is unknown, ambiguous or of the wrong dimension keeps null canonical
    values and gets a problem (it is rejected downstream).
    """
    import polars as pl

    cols = column_numbers or {}
    problems: list[Problem] = []

    # canonical target per (measure, statistic): ratios are % whatever the measure
    pairs = claims.select("unit", "measure", "statistic").unique().rows()
    records = []
    for raw_unit, measure, statistic in pairs:
        rec = {"unit": raw_unit, "measure": measure, "statistic": statistic,
               "_factor": None, "_offset": None, "unit_canonical": None, "_unit_basis": None,
               "unit_reading": None, "commodity": None,
               "_error": None, "_error_code": None, "_found": None, "_expected": None}
        if raw_unit is None:
            records.append(rec)
            continue
        try:
            resolved = units.resolve(raw_unit, counts=_counts_things(measure, statistic, measures, units))
        except UnitError as exc:
            rec.update(_error_code=exc.code, _error=exc.hint, _found=exc.reason)
            records.append(rec)
            continue
        if statistic in RATIO_STATISTICS:
            canon, label = "percent", "%"
        elif measure in measures:
            canon, label = measures[measure].canonical, measures[measure].label
        else:
            canon, label = units.canonical_for(resolved.expr)
        try:
            factor, offset, basis = units.convert(resolved, canon)
        except DimensionMismatch as exc:
            rec.update(_error_code="dimension-mismatch", _found=exc.found, _expected=exc.expected)
            records.append(rec)
            continue
        reading = resolved.reading
        scale = reading.scale if reading is not None else 1.0
        rec.update(_factor=factor * scale, _offset=offset * scale, unit_canonical=label, _unit_basis=basis,
                   unit_reading=reading.route if reading is not None else "alias",
                   commodity=reading.commodity if reading is not None else None)
        records.append(rec)

    table = pl.DataFrame(records, schema={
        "unit": pl.String, "measure": pl.String, "statistic": pl.String, "_factor": pl.Float64,
        "_offset": pl.Float64, "unit_canonical": pl.String, "_unit_basis": pl.String,
        "unit_reading": pl.String, "commodity": pl.String, "_error": pl.String, "_error_code": pl.String,
        "_found": pl.String, "_expected": pl.String})
    keys = ["unit", "measure", "statistic"]
    out = claims.hstack(claims.select(keys).join(table, on=keys, how="left", nulls_equal=True,
                                                 maintain_order="left").drop(keys))
    scale = lambda c: (pl.col(c) * pl.col("_factor") + pl.col("_offset")).alias(c)  # noqa: E731
    out = out.with_columns(scale("value_low"), scale("value_high"), scale("value_mid"))

    # the basis column, read once per distinct string
    bases = out.select(pl.col("basis").unique()).to_series().to_list()
    parsed = [parse_basis(b) for b in bases]
    btable = pl.DataFrame({"basis": bases, "basis_period": [p[0] for p in parsed],
                           "shift_hours": [p[1] for p in parsed], "_basis_ok": [p[2] for p in parsed]},
                          schema={"basis": pl.String, "basis_period": pl.String, "shift_hours": pl.Float64,
                                  "_basis_ok": pl.Boolean})
    out = out.hstack(out.select("basis").join(btable, on="basis", how="left", nulls_equal=True,
                                              maintain_order="left").drop("basis"))
    # a unit written as a rate ("tons per shift") supplies the period when basis is silent
    out = out.with_columns(pl.coalesce("basis_period", "_unit_basis").alias("basis_period"))

    bad = out.filter(pl.col("_error_code").is_not_null())
    for row in bad.select("unit", "measure", "statistic", "_error_code", "_error", "_found", "_expected",
                          "source_file", "source_line").iter_rows(named=True):
        code = row["_error_code"]
        kw = dict(file=row["source_file"], line=row["source_line"], column=cols.get("unit"),
                  field="unit", value=row["unit"])
        if code == "dimension-mismatch":
            problems.append(problem(code, found=row["_found"], expected=row["_expected"],
                                    measure=row["measure"], statistic=row["statistic"], **kw))
        elif code in ("unit-ambiguous", "unit-gloss-conflict"):
            problems.append(problem(code, reason=row["_found"], fix=row["_error"], **kw))
        else:
            problems.append(problem("unit-unknown", **kw))
    for basis, file, line in out.filter(~pl.col("_basis_ok")).select("basis", "source_file", "source_line").iter_rows():
        problems.append(problem("basis-unknown", file=file, line=line, column=cols.get("basis"),
                                field="basis", value=basis))
    unknown_measures = out.filter(~pl.col("measure").is_in(list(measures)) & pl.col("measure").is_not_null()
                                  & ~pl.col("statistic").is_in(list(RATIO_STATISTICS)))
    for measure, file, line in unknown_measures.select("measure", "source_file", "source_line").iter_rows():
        problems.append(problem("measure-unknown", file=file, line=line, column=cols.get("measure"),
                                field="measure", value=measure))
    out = out.drop("_factor", "_offset", "_unit_basis", "_error", "_error_code", "_found", "_expected",
                   "_basis_ok")
    return out, problems
