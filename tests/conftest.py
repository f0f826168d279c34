"""Shared fixtures: the bundled ledger, copies of it to break, a CLI runner."""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
DATA = Path(__file__).resolve().parent / "data"

# Speed is measured in benchmarks/, not asserted in tests: on a shared, busy machine one cold example (a
# dictionary load, a pint parse) can take seconds, so hypothesis' per-example deadline is off everywhere.
settings.register_profile("prodkit", deadline=None)
settings.load_profile("prodkit")


def pytest_configure(config) -> None:
    """pint's cache of parsed definitions goes to a folder of this test session, not the user's cache."""
    if "PRODKIT_CACHE_DIR" not in os.environ:
        import tempfile

        config._prodkit_cache = tempfile.mkdtemp(prefix="prodkit-test-cache-")
        os.environ["PRODKIT_CACHE_DIR"] = config._prodkit_cache


def pytest_unconfigure(config) -> None:
    folder = getattr(config, "_prodkit_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("PRODKIT_CACHE_DIR", None)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A copy of the bundled data/raw to break in a test."""
    dest = tmp_path / "raw"
    shutil.copytree(RAW, dest)
    return dest


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict], fieldnames: list[str] | None = None) -> None:
    fieldnames = fieldnames or list(rows[0].keys())
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fieldnames, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def run(runner: CliRunner, *args: str):
    """Invoke the CLI in-process and return the result (stderr kept apart)."""
    from prodkit.cli import main

    return runner.invoke(main, list(args), catch_exceptions=False)


def require_client(name: str, available: bool, reason: str) -> None:
    """Skip when a real client is absent, unless PRODKIT_REQUIRE_CLIENTS=1 (CI)."""
    if available:
        return
    if os.environ.get("PRODKIT_REQUIRE_CLIENTS") == "1":
        pytest.fail(f"{name} is required (PRODKIT_REQUIRE_CLIENTS=1) but absent: {reason}")
    pytest.skip(f"{name} absent: {reason}")


def generated_ledger(folder: Path, rows: int, seed: int) -> Path:
    """A ledger of ``rows`` claims from benchmarks/generate.py (seeded), written to ``folder``."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import write_ledger
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    write_ledger(rows, folder, seed, verbose=False)
    return folder


def minimal_ledger(folder: Path, claims: str, sources: str | None = None) -> Path:
    """Write a tiny ledger (text given as CSV) into folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "claims.csv").write_text(claims, encoding="utf-8")
    (folder / "sources.csv").write_text(sources or SOURCES, encoding="utf-8")
    return folder


CLAIMS_HEADER = ("claim_id,event_id,subject,sector,measure,statistic,value,unit,basis,date,place,"
                 "source_id,locator,quote,note,norm_ref,converted_from\n")
SOURCES = ("source_id,citation,source_type,year,trust_rank,trust_note,derived_from\n"
           "arch,An archive file,archival,1935,1,closest to the event,\n"
           "memo,A memoir,memoir,1938,4,ghost-written,\n"
           "retell,A later book retelling the memoir,later_soviet,1971,5,retells memo,memo\n")


@pytest.fixture(scope="session")
def bundled(tmp_path_factory):
    """``prodkit reconcile`` on the bundled ledger under every strategy: reconciled rows by key, and the out dir."""
    from prodkit.strategies import NAMES

    out = {}
    for name in NAMES:
        d = tmp_path_factory.mktemp(name)
        result = run(CliRunner(), "reconcile", "--raw-dir", str(RAW), "--out-dir", str(d / "o"),
                     "--reports-dir", str(d / "r"), "--no-figures", "--strategy", name)
        assert result.exit_code == 0, result.stderr
        out[name] = {(r["event_id"], r["measure"], r["statistic"]): r for r in read_rows(d / "o" / "reconciled.csv")}
        if name == "trust-your-friends":
            out["_dir"] = d / "o"
    return out
