"""Issue 18: the command line as the ecosystem expects it: --json, JSON Lines, -q/-v, validate = reconcile's checks,
and an explain a historian can read (rejected claims, numbers as written, no wrapped words)."""

from __future__ import annotations

import json

from conftest import CLAIMS_HEADER, RAW, minimal_ledger, read_rows, run

PROBLEM_KEYS = ["file", "line", "column", "field", "value", "severity", "code", "message", "hint"]


def _ledger_with_a_rejected_claim(folder):
    return minimal_ledger(folder, CLAIMS_HEADER
                          + "c1,e1,Stakhanov,coal,coal_hewn,record,102,tons,per shift,1935-08-31,,arch,,,,,\n"
                          + "c2,e1,Stakhanov,coal,coal_hewn,record,102,poodsx,per shift,1935-08-31,,memo,,,,,\n"
                          + "c3,e1,Stakhanov,coal,coal_hewn,norm,200000,tons,per shift,1935-08-31,,arch,,,,,\n")


def test_validate_json_is_the_accounts_and_every_problem_of_problems_csv(runner, tmp_path):
    raw = _ledger_with_a_rejected_claim(tmp_path / "raw")
    result = run(runner, "validate", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"), "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["valid"], doc["exit_code"]) == (False, 1)
    assert doc["accounts"][0]["read"] == 3 and doc["accounts"][0]["rejected"] == 1
    rows = read_rows(tmp_path / "o" / "problems.csv")
    assert [list(p) for p in doc["problems"]] == [PROBLEM_KEYS] * len(rows)
    assert [(str(p["line"]), p["code"]) for p in doc["problems"]] == [(r["line"], r["code"]) for r in rows]


def test_validate_reports_the_same_problems_as_reconcile_plausibility_included(runner, tmp_path):
    raw = _ledger_with_a_rejected_claim(tmp_path / "raw")
    run(runner, "validate", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "v"))
    run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "r"), "--no-figures")
    validated = read_rows(tmp_path / "v" / "problems.csv")
    assert validated == read_rows(tmp_path / "r" / "problems.csv")
    assert "implausible" in {p["code"] for p in validated}  # a norm of 200,000 t a shift: found after loading


def test_problems_as_json_lines_on_request(runner, tmp_path):
    raw = _ledger_with_a_rejected_claim(tmp_path / "raw")
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"), "--no-figures",
                 "--problems-jsonl")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    rows = read_rows(tmp_path / "o" / "problems.csv")
    assert len(lines) == len(rows) >= 2 and all(list(p) == PROBLEM_KEYS for p in lines)
    assert lines[0]["code"] == rows[0]["code"] and lines[0]["line"] == int(rows[0]["line"])


def test_quiet_prints_nothing_but_verbose_lists_every_problem(runner, tmp_path):
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER + "".join(
        f"c{i},e{i},W,coal,coal_hewn,record,a few,tons,per shift,1935,,arch,,,,,\n" for i in range(1, 6)))
    quiet = run(runner, "-q", "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "q"),
                "--reports-dir", str(tmp_path / "rep"), "--no-figures")  # its own: ./reports may hold a report
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""
    assert (tmp_path / "q" / "reconciled.csv").is_file()
    plain = run(runner, "validate", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "p"))
    assert "... and 2 more [value-vague] (-v shows every problem)" in plain.stderr
    verbose = run(runner, "--verbose", "validate", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "v"))
    assert verbose.stderr.count("[value-vague]") == 5 and "more [value-vague]" not in verbose.stderr
    both = run(runner, "-q", "-v", "validate", "--raw-dir", str(raw))
    assert both.exit_code == 2 and "contradict" in both.stderr


def test_units_json_lists_rows_and_explains_one_unit(runner):
    listed = run(runner, "units", "--json", "--search", "pood", "--raw-dir", str(RAW))
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    pood = next(r for r in rows if r["alias"] == "pood")
    assert list(pood) == ["alias", "pint_unit", "canonical", "factor", "source"]
    assert (pood["canonical"], pood["factor"]) == ("t", "0.0163804964")
    one = json.loads(run(runner, "units", "--json", "--explain", "тонн угля", "--raw-dir", str(RAW)).stdout)
    assert (one["pint_unit"], one["what_is_measured"], one["canonical"]) == ("tonne", "уголь", "t (factor 1)")


