"""Units: the registry, the measures table, and the normalising stage."""

from __future__ import annotations

import math
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
    checks = {"canonical_unit": _canonical_check(raw_dir)}
    for path in paths:
        for row in read_side_table(Path(str(path)), required=["measure", "canonical_unit"],
                                   optional=["description", "kind", "direction", "anchor_date"],
                                   checks=checks if path != paths[0] else None):
            canon = row["canonical_unit"].strip()
            label = CANONICAL_LABELS.get(canon, canon)
            table[row["measure"].strip()] = Measure(row["measure"].strip(), canon, label,
                                                    row["description"] or "")
    return table


def _canonical_check(raw_dir: Path | None):
    """A measure's canonical unit must be one pint reads (with the ledger's units.txt), finite and positive."""
    registry: list = []  # built on the first value checked, once

    def check(text: str):
        if not registry:
            registry.append(Units(raw_dir / "units.txt" if raw_dir is not None else None))
        units = registry[0]
        try:
            amount = units.ureg.Quantity(1.0, units.ureg.parse_units(text)).to_base_units().magnitude
        except Exception as exc:  # noqa: BLE001 - pint's words for what it cannot read
            return (f"it is not a unit pint can read ({exc})",
                    "Write a pint unit expression, e.g. 't', 'q / ha', 'km / hour', 'percent', or a counted item "
                    "defined in units.txt.")
        if not math.isfinite(amount) or amount <= 0:
            return (f"it comes to {amount} of pint's base units",
                    "Write a unit of a finite, positive size, e.g. 't'.")
        return None
    return check


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
    >>> parse_basis("за смену"), parse_basis("pro Schicht"), parse_basis("в сутки")
    (('shift', None, True), ('shift', None, True), ('day', None, True))
    """
    if text is None or not text.strip():
        return None, None, True
    t = re.sub(r"\s+", " ", text.strip().lower())
    if t in ("at once", "simultaneously", "total", "in total", "cumulative"):
        return ("total" if "total" in t or t == "cumulative" else "at once"), None, True
    m = _BASIS.match(t)
    if not m:
        return _basis_in_words(t)
    hours = m.group("hours")
    if hours is not None:
        hours = float(_HOUR_WORDS.get(hours, None) or hours.replace(",", "."))
    period = m.group("period")
    if period == "hour":
        hours = 1.0
    return period, hours, True


_PERIODS = {"shift", "hour", "day", "month", "year", "season", "week"}


def _basis_in_words(text: str) -> tuple[str | None, float | None, bool]:
    """A basis in the words of the unit grammar: "за смену", "в смену", "pro Schicht", "par jour", "ежедневно"."""
    from .reading import Lexicon, read_unit

    try:
        reading = read_unit(text, _lexicon())
    except UnitError:
        return None, None, False
    m = re.fullmatch(r"1 / \((\w+)\)", reading.expr) if reading.ratio == "per" else None
    period = m.group(1) if m else None
    if period not in _PERIODS:
        return None, None, False
    return period, (1.0 if period == "hour" else None), True


def _lexicon():
    from .reading import Lexicon

    return Lexicon.shipped()


#: Canonical units that count things: a measure counted in them may name what it counts in any plural.
_COUNT_UNITS = {"pair", "loom", "part", "cutter", "page", "person", "machine", "drill", "building", "item",
                "storey", "column_of_print"}


def _counts_things(measure: str | None, statistic: str | None, measures: dict, units: Units) -> bool:
    """May an unknown English plural be read as a count of those things?

    Only where the measure is not in the measures table: "12 assistants" then
    count assistants. A listed measure has its own unit, and an unknown noun
    for it ("вёдер", buckets, for looms) is refused, never read as its items.
    """
    if statistic in RATIO_STATISTICS - {"growth"}:
        return False
    if measure in measures:
        # a measure that counts its own items (looms, parts) reads no other noun as them: "вёдер" (buckets) or
        # "cartloads" are units of their own, never looms; only generic pieces ("штук") are (see _convert)
        return False
    return True


#: The unit a figure carries itself, as pint reads it.
_VALUE_UNITS = {"percent": "percent", "times": "times", "hour": "hour"}


def _unit_record(raw_unit: str | None, value_unit: str | None, measure: str | None, statistic: str | None,
                 units: Units, measures: dict) -> dict:
    """How one distinct (unit, measure, statistic, unit the figure carries) converts: factor, scale, label, reading.

    The figure's own unit ("13-fold", "2023%", "5 hr 45 min") and the unit
    column must agree: a percentage is not a multiple, and hours are a time.
    Where the column names only the norm ("норм", "of the norm"), the
    figure's own unit says whether it is a percentage or a multiple.
    """
    rec = {"unit": raw_unit, "measure": measure, "statistic": statistic, "_value_unit": value_unit,
           "_factor": None, "_scale": 1.0, "_offset": None, "unit_canonical": None, "_unit_basis": None,
           "unit_reading": None, "commodity": None,
           "_error": None, "_error_code": None, "_found": None, "_expected": None}
    try:
        resolved = _resolve_with_value_unit(raw_unit, value_unit, units,
                                            _counts_things(measure, statistic, measures, units))
    except UnitError as exc:
        rec.update(_error_code=exc.code, _error=exc.hint, _found=exc.reason)
        return rec
    if resolved is None:  # no unit anywhere
        rec.update(_error_code="field-empty")
        return rec
    dimensionless = resolved.unit.dimensionality == units.ureg.parse_units("percent").dimensionality
    hour = units.ureg.parse_units("hour")
    if statistic in RATIO_STATISTICS and (statistic != "growth" or dimensionless):
        canon, label = "percent", "%"  # growth "by 3 million tons" stays in tons, "+80%" is a ratio
    elif statistic == "duration" and resolved.unit.dimensionality == hour.dimensionality and not (
            measure in measures and units.ureg.parse_units(measures[measure].canonical).dimensionality
            == hour.dimensionality):
        canon, label = "hour", "h"  # a duration is a time whatever the measure it times
    elif measure in measures:
        canon, label = measures[measure].canonical, measures[measure].label
    else:
        canon, label = units.canonical_for(resolved.expr)
    try:
        factor, offset, basis = _convert(units, resolved, canon)
    except DimensionMismatch as exc:
        rec.update(_error_code="dimension-mismatch", _found=exc.found, _expected=exc.expected)
        return rec
    reading = resolved.reading
    rec.update(_factor=factor, _scale=reading.scale if reading is not None else 1.0, _offset=offset,
               unit_canonical=label, _unit_basis=basis,
               unit_reading=reading.route if reading is not None else "alias",
               commodity=reading.commodity if reading is not None else None)
    return rec


def _convert(units: Units, resolved, canon: str):
    """:meth:`Units.convert`, trying the other units a word may name ("станок": machine, or loom), and
    reading generic pieces ("штук", "items") as the items the measure counts."""
    from .registry import Resolved

    try:
        return units.convert(resolved, canon)
    except DimensionMismatch as exc:
        failure = exc
    reading = resolved.reading
    others = list(reading.alternatives) if reading is not None else []
    if resolved.expr == "item" and canon in _COUNT_UNITS:
        others.append(canon)
    for other in others:
        try:
            return units.convert(Resolved(resolved.raw, other, units.ureg.parse_units(other), reading), canon)
        except DimensionMismatch:
            continue
    raise failure


def _resolve_with_value_unit(raw_unit: str | None, value_unit: str | None, units: Units, counts: bool):
    """The unit column read, made to agree with the unit the figure carries (None when neither names one)."""
    from dataclasses import replace

    from .reading import Reading
    from .registry import Resolved

    if raw_unit is None or not raw_unit.strip():
        if value_unit is None:
            return None
        expr = _VALUE_UNITS[value_unit]
        return Resolved(raw=value_unit, expr=expr, unit=units.ureg.parse_units(expr),
                        reading=Reading(expr, "value", note=f"the figure itself is a {value_unit} figure"))
    resolved = units.resolve(raw_unit, counts=counts)
    reading = resolved.reading
    if reading is not None and reading.ratio == "per":  # "per year", "ежегодно": what is counted is in the figure
        if value_unit is None or value_unit == "hour":
            raise UnitError(raw_unit, reason="it names only a period; the figure or the unit must say what is counted")
        expr = f"({_VALUE_UNITS[value_unit]}) * ({reading.expr})"
        return Resolved(raw=raw_unit, expr=expr, unit=units.ureg.parse_units(expr), reading=replace(reading, expr=expr))
    if value_unit is None:
        return resolved
    if value_unit == "hour":
        if resolved.unit.dimensionality != units.ureg.parse_units("hour").dimensionality:
            raise UnitError(raw_unit, code="value-unit-conflict",
                            reason=f"the figure is a duration in hours and minutes, but the unit is '{raw_unit}'",
                            hint="Write the duration in the value and a unit of time (or none) in the unit.")
        return Resolved(raw=raw_unit, expr="hour", unit=units.ureg.parse_units("hour"),
                        reading=replace(reading, expr="hour", scale=1.0, note="a duration read in hours"))
    kind = reading.ratio_kind if reading is not None else None
    if kind == "norm":  # "норм", "of the norm": the figure says whether it is a percentage or a multiple
        expr = _VALUE_UNITS[value_unit]
        return Resolved(raw=raw_unit, expr=expr, unit=units.ureg.parse_units(expr), reading=replace(reading, expr=expr))
    if kind != value_unit:
        shown = {"percent": "a percentage", "times": "a multiple"}
        raise UnitError(raw_unit, code="value-unit-conflict",
                        reason=f"the figure is {shown[value_unit]} but the unit '{raw_unit}' is "
                               + (shown.get(kind) or f"not a ratio ({resolved.expr})"),
                        hint="Keep the source's words in one place: the figure's own unit or the unit column.")
    return resolved


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
    has_value_unit = "_value_unit" in claims.columns
    value_unit = pl.col("_value_unit") if has_value_unit else pl.lit(None, dtype=pl.String).alias("_value_unit")
    pairs = claims.select("unit", "measure", "statistic", value_unit).unique().rows()
    records = [_unit_record(raw, vunit, measure, statistic, units, measures) for raw, measure, statistic, vunit in pairs]
    table = pl.DataFrame(records, schema={
        "unit": pl.String, "measure": pl.String, "statistic": pl.String, "_value_unit": pl.String,
        "_factor": pl.Float64, "_scale": pl.Float64, "_offset": pl.Float64, "unit_canonical": pl.String,
        "_unit_basis": pl.String, "unit_reading": pl.String, "commodity": pl.String, "_error": pl.String,
        "_error_code": pl.String, "_found": pl.String, "_expected": pl.String})
    keys = ["unit", "measure", "statistic", "_value_unit"]
    out = claims if has_value_unit else claims.with_columns(value_unit)
    out = out.hstack(out.select(keys).join(table, on=keys, how="left", nulls_equal=True,
                                           maintain_order="left").drop(keys))
    # a scale word in the unit scales the value; a compound's unscaled last group only ("1 млн. 433,5" +
    # "тысячи тонн" is 1,433,500)
    tail = pl.col("_value_tail") if "_value_tail" in out.columns else pl.lit(None, dtype=pl.Float64)

    def canonical(c: str) -> pl.Expr:
        scaled = (pl.when(tail.is_not_null() & (pl.col("_scale") != 1))
                  .then(pl.col(c) - tail + tail * pl.col("_scale")).otherwise(pl.col(c) * pl.col("_scale")))
        return (scaled * pl.col("_factor") + pl.col("_offset")).alias(c)

    out = out.with_columns(canonical("value_low"), canonical("value_high"), canonical("value_mid"))

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
        elif code in ("unit-ambiguous", "unit-gloss-conflict", "value-unit-conflict", "unit-bracket-unread"):
            problems.append(problem(code, reason=row["_found"], fix=row["_error"], **kw))
        elif code == "field-empty":
            problems.append(problem(code, **kw))
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
    out = out.drop("_factor", "_scale", "_offset", "_unit_basis", "_error", "_error_code", "_found", "_expected",
                   "_basis_ok", "_value_unit", *[c for c in ("_value_tail",) if c in out.columns])
    return out, problems
