"""Issue 6: outputs that open cleanly in R and Stata, checked with the real clients.

`prodkit reconcile` runs once on the bundled ledger and once on
tests/data/exports_ledger, a small ledger that holds every quirk at once
(Cyrillic and diacritics in text and in column names, a place written `NA`,
a quote with quotes, commas and a line break, a note longer than a Stata str,
spaces around a value, a column named `in`, a rejected row whose value is
`NA`). Then R reads every CSV with the reading lines the codebook prints
(readr and base R) and every .dta with haven, in one Rscript run; frictionless
validates the data package; pyreadstat reads the .dta files back.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from conftest import DATA, RAW, require_client, run

QUIRKS = DATA / "exports_ledger"
STATA_FILES = ["claims", "reconciled", "norms_vs_records", "sources", "event_claims"]
STAKHANOV = ("stakhanov-1935-08-31", "coal_hewn", "record")
# What the README tells an R user to type, from the project folder.
README_R_LINES = [
    "library(haven)",
    'reconciled <- read_dta("data/clean/reconciled.dta")',
    'norms <- read_dta("data/clean/norms_vs_records.dta")',
]
RENAMED = {"source page in the first Moscow edition of 1935": "source_page_in_the_first_Moscow",
           "примечание переводчика": "primechanie_perevodchika", "in": "in_"}
STATA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


def _reconcile(raw: Path, project: Path) -> tuple[Path, int]:
    out = project / "data" / "clean"
    result = run(CliRunner(), "reconcile", "--no-figures", "--raw-dir", str(raw), "--out-dir", str(out),
                 "--reports-dir", str(project / "reports"))
    return out, result.exit_code


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    out, code = _reconcile(RAW, tmp_path_factory.mktemp("bundled"))
    assert code in (0, 1)
    return out


@pytest.fixture(scope="module")
def quirks(tmp_path_factory) -> Path:
    out, code = _reconcile(QUIRKS, tmp_path_factory.mktemp("quirks"))
    assert code == 1  # the row whose value is NA is rejected; the rest is written
    return out


def package(out: Path) -> dict:
    return json.loads((out / "datapackage.json").read_text(encoding="utf-8"))


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def fields(out: Path, table: str) -> list[dict]:
    return next(r for r in package(out)["resources"] if r["name"] == table)["schema"]["fields"]


# ---------------------------------------------------------------------------
# CSV conventions
# ---------------------------------------------------------------------------

def test_csv_conventions_on_a_frame(tmp_path):
    from prodkit.outputs.tables import write_csv

    frame = pl.DataFrame({"text": ["NA", "", None, 'say "102, then"\nmore', " padded "],
                          "x": [1.5, float("nan"), None, float("inf"), 1e-7],
                          "ok": [True, False, None, True, False]})
    write_csv(frame, tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    assert raw.decode("utf-8") == ('text,x,ok\nNA,1.5,TRUE\n,,FALSE\n,,\n"say ""102, then""\nmore",,TRUE\n'
                                   " padded ,1e-7,FALSE\n")


def test_csv_files_follow_the_conventions(quirks):
    for path in sorted(quirks.glob("*.csv")):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), path.name
        assert b"\r\n" not in raw, path.name
        assert not re.search(rb'(?m)(?:^|,)""(?=,|$)', raw), f"{path.name} has an empty quoted text"
    header, rows = csv_rows(quirks / "conflicts.csv")
    assert {r[header.index("chosen")] for r in rows} == {"TRUE", "FALSE"}
    header, rows = csv_rows(quirks / "claims.csv")
    assert ["NA"] * 2 == [r[header.index("place")] for r in rows if r[0] in ("q04", "q05")]
    _, problems = csv_rows(quirks / "problems.csv")
    assert any(p[4] == "NA" and p[6] == "value-unparseable" for p in problems)


# ---------------------------------------------------------------------------
# The data package and the codebook, from the schema
# ---------------------------------------------------------------------------

def test_data_package_describes_every_csv_from_the_schema(bundled):
    from prodkit.schema import OUTPUT_MODELS, STATISTICS, STATUSES

    pkg = package(bundled)
    resources = {r["name"]: r for r in pkg["resources"]}
    assert {f"{name}.csv" for name in resources} == {p.name for p in bundled.glob("*.csv")}
    for name, res in resources.items():
        header, _ = csv_rows(bundled / res["path"])
        assert [f["name"] for f in res["schema"]["fields"]] == header, name
        model = OUTPUT_MODELS.get(name)
        for f in res["schema"]["fields"]:
            # issue 18: the data package's titles are whole; Stata's 80-character cut is for the .dta labels
            assert f["description"] and f["title"] and "…" not in f["title"], (name, f)
            if model is not None:
                spec = model.to_schema().columns[f["name"]]
                assert f["description"] == spec.description
                unit = (spec.metadata or {}).get("unit")
                assert unit in (f.get("unit"), f.get("unitField")), (name, f["name"])
    rec = {f["name"]: f for f in resources["reconciled"]["schema"]["fields"]}
    assert rec["value"]["unitField"] == "unit" and rec["spread_pct"]["unit"] == "%"
    assert rec["n_claims"]["type"] == "integer" and rec["value"]["type"] == "number"
    assert rec["status"]["constraints"]["enum"] == STATUSES
    assert rec["statistic"]["constraints"]["enum"] == STATISTICS
    assert resources["reconciled"]["schema"]["primaryKey"] == ["event_id", "measure", "statistic"]
    assert resources["claims"]["schema"]["primaryKey"] == ["claim_id"]
    assert resources["sources"]["schema"]["primaryKey"] == ["source_id"]
    refs = {(r["name"], fk["fields"][0]): (fk["reference"]["resource"], fk["reference"]["fields"][0])
            for r in pkg["resources"] for fk in r["schema"].get("foreignKeys", [])}
    assert refs[("claims", "source_id")] == ("sources", "source_id")
    assert refs[("reconciled", "chosen_claim_id")] == ("claims", "claim_id")
    assert refs[("norms_vs_records", "record_claim_id")] == ("claims", "claim_id")
    nvr = {f["name"]: f for f in resources["norms_vs_records"]["schema"]["fields"]}
    assert nvr["consistent"]["type"] == "boolean"


def _frictionless() -> Path:
    exe = Path(sys.executable).with_name("frictionless")
    found = exe if exe.exists() else shutil.which("frictionless")
    require_client("frictionless", bool(found), "install the test extra: pip install -e '.[test]'")
    return Path(found)


@pytest.mark.parametrize("which", ["bundled", "quirks"])
def test_frictionless_validates_the_data_package(which, request):
    out = request.getfixturevalue(which)
    exe = _frictionless()
    done = subprocess.run([str(exe), "validate", "--json", "datapackage.json"], cwd=out, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["valid"] and len(report["tasks"]) == len(package(out)["resources"])


def test_frictionless_checks_the_keys_and_codes(quirks, tmp_path):
    # the keys and enums are real constraints: break one of each and validation fails
    exe = _frictionless()
    broken = tmp_path / "clean"
    shutil.copytree(quirks, broken)
    for name, old, new in [("claims.csv", ",arch,", ",no-such-source,"),
                           ("reconciled.csv", ",conflict,", ",conflicted,")]:
        text = (broken / name).read_text(encoding="utf-8")
        (broken / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    done = subprocess.run([str(exe), "validate", "--json", "datapackage.json"], cwd=broken, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1
    errors = {e["type"] for task in json.loads(done.stdout)["tasks"] for e in task["errors"]}
    assert {"foreign-key", "constraint-error"} <= errors


def test_codebook_describes_every_table_and_column(bundled, quirks):
    for out in (bundled, quirks):
        book = (out / "codebook.md").read_text(encoding="utf-8")
        for res in package(out)["resources"]:
            section = book.split(f"\n## {res['name']}\n", 1)[1].split("\n## ", 1)[0]
            for f in res["schema"]["fields"]:
                assert f"| `{f['name']}` |" in section, (res["name"], f["name"])
                assert f["description"].replace("|", "\\|") in section
            assert f'{res["name"]} <- readr::read_csv("{res["name"]}.csv", na = ""' in section
    book = (quirks / "codebook.md").read_text(encoding="utf-8")
    for old, new in RENAMED.items():
        assert f"`{old}` → `{new}`" in book


# ---------------------------------------------------------------------------
# Stata files
# ---------------------------------------------------------------------------

def _expected_csv_frame(out: Path, table: str) -> pl.DataFrame:
    types = {"string": pl.String, "number": pl.Float64, "integer": pl.Int64, "boolean": pl.Boolean, "date": pl.Date}
    schema = {f["name"]: types[f["type"]] for f in fields(out, table)}
    return pl.read_csv(out / f"{table}.csv", schema=schema)


@pytest.mark.parametrize("which", ["bundled", "quirks"])
def test_pyreadstat_reads_the_dta_files_back(which, request):
    import pyreadstat

    from prodkit.schema import SOURCE_TYPES, STATISTICS, STATUSES

    out = request.getfixturevalue(which)
    for table in STATA_FILES:
        data, meta = pyreadstat.read_dta(str(out / f"{table}.dta"), output_format="polars")
        expected = _expected_csv_frame(out, table)
        assert data.height == expected.height and meta.number_rows == expected.height
        assert meta.file_label.startswith(f"prodkit {table}: ")
        assert all(STATA_NAME.match(n) for n in data.columns) and len(set(data.columns)) == len(data.columns)
        assert data.columns == [RENAMED.get(c, c) for c in expected.columns]
        labels = meta.column_names_to_labels
        assert all(labels[n] and len(labels[n]) <= 80 for n in data.columns), labels
        for (name, dtype), stata in zip(expected.schema.items(), data.columns):
            got, want = data[stata], expected[name]
            value_labels = meta.variable_value_labels.get(stata)
            if dtype == pl.String and value_labels:
                got = got.cast(pl.Int64).replace_strict(value_labels, default=None, return_dtype=pl.String)
            elif dtype == pl.String:
                want = want.fill_null("")  # Stata has no missing string
            elif dtype == pl.Boolean:
                assert value_labels == {0: "FALSE", 1: "TRUE"}
                got = got.cast(pl.Boolean)
            assert got.to_list() == want.to_list(), (table, name)
    _, meta = pyreadstat.read_dta(str(out / "reconciled.dta"), metadataonly=True, output_format="polars")
    assert list(meta.variable_value_labels["status"].values()) == STATUSES
    assert list(meta.variable_value_labels["statistic"].values()) == STATISTICS
    _, meta = pyreadstat.read_dta(str(out / "sources.dta"), metadataonly=True, output_format="polars")
    assert set(meta.variable_value_labels["source_type"].values()) <= set(SOURCE_TYPES)
    assert "(unit: see unit)" in meta.column_names_to_labels.get("value", "(unit: see unit)")


def test_dta_files_are_stata_14_with_a_fixed_time_stamp(bundled):
    from prodkit.outputs.stata import FIXED_TIMESTAMP

    for table in STATA_FILES:
        head = (bundled / f"{table}.dta").read_bytes()[:400]
        assert head.startswith(b"<stata_dta><header><release>118</release>")
        assert b"<timestamp>\x11" + FIXED_TIMESTAMP + b"</timestamp>" in head


def test_long_cyrillic_note_survives_as_a_strl(quirks):
    import pyreadstat

    data, _ = pyreadstat.read_dta(str(quirks / "claims.dta"), output_format="polars")
    note = data.filter(pl.col("claim_id") == "q01")["note"].item()
    assert len(note.encode("utf-8")) > 2045 and note.startswith("1) Стаханов нарубил 102 т")


def test_do_file_loads_each_table_and_adds_its_notes(quirks):
    do = (quirks / "prodkit.do").read_text(encoding="utf-8")
    assert "version 14" in do
    assert 'use "`table\'.dta", clear' in do
    for table in STATA_FILES:
        assert f'if "`table\'" == "{table}" {{' in do
    for old, new in RENAMED.items():
        assert f"notes {new}: " in do and f"CSV column: {old}." in do
    body = [line for line in do.splitlines() if line.strip().startswith("notes ")]
    assert len(body) > 60
    for line in body:  # nothing Stata would expand or read as a comment
        assert not re.search(r"(?<!\\)[`$]|//|/\*|\*/", line), line


def test_do_file_text_is_escaped():
    from prodkit.outputs.stata import _note

    assert _note("cost in $ and `x' // not a comment /* nor */\nthis") == \
        "cost in \\$ and \\`x' / / not a comment / * nor * / this"


STATA_RESERVED = {"in", "if", "int", "long", "double", "float", "byte", "using", "with", "_all", "_n", "_N", "strL"}


@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=30))
def test_stata_names_are_valid_and_unique(columns):
    from prodkit.outputs.columns import stata_names

    columns = list(dict.fromkeys(columns))
    names = stata_names(columns)
    assert list(names) == columns
    assert len(set(names.values())) == len(columns)
    for col, name in names.items():
        assert STATA_NAME.match(name), (col, name)
        assert name not in STATA_RESERVED and not re.fullmatch(r"str\d+", name), (col, name)


@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,31}", fullmatch=True))
def test_a_valid_stata_name_is_kept(name):
    from prodkit.outputs.columns import stata_names

    if name not in STATA_RESERVED and not re.fullmatch(r"str\d+", name):
        assert stata_names([name]) == {name: name}


def test_exports_are_byte_identical_across_runs_and_row_orders(bundled, tmp_path):
    # a second run on the same ledger with its rows in another order
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for name in ("claims.csv", "sources.csv"):
        header, rows = csv_rows(raw / name)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([header] + rows[::-1])
        (raw / name).write_text(buf.getvalue(), encoding="utf-8")
    again, _ = _reconcile(raw, tmp_path / "again")
    exports = [f"{t}.dta" for t in STATA_FILES] + ["prodkit.do", "datapackage.json", "codebook.md"]
    # problems.csv cites lines and accounts.csv the raw folder, which differ here
    tables = [p.name for p in bundled.glob("*.csv") if p.name not in ("problems.csv", "accounts.csv")]
    for name in exports + tables:
        assert (again / name).read_bytes() == (bundled / name).read_bytes(), name


# ---------------------------------------------------------------------------
# R: readr, base R and haven, in one Rscript run
# ---------------------------------------------------------------------------

R_PRELUDE = r"""
suppressPackageStartupMessages({library(readr); library(haven)})
con <- file(Sys.getenv("PRODKIT_R_OUT"), open = "wb")
esc <- function(s) {
  s <- gsub("\\", "\\\\", s, fixed = TRUE, useBytes = TRUE)
  s <- gsub("\t", "\\t", s, fixed = TRUE, useBytes = TRUE)
  s <- gsub("\r", "\\r", s, fixed = TRUE, useBytes = TRUE)
  gsub("\n", "\\n", s, fixed = TRUE, useBytes = TRUE)
}
say <- function(...) writeLines(paste(c(...), collapse = "\t"), con, useBytes = TRUE)
cells <- function(v) {
  missing <- is.na(v)
  if (inherits(v, "haven_labelled")) v <- as.character(as_factor(v, levels = "labels"))
  else if (is.logical(v)) v <- ifelse(v, "TRUE", "FALSE")
  else if (is.numeric(v)) v <- formatC(v, digits = 17, format = "g")
  else v <- esc(enc2utf8(as.character(v)))
  v[missing] <- "\\N"
  v
}
emit <- function(where, reader, table, x) {
  say("T", where, reader, table, nrow(x), esc(enc2utf8(if (is.null(attr(x, "label"))) "" else attr(x, "label"))))
  if (reader == "readr") say("P", where, reader, table, nrow(problems(x)))
  for (name in names(x)) {
    v <- x[[name]]
    lab <- attr(v, "label"); labs <- attr(v, "labels")
    labs <- if (is.null(labs)) "" else paste(unname(labs), names(labs), sep = "=", collapse = ";")
    say("C", where, reader, table, esc(enc2utf8(name)), class(v)[1], typeof(v),
        esc(enc2utf8(if (is.null(lab)) "" else lab)), labs, cells(v))
  }
}
"""


def _r_reading_lines(out: Path, table: str) -> tuple[str, str]:
    """The readr and base R lines the codebook prints for ``table``."""
    book = (out / "codebook.md").read_text(encoding="utf-8")
    readr = next(line for line in book.splitlines() if line.startswith(f"{table} <- readr::read_csv("))
    base = next(line for line in book.splitlines() if line.startswith(f"{table} <- read.csv("))
    return readr, base


def _r_script(outs: dict[str, Path]) -> str:
    lines = [R_PRELUDE]
    for where, out in outs.items():
        lines.append(f"setwd({json.dumps(str(out))})")
        for res in package(out)["resources"]:
            table = res["name"]
            readr, base = _r_reading_lines(out, table)
            lines += [readr, f'emit("{where}", "readr", "{table}", {table})',
                      base, f'emit("{where}", "base", "{table}", {table})']
        for table in STATA_FILES:
            lines += [f'{table} <- haven::read_dta("{table}.dta")', f'emit("{where}", "haven", "{table}", {table})']
    # the README's lines, verbatim, from the project folder
    lines.append(f"setwd({json.dumps(str(outs['bundled'].parent.parent))})")
    lines += README_R_LINES
    lines += ['emit("readme", "haven", "reconciled", reconciled)', 'emit("readme", "haven", "norms", norms)',
              "close(con)"]
    return "\n".join(lines) + "\n"


def _unescape(s: str) -> str | None:
    if s == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[m.group(1)], s)


@pytest.fixture(scope="module")
def r_seen(bundled, quirks, tmp_path_factory) -> dict:
    """What R read: {(where, reader, table): {"rows", "label", "problems", "columns": {name: info}}}."""
    rscript = shutil.which("Rscript")
    require_client("R", bool(rscript), "install r-base-core, r-cran-readr and r-cran-haven")
    probe = subprocess.run([rscript, "-e", "library(readr); library(haven)"], capture_output=True, text=True)
    require_client("R packages readr and haven", probe.returncode == 0, probe.stderr.strip()[-300:])
    work = tmp_path_factory.mktemp("r")
    script = work / "read_all.R"
    script.write_text(_r_script({"bundled": bundled, "quirks": quirks}), encoding="utf-8")
    # the C locale is the hard case: base R must still read Cyrillic right
    env = {**os.environ, "PRODKIT_R_OUT": str(work / "seen.tsv"), "LC_ALL": "C", "LANG": "C"}
    done = subprocess.run([rscript, "--vanilla", str(script)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    seen: dict = {}
    for line in (work / "seen.tsv").read_text(encoding="utf-8").splitlines():
        kind, where, reader, table, *rest = line.split("\t")
        entry = seen.setdefault((where, reader, table), {"columns": {}})
        if kind == "T":
            entry["rows"], entry["label"] = int(rest[0]), _unescape(rest[1])
        elif kind == "P":
            entry["problems"] = int(rest[0])
        else:
            name, cls, typ, label, labels, *values = rest
            entry["columns"][_unescape(name)] = {"class": cls, "type": typ, "label": _unescape(label),
                                                 "labels": labels, "values": [_unescape(v) for v in values]}
    return seen


def _as_r(value: str, ftype: str, reader: str):
    """What an R reader should hold for a CSV cell of a Frictionless type (None = NA)."""
    if value == "":
        return "" if reader == "haven" and ftype == "string" else None
    if ftype in ("number", "integer"):
        return float(value)
    if reader == "haven" and ftype == "string":
        return value.rstrip(" ")  # haven drops trailing spaces as it reads (the .dta keeps them)
    return value


R_CLASSES = {"readr": {"string": "character", "number": "numeric", "integer": "integer", "boolean": "logical",
                       "date": "Date"},
             "haven": {"string": "character", "number": "numeric", "integer": "numeric",
                       "boolean": "haven_labelled", "date": "Date"}}
R_CLASSES["base"] = R_CLASSES["readr"]


@pytest.mark.parametrize("which", ["bundled", "quirks"])
def test_r_reads_every_cell_as_written(r_seen, which, request):
    out = request.getfixturevalue(which)
    for res in package(out)["resources"]:
        table = res["name"]
        header, rows = csv_rows(out / f"{table}.csv")
        readers = ["readr", "base"] + (["haven"] if table in STATA_FILES else [])
        for reader in readers:
            got = r_seen[(which, reader, table)]
            assert got["rows"] == len(rows), (table, reader)
            assert got.get("problems", 0) == 0, (table, reader)
            names = [RENAMED.get(h, h) if reader == "haven" else h for h in header]
            assert list(got["columns"]) == names, (table, reader)
            for i, f in enumerate(res["schema"]["fields"]):
                col = got["columns"][names[i]]
                want_class = R_CLASSES[reader][f["type"]]
                if reader == "haven" and "enum" in f.get("constraints", {}):
                    want_class = "haven_labelled"
                assert col["class"] == want_class, (table, reader, f["name"], col["class"])
                want = [_as_r(r[i], f["type"], reader) for r in rows]
                have = [float(v) if v is not None and f["type"] in ("number", "integer") else v
                        for v in col["values"]]
                assert have == want, (table, reader, f["name"])


def test_r_sees_labels_and_value_labels_in_the_dta_files(r_seen):
    from prodkit.schema import STATISTICS, STATUSES

    rec = r_seen[("bundled", "haven", "reconciled")]
    assert rec["label"].startswith("prodkit reconciled: one row per")
    cols = rec["columns"]
    assert all(c["label"] for c in cols.values())
    assert cols["value"]["label"].endswith("(unit: see unit)")
    assert cols["spread_pct"]["label"].endswith("(%)")
    assert cols["status"]["labels"] == ";".join(f"{i}={s}" for i, s in enumerate(STATUSES, 1))
    assert cols["statistic"]["labels"] == ";".join(f"{i}={s}" for i, s in enumerate(STATISTICS, 1))
    nvr = r_seen[("bundled", "haven", "norms_vs_records")]["columns"]
    assert nvr["consistent"]["labels"] == "0=FALSE;1=TRUE"
    claims = r_seen[("quirks", "haven", "claims")]["columns"]
    assert claims["primechanie_perevodchika"]["label"] == "примечание переводчика"


def _row(seen: dict, key: dict) -> int:
    cols = seen["columns"]
    matches = [i for i in range(seen["rows"]) if all(cols[k]["values"][i] == v for k, v in key.items())]
    assert len(matches) == 1, key
    return matches[0]


def test_r_finds_stakhanovs_record_in_tonnes_and_cyrillic_text(r_seen):
    event, measure, statistic = STAKHANOV
    for where, reader in [("bundled", "readr"), ("bundled", "base"), ("bundled", "haven"), ("readme", "haven")]:
        rec = r_seen[(where, reader, "reconciled")]
        i = _row(rec, {"event_id": event, "measure": measure, "statistic": statistic})
        assert float(rec["columns"]["value"]["values"][i]) == 102.0, (where, reader)
        assert rec["columns"]["unit"]["values"][i] == "t", (where, reader)
        claims_units = set(r_seen[("bundled", reader, "claims")]["columns"]["unit"]["values"]) \
            if where == "bundled" else set()
        assert where == "readme" or {"мм", "об/мин"} <= claims_units, (where, reader)
    assert r_seen[("readme", "haven", "norms")]["rows"] == r_seen[("bundled", "readr", "norms_vs_records")]["rows"]


def test_r_keeps_the_quirks(r_seen):
    for reader in ("readr", "base", "haven"):
        claims = r_seen[("quirks", reader, "claims")]
        cols = claims["columns"]
        q01, q04 = _row(claims, {"claim_id": "q01"}), _row(claims, {"claim_id": "q04"})
        assert cols["place"]["values"][q04] == "NA", reader  # the text NA, not a missing value
        padded = " Central-Irmino mine, Donbass" + ("" if reader == "haven" else " ")
        assert cols["place"]["values"][q01] == padded, reader
        assert cols["quote"]["values"][q01] == 'He hewed "102 tons," the paper said,\nthen went home', reader
        assert cols["subject"]["values"][q01] == "Алексей Стаханов", reader
        assert cols["note"]["values"][q01].startswith("1) Стаханов нарубил 102 т угля"), reader
        assert len(cols["note"]["values"][q01].encode("utf-8")) > 2045, reader
        assert cols["unit"]["values"][q01] == "т", reader
        q08 = _row(claims, {"claim_id": "q08"})
        assert cols["subject"]["values"][q08] == "Gérard Mühlhäuser", reader
    for reader in ("readr", "base"):
        problems = r_seen[("quirks", reader, "problems")]["columns"]
        assert "NA" in problems["value"]["values"], reader
        conflicts = r_seen[("quirks", reader, "conflicts")]["columns"]
        assert set(conflicts["unit"]["values"]) == {"t"}, reader  # not TRUE, as readr guesses
