"""pandera (polars) models for the raw ledger, the normalised claims and every output.

Each data-level check is named by the problem code it reports, so a failure
case becomes a :class:`~prodkit.errors.Problem` with no guessing. Validation
runs on collected frames with ``lazy=True``: every failure in one pass.

The column descriptions here are the single source for the codebook and the
Frictionless data package (``outputs/datapackage.py``), so they cannot drift
from what the validator checks.
"""

from __future__ import annotations

from typing import Optional

import polars as pl
import pandera.polars as pa

from .errors import Problem, problem

STATISTICS = [
    "record", "norm", "pct_of_norm", "multiple_of_norm", "average", "maximum", "minimum", "target",
    "total", "count", "share", "growth", "duration", "rate", "conversion",
]
SOURCE_TYPES = [
    "archival", "contemporary_press", "official_speech", "memoir", "later_soviet", "scholarship", "poster",
]
STATUSES = ["single", "agree", "conflict", "adjudicated"]
SEVERITIES = ["error", "warning"]
QUALIFIERS = ["exact", "range", "approximate", "more-than", "at-least", "less-than", "almost", "vague"]
#: Statistics whose values may be negative (a fall is negative growth).
SIGNED_STATISTICS = ["growth"]

_ISO_PARTIAL = r"^\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?$"


def _text(description: str, *, nullable: bool = True, title: str | None = None, **kw):
    return pa.Field(nullable=nullable, description=description, title=title, **kw)


def _date_ok(col: pl.Expr) -> pl.Expr:
    """True where a partial ISO date (or interval a/b) names a real day, month or year."""
    def one(part: pl.Expr) -> pl.Expr:
        full = part.str.len_chars() == 10
        month = part.str.len_chars() == 7
        year = part.str.len_chars() == 4
        return (
            (full & part.str.to_date("%Y-%m-%d", strict=False).is_not_null())
            | (month & (part + "-01").str.to_date("%Y-%m-%d", strict=False).is_not_null())
            | (year & part.str.contains(r"^\d{4}$"))
        )
    first = col.str.split("/").list.get(0, null_on_oob=True)
    second = col.str.split("/").list.get(1, null_on_oob=True)
    return col.is_null() | (col.str.contains(_ISO_PARTIAL) & one(first) & (second.is_null() | one(second)))


