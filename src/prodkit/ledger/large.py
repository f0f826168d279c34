"""Files over ``FAST_READ_BYTES``: polars parses them, and a record map keeps them exact.

polars' multi-threaded reader is fast but forgiving: it pads a short row and
cannot say on which line a row has an extra field. So a large file is read
twice side by side, both times by polars: once as CSV (the cells), and once
line by line without quoting (the record map: where each record starts, how
many fields it has, whether it is blank; and the file's line count and
the lines holding a control byte, so no Python pass over the bytes is
needed). Quote characters toggle a record
open and closed, as in every file Excel or LibreOffice writes. The map gives
each row its physical line and lets the small files' rules (:func:`fit_row`)
judge every row whose width is wrong, so a file reads the same at any size.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem, problem
from .encodings import decode

#: A control byte (tab, line feed and carriage return aside) or U+FFFD, as a
#: polars (Rust) pattern: the characters of CONTROL_SET but the line
#: separator below, which the record map finds as a second field instead.
_CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1e\x7f\x{FFFD}]"
#: The separator given to polars to read whole lines: a control byte, which a
#: ledger never holds (a line that holds it reads as two fields, and is reported).
_LINE_SEPARATOR = "\x1f"


@dataclass
class Scan:
    physical_lines: int
    control_lines: list[int]  # physical lines holding a control byte or U+FFFD


def _parse_large(path: Path, width: int):
    """polars' parse of a large file's rows into ``width`` text columns, or the error it raised."""
    import polars as pl

    try:
        return pl.read_csv(path, has_header=False, skip_rows=1, infer_schema=False, encoding="utf8",
                           schema={f"_{i}": pl.String for i in range(width)}, missing_columns="insert", extra_columns="ignore",
                           truncate_ragged_lines=True)
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError, pl.exceptions.NoDataError) as exc:
        return exc


def _lines(path: Path):
    """The file's physical lines: ``text``, and ``_rest`` (not null where a line holds the separator)."""
    import polars as pl

    return pl.scan_csv(path, has_header=False, quote_char=None, separator=_LINE_SEPARATOR, infer_schema=False,
                       schema={"text": pl.String, "_rest": pl.String}, missing_columns="insert",
                       truncate_ragged_lines=True, encoding="utf8-lossy")


def record_map(path: Path, label: str = ""):
    """One row per CSV record after the header: ``line`` (its first physical line), ``width``, ``blank``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('a,b\\n1,"x,\\ny"\\n\\n2\\n3,4,5\\n', encoding="utf-8")
    >>> record_map(p).rows()
    [(2, 2, False), (4, 1, True), (5, 1, False), (6, 3, False)]
    """
    return map_records(path, label)[0]


def map_records(path: Path, label: str = ""):
    """:func:`record_map`, and the file's physical line count and lines with control bytes (a :class:`Scan`).

    All three come from polars' one read of the lines: no second pass over
    the bytes in Python.
    """
    import polars as pl

    text = pl.col("text").fill_null("")
    quotes = text.str.count_matches('"', literal=True)
    inside = ((quotes.cum_sum() - quotes) % 2) == 1  # the line starts inside a quoted field

    def commas(t):
        # commas outside quoted fields; an unclosed quote runs to the line's end
        return t.str.replace_all(r'"[^"]*(?:"|$)', "").str.count_matches(",", literal=True)

    # one pass over the file; the narrow per-line columns are then worked on in memory
    per_line = _lines(path).select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line"),
        (~inside).cum_sum().alias("_record"),
        pl.when(inside).then(commas('"' + text)).otherwise(commas(text)).alias("_commas"),
        # every field empty, or spaces, quoted or not (the csv module's blank row)
        text.str.contains(r'^\s*(?:"\s*")?\s*(?:,\s*(?:"\s*")?\s*)*$').alias("_empty"),
        quotes.cast(pl.Int32).alias("_quotes"), inside.alias("_inside"),
        (text.str.contains(_CONTROL_PATTERN) | pl.col("_rest").is_not_null()).alias("_control"),
    ).collect()
    scan = Scan(physical_lines=per_line.height, control_lines=per_line.filter("_control")["line"].to_list())
    if per_line["_quotes"].sum() % 2 == 1:
        # a quote opened and never closed: the csv module's "unexpected end of data", on the record it opens
        last = per_line.filter(~pl.col("_inside"))["line"][-1]
        raise InputError(f"{label or path.name}: malformed CSV", problems=[
            problem("csv-malformed", file=label or path.name, line=last, reason="unexpected end of data")])
    records = (per_line.group_by("_record", maintain_order=True)
               .agg(pl.col("line").first(), (pl.col("_commas").sum() + 1).alias("width"),
                    ((pl.len() == 1) & pl.col("_empty").first()).alias("blank")))
    return records.slice(1).select("line", pl.col("width").cast(pl.Int64), "blank"), scan


