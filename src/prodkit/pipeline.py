"""The one conductor: the phases of a run, in order, and nothing else.

raw files -> values -> units -> checks -> reconcile -> norms -> finished tables:

1. :func:`load_ledger` reads ``raw_dir`` (:mod:`.ledger`), checks rows and
   references (:mod:`.checks`, :mod:`.rules`), parses the figures
   (:mod:`.values`), converts the units (:mod:`.units`) and validates the
   result. Per-file accounting (read, used, rejected) keeps used + rejected =
   read, always.
2. :func:`build_tables` runs the checks on values (:mod:`.plausibility`, the
   carrier's conversions), the reconciliation (:mod:`.reconciliation`) and the
   norms (:mod:`.norms`), and assembles every output table.
3. :func:`run` is both, and checks the finished tables against their models.

Every phase takes frames and returns frames plus a list of problems; no phase
changes what it is given, and nothing here touches the disk but the reader.
Writing is :mod:`prodkit.api`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from . import checks, norms, plausibility, strategies
from .errors import (ERROR, WARNING, InputError, Problem, UsageError, merge_problems, problem, problem_order, problems_frame,
                     under_strict)
from .flags import flags_from, tidy_flags
from .ledger import (ADJUDICATIONS_OPTIONAL, ADJUDICATIONS_REQUIRED, CLAIMS_COLUMNS, CLAIMS_OPTIONAL,
                     CLAIMS_REQUIRED, SOURCES_OPTIONAL, SOURCES_REQUIRED, display_path, read_raw_text,
                     read_settings, read_table)
from .reconciliation import (KEY, event_components, learned_columns, partition_events, prepare,
                             reconcile_tables)
from .tidy import event_claims, rejected_roles, with_date_bounds
from .rules import NORMALISED_CLAIMS, RAW_CHECK_FIELDS, RAW_CLAIMS, RAW_SOURCES, SOURCE_YEAR, row_problems
from .units import Units, normalise_units, per_hour_columns, read_measures
from .values import parse_values

#: The claim columns the checks and the reconciliation read: the wide text
#: (quotes, notes, locators) joins the claims table only at the end.
CORE_COLUMNS = ["claim_id", "event_id", "subject", "sector", "measure", "statistic", "value", "unit", "basis",
                "date", "source_id", "norm_ref", "converted_from", "value_low", "value_high", "value_mid",
                "unit_canonical", "qualifier", "flags", "basis_period", "shift_hours", "source_file",
                "source_line"]
#: The columns claims.csv adds to the raw ones (and to any extra raw columns).
CLAIM_OUTPUT_EXTRA = ["value_low", "value_high", "value_mid", "unit_canonical", "unit_reading", "commodity",
                      "qualifier", "shift_hours", "value_per_hour", "flags"]


@dataclass
class Account:
    """Rows of one input file: read, used and rejected (used + rejected = read)."""

    file: str
    read: int = 0
    used: int = 0
    rejected: int = 0


@dataclass
class Ledger:
    """The raw ledger as loaded (:func:`prodkit.load`): used claims, normalised and flagged; rejected rows; problems.

    Attributes
    ----------
    claims : polars.DataFrame
        The used claims, one row per raw row, with the raw columns (text, ``value`` as written), the
        parsed and converted figure (``value_low``, ``value_high``, ``value_mid``, ``unit_canonical``,
        ``qualifier``), ``flags``, and ``source_file``/``source_line`` locating each row.
    rejected : polars.DataFrame
        The rejected claim rows as read (text), located the same way; ``problems`` says why.
    sources : polars.DataFrame
        The used sources (``trust_rank`` an integer).
    adjudications : polars.DataFrame or None
        The used rows of adjudications.csv, if the ledger has one.
    problems : list of Problem
        Every problem found while reading and checking, each located (file, line, column) with a fix.
    accounts : list of Account
        Rows read, used and rejected per input file (used + rejected = read).
    units : Units
        The unit registry the ledger was read with (prodkit's and the ledger's own units.txt).
    raw_dir : Path
        The folder it was read from.
    extra_columns : list of str
        Raw claim columns prodkit does not know, kept as they are.
    strict : bool
        Read under ``strict``: a warning on a row rejects it, in the checks after loading too.
    """

    claims: pl.DataFrame
    rejected: pl.DataFrame
    sources: pl.DataFrame
    adjudications: pl.DataFrame | None
    problems: list[Problem]
    accounts: list[Account]
    units: Units
    raw_dir: Path
    extra_columns: list[str] = field(default_factory=list)
    source_extra_columns: list[str] = field(default_factory=list)  # sources.csv's own columns, kept as they are
    strict: bool = False

    @property
    def has_errors(self) -> bool:
        """True when some row of some input file was rejected."""
        return any(a.rejected for a in self.accounts)

    def problems_frame(self) -> pl.DataFrame:
        """The problems as a frame with the columns of problems.csv (file, line, column, ..., hint)."""
        return problems_frame(self.problems)

    def __repr__(self) -> str:
        counts = ", ".join(f"{a.file}: {a.used} used, {a.rejected} rejected" for a in self.accounts)
        return f"Ledger({str(self.raw_dir)!r}; {counts}; {len(self.problems)} problem(s))"


def _figure_mid(text: str | None, decimal_mark: str | None) -> float | None:
    """An adjudicated figure's value under the ledger's decimal mark (checked by checks.adjudication_checks)."""
    from .values import FigureError, parse_figure

    try:
        return parse_figure(text, decimal_mark).mid if text else None
    except FigureError:
        return None


def _rejected_lines(problems: list[Problem], file: str, strict: bool) -> set[int]:
    return {p.line for p in problems
            if p.file == file and p.line is not None and p.line > 1
            and (p.severity == ERROR or (strict and p.severity == WARNING and p.code != "row-empty"))}


def load_ledger(raw_dir: Path, *, strict: bool = False, progress=None) -> Ledger:
    """Read and check the raw ledger; nothing is written.

    ``progress`` (optional) is called with the name of each phase as it
    starts: "read", "check", "parse values", "normalise units", "validate".
    Raises InputError when a file cannot be read at all (exit code 2).
    Under ``strict`` a warning on a row rejects the row, and its problem says
    so (:func:`~prodkit.errors.under_strict`).
    """
    say = phases(progress)
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir} is not a folder",
                         hint="Pass --raw-dir with the folder that holds claims.csv and sources.csv.")
    claims_file = raw_dir / "claims.csv"
    say.collect = claims_file.exists() and claims_file.stat().st_size > Phases.COLLECT_ABOVE_BYTES
    say("read")
    claims_t = read_table(raw_dir / "claims.csv", required=CLAIMS_REQUIRED, optional=CLAIMS_OPTIONAL)
    _refuse_reserved_columns(claims_t)
    sources_t = read_table(raw_dir / "sources.csv", required=SOURCES_REQUIRED, optional=SOURCES_OPTIONAL)
    adj_t = None
    if (raw_dir / "adjudications.csv").exists():
        adj_t = read_table(raw_dir / "adjudications.csv", required=ADJUDICATIONS_REQUIRED,
                           optional=ADJUDICATIONS_OPTIONAL)
    if (raw_dir / "units.txt").exists():
        read_raw_text(raw_dir / "units.txt")  # its encoding, located, before units.txt's own parser reads it
    units = Units(raw_dir / "units.txt")
    measures = read_measures(raw_dir)
    settings = read_settings(raw_dir)

    problems: list[Problem] = units.convention_problems(display_path(raw_dir / "units.txt"))
    problems += claims_t.problems + sources_t.problems + (adj_t.problems if adj_t else [])
    # ids are read without surrounding spaces, everywhere they are written
    claims_t.frame, id_problems = checks.strip_ids(claims_t, ["claim_id", "event_id", "source_id", "norm_ref",
                                                              "converted_from"])
    sources_t.frame, more = checks.strip_ids(sources_t, ["source_id", "derived_from"])
    id_problems += more
    if adj_t is not None:
        adj_t.frame, more = checks.strip_ids(adj_t, ["event_id", "claim_id"])
        id_problems += more
    problems += id_problems
    ccols, scols = claims_t.column_numbers, sources_t.column_numbers

    say("check")
    # sources first: a rejected source rejects the claims that cite it
    sources = sources_t.frame
    problems += checks.empty_required(sources_t, SOURCES_REQUIRED)
    problems += row_problems(RAW_SOURCES, sources, column_numbers=scols, field_for_check=RAW_CHECK_FIELDS)
    problems += row_problems(SOURCE_YEAR, sources, column_numbers=scols, field_for_check={"date-invalid": "year"})
    problems += checks.duplicate_ids(sources, "source_id", "duplicate-source-id", scols.get("source_id"))
    problems += checks.id_checks(sources, {"source_id": "source"}, scols)
    problems += checks.derived_sources(sources, scols.get("derived_from"))
    bad_source_lines = _rejected_lines(problems, sources_t.label, strict)
    rejected_source_ids = set(sources.filter(pl.col("source_line").is_in(sorted(bad_source_lines)))["source_id"]
                              .drop_nulls().to_list())
    used_sources = sources.filter(~pl.col("source_line").is_in(sorted(bad_source_lines)))
    rejected_source_ids -= set(used_sources["source_id"].drop_nulls().to_list())

    claims = claims_t.frame
    # an empty unit is allowed where the figure carries its own ("13-fold"): normalise_units checks it
    problems += checks.empty_required(claims_t, [c for c in CLAIMS_REQUIRED if c != "unit"])
    problems += row_problems(RAW_CLAIMS, claims, column_numbers=ccols, field_for_check=RAW_CHECK_FIELDS)
    problems += checks.duplicate_ids(claims, "claim_id", "duplicate-claim-id", ccols.get("claim_id"))
    problems += checks.id_checks(claims, {"claim_id": "claim", "event_id": "event"}, ccols)
    problems += checks.unknown_sources(claims, sources, sources_t.label, ccols.get("source_id"), rejected_source_ids)
    problems += checks.event_consistency(claims, ccols)
    problems += checks.references(claims, ccols)

    say("parse values")
    # a figure's decimal mark: its source's, else the ledger's (prodkit.toml), else undeclared
    marks = used_sources.select("source_id", pl.col("decimal_mark").str.strip_chars().alias("_decimal_mark"))
    claims = claims.hstack(claims.select("source_id").join(marks, on="source_id", how="left",
                                                          maintain_order="left").drop("source_id"))
    claims = claims.with_columns(pl.col("_decimal_mark").fill_null(pl.lit(settings.get("decimal_mark"),
                                                                          dtype=pl.String)))
    claims, value_problems = parse_values(claims, column_number=ccols.get("value"),
                                          decimal_mark_column="_decimal_mark")
    problems += value_problems
    say("normalise units")
    claims, unit_problems = normalise_units(claims, units, measures, column_numbers=ccols)
    problems += unit_problems
    say("validate")
    problems += row_problems(NORMALISED_CLAIMS, claims, column_numbers=ccols)

    if adj_t is not None:
        problems += checks.empty_required(adj_t, ADJUDICATIONS_REQUIRED)
        problems += checks.adjudication_checks(adj_t.frame, claims, adj_t.column_numbers,
                                               decimal_mark=settings.get("decimal_mark"))

    problems = _drop_consequences(sorted(set(problems), key=problem_order))
    bad_claim_lines = _rejected_lines(problems, claims_t.label, strict)
    if strict:
        rejected_lines = {claims_t.label: bad_claim_lines, sources_t.label: bad_source_lines}
        problems = sorted({under_strict(p) if p.severity == WARNING and p.line and p.line > 1
                           and p.line in rejected_lines.get(p.file, ()) else p for p in problems},
                          key=problem_order)
    is_rejected = claims.select(pl.col("source_line").is_in(sorted(bad_claim_lines))).to_series()
    rejected, used = claims.filter(is_rejected), claims.filter(~is_rejected)
    used = flags_from(used, problems, claims_t.label)

    accounts = [
        Account(claims_t.label, claims_t.rows_read, used.height, rejected.height),
        Account(sources_t.label, sources_t.rows_read, used_sources.height,
                sources_t.rows_read - used_sources.height),
    ]
    adjudications = None
    if adj_t is not None:
        bad_adj = _rejected_lines(problems, adj_t.label, strict)
        adjudications = adj_t.frame.filter(~pl.col("source_line").is_in(sorted(bad_adj)))
        adjudications = adjudications.with_columns(pl.col("value").map_elements(
            lambda v: _figure_mid(v, settings.get("decimal_mark")), return_dtype=pl.Float64).alias("_value_mid"))
        accounts.append(Account(adj_t.label, adj_t.rows_read, adjudications.height,
                                adj_t.rows_read - adjudications.height))
    used_sources = used_sources.with_columns(pl.col("trust_rank").str.strip_chars().cast(pl.Int64))
    return Ledger(claims=used, rejected=rejected, sources=used_sources, adjudications=adjudications,
                  problems=problems, accounts=accounts, units=units, raw_dir=raw_dir,
                  extra_columns=claims_t.extra_columns, source_extra_columns=sources_t.extra_columns,
                  strict=strict)


#: Columns prodkit adds to the claims (claims.csv, or its own working columns): a raw column may not take their names.
RESERVED_COLUMNS = sorted(set(CLAIM_OUTPUT_EXTRA + CORE_COLUMNS + ["value_as_written", "date_low", "date_high",
                                                                    "year"]) - set(CLAIMS_COLUMNS))


def _refuse_reserved_columns(table) -> None:
    """An extra raw column named like a column prodkit adds (``value_low``) stops the run, located in the header."""
    clash = [c for c in table.extra_columns if c in RESERVED_COLUMNS]
    if clash:
        found = [problem("column-reserved", file=table.label, line=1, column=table.column_numbers.get(c), field=c,
                         value=c) for c in clash]
        raise InputError(f"{table.label}: {len(found)} column(s) named like prodkit's own: {', '.join(clash)}.",
                         hint="Rename them; see the problems above.", problems=found)


def reject_late_warnings(ledger: Ledger, problems: list[Problem]) -> Ledger | None:
    """Under ``--strict``: the ledger without the claims that the checks after loading warned about.

    Those checks (``implausible``, ``norm-ratio-mismatch``, ``conversion-mismatch``)
    need the claims normalised, so they run in :func:`build_tables`; their
    warnings reject the row like any other under ``--strict``. None when there
    are none.
    """
    label = ledger.accounts[0].file
    known = set(ledger.problems)
    late = [p for p in problems if p.severity == WARNING and p.file == label and p.line is not None and p.line > 1
            and p not in known]
    if not late:
        return None
    lines = sorted({p.line for p in late})
    is_rejected = ledger.claims["source_line"].is_in(lines)
    accounts = list(ledger.accounts)
    first = accounts[0]
    accounts[0] = Account(first.file, first.read, first.used - int(is_rejected.sum()),
                          first.rejected + int(is_rejected.sum()))
    rejected = pl.concat([ledger.rejected, ledger.claims.filter(is_rejected).select(ledger.rejected.columns)],
                         how="vertical_relaxed")
    return replace(ledger, claims=ledger.claims.filter(~is_rejected), rejected=rejected, accounts=accounts,
                   problems=merge_problems(ledger.problems, [under_strict(p) for p in late]))


@dataclass
class Run:
    """What a run found: the ledger as loaded, every output table, and every problem."""

    ledger: Ledger
    tables: dict[str, pl.DataFrame]
    problems: list[Problem]


def run(raw_dir: Path, *, strategy: str = strategies.DEFAULT, tolerance: float = 0.01,
        seed: int = strategies.DEFAULT_SEED, strict: bool = False, progress=None,
        check_all_outputs: bool = False, partitions: int = 1) -> Run:
    """Every phase of ``prodkit reconcile`` but writing: load, reconcile, check the finished tables.

    The finished tables are checked against their models whole up to
    :data:`~prodkit.schema.OUTPUT_SAMPLE_ROWS` rows, on a sample above
    (every row with ``check_all_outputs``).
    ``partitions`` above 1 builds the tables a range of events at a time
    (:func:`build_tables_in_parts`), with the same result.

    Raises :class:`~prodkit.errors.UsageError` for an unknown ``strategy``
    and :class:`~prodkit.errors.InputError` when a file cannot be read.
    """
    strategies.get(strategy)
    say = phases(progress)
    ledger = load_ledger(Path(raw_dir), strict=strict, progress=say)
    say("reconcile")
    done = reconcile_ledger(ledger, strategy=strategy, tolerance=tolerance, seed=seed, partitions=partitions)
    ledger, tables, problems = done.ledger, done.tables, done.problems
    say("check outputs")
    from .schema import OUTPUT_SAMPLE_ROWS, validate_outputs  # pandera: only a run that writes checks its tables

    validate_outputs(tables, sample_rows=None if check_all_outputs else OUTPUT_SAMPLE_ROWS)
    return Run(ledger=ledger, tables=tables, problems=problems)


def reconcile_ledger(ledger: Ledger, *, strategy: str = strategies.DEFAULT, tolerance: float = 0.01,
                     seed: int = strategies.DEFAULT_SEED, partitions: int = 1) -> Run:
    """Every output table of a loaded ledger, in memory; under the ledger's ``strict``, the late warnings reject too.

    The checks after loading (``implausible``, ``norm-ratio-mismatch``, ...)
    need normalised claims; under ``strict`` their warnings reject their rows
    (:func:`reject_late_warnings`) and the tables are built again without them,
    so the ledger of the result may hold fewer used claims than the one given.
    """
    build = dict(strategy=strategy, tolerance=tolerance, seed=seed, partitions=partitions)
    tables, problems = build_tables_in_parts(ledger, **build)
    strict_ledger = reject_late_warnings(ledger, problems) if ledger.strict else None
    if strict_ledger is not None:
        ledger = strict_ledger
        tables, problems = build_tables_in_parts(ledger, **build)
    return Run(ledger=ledger, tables=tables, problems=problems)


def build_tables(ledger: Ledger, *, strategy: str = strategies.DEFAULT, tolerance: float = 0.01,
                 seed: int = strategies.DEFAULT_SEED) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
    """Every output table, as polars frames, from a loaded ledger; and every problem, the ledger's included.

    The ledger is not changed: the problems found here are merged into a new list.
    """
    tables, changed, found = _event_tables(ledger, strategy=strategy, tolerance=tolerance, seed=seed)
    return _all_tables(ledger, tables, changed, merge_problems(ledger.problems, found))


def event_ledger(ledger: Ledger, event_id: str) -> Ledger:
    """The ledger cut to one event, the events linked with it (its norm, its conversions), and the events its
    sources share with another source (with theirs).

    :func:`build_tables` on it gives the event's rows of every per-event
    table exactly as a build over all claims would
    (:func:`~prodkit.reconciliation.event_components`), in a fraction of
    the time: ``prodkit explain`` reads one event this way. The claims
    table holds only the component's claims; the problems, the rejected
    rows, the sources and the accounts stay the whole ledger's. An event no
    used claim names leaves the ledger whole (its message lists them all).
    """
    events = ledger.claims["event_id"]
    if ledger.claims.height == 0 or not (events == event_id).any() or _may_learn(ledger):
        return ledger
    component = event_components(ledger.claims)
    mine = component.filter(events == event_id)[0]
    # and every event told by two or more sources of which one is this event's: what learn-reliability says
    # of a source (its shared events) is then counted as over the whole ledger
    sources = ledger.claims.filter(component == mine)["source_id"].unique()
    c = ledger.claims.select("event_id", "source_id").with_columns(component.alias("_component"))
    shared = pl.col("source_id").n_unique().over("event_id") > 1
    keep = c.filter(shared & pl.col("source_id").is_in(sources.implode()))["_component"].unique()
    return replace(ledger, claims=ledger.claims.filter(component.is_in(keep.implode()) | (component == mine)))


def _may_learn(ledger: Ledger) -> bool:
    """Could learn-reliability learn anything from this ledger (so that one event cannot be read alone)?

    It learns from events told by two or more sources, a source from
    :data:`~prodkit.reliability.MIN_SHARED` of them, a source type from
    :data:`~prodkit.reliability.MIN_TYPE` claims in them. Counted here by
    source_id, with no retellings set apart: more shared events than
    learning finds, never fewer, so a ledger that might teach it something is
    read whole.
    """
    from .reliability import MIN_SHARED, MIN_TYPE

    c = ledger.claims.select("event_id", "source_id").join(
        ledger.sources.select("source_id", "source_type"), on="source_id", how="left")
    shared = c.filter(pl.col("source_id").n_unique().over("event_id") > 1)
    if shared.height == 0:
        return False
    per_source = shared.group_by("source_id").agg(pl.col("event_id").n_unique())["event_id"].max()
    per_type = shared.group_by("source_type").len()["len"].max()
    return per_source >= MIN_SHARED or per_type >= MIN_TYPE


#: The columns of the claims the work after loading changes (flags, and a clock interval's duration).
_CHANGED = ["flags", "value_low", "value_high", "value_mid"]
#: The tables built per event (a run in parts builds them part by part).
_EVENT_TABLES = ["reconciled", "conflicts", "norms_vs_records", "sensitivity", "event_claims"]


def _event_tables(ledger: Ledger, *, strategy: str, tolerance: float, seed: int,
                  learn: bool = True) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, list[Problem]]:
    """The tables built per event, the claims' changed columns (row for row), and the problems found.

    ``learn=False`` (a part of a run in parts) learns nothing: the table
    ``_learning`` holds what learning reads (``reconcile_tables``) in place of
    ``source_reliability``.
    """
    # the checks and the reconciliation work on the narrow columns they need;
    # the wide text (quotes, notes, locators) joins the result only at the end
    measures = plausibility.read_measure_facts(ledger.raw_dir)
    core = prepare(ledger.claims.select([c for c in CORE_COLUMNS if c in ledger.claims.columns]), ledger.sources)
    core = plausibility.clock_durations(core, measures)  # "from 2 to 9 o'clock" is 7 hours
    claims, check_problems = plausibility.check_claims(core, ledger.raw_dir)
    claims, interval_problems = plausibility.check_intervals(claims, measures)
    claims, conv_problems = norms.check_conversions(claims, ledger.units)
    reconciled, sensitivity, conflicts, learned = reconcile_tables(claims, ledger.sources, strategy=strategy,
                                                                   tolerance=tolerance, seed=seed,
                                                                   adjudications=ledger.adjudications, learn=learn)
    reconciled, growth_problems = norms.growth_factors(reconciled, claims)
    nvr, nvr_problems = norms.norms_vs_records(claims, reconciled, measures, tolerance=max(tolerance, 0.05))
    claims = norms.flag_claims(claims, nvr)
    tables = {"reconciled": reconciled, "conflicts": conflicts, "norms_vs_records": nvr, "sensitivity": sensitivity,
              # unsorted here: _all_tables sorts it once, with the rejected rows (one run and a run in parts)
              "event_claims": event_claims(claims, reconciled, ledger.rejected.clear(), tolerance=tolerance,
                                           ordered=False),
              ("source_reliability" if learn else "_learning"): learned}
    return tables, claims.select(_CHANGED), (check_problems + interval_problems + conv_problems + growth_problems
                                             + nvr_problems)


def _all_tables(ledger: Ledger, tables: dict[str, pl.DataFrame], changed: pl.DataFrame,
                problems: list[Problem]) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
    # row for row the same claims: flags, and the values a clock interval turned into a duration
    wide = ledger.claims.with_columns(changed)
    tables = {
        "claims": claims_table(wide, ledger.extra_columns),
        "reconciled": with_date_bounds(tables["reconciled"]),
        "conflicts": tables["conflicts"],
        "norms_vs_records": with_date_bounds(tables["norms_vs_records"]),
        "sensitivity": tables["sensitivity"],
        "problems": problems_frame(problems),
        "accounts": accounts_frame(ledger.accounts),
        "sources": sources_table(ledger.sources, ledger.source_extra_columns),
        # the used claims' roles come per event; the rejected rows are the whole ledger's
        "event_claims": pl.concat([tables["event_claims"], rejected_roles(ledger.rejected)],
                                  how="vertical_relaxed").sort(*KEY, "claim_id", "line", nulls_last=True),
        "source_reliability": tables["source_reliability"],
    }
    return tables, problems


#: How a run in parts orders each table it puts together: the order one run gives it.
#: (event_claims is sorted once, with the rejected rows, by _all_tables.)
_PART_ORDER = {"reconciled": KEY, "sensitivity": KEY, "conflicts": KEY + ["claim_id"]}


def build_tables_in_parts(ledger: Ledger, *, partitions: int = 1, **options) -> tuple[dict[str, pl.DataFrame],
                                                                                          list[Problem]]:
    """:func:`build_tables`, a range of events at a time; the same tables and problems.

    The claims are cut by :func:`~prodkit.reconciliation.partition_events`
    (whole events, linked events together); the per-event tables of each
    part are built on their own, and put together in the order one run
    gives them. Only the claims' changed columns come back from a part: the
    claims table is built once, from the whole ledger, as in one run. The
    ledger's problems, its accounts and the sources are the whole ledger's.
    What learn-reliability learns of each source comes from every event at
    once: each part keeps only what learning reads (a few numbers per
    claim), and :func:`~prodkit.reconciliation.learned_columns` learns from
    all of them when the parts are done.
    """
    if partitions <= 1 or ledger.claims.height == 0:
        return build_tables(ledger, **options)
    if options.get("strategy") in strategies.ESTIMATES:
        raise UsageError(f"{options['strategy']} learns from every event at once, so it cannot be built in parts.",
                         hint="Run it without --partitions or --memory-limit (one pass over the ledger).")
    part = partition_events(ledger.claims, partitions)
    row = pl.int_range(ledger.claims.height, dtype=pl.UInt32, eager=True).alias("_row")
    pieces: dict[str, list[pl.DataFrame]] = {name: [] for name in _EVENT_TABLES}
    changed, found, learning = [], [], []
    for k in range(partitions):
        rows = part == k
        if not rows.any():
            continue
        tables, part_changed, problems = _event_tables(replace(ledger, claims=ledger.claims.filter(rows),
                                                               problems=[]), learn=False, **options)
        # each group's part and row in it: learned_columns numbers the groups as one run does
        tables["sensitivity"] = tables["sensitivity"].with_columns(
            pl.lit(len(learning), dtype=pl.UInt32).alias("_part"), pl.int_range(pl.len(), dtype=pl.UInt32)
            .alias("_local"))
        learning.append(tables.pop("_learning"))
        for name in _EVENT_TABLES:
            pieces[name].append(tables.pop(name))
        changed.append(part_changed.with_columns(row.filter(rows)))
        found += problems
        del tables, part_changed
    whole = {}
    for name in _EVENT_TABLES:
        table = pl.concat(pieces.pop(name), how="vertical_relaxed")
        whole[name] = (norms.order_rows(table) if name == "norms_vs_records"
                       else table.sort(_PART_ORDER[name]) if name in _PART_ORDER else table)
    changed_rows = pl.concat(changed, how="vertical_relaxed").sort("_row").drop("_row")
    whole["sensitivity"], whole["source_reliability"] = learned_columns(learning, whole["sensitivity"],
                                                                        ledger.sources)
    del learning
    return _all_tables(ledger, whole, changed_rows, merge_problems(ledger.problems, found))


def sources_table(sources: pl.DataFrame, extra_columns: list[str] | None = None) -> pl.DataFrame:
    """sources.csv (output): the used sources by source_id, ``year`` a number beside the year as written,
    then any column the historian added, kept as it is."""
    year = pl.col("year").cast(pl.String).str.strip_chars()
    standard = {"source_id", "citation", "source_type", "year", "year_as_written", "trust_rank", "trust_note",
                "derived_from"}
    extra = [c for c in (extra_columns or []) if c in sources.columns and c not in standard]
    return sources.select(
        "source_id", "citation", "source_type", year.str.extract(r"^(\d{4})").cast(pl.Int64).alias("year"),
        pl.when(year != "").then(year).alias("year_as_written"), "trust_rank", "trust_note",
        "derived_from", *extra).sort("source_id")


def claims_table(claims: pl.DataFrame, extra_columns: list[str] | None = None) -> pl.DataFrame:
    """claims.csv: the raw columns (and any extra ones the user added), then the canonical ones, by claim_id.

    The figure as written is ``value_as_written`` (text), so that no column named ``value`` means text in one
    table and a number in another; ``date_low``, ``date_high`` and ``year`` follow ``date``.
    """
    present, standard = set(claims.columns), set(CLAIMS_COLUMNS)  # sets: a ledger may carry thousands of columns
    extra = [c for c in (extra_columns or []) if c in present and c not in standard]
    # a rate per hour only for a quantity per shift, never for a ratio ("23 times the norm")
    ratio = pl.col("statistic").is_in(["pct_of_norm", "multiple_of_norm", "share", "growth"]) | (
        pl.col("unit_canonical") == "%")
    out = claims.with_columns(per_hour_columns()).with_columns(
        pl.when(ratio).then(None).otherwise(pl.col("value_per_hour")).alias("value_per_hour")).select(
        CLAIMS_COLUMNS + extra + CLAIM_OUTPUT_EXTRA)
    out = with_date_bounds(out.with_columns(tidy_flags(out["flags"])).rename({"value": "value_as_written"}))
    # ledgers are usually written in claim_id order: then the (wide) frame need not be sorted
    in_order = out.select((pl.col("claim_id").shift(1) <= pl.col("claim_id")).all()).item()
    return out if in_order and out["claim_id"].null_count() == 0 else out.sort("claim_id")


def accounts_frame(accounts: list[Account]) -> pl.DataFrame:
    """accounts.csv: rows read, used and rejected per input file."""
    return pl.DataFrame([{"file": a.file, "read": a.read, "used": a.used, "rejected": a.rejected} for a in accounts],
                        schema={"file": pl.String, "read": pl.Int64, "used": pl.Int64, "rejected": pl.Int64})


class Phases:
    """A phase announcer: reports each phase (if asked) and, for a large ledger, first frees what the last left.

    pandera's error objects and tracebacks hold whole frames in reference
    cycles; on a ledger of millions of claims, collecting them between phases
    cuts the peak memory by a third. A full collection costs tens of
    milliseconds, so it is done only once the claims file is known to be
    large (``collect``, set by :func:`load_ledger`).
    """

    #: Claims files above this size are large enough for collections to pay.
    COLLECT_ABOVE_BYTES = 32 * 1024 * 1024

    def __init__(self, progress=None):
        self.progress = progress
        self.collect = False

    def __call__(self, phase: str) -> None:
        if self.collect:
            import gc

            gc.collect()
        if self.progress is not None:
            self.progress(phase)


def phases(progress=None) -> Phases:
    """``progress`` as a :class:`Phases` (itself, if it already is one)."""
    return progress if isinstance(progress, Phases) else Phases(progress)


def _drop_consequences(problems: list[Problem]) -> list[Problem]:
    """A row with the wrong number of fields is reported as that, not as its empty cells."""
    ragged = {(p.file, p.line) for p in problems if p.code == "row-width"}
    if not ragged:
        return problems
    return [p for p in problems if p.code == "row-width" or (p.file, p.line) not in ragged]


def accounting_lines(accounts: list[Account]) -> list[str]:
    """One line per input file: read, used, rejected."""
    return [f"{a.file}: read {a.read}, used {a.used}, rejected {a.rejected}" for a in accounts]