def test_explain_json_gives_each_claim_its_role_and_source(runner):
    result = run(runner, "explain", "artyukhov-1935-09", "--raw-dir", str(RAW), "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    (group,) = doc["groups"]
    assert (group["status"], group["value"], group["chosen_claim_id"]) == ("conflict", 536.0, "c007")
    assert group["under_each_strategy"]["keep-up-to-date"] == 552.0
    roles = {c["claim_id"]: (c["role"], c["value_as_written"], c["source_id"]) for c in group["claims"]}
    assert roles == {"c007": ("chosen", "536", "rgaspi-85-29-633"), "c011": ("conflicting", "552", "gershberg-1981")}
    assert {p["code"] for p in doc["problems"]} == {"implausible"}
    assert doc["rejected"] == [] and doc["norms_vs_records"][0]["primary"] is True


def test_explain_shows_rejected_claims_numbers_as_written_and_no_cut_words(runner, tmp_path):
    raw = _ledger_with_a_rejected_claim(tmp_path / "raw")
    result = run(runner, "explain", "e1", "--raw-dir", str(raw))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Rejected claims (1; not used, listed in problems.csv):" in out
    assert "  c2  102 poodsx  (coal_hewn / record; source memo; line 3)" in out
    assert "[unit-unknown]" in out
    assert "200,000 t" in out and "e+0" not in out and "no number %" not in out
    doc = json.loads(run(runner, "explain", "e1", "--raw-dir", str(raw), "--json").stdout)
    assert doc["rejected"][0]["claim_id"] == "c2" and doc["rejected"][0]["line"] == 3
    # a long note stays on its line: the terminal wraps it, prodkit never cuts a word
    bundled = run(runner, "explain", "artyukhov-1935-09", "--raw-dir", str(RAW)).stdout
    note = next(line for line in bundled.splitlines() if line.lstrip().startswith("note: Conflicts with"))
    assert note.rstrip().endswith("same mine, implicit norm.")


def test_explain_documents_its_options(runner):
    result = run(runner, "explain", "--help")
    for option in ("--strategy", "--tolerance", "--seed", "--json", "--raw-dir"):
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(option))
        assert len(line.split(option, 1)[1].strip()) > 10, option  # each has a help text


def _manifest_run(runner, tmp_path, raw):
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "first"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    return tmp_path / "first" / "run.json"


def test_run_json_records_version_inputs_options_counts_and_outputs(runner, raw_copy, tmp_path):
    import hashlib

    from prodkit import __version__

    path = _manifest_run(runner, tmp_path, raw_copy)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["prodkit_version"] == __version__ and doc["command"] == "reconcile"
    assert doc["options"]["strategy"] == "trust-your-friends" and doc["options"]["tolerance"] == 0.01
    assert doc["options"]["figures"] is False and "reports" not in doc
    inputs = {i["path"]: i["sha256"] for i in doc["inputs"]}
    assert inputs["claims.csv"] == hashlib.sha256((raw_copy / "claims.csv").read_bytes()).hexdigest()
    assert doc["counts"][0]["read"] == doc["counts"][0]["used"] == 158
    outputs = {o["path"]: o["sha256"] for o in doc["outputs"]}
    assert "run.json" not in outputs and {"reconciled.csv", "event_claims.csv", "claims.dta"} <= set(outputs)
    for name, digest in outputs.items():
        assert hashlib.sha256((tmp_path / "first" / name).read_bytes()).hexdigest() == digest, name


def test_a_run_replays_from_its_manifest_to_byte_identical_outputs(runner, raw_copy, tmp_path):
    path = _manifest_run(runner, tmp_path, raw_copy)
    # the recorded options win over the command line's (here a strategy that would change the values)
    again = run(runner, "reconcile", "--from-manifest", str(path), "--out-dir", str(tmp_path / "again"),
                "--strategy", "keep-up-to-date")
    assert again.exit_code == 0, again.stderr
    assert "every output is byte-identical to the recorded run" in again.stderr
    first = sorted(p.name for p in (tmp_path / "first").iterdir())
    assert first == sorted(p.name for p in (tmp_path / "again").iterdir())
    for name in first:
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "first" / name).read_bytes(), name


