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

from ..errors import InputError, Problem, problem
from ..suggest import nearest
from .encodings import decode, has_control_bytes
from .large import read_large

#: Columns of each raw table: (required, optional). Required columns must be
#: present in the header and non-empty in every row.
CLAIMS_REQUIRED = ["claim_id", "event_id", "measure", "statistic", "value", "unit", "source_id"]
CLAIMS_OPTIONAL = [
    "subject", "sector", "basis", "date", "place", "locator", "quote", "note",
    "norm_ref", "converted_from",
]
SOURCES_REQUIRED = ["source_id", "source_type", "trust_rank"]
SOURCES_OPTIONAL = ["citation", "year", "trust_note", "derived_from", "note", "decimal_mark"]
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
#: "Did you mean ...?" is looked for among this many unknown columns at most.
SUGGEST_COLUMNS_AT_MOST = 200
#: Files larger than this are parsed by polars' multi-threaded reader; smaller
#: ones by Python's csv module, which also reports rows of the wrong width.
FAST_READ_BYTES = 64 * 1024 * 1024

#: The csv module's own field limit (128 KiB) is lifted: a long field is reported by length.
_FIELD_SIZE = 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


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

    Files of every size are read by the same rules (a large one by polars,
    see :mod:`prodkit.ledger.large`): a row of the wrong width is a
    problem on its line, empty fields past the header's last column are
    Excel's padding and dropped, a blank line is a warning.

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
        # a large file is never held whole as bytes: polars parses it, and a
        # scan in chunks finds the line count and any control byte
        with open(path, "rb") as fh:
            first = fh.readline(1 << 20)
            blank = not first.strip(b"\xef\xbb\xbf \r\n\t") and all(
                not chunk.strip(b" \r\n\t") for chunk in iter(lambda: fh.read(1 << 20), b""))
        if blank:
            raise InputError(f"{label} is empty", problems=[problem("file-empty", file=label)])
        header = _read_header(first, label)
        body, lines, row_problems, scan = read_large(path, label, len(header), _fit_row)
        clean, suspect = not scan.control_lines, scan.control_lines
    else:
        raw = path.read_bytes()
        if not raw.strip(b"\xef\xbb\xbf \r\n\t"):
            raise InputError(f"{label} is empty", problems=[problem("file-empty", file=label)])
        text = decode(raw, label)
        end = raw.find(b"\n")
        header = _read_header(raw[: end if end >= 0 else len(raw)], label)
        columns, lines, row_problems = _read_exact(text, label, len(header))
        body = pl.DataFrame([pl.Series(f"_{i}", values, dtype=pl.String) for i, values in enumerate(columns)],
                            schema={f"_{i}": pl.String for i in range(len(header))})
        # one pass in C over the bytes: most files hold no control byte, and
        # then no cell needs a regex scan
        clean, suspect = not has_control_bytes(raw), None
        del raw, text
    problems += row_problems
    header, body = _drop_unnamed(header, body, label)
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
            suggestion = _column_suggestion(name, extra)
            near = suggestion and suggestion.split("'")[1]
            probs.append(problem("column-missing", file=label, line=1, field=name,
                                 value=near or "", suggestion=suggestion))
        raise InputError(f"{label} lacks required columns: {', '.join(missing)}", problems=probs)
    for k, name in enumerate(extra):
        # spellings are compared for the first few unknown columns only: a
        # file with thousands of them (a pivoted sheet) needs no "did you mean"
        near = next((c for c in known if _same_name(name, c)), None) or (
            nearest(name, known) if k < SUGGEST_COLUMNS_AT_MOST else None)
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


def _read_header(first_line: bytes, label: str) -> list[str]:
    """The header's names, stripped: the first line, checked for its encoding and separator."""
    line = decode(first_line, label).rstrip("\r\n")
    _check_delimiter(line, label)
    try:
        if line.count('"') % 2:  # a name across lines is no name: the quote is unclosed
            raise csv.Error("the header has an unclosed quote")
        header = [h.strip() for h in next(csv.reader([line], strict=True), [])]
    except csv.Error as exc:
        raise InputError(f"{label}: cannot read header", problems=[
            problem("csv-malformed", file=label, line=1, reason=str(exc))]) from None
    # every row read carries these two, to locate it: a raw column may not take their names
    clash = [problem("column-reserved", file=label, line=1, column=i, field=name, value=name)
             for i, name in enumerate(header, start=1) if name in ("source_file", "source_line")]
    if clash:
        raise InputError(f"{label}: {len(clash)} column(s) named like prodkit's own", problems=clash,
                         hint="Rename them; see the problems above.")
    return header


def _same_name(written: str, name: str) -> bool:
    """Is ``written`` the column ``name`` in other letter case or with other spaces?"""
    return written.casefold().replace(" ", "_") == name


