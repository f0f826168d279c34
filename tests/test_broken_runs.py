"""The broken-runs corpus (tests/data/broken_runs/cases.csv), and the cases generated from it.

Every case runs the command line on a copy of the bundled ledger after an
earlier good run, and must give its exit code and message, with no
traceback, the raw ledger untouched and (where the case says ``kept``) the
earlier outputs untouched. See tests/data/broken_runs/README.md.
"""

from __future__ import annotations

import csv
import os
import shlex
from pathlib import Path

import pytest

from conftest import DATA, RAW, run
from test_publishing import snapshot

CASES = DATA / "broken_runs" / "cases.csv"


def _link_to_raw(ctx):
    (ctx["tmp"] / "link").symlink_to(ctx["raw"], target_is_directory=True)


def _claims_link_into_out(ctx):
    claims = ctx["raw"] / "claims.csv"
    (ctx["out"] / "claims.csv").write_bytes(claims.read_bytes())
    claims.unlink()
    claims.symlink_to(ctx["out"] / "claims.csv")


def _make_file(path: Path) -> None:
    if path.is_dir():
        import shutil

        shutil.rmtree(path)
    path.write_text("not a folder\n", encoding="utf-8")


def _dangling(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    path.symlink_to(path.parent / "nowhere", target_is_directory=True)


def _read_only(ctx):
    ctx["out"].chmod(0o555)


def _add_column(name: str):
    def mutate(ctx):
        claims = ctx["raw"] / "claims.csv"
        lines = claims.read_text(encoding="utf-8").splitlines()
        claims.write_text("\n".join([lines[0] + f",{name}"] + [line + ",x" for line in lines[1:]]) + "\n",
                          encoding="utf-8")
    return mutate


def _header_only(ctx):
    claims = ctx["raw"] / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def _reconciled_csv_is_a_folder(ctx):
    (ctx["out"] / "reconciled.csv").unlink()
    (ctx["out"] / "reconciled.csv").mkdir()


MUTATIONS = {
    "link_to_raw": _link_to_raw,
    "claims_link_into_out": _claims_link_into_out,
    "out_is_file": lambda ctx: _make_file(ctx["out"]),
    "reports_is_file": lambda ctx: _make_file(ctx["reports"]),
    "out_is_dangling_link": lambda ctx: _dangling(ctx["out"]),
    "out_is_read_only": _read_only,
    "add_column_value_low": _add_column("value_low"),
    "header_only": _header_only,
    "reconciled_csv_is_a_folder": _reconciled_csv_is_a_folder,
}

#: Bad destinations, crossed with every destination option by :func:`generated_cases`:
#: (name, mutation applied to the destination, how it is written, message).
BAD_DESTINATIONS = [
    ("is-a-file", _make_file, "{dest}", "is a file, not a folder"),
    ("is-a-dangling-link", _dangling, "{dest}", "which does not exist"),
    ("is-the-raw-dir", None, "{raw}", "is --raw-dir"),
    ("inside-the-raw-dir", None, "{raw}/inside", "lies inside --raw-dir"),
    ("under-a-file", _make_file, "{dest}/below", "is a file, not a folder"),
]


def corpus_cases() -> list[dict]:
    with open(CASES, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def generated_cases() -> list[dict]:
    """Every destination option of reconcile (and validate's --out-dir) with every bad destination."""
    cases = []
    for command, option, key in [("reconcile", "--out-dir", "out"), ("reconcile", "--reports-dir", "reports"),
                                 ("validate", "--out-dir", "out")]:
        for name, mutate, spelled, message in BAD_DESTINATIONS:
            dest = spelled.replace("{dest}", "{" + key + "}")
            args = {"out": "{out}", "reports": "{reports}", key: dest}
            line = f"{command} --raw-dir {{raw}} --out-dir {args['out']}"
            if command == "reconcile":
                line += f" --reports-dir {args['reports']} --no-exports"
            cases.append({"case": f"{command}-{option[2:]}-{name}", "setup": f"{key}:{name}" if mutate else "",
                          "args": line, "exit": "2", "stderr": f"{option} ", "message": message, "outputs": "",
                          "mutate": (key, mutate)})
    return cases


ALL = corpus_cases() + generated_cases()


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    """The outputs of a good run, copied into each case's out dir."""
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("good") / "out"
    result = run(CliRunner(), "reconcile", "--raw-dir", str(RAW), "--out-dir", str(out), "--no-figures")
    assert result.exit_code == 0
    return out


@pytest.mark.parametrize("case", ALL, ids=[c["case"] for c in ALL])
def test_broken_run(case, runner, tmp_path, good_run):
    import shutil

    ctx = {"tmp": tmp_path, "raw": tmp_path / "raw", "out": tmp_path / "out", "reports": tmp_path / "reports"}
    shutil.copytree(RAW, ctx["raw"])
    shutil.copytree(good_run, ctx["out"])
    ctx["reports"].mkdir()
    for name in filter(None, case["setup"].split(";")):
        if "mutate" in case:
            key, mutate = case["mutate"]
            mutate(ctx[key] if "{dest}/below" not in case["args"] else ctx[key])
        else:
            MUTATIONS[name](ctx)
    fill = {k: str(v) for k, v in ctx.items()}
    args = [a.format(**fill) for a in shlex.split(case["args"])]
    raw_before = snapshot(ctx["raw"])
    out_before = snapshot(ctx["out"]) if ctx["out"].is_dir() and not ctx["out"].is_symlink() else None
    try:
        result = run(runner, *args)
    finally:
        if ctx["out"].is_dir() and not ctx["out"].is_symlink():
            ctx["out"].chmod(0o755)
    assert result.exit_code == int(case["exit"]), result.stderr
    assert case["stderr"].format(**fill) in result.stderr
    assert case.get("message", "") in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert snapshot(ctx["raw"]) == raw_before  # the raw ledger is never touched
    if case["outputs"] == "kept":
        assert snapshot(ctx["out"]) == out_before
    assert not list(tmp_path.glob(".prodkit-*")) and not list(tmp_path.glob("*/.prodkit-*"))


def test_the_corpus_names_known_mutations():
    for case in corpus_cases():
        for name in filter(None, case["setup"].split(";")):
            assert name in MUTATIONS, (case["case"], name)
    assert len(ALL) == len({c["case"] for c in ALL}) >= 30
    assert os.environ.get("PRODKIT_DEBUG") is None  # a traceback would hide the message under test
