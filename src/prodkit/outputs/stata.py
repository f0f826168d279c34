"""Stata files: ``claims.dta``, ``reconciled.dta``, ``norms_vs_records.dta``, ``sources.dta`` and ``prodkit.do``.

Written with pyreadstat as format 118 (Stata 14+, ``version=14``): format 119
(``version=15``) loses long strings in haven. Each file carries a file label,
a variable label per column (with its unit), and value labels for coded
columns and booleans; coded text is stored as its code (see
:data:`~prodkit.outputs.datapackage.CODES`). ``prodkit.do`` adds what the
files cannot carry: notes with each column's full description, its unit and
its CSV name.

Variable names are the CSV column names where those are valid Stata names;
others (a long or Cyrillic column a historian added) are mapped by
:func:`stata_names`, and the codebook lists the mapping.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl

from .datapackage import Column, describe

#: The tables exported to Stata. ``sources`` is there so that ``source_type``
#: has its value labels and claims can be merged with their sources.
STATA_TABLES = ("claims", "reconciled", "norms_vs_records", "sources")
DO_FILE = "prodkit.do"
#: Stata 14's limits: 32 characters per name, 80 per variable or file label.
NAME_MAX = 32
LABEL_MAX = 80
#: Written in place of the time a file was written, so that the same inputs
#: give byte-identical files. Stata reads it as the data's time stamp.
FIXED_TIMESTAMP = b"01 Jan 1970 00:00"
BOOLEAN_LABELS = {0: "FALSE", 1: "TRUE"}

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
    """Column name -> unique Stata name; a valid name is kept as it is.

    Examples
    --------
    >>> stata_names(["note", "note!", "Note"])
    {'note': 'note', 'note!': 'note_2', 'Note': 'Note'}
    """
    taken: set[str] = set()
    out: dict[str, str] = {}
    for col in columns:
        base = stata_name(col)
        name, k = base, 1
        while name in taken:
            k += 1
            name = base[: NAME_MAX - len(f"_{k}")] + f"_{k}"
        taken.add(name)
        out[col] = name
    return out


def _shorten(text: str, limit: int) -> str:
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
    return _shorten(text, room) + unit


def stata_frame(frame: pl.DataFrame, columns: list[Column]) -> tuple[pl.DataFrame, dict[str, dict[int, str]]]:
    """The frame as Stata stores it, and its value labels (keyed by Stata name).

    Coded text becomes its code, booleans 0/1, integers 32-bit, missing
    numbers stay missing, missing text becomes "" (Stata has no missing
    string), and numbers that are not finite become missing.
    """
    names = stata_names([c.name for c in columns])
    exprs, labels = [], {}
    for c in columns:
        col, dtype, new = pl.col(c.name), frame.schema[c.name], names[c.name]
        if c.codes and dtype == pl.String:
            values = list(c.codes) + sorted(set(frame[c.name].drop_nulls()) - set(c.codes))
            exprs.append(col.replace_strict(values, list(range(1, len(values) + 1)), default=None,
                                            return_dtype=pl.Int32).alias(new))
            labels[new] = {i: v for i, v in enumerate(values, 1)}
        elif dtype == pl.Boolean:
            exprs.append(col.cast(pl.Int32).alias(new))
            labels[new] = dict(BOOLEAN_LABELS)
        elif dtype.is_integer():
            fits = frame[c.name].drop_nulls().is_between(-2_147_483_647, 2_147_483_620).all()  # a Stata long
            exprs.append(col.cast(pl.Int32 if fits else pl.Float64).alias(new))
        elif dtype.is_float():
            exprs.append(pl.when(col.is_finite()).then(col).otherwise(None).cast(pl.Float64).alias(new))
        else:
            exprs.append(col.cast(pl.String).fill_null("").alias(new))
    return frame.select(exprs), labels


def write_dta(frame: pl.DataFrame, name: str, path: Path) -> None:
    """Write one table as a labelled Stata 14 file (format 118) with a fixed time stamp."""
    import pyreadstat

    table = describe({name: frame})[0]
    data, value_labels = stata_frame(frame, table.columns)
    names = stata_names([c.name for c in table.columns])
    pyreadstat.write_dta(
        data, str(path), file_label=_shorten(f"prodkit {name}: {table.summary}", LABEL_MAX),
        column_labels={names[c.name]: variable_label(c) for c in table.columns},
        variable_value_labels=value_labels, version=14)
    _fix_timestamp(path)


def _fix_timestamp(path: Path) -> None:
    """Overwrite the time stamp ReadStat takes from the clock (same length, so no offset moves)."""
    tag = b"<timestamp>"
    with open(path, "r+b") as fh:  # patched in place: the stamp sits in the first 512 bytes
        head = fh.read(512)
        at = head.find(tag)
        if at < 0 or head[at + len(tag)] not in (0, len(FIXED_TIMESTAMP)):
            raise ValueError(f"{path.name}: no Stata 118 time stamp where expected")
        if head[at + len(tag)] == len(FIXED_TIMESTAMP):
            fh.seek(at + len(tag) + 1)
            fh.write(FIXED_TIMESTAMP)


def _note(text: str) -> str:
    """Text safe on a do-file line: one line, no macro expansion (\\` and \\$), no comment markers."""
    text = " ".join(text.split())
    for a, b in (("`", "\\`"), ("$", "\\$"), ("//", "/ /"), ("/*", "/ *"), ("*/", "* /")):
        text = text.replace(a, b)
    return text


def do_file(tables: dict[str, pl.DataFrame]) -> str:
    """prodkit.do: ``do prodkit TABLE`` loads TABLE.dta and adds its notes."""
    exported = [t for t in describe({k: v for k, v in tables.items() if k in STATA_TABLES})]
    names_list = ", ".join(t.name for t in exported)
    lines = [
        "* prodkit.do: load one prodkit table into Stata (14 or later) with its notes.",
        "* Written by prodkit with the .dta files; rewritten on every run, so do not edit.",
        "*",
        "* From the folder that holds the .dta files:",
        *[f"*     do prodkit {t.name}" for t in exported],
        "* then: notes (descriptions, units, CSV names), describe, label list (codes).",
        "",
        "version 14",
        "args table",
        'if `"`table\'"\' == "" local table "reconciled"',
        "if !inlist(`\"`table'\"', " + ", ".join(f'"{t.name}"' for t in exported) + ") {",
        f'    display as error "prodkit.do: no table `table\'; use one of: {names_list}"',
        "    exit 198",
        "}",
        'use "`table\'.dta", clear',
    ]
    for t in exported:
        names = stata_names([c.name for c in t.columns])
        lines += ["", f'if "`table\'" == "{t.name}" {{',
                  f"    notes _dta: {_note(f'prodkit {t.name}: {t.summary}')}",
                  f"    notes _dta: Written by prodkit; the same rows as {t.name}.csv. Missing text is empty "
                  "(Stata has no missing string); a missing number is . (system missing).",
                  ]
        coded = [names[c.name] for c in t.columns if c.codes or c.type == "boolean"]
        if coded:
            lines.append(f"    notes _dta: Coded variables hold numbers with value labels ({', '.join(coded)}); "
                         "decode gives the text, e.g. decode " + coded[0] + ", generate(" + coded[0][:27]
                         + "_text).")
        for c in t.columns:
            unit = f" Unit: {c.unit}." if c.unit else f" Unit: given in {names[c.unit_column]}." \
                if c.unit_column else ""
            csv = f" CSV column: {c.name}." if names[c.name] != c.name else ""
            lines.append(f"    notes {names[c.name]}: {_note(c.description + unit + csv)}")
        lines.append("}")
    return "\n".join(lines) + "\n"


def write_all(tables: dict[str, pl.DataFrame], out: Path) -> list[Path]:
    """Write a ``.dta`` file for each table in :data:`STATA_TABLES` present, and ``prodkit.do``."""
    paths = []
    for name in STATA_TABLES:
        if name in tables:
            path = Path(out) / f"{name}.dta"
            write_dta(tables[name], name, path)
            paths.append(path)
    do = Path(out) / DO_FILE
    do.write_text(do_file(tables), encoding="utf-8", newline="\n")
    return paths + [do]
