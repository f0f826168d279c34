"""prodkit in a notebook: load a ledger, reconcile it in memory, look at the tables, write them when ready.

Three steps, each a function of :mod:`prodkit`::

    ledger = prodkit.load("data/raw")        # Ledger: polars frames and every problem, nothing written
    tables = prodkit.build(ledger)           # Tables: every output table, in memory
    prodkit.write(tables, "data/clean")      # the files of `prodkit reconcile`, all at once

``prodkit.reconcile(raw_dir, out_dir)`` is still the whole job in one call
(what `prodkit reconcile` runs). Errors here name the argument to change
(``tolerance=``), not a command-line flag. docs/notebook.md walks through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import strategies
from .api import check_options, publish

if TYPE_CHECKING:  # the types only: polars loads when a function runs
    import polars as pl

    from .errors import Problem
    from .pipeline import Ledger


@dataclass
class Tables:
    """Every output table of a reconciled ledger, as polars frames, and how they were made.

    The frames are those `prodkit reconcile` writes as CSV, column for
    column (the README and ``codebook.md`` describe each column).

    Attributes
    ----------
    claims : polars.DataFrame
        One row per used claim: the raw columns, ``value_as_written``, the canonical figure and ``flags``.
    reconciled : polars.DataFrame
        One row per (event_id, measure, statistic): the value chosen, its span, status and strategy.
    conflicts : polars.DataFrame
        One row per claim of a group whose claims disagree, with its deviation.
    norms_vs_records : polars.DataFrame
        Records against the norm in force: ``pct_of_norm`` with its low, high and source, ``primary``.
    sensitivity : polars.DataFrame
        The value of every group under every strategy.
    problems : polars.DataFrame
        Every problem, located (file, line, column, field, value, severity, code, message, hint).
    accounts : polars.DataFrame
        Rows read, used and rejected per input file.
    sources : polars.DataFrame
        The used sources.
    event_claims : polars.DataFrame
        Each claim's role (chosen, agreeing, conflicting, derived, unnumbered, rejected) in its group.
    source_reliability : polars.DataFrame
        What learn-reliability learned of each source: bias and spread in %, the events it rests on.
    ledger : Ledger
        The ledger the tables were built from (under ``strict``, without the rows the late checks rejected).
    problem_list : list of Problem
        The problems as objects (``problems`` is the same as a frame).
    strategy : str
        The strategy that chose each reconciled value.
    tolerance : float
        The relative difference under which two claims agree.
    seed : int
        The seed of roll-the-dice.
    """

    claims: pl.DataFrame
    reconciled: pl.DataFrame
    conflicts: pl.DataFrame
    norms_vs_records: pl.DataFrame
    sensitivity: pl.DataFrame
    problems: pl.DataFrame
    accounts: pl.DataFrame
    sources: pl.DataFrame
    event_claims: pl.DataFrame
    source_reliability: pl.DataFrame
    ledger: Ledger = field(repr=False)
    problem_list: list[Problem] = field(repr=False, default_factory=list)
    strategy: str = strategies.DEFAULT
    tolerance: float = 0.01
    seed: int = strategies.DEFAULT_SEED

    #: The tables, in the order they are written.
    NAMES = ("claims", "reconciled", "conflicts", "norms_vs_records", "sensitivity", "problems", "accounts",
             "sources", "event_claims", "source_reliability")

    def as_dict(self) -> dict[str, pl.DataFrame]:
        """The tables by name, in the order they are written (each name is its CSV's, without ``.csv``)."""
        return {name: getattr(self, name) for name in self.NAMES}

    def explain(self, event_id: str) -> str:
        """One event as `prodkit explain` prints it: claims, sources, decision, ratios, checks.

        Raises :class:`~prodkit.errors.UsageError` when no used claim has
        that ``event_id`` (the message suggests the nearest).
        """
        from .narrative import explain_event

        return explain_event(event_id, self.ledger, self.as_dict(), self.problem_list, strategy=self.strategy)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}: {getattr(self, name).height} rows" for name in self.NAMES)
        return f"Tables(strategy={self.strategy!r}, tolerance={self.tolerance!r}; {sizes})"