def _column_suggestion(name: str, written: list[str]) -> str:
    """The sentence that names the written column most likely meant as ``name``, or ""."""
    same = next((w for w in written if _same_name(w, name)), None)
    if same:
        return f" Column '{same}' is the same name in other letter case or spacing: rename it '{name}'."
    near = nearest(name, written)
    return f" Column '{near}' looks like a misspelling of it." if near else ""


def _drop_unnamed(header: list[str], body, label: str):
    """Excel's trailing commas: empty unnamed columns at the end of the header are dropped.

    An unnamed column that holds a value, or that stands between named
    ones, is an error: its cells would have no name to be written under.
    """
    import polars as pl

    while header and header[-1] == "" and body[body.columns[-1]].null_count() == body.height:
        header, body = header[:-1], body.drop(body.columns[-1])
    for i, name in enumerate(header):
        if name == "":
            col = body.columns[i]
            held = body.with_row_index("_r").filter(pl.col(col).is_not_null()).head(1)
            value = held[col][0] if held.height else ""
            raise InputError(f"{label}: column {i + 1} has no name", problems=[
                problem("column-unnamed", file=label, line=1, column=i + 1, value=value)])
    return header, body


def _fit_row(row: list[str], width: int, label: str, line: int) -> tuple[list[str | None], Problem | None]:
    """A row as the header's ``width`` cells, and its problem if its width is wrong.

    Empty fields past the header's last column (a spreadsheet's trailing
    commas) are dropped without a problem; any other row of the wrong
    width is kept padded or cut, so that it is accounted for as rejected.
    """
    issue = None
    if len(row) > width and not any(cell.strip() for cell in row[width:]):
        row = row[:width]
    if len(row) != width:
        issue = problem("row-width", file=label, line=line, value=",".join(row)[:200],
                        found=len(row), expected=width)
        row = (row + [""] * width)[:width]
    return [cell if cell != "" else None for cell in row], issue


def _read_exact(text: str, label: str, width: int):
    """Parse with the csv module: exact physical lines, ragged rows reported."""
    csv.field_size_limit(_FIELD_SIZE)  # a long field is a warning (field-too-long), never a parse error
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    try:
        next(reader)  # the header, read by _read_header
    except (StopIteration, csv.Error) as exc:  # pragma: no cover - empty caught earlier
        raise InputError(f"{label}: cannot read header", problems=[
            problem("csv-malformed", file=label, line=1, reason=str(exc))]) from None
    columns: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the file is refused: the rows' own problems are moot
            raise InputError(f"{label}: malformed CSV", problems=[
                problem("csv-malformed", file=label, line=start, reason=str(exc))]) from None
        line = start
        start = reader.line_num + 1
        if all(not cell.strip() for cell in row):  # a blank line, or only commas (a spreadsheet's empty row)
            problems.append(problem("row-empty", file=label, line=line))
            continue
        cells, issue = _fit_row(row, width, label, line)
        if issue:
            problems.append(issue)
        lines.append(line)
        for i, cell in enumerate(cells):
            columns[i].append(cell)
    return columns, lines, problems


