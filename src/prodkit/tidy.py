"""What makes the finished tables usable as they come: dates as dates, and the event-claims link table.

- :func:`with_date_bounds` puts ``date_low``, ``date_high`` (ISO days) and an
  integer ``year`` beside a date as written (``1935``, ``1935-09``,
  ``1935-08-31``, ``1933/1937``), so that R, Stata and polars filter and plot
  by date without parsing partial dates themselves.
- :func:`event_claims` gives each raw claim of an event its role in the
  event's reconciled row (chosen, agreeing, conflicting, derived,
  unnumbered, rejected): a reconciled row joins its claims in one step.
"""

from __future__ import annotations

import polars as pl

from .rules import ROLES  # noqa: F401  (the roles' names and order, documented by the table's model)


def date_bounds(column: str = "date") -> list[pl.Expr]:
    """``date_low``, ``date_high`` and ``year`` from a partial ISO date (or an interval ``a/b``).

    A date that is not a valid partial ISO date gives nulls (the checks have
    rejected such rows already).

    Examples
    --------
    >>> df = pl.DataFrame({"date": ["1935", "1935-09", "1935-08-31", "1933/1937-06", None]})
    >>> df.select(date_bounds()).rows()  # doctest: +NORMALIZE_WHITESPACE
    [(datetime.date(1935, 1, 1), datetime.date(1935, 12, 31), 1935),
     (datetime.date(1935, 9, 1), datetime.date(1935, 9, 30), 1935),
     (datetime.date(1935, 8, 31), datetime.date(1935, 8, 31), 1935),
     (datetime.date(1933, 1, 1), datetime.date(1937, 6, 30), 1933),
     (None, None, None)]
    """
    parts = pl.col(column).str.split("/")
    first = parts.list.first()
    last = parts.list.last()

    def day(part: pl.Expr, *, end: bool) -> pl.Expr:
        n = part.str.len_chars()
        year_text = part + pl.lit("-12-31" if end else "-01-01")
        month_start = (part + pl.lit("-01")).str.to_date("%Y-%m-%d", strict=False)
        return (pl.when(n == 4).then(year_text.str.to_date("%Y-%m-%d", strict=False))
                .when(n == 7).then(month_start.dt.month_end() if end else month_start)
                .when(n == 10).then(part.str.to_date("%Y-%m-%d", strict=False)))

    low = day(first, end=False)
    return [low.alias("date_low"), day(last, end=True).alias("date_high"),
            low.dt.year().cast(pl.Int64).alias("year")]


def with_date_bounds(frame: pl.DataFrame, column: str = "date") -> pl.DataFrame:
    """``frame`` with ``date_low``, ``date_high`` and ``year`` right after ``column``.

    Examples
    --------
    >>> with_date_bounds(pl.DataFrame({"event_id": ["e"], "date": ["1935-02"], "value": [1.0]})).columns
    ['event_id', 'date', 'date_low', 'date_high', 'year', 'value']
    """
    added = ["date_low", "date_high", "year"]
    base = frame.drop([c for c in added if c in frame.columns])
    # a ledger has few distinct dates: each is read once, and joined to its rows (a null date joins nothing,
    # and its bounds are null, as date_bounds gives them)
    bounds = base.select(pl.col(column).unique()).drop_nulls().with_columns(date_bounds(column))
    out = base.join(bounds, on=column, how="left", maintain_order="left")
    cols = [c for c in frame.columns if c not in added]
    at = cols.index(column) + 1
    return out.select(cols[:at] + added + cols[at:])


