"""The command line as a user meets it: help, version, the installed script, library parity."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RAW, ROOT, run

COMMANDS = ["reconcile", "validate", "figures", "explain", "units", "extract", "events"]


def test_every_command_has_help_and_is_in_the_readme(runner):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    top = run(runner, "--help")
    assert top.exit_code == 0
    for name in COMMANDS:
        assert name in top.stdout
        result = run(runner, name, "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout
        assert f"prodkit {name}" in readme


def test_version(runner):
    from prodkit import __version__

    result = run(runner, "--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"prodkit, version {__version__}"


def test_library_and_command_write_the_same_files(runner, tmp_path):
    import prodkit

    cli = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "cli"),
              "--reports-dir", str(tmp_path / "cr"), "--no-figures")
    assert cli.exit_code == 0
    prodkit.reconcile(RAW, tmp_path / "lib", tmp_path / "lr", figures=False)
    names = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "lib").iterdir())
    for name in names:
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "lib" / name).read_bytes(), name


def _script() -> str:
    found = shutil.which("prodkit", path=str(Path(sys.executable).parent))
    if not found:
        pytest.skip("the prodkit script is not installed next to this Python (run `make test`)")
    return found


def test_installed_script_runs_validate_in_a_subprocess(tmp_path):
    env = dict(os.environ, PRODKIT_QUIET="1")
    done = subprocess.run([_script(), "validate", "--raw-dir", str(RAW), "--out-dir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "claims.csv: read" in done.stderr and done.stdout == ""
    assert (tmp_path / "problems.csv").exists()


def test_installed_script_help_does_not_import_the_heavy_libraries(tmp_path):
    code = ("import sys; from prodkit.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('polars', 'pint', 'pandera', 'altair', 'pandas') if m in sys.modules]\n"
            "print('heavy:' + ','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "heavy:"


def _allocator_setting(env: dict, code: str) -> str:
    """What ``code``, run in a new process, prints of polars' allocator settings."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


#: The command's entry, with its work replaced by printing the setting polars then reads.
_ENTRY = ("import os, prodkit.cli as cli; cli.main = lambda: print(os.environ.get('_RJEM_MALLOC_CONF', '')); "
          "cli.entry()")
#: Every library module imported, then polars: the environment must be as it was.
_LIBRARY = ("import os, prodkit, prodkit.api, prodkit.pipeline, prodkit.cli, polars; "
            "print(os.environ.get('_RJEM_MALLOC_CONF', '-'))")


def test_the_command_keeps_freed_memory_longer_unless_the_user_set_the_allocator():
    from prodkit.cli import ALLOCATOR_SETTING

    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    assert _allocator_setting(env, _ENTRY) == ALLOCATOR_SETTING == "dirty_decay_ms:30000"
    assert _allocator_setting(dict(env, _RJEM_MALLOC_CONF="dirty_decay_ms:500"), _ENTRY) == "dirty_decay_ms:500"


def test_importing_the_library_leaves_the_environment_alone():
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    # polars writes its own settings into the variable when it is imported; prodkit adds nothing
    assert "dirty_decay_ms:30000" not in _allocator_setting(env, _LIBRARY)


def test_progress_lines_name_each_phase(runner, tmp_path, monkeypatch):
    monkeypatch.delenv("PRODKIT_QUIET", raising=False)
    result = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "o"),
                 "--reports-dir", str(tmp_path / "r"), "--no-figures")
    phases = [line.split("] ", 1)[1] for line in result.stderr.splitlines() if line.startswith("prodkit: [")]
    assert phases[:6] == ["read", "check", "parse values", "normalise units", "validate", "reconcile"]
    assert phases[-1] == "done"
