"""The flags column: stable kebab-case codes on a claim, ';'-joined.

A claim's flags come from its figure's qualifier ("approximate", "range",
...), from warnings found on its row ("event-inconsistent", ...), and from
the checks that run after loading ("implausible", "norm-ratio-mismatch",
"conversion-checked"). Flags are appended cheaply while the checks run and
tidied once (unique, sorted) by :func:`tidy_flags`.
"""

from __future__ import annotations

import polars as pl

from .errors import Problem

#: Flags set from a figure's qualifier.
QUALIFIER_FLAGS = {"approximate": "approximate", "range": "range", "vague": "vague",
                   "more-than": "lower-bound", "at-least": "lower-bound", "less-than": "upper-bound",
                   "almost": "upper-bound", "ambiguous": "ambiguous-number"}
#: Warning codes that are also kept on the row as a flag.
FLAG_CODES = {"event-inconsistent", "measure-unknown", "basis-unknown", "field-too-long"}


def flags_from(claims: pl.DataFrame, problems: list[Problem], label: str) -> pl.DataFrame:
    """flags: from the qualifier, and from warnings on the row (';'-joined; tidied when written)."""
    by_line: dict[int, set[str]] = {}
    for p in problems:
        if p.file == label and p.line and p.code in FLAG_CODES:
            by_line.setdefault(p.line, set()).add(p.code)
    warn = pl.DataFrame({"source_line": list(by_line), "_warn": [";".join(sorted(v)) for v in by_line.values()]},
                        schema={"source_line": pl.Int64, "_warn": pl.String})
    qual = pl.col("qualifier").replace_strict(QUALIFIER_FLAGS, default=None, return_dtype=pl.String)
    if warn.height:
        claims = claims.hstack(claims.select("source_line").join(warn, on="source_line", how="left",
                                                                 maintain_order="left").drop("source_line"))
    else:
        claims = claims.with_columns(pl.lit(None, dtype=pl.String).alias("_warn"))
    flags = pl.concat_str([pl.col("_warn"), qual], separator=";", ignore_nulls=True)
    return claims.with_columns(pl.when(flags == "").then(None).otherwise(flags).alias("flags")).drop("_warn")


def add_flag(claims: pl.DataFrame, claim_ids: list[str], flag: str) -> pl.DataFrame:
    """Append ``flag`` to these claims' flags (cheap string work; tidied once by :func:`tidy_flags`)."""
    if not claim_ids:
        return claims
    return add_flag_at(claims, claims.select(pl.col("claim_id").is_in(claim_ids).arg_true()).to_series(), flag)


def add_flag_at(claims: pl.DataFrame, rows: pl.Series, flag: str) -> pl.DataFrame:
    """Append ``flag`` to the flags of the claims at these row positions.

    Only those cells are rewritten: the rest of the column is not copied
    string by string, which at millions of claims is most of the cost.

    >>> c = pl.DataFrame({"claim_id": ["a", "b", "c"], "flags": [None, "x", None]})
    >>> add_flag_at(c, pl.Series([1, 2, 2]), "y")["flags"].to_list()
    [None, 'x;y', 'y']
    """
    if rows.len() == 0:
        return claims
    rows = rows.unique().sort()
    flags = claims["flags"].cast(pl.String)
    appended = pl.select(pl.concat_str([flags.gather(rows), pl.lit(flag)], separator=";", ignore_nulls=True)
                         ).to_series()
    return claims.with_columns(flags.scatter(rows, appended))


def tidy_flags(flags: pl.Series) -> pl.Series:
    """Flags as written: unique, sorted, ';'-joined; empty becomes missing.

    Only the cells holding several flags need the list work; the rest are
    already tidy.

    >>> tidy_flags(pl.Series("flags", ["b;a;b", "a", "", None])).to_list()
    ['a;b', 'a', None, None]
    """
    flags = flags.cast(pl.String)
    flags = pl.select(pl.when(flags == "").then(None).otherwise(flags).alias(flags.name)).to_series()
    several = flags.str.contains(";", literal=True).fill_null(False).arg_true()
    if several.len() == 0:
        return flags
    tidy = flags.gather(several).str.split(";").list.unique().list.sort().list.join(";")
    return flags.scatter(several, tidy)
