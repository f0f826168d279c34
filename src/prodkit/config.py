"""The settings in force and where each came from: defaults, ``pyproject.toml``, ``prodkit.toml``, the command line.

A setting is taken, last one winning, from prodkit's default, a
``[tool.prodkit]`` table in ``pyproject.toml`` in the working folder, the
ledger's ``prodkit.toml`` (beside ``claims.csv``, in the raw folder; it also
holds the ledger's ``decimal_mark``), and the command line. ``prodkit
config`` prints the result.

No polars here: the command line reads it before any heavy import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import strategies
from .errors import InputError

#: Settings, their defaults and what they are.
DEFAULTS: dict[str, Any] = {
    "raw_dir": Path("data/raw"), "out_dir": Path("data/clean"), "reports_dir": Path("reports"),
    "strategy": strategies.DEFAULT, "tolerance": 0.01, "seed": strategies.DEFAULT_SEED, "decimal_mark": None,
}
#: The settings a ledger's prodkit.toml may give besides its decimal_mark (it cannot move its own folder).
RUN_SETTINGS = ("out_dir", "reports_dir", "strategy", "tolerance", "seed")
DEFAULT_ORIGIN = "default"
COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Setting:
    """One setting in force: its value and where it came from."""

    name: str
    value: Any
    origin: str


def _check(name: str, value: Any, where: str) -> Any:
    """``value`` as the setting takes it, or an InputError naming the file and the setting."""
    def bad(why: str, fix: str):
        return InputError(f"{where}: {name} = {value!r} {why}", hint=fix)

    if name in ("raw_dir", "out_dir", "reports_dir"):
        if not isinstance(value, str) or not value.strip():
            raise bad("is not a folder name", f'Write {name} = "a/folder".')
        return Path(value)
    if name == "strategy":
        if value not in strategies.NAMES:
            raise bad("is not a strategy", "One of: " + ", ".join(strategies.NAMES) + ".")
        return value
    if name == "tolerance":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise bad("is not a fraction from 0 to 1", "Write tolerance = 0.01 (claims within 1% agree).")
        return float(value)
    if name == "seed":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**64 - 1:
            raise bad("is not a whole number from 0 to 2**64-1", "Write seed = 1935.")
        return value
    if name == "decimal_mark":
        if value not in (".", ","):
            raise bad("is not '.' or ','", 'Write decimal_mark = "." or decimal_mark = ",".')
        return value
    raise InputError(f"{where}: '{name}' is not a setting prodkit knows",
                     hint="Known: " + ", ".join(DEFAULTS) + ".")


def _toml(path: Path) -> dict:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read as TOML: {exc}", hint='Write settings as TOML: strategy = "..."') \
            from None


def settings(given: dict[str, Any] | None = None, *, cwd: Path | None = None) -> dict[str, Setting]:
    """Every setting in force: ``given`` (the command line's, None where not given) over the files over the defaults.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "pyproject.toml").write_text('[tool.prodkit]\\nstrategy = "keep-up-to-date"\\nseed = 7\\n')
    >>> s = settings({"seed": 8}, cwd=folder)
    >>> (s["strategy"].value, s["strategy"].origin), (s["seed"].value, s["seed"].origin)
    (('keep-up-to-date', 'pyproject.toml [tool.prodkit]'), (8, 'command line'))
    >>> s["tolerance"]
    Setting(name='tolerance', value=0.01, origin='default')
    """
    given = {k: v for k, v in (given or {}).items() if v is not None}
    cwd = Path.cwd() if cwd is None else Path(cwd)
    out = {name: Setting(name, value, DEFAULT_ORIGIN) for name, value in DEFAULTS.items()}
    project = cwd / "pyproject.toml"
    if project.is_file():
        table = _toml(project).get("tool", {}).get("prodkit", {})
        where = "pyproject.toml [tool.prodkit]"
        for name, value in table.items():
            if name == "decimal_mark":
                raise InputError(f"{project}: decimal_mark belongs to the ledger, not to the project",
                                 hint="Write decimal_mark in prodkit.toml beside claims.csv (in the raw folder).")
            out[name] = Setting(name, _check(name, value, where), where)
    if "raw_dir" in given:
        out["raw_dir"] = Setting("raw_dir", Path(given["raw_dir"]), COMMAND_LINE)
    ledger = Path(out["raw_dir"].value) / "prodkit.toml"
    if ledger.is_file():
        where = str(ledger)
        data = _toml(ledger)
        for name, value in data.get("ledger", data).items():
            if name == "raw_dir":
                raise InputError(f"{where}: raw_dir cannot be set in the raw folder's own prodkit.toml",
                                 hint="Give --raw-dir, or raw_dir in pyproject.toml's [tool.prodkit].")
            out[name] = Setting(name, _check(name, value, where), where)
    for name, value in given.items():
        if name in out:
            out[name] = Setting(name, value, COMMAND_LINE)
    return out
