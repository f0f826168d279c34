"""The library functions behind each command (``prodkit.validate``, ``prodkit.reconcile``, ...).

Each checks its arguments, has :mod:`prodkit.pipeline` do the work, and
stages and writes what comes back (:class:`~prodkit.outputs.staging.Staging`:
all files or none). No data logic lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import strategies

if TYPE_CHECKING:  # the types only: polars and the pipeline load when a command runs
    import polars as pl

    from .errors import Problem
    from .pipeline import Ledger


@dataclass
class Result:
    """What a command did: the ledger as loaded, its problems, the tables built and the files written.

    Attributes
    ----------
    ledger : Ledger
        The ledger as loaded (:func:`prodkit.load` returns the same type).
    problems : list of Problem
        Every problem found, the ledger's and those of the checks after loading.
    tables : dict of str to polars.DataFrame
        Every output table by name (``reconciled``, ``claims``, ...); empty for ``validate``.
    written : list of Path
        The files written, sorted.
    """

    ledger: Ledger | None
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    #: True when nothing was written because the claims file has no rows (see ``allow_empty``).
    kept: bool = False
    #: The run manifest written as run.json (reconcile only).
    manifest: dict | None = None
    #: After :func:`replay`: the outputs whose SHA-256 differs from the replayed manifest's.
    replay_differences: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        lines = []
        rec = self.tables.get("reconciled")
        if rec is not None:
            import polars as pl

            counts = dict(rec.group_by("status").len().iter_rows())
            parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("single", "agree", "conflict", "adjudicated"))
            lines.append(f"reconciled: {rec.height} event groups ({parts})")
            nvr = self.tables.get("norms_vs_records")
            if nvr is not None:
                bad = nvr.filter(pl.col("consistent") == False).height  # noqa: E712
                # one primary row per record event: a record told four times is one comparison
                primary = nvr.filter(pl.col("primary")).height if "primary" in nvr.columns else nvr.height
                lines.append(f"norms vs records: {primary} records against a norm ({nvr.height} rows), "
                             f"{bad} inconsistent")
        if self.written:
            folders = sorted({str(p.parent) for p in self.written})
            lines.append(f"wrote {len(self.written)} files to {', '.join(folders)}")
        return lines


#: The largest ``seed``: roll-the-dice hashes with an unsigned 64-bit seed.
MAX_SEED = 2**64 - 1


def check_options(*, tolerance: float = 0.01, seed: int = strategies.DEFAULT_SEED,
                  strategy: str = strategies.DEFAULT, flags: bool = True) -> None:
    """Refuse a tolerance that is not a fraction from 0 to 1, a seed outside 0 to 2**64-1, an unknown strategy.

    ``flags``: name the command line's options (``--tolerance``); False names
    the function's arguments (``tolerance=``), for a call from a notebook.

    >>> check_options(tolerance=float("nan"))
    Traceback (most recent call last):
    ...
    prodkit.errors.UsageError: --tolerance nan is not a fraction from 0 to 1.
      Fix: Give --tolerance (tolerance=) as a fraction: 0.01 means claims within 1% of each other agree.
    """
    import math

    from .errors import UsageError

    strategies.get(strategy)
    tol, give_tol = ("--tolerance ", "Give --tolerance (tolerance=)") if flags else ("tolerance=", "Pass tolerance=")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not (
            math.isfinite(tolerance) and 0 <= tolerance <= 1):
        raise UsageError(f"{tol}{tolerance if flags else repr(tolerance)} is not a fraction from 0 to 1.",
                         hint=f"{give_tol} as a fraction: 0.01 means claims within 1% of each other agree.")
    sd, give_sd = ("--seed ", "Give --seed (seed=)") if flags else ("seed=", "Pass seed=")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise UsageError(f"{sd}{seed if flags else repr(seed)} is not a whole number from 0 to 2**64-1 ({MAX_SEED}).",
                         hint=f"{give_sd} as a whole number from 0 to {MAX_SEED}.")


#: Bytes of working memory the reconcile phase takes per byte of claims.csv in one pass (measured at 1M
#: claims: 2.2 GB at its peak, with 0.9 GB of it the ledger as read; benchmarks/RESULTS.md, issue 20).
RECONCILE_BYTES_PER_LEDGER_BYTE = 8
MAX_PARTITIONS = 256
_SIZE_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
               "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_size(text: str | int) -> int:
    """A memory size as written (``4GB``, ``512 MB``, ``2GiB``, ``1.5g``, ``1000000``) in bytes.

    >>> parse_size("4GB"), parse_size("2GiB"), parse_size("512 mb")
    (4000000000, 2147483648, 512000000)
    >>> parse_size("lots")
    Traceback (most recent call last):
    ...
    prodkit.errors.UsageError: --memory-limit 'lots' is not a size.
      Fix: Give --memory-limit (memory_limit=) as a number and a unit: 4GB, 512MB, 2GiB.
    """
    import re

    from .errors import UsageError

    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return text
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", str(text).lower())
    if not found or found.group(2) not in _SIZE_UNITS or float(found.group(1)) <= 0:
        raise UsageError(f"--memory-limit {text!r} is not a size.",
                         hint="Give --memory-limit (memory_limit=) as a number and a unit: 4GB, 512MB, 2GiB.")
    return int(float(found.group(1)) * _SIZE_UNITS[found.group(2)])


def choose_partitions(raw_dir: Path, partitions: int | None = None, memory_limit: str | int | None = None) -> int:
    """How many parts a run is built in: ``--partitions N``, or enough for ``--memory-limit`` (else 1).

    The parts bound the memory of the reconcile phase (about
    :data:`RECONCILE_BYTES_PER_LEDGER_BYTE` times claims.csv in one part);
    the ledger itself is still read whole.
    """
    import math

    from .errors import UsageError

    if partitions is not None and memory_limit is not None:
        raise UsageError("--partitions and --memory-limit both given.",
                         hint="Give one: --partitions N sets the parts, --memory-limit SIZE picks them.")
    if partitions is not None:
        if isinstance(partitions, bool) or not isinstance(partitions, int) or not 1 <= partitions <= MAX_PARTITIONS:
            raise UsageError(f"--partitions {partitions} is not a whole number from 1 to {MAX_PARTITIONS}.",
                             hint="Give --partitions (partitions=) as a whole number; 1 builds in one part.")
        return partitions
    if memory_limit is None:
        return 1
    limit = parse_size(memory_limit)
    claims = Path(raw_dir) / "claims.csv"
    size = claims.stat().st_size if claims.is_file() else 0
    return max(1, min(MAX_PARTITIONS, math.ceil(RECONCILE_BYTES_PER_LEDGER_BYTE * size / limit)))


def validate(raw_dir: Path = Path("data/raw"), out_dir: Path = Path("data/clean"), *, strict: bool = False,
             spreadsheet_safe: bool = False, strategy: str = strategies.DEFAULT, tolerance: float = 0.01,
             seed: int = strategies.DEFAULT_SEED) -> Result:
    """Read and check the ledger; write ``problems.csv`` to ``out_dir`` (only that). `prodkit validate`.

    Every check ``reconcile`` makes runs, those on normalised values included
    (``implausible``, ``norm-ratio-mismatch``, ``conversion-mismatch``,
    ``date-interval-mismatch``), so both list the same problems. In a
    notebook, :func:`prodkit.load` gives the same problems without writing.

    Parameters
    ----------
    raw_dir : Path, default data/raw
        The folder holding claims.csv and sources.csv.
    out_dir : Path, default data/clean
        Where problems.csv goes; not inside ``raw_dir``.
    strict : bool, default False
        A warning on a row rejects the row.
    spreadsheet_safe : bool, default False
        Prefix text cells a spreadsheet would run as a formula with ``'``.
    strategy, tolerance, seed
        Those the checks after loading reconcile with (as :func:`reconcile`).

    Returns
    -------
    Result
        The ledger as loaded, every problem, and ``written`` (problems.csv).

    Raises
    ------
    prodkit.errors.InputError
        When a file cannot be read (problems.csv still lists why).
    prodkit.errors.UsageError
        When ``out_dir`` is, holds or lies inside ``raw_dir``, or cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> result = validate(Path("data/raw"), Path(tempfile.mkdtemp()) / "checked")
    >>> [p.name for p in result.written], result.ledger.accounts[0].rejected
    (['problems.csv'], 0)
    """
    from .errors import InputError
    from .outputs.staging import check_destinations
    from .pipeline import run

    check_destinations({"--out-dir": Path(out_dir)}, Path(raw_dir))
    check_options(tolerance=tolerance, seed=seed, strategy=strategy)
    try:
        # every check of a reconcile, those on normalised values too (implausible, norm-ratio-mismatch, ...),
        # so that validate and reconcile report the same problems; only problems.csv is written
        done = run(Path(raw_dir), strategy=strategy, tolerance=tolerance, seed=seed, strict=strict)
    except InputError as exc:
        # an unreadable file is still a problem to list: validate's one output is the list
        _write_problems(exc.problems, Path(out_dir), spreadsheet_safe)
        raise
    _write_problems(done.problems, Path(out_dir), spreadsheet_safe)
    return Result(ledger=done.ledger, problems=done.problems, written=[Path(out_dir) / "problems.csv"])


def _write_problems(problems: list, out_dir: Path, spreadsheet_safe: bool) -> None:
    from .errors import problems_frame
    from .outputs.staging import Staging
    from .outputs.tables import write_csv

    with Staging({"out": out_dir}) as st:
        write_csv(problems_frame(problems), st.path("out") / "problems.csv", spreadsheet_safe=spreadsheet_safe)
        st.commit()


def reconcile(raw_dir: Path = Path("data/raw"), out_dir: Path = Path("data/clean"),
              reports_dir: Path = Path("reports"), *, strategy: str = strategies.DEFAULT,
              tolerance: float = 0.01, seed: int = strategies.DEFAULT_SEED, figures: bool = True, exports: bool = True,
              strict: bool = False, allow_empty: bool = False, spreadsheet_safe: bool = False,
              progress: Callable[[str], None] | None = None, check_all_outputs: bool = False,
              partitions: int | None = None, memory_limit: str | int | None = None) -> Result:
    """The main job: read, normalise, validate, reconcile; write every output.

    Outputs are built beside ``out_dir`` and ``reports_dir`` and swapped in
    only when everything succeeded (:mod:`prodkit.outputs.staging`), so a
    failed or interrupted run leaves earlier outputs untouched. A claims file
    with no rows writes nothing (``Result.kept``) unless ``allow_empty``.
    ``spreadsheet_safe`` prefixes text cells that a spreadsheet would run as
    a formula with ``'`` (:func:`~prodkit.outputs.tables.write_csv`).
    ``check_all_outputs`` checks every row of the finished tables against
    their models (``prodkit --debug``), not a sample of the long ones.
    ``partitions`` or ``memory_limit`` build the tables a range of events at
    a time (:func:`choose_partitions`); the outputs are byte-identical.
    In a notebook, :func:`prodkit.load`, :func:`prodkit.build` and
    :func:`prodkit.write` are the same job in three steps.

    Parameters
    ----------
    raw_dir, out_dir, reports_dir : Path
        The ledger, the tables' folder, the charts' and report's folder.
    strategy : str, default "trust-your-friends"
        How a group's value is chosen when its claims disagree.
    tolerance : float, default 0.01
        The relative difference under which two claims agree.
    seed : int, default 0
        The seed of roll-the-dice.
    figures, exports : bool, default True
        Draw the charts and report; write the Stata files and the data package.
    strict, allow_empty, spreadsheet_safe, check_all_outputs : bool, default False
        As described above.
    progress : callable, optional
        Called with the name of each phase as it starts.
    partitions : int, optional; memory_limit : str or int, optional
        Build in parts (one of the two).

    Returns
    -------
    Result
        The ledger, every problem, every table, the files written and the manifest.

    Raises
    ------
    prodkit.errors.UsageError
        For a wrong option, or a destination that is, holds or lies inside ``raw_dir``.
    prodkit.errors.InputError
        When a file cannot be read at all.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> result = reconcile(Path("data/raw"), out / "clean", out / "reports", figures=False, exports=False)
    >>> result.summary_lines()[0]
    'reconciled: 142 event groups (132 single, 9 agree, 1 conflict, 0 adjudicated)'
    """
    from .outputs.staging import check_destinations
    from .pipeline import phases

    say = phases(progress)
    check_options(tolerance=tolerance, seed=seed, strategy=strategy)
    parts = choose_partitions(Path(raw_dir), partitions, memory_limit)
    check_destinations({"--out-dir": Path(out_dir), **({"--reports-dir": Path(reports_dir)} if figures else {})},
                       Path(raw_dir))
    workers: list = []
    if figures:
        from .outputs.renderers import needs_drawing, start_renderers

        # chart helpers start now, so that they are ready when the tables are
        if needs_drawing(Path(reports_dir)):
            workers = start_renderers()
    options = {"raw_dir": Path(raw_dir), "strategy": strategy, "tolerance": tolerance, "seed": seed,
               "figures": figures, "exports": exports, "strict": strict, "allow_empty": allow_empty,
               "spreadsheet_safe": spreadsheet_safe}
    try:
        return _reconcile(raw_dir, out_dir, reports_dir, strategy=strategy, tolerance=tolerance, seed=seed,
                          figures=figures, exports=exports, strict=strict, say=say, workers=workers,
                          allow_empty=allow_empty, safe=spreadsheet_safe, check_all_outputs=check_all_outputs,
                          partitions=parts, options=options)
    finally:
        from .outputs.renderers import stop_renderers

        stop_renderers(workers)


def _reconcile(raw_dir, out_dir, reports_dir, *, strategy, tolerance, seed, figures, exports, strict, say,
               workers, allow_empty, safe, check_all_outputs, partitions, options) -> Result:
    from .pipeline import run

    done = run(Path(raw_dir), strategy=strategy, tolerance=tolerance, seed=seed, strict=strict, progress=say,
               check_all_outputs=check_all_outputs, partitions=partitions)
    tables = done.tables
    if not allow_empty and done.ledger.accounts[0].read == 0:
        # a header-only claims file would replace good outputs with empty tables
        return Result(ledger=done.ledger, problems=done.problems, tables=tables, kept=True)
    written, manifest_doc = publish(tables, done.ledger.accounts, out_dir, reports_dir, options=options,
                                    figures=figures, exports=exports, safe=safe, say=say, workers=workers)
    return Result(ledger=done.ledger, problems=done.problems, tables=tables, written=written, manifest=manifest_doc)


def publish(tables: dict, accounts: list, out_dir: Path, reports_dir: Path | None, *, options: dict,
            figures: bool, exports: bool, safe: bool, say=None, workers: list | None = None) -> tuple[list[Path], dict]:
    """Write finished tables (and exports, figures, run.json) all at once: the files written and the manifest.

    ``options`` are the run's, as run.json records them (``raw_dir`` names
    the ledger whose inputs it hashes). Shared by :func:`reconcile` and
    :func:`prodkit.write`.
    """
    from .outputs.staging import Staging
    from .outputs.tables import write_csv
    from .pipeline import phases

    say = phases(say)
    written: list[Path] = []
    targets = {"out": Path(out_dir)}
    if figures:
        targets["reports"] = Path(reports_dir)
    with Staging(targets) as st:
        pending = None
        if figures:
            # the charts go to the helpers first: they draw while the tables are written
            say("charts")
            from .outputs.figures import start as start_figures

            pending = start_figures(tables, st, out_dir=Path(out_dir), workers=workers or [])
        say("write tables")
        out = st.path("out")
        for name, frame in tables.items():
            write_csv(frame, out / f"{name}.csv", spreadsheet_safe=safe)
        if exports:
            _write_exports(tables, out, say, safe)
        if pending is not None:
            say("figures")
            pending.finish()
        # run.json last: it hashes every file the run wrote
        from . import __version__
        from .outputs import manifest

        manifest_doc = manifest.build(version=__version__, options=options,
                                      accounts=[vars(a).copy() for a in accounts], out=out,
                                      reports=st.path("reports") if figures else None)
        manifest.write(manifest_doc, out)
        say("publish")
        staged = {key: sorted(p for p in st.path(key).rglob("*") if p.is_file()) for key in targets}
        st.commit()
    for key, files in staged.items():
        written += [targets[key] / p.relative_to(st.path(key)) for p in files]
    # one folder may hold the other (or be it): count each file once
    written = sorted({p.resolve(): p for p in written}.values())
    return written, manifest_doc


def replay(manifest_path: Path, out_dir: Path = Path("data/clean"), reports_dir: Path = Path("reports"), *,
           progress: Callable[[str], None] | None = None) -> Result:
    """Run ``reconcile`` again with the options recorded in a ``run.json``, and compare what it writes.

    The inputs must be those the manifest records (same files, same SHA-256),
    else nothing runs. ``Result.replay_differences`` lists the outputs whose
    SHA-256 differs from the manifest's (empty: a byte-identical replay).
    Raises :class:`~prodkit.errors.InputError` for an unreadable manifest or
    changed inputs.

    Examples
    --------
    >>> replay(Path("/nonexistent/run.json"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    prodkit.errors.InputError: /nonexistent/run.json: cannot be read as a prodkit run manifest (FileNotFoundError: ...
    """
    from .errors import InputError
    from .outputs import manifest

    doc = manifest.read(Path(manifest_path))
    options = dict(doc["options"])
    options["raw_dir"] = Path(options["raw_dir"])
    changed = manifest.changed_inputs(doc, options["raw_dir"])
    if changed:
        raise InputError(f"{manifest_path}: the inputs differ from those the run read: {'; '.join(changed)}.",
                         hint="Replay against the ledger the manifest records (its SHA-256 sums are in "
                              "run.json), or run `prodkit reconcile` afresh.")
    result = reconcile(out_dir=out_dir, reports_dir=reports_dir, progress=progress, **options)
    if result.manifest is not None:
        result.replay_differences = manifest.differences(doc, result.manifest)
    return result


def _write_exports(tables, out: Path, say, safe: bool) -> None:
    """Stata files, the codebook and the data package."""
    from .outputs import datapackage, stata

    say("write exports")
    stata.write_all(tables, out)
    datapackage.write_all(tables, out, spreadsheet_safe=safe)


def figures(out_dir: Path = Path("data/clean"), reports_dir: Path = Path("reports"), *,
            width: str = "double") -> list[Path]:
    """Redraw the charts and the report from the tables already in ``out_dir``. `prodkit figures`.

    Parameters
    ----------
    out_dir : Path, default data/clean
        The folder a reconcile wrote its tables to.
    reports_dir : Path, default reports
        Where the charts and report.html go.
    width : {"single", "double"}, default "double"
        The journal column the charts are laid out for: 3.5 in or 7 in.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    prodkit.errors.UsageError
        When ``reports_dir`` cannot be written or ``width`` is neither.
    prodkit.errors.InputError
        When a table of ``out_dir`` is missing or unreadable.

    Examples
    --------
    >>> figures(width="wide")
    Traceback (most recent call last):
    ...
    prodkit.errors.UsageError: width = 'wide': a figure is laid out for a 'single' (3.5 in) or 'double' (7 in) column
    """
    from .errors import UsageError
    from .outputs.staging import check_destinations
    from .outputs.figures import redraw

    if width not in ("single", "double"):
        raise UsageError(f"width = {width!r}: a figure is laid out for a 'single' (3.5 in) or 'double' (7 in) column")
    check_destinations({"--reports-dir": Path(reports_dir)})
    return redraw(Path(out_dir), Path(reports_dir), width=width)


def explain(event_id: str, raw_dir: Path = Path("data/raw"), *, strategy: str = strategies.DEFAULT,
            tolerance: float = 0.01, seed: int = strategies.DEFAULT_SEED) -> str:
    """The event as a historian would read it: claims, sources, decision, checks, rejected claims. `prodkit explain`.

    Only the event and the events linked with it (its norm, its
    conversions) are reconciled, with the result a whole run gives them.

    Parameters
    ----------
    event_id : str
        An event_id of claims.csv.
    raw_dir : Path, default data/raw
        The ledger.
    strategy, tolerance, seed
        As :func:`reconcile`.

    Returns
    -------
    str
        The text `prodkit explain` prints (``explain_document`` gives it as a dict).

    Raises
    ------
    prodkit.errors.UsageError
        When no used claim has ``event_id`` (the hint names the nearest), or an option is wrong.
    prodkit.errors.InputError
        When a file cannot be read at all.

    Examples
    --------
    >>> print(explain("artyukhov-1935-09").splitlines()[0])
    Event artyukhov-1935-09: Ivan Artyukhov — coal, Central-Irmino mine, Donbass
    """
    from .narrative import explain_event

    ledger, tables, problems = _event_inputs(event_id, raw_dir, strategy=strategy, tolerance=tolerance, seed=seed)
    return explain_event(event_id, ledger, tables, problems, strategy=strategy)


def explain_document(event_id: str, raw_dir: Path = Path("data/raw"), *, strategy: str = strategies.DEFAULT,
                     tolerance: float = 0.01, seed: int = strategies.DEFAULT_SEED) -> dict:
    """The event as a JSON-ready dict (``prodkit explain --json``; its shape is in the README)."""
    from .narrative import event_document

    ledger, tables, problems = _event_inputs(event_id, raw_dir, strategy=strategy, tolerance=tolerance, seed=seed)
    return event_document(event_id, ledger, tables, problems, strategy=strategy)


def _event_inputs(event_id, raw_dir, *, strategy, tolerance, seed):
    """The ledger and the tables of one event and the events linked with it: only what explain reads."""
    from .pipeline import build_tables, event_ledger, load_ledger

    check_options(tolerance=tolerance, seed=seed, strategy=strategy)
    ledger = load_ledger(Path(raw_dir))
    tables, problems = build_tables(event_ledger(ledger, event_id), strategy=strategy, tolerance=tolerance,
                                    seed=seed)
    return ledger, tables, problems


def units_table(search: str | None = None, raw_dir: Path = Path("data/raw"), *, explain: str | None = None,
                measure: str | None = None) -> str:
    """A listing of units, aliases, canonical targets and factors with their sources; or, with ``explain``,
    how one unit as written is read (``measure``: the measure that sets its canonical unit)."""
    from .units.listing import explain_unit, listing

    if explain is not None:
        return explain_unit(explain, Path(raw_dir), measure=measure)
    return listing(search=search, raw_dir=Path(raw_dir))


def units_document(search: str | None = None, raw_dir: Path = Path("data/raw"), *, explain: str | None = None,
                   measure: str | None = None) -> dict | list:
    """``prodkit units --json``: the listing's rows as dicts, or, with ``explain``, one unit's reading as a dict."""
    from .units.listing import explain_unit_fields, listing_rows

    if explain is not None:
        return explain_unit_fields(explain, Path(raw_dir), measure=measure)
    return listing_rows(search=search, raw_dir=Path(raw_dir))


# ---------------------------------------------------------------------------
# prodkit extract (issue 21): from texts to candidate claims
# ---------------------------------------------------------------------------

@dataclass
class ExtractResult:
    """What :func:`extract` did: the candidates and source candidates drafted, the problems, the files written."""

    candidates: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    read: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    covered: int = 0
    n_candidates: int = 0
    written: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if not self.refused else 1


def _refuse_raw(path: Path, raw_dirs: list[Path], option: str) -> None:
    from .errors import UsageError
    from .outputs.staging import resolved

    out = resolved(path)
    for raw in raw_dirs:
        if raw is None:
            continue
        folder = resolved(raw)
        if out == folder or folder in out.parents:
            raise UsageError(f"{option} {path} lies inside {folder}: prodkit extract never writes into the raw "
                             "ledger's folder.", hint=f"Write the candidates elsewhere (e.g. {option} "
                             "candidates.csv); accept rows into the ledger with `prodkit extract --accept IDS`.")


def _write_rows(path: Path, columns: list[str], rows: list[dict], newline: str = "\n") -> None:
    """Write ``rows`` as CSV to ``path`` whole or not at all (a temporary file beside it, then a rename)."""
    import csv
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, columns, lineterminator=newline, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def extract(sources: list[Path], out: Path = Path("candidates.csv"), *, merge: Path | None = None,
            raw_dir: Path = Path("data/raw"), max_bytes: int | None = None, keep: int = 200_000) -> ExtractResult:
    """Draft candidate claims from texts; write ``out``, ``sources_candidates.csv`` and ``<out>_problems.csv``.

    ``merge``: a ledger (``claims.csv``) whose claims mark the candidates they
    already cover. Nothing is written into ``raw_dir`` or the merged ledger's
    folder. A source that cannot be read is listed with its problem and the
    others are extracted (exit code 1); with no readable source at all,
    :class:`~prodkit.errors.InputError` (exit 2). Candidates are written as
    they are found; the result keeps the first ``keep`` of them
    (``n_candidates`` counts all).
    """
    import csv
    import io
    import os
    import tempfile

    from .errors import PROBLEM_COLUMNS, InputError, UsageError, problem
    from .extraction import CANDIDATE_COLUMNS, SOURCE_COLUMNS, Coverage, extract_texts
    from .extraction.text import MAX_BYTES
    from .ledger import display_path
    from .ledger.encodings import decode

    if not sources:
        raise UsageError("No source to extract from.", hint="Name one or more text, Markdown or HTML files: "
                         "`prodkit extract thesis.txt --out candidates.csv`.")
    out = Path(out)
    side = out.with_name("sources_candidates.csv")
    problems_file = out.with_name(f"{out.stem}_problems.csv")
    for path, option in ((out, "--out"), (side, "--out"), (problems_file, "--out")):
        _refuse_raw(path, [raw_dir, Path(merge).parent if merge else None], option)
    if resolved_in(sources, out):
        raise UsageError(f"--out {out} is also a source.", hint="Write the candidates to another file.")
    coverage = None
    if merge is not None:
        label = display_path(Path(merge))
        if not Path(merge).is_file():
            raise InputError(f"{label} does not exist", problems=[problem("file-missing", file=label)])
        coverage = Coverage(list(csv.DictReader(io.StringIO(decode(Path(merge).read_bytes(), label)))))
    result = ExtractResult()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, CANDIDATE_COLUMNS, lineterminator="\n", extrasaction="ignore")
            writer.writeheader()

            def sink(row: dict) -> None:  # candidates go to disk as found: a 100 MB text has millions
                if coverage is not None and coverage.mark(row):
                    result.covered += 1
                writer.writerow(row)
                if len(result.candidates) < keep:
                    result.candidates.append(row)

            extraction = extract_texts([(Path(p), display_path(Path(p))) for p in sources],
                                       max_bytes=max_bytes or MAX_BYTES, sink=sink)
        if not extraction.read:
            raise InputError("No source could be read.", problems=extraction.problems)
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    result.sources, result.problems = extraction.sources, extraction.problems
    result.read, result.refused, result.n_candidates = extraction.read, extraction.refused, extraction.n_candidates
    _write_rows(side, SOURCE_COLUMNS, result.sources)
    _write_rows(problems_file, PROBLEM_COLUMNS, [p.as_row() for p in result.problems])
    result.written = [out, side, problems_file]
    return result


def resolved_in(sources: list[Path], out: Path) -> bool:
    from .outputs.staging import resolved

    return resolved(Path(out)) in {resolved(Path(s)) for s in sources}


def accept(ids: list[str], candidates: Path = Path("candidates.csv"),
           raw_dir: Path = Path("data/raw")) -> tuple[list[dict], Path]:
    """Append the candidates ``ids`` of ``candidates`` to ``raw_dir/claims.csv``, after a backup of it.

    Only the ledger's own columns are written; what extraction guessed goes
    into the note. Unknown ids, and ids the ledger
    already has, are refused (nothing is written). Returns the rows appended and the backup's path.
    """
    from .extraction.accepting import accept_rows

    return accept_rows(ids, Path(candidates), Path(raw_dir))


# ---------------------------------------------------------------------------
# prodkit events suggest (issue 21)
# ---------------------------------------------------------------------------

@dataclass
class EventsResult:
    """What :func:`suggest_events` proposed: one row per pair, the groups, and what ``apply`` changed."""

    rows: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)
    event_of: dict = field(default_factory=dict)
    applied: int = 0
    backup: Path | None = None
    written: list[Path] = field(default_factory=list)


def suggest_events(raw_dir: Path = Path("data/raw"), out: Path = Path("event_suggestions.csv"), *,
                   apply: bool = False, tolerance: float = 0.01, threshold: float | None = None) -> EventsResult:
    """Propose which claims of ``raw_dir/claims.csv`` tell one event; write ``out`` (event_suggestions.csv).

    Each row is a pair of claims: ``same-event`` (proposed together, with the
    suggested event_id, a score and the reasons in words) or ``looks-split``
    (sharing an event_id in the ledger, but looking like two events). With
    ``apply``, claims whose event_id is empty get the suggested one, after a
    backup of the ledger (``claims.csv.<UTC time>.bak``); an event_id the
    ledger already has is never changed.
    """
    import csv
    import io
    import shutil
    from datetime import datetime, timezone

    from . import events
    from .errors import InputError, problem
    from .ledger import display_path, read_side_table
    from .ledger.encodings import decode
    from .units import read_measures
    from .units.registry import Units

    check_options(tolerance=tolerance)
    raw_dir = Path(raw_dir)
    ledger = raw_dir / "claims.csv"
    label = display_path(ledger)
    if not ledger.is_file():
        raise InputError(f"{label} does not exist", problems=[problem("file-missing", file=label)])
    _refuse_raw(Path(out), [raw_dir], "--out")
    units = Units(raw_dir / "units.txt")
    measures = read_measures(raw_dir)
    import importlib.resources as resources

    kinds = {r["measure"]: r.get("kind") or "" for r in read_side_table(
        Path(str(resources.files("prodkit") / "data" / "measures.csv")), required=["measure", "canonical_unit"],
        optional=["description", "kind", "direction", "anchor_date"])}
    claims = events.read_claims(ledger, label, units, measures, kinds)
    found = events.suggest(claims, tolerance=tolerance, threshold=threshold or events.THRESHOLD)
    result = EventsResult(found.rows, found.groups, found.event_of)
    _write_rows(Path(out), events.SUGGESTION_COLUMNS, found.rows)
    result.written.append(Path(out))
    if not apply:
        return result
    text = decode(ledger.read_bytes(), label)
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    rows = list(reader)
    for row in rows:
        if not (row.get("event_id") or "").strip() and row.get("claim_id", "").strip() in found.event_of:
            row["event_id"] = found.event_of[row["claim_id"].strip()]
            result.applied += 1
    if not result.applied:
        return result
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    result.backup = ledger.with_name(f"{ledger.name}.{stamp}.bak")
    shutil.copy2(ledger, result.backup)
    _write_rows(ledger, header, rows, newline="\r\n" if "\r\n" in text[:4096] else "\n")
    result.written.append(ledger)
    return result
