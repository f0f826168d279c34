"""Tidy CSV tables: UTF-8, comma, header row, '.' decimal mark, empty = missing.

Rows are sorted on stable keys so the same inputs in any row order give
byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..errors import Problem
from ..ledger import CLAIMS_COLUMNS

PROBLEM_COLUMNS = ["file", "line", "column", "field", "value", "severity", "code", "message", "hint"]
CLAIM_OUTPUT_EXTRA = ["value_low", "value_high", "value_mid", "unit_canonical", "qualifier", "flags"]


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    frame.write_csv(path, line_terminator="\n", null_value="", quote_style="necessary")


def problems_frame(problems: list[Problem]) -> pl.DataFrame:
    rows = [p.as_row() for p in problems]
    schema = {"file": pl.String, "line": pl.Int64, "column": pl.Int64, "field": pl.String, "value": pl.String,
              "severity": pl.String, "code": pl.String, "message": pl.String, "hint": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def write_problems(problems: list[Problem], path: Path) -> None:
    write_csv(problems_frame(problems), path)


def claims_output(claims: pl.DataFrame, extra_columns: list[str] | None = None) -> pl.DataFrame:
    """The raw columns (and any extra ones the user added), then the canonical ones."""
    extra = [c for c in (extra_columns or []) if c in claims.columns and c not in CLAIMS_COLUMNS]
    cols = CLAIMS_COLUMNS + extra + CLAIM_OUTPUT_EXTRA
    return claims.select(cols).sort("claim_id")


def accounts_frame(accounts) -> pl.DataFrame:
    return pl.DataFrame([{"file": a.file, "read": a.read, "used": a.used, "rejected": a.rejected} for a in accounts],
                        schema={"file": pl.String, "read": pl.Int64, "used": pl.Int64, "rejected": pl.Int64})
