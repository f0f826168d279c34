"""`prodkit explain`: one event as a historian reads it."""

from __future__ import annotations

from conftest import RAW, run


def test_explain_prints_the_event_as_a_historian_reads_it(runner):
    result = run(runner, "explain", "artyukhov-1935-09", "--raw-dir", str(RAW))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "coal_hewn / record (2 claim(s), 2 independent source(s)): status CONFLICT" in out
    assert "  * c007  536 tons per shift  ->  536 t  [implausible]" in out
    assert "source rgaspi-85-29-633 (archival, no year, trust_rank 1); fn 5, line 38" in out
    assert "\"and finally, 552 tons of coal\"" in out
    assert "decision (trust-your-friends: the claim of the most trusted source (lowest trust_rank) wins): 536 t" in out
    assert "span of all claims: 536-552 t; spread 3.0%" in out
    assert "keep-up-to-date=552" in out and "(the choice matters)" in out
    assert "[implausible] 552 t is outside the plausible bound" in out


def test_explain_unknown_event_suggests_the_nearest(runner):
    result = run(runner, "explain", "artyukhov-1935-9", "--raw-dir", str(RAW))
    assert result.exit_code == 2
    assert "no claim has event_id 'artyukhov-1935-9'" in result.stderr
    assert "Did you mean 'artyukhov-1935-09'?" in result.stderr


def _bundled_events() -> list[str]:
    from prodkit.pipeline import load_ledger

    return sorted(set(load_ledger(RAW).claims["event_id"].to_list()))


def test_explain_builds_only_its_event_and_says_what_the_whole_ledger_says():
    """explain builds the tables of its event's linked events only; for every bundled event, text and JSON are
    those of a build over every claim."""
    from prodkit import strategies
    from prodkit.narrative import event_document, explain_event
    from prodkit.pipeline import build_tables, event_ledger, load_ledger

    ledger = load_ledger(RAW)
    whole, whole_problems = build_tables(ledger)
    events = _bundled_events()
    assert len(events) > 90
    linked = 0
    for event in events:
        cut = event_ledger(ledger, event)
        assert 0 < cut.claims.height < ledger.claims.height
        linked += len(set(cut.claims["event_id"].to_list())) > 1
        tables, problems = build_tables(cut)
        assert explain_event(event, ledger, tables, problems, strategy=strategies.DEFAULT) == explain_event(
            event, ledger, whole, whole_problems, strategy=strategies.DEFAULT), event
        assert event_document(event, ledger, tables, problems, strategy=strategies.DEFAULT) == event_document(
            event, ledger, whole, whole_problems, strategy=strategies.DEFAULT), event
    assert linked >= 5  # records read their norm events: those are built with them


def test_explain_on_a_ledger_with_rejected_rows_matches_the_whole_build(raw_copy):
    """A rejected row, a norm in another event and a conversion: the cut build tells the event as the whole does."""
    from conftest import read_rows, write_rows

    from prodkit import api
    from prodkit.narrative import explain_event
    from prodkit.pipeline import build_tables, load_ledger

    rows = read_rows(raw_copy / "claims.csv")
    bad = dict(rows[0], claim_id="zz-bad", value="102", unit="poodsx", date="1935-02-30")
    write_rows(raw_copy / "claims.csv", rows + [bad])
    ledger = load_ledger(raw_copy)
    assert ledger.rejected.height == 1
    whole, problems = build_tables(ledger)
    event = bad["event_id"]
    text = api.explain(event, raw_copy)
    assert text == explain_event(event, ledger, whole, problems, strategy="trust-your-friends")
    assert "zz-bad" in text and "[unit-unknown]" in text and "[date-invalid]" in text


def test_explain_reads_without_pandera_or_the_figures_stack():
    """explain loads neither pandera (the row checks run as polars expressions) nor altair, nor checks outputs."""
    import subprocess
    import sys

    code = ("import sys; from prodkit import api; api.explain('stakhanov-1935-08-31', sys.argv[1]); "
            "print(sorted(m for m in ('pandera', 'altair', 'hypothesis', 'vl_convert', 'prodkit.schema', "
            "'prodkit.outputs') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(RAW)], capture_output=True, text=True, check=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(RAW.parent.parent / "src")})
    assert done.stdout.strip() == "[]", done.stderr