def event_claims(claims: pl.DataFrame, reconciled: pl.DataFrame, rejected: pl.DataFrame, *,
                 tolerance: float, ordered: bool = True) -> pl.DataFrame:
    """event_claims.csv: every claim of every event with its role, and every rejected claim row.

    ``claims`` are the used claims as reconciled (with ``_original``, false
    for a retelling or a restatement); ``reconciled`` the reconciled table;
    ``rejected`` the rejected raw rows. A claim's role is the first that
    applies: ``chosen`` (its value is reported), ``derived`` (a carrier's
    conversion, or a retelling whose original has a claim in the group: not
    independent evidence; a retelling alone stands in for its original), ``unnumbered`` (no number), ``agreeing`` (its
    group's claims agree, or, in a conflict or an adjudicated group, its
    interval widened by ``tolerance`` holds the reported value), else
    ``conflicting``. ``ordered=False`` leaves the rows unsorted, for a
    caller that adds rows and sorts them all once (a sort on the text keys
    of millions of claims takes seconds).

    Examples
    --------
    >>> claims = pl.DataFrame({"claim_id": ["a", "b", "c", "d"], "event_id": "e", "measure": "coal_hewn",
    ...     "statistic": "record", "value_low": [102.0, 102.0, 90.0, None],
    ...     "value_high": [102.0, 102.0, 90.0, None], "value_mid": [102.0, 102.0, 90.0, None],
    ...     "_original": [True, False, True, True], "_root": [0, 0, 1, 2], "source_line": [2, 3, 4, 5]})
    >>> rec = pl.DataFrame({"event_id": ["e"], "measure": ["coal_hewn"], "statistic": ["record"],
    ...     "value": [102.0], "status": ["conflict"], "chosen_claim_id": ["a"]})
    >>> rejected = pl.DataFrame({"claim_id": ["x"], "event_id": ["e"], "measure": ["coal_hewn"],
    ...     "statistic": ["record"], "source_line": [6]})
    >>> event_claims(claims, rec, rejected, tolerance=0.01).select("claim_id", "role", "line").rows()
    [('a', 'chosen', None), ('b', 'derived', None), ('c', 'conflicting', None), ('d', 'unnumbered', None), \
('x', 'rejected', 6)]
    """
    key = ["event_id", "measure", "statistic"]
    decided = reconciled.select(*key, pl.col("value").alias("_value"), pl.col("status").alias("_status"),
                                pl.col("chosen_claim_id").alias("_chosen"))
    # a retelling is derived where its original has a claim in the same group; alone, it stands in for it
    original = pl.lit(True)
    if {"_original", "_root"} <= set(claims.columns):
        original = pl.col("_original") | ~pl.col("_original").any().over([*key, "_root"])
    c = claims.select(*key, "claim_id", "value_low", "value_high", "value_mid", original.alias("_original"),
                      pl.col("source_line").cast(pl.Int64).alias("line"))
    c = c.join(decided, on=key, how="left", maintain_order="left")
    v, lo, hi = pl.col("_value"), pl.col("value_low"), pl.col("value_high")
    # an open end is unbounded; the tolerance widens each end as it widens agreement between claims
    holds = ((lo.is_null() | (v >= lo - tolerance * lo.abs() - 1e-12))
             & (hi.is_null() | (v <= hi + tolerance * hi.abs() + 1e-12)))
    role = (pl.when(pl.col("claim_id") == pl.col("_chosen")).then(pl.lit("chosen"))
            # a carrier's conversion restates another claim and is never reconciled on its own
            .when(~pl.col("_original").fill_null(True) | (pl.col("statistic") == "conversion"))
            .then(pl.lit("derived"))
            .when(pl.col("value_mid").is_null()).then(pl.lit("unnumbered"))
            .when(pl.col("_status").is_in(["single", "agree"])).then(pl.lit("agreeing"))
            .when(v.is_not_null() & holds).then(pl.lit("agreeing"))
            .otherwise(pl.lit("conflicting")))
    # a used claim is found by its claim_id (unique); its line would change with the rows' order
    used = c.select(*key, "claim_id", role.alias("role"), pl.lit(None, dtype=pl.Int64).alias("line"))
    both = pl.concat([used, rejected_roles(rejected)], how="vertical_relaxed")
    return both.sort(*key, "claim_id", "line", nulls_last=True) if ordered else both


def rejected_roles(rejected: pl.DataFrame) -> pl.DataFrame:
    """The rows of event_claims.csv for the rejected raw rows: role ``rejected``, with the line."""
    key = ["event_id", "measure", "statistic"]
    return rejected.filter(pl.col("event_id").is_not_null()).select(
        *[pl.col(k).cast(pl.String) for k in key], pl.col("claim_id").cast(pl.String), pl.lit("rejected").alias("role"),
        pl.col("source_line").cast(pl.Int64).alias("line"))
