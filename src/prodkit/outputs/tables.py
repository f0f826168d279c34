"""Tidy CSV tables that R, Stata and Frictionless read the same way.

The conventions (see :func:`write_csv`) are chosen so that ``readr::read_csv``,
base R's ``read.csv``, ``frictionless`` (all three run by
``tests/test_exports.py``) and Stata's ``import delimited`` read every cell
alike. Rows are sorted on stable keys so the same inputs in any row order give
byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl


#: How a boolean is spelled: the one spelling readr, base R's type.convert
#: (which ignores lower-case ``true`` up to R 4.2), polars and Frictionless
#: all read as a logical.
BOOLEAN_TEXT = {True: "TRUE", False: "FALSE"}


def write_csv(frame: pl.DataFrame, path: Path) -> None:
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
    portable_csv_frame(frame).write_csv(path, line_terminator="\n", null_value="", quote_style="necessary",
                                        include_bom=False)


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
