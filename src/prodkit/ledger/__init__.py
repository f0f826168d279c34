"""Read the raw ledger (``data/raw/*.csv``) into polars, keeping file and line.

Every row read keeps ``source_file`` and ``source_line``: the 1-based physical
line of the raw file on which the row starts (the header is line 1). That is
what every problem message points at, and what ties a rejected row back to
the spreadsheet a historian typed.

Reading never drops a row. A file that cannot be read at all (missing, not
UTF-8, not comma-separated, a required column absent) raises
:class:`~prodkit.errors.InputError` carrying its problems; a row that cannot be
read (wrong number of fields, binary bytes) becomes a problem and is counted
as rejected.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, Problem, problem
from .suggest import nearest

#: Columns of each raw table: (required, optional). Required columns must be
#: present in the header and non-empty in every row.
CLAIMS_REQUIRED = ["claim_id", "event_id", "measure", "statistic", "value", "unit", "source_id"]
CLAIMS_OPTIONAL = [
    "subject", "sector", "basis", "date", "place", "locator", "quote", "note",
    "norm_ref", "converted_from",
]
SOURCES_REQUIRED = ["source_id", "source_type", "trust_rank"]
SOURCES_OPTIONAL = ["citation", "year", "trust_note", "derived_from", "note"]
ADJUDICATIONS_REQUIRED = ["event_id", "measure", "statistic", "reason", "decided_by"]
ADJUDICATIONS_OPTIONAL = ["value", "claim_id", "date"]

#: The order in which claims.csv columns are written back out.
CLAIMS_COLUMNS = [
    "claim_id", "event_id", "subject", "sector", "measure", "statistic", "value", "unit",
    "basis", "date", "place", "source_id", "locator", "quote", "note", "norm_ref",
    "converted_from",
]

#: A field longer than this is flagged (a quote should be 25 words).
FIELD_LIMIT = 2000
#: Files larger than this are parsed by polars' multi-threaded reader; smaller
#: ones by Python's csv module, which also reports rows of the wrong width.
FAST_READ_BYTES = 64 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


#: Bytes that never belong in a hand-typed ledger (tab, newline and CR do).
_CONTROL_SET = bytes([b for b in range(32) if b not in (9, 10, 13)] + [127])


def _has_control_bytes(raw: bytes) -> bool:
    """One pass in C: does the file hold a control byte or U+FFFD anywhere?"""
    # U+FFFD is EF BF BD: a one-byte search (memchr) rules it out in most files
    return len(raw.translate(None, _CONTROL_SET)) != len(raw) or (b"\xef" in raw and b"\xef\xbf\xbd" in raw)


@dataclass
class Table:
    """One raw file read into a frame of text columns plus its problems."""

    path: Path
    label: str
    frame: "object"  # polars.DataFrame; typed loosely to keep import lazy
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    extra_columns: list[str] = field(default_factory=list)

    @property
    def column_numbers(self) -> dict[str, int]:
        """Column name -> its 1-based position in the file's header."""
        header = [c for c in self.frame.columns if c not in ("source_file", "source_line")]
        return {name: i + 1 for i, name in enumerate(header)}


