"""Where a run may write: never into the raw ledger, never over an input, never into a file or a read-only folder.

:func:`check_destinations` is called by every command that writes, before any
work is done, so that a wrong ``--out-dir`` or ``--reports-dir`` costs nothing
and replaces nothing. Paths are compared after resolving symbolic links.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import UsageError

#: The files of a ledger that a run reads (and must never replace).
INPUT_FILES = ["claims.csv", "sources.csv", "adjudications.csv", "units.txt", "measures.csv", "plausibility.csv",
               "prodkit.toml"]


def _fix(option: str) -> str:
    """How to name the option to change, for the command line and for the library."""
    return f"Change {option} ({option.lstrip('-').replace('-', '_')}=)"


def resolved(path: Path) -> Path:
    """``path`` made absolute with every symbolic link resolved (also when it does not exist yet)."""
    return Path(os.path.abspath(path)).resolve()


def check_destinations(destinations: dict[str, Path], raw_dir: Path | None = None) -> None:
    """Refuse any destination that is unusable, or is, holds or lies inside ``raw_dir``.

    ``destinations``: option name (``--out-dir``) -> folder. Also refused: a
    raw input file that is a link into a destination (the run would replace it).

    >>> check_destinations({"--out-dir": Path("data/raw/clean")}, Path("data/raw"))
    Traceback (most recent call last):
    ...
    prodkit.errors.UsageError: --out-dir data/raw/clean lies inside --raw-dir data/raw: the run would write into the raw ledger.
      Fix: Change --out-dir (out_dir=) to a folder outside data/raw (e.g. data/clean).
    """
    for option, path in destinations.items():
        check_destination(path, option)
    if raw_dir is None:
        return
    raw = resolved(raw_dir)
    for option, path in destinations.items():
        out = resolved(path)
        relation = ("is" if out == raw else "holds" if out in raw.parents else
                    "lies inside" if raw in out.parents else None)
        if relation:
            raise UsageError(f"{option} {path} {relation} --raw-dir {raw_dir}: the run would write into the raw "
                             "ledger.", hint=f"{_fix(option)} to a folder outside {raw_dir} (e.g. data/clean).")
        for name in INPUT_FILES:
            source = Path(raw_dir) / name
            real = resolved(source)
            if source.is_symlink() and (real == out or out in real.parents):
                raise UsageError(f"{source} is a link to {real}, which the run would replace ({option} {path}).",
                                 hint=f"{_fix(option)}, or make {source} a file of its own.")


def check_destination(path: Path, option: str = "--out-dir") -> None:
    """Refuse a destination that is a file, a dangling link, or a read-only folder (or in one)."""
    path = Path(path)
    fix = _fix(option)
    if path.is_symlink() and not path.exists():
        raise UsageError(f"{option} {path} is a symbolic link to {os.readlink(path)}, which does not exist.",
                         hint=f"{fix} to a folder, or create the folder the link points to.")
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder.", hint=f"{fix} to a folder.")
    if path.is_dir() and not _writable(path):
        raise UsageError(f"{option} {path} is read-only.",
                         hint=f"{fix} to a folder you may write to, or make it writable (chmod u+w).")
    parent = resolved(path).parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: {parent} is a file, not a folder.", hint=f"{fix} to a folder.")
    if not _writable(parent):
        raise UsageError(f"{option} {path}: prodkit publishes by swapping in a new folder beside it, and "
                         f"{parent} is read-only.", hint=f"{fix} to a folder whose parent you may write to.")


def _writable(folder: Path) -> bool:
    # the mode bits too: root may write anywhere, but a folder marked read-only is meant to stay as it is
    return os.access(folder, os.W_OK) and bool(folder.stat().st_mode & 0o222)