def load(raw_dir: str | Path = "data/raw", *, strict: bool = False) -> Ledger:
    """Read and check a ledger folder; nothing is written.

    Every row is either used (``ledger.claims``) or rejected
    (``ledger.rejected``), and every problem is listed with its file, line,
    column, value, reason and fix (``ledger.problems``, or
    ``ledger.problems_frame()`` as a frame).

    Parameters
    ----------
    raw_dir : str or Path, default "data/raw"
        The folder that holds ``claims.csv`` and ``sources.csv`` (and, if
        any, ``adjudications.csv``, ``units.txt``, ``prodkit.toml``).
    strict : bool, default False
        Reject a row on a warning too, not only on an error.

    Returns
    -------
    Ledger
        The claims as polars frames (used and rejected), the sources, the
        adjudications, every problem and the rows read, used and rejected
        per file.

    Raises
    ------
    prodkit.errors.InputError
        When ``raw_dir`` is not a folder or a file in it cannot be read at
        all (a missing or undecodable claims.csv); its ``problems`` locate why.

    Examples
    --------
    >>> import prodkit
    >>> ledger = prodkit.load("data/raw")
    >>> ledger.claims.height, ledger.rejected.height
    (158, 0)
    >>> ledger.claims.filter(ledger.claims["event_id"] == "artyukhov-1935-09").select(
    ...     "claim_id", "value", "unit", "value_mid", "unit_canonical")
    shape: (2, 5)
    ┌──────────┬───────┬──────┬───────────┬────────────────┐
    │ claim_id ┆ value ┆ unit ┆ value_mid ┆ unit_canonical │
    │ ---      ┆ ---   ┆ ---  ┆ ---       ┆ ---            │
    │ str      ┆ str   ┆ str  ┆ f64       ┆ str            │
    ╞══════════╪═══════╪══════╪═══════════╪════════════════╡
    │ c007     ┆ 536   ┆ tons ┆ 536.0     ┆ t              │
    │ c011     ┆ 552   ┆ tons ┆ 552.0     ┆ t              │
    └──────────┴───────┴──────┴───────────┴────────────────┘
    >>> prodkit.load("no/such/folder")
    Traceback (most recent call last):
    ...
    prodkit.errors.InputError: raw_dir='no/such/folder' is not a folder.
      Fix: Pass raw_dir= the folder that holds claims.csv and sources.csv, e.g. prodkit.load("data/raw").
    """
    from .errors import InputError
    from .pipeline import load_ledger

    if isinstance(strict, str) or not isinstance(strict, bool):
        from .errors import UsageError

        raise UsageError(f"strict={strict!r} is not True or False.", hint="Pass strict=True or strict=False.")
    if not isinstance(raw_dir, (str, Path)) or not Path(raw_dir).is_dir():
        raise InputError(f"raw_dir={str(raw_dir)!r} is not a folder.",
                         hint='Pass raw_dir= the folder that holds claims.csv and sources.csv, '
                              'e.g. prodkit.load("data/raw").')
    return load_ledger(Path(raw_dir), strict=strict)


def build(ledger: Ledger, *, strategy: str = strategies.DEFAULT, tolerance: float = 0.01,
          seed: int = strategies.DEFAULT_SEED) -> Tables:
    """Reconcile a loaded ledger in memory: every output table, nothing written.

    The same tables `prodkit reconcile` writes, from the same steps: the
    checks on normalised values (plausibility, stated ratios, the carrier's
    conversions), the reconciliation of each (event_id, measure, statistic)
    under ``strategy``, the norms against records, the sensitivity to every
    strategy. The ledger is not changed. Try another strategy by calling
    again; nothing is read from disk twice.

    Parameters
    ----------
    ledger : Ledger
        What :func:`load` returned.
    strategy : str, default "trust-your-friends"
        How a group's value is chosen when its claims disagree (one of
        ``prodkit.strategies.NAMES``; the README describes each).
    tolerance : float, default 0.01
        The relative difference under which two claims agree (0.01: within 1%).
    seed : int, default 0
        The seed of roll-the-dice, a whole number from 0 to 2**64-1.

    Returns
    -------
    Tables
        Every output table as a polars frame (``tables.reconciled``,
        ``tables.norms_vs_records``, ...), with the problems and the options.

    Raises
    ------
    prodkit.errors.UsageError
        When ``ledger`` is not a Ledger, or ``strategy``, ``tolerance`` or
        ``seed`` is not one prodkit can use; the message names the argument.

    Examples
    --------
    >>> import prodkit
    >>> tables = prodkit.build(prodkit.load("data/raw"), strategy="meet-in-the-middle")
    >>> tables.reconciled.filter(tables.reconciled["event_id"] == "artyukhov-1935-09").select(
    ...     "measure", "statistic", "value", "unit", "status", "strategy")
    shape: (1, 6)
    ┌───────────┬───────────┬───────┬──────┬──────────┬────────────────────┐
    │ measure   ┆ statistic ┆ value ┆ unit ┆ status   ┆ strategy           │
    │ ---       ┆ ---       ┆ ---   ┆ ---  ┆ ---      ┆ ---                │
    │ str       ┆ str       ┆ f64   ┆ str  ┆ str      ┆ str                │
    ╞═══════════╪═══════════╪═══════╪══════╪══════════╪════════════════════╡
    │ coal_hewn ┆ record    ┆ 544.0 ┆ t    ┆ conflict ┆ meet-in-the-middle │
    └───────────┴───────────┴───────┴──────┴──────────┴────────────────────┘
    >>> prodkit.build(prodkit.load("data/raw"), tolerance=5)
    Traceback (most recent call last):
    ...
    prodkit.errors.UsageError: tolerance=5 is not a fraction from 0 to 1.
      Fix: Pass tolerance= as a fraction: 0.01 means claims within 1% of each other agree.
    """
    from .errors import UsageError
    from .pipeline import Ledger, reconcile_ledger

    if not isinstance(ledger, Ledger):
        raise UsageError(f"ledger= is a {type(ledger).__name__}, not a Ledger.",
                         hint='Pass what prodkit.load returns: prodkit.build(prodkit.load("data/raw")).')
    try:
        strategies.get(strategy)
    except UsageError:
        raise UsageError(f"strategy={strategy!r} is not a strategy prodkit knows.",
                         hint="Pass strategy= one of: " + ", ".join(strategies.NAMES) + ".") from None
    check_options(tolerance=tolerance, seed=seed, strategy=strategy, flags=False)
    done = reconcile_ledger(ledger, strategy=strategy, tolerance=tolerance, seed=seed)
    return Tables(**done.tables, ledger=done.ledger, problem_list=done.problems, strategy=strategy,
                  tolerance=tolerance, seed=seed)


