"""The flow of a run: read, check, parse, normalise, account.

``load_ledger`` reads ``raw_dir`` and returns every claim with its canonical
values and flags, the problems found, and per-file accounting (read, used,
rejected) in which used + rejected = read, always.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from . import checks
from .errors import ERROR, WARNING, InputError, Problem, problem, problem_order
from .ledger import (ADJUDICATIONS_OPTIONAL, ADJUDICATIONS_REQUIRED, CLAIMS_OPTIONAL, CLAIMS_REQUIRED,
                     SOURCES_OPTIONAL, SOURCES_REQUIRED, Table, read_table)
from .schema import RAW_CHECK_FIELDS, NormalisedClaims, RawClaims, RawSources, YearCheck, problems_from
from .units import Units, normalise_units, read_measures
from .values import parse_values

#: Flags set from a figure's qualifier.
_QUALIFIER_FLAGS = {"approximate": "approximate", "range": "range", "vague": "vague",
                    "more-than": "lower-bound", "at-least": "lower-bound", "less-than": "upper-bound",
                    "almost": "upper-bound"}
#: Warning codes that are also kept on the row as a flag.
_FLAG_CODES = {"event-inconsistent", "measure-unknown", "basis-unknown", "field-too-long"}


@dataclass
class Account:
    file: str
    read: int = 0
    used: int = 0
    rejected: int = 0


@dataclass
class Ledger:
    claims: pl.DataFrame  # used claims, normalised, with flags
    rejected: pl.DataFrame  # rejected claim rows as read
    sources: pl.DataFrame  # used sources (trust_rank as integer)
    adjudications: pl.DataFrame | None
    problems: list[Problem]
    accounts: list[Account]
    units: Units
    raw_dir: Path
    extra_columns: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(a.rejected for a in self.accounts)


def _col_numbers(table: Table) -> dict[str, int]:
    header = [c for c in table.frame.columns if c not in ("source_file", "source_line")]
    return {name: i + 1 for i, name in enumerate(header)}


def _empty_required(table: Table, required: list[str]) -> list[Problem]:
    cols = _col_numbers(table)
    empty = {name: pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "") for name in required}
    hit = table.frame.filter(pl.any_horizontal(list(empty.values())))
    out = []
    for name, is_empty in empty.items():
        for line in hit.filter(is_empty)["source_line"].to_list():
            out.append(problem("field-empty", file=table.label, line=line, column=cols.get(name), field=name))
    return out


def _rejected_lines(problems: list[Problem], file: str, strict: bool) -> set[int]:
    return {p.line for p in problems
            if p.file == file and p.line is not None and p.line > 1
            and (p.severity == ERROR or (strict and p.severity == WARNING and p.code != "row-empty"))}


def load_ledger(raw_dir: Path, *, strict: bool = False, progress=None) -> Ledger:
    """Read and check the raw ledger; nothing is written.

    ``progress`` (optional) is called with the name of each phase as it
    starts: "read", "check", "parse values", "normalise units", "validate".
    Raises InputError when a file cannot be read at all (exit code 2).
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
    sources_t = read_table(raw_dir / "sources.csv", required=SOURCES_REQUIRED, optional=SOURCES_OPTIONAL)
    adj_t = None
    if (raw_dir / "adjudications.csv").exists():
        adj_t = read_table(raw_dir / "adjudications.csv", required=ADJUDICATIONS_REQUIRED,
                           optional=ADJUDICATIONS_OPTIONAL)
    units = Units(raw_dir / "units.txt")
    measures = read_measures(raw_dir)

    problems: list[Problem] = []
    problems += claims_t.problems + sources_t.problems + (adj_t.problems if adj_t else [])
    ccols, scols = _col_numbers(claims_t), _col_numbers(sources_t)

    say("check")
    # sources first: a rejected source rejects the claims that cite it
    sources = sources_t.frame
    problems += _empty_required(sources_t, SOURCES_REQUIRED)
    problems += problems_from(RawSources, sources, column_numbers=scols, field_for_check=RAW_CHECK_FIELDS)
    problems += problems_from(YearCheck, sources, column_numbers=scols, field_for_check={"date-invalid": "year"})
    problems += checks.duplicate_ids(sources, "source_id", "duplicate-source-id", scols.get("source_id"))
    problems += checks.derived_sources(sources, scols.get("derived_from"))
    bad_source_lines = _rejected_lines(problems, sources_t.label, strict)
    rejected_source_ids = set(sources.filter(pl.col("source_line").is_in(sorted(bad_source_lines)))["source_id"]
                              .drop_nulls().to_list())
    used_sources = sources.filter(~pl.col("source_line").is_in(sorted(bad_source_lines)))
    rejected_source_ids -= set(used_sources["source_id"].drop_nulls().to_list())

    claims = claims_t.frame
    problems += _empty_required(claims_t, CLAIMS_REQUIRED)
    problems += problems_from(RawClaims, claims, column_numbers=ccols, field_for_check=RAW_CHECK_FIELDS)
    problems += checks.duplicate_ids(claims, "claim_id", "duplicate-claim-id", ccols.get("claim_id"))
    problems += checks.unknown_sources(claims, sources, sources_t.label, ccols.get("source_id"), rejected_source_ids)
    problems += checks.event_consistency(claims, ccols)
    problems += checks.references(claims, ccols)

    say("parse values")
    claims, value_problems = parse_values(claims, column_number=ccols.get("value"))
    problems += value_problems
    say("normalise units")
    claims, unit_problems = normalise_units(claims, units, measures, column_numbers=ccols)
    problems += unit_problems
    say("validate")
    problems += problems_from(NormalisedClaims, claims.with_columns(pl.lit(None, dtype=pl.String).alias("flags")),
                              column_numbers=ccols)

    if adj_t is not None:
        problems += _empty_required(adj_t, ADJUDICATIONS_REQUIRED)
        problems += checks.adjudication_checks(adj_t.frame, claims, _col_numbers(adj_t))

    problems = _drop_consequences(sorted(set(problems), key=problem_order))
    bad_claim_lines = _rejected_lines(problems, claims_t.label, strict)
    if strict:
        problems = sorted(set(_strict(problems, {claims_t.label: bad_claim_lines,
                                                 sources_t.label: bad_source_lines})), key=problem_order)
    is_rejected = claims.select(pl.col("source_line").is_in(sorted(bad_claim_lines))).to_series()
    rejected, used = claims.filter(is_rejected), claims.filter(~is_rejected)
    used = _add_flags(used, problems, claims_t.label)

    accounts = [
        Account(claims_t.label, claims_t.rows_read, used.height, rejected.height),
        Account(sources_t.label, sources_t.rows_read, used_sources.height,
                sources_t.rows_read - used_sources.height),
    ]
    adjudications = None
    if adj_t is not None:
        bad_adj = _rejected_lines(problems, adj_t.label, strict)
        adjudications = adj_t.frame.filter(~pl.col("source_line").is_in(sorted(bad_adj)))
        accounts.append(Account(adj_t.label, adj_t.rows_read, adjudications.height,
                                adj_t.rows_read - adjudications.height))
    used_sources = used_sources.with_columns(pl.col("trust_rank").str.strip_chars().cast(pl.Int64))
    return Ledger(claims=used, rejected=rejected, sources=used_sources, adjudications=adjudications,
                  problems=problems, accounts=accounts, units=units, raw_dir=raw_dir,
                  extra_columns=claims_t.extra_columns)


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


