"""The data package (``datapackage.json``) and the codebook (``codebook.md``).

Both are generated from the pandera models in :mod:`prodkit.schema`, the same
definitions :func:`prodkit.schema.validate_outputs` checks every table
against, so a column's description, unit, codes and keys cannot drift between
what is checked, what Frictionless validates and what a historian reads.
A column's type is the type it is written with (the frame's dtype), which the
validator has already matched against the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from .columns import CODES, STATA_TABLES, Column, Table, describe, full_title, stata_names


def _field(c: Column) -> dict:
    # the full title: Stata's 80-character cut applies to the .dta labels only
    f: dict = {"name": c.name, "title": full_title(c), "type": c.type,
               "description": c.description}
    if c.type == "boolean":
        f["trueValues"], f["falseValues"] = ["TRUE"], ["FALSE"]
    if c.unit:
        f["unit"] = c.unit
    if c.unit_column:
        f["unitField"] = c.unit_column
    constraints: dict = {}
    if c.required:
        constraints["required"] = True
    if c.codes:
        constraints["enum"] = list(c.codes)
    if c.pattern:
        constraints["pattern"] = c.pattern
    if constraints:
        f["constraints"] = constraints
    return f


#: What the codebook and the data package say when the CSVs were written with ``--spreadsheet-safe``.
SPREADSHEET_SAFE_NOTE = ("Written with --spreadsheet-safe: a text cell that began with =, +, -, @, a tab or a "
                         "carriage return (and is not a plain number) carries a leading ' so that a spreadsheet "
                         "does not run it as a formula. Remove that ' before analysis.")


def package(tables: dict[str, pl.DataFrame], *, spreadsheet_safe: bool = False) -> dict:
    """The Frictionless (v1) tabular data package describing every CSV in ``tables``.

    With ``spreadsheet_safe`` it says so in ``prodkit:spreadsheetSafe`` (a custom property).
    """
    resources = []
    for t in describe(tables):
        schema: dict = {"fields": [_field(c) for c in t.columns], "missingValues": [""]}
        if t.primary_key:
            schema["primaryKey"] = t.primary_key
        if t.foreign_keys:
            schema["foreignKeys"] = [{"fields": [col], "reference": {"resource": ref, "fields": [ref_col]}}
                                     for col, ref, ref_col in t.foreign_keys]
        resources.append({
            "name": t.name, "path": f"{t.name}.csv", "profile": "tabular-data-resource",
            "description": t.description,
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True,
                        "header": True},
            "schema": schema,
        })
    safe = {"prodkit:spreadsheetSafe": True, "prodkit:spreadsheetSafeNote": SPREADSHEET_SAFE_NOTE} \
        if spreadsheet_safe else {}
    return {
        "profile": "tabular-data-package",
        "name": "prodkit-outputs",
        "title": "prodkit outputs: production figures from historical sources, reconciled",
        "description": ("Every claim of the ledger with its value in canonical units, the reconciled value of "
                        "each event, records against norms, conflicts, the effect of each strategy, and the "
                        "problems found. Field descriptions and units come from prodkit's schema; "
                        "codebook.md says the same for people."),
        "resources": resources,
        **safe,
    }


def write_all(tables: dict[str, pl.DataFrame], out: Path, *, spreadsheet_safe: bool = False) -> list[Path]:
    """Write ``datapackage.json`` and ``codebook.md`` into ``out`` (beside the CSVs)."""
    paths = [Path(out) / "datapackage.json", Path(out) / "codebook.md"]
    text = json.dumps(package(tables, spreadsheet_safe=spreadsheet_safe), indent=2, ensure_ascii=False) + "\n"
    paths[0].write_text(text, encoding="utf-8", newline="\n")
    paths[1].write_text(codebook(tables, spreadsheet_safe=spreadsheet_safe), encoding="utf-8", newline="\n")
    return paths


# ---------------------------------------------------------------------------
# codebook.md: the same description, for a person.
# ---------------------------------------------------------------------------

_R_COL_TYPES = {"string": "c", "number": "d", "integer": "i", "boolean": "l", "date": "D"}
_R_CLASSES = {"string": "character", "number": "numeric", "integer": "integer", "boolean": "logical",
              "date": "Date"}

CSV_CONVENTIONS = """\
- UTF-8 without a byte-order mark, a header row, `,` between fields, `.` as
  the decimal mark, `\\n` line ends. A field is quoted only when it holds a
  comma, a double quote (doubled inside) or a line break.
- **Missing is an empty field**, in every column. No text is ever empty, so
  an empty field always means missing, never "".
- Text is written as it is: a cell can hold the letters `NA` (a place, a
  subject, a figure as written). Tell R that only an empty field is missing
  (`na = ""` for readr, `na.strings = ""` for `read.csv`), or it reads such a
  cell as NA. readr also trims spaces unless given `trim_ws = FALSE`.
- Give `read.csv` `encoding = "UTF-8"` (it marks the text as UTF-8 whatever
  the locale; `fileEncoding` fails on Cyrillic in a C or Latin-1 locale) and
  `check.names = FALSE` (or it renames columns such as `in`).
- Booleans are `TRUE` / `FALSE`, which readr, `read.csv`, polars and
  Frictionless all read as logical; in the `.dta` files they are 0/1 with the
  value labels FALSE/TRUE.
