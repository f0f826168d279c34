"""Publishing is all or nothing: a reader of --out-dir sees the complete old set or the complete new set.

Runs are stopped at every step of publishing (a hook in outputs/staging.py
ends the process with os._exit, as a kill would: no clean-up runs), run side
by side, and given a move that fails; the earlier outputs survive intact.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import RAW, ROOT, run

SRC = str(ROOT / "src")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    """``.prodkit-*`` entries beside ``folder`` or inside it."""
    return sorted(p.name for p in list(folder.parent.glob(".prodkit-*")) + list(folder.glob(".prodkit-*")))


#: A tiny publisher in its own process: writes two files into ``out``, each
#: holding ``tag``, and dies (os._exit, no clean-up) at the step named.
PUBLISHER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    import prodkit.outputs.staging as staging
    out, tag, stop, exchange = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
    staging.EXCHANGE = exchange
    staging.STEP_HOOK = lambda step: os._exit(9) if step == stop else None
    with staging.Staging({"out": out}) as st:
        for name in ("reconciled.csv", "claims.csv"):
            (st.path("out") / name).write_text(tag + "\\n", encoding="utf-8")
        (st.path("out") / "figures").mkdir()
        (st.path("out") / "figures" / "a.svg").write_text(tag, encoding="utf-8")
        st.commit()
""")

STEPS = {True: ["staged", "out:swapped", "out:published", "never"],
         False: ["staged", "out:moved-aside", "out:swapped", "out:published", "never"]}


def publish(out: Path, tag: str, stop: str = "never", exchange: bool = True) -> int:
    env = dict(os.environ, PYTHONPATH=SRC)
    done = subprocess.run([sys.executable, "-c", PUBLISHER, str(out), tag, stop, "1" if exchange else "0"],
                          env=env, capture_output=True, text=True, timeout=60)
    return done.returncode


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_kill_at_every_step_leaves_the_old_set_or_the_new_set(tmp_path, exchange):
    out = tmp_path / "out"
    assert publish(out, "old") == 0
    old = snapshot(out)
    (out / "my-notes.txt").write_text("mine", encoding="utf-8")  # a file of the user's: carried over
    old = snapshot(out)
    new = {**{k: b"new\n" for k in ("reconciled.csv", "claims.csv")}, "figures/a.svg": b"new",
           "my-notes.txt": b"mine"}
    seen = []
    for step in STEPS[exchange]:
        code = publish(out, "new", step, exchange)
        assert code == (0 if step == "never" else 9), step
        now = snapshot(out) if out.exists() else None
        seen.append(step if now == new else "old" if now == old else "MIXED")
        assert now in (old, new) or (not exchange and step == "out:moved-aside" and now is None), step
        # the next run cleans up after the killed one and publishes the old set again
        assert publish(out, "old", "never", exchange) == 0
        assert snapshot(out) == old and leftovers(out) == [], step
    # the kill before the swap keeps the old set; a kill after it keeps the new one
    assert seen[0] == "old" and seen[-1] == "never"


def test_a_killed_run_of_the_command_keeps_the_earlier_outputs(tmp_path, raw_copy):
    out = tmp_path / "out"
    args = ["--raw-dir", str(raw_copy), "--out-dir", str(out), "--no-figures", "--no-exports"]
    code = (f"import os, sys; import prodkit.outputs.staging as s; s.EXCHANGE = False; "
            f"s.STEP_HOOK = lambda step: os._exit(9) if step == 'out:moved-aside' else None; "
            f"from prodkit.cli import main; main({['reconcile', *args]!r})")
    env = dict(os.environ, PYTHONPATH=SRC, PRODKIT_QUIET="1")
    assert subprocess.run([sys.executable, "-m", "prodkit", "reconcile", *args], env=env,
                          capture_output=True, timeout=300).returncode == 0
    old = snapshot(out)
    claims = raw_copy / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8").replace(",102,", ",103,", 1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=300)
    assert done.returncode == 9
    assert not out.exists()  # killed between the two renames: the folder is aside, never mixed
    again = subprocess.run([sys.executable, "-m", "prodkit", "reconcile", *args], env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    new = snapshot(out)
    assert new != old and set(new) == set(old) and leftovers(out) == []
    assert b",103," in new["claims.csv"]


def test_a_second_run_into_the_same_folder_fails_with_the_pid_of_the_first(runner, tmp_path):
    out = tmp_path / "out"
    gate = tmp_path / "go"
    waiter = textwrap.dedent(f"""
        import os, time
        from pathlib import Path
        import prodkit.outputs.staging as s
        def hold(step):
            if step == "staged":
                Path({str(tmp_path / 'held')!r}).write_text(str(os.getpid()))
                while not Path({str(gate)!r}).exists():
                    time.sleep(0.05)
        s.STEP_HOOK = hold
        from prodkit.cli import main
        main(["reconcile", "--raw-dir", {str(RAW)!r}, "--out-dir", {str(out)!r}, "--no-figures"])
    """)
    env = dict(os.environ, PYTHONPATH=SRC, PRODKIT_QUIET="1")
    first = subprocess.Popen([sys.executable, "-c", waiter], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        held = tmp_path / "held"
        for _ in range(1200):
            if held.exists() or first.poll() is not None:
                break
            import time

            time.sleep(0.1)
        assert held.exists(), first.communicate()[1]
        second = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(out), "--no-figures")
        assert second.exit_code == 2
        assert f"another prodkit run (pid {held.read_text()}) is writing to" in second.stderr
        assert "internal error" not in second.stderr
    finally:
        gate.write_text("go")
        _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert (out / "reconciled.csv").is_file() and leftovers(out) == []
    # the lock is free again
    assert run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(out), "--no-figures").exit_code == 0