class RawClaims(pa.DataFrameModel):
    """claims.csv as typed: every column text, checked before any parsing."""

    claim_id: str = _text("Unique id of the claim within the ledger, e.g. c001.", nullable=False)
    event_id: str = _text("The fact the claim is about; claims of one event share it (the historian's grouping).", nullable=False)
    subject: Optional[str] = _text("Who or what: a worker, brigade, enterprise or population.")
    sector: Optional[str] = _text("Branch of the economy (coal, textiles, agriculture, ...).")
    measure: str = _text("What is measured (coal_hewn, parts_made, beet_yield, ...); sets the canonical unit.", nullable=False)
    statistic: str = _text("Kind of number: " + ", ".join(STATISTICS) + ".", nullable=False)
    value: str = _text("The figure exactly as written: '102', '14-15', '~46 000', '4 ½ thousand'.", nullable=False)
    unit: str = _text("The unit exactly as written: 'tons', 'quintals per hectare', '% of the norm'.", nullable=False)
    basis: Optional[str] = _text("Time basis: 'per shift', 'per 6-hour shift', 'per hour', 'per day', 'per season', 'at once', 'total'.")
    date: Optional[str] = _text("Date of the fact, ISO 8601, partial allowed: 1935, 1935-09, 1935-08-31.")
    place: Optional[str] = _text("Mine, factory, farm, city or region.")
    source_id: str = _text("The cited work (a source_id of sources.csv); the thesis is only the carrier.", nullable=False)
    locator: Optional[str] = _text("Where in the carrier: 'fn 5, line 48'; several joined by ' | '.")
    quote: Optional[str] = _text("Short verbatim evidence (at most 25 words) containing the figure.")
    note: Optional[str] = _text("Anything a reader needs: contradictions, doubts, which of several works.")
    norm_ref: Optional[str] = _text("For a record whose norm is recorded in another event: that event_id.")
    converted_from: Optional[str] = _text("For a carrier's own conversion: the claim_id it converts.")

    class Config:
        strict = False
        coerce = False

    @pa.dataframe_check(name="statistic-unknown")
    def _statistic(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("statistic").is_null() | pl.col("statistic").is_in(STATISTICS))

    @pa.dataframe_check(name="date-invalid")
    def _date(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(_date_ok(pl.col("date")))


class RawSources(pa.DataFrameModel):
    """sources.csv as typed."""

    source_id: str = _text("Unique id of a cited work, e.g. siegelbaum-1988, rgaspi-85-29-633, pravda-1935-09-02.", nullable=False)
    citation: Optional[str] = _text("Full citation as the carrier gives it.")
    source_type: str = _text("One of: " + ", ".join(SOURCE_TYPES) + ".", nullable=False)
    year: Optional[str] = _text("Year of publication (of the document, for archival files).")
    trust_rank: str = _text("1 = trusted most; ties allowed; editable.", nullable=False)
    trust_note: Optional[str] = _text("One line: why this rank.")
    derived_from: Optional[str] = _text("The source_id this source retells, if it does; a retelling is not independent evidence.")

    class Config:
        strict = False

    @pa.dataframe_check(name="source-type-unknown")
    def _type(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("source_type").is_null() | pl.col("source_type").is_in(SOURCE_TYPES))

    @pa.dataframe_check(name="number-invalid")
    def _rank(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("trust_rank").is_null() | pl.col("trust_rank").str.strip_chars().str.contains(r"^[1-9]\d*$"))


class YearCheck(pa.DataFrameModel):
    year: Optional[str] = pa.Field(nullable=True)

    class Config:
        strict = False

    @pa.dataframe_check(name="date-invalid")
    def _year(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("year").is_null() | pl.col("year").str.contains(r"^\d{4}$"))


class NormalisedClaims(pa.DataFrameModel):
    """Claims after values are parsed and units converted (the rows that are used)."""

    value_low: Optional[float] = pa.Field(nullable=True, description="Low end of the figure in unit_canonical; empty for an open lower end or a vague figure.")
    value_high: Optional[float] = pa.Field(nullable=True, description="High end of the figure in unit_canonical; empty for an open upper end ('over 30') or a vague figure.")
    value_mid: Optional[float] = pa.Field(nullable=True, description="The figure used for charts and strategies: the midpoint of a range, the stated bound of an open one.")
    unit_canonical: Optional[str] = pa.Field(nullable=True, description="Canonical unit: t, ha, q/ha, km/h, mm/min, %, rouble, or the counted item (pair, loom, part, ...).")
    qualifier: Optional[str] = pa.Field(nullable=True, description="How the figure is bounded: " + ", ".join(QUALIFIERS) + ".")
    flags: Optional[str] = pa.Field(nullable=True, description="';'-separated kebab-case flags: approximate, range, vague, implausible, norm-ratio-mismatch, conversion-mismatch, ...")

    class Config:
        strict = False

    @pa.dataframe_check(name="value-range-inverted")
    def _order(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("value_low").is_null() | pl.col("value_high").is_null() | (pl.col("value_low") <= pl.col("value_high")))

    @pa.dataframe_check(name="value-negative")
    def _sign(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("statistic").is_in(SIGNED_STATISTICS) | pl.col("value_mid").is_null() | (pl.col("value_mid") >= 0))


def problems_from(model: type[pa.DataFrameModel], frame: pl.DataFrame, *, file_column: str = "source_file",
                  line_column: str = "source_line", column_numbers: dict[str, int] | None = None,
                  field_for_check: dict[str, str] | None = None) -> list[Problem]:
    """Validate ``frame`` against ``model`` (lazily) and turn failures into Problems.

    pandera reports row positions; ``source_file``/``source_line`` turn them
    into the file and physical line the user typed.
    """
    cols = column_numbers or {}
    field_for_check = field_for_check or {}
    try:
        model.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    except pa.errors.SchemaError as exc:  # pragma: no cover - lazy=True collects
        raise RuntimeError(str(exc)) from None
    out: list[Problem] = []
    for case in cases.iter_rows(named=True):
        index = case["index"]
        if index is None:
            continue
        row = frame.row(index, named=True)
        check = case["check"] or ""
        column = case["column"]
        if check == "not_nullable":
            code, field = "field-empty", column
        else:
            code = check
            field = field_for_check.get(check, column)
        value = row.get(field)
        details = {}
        if code == "statistic-unknown":
            details["allowed"] = ", ".join(STATISTICS)
        elif code == "source-type-unknown":
            details["allowed"] = ", ".join(SOURCE_TYPES)
        elif code == "date-invalid":
            details["reason"] = "no such date" if value and len(str(value)) in (7, 10) else "not YYYY, YYYY-MM or YYYY-MM-DD"
        elif code in ("value-range-inverted", "value-negative"):
            value = row.get("value")
            field = "value"
        out.append(problem(code, file=row[file_column], line=row[line_column], column=cols.get(field),
                           field=field, value="" if value is None else value, **details))
    return out


RAW_CHECK_FIELDS = {"statistic-unknown": "statistic", "date-invalid": "date",
                    "source-type-unknown": "source_type", "number-invalid": "trust_rank"}
