"""The layout: imports run one way down the flow, and docs/ARCHITECTURE.md names every module.

The direction is the two contracts under ``[tool.importlinter]`` in
pyproject.toml, checked by import-linter (``lint-imports``), which follows
imports inside functions too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SRC = ROOT / "src" / "prodkit"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` with the project's contracts, on the package found in ``package_parent``."""
    exe = Path(sys.executable).parent / "lint-imports"
    env = dict(os.environ, PYTHONPATH=str(package_parent))
    return subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=package_parent,
                          capture_output=True, text=True, env=env, timeout=300)


def test_imports_run_one_way_down_the_flow():
    done = lint_imports(ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_an_import_against_the_flow_is_caught(tmp_path):
    """The contracts can fail: a stage importing a later one, and outputs importing a stage, are both named."""
    copy = tmp_path / "prodkit"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "values.py", "a", encoding="utf-8") as fh:
        fh.write("\n\ndef _late():\n    from .pipeline import run  # against the flow\n    return run\n")
    with open(copy / "outputs" / "tables.py", "a", encoding="utf-8") as fh:
        fh.write("\n\ndef _domain():\n    from ..norms import norms_vs_records  # a domain internal\n"
                 "    return norms_vs_records\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "prodkit.values -> prodkit.pipeline" in done.stdout
    assert "prodkit.outputs.tables -> prodkit.norms" in done.stdout
    assert "Contracts: 0 kept, 2 broken." in done.stdout


def _modules() -> list[str]:
    """Every module of the package, as a path below src/prodkit (packages by their folder)."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        is_package = rel.name == "__init__.py" and rel.parent != Path(".")
        out.append(f"{rel.parent.as_posix()}/" if is_package else rel.as_posix())
    return out


def test_architecture_names_every_module():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w/.]+)`", text))
    missing = [m for m in _modules() if m not in named and m.rstrip("/") not in named]
    assert not missing, f"docs/ARCHITECTURE.md does not name: {missing}"


def test_architecture_says_where_each_kind_of_change_goes():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for case in ("A new unit", "A new strategy", "A new check", "A new output"):
        section = text.split(f"### {case}", 1)
        assert len(section) == 2, f"no section '### {case}'"
        body = section[1].split("###", 1)[0]
        files = re.findall(r"`((?:src/prodkit|tests|docs)/[\w/.]+)`", body)
        assert files, f"'{case}' names no file"
        for f in files:
            assert (ROOT / f).exists(), f"'{case}' names {f}, which does not exist"
