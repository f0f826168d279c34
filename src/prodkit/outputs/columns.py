"""The columns of the written tables: what the schema says about each, its Stata name, its label.

:func:`describe` reads every table as :mod:`prodkit.schema` documents it;
the data package, the codebook (:mod:`.datapackage`) and the Stata files
(:mod:`.stata`) are all written from its :class:`Table` and :class:`Column`
records. The Stata names (:func:`stata_names`) and the variable labels
(:func:`variable_label`) sit here too, since the codebook lists them beside
the Stata files that use them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import polars as pl

from ..errors import ProdkitError
from ..schema import ISO_PARTIAL, OUTPUT_MODELS, QUALIFIERS, ROLES, SEVERITIES, SOURCE_TYPES, STATISTICS, STATUSES

#: The tables exported to Stata. ``sources`` is there so that ``source_type``
#: has its value labels and claims can be merged with their sources.
STATA_TABLES = ("claims", "reconciled", "norms_vs_records", "sources", "event_claims", "source_reliability")
#: Stata 14's limits: 32 characters per name, 80 per variable or file label.
NAME_MAX = 32
LABEL_MAX = 80

#: Coded text columns: their allowed values, in code order. The Stata export
#: stores code i (1-based) for the i-th value, so append, never reorder.
CODES: dict[str, list[str]] = {
    "statistic": STATISTICS, "status": STATUSES, "source_type": SOURCE_TYPES,
    "qualifier": QUALIFIERS, "severity": SEVERITIES, "role": ROLES,
}

#: (table, column) -> (table, column) it refers to.
FOREIGN_KEYS = {
    ("claims", "source_id"): ("sources", "source_id"),
    ("reconciled", "chosen_claim_id"): ("claims", "claim_id"),
    ("conflicts", "claim_id"): ("claims", "claim_id"),
    ("conflicts", "source_id"): ("sources", "source_id"),
    ("norms_vs_records", "record_claim_id"): ("claims", "claim_id"),
    ("norms_vs_records", "record_source_id"): ("sources", "source_id"),
}

#: Columns holding a partial ISO 8601 date (text: 1935, 1935-09, 1933/1937).
DATE_COLUMNS = {"date"}
EXTRA_COLUMN = "A column the ledger's author added to claims.csv, copied as written."



@dataclass(frozen=True)
class Column:
    """What the schema says about one written column."""

    name: str
    type: str                 # Frictionless type: string, number, integer, boolean
    description: str
    title: str | None = None
    unit: str | None = None        # a fixed unit ("%")
    unit_column: str | None = None  # or the column that holds each row's unit
    required: bool = False
    codes: list[str] | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    rows: int
    columns: list[Column]
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (column, table, column)

    @property
    def summary(self) -> str:
        """The description without its leading file name: "one row per (event_id, ...)"."""
        return re.sub(r"^\S+\.csv( \([^)]*\))?:\s*", "", self.description)


def _frictionless_type(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if dtype.is_integer():
        return "integer"
    if dtype.is_numeric():
        return "number"
    return "string"


def describe(tables: dict[str, pl.DataFrame]) -> list[Table]:
    """Every table in ``tables`` as the schema documents it, in the order written.

    Raises :class:`~prodkit.errors.ProdkitError` for a table or column the
    schema does not describe: a table nobody documented is prodkit's bug.

    Examples
    --------
    >>> t = describe({"accounts": pl.DataFrame({"file": ["claims.csv"], "read": [3], "used": [2],
    ...                                          "rejected": [1]})})[0]
    >>> [(c.name, c.type, c.required) for c in t.columns]
    [('file', 'string', True), ('read', 'integer', True), ('used', 'integer', True), ('rejected', 'integer', True)]
    """
    out = []
    for name, frame in tables.items():
        model = OUTPUT_MODELS.get(name)
        if model is None:
            raise ProdkitError(f"no schema describes the table {name}",
                               hint="This is a bug in prodkit: add a model to OUTPUT_MODELS in schema.py.")
        schema = model.to_schema()
        columns, present = [], set(frame.columns)  # a set: a ledger may carry thousands of columns
        for col, dtype in frame.schema.items():
            spec = schema.columns.get(col)
            if spec is None:
                if name not in ("claims", "sources"):  # the two tables that keep a historian's own columns
                    raise ProdkitError(f"the schema does not describe {name}.{col}",
                                       hint="This is a bug in prodkit: document the column in schema.py.")
                columns.append(Column(col, _frictionless_type(dtype), EXTRA_COLUMN, title=col))
                continue
            unit = (spec.metadata or {}).get("unit")
            per_row = unit in present
            columns.append(Column(
                name=col, type=_frictionless_type(dtype), description=spec.description or "",
                title=spec.title, unit=None if per_row else unit, unit_column=unit if per_row else None,
                required=not spec.nullable, codes=CODES.get(col),
                pattern=ISO_PARTIAL.strip("^$") if col in DATE_COLUMNS else None))
        key = list(schema.unique or [])
        fks = [(col, *FOREIGN_KEYS[(name, col)]) for col in frame.columns
               if (name, col) in FOREIGN_KEYS and FOREIGN_KEYS[(name, col)][0] in tables]
        out.append(Table(name, (schema.description or "").strip(), frame.height, columns, key, fks))
    return out



# ---------------------------------------------------------------------------
# Stata names and labels
# ---------------------------------------------------------------------------

_RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N",
             "_pi", "pi", "_pred", "_rc", "_skip", "_weight", "strL", "using", "with"}
_VALID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
# Library of Congress romanisation without diacritics: the spelling the
# ledger itself uses ("Krasnyi Oktiabr'", "Moi metod").
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia", "i", "i", "ie", "g", "u"]))



def _ascii(name: str) -> str:
    out = []
    for ch in name:
        low = ch.lower()
        if low in _CYRILLIC:
            latin = _CYRILLIC[low]
            out.append(latin.capitalize() if ch != low else latin)
        else:  # é -> e, ß stays (then becomes _)
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or ch)
    return "".join(out)


def stata_name(name: str) -> str:
    """A valid Stata variable name for a column name (before making names unique).

    Examples
    --------
    >>> stata_name("value_low"), stata_name("année"), stata_name("примечание"), stata_name("in")
    ('value_low', 'annee', 'primechanie', 'in_')
    >>> stata_name("1st source (page)"), len(stata_name("a" * 40)), stata_name("_kept__as_is")
    ('_1st_source_page', 32, '_kept__as_is')
    """
    if _VALID.match(name) and not _reserved(name):
        return name
    s = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", _ascii(name)))
    s = s.strip("_") or "var"
    if s[0].isdigit():
        s = "_" + s
    s = s[:NAME_MAX].rstrip("_") or s[:NAME_MAX]
    if _reserved(s):
        s = s[: NAME_MAX - 1] + "_"
    return s


def _reserved(name: str) -> bool:
    return name in _RESERVED or re.fullmatch(r"str\d+", name) is not None


def stata_names(columns: list[str]) -> dict[str, str]:
    """Column name -> unique Stata name; a valid name is kept as it is, always.

    A column whose name is already a valid Stata name keeps it, wherever it
    stands; a column renamed to fit Stata takes its fitted name, or, if that
    is taken, the first free ``_2``, ``_3``, ... in column order. So adding a
    column never renames another that was valid.

    Examples
    --------
    >>> stata_names(["note", "note!", "Note"])
    {'note': 'note', 'note!': 'note_2', 'Note': 'Note'}
    >>> stata_names(["my col", "my_col"])
    {'my col': 'my_col_2', 'my_col': 'my_col'}
    """
    fitted = {col: stata_name(col) for col in columns}
    taken: set[str] = {col for col in columns if fitted[col] == col}
    out: dict[str, str] = {}
    for col in columns:
        base = fitted[col]
        if base == col:
            out[col] = col
            continue
        name, k = base, 1
        while name in taken:
            k += 1
            name = base[: NAME_MAX - len(f"_{k}")] + f"_{k}"
        taken.add(name)
        out[col] = name
    return out  # in column order: filled in that order


def shorten_label(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, with an ellipsis where cut.

    Examples
    --------
    >>> shorten_label("Low end of the figure in unit_canonical", 20)
    'Low end of the…'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return cut + "…"


def _clause(text: str, marks: str) -> str:
    """``text`` up to the first of ``marks`` followed by a space, outside parentheses ("e.g." is no end)."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch in marks and text[i + 1 : i + 2] in (" ", "") \
                and not text[max(0, i - 3) : i + 1].lower() in ("e.g.", "i.e."):
            return text[:i]
    return text


