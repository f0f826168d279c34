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
