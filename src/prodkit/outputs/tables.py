"""Tidy CSV tables that R, Stata and Frictionless read the same way, and reading them back.

The conventions (see :func:`write_csv`) are chosen so that ``readr::read_csv``,
base R's ``read.csv``, ``frictionless`` (all three run by
``tests/test_exports.py``) and Stata's ``import delimited`` read every cell
alike. Rows are sorted on stable keys so the same inputs in any row order give
byte-identical files. :func:`read_tables` reads the tables back, typed as
they were written (``prodkit figures``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..errors import InputError

#: How a boolean is spelled: the one spelling readr, base R's type.convert
#: (which ignores lower-case ``true`` up to R 4.2), polars and Frictionless
#: all read as a logical.
BOOLEAN_TEXT = {True: "TRUE", False: "FALSE"}


#: What a spreadsheet reads as the start of a formula (OWASP's list: = + - @, tab, carriage return).
FORMULA_START = "=+-@\t\r"
#: A plain number written as text ("-5", "+1.5e3"): a spreadsheet reads it as a number, never as a formula.
PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def write_csv(frame: pl.DataFrame, path: Path, *, spreadsheet_safe: bool = False) -> None:
    """Write ``frame`` as CSV under prodkit's conventions.

    - UTF-8 without a byte-order mark, ``\\n`` line ends, a header row, ``,``
      between fields and ``.`` as the decimal mark; a field is quoted only
      when it holds a comma, a quote or a line break (quotes doubled).
    - Missing is an empty, unquoted field, in every column. prodkit writes no
      empty text: an empty string becomes missing, because readr reads ``""``
      and an empty field alike as NA and no reader keeps them apart.
    - Text is written as it is: a cell holding the letters ``NA`` stays
      ``NA``. R readers must be told that only an empty field is missing
      (``na = ""`` for readr, ``na.strings = ""`` for ``read.csv``), or they
      turn such a cell into NA; the codebook's reading lines say so.
    - Booleans are ``TRUE``/``FALSE``; numbers never use a thousands
      separator; a number that is not finite (NaN, inf) is written as missing,
      since neither Stata nor a Frictionless ``number`` has a spelling for it.
    - Dates stay ISO 8601 text, partial allowed (``1935``, ``1935-09``,
      ``1933/1937``): they are never a date type, since most are not days.
    - ``spreadsheet_safe`` (``--spreadsheet-safe``): a text cell that begins
      with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, and is not a
      plain number, gets a leading ``'``, so that Excel or LibreOffice shows it
      instead of running it as a formula. Off by default: the CSVs stay
      faithful for R, Stata and Frictionless.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(pl.DataFrame({"a": ["NA", "", None, "x,y"], "b": [1.5, float("nan"), None, 2.0],
    ...                         "c": [True, False, None, True]}), p)
    >>> print(p.read_text(encoding="utf-8"), end="")
    a,b,c
    NA,1.5,TRUE
    ,,FALSE
    ,,
    "x,y",2.0,TRUE
    """
    frame = portable_csv_frame(frame)
    if spreadsheet_safe:
        frame = spreadsheet_safe_frame(frame)
    frame.write_csv(path, line_terminator="\n", null_value="", quote_style="necessary",
                                        include_bom=False)


def spreadsheet_safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``'`` before every text cell a spreadsheet would run as a formula (see :func:`write_csv`).

    >>> spreadsheet_safe_frame(pl.DataFrame({"a": ["=1+1", "-5", "@x", "ok", None], "n": [-1, 2, 3, 4, 5]}))["a"].to_list()
    ["'=1+1", '-5', "'@x", 'ok', None]
    """
    starts = "[" + "".join("\\" + ch if ch in "-+" else ch for ch in FORMULA_START) + "]"
    fixes = [pl.when(pl.col(n).str.contains("^" + starts) & ~pl.col(n).str.contains(PLAIN_NUMBER))
             .then(pl.lit("'") + pl.col(n)).otherwise(pl.col(n)).alias(n)
             for n, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(fixes) if fixes else frame


def portable_csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the cell spellings :func:`write_csv` promises (see there)."""
    # only the columns that hold an empty text or a non-finite number are
    # rewritten: copying every text column of millions of rows costs more
    # than looking at it once
    text = [n for n, t in frame.schema.items() if t == pl.String]
    floats = [n for n, t in frame.schema.items() if t.is_float()]
    checks = [(pl.col(n) == "").any().alias(n) for n in text] + [(~pl.col(n).is_finite()).any().alias(n)
                                                                   for n in floats]
    found = frame.select(checks).row(0, named=True) if checks else {}
    fixes = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.String:
            if found[name]:
                fixes.append(pl.when(col == "").then(None).otherwise(col).alias(name))
        elif dtype.is_float():
            if found[name]:
                fixes.append(pl.when(col.is_finite()).then(col).otherwise(None).alias(name))
        elif dtype == pl.Boolean:
            fixes.append(pl.when(col).then(pl.lit(BOOLEAN_TEXT[True]))
                         .when(col.not_()).then(pl.lit(BOOLEAN_TEXT[False]))
                         .otherwise(None).alias(name))
    return frame.with_columns(fixes) if fixes else frame


# ---------------------------------------------------------------------------
# Reading the tables back
# ---------------------------------------------------------------------------

#: The tables the report needs, in the order ``prodkit reconcile`` writes them.
REPORT_TABLES = ["claims", "reconciled", "conflicts", "norms_vs_records", "sensitivity", "problems", "accounts"]
OPTIONAL_TABLES = ["sources"]


def table_dtypes(name: str) -> dict[str, pl.DataType]:
    """Column -> polars dtype of an output table, from its pandera model (schema.py)."""
    from ..schema import OUTPUT_MODELS

    model = OUTPUT_MODELS.get(name)
    if model is None:
        return {}
    return {col: c.dtype.type for col, c in model.to_schema().columns.items()}


def read_table(path: Path, name: str) -> pl.DataFrame:
    """One output CSV with the dtypes its model declares; other columns stay text.

    Read as text first, then cast column by column, so that a damaged file
    names the column and value at fault instead of a parser's offset.
    """
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.ComputeError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc.__class__.__name__}).",
                         hint="Run `prodkit reconcile` again to rewrite the tables.") from None
    dtypes = {c: t for c, t in table_dtypes(name).items() if c in frame.columns and t != pl.String}
    casts = []
    for col, dtype in dtypes.items():
        text = pl.col(col).str.strip_chars()
        if dtype == pl.Boolean:
            casts.append(text.str.to_lowercase().replace_strict({"true": True, "false": False}, default=None,
                                                               return_dtype=pl.Boolean).alias(col))
        elif dtype == pl.Date:
            casts.append(text.str.to_date("%Y-%m-%d", strict=False).alias(col))
        else:
            casts.append(text.cast(dtype, strict=False).alias(col))
    typed = frame.with_columns(casts) if casts else frame
    for col, dtype in dtypes.items():
        bad = frame.filter(pl.col(col).str.strip_chars().fill_null("") != "", typed[col].is_null())
        if bad.height:
            raise InputError(f"{path}: column '{col}' holds '{bad[col][0]}', which is not {dtype}.",
                             hint="Run `prodkit reconcile` again to rewrite the tables.")
    return typed


def read_tables(out_dir: Path) -> dict[str, pl.DataFrame]:
    """The tables ``prodkit reconcile`` wrote to ``out_dir``, typed as they were written."""
    missing = [f"{name}.csv" for name in REPORT_TABLES if not (out_dir / f"{name}.csv").is_file()]
    if missing:
        raise InputError(f"{out_dir} lacks {', '.join(missing)}.",
                         hint="Run `prodkit reconcile` first (it writes the tables), or point --out-dir at them.")
    names = REPORT_TABLES + [n for n in OPTIONAL_TABLES if (out_dir / f"{n}.csv").is_file()]
    return {name: read_table(out_dir / f"{name}.csv", name) for name in names}
