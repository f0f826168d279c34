"""prodkit in a notebook: load -> build -> write, the same files as the CLI, errors that name the argument."""

from __future__ import annotations

import doctest
import re
import shutil
from pathlib import Path

import pytest

from conftest import RAW, ROOT, run

import prodkit
from prodkit.errors import InputError, UsageError

NOTEBOOK = ROOT / "docs" / "notebook.md"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("options", [{}, {"strategy": "meet-in-the-middle", "tolerance": 0.05, "strict": True}])
def test_write_gives_the_bytes_of_prodkit_reconcile(runner, tmp_path, monkeypatch, options):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(RAW, tmp_path / "data" / "raw")
    strict = options.pop("strict", False)
    ledger = prodkit.load("data/raw", strict=strict)
    written = prodkit.write(prodkit.build(ledger, **options), "lib")
    assert {p.name for p in written} >= {"reconciled.csv", "claims.csv", "reconciled.dta", "datapackage.json",
                                         "run.json"}
    args = ["reconcile", "--raw-dir", "data/raw", "--out-dir", "cli", "--no-figures"]
    args += [f"--{k}={v}" for k, v in options.items()] + (["--strict"] if strict else [])
    result = run(runner, *args)
    assert result.exit_code in (0, 1), result.stderr
    assert _files(tmp_path / "lib") == _files(tmp_path / "cli")
    # and run.json replays what write wrote
    replay = run(runner, "reconcile", "--from-manifest", "lib/run.json", "--out-dir", "replayed")
    assert replay.exit_code in (0, 1), replay.stderr
    assert _files(tmp_path / "replayed") == _files(tmp_path / "lib")


def test_the_ledger_and_the_tables_are_typed_frames():
    import dataclasses

    import polars as pl

    ledger = prodkit.load(RAW)
    assert isinstance(ledger, prodkit.Ledger) and isinstance(ledger.claims, pl.DataFrame)
    assert ledger.problems_frame().columns[:3] == ["file", "line", "column"]
    tables = prodkit.build(ledger)
    assert isinstance(tables, prodkit.Tables)
    hints = {f.name: f.type for f in dataclasses.fields(prodkit.Tables)}
    assert all(hints[name] == "pl.DataFrame" for name in prodkit.Tables.NAMES)
    assert list(tables.as_dict()) == list(prodkit.Tables.NAMES)
    row = tables.reconciled.filter((pl.col("event_id") == "artyukhov-1935-09")).row(0, named=True)
    assert (row["value"], row["unit"], row["status"], row["chosen_claim_id"]) == (536.0, "t", "conflict", "c007")
    assert "  * c007  536 tons per shift  ->  536 t  [implausible]" in tables.explain("artyukhov-1935-09")
    assert {f.name for f in dataclasses.fields(prodkit.Result)} >= {"ledger", "problems", "tables", "written"}


def test_library_errors_name_the_argument_not_a_flag(tmp_path):
    ledger = prodkit.load(RAW)
    cases = [
        (lambda: prodkit.load(tmp_path / "nowhere"), InputError, "raw_dir="),
        (lambda: prodkit.build("data/raw"), UsageError, "ledger="),
        (lambda: prodkit.build(ledger, strategy="toss-a-coin"), UsageError, "strategy="),
        (lambda: prodkit.build(ledger, tolerance=float("nan")), UsageError, "tolerance="),
        (lambda: prodkit.build(ledger, seed=-1), UsageError, "seed="),
        (lambda: prodkit.write({"reconciled": None}, tmp_path / "out"), UsageError, "tables="),
        (lambda: prodkit.write(prodkit.build(ledger), RAW / "clean"), UsageError, "out_dir"),
    ]
    for call, kind, argument in cases:
        with pytest.raises(kind) as caught:
            call()
        text = str(caught.value)
        assert argument in text and "--" not in text, text


def test_write_refuses_tables_changed_out_of_shape(tmp_path):
    import dataclasses

    import polars as pl

    tables = prodkit.build(prodkit.load(RAW))
    broken = dataclasses.replace(tables, reconciled=tables.reconciled.with_columns(pl.lit("x").alias("value")))
    with pytest.raises(UsageError, match="no longer match their models"):
        prodkit.write(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_public_docstrings_are_complete_and_their_examples_run(monkeypatch):
    """Every public function has Parameters, Returns, Raises and Examples, and the examples pass as doctests."""
    import prodkit.library

    for name in ("load", "build", "write", "validate", "reconcile", "explain", "figures", "parse_figure"):
        doc = getattr(prodkit, name).__doc__
        for section in ("Parameters\n", "Returns\n", "Raises\n", "Examples\n"):
            assert section in doc, (name, section)
    monkeypatch.chdir(ROOT)  # the examples read the bundled ledger, as a user in the project folder does
    import prodkit.api
    import prodkit.values

    for module in (prodkit.library, prodkit.api, prodkit.values):
        failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert tried >= 10 and failed == 0, module.__name__


def test_the_notebook_page_runs_as_written(tmp_path, monkeypatch, capsys):
    """docs/notebook.md: every python block runs, in order, and the output it shows is the output it gives."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(RAW, tmp_path / "data" / "raw")
    text = NOTEBOOK.read_text(encoding="utf-8")
    fenced = re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.S | re.M)
    blocks = [code for language, code in fenced if language == "python"]
    assert len(blocks) >= 10
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(NOTEBOOK), "exec"), namespace)  # noqa: S102 - the page's own code
    printed = capsys.readouterr().out
    shown = [out for language, out in fenced if language == ""]
    assert shown and all(s.strip() in printed for s in shown)
    assert "artyukhov-1935-09" in printed and "run.json" in printed
    assert isinstance(namespace["tables"], prodkit.Tables)
