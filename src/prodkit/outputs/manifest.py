"""``run.json``: what a run read, with which options, what it counted and what it wrote, each file with its SHA-256.

A later run can be replayed from it (``prodkit reconcile --from-manifest
run.json``): the inputs are checked against their hashes first, the run is
made with the recorded options, and its outputs are compared with the
recorded hashes. Nothing in the manifest depends on the clock or on where
the outputs were written, so the same inputs and options give the same
``run.json``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import InputError

MANIFEST = "run.json"
#: The input files a run may read in ``raw_dir``, in the order listed.
INPUT_FILES = ("claims.csv", "sources.csv", "adjudications.csv", "units.txt", "measures.csv", "plausibility.csv",
               "prodkit.toml")
#: The options a replay takes from the manifest (the destinations are the replay's own).
OPTIONS = ("raw_dir", "strategy", "tolerance", "seed", "figures", "exports", "strict", "allow_empty",
           "spreadsheet_safe")
FORMAT = 1


def sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path, skip: set[Path]) -> list[dict]:
    out = []
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        if p.resolve() in skip or p.name == MANIFEST:
            continue
        out.append({"path": p.relative_to(folder).as_posix(), "sha256": sha256(p)})
    return out


def build(*, version: str, options: dict, accounts: list[dict], out: Path, reports: Path | None) -> dict:
    """The manifest of a run whose outputs are staged in ``out`` (and ``reports``, unless inside ``out``)."""
    raw = Path(options["raw_dir"])
    inputs = [{"path": name, "sha256": sha256(raw / name)} for name in INPUT_FILES if (raw / name).is_file()]
    reports_inside = reports is not None and Path(reports).resolve().is_relative_to(Path(out).resolve())
    skip = {p.resolve() for p in Path(reports).rglob("*")} if reports_inside else set()
    doc = {
        "format": FORMAT,
        "prodkit_version": version,
        "command": "reconcile",
        "options": {k: (str(options[k]) if k == "raw_dir" else options[k]) for k in OPTIONS},
        "inputs": inputs,
        "counts": accounts,
        "outputs": _files(Path(out), skip),
    }
    if reports is not None:
        doc["reports"] = _files(Path(reports), set())
    return doc


def write(doc: dict, out: Path) -> Path:
    path = Path(out) / MANIFEST
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")
    return path


def read(path: Path) -> dict:
    """A manifest, checked: the options a replay needs are there. Raises InputError (exit 2) otherwise."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as a prodkit run manifest ({exc.__class__.__name__}: {exc}).",
                         hint="Pass the run.json a `prodkit reconcile` wrote beside its tables.") from None
    missing = [k for k in OPTIONS if k not in (doc.get("options") or {})] if isinstance(doc, dict) else list(OPTIONS)
    if missing or not isinstance(doc.get("inputs"), list):
        raise InputError(f"{path}: not a prodkit run manifest (no {', '.join(missing) or 'inputs'}).",
                         hint="Pass the run.json a `prodkit reconcile` wrote beside its tables.")
    return doc


def changed_inputs(doc: dict, raw_dir: Path) -> list[str]:
    """The recorded inputs that are missing or differ now, and the input files present now but not recorded."""
    raw = Path(raw_dir)
    recorded = {i["path"]: i["sha256"] for i in doc["inputs"]}
    out = []
    for name in INPUT_FILES:
        path = raw / name
        if name in recorded and not path.is_file():
            out.append(f"{path} (missing)")
        elif name in recorded and sha256(path) != recorded[name]:
            out.append(f"{path} (changed)")
        elif name not in recorded and path.is_file():
            out.append(f"{path} (not in the manifest)")
    return out


def differences(doc: dict, written: dict) -> list[str]:
    """Outputs whose hash differs from the manifest's, or which one side lacks (``written``: a new manifest).

    ``report.html`` names the tables' folder and is left out of the comparison (:data:`FOLDER_NAMING`).
    """
    out = []
    for key in ("outputs", "reports"):
        if key not in doc or key not in written:
            continue
        before = {f["path"]: f["sha256"] for f in doc[key]}
        after = {f["path"]: f["sha256"] for f in written[key]}
        out += [f"{key}/{p}" for p in sorted(set(before) | set(after))
                if before.get(p) != after.get(p) and not (key == "reports" and p in FOLDER_NAMING)]
    return out


#: Report files whose text names the folder the tables were written to, so that a replay into another
#: folder differs there and nowhere else: not compared.
FOLDER_NAMING = {"report.html"}