def _strict(problems: list[Problem], rejected: dict[str, set[int]]) -> list[Problem]:
    """Under --strict a warning on a row rejects it: say so in its severity."""
    out = []
    for p in problems:
        if p.severity == WARNING and p.line and p.line > 1 and p.line in rejected.get(p.file, ()):
            row = p.as_row()
            row.update(severity=ERROR, message=p.message + " (rejected under --strict)")
            out.append(Problem(**row))
        else:
            out.append(p)
    return out


def _add_flags(claims: pl.DataFrame, problems: list[Problem], label: str) -> pl.DataFrame:
    """flags: from the qualifier, and from warnings on the row (';'-joined; tidied when written)."""
    by_line: dict[int, set[str]] = {}
    for p in problems:
        if p.file == label and p.line and p.code in _FLAG_CODES:
            by_line.setdefault(p.line, set()).add(p.code)
    warn = pl.DataFrame({"source_line": list(by_line), "_warn": [";".join(sorted(v)) for v in by_line.values()]},
                        schema={"source_line": pl.Int64, "_warn": pl.String})
    qual = pl.col("qualifier").replace_strict(_QUALIFIER_FLAGS, default=None, return_dtype=pl.String)
    if warn.height:
        claims = claims.hstack(claims.select("source_line").join(warn, on="source_line", how="left",
                                                                 maintain_order="left").drop("source_line"))
    else:
        claims = claims.with_columns(pl.lit(None, dtype=pl.String).alias("_warn"))
    flags = pl.concat_str([pl.col("_warn"), qual], separator=";", ignore_nulls=True)
    return claims.with_columns(pl.when(flags == "").then(None).otherwise(flags).alias("flags")).drop("_warn")


def accounting_lines(accounts: list[Account]) -> list[str]:
    return [f"{a.file}: read {a.read}, used {a.used}, rejected {a.rejected}" for a in accounts]