def display_path(path: Path) -> str:
    """The path as the user will recognise it: relative to the working folder."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _decode(raw: bytes, label: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a byte-order mark, as Excel writes it: accepted
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = raw.count(b",", col_start, exc.start) + 1
        guess = _guess_encoding(raw)
        bad = raw[exc.start : exc.start + 4]
        raise InputError(
            f"{label} is not UTF-8",
            problems=[problem("encoding-not-utf8", file=label, line=line, column=column,
                              value=bad.hex(" "), guess=guess)],
        ) from None


def _guess_encoding(raw: bytes) -> str:
    """Tell Windows-1251 (Cyrillic) from Latin-1 by what the high bytes spell."""
    high = [b for b in raw if b >= 0x80]
    if not high:
        return "an unknown 8-bit encoding"
    # In cp1251, 0xC0-0xFF are the Cyrillic letters А-я; text in Latin-1 uses
    # 0xC0-0xFF for accented letters too, but mixes in 0x80-0xBF far less and
    # forms no Cyrillic words. Count letters that decode to Cyrillic.
    text = bytes(high).decode("cp1251", errors="replace")
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    if cyrillic >= 0.8 * len(high) and len(high) >= 2:
        return "Windows-1251 (Cyrillic)"
    return "Latin-1 (ISO-8859-1) or Windows-1252"


def _check_delimiter(header: str, label: str) -> None:
    counts = {",": header.count(","), ";": header.count(";"), "\t": header.count("\t")}
    best = max(counts, key=counts.get)
    if best != "," and counts[best] > counts[","]:
        name = {";": "semicolons (;)", "\t": "tabs"}[best]
        raise InputError(
            f"{label} is not comma-separated",
            problems=[problem("delimiter-wrong", file=label, line=1, found=name)],
        )


def read_table(
    path: Path,
    *,
    required: list[str],
    optional: list[str],
    label: str | None = None,
) -> Table:
    """Read one raw CSV file into text columns with ``source_file``/``source_line``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('id,name\\n1,"two\\nlines"\\n2,b\\n', encoding="utf-8")
    >>> t = read_table(p, required=["id", "name"], optional=[], label="t.csv")
    >>> t.frame.select("id", "source_line").rows()
    [('1', 2), ('2', 4)]
    """
    import polars as pl

    label = label or display_path(path)
    if not path.exists():
        raise InputError(f"{label} does not exist",
                         problems=[problem("file-missing", file=label)])
    problems: list[Problem] = []
    if path.stat().st_size > FAST_READ_BYTES:
        # a large file is never held whole as bytes: one pass in chunks finds
        # the header, the line count and any control byte, while polars parses
        # the file itself (strict UTF-8; decoded here only to locate a bad byte)
        scan, parsed = _scan_while_parsing(path)
        header_line = _decode(scan.header, label)
        _check_delimiter(header_line, label)
        body, lines = _read_fast(path, label, scan.physical_lines, parsed)
        header = list(body.columns)
        clean, suspect = not scan.control_lines, scan.control_lines
    else:
        raw = path.read_bytes()
        if not raw.strip(b"\xef\xbb\xbf \r\n\t"):
            raise InputError(f"{label} is empty", problems=[problem("file-empty", file=label)])
        text = _decode(raw, label)
        end = raw.find(b"\n")
        header_line = _decode(raw[: end if end >= 0 else len(raw)], label)
        _check_delimiter(header_line, label)
        header, columns, lines, row_problems = _read_exact(text, label)
        problems += row_problems
        body = pl.DataFrame([pl.Series(f"_{i}", values, dtype=pl.String) for i, values in enumerate(columns)],
                            schema={f"_{i}": pl.String for i in range(len(header))})
        # one pass in C over the bytes: most files hold no control byte, and
        # then no cell needs a regex scan
        clean, suspect = not _has_control_bytes(raw), None
        del raw, text

    header = [h.strip() for h in header]
    known = required + optional
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            raise InputError(f"{label}: duplicate column {name}", problems=[
                problem("column-duplicate", file=label, line=1, column=i + 1, field=name, value=name)])
        seen[name] = i
    extra = [h for h in header if h not in known]
    missing = [c for c in required if c not in seen]
    if missing:
        probs = []
        for name in missing:
            near = nearest(name, [h for h in extra])
            suggestion = f" Column '{near}' looks like a misspelling of it." if near else ""
            probs.append(problem("column-missing", file=label, line=1, field=name,
                                 value=near or "", suggestion=suggestion))
        raise InputError(f"{label} lacks required columns: {', '.join(missing)}", problems=probs)
    for name in extra:
        near = nearest(name, known)
        if near and near not in seen:
            problems.append(problem("column-misspelt", file=label, line=1, column=seen[name] + 1, field=name,
                                    value=name, near=near))
        else:
            problems.append(problem("column-unknown", file=label, line=1, column=seen[name] + 1, field=name,
                                    value=name))

    frame = body
    frame.columns = header
    for name in optional:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    frame = frame.with_columns(
        pl.lit(label).alias("source_file"),
        pl.Series("source_line", lines, dtype=pl.Int64),
    )
    if frame.height == 0:
        problems.append(problem("header-only", file=label, line=1))
    problems += _check_cells(frame, header, label, clean=clean, suspect_lines=suspect)
    return Table(path=path, label=label, frame=frame, problems=problems,
                 rows_read=frame.height, extra_columns=extra)


def _read_exact(text: str, label: str):
    """Parse with the csv module: exact physical lines, ragged rows reported."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:  # pragma: no cover - empty caught earlier
        raise InputError(f"{label}: cannot read header", problems=[
            problem("csv-malformed", file=label, line=1, reason=str(exc))]) from None
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(problem("csv-malformed", file=label, line=start, reason=str(exc)))
            raise InputError(f"{label}: malformed CSV", problems=problems) from None
        line = start
        start = reader.line_num + 1
        if not row or all(not cell.strip() for cell in row) and len(row) <= 1:
            problems.append(problem("row-empty", file=label, line=line))
            continue
        if len(row) != width:
            problems.append(problem("row-width", file=label, line=line, value=",".join(row)[:200],
                                    found=len(row), expected=width))
            # keep what can be kept, so the row is accounted for as rejected
            row = (row + [""] * width)[:width]
            lines.append(line)
            for i, cell in enumerate(row):
                columns[i].append(cell if cell != "" else None)
            continue
        lines.append(line)
        for i, cell in enumerate(row):
            columns[i].append(cell if cell != "" else None)
    return header, columns, lines, problems