@pytest.fixture
def earlier(runner, tmp_path) -> Path:
    """An out dir holding the outputs of a good run."""
    out = tmp_path / "out"
    assert run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(out), "--no-figures").exit_code == 0
    return out


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_move_that_fails_keeps_the_earlier_outputs(runner, earlier, monkeypatch, exchange):
    import prodkit.outputs.staging as staging

    before = snapshot(earlier)
    real_rename = os.rename
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if Path(dst) == earlier and len([c for c in calls if Path(c) == earlier]) == 1:  # the new folder's move
            raise OSError(errno.EIO, "Input/output error", str(dst))
        return real_rename(src, dst)

    monkeypatch.setattr(staging, "EXCHANGE", exchange)
    monkeypatch.setattr(staging, "_exchange", lambda a, b: (_ for _ in ()).throw(
        OSError(errno.EIO, "Input/output error", str(b))))
    monkeypatch.setattr(staging.os, "rename", failing)
    result = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(earlier), "--no-figures",
                 "--tolerance", "0.2")
    assert result.exit_code == 2
    assert "cannot write the outputs" in result.stderr and "Input/output error" in result.stderr
    assert "internal error" not in result.stderr
    assert snapshot(earlier) == before and leftovers(earlier) == []


def test_a_full_disk_says_so_and_keeps_the_earlier_outputs(runner, earlier, monkeypatch):
    import prodkit.outputs.tables as tables

    before = snapshot(earlier)

    def full(frame, path, **_):
        raise OSError("No space left on device (os error 28)")  # as polars says it

    monkeypatch.setattr(tables, "write_csv", full)
    result = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(earlier), "--no-figures")
    assert result.exit_code == 2
    assert "disk full" in result.stderr and "internal error" not in result.stderr
    assert snapshot(earlier) == before and leftovers(earlier) == []


def test_a_folder_named_like_an_output_file_stops_the_run_before_anything_is_replaced(runner, earlier):
    (earlier / "reconciled.csv").unlink()
    (earlier / "reconciled.csv").mkdir()
    (earlier / "reconciled.csv" / "inside.txt").write_text("x", encoding="utf-8")
    before = snapshot(earlier)
    result = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(earlier), "--no-figures")
    assert result.exit_code == 2
    assert "reconciled.csv is a folder, where this run writes a file" in result.stderr
    assert "nothing was replaced" in result.stderr
    assert snapshot(earlier) == before and leftovers(earlier) == []


def test_stale_staging_folders_of_killed_runs_are_removed(runner, earlier):
    (earlier.parent / ".prodkit-new-0badf00d~out").mkdir()
    (earlier.parent / ".prodkit-new-0badf00d~out" / "claims.csv").write_text("half", encoding="utf-8")
    (earlier / ".prodkit-abc123").mkdir()  # an earlier prodkit staged inside the out dir
    (earlier.parent / ".prodkit-new-0badf00d~out-2").mkdir()  # another folder's: left alone
    assert run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(earlier), "--no-figures").exit_code == 0
    assert leftovers(earlier) == [".prodkit-new-0badf00d~out-2"]


def test_what_is_published_is_synced(runner, tmp_path, monkeypatch):
    import prodkit.outputs.staging as staging

    synced = []
    real = os.fsync
    monkeypatch.setattr(staging.os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")),
                                                         real(fd)))
    out = tmp_path / "out"
    assert run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(out), "--no-figures").exit_code == 0
    names = {Path(p).name for p in synced}
    assert {"reconciled.csv", "claims.csv", "datapackage.json", "claims.dta"} <= names
    assert str(tmp_path) in synced  # the parent, after the swap


def test_reports_inside_the_out_dir_are_published_in_the_same_swap(runner, tmp_path):
    out = tmp_path / "out"
    result = run(runner, "figures", "--out-dir", str(out), "--reports-dir", str(out / "reports"))
    assert result.exit_code == 2 and "lacks" in result.stderr  # nothing to draw from yet
    from prodkit.outputs.staging import Staging

    with Staging({"out": out, "reports": out / "reports"}) as st:
        (st.path("out") / "a.csv").write_text("a", encoding="utf-8")
        (st.path("reports") / "report.html").write_text("r", encoding="utf-8")
        assert st.path("reports").parent == st.path("out")
        st.commit()
    assert snapshot(out) == {"a.csv": b"a", "reports/report.html": b"r"} and leftovers(out) == []