def test_a_replay_refuses_changed_inputs_and_reports_changed_outputs(runner, raw_copy, tmp_path):
    path = _manifest_run(runner, tmp_path, raw_copy)
    doc = json.loads(path.read_text(encoding="utf-8"))
    # an output recorded differently: the replay says which
    doc["outputs"][0]["sha256"] = "0" * 64
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    differs = run(runner, "reconcile", "--from-manifest", str(edited), "--out-dir", str(tmp_path / "d"))
    assert differs.exit_code == 1 and f"outputs/{doc['outputs'][0]['path']}" in differs.stderr
    # an input changed since: nothing runs
    with open(raw_copy / "claims.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    refused = run(runner, "reconcile", "--from-manifest", str(path), "--out-dir", str(tmp_path / "r"))
    assert refused.exit_code == 2 and "claims.csv (changed)" in refused.stderr
    assert not (tmp_path / "r").exists()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    bad = run(runner, "reconcile", "--from-manifest", str(broken))
    assert bad.exit_code == 2 and "cannot be read as a prodkit run manifest" in bad.stderr


def test_no_figures_warns_that_an_earlier_report_is_stale(runner, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "report.html").write_text("<p>an earlier run</p>", encoding="utf-8")
    result = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "o"),
                 "--reports-dir", str(reports), "--no-figures")
    assert result.exit_code == 0, result.stderr
    assert "report.html was drawn from an earlier run's tables" in result.stderr
    assert "prodkit figures --out-dir" in result.stderr


def test_settings_come_from_pyproject_and_prodkit_toml_and_the_command_line_wins(runner, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(RAW, tmp_path / "ledger")
    (tmp_path / "pyproject.toml").write_text('[tool.prodkit]\nraw_dir = "ledger"\nstrategy = "keep-up-to-date"\n'
                                             'tolerance = 0.05\n', encoding="utf-8")
    with open(tmp_path / "ledger" / "prodkit.toml", "a", encoding="utf-8") as fh:
        fh.write('out_dir = "tables"\nreports_dir = "charts"\ntolerance = 0.02\n')
    monkeypatch.chdir(tmp_path)
    shown = run(runner, "config", "--seed", "7")
    assert shown.exit_code == 0, shown.stderr
    lines = {line.split()[0]: line.split()[1:] for line in shown.stdout.splitlines()}
    assert lines["raw_dir"] == ["ledger", "pyproject.toml", "[tool.prodkit]"]
    assert lines["strategy"] == ["keep-up-to-date", "pyproject.toml", "[tool.prodkit]"]
    assert lines["tolerance"] == ["0.02", "ledger/prodkit.toml"]  # the ledger's file over the project's
    assert lines["out_dir"] == ["tables", "ledger/prodkit.toml"] and lines["decimal_mark"] == [".", "ledger/prodkit.toml"]
    assert lines["seed"] == ["7", "command", "line"] and lines["reports_dir"] == ["charts", "ledger/prodkit.toml"]
    doc = json.loads(run(runner, "config", "--json").stdout)
    assert doc["seed"] == {"value": 1935, "origin": "default"}
    # a run takes them: out_dir from the ledger's file, the strategy from pyproject.toml ...
    done = run(runner, "reconcile", "--no-figures")
    assert done.exit_code == 0, done.stderr
    rows = read_rows(tmp_path / "tables" / "reconciled.csv")
    assert {r["strategy"] for r in rows} == {"keep-up-to-date"}
    assert json.loads((tmp_path / "tables" / "run.json").read_text())["options"]["tolerance"] == 0.02
    # ... and an option given on the command line wins
    run(runner, "reconcile", "--no-figures", "--strategy", "meet-in-the-middle", "--out-dir", "other")
    assert {r["strategy"] for r in read_rows(tmp_path / "other" / "reconciled.csv")} == {"meet-in-the-middle"}


def test_a_bad_setting_is_located_and_exits_2(runner, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.prodkit]\nstrategy = "trust-nobody"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run(runner, "config")
    assert result.exit_code == 2
    assert "pyproject.toml [tool.prodkit]: strategy = 'trust-nobody' is not a strategy" in result.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.prodkit]\ncolour = "red"\n', encoding="utf-8")
    result = run(runner, "validate")
    assert result.exit_code == 2 and "'colour' is not a setting prodkit knows" in result.stderr