@dataclass
class _Scan:
    header: bytes
    physical_lines: int
    control_lines: list[int]  # physical lines holding a control byte or U+FFFD


#: Bytes read at a time when scanning a large file.
_CHUNK = 16 * 1024 * 1024
#: The same bytes as _CONTROL_SET, or U+FFFD, to locate them.
_CONTROL_BYTES = re.compile(b"[" + re.escape(_CONTROL_SET) + b"]|\xef\xbf\xbd")


def _scan_large(path: Path) -> _Scan:
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
            if _has_control_bytes(buf):
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
    return _Scan(header=header or b"", physical_lines=newlines + (0 if last == b"\n" else 1),
                 control_lines=control)


def _parse_large(path: Path):
    """polars' parse of a large file: the frame, or the ComputeError it raised (see :func:`_read_fast`)."""
    import polars as pl

    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.ComputeError as exc:
        return exc


def _scan_while_parsing(path: Path):
    """:func:`_scan_large` in a thread while polars parses the file in this one.

    The scan is Python's byte methods, which run on one core; polars' parse
    releases the interpreter and uses the others. Side by side they take
    about as long as the parse alone (benchmarks/RESULTS.md, "Timings behind
    the code's comments"). The parse's result waits until the scan's header and delimiter
    checks have spoken, so errors come in the same order as one after the
    other.
    """
    import threading

    found: dict = {}

    def scan() -> None:
        try:
            found["scan"] = _scan_large(path)
        except BaseException as exc:  # noqa: BLE001 - raised again below, in the caller's thread
            found["error"] = exc

    worker = threading.Thread(target=scan, name="prodkit-scan", daemon=True)
    worker.start()
    try:
        parsed = _parse_large(path)
    finally:
        worker.join()
    if "error" in found:
        raise found["error"]
    return found["scan"], parsed


def _read_fast(path: Path, label: str, physical_lines: int, parsed):
    """A large file from ``parsed`` (:func:`_parse_large`'s result); physical lines from embedded newlines."""
    import polars as pl

    frame = parsed
    if isinstance(frame, Exception):
        exc = frame
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            _decode(path.read_bytes(), label)  # raises encoding-not-utf8 with the line of the first bad byte
        raise InputError(f"{label}: malformed CSV", problems=[
            problem("csv-malformed", file=label, line=None, reason=str(exc).splitlines()[0])]) from None
    header = frame.columns
    if physical_lines == frame.height + 1:  # no field spans lines: row i is on line i + 2
        return frame, pl.int_range(2, frame.height + 2, dtype=pl.Int64, eager=True).alias("line")
    # a row's first physical line: 2 + its index + newlines inside earlier rows
    embedded = pl.sum_horizontal(
        [pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in header]
    ) if header else pl.lit(0)
    lines = frame.select(
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2 + embedded.cum_sum().shift(1, fill_value=0))
        .alias("line")
    )["line"]
    return frame, lines


def _check_cells(frame, header: list[str], label: str, *, clean: bool = False,
                 suspect_lines: list[int] | None = None) -> list[Problem]:
    """Binary bytes and over-long fields, per cell.

    Only candidate rows are looked at cell by cell: rows with a field over
    the limit in bytes (one pass over all columns) and rows that may hold a
    control byte: those on ``suspect_lines`` when the file's scan found them,
    every row when the file holds one somewhere (small files), none if it is
    ``clean``.
    """
    import polars as pl

    problems: list[Problem] = []
    long = pl.any_horizontal([pl.col(c).str.len_bytes() > FIELD_LIMIT for c in header]) if header else pl.lit(False)
    if suspect_lines:
        # the row a physical line belongs to: the last row starting on or before it
        rows = frame["source_line"].search_sorted(pl.Series(suspect_lines, dtype=pl.Int64), side="right") - 1
        suspect = pl.int_range(pl.len()).is_in(rows.filter(rows >= 0).implode())
    else:
        suspect = pl.lit(not clean)
    candidates = frame.filter(long | suspect)
    for i, name in enumerate(header):
        col = pl.col(name)
        too_long = col.str.len_bytes() > FIELD_LIMIT
        bad = candidates.filter(too_long if clean else (col.str.contains(_CONTROL.pattern) | too_long))
        for row in bad.select(name, "source_line").iter_rows():
            value, line = row
            if len(value) <= FIELD_LIMIT and not _CONTROL.search(value):
                continue
            if _CONTROL.search(value):
                shown = _CONTROL.sub("?", value)
                problems.append(problem("binary-bytes", file=label, line=line, column=i + 1,
                                        field=name, value=shown))
            else:
                problems.append(problem("field-too-long", file=label, line=line, column=i + 1,
                                        field=name, value=value[:80], length=len(value),
                                        limit=FIELD_LIMIT))
    return problems
