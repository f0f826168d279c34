"""pandera (polars) models for the raw ledger, the normalised claims and every output.

Each data-level check is named by the problem code it reports, so a failure
case becomes a :class:`~prodkit.errors.Problem` with no guessing. Validation
runs on collected frames with ``lazy=True``: every failure in one pass.

The column descriptions here are the single source for the codebook and the
Frictionless data package (``outputs/datapackage.py``), so they cannot drift
from what the validator checks.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Optional

import polars as pl
import pandera.polars as pa

from . import strategies
from .errors import Problem
from .units.reading import ROUTES
from .values import QUALIFIERS

# the row checks of the input models, and the names they allow, are pandera-free (prodkit explain reads without
# pandera); the models below wrap them, and their names are re-exported here for the exports
from .rules import (ISO_PARTIAL, NORMALISED_CLAIMS, RAW_CHECK_FIELDS, RAW_CLAIMS, RAW_SOURCES, ROLES,  # noqa: F401
                    SIGNED_STATISTICS, SOURCE_TYPES, SOURCE_YEAR, STATISTICS, problems_at)

STATUSES = ["single", "agree", "conflict", "adjudicated"]
SEVERITIES = ["error", "warning"]


def _text(description: str, *, nullable: bool = True, title: str | None = None, **kw):
    return pa.Field(nullable=nullable, description=description, title=title, **kw)


class _ClaimColumns(pa.DataFrameModel):
    """The raw claim columns but the figure, shared by the raw and the written claims."""

    claim_id: str = _text("Unique id of the claim within the ledger, e.g. c001.", nullable=False)
    event_id: str = _text("The fact the claim is about; claims of one event share it (the historian's grouping).", nullable=False)
    subject: Optional[str] = _text("Who or what: a worker, brigade, enterprise or population.")
    sector: Optional[str] = _text("Branch of the economy (coal, textiles, agriculture, ...).")
    measure: str = _text("What is measured (coal_hewn, parts_made, beet_yield, ...); sets the canonical unit.", nullable=False)
    statistic: str = _text("Kind of number: " + ", ".join(STATISTICS) + ".", nullable=False)
    unit: Optional[str] = _text("The unit exactly as written: 'tons', 'quintals per hectare', '% of the norm', 'тонн угля'; empty only where the figure carries its unit ('13-fold', '2023%', '5 hr 45 min').")
    basis: Optional[str] = _text("Time basis: 'per shift', 'per 6-hour shift', 'per hour', 'per day', 'per season', 'at once', 'total'.")
    date: Optional[str] = _text("Date of the fact, ISO 8601, partial allowed: 1935, 1935-09, 1935-08-31.")
    place: Optional[str] = _text("Mine, factory, farm, city or region.")
    source_id: str = _text("The cited work (a source_id of sources.csv); the thesis is only the carrier.", nullable=False)
    locator: Optional[str] = _text("Where in the carrier: 'fn 5, line 48'; several joined by ' | '.")
    quote: Optional[str] = _text("Short verbatim evidence (at most 25 words) containing the figure.")
    note: Optional[str] = _text("Anything a reader needs: contradictions, doubts, which of several works.")
    norm_ref: Optional[str] = _text("For a record whose norm is recorded in another event: that event_id.")
    converted_from: Optional[str] = _text("For a carrier's own conversion: the claim_id it converts.")

    class Config:
        strict = False
        coerce = False


class RawClaims(_ClaimColumns):
    """claims.csv as typed: every column text, checked before any parsing."""

    value: str = _text("The figure exactly as written: '102', '14-15', '~46 000', '4 ½ thousand'.", nullable=False)

    class Config:
        strict = False
        coerce = False

    @pa.dataframe_check(name="statistic-unknown")
    def _statistic(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(RAW_CLAIMS.checks["statistic-unknown"]())

    @pa.dataframe_check(name="date-invalid")
    def _date(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(RAW_CLAIMS.checks["date-invalid"]())


class RawSources(pa.DataFrameModel):
    """sources.csv as typed."""

    source_id: str = _text("Unique id of a cited work, e.g. siegelbaum-1988, rgaspi-85-29-633, pravda-1935-09-02.", nullable=False)
    citation: Optional[str] = _text("Full citation as the carrier gives it.")
    source_type: str = _text("One of: " + ", ".join(SOURCE_TYPES) + ".", nullable=False)
    year: Optional[str] = _text("Year of publication (of the document, for archival files).")
    trust_rank: str = _text("1 = trusted most; ties allowed; editable.", nullable=False)
    trust_note: Optional[str] = _text("One line: why this rank.")
    derived_from: Optional[str] = _text("The source_id this source retells, if it does; a retelling is not independent evidence.")
    decimal_mark: Optional[str] = _text("How the source writes its figures: '.' (1,400.5) or ',' (1.400,5); empty: the ledger's prodkit.toml decides, and a figure such as 1.400 is kept with no number and flagged ambiguous-number.")

    class Config:
        strict = False

    @pa.dataframe_check(name="source-type-unknown")
    def _type(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(RAW_SOURCES.checks["source-type-unknown"]())

    @pa.dataframe_check(name="decimal-mark-invalid")
    def _mark(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(RAW_SOURCES.checks["decimal-mark-invalid"]())

    @pa.dataframe_check(name="number-invalid")
    def _rank(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(RAW_SOURCES.checks["number-invalid"]())

    @pa.dataframe_check(name="number-too-large")
    def _rank_size(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(RAW_SOURCES.checks["number-too-large"]())


class YearCheck(pa.DataFrameModel):
    year: Optional[str] = pa.Field(nullable=True)

    class Config:
        strict = False

    @pa.dataframe_check(name="date-invalid")
    def _year(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(SOURCE_YEAR.checks["date-invalid"]())


class NormalisedClaims(pa.DataFrameModel):
    """Claims after values are parsed and units converted (the rows that are used)."""

    value_low: Optional[float] = pa.Field(nullable=True, description="Low end of the figure in unit_canonical; empty for an open lower end or a vague figure.")
    value_high: Optional[float] = pa.Field(nullable=True, description="High end of the figure in unit_canonical; empty for an open upper end ('over 30') or a vague figure.")
    value_mid: Optional[float] = pa.Field(nullable=True, description="The figure used for charts and strategies: the midpoint of a range, the stated bound of an open one.")
    unit_canonical: Optional[str] = pa.Field(nullable=True, description="Canonical unit: t, ha, q/ha, km/h, mm/min, %, rouble, or the counted item (pair, loom, part, ...).")
    qualifier: Optional[str] = pa.Field(nullable=True, description="How the figure is bounded: " + ", ".join(QUALIFIERS) + ".")
    flags: Optional[str] = pa.Field(nullable=True, description="';'-separated kebab-case flags: approximate, range, vague, implausible, norm-ratio-mismatch, conversion-mismatch, ...")

    class Config:
        strict = False

    @pa.dataframe_check(name="value-range-inverted")
    def _order(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(NORMALISED_CLAIMS.checks["value-range-inverted"]())

    @pa.dataframe_check(name="value-negative")
    def _sign(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(NORMALISED_CLAIMS.checks["value-negative"]())


def _declared_only(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame without the columns no model declares (a historian's own, kept as they are).

    pandera reads the frame's schema once per declared column, so a ledger
    with 20,000 extra columns made each validation quadratic in its width;
    no check reads an undeclared column, so they are left out. Row positions
    are unchanged.
    """
    if frame.width <= 64:
        return frame
    known = _declared_columns()
    return frame.select([c for c in frame.columns if c in known])