def write(tables: Tables, out_dir: str | Path = "data/clean", reports_dir: str | Path | None = None, *,
          exports: bool = True, spreadsheet_safe: bool = False) -> list[Path]:
    """Write the tables as `prodkit reconcile` does: every CSV, the Stata files, the data package, run.json.

    The files are built beside ``out_dir`` and swapped in at once: a reader
    sees the complete old set or the complete new set. Written from
    unchanged tables, they are byte for byte those of
    ``prodkit reconcile --no-figures`` with the same options (run.json
    included, so ``prodkit reconcile --from-manifest`` replays them).

    Parameters
    ----------
    tables : Tables
        What :func:`build` returned.
    out_dir : str or Path, default "data/clean"
        Where the tables go; not inside the ledger's raw folder.
    reports_dir : str or Path, optional
        Where the charts and ``report.html`` go; None (the default) draws none.
    exports : bool, default True
        Also write the Stata files, ``codebook.md`` and ``datapackage.json``.
    spreadsheet_safe : bool, default False
        Prefix text cells a spreadsheet would run as a formula with ``'``.

    Returns
    -------
    list of Path
        Every file written, sorted.

    Raises
    ------
    prodkit.errors.UsageError
        When ``tables`` is not what :func:`build` returned, a table no longer
        has its columns and types, or ``out_dir`` (``reports_dir``) is a file,
        read-only, or is, holds or lies inside the ledger's raw folder.

    Examples
    --------
    >>> import tempfile, prodkit
    >>> out = Path(tempfile.mkdtemp()) / "clean"
    >>> written = prodkit.write(prodkit.build(prodkit.load("data/raw")), out)
    >>> sorted(p.name for p in written if p.suffix == ".csv")  # doctest: +NORMALIZE_WHITESPACE
    ['accounts.csv', 'claims.csv', 'conflicts.csv', 'event_claims.csv', 'norms_vs_records.csv',
     'problems.csv', 'reconciled.csv', 'sensitivity.csv', 'source_reliability.csv', 'sources.csv']
    >>> prodkit.write(prodkit.build(prodkit.load("data/raw")), "data/raw/clean")
    Traceback (most recent call last):
    ...
    prodkit.errors.UsageError: out_dir data/raw/clean lies inside raw_dir data/raw: the run would write into the raw ledger.
      Fix: Change out_dir= to a folder outside data/raw (e.g. data/clean).
    """
    from .errors import ProdkitError, UsageError
    from .outputs.staging import check_destinations

    if not isinstance(tables, Tables):
        raise UsageError(f"tables= is a {type(tables).__name__}, not the Tables prodkit.build returns.",
                         hint="Pass what prodkit.build returns: prodkit.write(prodkit.build(ledger), out_dir).")
    ledger = tables.ledger
    figures = reports_dir is not None
    check_destinations({"out_dir": Path(out_dir), **({"reports_dir": Path(reports_dir)} if figures else {})},
                       ledger.raw_dir, raw_option="raw_dir")
    frames = tables.as_dict()
    from .schema import validate_outputs

    try:
        validate_outputs(frames)
    except ProdkitError as exc:
        raise UsageError(f"the tables no longer match their models: {exc.message}",
                         hint="Pass the Tables prodkit.build returned; to write a changed table, write that frame "
                              "yourself (frame.write_csv(...)).") from None
    options = {"raw_dir": ledger.raw_dir, "strategy": tables.strategy, "tolerance": tables.tolerance,
               "seed": tables.seed, "figures": figures, "exports": exports, "strict": ledger.strict,
               # a header-only ledger is written here because it was asked for: a replay writes it too
               "allow_empty": ledger.accounts[0].read == 0, "spreadsheet_safe": spreadsheet_safe}
    workers: list = []
    try:
        if figures:
            from .outputs.renderers import needs_drawing, start_renderers

            if needs_drawing(Path(reports_dir)):
                workers = start_renderers()
        written, _ = publish(frames, ledger.accounts, Path(out_dir), Path(reports_dir) if figures else None,
                             options=options, figures=figures, exports=exports, safe=spreadsheet_safe,
                             workers=workers)
    finally:
        from .outputs.renderers import stop_renderers

        stop_renderers(workers)
    return written


__all__ = ["Tables", "load", "build", "write"]