def full_title(c: Column) -> str:
    """A column's title with no length limit (the data package's), with its unit.

    The schema's title if it gives one, else the description's first sentence.

    Examples
    --------
    >>> full_title(Column("v", "number", "Low end of the span of all claims in the group, whatever the strategy "
    ...                   "picks. Empty when open.", unit_column="unit"))
    'Low end of the span of all claims in the group, whatever the strategy picks (unit: see unit)'
    """
    unit = f" ({c.unit})" if c.unit else f" (unit: see {c.unit_column})" if c.unit_column else ""
    text = (c.title or _clause(c.description.strip(), ".;").strip() or c.description).strip().rstrip(".")
    return text + unit


def variable_label(c: Column) -> str:
    """A label of at most 80 characters, with the column's unit.

    The column's title if the schema gives one; else its description if it
    fits, else the description's first sentence or clause, else the
    description cut at a word.

    Examples
    --------
    >>> variable_label(Column("pct", "number", "record / norm_high, in %.", unit="%"))
    'record / norm_high, in % (%)'
    >>> variable_label(Column("v", "number", "Low end of the figure (in t); empty when open. " * 2,
    ...                       unit_column="unit"))
    'Low end of the figure (in t) (unit: see unit)'
    """
    unit = f" ({c.unit})" if c.unit else f" (unit: see {c.unit_column})" if c.unit_column else ""
    room = LABEL_MAX - len(unit)
    text = (c.title or c.description).strip().rstrip(".")
    if len(text) > room and not c.title:
        for marks in (".;", ":"):
            head = _clause(text, marks).strip()
            if 12 <= len(head) <= room:
                text = head
                break
    return shorten_label(text, room) + unit

