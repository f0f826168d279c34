"""What a raw row must hold, as polars expressions: the row checks of the input models, without pandera.

The pandera models of :mod:`prodkit.schema` document the raw tables and
wrap these same expressions; :func:`row_problems` evaluates them directly,
so that reading a ledger (``prodkit explain`` above all) does not import
pandera, which costs more than the whole of the reading. A test holds that
both give the same problems on every ledger of the tests.

A rule's expression is True where a row passes; a null result passes too,
as in pandera (``ignore_na``). A required column fails where it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import polars as pl

from .errors import Problem, problem

STATISTICS = [
    "record", "norm", "pct_of_norm", "multiple_of_norm", "average", "maximum", "minimum", "target",
    "total", "count", "share", "growth", "duration", "rate", "conversion",
]
SOURCE_TYPES = [
    "archival", "contemporary_press", "official_speech", "memoir", "later_soviet", "scholarship", "poster",
]
#: Statistics whose values may be negative (a fall is negative growth).
SIGNED_STATISTICS = ["growth"]
#: The part a claim plays in its (event_id, measure, statistic) group, in event_claims.csv.
ROLES = ["chosen", "agreeing", "conflicting", "derived", "unnumbered", "rejected"]

#: A partial ISO 8601 date or an interval of two: 1935, 1935-09, 1935-08-31, 1933/1937.
ISO_PARTIAL = r"^\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?$"


def date_ok(col: pl.Expr) -> pl.Expr:
    """True where a partial ISO date (or interval a/b) names a real day, month or year.

    Examples
    --------
    >>> pl.DataFrame({"date": ["1935-08-31", "1935-02-30", "1937/1933", None]}).select(
    ...     date_ok(pl.col("date")))["date"].to_list()
    [True, False, False, True]
    """
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
    # an interval runs forward: its start, cut to the precision both ends share, is not after its end
    shared = pl.min_horizontal(first.str.len_chars(), second.str.len_chars())
    forward = second.is_null() | (first.str.slice(0, shared) <= second.str.slice(0, shared))
    no_year_zero = ~col.str.contains(r"(?:^|/)0000")
    return col.is_null() | (col.str.contains(ISO_PARTIAL) & one(first) & (second.is_null() | one(second))
                            & forward & no_year_zero)


def date_reason(value: str) -> str:
    """Why a date as written is not a partial ISO date, in a few words.

    >>> date_reason("31.08.1935")
    'day-first or month-first dates are ambiguous'
    """
    import re

    if re.search(r"(?:^|/)0000", value):
        return "there is no year 0"
    parts = value.split("/")
    if len(parts) == 2 and re.fullmatch(r"\d{4}(-\d{2}){0,2}", parts[0]) and re.fullmatch(r"\d{4}(-\d{2}){0,2}", parts[1]):
        n = min(len(parts[0]), len(parts[1]))
        if parts[0][:n] > parts[1][:n]:
            return "the interval ends before it starts: write the earlier date first"
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?(/\d{4}(-\d{2}(-\d{2})?)?)?", value):
        return "no such day or month"
    if re.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}[./]\d{4}", value):
        return "day-first or month-first dates are ambiguous"
    if re.fullmatch(r"\d{4}-\d(-\d{1,2})?|\d{4}-\d{2}-\d", value):
        return "months and days take two digits"
    return "not YYYY, YYYY-MM or YYYY-MM-DD"


@dataclass(frozen=True, eq=False)
class RowRules:
    """The rules of one table: the columns that may not be empty, and named checks (code -> expression)."""

    name: str
    required: tuple[str, ...] = ()
    checks: dict[str, Callable[[], pl.Expr]] = field(default_factory=dict)


def _trust_rank() -> pl.Expr:
    return pl.col("trust_rank").is_null() | pl.col("trust_rank").str.strip_chars().str.contains(r"^[1-9]\d*$")


def _trust_rank_size() -> pl.Expr:
    # a rank is a small whole number; 20 digits would not fit the integer it becomes
    return pl.col("trust_rank").is_null() | ~pl.col("trust_rank").str.strip_chars().str.contains(r"^\d{10,}$")


def _decimal_mark() -> pl.Expr:
    mark = pl.col("decimal_mark").str.strip_chars()
    return mark.is_null() | (mark == "") | mark.is_in([".", ","])


RAW_CLAIMS = RowRules("claims", ("claim_id", "event_id", "measure", "statistic", "source_id", "value"), {
    "statistic-unknown": lambda: pl.col("statistic").is_null() | pl.col("statistic").is_in(STATISTICS),
    "date-invalid": lambda: date_ok(pl.col("date")),
})
RAW_SOURCES = RowRules("sources", ("source_id", "source_type", "trust_rank"), {
    "source-type-unknown": lambda: pl.col("source_type").is_null() | pl.col("source_type").is_in(SOURCE_TYPES),
    "decimal-mark-invalid": _decimal_mark,
    "number-invalid": _trust_rank,
    "number-too-large": _trust_rank_size,
})
SOURCE_YEAR = RowRules("sources.year", (), {
    "date-invalid": lambda: pl.col("year").is_null() | pl.col("year").str.contains(r"^\d{4}$"),
})
NORMALISED_CLAIMS = RowRules("normalised claims", (), {
    "value-range-inverted": lambda: (pl.col("value_low").is_null() | pl.col("value_high").is_null()
                                     | (pl.col("value_low") <= pl.col("value_high"))),
    "value-negative": lambda: (pl.col("statistic").is_in(SIGNED_STATISTICS) | pl.col("value_mid").is_null()
                               | (pl.col("value_mid") >= 0)),
})

#: The field a raw check's problem names (the checks read whole rows).
RAW_CHECK_FIELDS = {"statistic-unknown": "statistic", "date-invalid": "date",
                    "source-type-unknown": "source_type", "number-invalid": "trust_rank",
                    "decimal-mark-invalid": "decimal_mark", "number-too-large": "trust_rank"}


def row_problems(rules: RowRules, frame: pl.DataFrame, *, file_column: str = "source_file",
                 line_column: str = "source_line", column_numbers: dict[str, int] | None = None,
                 field_for_check: dict[str, str] | None = None) -> list[Problem]:
    """Every row of ``frame`` that breaks one of ``rules``, as a located Problem.

    A check whose columns the frame lacks is not run (the reader has already
    reported the missing column).

    Examples
    --------
    >>> rows = pl.DataFrame({"source_id": ["a", None], "source_type": ["memoir", "diary"],
    ...     "trust_rank": ["1", "x"], "decimal_mark": [".", ","], "source_file": "sources.csv",
    ...     "source_line": [2, 3]})
    >>> [(p.line, p.code, p.field) for p in row_problems(RAW_SOURCES, rows, field_for_check=RAW_CHECK_FIELDS)]
    [(3, 'field-empty', 'source_id'), (3, 'source-type-unknown', 'source_type'), (3, 'number-invalid', 'trust_rank')]
    """
    exprs = {("not_nullable", c): pl.col(c).is_not_null() & (~pl.col(c).is_nan() if frame.schema[c].is_float()
                                                            else pl.lit(True))
             for c in rules.required if c in frame.columns}
    for code, rule in rules.checks.items():
        expr = rule()
        if set(expr.meta.root_names()) <= set(frame.columns):
            exprs[(code, None)] = expr
    if not exprs or frame.height == 0:
        return []
    keys = list(exprs)
    passed = frame.select([e.fill_null(True).alias(str(i)) for i, e in enumerate(exprs.values())])
    cases = []
    for i, (check, column) in enumerate(keys):
        failed = passed.select(pl.int_range(pl.len(), dtype=pl.Int64).filter(~pl.col(str(i))))
        cases += [(check, column, n) for n in failed.to_series().to_list()]
    return problems_at(frame, cases, file_column=file_column, line_column=line_column,
                       column_numbers=column_numbers, field_for_check=field_for_check)


def problems_at(frame: pl.DataFrame, cases: list[tuple[str, str | None, int]], *, file_column: str = "source_file",
                line_column: str = "source_line", column_numbers: dict[str, int] | None = None,
                field_for_check: dict[str, str] | None = None) -> list[Problem]:
    """Failure cases (check, column, row position) as Problems located at the row's file and line."""
    cols = column_numbers or {}
    field_for_check = field_for_check or {}
    if not cases:
        return []
    out: list[Problem] = []
    # the failing rows, fetched in one gather (not one lookup per failure)
    rows = frame.select(pl.all().gather(pl.Series([n for _, _, n in cases], dtype=pl.Int64))).iter_rows(named=True)
    for (check, column, _), row in zip(cases, rows):
        if check == "not_nullable":
            code, fld = "field-empty", column
        else:
            code = check
            fld = field_for_check.get(check, column)
        value = row.get(fld)
        details = {}
        if code == "statistic-unknown":
            details["allowed"] = ", ".join(STATISTICS)
        elif code == "source-type-unknown":
            details["allowed"] = ", ".join(SOURCE_TYPES)
        elif code == "date-invalid":
            details["reason"] = date_reason(str(value or ""))
        elif code in ("value-range-inverted", "value-negative"):
            value = row.get("value")
            fld = "value"
        out.append(problem(code, file=row[file_column], line=row[line_column], column=cols.get(fld),
                           field=fld, value="" if value is None else value, **details))
    return out