@functools.cache
def _declared_columns() -> frozenset[str]:
    """Every column some model of this module declares, with the columns that locate a row."""
    models = [m for m in globals().values()
              if isinstance(m, type) and issubclass(m, pa.DataFrameModel) and m is not pa.DataFrameModel]
    return frozenset({"source_file", "source_line"}.union(*(m.to_schema().columns for m in models)))


def problems_from(model: type[pa.DataFrameModel], frame: pl.DataFrame, *, file_column: str = "source_file",
                  line_column: str = "source_line", column_numbers: dict[str, int] | None = None,
                  field_for_check: dict[str, str] | None = None) -> list[Problem]:
    """Validate ``frame`` against ``model`` (lazily) and turn failures into Problems.

    pandera reports row positions; ``source_file``/``source_line`` turn them
    into the file and physical line the user typed.
    """
    try:
        model.validate(_declared_only(frame), lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    except pa.errors.SchemaError as exc:  # pragma: no cover - lazy=True collects
        raise RuntimeError(str(exc)) from None
    cases = cases.filter(pl.col("index").is_not_null())
    return problems_at(frame, [(c["check"] or "", c["column"], c["index"]) for c in cases.iter_rows(named=True)],
                       file_column=file_column, line_column=line_column, column_numbers=column_numbers,
                       field_for_check=field_for_check)


# ---------------------------------------------------------------------------
# Output tables. Each model documents its columns; the codebook and the
# Frictionless data package are generated from these descriptions.
# ---------------------------------------------------------------------------

def _f(description: str, *, nullable: bool = True, unit: str | None = None, **kw):
    """A documented output column; ``unit`` names a column holding the unit, or the unit itself."""
    meta = {"unit": unit} if unit else None
    return pa.Field(nullable=nullable, description=description, metadata=meta, **kw)


class ClaimsOut(_ClaimColumns):
    """claims.csv (output): every used claim with canonical values."""

    value_as_written: str = _f("The figure exactly as written in the ledger's value column: '102', '14-15', '~46 000', '4 ½ thousand' (text; the numbers are value_low, value_high and value_mid).", nullable=False)
    date_low: Optional[dt.date] = _f("First day the date as written can mean (1935-09 gives 1935-09-01; 1933/1937 gives 1933-01-01).")
    date_high: Optional[dt.date] = _f("Last day the date as written can mean (1935-09 gives 1935-09-30; 1933/1937 gives 1937-12-31).")
    year: Optional[int] = _f("Year of date_low: the year the date falls in, or the first year of an interval.")

    value_low: Optional[float] = _f("Low end of the figure in unit_canonical; empty for an open lower end ('almost 15') or a vague figure.", unit="unit_canonical")
    value_high: Optional[float] = _f("High end of the figure in unit_canonical; empty for an open upper end ('over 30') or a vague figure.", unit="unit_canonical")
    value_mid: Optional[float] = _f("The figure used by strategies and charts: a range's midpoint, an open figure's stated bound.", unit="unit_canonical")
    unit_canonical: str = _f("Canonical unit: t, ha, q/ha, km/h, mm/min, kWh, %, rouble, or the counted item (pair, loom, part, person, ...).", nullable=False)
    unit_reading: str = _f("How the unit as written was read: alias (a spelling prodkit lists), lemma (an inflected or plural form, by its base form), gloss (from the bracketed translation), or definition (the ledger's own units.txt).", nullable=False, isin=list(ROUTES))
    commodity: Optional[str] = _f("What is measured, where the unit names it ('тонн угля', 'centners of sugar beet per hectare', '% of workers'), in its base form; it never changes the unit.")
    qualifier: Optional[str] = _f("How the figure is bounded: " + ", ".join(QUALIFIERS) + ".", isin=QUALIFIERS)
    shift_hours: Optional[float] = _f("Length of the shift in hours, where the basis states it ('per 6-hour shift'); empty otherwise.", unit="h")
    value_per_hour: Optional[float] = _f("value_mid per hour: for a figure per shift only where the shift's length is stated, never guessed.", unit="unit_canonical")
    flags: Optional[str] = _f("';'-separated flags: approximate, range, vague, lower-bound, upper-bound, implausible, norm-ratio-mismatch, conversion-checked, conversion-mismatch, event-inconsistent, measure-unknown.")

    class Config:
        strict = False
        unique = ["claim_id"]


class ReconciledOut(pa.DataFrameModel):
    """reconciled.csv: one row per (event_id, measure, statistic)."""

    event_id: str = _f("The event (a fact several claims describe).", nullable=False)
    measure: str = _f("What is measured.", nullable=False)
    statistic: str = _f("record, norm, average, maximum, ...; different statistics never merge.", nullable=False, isin=STATISTICS)
    subject: Optional[str] = _f("Who or what.")
    sector: Optional[str] = _f("Branch of the economy.")
    date: Optional[str] = _f("Earliest date among the claims (ISO 8601, partial allowed).")
    date_low: Optional[dt.date] = _f("First day the date can mean (1935-09 gives 1935-09-01).")
    date_high: Optional[dt.date] = _f("Last day the date can mean (1935-09 gives 1935-09-30).")
    year: Optional[int] = _f("Year of date_low: the year the date falls in, or the first year of an interval.")
    value: Optional[float] = _f("The value reported under the strategy (or the adjudication); empty under pass-it-on or when no claim has a number. Under learn-reliability an estimate, which may lie outside the claims' span.", unit="unit")
    value_low: Optional[float] = _f("Low end of the span of all claims in the group, whatever the strategy picks.", unit="unit")
    value_high: Optional[float] = _f("High end of the span of all claims in the group.", unit="unit")
    unit: Optional[str] = _f("Canonical unit of value, value_low and value_high.")
    n_claims: int = _f("Claims in the group.", nullable=False, ge=1)
    n_sources: int = _f("Independent sources in the group (a retelling counts with its original).", nullable=False, ge=1)
    status: str = _f("single, agree (all claims within the tolerance, ranges overlapping), conflict, or adjudicated.", nullable=False, isin=STATUSES)
    spread_pct: Optional[float] = _f("(highest - lowest claim) / lowest claim, in %.", unit="%")
    strategy: str = _f("The strategy used.", nullable=False)
    chosen_claim_id: Optional[str] = _f("The claim whose value is reported; empty when the value is computed (a median) or not given.")
    claim_ids: str = _f("All claims of the group, ';'-separated.", nullable=False)
    flags: Optional[str] = _f("';'-separated flags of the group and its claims (conflict, retold, no-number, implausible, ...).")
    how: str = _f("Why this value: the rule that chose it, with the numbers (trust rank, votes, year), tie-breaks and adjudications.", nullable=False)
    growth_kind: Optional[str] = _f("For growth (and the plan targets beside it): multiple ('five times', 'doubling'), increase ('+80%') or absolute (in the measure's unit).", isin=["multiple", "increase", "absolute"])
    growth_factor: Optional[float] = _f("The growth on one footing: x5 for 'five times', x2 for a doubling, x1.8 for '+80%'; empty for an absolute increase.", unit="times")

    class Config:
        strict = True
        unique = ["event_id", "measure", "statistic"]

    @pa.dataframe_check(name="value-outside-span")
    def _inside(cls, data) -> pl.LazyFrame:
        v, lo, hi = pl.col("value"), pl.col("value_low"), pl.col("value_high")
        # an estimate corrects each claim for its source's learned bias, so it may leave the claims' span
        estimate = pl.col("strategy").is_in(list(strategies.ESTIMATES))
        return data.lazyframe.select(v.is_null() | (pl.col("status") == "adjudicated") | estimate | lo.is_null()
                                     | ((v >= lo - 1e-9 * lo.abs()) & (v <= hi + 1e-9 * hi.abs())))


class ConflictsOut(pa.DataFrameModel):
    """conflicts.csv: every claim of a group whose claims disagree."""

    event_id: str = _f("The event.", nullable=False)
    measure: str = _f("What is measured.", nullable=False)
    statistic: str = _f("The statistic.", nullable=False)
    claim_id: str = _f("The claim.", nullable=False)
    source_id: str = _f("Its source.", nullable=False)
    source_type: Optional[str] = _f("Its source's type.")
    value_low: Optional[float] = _f("The claim's low end, canonical unit.", unit="unit")
    value_high: Optional[float] = _f("The claim's high end, canonical unit.", unit="unit")
    unit: Optional[str] = _f("Canonical unit.")
    deviation_pct: Optional[float] = _f("(claim - reported value) / reported value, in %.", unit="%")
    chosen: bool = _f("True for the claim whose value is reported.", nullable=False)

    class Config:
        strict = True
        unique = ["event_id", "measure", "statistic", "claim_id"]


class NormsVsRecordsOut(pa.DataFrameModel):
    """norms_vs_records.csv: records against the norm in force for their job and time, and every stated ratio."""

    event_id: str = _f("The record's event.", nullable=False)
    subject: Optional[str] = _f("Whose record.")
    sector: Optional[str] = _f("Branch of the economy.")
    measure: str = _f("What is measured (never a specification or machine setting).", nullable=False)
    date: Optional[str] = _f("Date of the record.")
    date_low: Optional[dt.date] = _f("First day the record's date can mean (1935-09 gives 1935-09-01).")
    date_high: Optional[dt.date] = _f("Last day the record's date can mean (1935-09 gives 1935-09-30).")
    year: Optional[int] = _f("Year of date_low: the year the record falls in, or the first year of an interval.")
    row_kind: str = _f("record: the event's reconciled record (the primary row); claim: one record claim; stated: one stated percent or multiple of the norm.", nullable=False, isin=["record", "claim", "stated"])
    primary: bool = _f("True on the one row per record event to count in a summary (row_kind record).", nullable=False)
    record_value: float = _f("The record, canonical unit (the reconciled value on primary and stated rows).", nullable=False, unit="unit")
    norm_low: Optional[float] = _f("Low end of the norm in force (empty when only a stated ratio implies one).", unit="unit")
    norm_high: Optional[float] = _f("High end of the norm in force.", unit="unit")
    unit: Optional[str] = _f("Canonical unit of record and norm.")
    direction: str = _f("higher (output, rates: % of norm = record / norm) or lower (time per piece: % of norm = norm / record) is better.", nullable=False, isin=["higher", "lower"])
    pct_of_norm: Optional[float] = _f("Best estimate of the fulfilment of the norm, in %: computed from the norm's midpoint, else the stated ratio.", unit="%")
    pct_of_norm_low: Optional[float] = _f("Lowest fulfilment the norm range allows, in %.", unit="%")
    pct_of_norm_high: Optional[float] = _f("Highest fulfilment the norm range allows, in %.", unit="%")
    pct_of_norm_source: Optional[str] = _f("Where pct_of_norm comes from: computed or stated.", isin=["computed", "stated"])
    stated_pct_of_norm: Optional[float] = _f("The percent of the norm the stated claim gives (stated rows).", unit="%")
    stated_multiple: Optional[float] = _f("The multiple of the norm the stated claim gives (stated rows).", unit="times")
    consistent: bool = _f("False where a stated ratio and record / norm disagree by more than 5% (on a primary row: any of the event's stated ratios); true otherwise, including rows with nothing to compare (see ratio_checked).", nullable=False)
    ratio_checked: bool = _f("True where a stated ratio was compared with record / norm (so consistent is a finding, not a default).", nullable=False)
    implied_norm: Optional[float] = _f("Hypothesis only: the norm the stated ratio would imply. It never makes a row consistent.", unit="unit")
    record_claim_id: str = _f("The record's claim (on primary and stated rows, the reconciled record's chosen claim).", nullable=False)
    record_source_id: str = _f("The record claim's source.", nullable=False)
    stated_claim_id: Optional[str] = _f("The stated ratio's claim (stated rows).")
    norm_claim_ids: Optional[str] = _f("The norm claims compared with, ';'-separated.")
    norm_event_id: Optional[str] = _f("The event the norm comes from (the record's own, or its norm_ref).")
    flags: Optional[str] = _f("norm-ratio-mismatch, norm-range, norm-from-elsewhere, norm-implied, basis-mismatch, plan-as-norm (a plan target read as the norm; growth against a growth plan as factors, unit ×).")

    class Config:
        strict = True
        unique = ["row_kind", "record_claim_id", "stated_claim_id"]


def _sensitivity_model() -> type[pa.DataFrameModel]:
    """sensitivity.csv's model: the span, then one column per strategy of :mod:`prodkit.strategies`."""
    fields: dict[str, tuple[object, object]] = {
        "event_id": (str, _f("The event.", nullable=False)),
        "measure": (str, _f("What is measured.", nullable=False)),
        "statistic": (str, _f("The statistic.", nullable=False)),
        "status": (str, _f("Status under the run's tolerance.", nullable=False, isin=STATUSES)),
        "value_low": (Optional[float], _f("Span of the claims, low end.", unit="unit")),
        "value_high": (Optional[float], _f("Span of the claims, high end.", unit="unit")),
        "unit": (Optional[str], _f("Canonical unit.")),
    }
    for s in strategies.STRATEGIES:
        text = (f"Always empty: {s.name} reports the span only." if s.name in strategies.SPAN_ONLY
                else f"Value under {s.name}.")
        fields[s.column] = (Optional[float], _f(text, unit="unit"))
        if s.name in strategies.ESTIMATES:
            for end, side in (("low", "Low"), ("high", "High")):
                fields[f"{s.column}_{end}"] = (Optional[float], _f(
                    f"{side} end of {s.name}'s 95% interval; empty where it fell back or an adjudication decided.",
                    unit="unit"))
    fields["depends_on_strategy"] = (bool, _f(
        "True when the fixed rules give different values (" + ", ".join(strategies.ESTIMATES)
        + ", an estimate, is left out).", nullable=False))

    class Config:
        strict = True
        unique = ["event_id", "measure", "statistic"]

    namespace = {"__annotations__": {name: kind for name, (kind, _) in fields.items()},
                 **{name: spec for name, (_, spec) in fields.items()}, "Config": Config,
                 "__doc__": "sensitivity.csv: every group's value under every strategy.", "__module__": __name__}
    return type("SensitivityOut", (pa.DataFrameModel,), namespace)


SensitivityOut = _sensitivity_model()


class ProblemsOut(pa.DataFrameModel):
    """problems.csv: one row per problem found in the input."""

    file: str = _f("The input file.", nullable=False)
    line: Optional[int] = _f("1-based physical line (the header is line 1); empty for a whole-file problem.")
    column: Optional[int] = _f("1-based column number, where one applies.")
    field: Optional[str] = _f("The column name.")
    value: Optional[str] = _f("The offending value as written.")
    severity: str = _f("error (the row is rejected) or warning (the row is used and flagged).", nullable=False, isin=SEVERITIES)
    code: str = _f("Stable kebab-case code (see the README).", nullable=False)
    message: str = _f("What is wrong.", nullable=False)
    hint: str = _f("How to fix it.", nullable=False)

    class Config:
        strict = True


class AccountsOut(pa.DataFrameModel):
    """accounts.csv: rows read, used and rejected per input file (used + rejected = read)."""

    file: str = _f("The input file.", nullable=False)
    read: int = _f("Data rows read.", nullable=False, ge=0)
    used: int = _f("Rows used.", nullable=False, ge=0)
    rejected: int = _f("Rows rejected (listed in problems.csv).", nullable=False, ge=0)

    class Config:
        strict = True

    @pa.dataframe_check(name="accounting")
    def _sum(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("used") + pl.col("rejected") == pl.col("read"))


class SourcesOut(pa.DataFrameModel):
    """sources.csv (output): every cited work the ledger's claims may refer to, with its type, year and trust rank."""

    source_id: str = _f("Unique id of a cited work, e.g. siegelbaum-1988, rgaspi-85-29-633.", nullable=False)
    citation: Optional[str] = _f("Full citation as the carrier gives it.")
    source_type: str = _f("One of: " + ", ".join(SOURCE_TYPES) + ".", nullable=False, isin=SOURCE_TYPES)
    year: Optional[int] = _f("Year of publication (of the document, for archival files), as a number; the first year where the ledger gives a date or an interval.")
    year_as_written: Optional[str] = _f("The year as written in the ledger's sources.csv (1936, 1935-09, 1933/1937).")
    trust_rank: int = _f("1 = trusted most; ties allowed; editable in data/raw/sources.csv.", nullable=False, ge=1)
    trust_note: Optional[str] = _f("One line: why this rank.")
    derived_from: Optional[str] = _f("The source_id this source retells, if it does: a retelling is not independent evidence.")

    class Config:
        strict = False  # a column the historian added to sources.csv is kept, after these
        unique = ["source_id"]




class EventClaimsOut(pa.DataFrameModel):
    """event_claims.csv: one row per raw claim of an event (used or rejected): the link from a reconciled row to its claims."""

    event_id: str = _f("The event (joins reconciled.csv on event_id, measure, statistic).", nullable=False)
    measure: Optional[str] = _f("What is measured, as the claim gives it.")
    statistic: Optional[str] = _f("The statistic, as the claim gives it.")
    claim_id: Optional[str] = _f("The claim (joins claims.csv on claim_id, except for a rejected claim, which is listed in problems.csv).")
    role: str = _f("chosen (its value is reported), agreeing (its figure holds the reported value, within the tolerance), conflicting (it does not), derived (a conversion, or a retelling whose original has a claim in the group: not independent evidence), unnumbered (a vague figure with no number), rejected (the row was rejected; see problems.csv at its line).", nullable=False, isin=ROLES)
    line: Optional[int] = _f("For a rejected claim: its physical line in the raw claims.csv (header = line 1), which joins problems.csv on line; empty for a used claim (claim_id finds it).", ge=2)

    class Config:
        strict = True


class SourceReliabilityOut(pa.DataFrameModel):
    """source_reliability.csv: what learn-reliability learned of each source from every event at once."""

    source_id: str = _f("The source, as in sources.csv.", nullable=False)
    source_type: str = _f("Its type, as in sources.csv.", nullable=False, isin=SOURCE_TYPES)
    trust_rank: int = _f("The rank given in sources.csv (1 = trusted most), to compare with what the data say.",
                         nullable=False, ge=1)
    n_claims: int = _f("Its independent claims with a number (a retelling of an original in the same event is not counted).",
                       nullable=False, ge=0)
    n_events: int = _f("Its claims in events told by two or more independent sources: the evidence its estimate rests on.",
                       nullable=False, ge=0)
    bias_pct: Optional[float] = _f("Learned bias: how far above (+) or below (-) the other sources it states, in %, "
                                   "relative to the median source, which is assumed unbiased.")
    bias_low_pct: Optional[float] = _f("Low end of the bias's 95% interval, in %.")
    bias_high_pct: Optional[float] = _f("High end of the bias's 95% interval, in %.")
    spread_pct: Optional[float] = _f("Learned spread: the typical size of its errors once its bias is removed, in %, "
                                     "the width of its ranges and rounded figures included.")
    rounds_to: Optional[float] = _f("The step its figures are read as rounded to (5 or 10), when nearly all of them "
                                    "(80 %, at least 5) are multiples of it; each such figure is then the interval "
                                    "that rounds to it.")
    basis: str = _f("What the estimate rests on: source (its own shared events), source type (too few of its own, "
                    "so its type's), or too little evidence (no estimate).", nullable=False,
                    isin=["source", "source type", "too little evidence"])

    class Config:
        strict = True
        unique = ["source_id"]


#: Output tables in the order they are written and described.
OUTPUT_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "claims": ClaimsOut, "reconciled": ReconciledOut, "conflicts": ConflictsOut,
    "norms_vs_records": NormsVsRecordsOut, "sensitivity": SensitivityOut, "problems": ProblemsOut,
    "accounts": AccountsOut, "sources": SourcesOut, "event_claims": EventClaimsOut,
    "source_reliability": SourceReliabilityOut,
}


#: A finished table longer than this is checked on an evenly spread sample
#: of about as many rows (every k-th row), unless every row is asked for.
OUTPUT_SAMPLE_ROWS = 50_000


def validate_outputs(tables: dict[str, pl.DataFrame], *, sample_rows: int | None = OUTPUT_SAMPLE_ROWS) -> None:
    """Check every output table against its model before anything is written.

    A failure here is prodkit's own bug, not the user's: it stops the run
    (exit 2) and leaves earlier outputs untouched. The tables are prodkit's
    own, built by code the tests check row by row, so a table longer than
    ``sample_rows`` is checked on every k-th row (its columns and types
    whole); ``sample_rows=None`` checks every row (``prodkit --debug``, and
    every ledger of the tests, which are shorter).
    """
    from .errors import ProdkitError

    for name, model in OUTPUT_MODELS.items():
        if name not in tables:
            continue
        frame = tables[name]
        if sample_rows is not None and frame.height > sample_rows:
            frame = frame.gather_every(-(-frame.height // sample_rows))
        try:
            model.validate(_declared_only(frame), lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases.head(5).to_dicts()
            raise ProdkitError(f"internal check failed on {name}.csv: {cases}",
                               hint="This is a bug in prodkit; please report it with your ledger.") from None
