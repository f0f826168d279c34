"""prodkit's command line: a thin click group over the library functions.

Each command parses options, calls one function of :mod:`prodkit.api`,
prints a short summary to stderr and picks the exit code: 0 clean, 1 rows
rejected (the rest processed), 2 usage error or unreadable input. Heavy
libraries are imported inside the commands, so ``prodkit --help`` is quick.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__, strategies

#: How long polars' allocator (jemalloc) keeps freed memory before handing it
#: back to the system. polars' own choice is half a second, so each phase of a
#: large run faults its memory in afresh (benchmarks/RESULTS.md measures the
#: trade: a faster run for a higher peak). polars reads the variable when it is
#: first imported, so the command sets it before any command imports polars.
#: A value the user set is left alone: ``_RJEM_MALLOC_CONF=dirty_decay_ms:500``
#: restores polars' behaviour. Only the command line sets it: importing
#: prodkit as a library never changes the process environment.
ALLOCATOR_SETTING = "dirty_decay_ms:30000"
#: Problems shown in full on the terminal before the rest are summarised.
SHOW_PROBLEMS = 12


def _echo(text: str = "") -> None:
    click.echo(text, err=True)


class Context:
    def __init__(self, debug: bool, verbosity: int = 0):
        self.debug = debug
        #: -1 quiet (-q): no progress, no problem listing, only errors and the output asked for;
        #: 0 the default; 1 verbose (-v): every problem on the terminal, not a few per code.
        self.verbosity = verbosity


def _verbosity() -> int:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Context) if ctx is not None else None
    return obj.verbosity if obj is not None else 0


def _run(ctx: click.Context, fn, *args, **kwargs):
    """Call a library function; turn ProdkitError into a message and exit code."""
    from .errors import ProdkitError

    debug = ctx.find_object(Context).debug if ctx.find_object(Context) else False
    try:
        return fn(*args, **kwargs)
    except ProdkitError as exc:
        if debug:
            raise
        for p in exc.problems[:SHOW_PROBLEMS]:
            _echo(p.render())
        _echo(f"prodkit: {exc}")
        ctx.exit(exc.exit_code)
    except OSError as exc:  # a disk full, a permission refused outside the staging folders
        if debug:
            raise
        from .outputs.staging import output_error

        _echo(f"prodkit: {output_error(exc, 'read or write a file')}")
        ctx.exit(2)
    except KeyboardInterrupt:
        _echo("prodkit: interrupted; earlier outputs are untouched.")
        ctx.exit(130)
    except Exception as exc:  # an unexpected failure: a short message, the traceback with --debug
        if debug:
            raise
        _echo(f"prodkit: internal error: {type(exc).__name__}: {exc}")
        _echo("  Run again with --debug for the traceback, and report it with the input that caused it.")
        ctx.exit(2)


#: Problems shown per code before the rest of that code is summarised.
SHOW_PER_CODE = 3


def report_problems(problems, out_dir: Path | None) -> None:
    """Every problem, grouped by code (errors first), a few of each on screen; all in problems.csv."""
    from collections import defaultdict

    if not problems or _verbosity() < 0:
        return
    per_code = None if _verbosity() > 0 else SHOW_PER_CODE
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for p in problems:
        groups[(p.severity, p.code)].append(p)
    order = sorted(groups, key=lambda k: (k[0] != "error", k[1]))
    shown = 0
    for key in order:
        items = groups[key]
        for p in items[:per_code]:
            if per_code is None or shown < SHOW_PROBLEMS * 3:
                _echo(p.render())
                shown += 1
        if per_code is not None and len(items) > per_code:
            _echo(f"  ... and {len(items) - per_code} more [{key[1]}] (-v shows every problem)")
    summary = ", ".join(f"{len(groups[k])} {k[1]} ({k[0]})" for k in order)
    where = f"; full list in {out_dir / 'problems.csv'}" if out_dir else ""
    _echo(f"Problems: {summary}{where}")


def _summary(result) -> None:
    from .pipeline import accounting_lines

    if _verbosity() < 0:
        return
    for line in accounting_lines(result.ledger.accounts):
        _echo(line)


def _settings(ctx: click.Context, **values):
    """The values in force for these options: the command line's where given, else the config files', else the
    defaults (:mod:`prodkit.config`), in the order of the keyword arguments."""
    from click.core import ParameterSource

    from .config import settings

    given = {k: (v if ctx.get_parameter_source(k) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
                 else None) for k, v in values.items()}
    found = _run(ctx, settings, given)
    return [found[k].value for k in values]


def print_problem_lines(problems) -> None:
    """Every problem as one JSON object per line on stdout (JSON Lines), with the keys of problems.csv."""
    import json

    for p in problems:
        click.echo(json.dumps(p.as_row(), ensure_ascii=False))


raw_dir_option = click.option("--raw-dir", type=click.Path(path_type=Path), default=Path("data/raw"),
                              show_default=True, help="Folder with claims.csv, sources.csv and the optional "
                              "adjudications.csv, units.txt, measures.csv, plausibility.csv.")
out_dir_option = click.option("--out-dir", type=click.Path(path_type=Path), default=Path("data/clean"),
                              show_default=True, help="Folder for the tables, Stata files and data package.")
reports_dir_option = click.option("--reports-dir", type=click.Path(path_type=Path), default=Path("reports"),
                                  show_default=True, help="Folder for figures/ and report.html.")
strict_option = click.option("--strict", is_flag=True,
                             help="Reject rows that have warnings, not only errors (also the warnings found after "
                                  "loading: implausible, norm-ratio-mismatch, conversion-mismatch).")
safe_option = click.option("--spreadsheet-safe", is_flag=True,
                           help="Prefix text cells beginning with =, +, -, @ or a tab with ' in every CSV, so that "
                                "Excel or LibreOffice cannot run them as formulas (recorded in codebook.md and "
                                "datapackage.json).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prodkit")
@click.option("--debug", is_flag=True, envvar="PRODKIT_DEBUG", help="Show Python tracebacks on failure.")
@click.option("-q", "--quiet", is_flag=True, help="Print no progress, no problem listing and no summary on stderr: "
              "only errors that stop a command (and the output asked for). The files are written as ever.")
@click.option("-v", "--verbose", is_flag=True, help="List every problem on stderr, not the first few of each code.")
@click.pass_context
def main(ctx: click.Context, debug: bool, quiet: bool, verbose: bool) -> None:
    """prodkit: reconcile production figures from historical sources.

    Reads a ledger of claims (data/raw/claims.csv and sources.csv), parses
    the figures as written, converts units (a Soviet ton is a metric tonne),
    validates every row, reconciles conflicting sources per event, and writes
    tables, Stata files, a data package, charts and a report.

    Shell completion (bash, zsh, fish) comes from click: add
    eval "$(_PRODKIT_COMPLETE=bash_source prodkit)" to ~/.bashrc
    (zsh_source for ~/.zshrc; see the README).
    """
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose contradict each other: give one.")
    ctx.obj = Context(debug, -1 if quiet else 1 if verbose else 0)


json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print the result as one JSON document on stdout (its shape is in the README, "
                                "'Machine-readable output'); the messages on stderr are unchanged.")
jsonl_option = click.option("--problems-jsonl", is_flag=True,
                            help="Print every problem on stdout as JSON Lines: one object per line with the "
                                 "columns of problems.csv.")
strategy_option = click.option("--strategy", type=click.Choice(strategies.NAMES), default=strategies.DEFAULT,
                               show_default=True,
                               help="How to choose one value per event when sources disagree (see the README).")
tolerance_option = click.option("--tolerance", type=click.FloatRange(0, 1), default=0.01, show_default=True,
                                help="Relative difference under which two claims agree (a fraction from 0 to 1).")
seed_option = click.option("--seed", type=int, default=strategies.DEFAULT_SEED, show_default=True,
                           help="Seed for roll-the-dice: a whole number from 0 to 2**64-1.")


def validation_document(result) -> dict:
    """``prodkit validate --json``: valid, the exit code, the accounts and every problem."""
    from dataclasses import asdict

    rejected = result.ledger.has_errors
    return {"valid": not rejected, "exit_code": 1 if rejected else 0,
            "accounts": [asdict(a) for a in result.ledger.accounts],
            "problems": [p.as_row() for p in result.problems]}


@main.command()
@raw_dir_option
@out_dir_option
@strict_option
@safe_option
@strategy_option
@tolerance_option
@seed_option
@json_option
@jsonl_option
@click.pass_context
def validate(ctx: click.Context, raw_dir: Path, out_dir: Path, strict: bool, spreadsheet_safe: bool, strategy: str,
             tolerance: float, seed: int, as_json: bool, problems_jsonl: bool) -> None:
    """Read and check the ledger; write problems.csv to --out-dir and nothing else.

    Runs every check `prodkit reconcile` runs (those on normalised values
    too: implausible, norm-ratio-mismatch, ...), so both report the same
    problems. Exit code 0 when every row is valid, 1 when some rows are
    rejected, 2 when a file cannot be read.
    """
    import json

    from . import api

    raw_dir, out_dir, strategy, tolerance, seed = _settings(ctx, raw_dir=raw_dir, out_dir=out_dir, strategy=strategy,
                                                            tolerance=tolerance, seed=seed)
    result = _run(ctx, api.validate, raw_dir=raw_dir, out_dir=out_dir, strict=strict,
                  spreadsheet_safe=spreadsheet_safe, strategy=strategy, tolerance=tolerance, seed=seed)
    report_problems(result.problems, out_dir)
    _summary(result)
    if problems_jsonl:
        print_problem_lines(result.problems)
    if as_json:
        click.echo(json.dumps(validation_document(result), ensure_ascii=False, indent=2))
    ctx.exit(1 if result.ledger.has_errors else 0)


@main.command()
@raw_dir_option
@out_dir_option
@reports_dir_option
@strategy_option
@tolerance_option
@seed_option
@click.option("--figures/--no-figures", default=True, show_default=True, help="Draw the charts and the report.")
@click.option("--exports/--no-exports", default=True, show_default=True,
              help="Write the Stata files, datapackage.json and codebook.md beside the CSVs.")
@strict_option
@click.option("--allow-empty", is_flag=True,
              help="Write the outputs even when claims.csv has no rows (otherwise the earlier outputs are kept).")
@safe_option
@click.option("--partitions", type=int, default=None, metavar="N",
              help="Build the tables in N parts, a range of events at a time (same outputs, less memory).")
@click.option("--memory-limit", default=None, metavar="SIZE",
              help="Pick the number of parts for this much memory (4GB, 512MB, 2GiB).")
@jsonl_option
@click.option("--from-manifest", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Replay the run recorded in a run.json: its raw folder and options (the other options are "
                   "ignored but --out-dir and --reports-dir), after checking the inputs' SHA-256; then compare "
                   "each output's SHA-256 with the manifest's (exit 1 if any differs).")
@click.pass_context
def reconcile(ctx: click.Context, raw_dir: Path, out_dir: Path, reports_dir: Path, strategy: str,
              tolerance: float, seed: int, figures: bool, exports: bool, strict: bool, allow_empty: bool,
              spreadsheet_safe: bool, partitions: int | None, memory_limit: str | None, problems_jsonl: bool,
              from_manifest: Path | None) -> None:
    """Read, normalise, validate and reconcile the ledger; write every output, and run.json."""
    from . import api

    raw_dir, out_dir, reports_dir, strategy, tolerance, seed = _settings(
        ctx, raw_dir=raw_dir, out_dir=out_dir, reports_dir=reports_dir, strategy=strategy, tolerance=tolerance,
        seed=seed)
    with PhaseLog() as progress:
        if from_manifest is not None:
            result = _run(ctx, api.replay, from_manifest, out_dir=out_dir, reports_dir=reports_dir,
                          progress=progress)
        else:
            result = _run(ctx, api.reconcile, raw_dir=raw_dir, out_dir=out_dir, reports_dir=reports_dir,
                          strategy=strategy, tolerance=tolerance, seed=seed, figures=figures, exports=exports,
                          strict=strict, allow_empty=allow_empty, spreadsheet_safe=spreadsheet_safe,
                          progress=progress, partitions=partitions, memory_limit=memory_limit,
                          check_all_outputs=bool(ctx.find_object(Context) and ctx.find_object(Context).debug))
    report_problems(result.problems, out_dir if not result.kept else None)
    if result.kept:
        _echo(f"prodkit: warning: {raw_dir / 'claims.csv'} has no rows; nothing was written, and the outputs "
              f"in {out_dir} and {reports_dir} are kept as they were (pass --allow-empty to write empty tables).")
    _summary(result)
    if _verbosity() >= 0:
        for line in result.summary_lines():
            _echo(line)
    if problems_jsonl:
        print_problem_lines(result.problems)
    stale = Path(reports_dir) / "report.html"
    if not figures and from_manifest is None and not result.kept and stale.is_file():
        # the report describes the tables it was drawn from: after --no-figures those are gone
        _echo(f"prodkit: warning: {stale} was drawn from an earlier run's tables, not these (--no-figures); "
              f"`prodkit figures --out-dir {out_dir} --reports-dir {reports_dir}` redraws it.")
    if from_manifest is not None:
        if result.replay_differences:
            _echo(f"prodkit: the replay differs from {from_manifest} in {len(result.replay_differences)} "
                  f"file(s): {', '.join(result.replay_differences)}")
            ctx.exit(1)
        if _verbosity() >= 0:
            _echo(f"prodkit: replayed {from_manifest}: every output is byte-identical to the recorded run")
    ctx.exit(1 if result.ledger.has_errors else 0)


class PhaseLog:
    """Progress per phase on stderr: a rich status line on a terminal, plain log lines otherwise.

    Plain lines give the time since the start, so a long run in a log file
    shows where the time went: ``prodkit: [  12.3 s] normalise units``.
    PRODKIT_QUIET=1 silences them.
    """

    def __init__(self):
        import time

        self._clock = time.perf_counter
        self._start = self._clock()
        self._quiet = bool(os.environ.get("PRODKIT_QUIET")) or _verbosity() < 0
        self._status = None
        if not self._quiet and sys.stderr.isatty():
            from rich.console import Console

            self._status = Console(stderr=True).status("prodkit: starting")

    def __enter__(self) -> "PhaseLog":
        if self._status is not None:
            self._status.__enter__()
        return self

    def __call__(self, phase: str) -> None:
        elapsed = self._clock() - self._start
        if self._quiet:
            return
        if self._status is not None:
            self._status.update(f"prodkit: {phase} ({elapsed:.1f} s)")
        else:
            _echo(f"prodkit: [{elapsed:7.1f} s] {phase}")

    def __exit__(self, *exc) -> None:
        if self._status is not None:
            self._status.__exit__(*exc)
        if not self._quiet and exc[0] is None:
            self("done")


@main.command()
@click.argument("event_id")
@raw_dir_option
@strategy_option
@tolerance_option
@seed_option
@json_option
@click.pass_context
def explain(ctx: click.Context, event_id: str, raw_dir: Path, strategy: str, tolerance: float, seed: int,
            as_json: bool) -> None:
    """Show one event: every claim, its source, the strategy, the decision and the checks.

    EVENT_ID is an event_id of claims.csv (reconciled.csv lists them). Each
    claim is shown as written and in canonical units, with its source, trust
    rank, locator, quote and note; then the decision under --strategy and
    --tolerance and the value under every other strategy, the records against
    norms, the event's rejected claims with their problems, and the checks
    that fired. Notes stay on one line each: pipe into `less -S` or let the
    terminal wrap them.
    """
    import json

    from . import api

    raw_dir, strategy, tolerance, seed = _settings(ctx, raw_dir=raw_dir, strategy=strategy, tolerance=tolerance,
                                                   seed=seed)
    if as_json:
        doc = _run(ctx, api.explain_document, event_id, raw_dir=raw_dir, strategy=strategy, tolerance=tolerance,
                   seed=seed)
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    text = _run(ctx, api.explain, event_id, raw_dir=raw_dir, strategy=strategy, tolerance=tolerance, seed=seed)
    click.echo(text)


@main.command()
@out_dir_option
@reports_dir_option
@click.option("--width", type=click.Choice(["single", "double"]), default="double", show_default=True,
              help="Journal column the charts are laid out for: single (3.5 in) or double (7 in). "
                   "Text prints at 7 pt or more at that width.")
@click.pass_context
def figures(ctx: click.Context, out_dir: Path, reports_dir: Path, width: str) -> None:
    """Redraw the charts and the report from the tables already in --out-dir."""
    from . import api

    out_dir, reports_dir = _settings(ctx, out_dir=out_dir, reports_dir=reports_dir)
    written = _run(ctx, api.figures, out_dir=out_dir, reports_dir=reports_dir, width=width)
    _echo(f"prodkit: wrote {len(written)} files under {reports_dir}")


@main.command()
@click.option("--search", "search", default=None, help="Show only units, aliases or sources containing TEXT.")
@click.option("--explain", "explain", default=None, metavar="UNIT",
              help="Show how one unit as written is read: route (alias, lemma, gloss, definition), words, "
                   "scale, what is measured, canonical unit and factor.")
@click.option("--measure", default=None, help="With --explain: the measure whose canonical unit to convert to.")
@raw_dir_option
@json_option
@click.pass_context
def units(ctx: click.Context, search: str | None, explain: str | None, measure: str | None, raw_dir: Path,
          as_json: bool) -> None:
    """List known units, their aliases, canonical targets and factors, with sources."""
    import json

    from . import api

    (raw_dir,) = _settings(ctx, raw_dir=raw_dir)
    if as_json:
        doc = _run(ctx, api.units_document, search=search, raw_dir=raw_dir, explain=explain, measure=measure)
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    click.echo(_run(ctx, api.units_table, search=search, raw_dir=raw_dir, explain=explain, measure=measure))


@main.command()
@raw_dir_option
@out_dir_option
@reports_dir_option
@strategy_option
@tolerance_option
@seed_option
@json_option
@click.pass_context
def config(ctx: click.Context, raw_dir: Path, out_dir: Path, reports_dir: Path, strategy: str, tolerance: float,
           seed: int, as_json: bool) -> None:
    """Print the settings in force and where each came from.

    Each setting is taken, the last one winning, from prodkit's default, a
    [tool.prodkit] table in ./pyproject.toml, the ledger's prodkit.toml
    (in the raw folder, beside claims.csv) and the command line. Settings:
    raw_dir, out_dir, reports_dir, strategy, tolerance, seed, decimal_mark
    (the last in prodkit.toml only).
    """
    import json

    from click.core import ParameterSource

    from .config import settings

    values = {"raw_dir": raw_dir, "out_dir": out_dir, "reports_dir": reports_dir, "strategy": strategy,
              "tolerance": tolerance, "seed": seed}
    given = {k: (v if ctx.get_parameter_source(k) == ParameterSource.COMMANDLINE else None) for k, v in values.items()}
    found = _run(ctx, settings, given)
    shown = {name: ("" if s.value is None else str(s.value) if isinstance(s.value, Path) else s.value)
             for name, s in found.items()}
    if as_json:
        click.echo(json.dumps({name: {"value": None if s.value is None else shown[name], "origin": s.origin}
                               for name, s in found.items()}, ensure_ascii=False, indent=2))
        return
    width = max(len(n) for n in found)
    for name, s in found.items():
        value = "(not set)" if s.value is None else shown[name]
        click.echo(f"{name:<{width}}  {value!s:<24}  {s.origin}")


# --- issue 21: prodkit extract and prodkit events ---

def _size(text: str) -> int:
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*", text.lower())
    if not m:
        raise click.BadParameter(f"'{text}' is not a size: write e.g. 600MB or 2GB.")
    return int(float(m.group(1)) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[m.group(2)])


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=Path("candidates.csv"), show_default=True,
              help="The candidates file to write (with sources_candidates.csv and OUT_problems.csv beside it); "
                   "with --accept, the candidates file to accept rows from.")
@click.option("--merge", type=click.Path(path_type=Path), default=None, metavar="LEDGER",
              help="A claims.csv whose claims mark the candidates they already cover (status 'covered').")
@click.option("--accept", "accept_ids", multiple=True, metavar="IDS",
              help="Append these candidates (claim_ids, comma-separated) of --out to --raw-dir/claims.csv, "
                   "after a backup of it.")
@raw_dir_option
@click.option("--max-size", default="512MB", show_default=True, help="Refuse a text larger than this.")
@click.pass_context
def extract(ctx: click.Context, sources: tuple[Path, ...], out: Path, merge: Path | None,
            accept_ids: tuple[str, ...], raw_dir: Path, max_size: str) -> None:
    """Draft candidate claims from texts (plain text, Markdown, HTML).

    Every figure with a unit (tons, %, times the norm, hectares, pairs...),
    with its range, hedge and written-out number, becomes a row in the
    format of claims.csv with status 'candidate', a confidence, the cue that
    found it, the columns prodkit guessed, a locator FILE:LINE:FIRST-LAST and
    the whole sentence as its quote. Never writes into --raw-dir, except with
    --accept, which appends the rows named to claims.csv after a backup.

    Exit code 0 when every text was read, 1 when some were refused (the rest
    are extracted), 2 when none could be read or an option is wrong.
    """
    from . import api

    if accept_ids:
        if sources:
            raise click.UsageError("--accept takes rows from --out; give no SOURCE with it.")
        rows, backup = _run(ctx, api.accept, list(accept_ids), candidates=out, raw_dir=raw_dir)
        _echo(f"appended {len(rows)} claim(s) to {raw_dir / 'claims.csv'}; the ledger before is {backup}")
        _echo("Next: fill in subject, event_id and the guessed columns, then `prodkit validate`.")
        return
    result = _run(ctx, api.extract, list(sources), out, merge=merge, raw_dir=raw_dir, max_bytes=_size(max_size))
    for p in result.problems[:SHOW_PROBLEMS]:
        _echo(p.render())
    covered = f" ({result.n_candidates - result.covered} new, {result.covered} already in the ledger)" if merge else ""
    _echo(f"read {len(result.read)} text(s), refused {len(result.refused)}: {result.n_candidates} candidates"
          f"{covered}, {len(result.sources)} source candidates")
    _echo(f"wrote {', '.join(str(p) for p in result.written)}")
    ctx.exit(result.exit_code)


@main.group()
def events() -> None:
    """Event links between claims: proposed, never applied silently."""


@events.command("suggest")
@raw_dir_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("event_suggestions.csv"), show_default=True,
              help="Where to write the suggestions (one row per pair of claims).")
@click.option("--apply", "apply_", is_flag=True,
              help="Write the suggested event_id into claims whose event_id is empty, after a backup of claims.csv.")
@click.option("--tolerance", type=click.FloatRange(0, 1), default=0.01, show_default=True,
              help="Relative difference under which two values agree.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Score (0-1) at which two claims are proposed as one event [default: 0.6].")
@click.pass_context
def events_suggest(ctx: click.Context, raw_dir: Path, out: Path, apply_: bool, tolerance: float,
                   threshold: float | None) -> None:
    """Propose which claims tell the same event, with a score and the reasons in words.

    Compares every pair of claims: the subject across spellings and scripts
    (Стаханов, Stakhanov, Stachanow, A. G. Stakhanov), the measure, the
    dates, the values (within --tolerance, or the same in another unit), and
    the passage quoted. Also flags claims that share an event_id but look
    like different events. Nothing in the ledger changes without --apply.
    """
    from . import api

    result = _run(ctx, api.suggest_events, raw_dir, out, apply=apply_, tolerance=tolerance, threshold=threshold)
    same = sum(1 for r in result.rows if r["kind"] == "same-event")
    split = sum(1 for r in result.rows if r["kind"] == "looks-split")
    groups = sum(1 for g in result.groups.values() if len(g) > 1)
    _echo(f"{groups} suggested events of two or more claims ({same} pairs); {split} pairs share an event_id "
          f"but look different; wrote {out}")
    if apply_:
        if result.applied:
            _echo(f"applied: {result.applied} empty event_id(s) filled in {raw_dir / 'claims.csv'}; "
                  f"the ledger before is {result.backup}")
        else:
            _echo("applied: nothing to fill (every claim already has an event_id); the ledger is unchanged")


def set_allocator(environ=os.environ) -> None:
    """Set :data:`ALLOCATOR_SETTING` for polars, unless the user set the variable."""
    environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR_SETTING)


def entry() -> None:
    """The ``prodkit`` command: set polars' allocator, run ``main``, then leave at once.

    Python's own exit tears down every module polars, pandera and altair
    loaded, which takes a good part of a second after the work is done
    (benchmarks/RESULTS.md). Every file is
    closed and every staging folder removed by then, so prodkit flushes
    stdout and stderr and ends the process with the command's exit code.
    (``main`` itself, which the tests call in-process, exits normally.)
    """
    set_allocator()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`prodkit units | head`): nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
