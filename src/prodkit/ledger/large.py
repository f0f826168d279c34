"""Files over ``FAST_READ_BYTES``: polars parses them, and a record map keeps them exact.

polars' multi-threaded reader is fast but forgiving: it pads a short row and
cannot say on which line a row has an extra field. So a large file is read
twice side by side, both times by polars: once as CSV (the cells), and once
line by line without quoting (the record map: where each record starts, how
many fields it has, whether it is blank). Quote characters toggle a record
open and closed, as in every file Excel or LibreOffice writes. The map gives
each row its physical line and lets the small files' rules (:func:`fit_row`)
judge every row whose width is wrong, so a file reads the same at any size.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem, problem
from .encodings import CONTROL_SET, decode, has_control_bytes

#: Bytes read at a time when scanning a large file.
_CHUNK = 16 * 1024 * 1024
#: The same bytes as CONTROL_SET, or U+FFFD, to locate them.
_CONTROL_BYTES = re.compile(b"[" + re.escape(CONTROL_SET) + b"]|\xef\xbf\xbd")
#: The separator given to polars to read whole lines: a control byte, which a
#: ledger never holds (the scan reports it if it does).
_LINE_SEPARATOR = "\x1f"


@dataclass
class Scan:
    header: bytes
    physical_lines: int
    control_lines: list[int]  # physical lines holding a control byte or U+FFFD


def scan_large(path: Path) -> Scan:
    """One pass over a large file in chunks: header line, physical lines, lines with control bytes.

    Each chunk is searched together with the last two bytes of the one
    before, so that a U+FFFD cut in two by the seam is still found (once).
    """
    header = None
    newlines = 0  # newlines before the current chunk
    control: list[int] = []
    carry = b""
    last = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            if header is None:
                end = chunk.find(b"\n")
                header = chunk[: end if end >= 0 else len(chunk)]
            buf = carry + chunk
            if has_control_bytes(buf):
                line, pos = newlines - carry.count(b"\n") + 1, 0
                for m in _CONTROL_BYTES.finditer(buf):
                    if m.end() <= len(carry):
                        continue  # wholly in the last chunk: already found
                    line += buf.count(b"\n", pos, m.start())
                    pos = m.start()
                    if not control or control[-1] != line:
                        control.append(line)
            newlines += chunk.count(b"\n")
            carry = chunk[-2:]
            last = chunk[-1:]
    return Scan(header=header or b"", physical_lines=newlines + (0 if last == b"\n" else 1),
                control_lines=control)


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
    import polars as pl

    return pl.scan_csv(path, has_header=False, quote_char=None, separator=_LINE_SEPARATOR, infer_schema=False,
                       schema={"text": pl.String}, truncate_ragged_lines=True, encoding="utf8-lossy")


def record_map(path: Path, label: str = ""):
    """One row per CSV record after the header: ``line`` (its first physical line), ``width``, ``blank``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('a,b\\n1,"x,\\ny"\\n\\n2\\n3,4,5\\n', encoding="utf-8")
    >>> record_map(p).rows()
    [(2, 2, False), (4, 1, True), (5, 1, False), (6, 3, False)]
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
    ).collect()
    if per_line["_quotes"].sum() % 2 == 1:
        # a quote opened and never closed: the csv module's "unexpected end of data", on the record it opens
        last = per_line.filter(~pl.col("_inside"))["line"][-1]
        raise InputError(f"{label or path.name}: malformed CSV", problems=[
            problem("csv-malformed", file=label or path.name, line=last, reason="unexpected end of data")])
    records = (per_line.group_by("_record", maintain_order=True)
               .agg(pl.col("line").first(), (pl.col("_commas").sum() + 1).alias("width"),
                    ((pl.len() == 1) & pl.col("_empty").first()).alias("blank")))
    return records.slice(1).select("line", pl.col("width").cast(pl.Int64), "blank")


def record_texts(path: Path, lines: list[int], ends: list[int]) -> list[str]:
    """The text of the records from physical line ``lines[i]`` up to (not including) ``ends[i]``."""
    import polars as pl

    wanted = sorted({n for start, end in zip(lines, ends) for n in range(start, end)})
    found = dict(_lines(path).with_row_index("line", offset=1).filter(pl.col("line").is_in(wanted))
                 .collect().iter_rows())
    return ["\n".join(found.get(n) or "" for n in range(start, end)) for start, end in zip(lines, ends)]


def scan_while_parsing(path: Path, width: int, label: str):
    """:func:`scan_large` in a thread while polars parses the file and maps its records in this one.

    The scan is Python's byte methods, which run on one core; polars' parse
    releases the interpreter and uses the others. Side by side they take
    about as long as the parse alone (benchmarks/RESULTS.md, "Timings behind
    the code's comments").
    """
    import threading

    found: dict = {}

    def scan() -> None:
        try:
            found["scan"] = scan_large(path)
        except BaseException as exc:  # noqa: BLE001 - raised again below, in the caller's thread
            found["error"] = exc

    worker = threading.Thread(target=scan, name="prodkit-scan", daemon=True)
    worker.start()
    try:
        parsed = _parse_large(path, width)
        records = None if isinstance(parsed, Exception) else record_map(path, label)
    finally:
        worker.join()
    if "error" in found:
        raise found["error"]
    return found["scan"], parsed, records


def read_large(path: Path, label: str, width: int, fit_row):
    """Rows of a large file: (frame of ``width`` text columns, lines, problems, lines with control bytes).

    ``fit_row(row, width, label, line)`` is the small files' rule for a row
    of the wrong width: it returns the cells kept and the problem, if any.
    """
    import polars as pl

    scan, parsed, records = scan_while_parsing(path, width, label)
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
