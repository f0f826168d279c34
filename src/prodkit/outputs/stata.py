"""Stata files: ``claims.dta``, ``reconciled.dta``, ``norms_vs_records.dta``, ``sources.dta`` and ``prodkit.do``.

Written as format 118 (Stata 14+) by :mod:`prodkit.outputs.dta`, byte for
byte as pyreadstat writes it with ``version=14`` (pyreadstat itself for text
longer than 2,045 bytes); format 119 (``version=15``) loses long strings in
haven. Each file carries a file label,
a variable label per column (with its unit), and value labels for coded
columns and booleans, each set named after its variable (``label list
status``); coded text is stored as its code (see
:data:`~prodkit.outputs.columns.CODES`). ``date_low`` and ``date_high`` are
Stata dates (``%td``). pyreadstat writes no notes (Stata's ``notes``), so
``prodkit.do`` adds what the files cannot carry: notes with each column's
full description, its unit and its CSV name.

Variable names are the CSV column names where those are valid Stata names;
others (a long or Cyrillic column a historian added) are mapped by
:func:`~prodkit.outputs.columns.stata_names`, and the codebook lists the mapping.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from . import dta
from .columns import LABEL_MAX, STATA_TABLES, Column, describe, shorten_label, stata_names, variable_label

DO_FILE = "prodkit.do"
#: Written in place of the time a file was written, so that the same inputs
#: give byte-identical files. Stata reads it as the data's time stamp.
FIXED_TIMESTAMP = b"01 Jan 1970 00:00"
BOOLEAN_LABELS = {0: "FALSE", 1: "TRUE"}


def stata_frame(frame: pl.DataFrame, columns: list[Column]) -> tuple[pl.DataFrame, dict[str, dict[int, str]]]:
    """The frame as Stata stores it, and its value labels (keyed by Stata name).

    Coded text becomes its code, booleans 0/1, integers 32-bit, missing
    numbers stay missing, missing text becomes "" (Stata has no missing
    string), and numbers that are not finite become missing.
    """
    names = stata_names([c.name for c in columns])
    exprs, labels, schema = [], {}, frame.schema  # the schema once: a ledger may carry thousands of columns
    for c in columns:
        col, dtype, new = pl.col(c.name), schema[c.name], names[c.name]
        if c.codes and dtype == pl.String:
            # the column's distinct values first (a set of a million Python strings takes a tenth of a second)
            values = list(c.codes) + sorted(set(frame[c.name].drop_nulls().unique().to_list()) - set(c.codes))
            exprs.append(col.replace_strict(values, list(range(1, len(values) + 1)), default=None,
                                            return_dtype=pl.Int32).alias(new))
            labels[new] = {i: v for i, v in enumerate(values, 1)}
        elif dtype == pl.Boolean:
            exprs.append(col.cast(pl.Int32).alias(new))
            labels[new] = dict(BOOLEAN_LABELS)
        elif dtype == pl.Date:
            exprs.append(col.alias(new))  # a Stata date (%td), see write_dta
        elif dtype.is_integer():
            fits = frame[c.name].drop_nulls().is_between(-2_147_483_647, 2_147_483_620).all()  # a Stata long
            exprs.append(col.cast(pl.Int32 if fits else pl.Float64).alias(new))
        elif dtype.is_float():
            exprs.append(pl.when(col.is_finite()).then(col).otherwise(None).cast(pl.Float64).alias(new))
        else:
            exprs.append(col.cast(pl.String).fill_null("").alias(new))
    return frame.select(exprs), labels


def write_dta(frame: pl.DataFrame, name: str, path: Path) -> None:
    """Write one table as a labelled Stata 14 file (format 118) with a fixed time stamp.

    prodkit's own vectorised writer (:mod:`prodkit.outputs.dta`) lays the
    file out as ReadStat does; a table with text longer than Stata's
    str2045 goes through pyreadstat, which stores it as a strL.
    """
    table = describe({name: frame})[0]
    data, value_labels = stata_frame(frame, table.columns)
    names = stata_names([c.name for c in table.columns])
    label = shorten_label(f"prodkit {name}: {table.summary}", LABEL_MAX)
    column_labels = {names[c.name]: variable_label(c) for c in table.columns}
    if dta.supports(data):
        dta.write(data, path, file_label=label, variable_labels=column_labels, value_labels=value_labels,
                  timestamp=FIXED_TIMESTAMP)
    else:
        write_dta_readstat(data, path, file_label=label, column_labels=column_labels, value_labels=value_labels)


def write_dta_readstat(data: pl.DataFrame, path: Path, *, file_label: str, column_labels: dict[str, str],
                       value_labels: dict[str, dict[int, str]]) -> None:
    """The same file through pyreadstat (ReadStat), value by value: for strLs, and the writer tests hold to it."""
    import pyreadstat

    dates = {new: "%td" for new, dtype in data.schema.items() if dtype == pl.Date}
    pyreadstat.write_dta(data, str(path), file_label=file_label, column_labels=column_labels,
                         variable_value_labels=value_labels, version=14, variable_format=dates or None)
    _fix_timestamp(path)
    _name_label_sets(path)


#: A name field in a format-118 file: 32 UTF-8 characters of up to 4 bytes, and a terminating NUL.
_NAME_FIELD = 129


def _name_label_sets(path: Path) -> None:
    """Give each value-label set its variable's name (``status``, not ReadStat's ``status1``).

    ReadStat names a variable's label set after the variable and a counter.
    Stata users expect the set to carry the variable's name (``label list
    status``); the name sits in fixed 129-byte fields (in ``<value_label_names>``
    and in each ``<lbl>``), so it is rewritten in place and no offset moves.
    """
    import pyreadstat

    _, meta = pyreadstat.read_dta(str(path), metadataonly=True, output_format="polars")
    renames = {label: var for var, label in meta.variable_to_label.items() if label != var}
    if not renames:
        return
    data = bytearray(path.read_bytes())
    start = data.find(b"<value_label_names>")
    if start < 0:
        raise ValueError(f"{path.name}: no value-label names where a Stata 118 file has them")

    def field(name: str) -> bytes:
        raw = name.encode("utf-8")
        return raw + b"\0" * (_NAME_FIELD - len(raw))

    for old, new in renames.items():
        before, after = field(old), field(new)
        at = data.find(before, start)
        found = 0
        while at >= 0:
            data[at:at + _NAME_FIELD] = after
            found += 1
            at = data.find(before, at + _NAME_FIELD)
        if found != 2:  # once among the variables' label names, once in the set itself
            raise ValueError(f"{path.name}: value-label set {old} found {found} times, not 2")
    path.write_bytes(bytes(data))


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