def record_texts(path: Path, lines: list[int], ends: list[int]) -> list[str]:
    """The text of the records from physical line ``lines[i]`` up to (not including) ``ends[i]``."""
    import polars as pl

    wanted = sorted({n for start, end in zip(lines, ends) for n in range(start, end)})
    found = dict(_lines(path).with_row_index("line", offset=1).filter(pl.col("line").is_in(wanted))
                 .select("line", "text").collect().iter_rows())
    return ["\n".join(found.get(n) or "" for n in range(start, end)) for start, end in zip(lines, ends)]


def read_large(path: Path, label: str, width: int, fit_row):
    """Rows of a large file: (frame of ``width`` text columns, lines, problems, lines with control bytes).

    ``fit_row(row, width, label, line)`` is the small files' rule for a row
    of the wrong width: it returns the cells kept and the problem, if any.
    """
    import polars as pl

    parsed = _parse_large(path, width)
    if not isinstance(parsed, Exception):
        records, scan = map_records(path, label)
    if isinstance(parsed, Exception):
        if "utf-8" in str(parsed).lower() or "utf8" in str(parsed).lower():
            decode(path.read_bytes(), label)  # raises encoding-not-utf8 with the line of the first bad byte
        raise InputError(f"{label}: malformed CSV", problems=[
            problem("csv-malformed", file=label, line=None, reason=str(parsed).splitlines()[0])]) from None
    if records.height != parsed.height:
        raise InputError(f"{label}: malformed CSV", problems=[
            problem("csv-malformed", file=label, line=None,
                    reason="a quote (\") opens inside a field, so rows cannot be told apart")]) from None
    names = parsed.columns
    frame = parsed.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in names)
    problems: list[Problem] = []
    blank = records["blank"]
    for line in records.filter(pl.col("blank"))["line"].to_list():
        problems.append(problem("row-empty", file=label, line=line))
    ends = records["line"].shift(-1, fill_value=scan.physical_lines + 1)
    odd = records.with_columns(ends.alias("end"), pl.int_range(pl.len()).alias("row")).filter(
        (pl.col("width") != width) & ~pl.col("blank"))
    if odd.height:
        fixed = {}
        texts = record_texts(path, odd["line"].to_list(), odd["end"].to_list())
        for (line, row_i), text in zip(odd.select("line", "row").iter_rows(), texts):
            row = next(csv.reader(io.StringIO(text, newline="")), [])
            cells, issue = fit_row(row, width, label, line)
            if issue:
                problems.append(issue)
            fixed[row_i] = cells
        frame = frame.with_row_index("_row").with_columns(
            pl.when(pl.col("_row").is_in(list(fixed))).then(
                pl.col("_row").replace_strict(list(fixed), [c[i] for c in fixed.values()],
                                              default=None, return_dtype=pl.String))
            .otherwise(pl.col(name)).alias(name) for i, name in enumerate(names)).drop("_row")
    keep = ~blank
    return frame.filter(keep), records["line"].filter(keep), problems, scan
