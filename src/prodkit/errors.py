"""Problems found in a ledger, and the errors prodkit raises.

Every problem prodkit can report has a stable kebab-case code, a default
severity, a message template and a hint template, all listed in ``CODES``
below. A :class:`Problem` names the file, the 1-based physical line, the
1-based column and its name, and the offending value, so that a historian can
open the spreadsheet at the right cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"

#: code -> (severity, message template, hint template). Templates are filled
#: with ``str.format`` from the keyword arguments given to :func:`problem`.
CODES: dict[str, tuple[str, str, str]] = {
    # reading a file
    "file-missing": (ERROR, "{file} does not exist.", "Check --raw-dir, or create the file with the header row shown in the README."),
    "file-empty": (ERROR, "The file is empty.", "Write a header row (see the README codebook) and at least one row."),
    "header-only": (WARNING, "The file has a header row but no data rows.", "Add rows below the header, or remove the file if it is optional."),
    "encoding-not-utf8": (ERROR, "The file is not UTF-8; it looks like {guess}.", "Re-save it as UTF-8 (in LibreOffice: Save As, 'Edit filter settings', Character set 'Unicode (UTF-8)')."),
    "delimiter-wrong": (ERROR, "The file is separated by {found}, not commas.", "Re-save it as comma-separated CSV (prodkit reads ',' only, so that no column is silently split)."),
    "csv-malformed": (ERROR, "The file cannot be read as CSV: {reason}.", "Check for an unclosed quote (\") on or before this line."),
    "row-width": (ERROR, "The row has {found} fields where the header has {expected}.", "Quote fields that contain commas, or remove the extra separators."),
    "row-empty": (WARNING, "The line is empty.", "Delete the empty line; it is not counted as a claim."),
    "binary-bytes": (ERROR, "The field contains control or binary bytes.", "Retype the field; it may have been pasted from a PDF or a binary file."),
    "field-too-long": (WARNING, "The field is {length} characters long (over {limit}).", "Shorten it: a quote should be at most 25 words, a note a few sentences."),
    # columns
    "column-missing": (ERROR, "Required column '{field}' is missing.{suggestion}", "Add the column '{field}' to the header (see the README codebook)."),
    "column-unknown": (WARNING, "Column '{field}' is not one prodkit knows; it is kept as it is.", "Check the spelling against the README codebook if you meant a known column."),
    "column-misspelt": (WARNING, "Column '{field}' is not one prodkit knows; it is kept as it is.", "Did you mean '{near}'? Rename the column if so."),
    "column-duplicate": (ERROR, "Column '{field}' appears more than once in the header.", "Rename or delete one of the columns."),
    # fields
    "field-empty": (ERROR, "Required field '{field}' is empty.", "Fill in '{field}' (see the README codebook)."),
    "value-unparseable": (ERROR, "'{value}' is not a number prodkit can read: {reason}.", "Write the figure as the source gives it, e.g. '102', '14-15', '~46 000', 'about 55', '4 ½ thousand'."),
    "ambiguous-number": (WARNING, "{reason}; prodkit does not choose.", "Declare the decimal mark: decimal_mark = \".\" or \",\" in the ledger's prodkit.toml, or the source's in sources.csv (column decimal_mark). The claim is kept with no number and the flag 'ambiguous-number'."),
    "value-vague": (WARNING, "'{value}' is a vague figure with no number.", "Nothing to fix: the claim is kept with no number and the flag 'vague'."),
    "value-range-inverted": (ERROR, "The range '{value}' has its low end above its high end.", "Write the range low to high, e.g. '14-15' (a fall is a 'growth' with a negative value)."),
    "value-negative": (ERROR, "'{value}' is negative, which an output, count or norm cannot be.", "Check the sign; a fall is a 'growth' statistic with a negative value."),
    "date-invalid": (ERROR, "'{value}' is not an ISO 8601 date ({reason}).", "Write YYYY, YYYY-MM or YYYY-MM-DD (partial dates are fine: 1935, 1935-09, 1935-08-31), or an interval 1933/1937."),
    "unit-unknown": (ERROR, "'{value}' is not a unit prodkit knows.", "Write one of the names listed by `prodkit units`, or define it in data/raw/units.txt."),
    "unit-convention": (WARNING, "This ledger's units.txt reads '{value}' as {definition}, not as prodkit does ({prodkit}).", "Keep the line if the ledger's sources write '{value}' so (e.g. British long tons); delete it to read '{value}' as prodkit does."),
    "value-unit-conflict": (ERROR, "'{value}' and the figure disagree: {reason}.", "{fix}"),
    "unit-gloss-conflict": (ERROR, "'{value}' reads two ways: {reason}.", "{fix}"),
    "unit-ambiguous": (ERROR, "'{value}' is ambiguous: {reason}.", "{fix}"),
    "dimension-mismatch": (ERROR, "'{value}' is {found}, but measure '{measure}' with statistic '{statistic}' needs {expected}.", "Check the unit, the measure and the statistic; a percent of the norm goes in statistic 'pct_of_norm'."),
    "measure-unknown": (WARNING, "Measure '{value}' is not in prodkit's measures table; its unit sets its canonical unit.", "Add it to data/raw/measures.csv, or use a listed measure (see the README)."),
    "statistic-unknown": (ERROR, "Statistic '{value}' is not one of: {allowed}.", "Use one of the listed statistics."),
    "source-type-unknown": (ERROR, "Source type '{value}' is not one of: {allowed}.", "Use one of the listed source types."),
    "basis-unknown": (WARNING, "Basis '{value}' is not one prodkit reads; no per-hour rate is derived.", "Write 'per shift', 'per 6-hour shift', 'per hour', 'per day', 'per month', 'per year', 'per season', 'at once' or 'total'."),
    "decimal-mark-invalid": (ERROR, "'{value}' is not a decimal mark.", "Write '.' (the source writes 1,400.5) or ',' (it writes 1.400,5), or leave it empty."),
    "number-invalid": (ERROR, "'{value}' is not a number.", "Write a whole number, e.g. 1 for the most trusted source."),
    # cross-row and cross-table
    "duplicate-claim-id": (ERROR, "claim_id '{value}' is used again (first at line {first_line}).", "Give every claim its own claim_id."),
    "duplicate-source-id": (ERROR, "source_id '{value}' is used again (first at line {first_line}).", "Give every source its own source_id."),
    "source-unknown": (ERROR, "source_id '{value}' is not in {sources_file}.", "Add the source to sources.csv, or correct the id{suggestion}."),
    "source-rejected": (ERROR, "source_id '{value}' is rejected in {sources_file} (see its problems).", "Fix the source's row in sources.csv."),
    "derived-unknown": (ERROR, "derived_from '{value}' is not a source_id in this file.", "Correct the id, or leave derived_from empty."),
    "derived-cycle": (ERROR, "derived_from makes a cycle: {value}.", "A source can retell another, but not itself through a chain."),
    "event-inconsistent": (WARNING, "event_id '{event_id}' names {field} '{value}' here but '{other}' at line {other_line}.", "Claims of one event describe one fact: make {field} agree, or split the event."),
    "adjudication-no-event": (ERROR, "No claim has event_id '{value}' with this measure and statistic.", "Correct event_id, measure or statistic, or delete the adjudication."),
    "adjudication-claim-unknown": (ERROR, "claim_id '{value}' is not a claim of this event.", "Name a claim_id of the event, or give a value instead."),
    "adjudication-duplicate": (ERROR, "The event is adjudicated twice (first at line {first_line}).", "Keep one adjudication per event, measure and statistic."),
    "converted-from-unknown": (ERROR, "converted_from '{value}' is not a claim_id in this file.", "Name the claim that this conversion converts."),
    "norm-ref-unknown": (ERROR, "norm_ref '{value}' names no event with a norm.", "Name the event_id of a norm claim, or leave norm_ref empty."),
    # checks on values
    "implausible": (WARNING, "{value} {unit} is outside the plausible bound for {measure} {basis} ({low} to {high}): {why}", "Check the source; the value is kept and flagged."),
    "norm-ratio-mismatch": (WARNING, "The stated {what} ({stated}) disagrees with record / norm = {computed}.", "Check the figures; the sources may use different norms. The implied norm is {implied}."),
    "conversion-mismatch": (WARNING, "The stated conversion {value} {unit} disagrees with prodkit's {expected} (difference {diff_pct}%).", "Check which unit the conversion used; prodkit uses {unit_note}."),
    # historical judgement (norms, ratios, retellings)
    "date-interval-mismatch": (WARNING, "The stated {measure} '{value}' does not square with the dates: from {anchor} to {date} is {computed}.", "Check the date and the interval in the source; both are kept and the claim is flagged."),
    "growth-kinds-mixed": (WARNING, "The growth claims of {value} mix multiples and percentage increases; no growth factor is given.", "Split the claims into events of one kind, or adjudicate."),
    # publishing and usage
    "column-reserved": (ERROR, "Column '{field}' has the name of a column prodkit adds to claims.csv.", "Rename the column (e.g. 'raw_{field}'): prodkit would otherwise write its own '{field}' over it."),
    # hostile input
    "column-unnamed": (ERROR, "A column has no name in the header, but holds values (e.g. '{value}').", "Name the column in the header row, or delete it (empty unnamed columns after the last named one, a spreadsheet's trailing commas, are ignored)."),
    "id-spaces": (WARNING, "{field} '{value}' has spaces around it; it is read as '{stripped}'.", "Delete the spaces, so that the id reads the same everywhere it is used."),
    "id-not-slug": (WARNING, "{field} '{value}' does not follow the id rule: {reason}.", "Write ids in small letters a-z, digits, and '-', '_' or '.' between them (see the README codebook), e.g. '{slug}'."),
    "id-near-duplicate": (ERROR, "{field} '{value}' differs from '{other}' (line {other_line}) only by {how}.", "If it is the same {what}, write it exactly as '{other}'; if not, give it an id that differs in letters or digits."),
    "number-too-large": (ERROR, "'{value}' is too large for a rank (more than 9 digits).", "Write a small whole number, e.g. 1 for the most trusted source."),
    "adjudication-value-and-claim": (ERROR, "The adjudication gives both a value ('{value}') and a claim_id ('{claim_id}').", "Keep one: a claim_id to choose a claim, or a value to set a figure of your own (and leave the other empty)."),
    "table-number-invalid": (ERROR, "'{value}' in column '{field}' is not a number.", "Write a number with '.' as the decimal mark, e.g. 250 or 0.5."),
    "unit-bracket-unread": (ERROR, "'{value}' has a bracket prodkit does not read: {reason}.", "{fix}"),
    "table-value-invalid": (ERROR, "'{value}' in column '{field}' cannot be used: {reason}.", "{fix}"),
    # --- issue 21: prodkit extract and prodkit events suggest ---
    "text-not-a-file": (ERROR, "{file} is a folder, not a text.", "Name the text files themselves (a shell pattern such as texts/*.txt names them all)."),
    "text-too-large": (ERROR, "The text is {size}, over the limit of {limit}.", "Split the text into parts, or raise the limit with --max-size."),
    "text-binary": (ERROR, "This is {what}, not a text prodkit can read.", "{fix}"),
    "text-empty": (ERROR, "The text is empty ({value}).", "Check that the file was saved completely; extract from a copy with the text in it."),
    "text-encoding-unknown": (ERROR, "The text is not UTF-8 and looks like {guess}, which prodkit cannot decode for sure.", "Re-save it as UTF-8 (in a text editor: Save As, encoding UTF-8)."),
    "text-encoding-guessed": (WARNING, "The text is not UTF-8; it was read as {guess}.", "Check a few Cyrillic or accented words in the quotes; re-save the text as UTF-8 to be sure."),
    "text-no-figures": (WARNING, "No figure with a unit was found in the text ({value}).", "Check that it is the text you meant (an OCR layer may be missing); figures with no unit and no cue are not candidates."),
    "candidate-unknown": (ERROR, "'{value}' is not a claim_id of the candidates file.", "Copy the claim_id column of the candidates file exactly."),
    "candidate-accepted-already": (ERROR, "'{value}' is already a claim of the ledger.", "Accept each candidate once."),
    "event-looks-split": (WARNING, "Claims {value} share event_id '{event_id}' but look like different events: {reason}.", "Check the sources; split the event if they tell different facts, or keep it and say why in the note."),
}


#: Appended to a warning's message when ``--strict`` makes it reject its row.
STRICT_SUFFIX = " (rejected under --strict)"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one cell (or row, or file) of the input."""

    file: str
    line: int | None
    column: int | None
    field: str
    value: str
    severity: str
    code: str
    message: str
    hint: str
    extra: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def as_row(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column, "field": self.field,
                "value": self.value, "severity": self.severity, "code": self.code, "message": self.message,
                "hint": self.hint}

    def render(self) -> str:
        """Format the problem for a terminal: location, value, reason, fix."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        head = f"{where} [{self.code}]"
        if self.field:
            head += f" {self.field} = {_short(self.value)!s}"
        message = "".join(ch if ch.isprintable() else "?" for ch in self.message)
        return f"{head}\n  {message}\n  Fix: {self.hint}"


def problem_order(p: Problem) -> tuple:
    """The order of problems.csv: by file, line, column, code, field and value, then the rest of the row.

    Every written field takes part, so two problems never tie and the order
    never depends on how they were found.
    """
    return (p.file, p.line if p.line is not None else 0, p.column if p.column is not None else 0, p.code,
            p.field, p.value, p.message, p.severity, p.hint)


def merge_problems(ordered: list[Problem], more: list[Problem]) -> list[Problem]:
    """``ordered`` (in :func:`problem_order`, no repeats) with ``more`` added, in order, without repeats.

    The checks after loading find a few problems where loading found
    hundreds of thousands: only the new ones are sorted and looked up.

    >>> a, b = problem("field-empty", file="c.csv", line=3, field="unit"), problem("row-empty", file="c.csv", line=2)
    >>> [p.line for p in merge_problems([a], [b, a, b])]
    [2, 3]
    """
    import bisect
    import heapq

    keys = [problem_order(p) for p in ordered]
    fresh = []
    for p in sorted(set(more), key=problem_order):
        k = problem_order(p)
        i = bisect.bisect_left(keys, k)
        if i < len(keys) and keys[i] == k and ordered[i] == p:
            continue  # already listed
        fresh.append(p)
    return list(heapq.merge(ordered, fresh, key=problem_order)) if fresh else list(ordered)


def _short(value: str, limit: int = 60) -> str:
    """A value fit for one terminal line: control bytes shown as \\xNN, long text cut."""
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    shown = "".join(ch if ch.isprintable() else "\\x%02x" % ord(ch) if ord(ch) < 256 else "\\u%04x" % ord(ch)
                    for ch in text)
    return '"' + shown + '"'


def problem(
    code: str,
    *,
    file: str,
    line: int | None = None,
    column: int | None = None,
    field: str = "",
    value: object = "",
    severity: str | None = None,
    strict: bool = False,
    **details: object,
) -> Problem:
    """Build a :class:`Problem` from its code and the details its templates need.

    Every message and hint is written here, from the templates in
    :data:`CODES`, and nowhere else. ``strict`` builds the ``--strict``
    form of a warning: an error, whose message says that it rejects the row.

    >>> p = problem("unit-unknown", file="claims.csv", line=48, column=8,
    ...             field="unit", value="poods/shift")
    >>> print(p.render())
    claims.csv:48:8 [unit-unknown] unit = "poods/shift"
      'poods/shift' is not a unit prodkit knows.
      Fix: Write one of the names listed by `prodkit units`, or define it in data/raw/units.txt.
    """
    default_severity, message, hint = CODES[code]
    text = "" if value is None else str(value)
    fill = {"file": file, "field": field, "value": text, **details}
    severity = severity or default_severity
    message = message.format(**fill)
    if strict and severity == WARNING:
        severity, message = ERROR, message + STRICT_SUFFIX
    return Problem(
        file=file,
        line=line,
        column=column,
        field=field,
        value=text,
        severity=severity,
        code=code,
        message=message,
        hint=hint.format(**fill),
        extra=dict(details),
    )


def under_strict(p: Problem) -> Problem:
    """The ``--strict`` form of ``p``, built afresh from its code and details (see :func:`problem`).

    >>> p = problem("row-empty", file="c.csv", line=4)
    >>> q = under_strict(p)
    >>> (q.severity, q.message)
    ('error', 'The line is empty. (rejected under --strict)')
    """
    return problem(p.code, file=p.file, line=p.line, column=p.column, field=p.field, value=p.value,
                   strict=True, **p.extra)


#: The columns of problems.csv, in order.
PROBLEM_COLUMNS = ["file", "line", "column", "field", "value", "severity", "code", "message", "hint"]


def problems_frame(problems: list[Problem]):
    """The problems as a polars frame with the columns of ``problems.csv``, in the order given."""
    import polars as pl

    rows = [(p.file, p.line, p.column, p.field, p.value, p.severity, p.code, p.message, p.hint) for p in problems]
    schema = {"file": pl.String, "line": pl.Int64, "column": pl.Int64, "field": pl.String, "value": pl.String,
              "severity": pl.String, "code": pl.String, "message": pl.String, "hint": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


class ProdkitError(Exception):
    """An error that stops a command. ``exit_code`` follows the CONTRACT."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str = "", problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.problems = problems or []

    def __str__(self) -> str:
        return self.message + (f"\n  Fix: {self.hint}" if self.hint else "")