- Numbers are plain decimals (`102.0`, `0.006`, sometimes `1e-7`), never with
  a thousands separator; a number that is not finite is missing.
- A date as written (`date`) is ISO 8601 **text**, partial allowed (`1935`,
  `1935-09`, `1935-08-31`, `1933/1937`): most are not days, so read it as
  text (the lines below do). Beside it, `date_low` and `date_high` are the
  first and last day it can mean (ISO days, read as dates; `%td` dates in the
  `.dta` files) and `year` is the year of `date_low`, an integer.
- Guessed column types go wrong on small tables (a column that happens to be
  all empty reads as logical; readr reads a unit column of `t` as TRUE), so
  each table below gives the reading line with every column's type.
"""


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _unit_text(c: Column) -> str:
    if c.unit:
        return f"`{c.unit}`"
    if c.unit_column:
        return f"in `{c.unit_column}`"
    return ""


def read_lines(t: Table) -> dict[str, str]:
    """The R (readr, base) and Stata lines that read ``t``'s CSV with every type given."""
    types = [c.type for c in t.columns]
    readr = "".join(_R_COL_TYPES[x] for x in types)
    base = ", ".join(f'"{_R_CLASSES[x]}"' for x in types)
    strings = [str(i) for i, x in enumerate(types, 1) if x in ("string", "boolean", "date")]
    numbers = [str(i) for i, x in enumerate(types, 1) if x in ("number", "integer")]
    stata = (f'import delimited using "{t.name}.csv", varnames(1) case(preserve) encoding("utf-8") '
             "bindquote(strict)")
    if strings:
        stata += f" stringcols({' '.join(strings)})"
    if numbers:
        stata += f" numericcols({' '.join(numbers)})"
    return {
        "readr": f'{t.name} <- readr::read_csv("{t.name}.csv", na = "", trim_ws = FALSE, col_types = "{readr}")',
        "base": (f'{t.name} <- read.csv("{t.name}.csv", na.strings = "", encoding = "UTF-8", check.names = FALSE, '
                 f"colClasses = c({base}))"),
        "stata": stata + " clear",
    }


def codebook(tables: dict[str, pl.DataFrame], *, spreadsheet_safe: bool = False) -> str:
    """codebook.md: every table and column, for a person."""
    described = describe(tables)
    lines = [
        "# Codebook",
        "",
        "Every table prodkit wrote to this folder, column by column. Generated from prodkit's schema, the",
        "definitions its validator checks (`src/prodkit/schema.py`); `datapackage.json` says the same for",
        "Frictionless tools. Rewritten on every run: do not edit.",
        "",
        "## Files",
        "",
        "| table | rows | files | contents |",
        "|---|---|---|---|",
    ]
    for t in described:
        files = f"`{t.name}.csv`" + (f", `{t.name}.dta`" if t.name in STATA_TABLES else "")
        lines.append(f"| {t.name} | {t.rows} | {files} | {_md(t.summary)} |")
    lines += [
        "",
        "In Stata, `prodkit.do` loads one `.dta` file and adds the notes a `.dta` file written by prodkit",
        "cannot carry (full descriptions, units, original column names): `cd` to this folder, then",
        "`do prodkit reconciled` (or `claims`, `norms_vs_records`, `sources`, `event_claims`), then `notes`.",
        "In R, `haven::read_dta(\"reconciled.dta\")` gives the same variables with their labels.",
        "",
        "## CSV conventions",
        "",
        CSV_CONVENTIONS.rstrip(),
        *([f"- **{SPREADSHEET_SAFE_NOTE}**"] if spreadsheet_safe else []),
        "",
        "## Codes",
        "",
        "Coded columns hold the text in the CSVs; in the `.dta` files they hold the number, with the text",
        "as its value label (`decode` in Stata, `haven::as_factor` in R give the text back).",
        "",
    ]
    for col, codes in CODES.items():
        lines.append(f"- `{col}`: " + ", ".join(f"{i} {v}" for i, v in enumerate(codes, 1)))
    lines.append("- booleans (`.dta` only): 0 FALSE, 1 TRUE")
    for t in described:
        names = stata_names([c.name for c in t.columns]) if t.name in STATA_TABLES else None
        lines += ["", f"## {t.name}", "", _md(t.description), ""]
        if t.primary_key:
            lines.append("Primary key: " + ", ".join(f"`{k}`" for k in t.primary_key) + ".")
        for col, ref, ref_col in t.foreign_keys:
            lines.append(f"`{col}` refers to `{ref}.{ref_col}`.")
        lines.append("")
        head = ["column", "Stata name"] if names else ["column"]
        head += ["type", "unit", "required", "description"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for c in t.columns:
            row = [f"`{c.name}`"] + ([f"`{names[c.name]}`"] if names else [])
            row += [c.type, _unit_text(c), "yes" if c.required else "", _md(c.description)]
            lines.append("| " + " | ".join(row) + " |")
        renamed = {k: v for k, v in (names or {}).items() if k != v}
        if renamed:
            lines += ["", "Renamed in the `.dta` file (Stata names have at most 32 letters, digits or `_`): "
                      + "; ".join(f"`{k}` → `{v}`" for k, v in renamed.items()) + "."]
        read = read_lines(t)
        lines += ["", "```r", read["readr"], read["base"], "```", "", "```stata", read["stata"], "```"]
    return "\n".join(lines) + "\n"