def _check_cells(frame, header: list[str], label: str, *, clean: bool = False,
                 suspect_lines: list[int] | None = None) -> list[Problem]:
    """Binary bytes and over-long fields, per cell, in time linear in the cells.

    Only candidate rows are looked at cell by cell: rows with a field over
    the limit in bytes (one pass over all columns) and rows that may hold a
    control byte: those on ``suspect_lines`` when the file's scan found them,
    every row when the file holds one somewhere (small files), none if it is
    ``clean``. The candidates are unpivoted to one row per cell, so that
    each cell is tested once, however many columns the file has.
    """
    import polars as pl

    if not header:
        return []
    long = pl.max_horizontal([pl.col(c).str.len_bytes() for c in header]).fill_null(0) > FIELD_LIMIT
    if suspect_lines:
        # the row a physical line belongs to: the last row starting on or before it
        rows = frame["source_line"].search_sorted(pl.Series(suspect_lines, dtype=pl.Int64), side="right") - 1
        suspect = pl.int_range(pl.len()).is_in(rows.filter(rows >= 0).implode())
    else:
        suspect = pl.lit(not clean)
    candidates = frame.select(*header, "source_line").filter(long | suspect)
    if candidates.height == 0:
        return []
    cells = candidates.unpivot(index="source_line", on=header, variable_name="_field", value_name="_value")
    value = pl.col("_value")
    too_long = value.str.len_bytes() > FIELD_LIMIT
    bad = cells.filter(too_long if clean else (too_long | value.str.contains(_CONTROL.pattern)))
    numbers = {name: i + 1 for i, name in enumerate(header)}
    problems: list[Problem] = []
    for line, name, value in bad.iter_rows():
        if len(value) <= FIELD_LIMIT and not _CONTROL.search(value):
            continue
        if _CONTROL.search(value):
            problems.append(problem("binary-bytes", file=label, line=line, column=numbers[name],
                                    field=name, value=_CONTROL.sub("?", value)))
        else:
            problems.append(problem("field-too-long", file=label, line=line, column=numbers[name],
                                    field=name, value=value[:80], length=len(value), limit=FIELD_LIMIT))
    return problems


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def read_side_table(path: Path, *, required: list[str], optional: list[str] = (), numeric: list[str] = (),
                    label: str | None = None, checks: dict | None = None) -> list[dict]:
    """A side table (``measures.csv``, ``plausibility.csv``): its rows as dicts, read by the ledger's rules.

    A side table decides how every claim is read, so it is used whole or
    not at all: any error (encoding, separator, a missing column or field,
    a ``numeric`` field that is not a plain number, a field that one of
    ``checks`` refuses) raises :class:`~prodkit.errors.InputError` with every
    problem located (exit 2). ``checks`` maps a column to a function of its
    text that returns None, or (reason, fix) for a value it refuses.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bounds.csv"
    >>> _ = p.write_text("measure,low\\ncoal,0\\nore,zero\\n", encoding="utf-8")
    >>> try:
    ...     read_side_table(p, required=["measure", "low"], numeric=["low"], label="bounds.csv")
    ... except InputError as e:
    ...     print(e.problems[0].render().splitlines()[0])
    bounds.csv:3:2 [table-number-invalid] low = "zero"
    """
    from ..errors import ERROR

    table = read_table(path, required=list(required), optional=list(optional), label=label)
    problems = [p for p in table.problems if p.severity == ERROR]
    cols = table.column_numbers
    rows = list(table.frame.iter_rows(named=True))
    for row in rows:
        for name in required:
            if not (row[name] or "").strip():
                problems.append(problem("field-empty", file=table.label, line=row["source_line"],
                                        column=cols.get(name), field=name))
        for name in numeric:
            value = (row[name] or "").strip()
            if value and not _NUMBER.fullmatch(value):
                problems.append(problem("table-number-invalid", file=table.label, line=row["source_line"],
                                        column=cols.get(name), field=name, value=row[name]))
        for name, check in (checks or {}).items():
            value = (row.get(name) or "").strip()
            refused = check(value) if value else None
            if refused:
                problems.append(problem("table-value-invalid", file=table.label, line=row["source_line"],
                                        column=cols.get(name), field=name, value=row[name], reason=refused[0],
                                        fix=refused[1]))
    if problems:
        raise InputError(f"{table.label} cannot be used: {len(problems)} problem(s)", problems=problems)
    return rows


def read_raw_text(path: Path) -> str:
    """A raw text file that is not CSV (``units.txt``) as UTF-8, or a located ``encoding-not-utf8`` (exit 2)."""
    from .encodings import read_text

    return read_text(path, display_path(path))


#: Settings a ledger may declare in ``prodkit.toml`` beside its claims, with what each may be.
LEDGER_SETTINGS = {"decimal_mark": (".", ",")}


def read_settings(raw_dir: Path) -> dict[str, str]:
    """The ledger's own settings from ``raw_dir/prodkit.toml`` (none if there is no such file).

    ``decimal_mark = "."`` says that the ledger's figures write "1,400" for
    fourteen hundred and "1.4" for one point four (``","``: the other way
    round); a source's own ``decimal_mark`` column in sources.csv wins.
    Raises :class:`~prodkit.errors.InputError` for a file that is not TOML or
    a setting prodkit does not know, with its location.
    """
    import tomllib

    path = raw_dir / "prodkit.toml"
    if not path.exists():
        return {}
    label = display_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{label} cannot be read: {exc}",
                         hint="Write it as TOML, e.g. decimal_mark = \".\"") from None
    from ..config import RUN_SETTINGS

    settings = data.get("ledger", data)
    out = {}
    for key, value in settings.items():
        if key in RUN_SETTINGS:
            continue  # a run's defaults (prodkit.config), not the ledger's
        if key not in LEDGER_SETTINGS:
            raise InputError(f"{label}: '{key}' is not a ledger setting prodkit knows",
                             hint="Known: " + ", ".join([*LEDGER_SETTINGS, *RUN_SETTINGS]) + ".")
        if value not in LEDGER_SETTINGS[key]:
            raise InputError(f"{label}: {key} = {value!r} is not one of {LEDGER_SETTINGS[key]}",
                             hint=f"Write {key} = \".\" or {key} = \",\".")
        out[key] = value
    return out