class InputError(ProdkitError):
    """An input file cannot be read at all (missing, not CSV, wrong encoding)."""


class UsageError(ProdkitError):
    """An option or argument is wrong (unknown strategy, unknown event)."""


class UnitError(ProdkitError):
    """A unit definition or unit string cannot be used.

    Like pint's own errors it keeps its facts as fields and builds its text
    from them: ``unit`` (as written), ``code`` (the problem code a claim
    with this unit gets: ``unit-unknown`` or ``unit-ambiguous``),
    ``reason``, and, for a line of ``units.txt``, ``file`` and ``line``.

    >>> e = UnitError("ton", code="unit-ambiguous", reason="a ton is 907, 1016 or 1000 kg",
    ...               hint="Write 'tonne'.", file="units.txt", line=3)
    >>> str(e).splitlines()[0]
    "units.txt:3: 'ton' is ambiguous: a ton is 907, 1016 or 1000 kg"
    """

    def __init__(self, unit: str, *, code: str = "unit-unknown", reason: str = "", hint: str = "",
                 file: str | None = None, line: int | None = None):
        self.unit, self.code, self.reason, self.file, self.line = unit, code, reason, file, line
        super().__init__(self._text(), hint=hint)

    def _text(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file else ""
        if self.code == "unit-ambiguous":
            what = f"'{self.unit}' is ambiguous" + (f": {self.reason}" if self.reason else "")
        elif self.code == "unit-redefined":
            what = f"'{self.unit}' is already a unit; redefining it is not allowed"
        elif self.code in ("unit-gloss-conflict", "value-unit-conflict"):
            what = f"'{self.unit}' reads two ways: {self.reason}"
        elif self.code == "unit-bracket-unread":
            what = f"'{self.unit}' has a bracket prodkit does not read: {self.reason}"
        elif self.code == "unit-definition-invalid":
            what = f"cannot read the definition '{self.unit}'" + (f": {self.reason}" if self.reason else "")
        else:
            what = f"'{self.unit}' is not a unit prodkit knows" + (f": {self.reason}" if self.reason else "")
        return where + what


class DimensionMismatch(UnitError):
    """A unit of another dimension than the canonical unit it must convert to."""

    def __init__(self, unit: str, *, found: str, expected: str):
        self.found, self.expected = found, expected
        super().__init__(unit, code="dimension-mismatch", reason=f"unit is {found}, expected {expected}")

    def _text(self) -> str:
        return f"'{self.unit}' is {self.found}, expected {self.expected}"


class OutputError(ProdkitError):
    """The outputs cannot be written or published (disk full, no permission, a folder in a file's place)."""
