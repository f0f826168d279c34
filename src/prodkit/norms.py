"""Norms against records, every stated ratio checked, growth factors, and the carrier's conversions.

A record is compared with the norm its sources give for the same job and
time: a norm in the record's own event (stated beside it; the record's own
source's norm when that source gives one), or else the norm event named in
``norm_ref`` (a norm recorded once for a trade and period). Where a norm
was raised, the record uses the norm in force: the latest dated norm on or
before the record's date. A norm given as a range gives a range of ratios.

``measures.csv`` says what kind of figure a measure is and which way is
better. Output and rates: more is better, % of norm = record ÷ norm. Time
per piece (a time norm, норма времени): less is better, % of norm = norm ÷
record, so 1.59 minutes against 3 is 189%. Specifications and machine
settings (a turned diameter, a spindle speed) are evidence of method, never
records against a norm: they stay in claims.csv and never enter this table.

The table has three kinds of rows (``row_kind``):

- ``record``: one per record event, ``primary`` true: the reconciled record
  against every norm in force for it (two readings of one norm, 6 t and
  6-7 t, give one row with the range 6-7 t). Summaries count these rows.
- ``claim``: each record claim against its norm, ``primary`` false.
- ``stated``: each stated percentage or multiple of the norm, on its own row,
  compared with the record event's reconciled record ÷ norm. A stated ratio
  that cannot square with the norm in force is ``norm-ratio-mismatch``; the
  norm it would imply is shown in ``implied_norm`` as a hypothesis only, and
  never makes a row consistent. With no norm to compare (or no stated
  ratio), ``ratio_checked`` is false and ``consistent`` true: nothing
  contradicts the row. A row with no norm is ``norm-implied``.
"""

from __future__ import annotations

import polars as pl

from .errors import Problem, problem
from .flags import add_flag, add_flag_at

#: Sources round ratios ("14 times the norm" for 14.6): stated and computed
#: ratios agree when their ranges overlap within this relative tolerance.
RATIO_TOLERANCE = 0.05
#: A carrier's conversion ("523 quintals per hectare [~46 000 pounds per acre]")
#: agrees with prodkit's when within this relative difference (approximate
#: figures), or CONVERSION_TOLERANCE_EXACT for figures given exactly.
CONVERSION_TOLERANCE = 0.02
CONVERSION_TOLERANCE_EXACT = 0.005
#: Kinds of measure that never enter norms_vs_records.
NOT_COMPARED = ["specification", "clock"]
RATIOS = ["pct_of_norm", "multiple_of_norm"]
#: A growth written as a multiple ("five times", "doubling"), by the unit as written.
_MULTIPLE_UNIT = r"(?i)\btimes?\b|fold|factor|doubl|tripl|twice"

NVR_COLUMNS = ["event_id", "subject", "sector", "measure", "date", "row_kind", "primary", "record_value", "norm_low",
               "norm_high", "unit", "direction", "pct_of_norm", "pct_of_norm_low", "pct_of_norm_high",
               "pct_of_norm_source", "stated_pct_of_norm", "stated_multiple", "consistent", "ratio_checked",
               "implied_norm", "record_claim_id", "record_source_id", "stated_claim_id", "norm_claim_ids", "norm_event_id", "flags"]
_ROW_ORDER = {"record": 0, "claim": 1, "stated": 2}

_lo = pl.coalesce("value_low", "value_mid")
_hi = pl.coalesce("value_high", "value_mid")
#: a stated ratio's interval, its open ends unbounded ("more than 300%")
_open_lo = pl.when(pl.col("value_low").is_null() & pl.col("value_high").is_not_null()).then(0.0).otherwise(_lo)
_open_hi = (pl.when(pl.col("value_high").is_null() & pl.col("value_low").is_not_null()).then(float("inf"))
            .otherwise(_hi))
_lower = pl.col("direction") == "lower"


def _norm_in_force(pairs: pl.DataFrame) -> pl.DataFrame:
    """Keep, per record, the latest norm dated on or before the record (else all norms)."""
    dated = pl.col("norm_date").is_not_null() & pl.col("date").is_not_null()
    before = dated & (pl.col("norm_date").str.slice(0, pl.col("date").str.len_chars()) <= pl.col("date"))
    pairs = pairs.with_columns(before.alias("_in_force"))
    has_in_force = pl.col("_in_force").any().over("_rid")
    latest = pl.col("norm_date").filter(pl.col("_in_force")).max().over("_rid")
    return pairs.filter(~has_in_force | (pl.col("_in_force") & (pl.col("norm_date") == latest)))


def _compared(numbered: pl.DataFrame, measures: pl.DataFrame | None) -> pl.DataFrame:
    """The records, norms and stated ratios that are compared, with their measure's direction."""
    facts = (measures.select("measure", "kind", "direction") if measures is not None
             else pl.DataFrame(schema={"measure": pl.String, "kind": pl.String, "direction": pl.String}))
    out = numbered.join(facts, on="measure", how="left", maintain_order="left").filter(
        ~pl.col("kind").is_in(NOT_COMPARED).fill_null(False))
    return out.with_columns(pl.col("direction").fill_null("higher")).drop("kind")


#: Record-norm pairs held at once. One event with 3,000 records and 3,000
#: norms is 9 million pairs (3.2 GB in one join); records are compared in
#: chunks of at most this many pairs, which bounds memory, not the answer.
PAIR_BUDGET = 500_000


def _in_force_by_record(records: pl.DataFrame, norms: pl.DataFrame, *, own_source_first: bool) -> pl.DataFrame:
    """Per record (``_rid``) with a norm: the norms in force, aggregated (range, claim ids, basis mismatch)."""
    pairs = records.select("_rid", "norm_event_id", "measure", "source_id", "date", "basis_period").join(
        norms, on=["norm_event_id", "measure"], how="inner")
    if own_source_first:
        same = pl.col("norm_source_id") == pl.col("source_id")
        pairs = pairs.filter(~same.any().over("_rid") | same)
    pairs = _norm_in_force(pairs).select(
        "_rid", "n_lo", "n_hi", "norm_event_id", "norm_claim_id",
        (pl.col("basis_period").is_not_null() & pl.col("norm_basis").is_not_null()
         & (pl.col("norm_basis") != pl.col("basis_period"))).alias("_bm"))
    # each record's norms in claim_id order: the aggregation needs no sort of its own
    return pairs.sort(["_rid", "norm_claim_id"], nulls_last=True).group_by("_rid", maintain_order=True).agg(
        pl.col("n_lo").min().alias("norm_low"), pl.col("n_hi").max().alias("norm_high"),
        pl.col("norm_event_id").first(),
        pl.col("norm_claim_id").drop_nulls().unique(maintain_order=True).alias("norm_claim_ids"),
        pl.col("_bm").any().alias("_basis_mismatch"))


def _against_norms(records: pl.DataFrame, norms: pl.DataFrame, ratio_events: pl.DataFrame, *,
                   own_source_first: bool) -> pl.DataFrame:
    """Each record (a row of ``records``) against the norm in force: norm range, ratio range, flags.

    ``own_source_first``: a source that states both a record and its norm
    is compared with its own norm (for the per-claim rows; the primary row
    takes every norm in force). A record with no norm gets a row only where
    a ratio is stated for its event. Records are compared in chunks of at
    most :data:`PAIR_BUDGET` record-norm pairs.
    """
    own = norms.select("norm_event_id", "measure").unique()
    records = (records.join(own.with_columns(pl.lit(True).alias("_own")), left_on=["event_id", "measure"],
                            right_on=["norm_event_id", "measure"], how="left", maintain_order="left")
               .with_row_index("_rid")
               .with_columns(pl.when(pl.col("_own")).then(pl.col("event_id")).otherwise(pl.col("norm_ref"))
                             .alias("norm_event_id")))
    per_key = norms.group_by("norm_event_id", "measure").len("_n")
    chunk = (records.select("norm_event_id", "measure").join(per_key, on=["norm_event_id", "measure"], how="left",
                                                             maintain_order="left")
             .select((pl.col("_n").fill_null(0).cum_sum() // PAIR_BUDGET).alias("_chunk"))).to_series()
    parts = [_in_force_by_record(records.filter(chunk == k), norms, own_source_first=own_source_first)
             for k in chunk.unique(maintain_order=True)] if records.height else []
    found = pl.concat(parts) if parts else _in_force_by_record(records, norms, own_source_first=own_source_first)
    lonely = (records.select("_rid", "event_id", "measure").join(found.select("_rid"), on="_rid", how="anti")
              .join(ratio_events, on=["event_id", "measure"], how="semi")).select(
        "_rid", pl.lit(None, dtype=pl.Float64).alias("norm_low"), pl.lit(None, dtype=pl.Float64).alias("norm_high"),
        pl.lit(None, dtype=pl.String).alias("norm_event_id"),
        pl.lit([], dtype=pl.List(pl.String)).alias("norm_claim_ids"), pl.lit(False).alias("_basis_mismatch"))
    base = pl.concat([found, lonely.select(found.columns)], how="vertical_relaxed").sort("_rid")
    record = records.select(
        pl.col("claim_id").alias("record_claim_id"), "event_id", "subject", "sector", "measure", "date",
        pl.col("value_mid").alias("record_value"), pl.col("unit_canonical").alias("unit"), "direction",
        pl.col("source_id").alias("record_source_id"), "source_file", "source_line")
    base = base.hstack(record[base["_rid"]]).with_columns(pl.col("norm_claim_ids").list.join(";"))
    # output and rates: record / norm; time per piece: norm / record
    rec, n_lo, n_hi = pl.col("record_value"), pl.col("norm_low"), pl.col("norm_high")
    low = pl.when(_lower).then(n_lo / rec).otherwise(rec / n_hi) * 100
    high = pl.when(_lower).then(n_hi / rec).otherwise(rec / n_lo) * 100
    mid = pl.when(_lower).then((n_lo + n_hi) / 2 / rec).otherwise(rec / ((n_lo + n_hi) / 2)) * 100
    ok = (n_lo > 0) & (rec > 0)
    return base.with_columns(pl.when(ok).then(low).alias("pct_of_norm_low"),
                             pl.when(ok).then(high).alias("pct_of_norm_high"),
                             pl.when(ok).then(mid).alias("_computed"))


def _flags(*parts: tuple[pl.Expr, str]) -> pl.Expr:
    """The flags, in the order given (alphabetical), ';'-joined, empty as null."""
    joined = pl.concat_str([pl.when(cond).then(pl.lit(name)) for cond, name in parts], separator=";",
                           ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined).alias("flags")


def _common_flags(mismatch: pl.Expr) -> pl.Expr:
    no_norm = pl.col("norm_low").is_null()
    return _flags((pl.col("_basis_mismatch"), "basis-mismatch"),
                  (pl.col("norm_event_id") != pl.col("event_id"), "norm-from-elsewhere"),
                  (no_norm, "norm-implied"), (pl.col("norm_low") != pl.col("norm_high"), "norm-range"),
                  (mismatch, "norm-ratio-mismatch"))


def _primary_records(records: pl.DataFrame, reconciled: pl.DataFrame | None) -> pl.DataFrame:
    """One record per (event, measure): the reconciled value, with the chosen claim's facts.

    Where no claim was chosen (a median, or pass-it-on's span) the facts are
    the lowest claim_id's and the value the reconciled one, else that claim's.
    """
    key = ["event_id", "measure"]
    if reconciled is not None:
        groups = reconciled.filter(pl.col("statistic") == "record").select(
            *key, pl.col("value").alias("_rv"), pl.col("date").alias("_rdate"), "chosen_claim_id")
    else:
        groups = pl.DataFrame(schema={"event_id": pl.String, "measure": pl.String, "_rv": pl.Float64,
                                      "_rdate": pl.String, "chosen_claim_id": pl.String})
    j = records.join(groups, on=key, how="left", maintain_order="left").with_columns(
        (pl.col("claim_id") == pl.col("chosen_claim_id")).fill_null(False).alias("_ch"),
        pl.col("norm_ref").drop_nulls().first().over(key).alias("norm_ref"))
    first = j.sort([*key, "_ch", "claim_id"], descending=[False, False, True, False]).group_by(
        key, maintain_order=True).first()
    return first.with_columns(pl.coalesce("_rv", "value_mid").alias("value_mid"),
                              pl.coalesce("_rdate", "date").alias("date")).drop("_rv", "_rdate", "chosen_claim_id",
                                                                                 "_ch")


def _stated_rows(numbered: pl.DataFrame, primary: pl.DataFrame, tolerance: float) -> pl.DataFrame:
    """Each stated percentage or multiple of the norm against its event's primary record ÷ norm."""
    s = numbered.filter(pl.col("statistic").is_in(RATIOS)).select(
        "event_id", "measure", pl.col("claim_id").alias("stated_claim_id"), pl.col("statistic").alias("_stat"),
        _open_lo.alias("_s_lo"), _open_hi.alias("_s_hi"), pl.col("value_mid").alias("_s_mid"),
        pl.col("trust_rank").alias("_s_rank"), pl.col("source_file").alias("_s_file"),
        pl.col("source_line").alias("_s_line"))
    rows = primary.drop("source_file", "source_line").join(s, on=["event_id", "measure"], how="inner")
    agree = ((pl.col("_s_lo") <= pl.col("pct_of_norm_high") * (1 + tolerance))
             & (pl.col("pct_of_norm_low") <= pl.col("_s_hi") * (1 + tolerance)))
    consistent = pl.when(pl.col("pct_of_norm_low").is_null()).then(None).otherwise(agree)
    rec, ratio = pl.col("record_value"), pl.col("_s_mid") / 100
    return rows.with_columns(
        consistent.alias("consistent"),
        pl.when(ratio > 0).then(pl.when(_lower).then(rec * ratio).otherwise(rec / ratio)).alias("implied_norm"),
        pl.when(pl.col("_stat") == "pct_of_norm").then(pl.col("_s_mid")).alias("stated_pct_of_norm"),
        pl.when(pl.col("_stat") == "multiple_of_norm").then(ratio).alias("stated_multiple"),
        pl.col("_s_file").alias("source_file"), pl.col("_s_line").alias("source_line"))


def _factor(value: str) -> pl.Expr:
    """A growth claim's value as a factor: ×5 for "five times", ×1.8 for "+80%", null for an absolute increase."""
    v = pl.col(value)
    return (pl.when(pl.col("unit").str.contains(_MULTIPLE_UNIT)).then(v / 100)
            .when(pl.col("unit_canonical") == "%").then(1 + v / 100).alias(value))


def _plans_as_norms(claims: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A plan and its fulfilment relate as a norm and a record: the claims so read, and the plan events.

    In an event with a target and no norm, the target is the norm and a
    record, or a growth, its fulfilment; growth and a growth target are
    compared as factors (a plan of +63% against +82% achieved is 111.7% of
    the plan). A stated percentage of the plan is checked like any other.
    """
    key = ["event_id", "measure"]

    def events(statistics: list[str]) -> pl.DataFrame:
        return claims.filter(pl.col("statistic").is_in(statistics)).select(key).unique()

    plans = (events(["target"]).join(events(["growth", "record"]), on=key, how="semi")
             .join(events(["norm"]), on=key, how="anti"))
    if plans.height == 0:
        return claims, plans
    growth = events(["growth"]).join(plans, on=key, how="semi").with_columns(pl.lit(True).alias("_g"))
    c = claims.join(plans.with_columns(pl.lit(True).alias("_p")), on=key, how="left", maintain_order="left").join(
        growth, on=key, how="left", maintain_order="left")
    in_plan = pl.col("_p").fill_null(False)
    as_factor = pl.col("_g").fill_null(False) & pl.col("statistic").is_in(["growth", "target"])
    c = c.with_columns(
        *[pl.when(as_factor).then(_factor(v)).otherwise(pl.col(v)).alias(v)
          for v in ("value_low", "value_high", "value_mid")],
        pl.when(as_factor).then(pl.lit("×")).otherwise(pl.col("unit_canonical")).alias("unit_canonical"),
        pl.when(in_plan & (pl.col("statistic") == "target")).then(pl.lit("norm"))
        .when(in_plan & (pl.col("statistic") == "growth")).then(pl.lit("record"))
        .otherwise(pl.col("statistic")).alias("statistic"))
    return c.drop("_p", "_g").filter(pl.col("value_mid").is_not_null()), plans


def order_rows(nvr: pl.DataFrame) -> pl.DataFrame:
    """norms_vs_records in its order: by event and measure, the record first, then by claim ids."""
    return nvr.sort("event_id", "measure", pl.col("row_kind").replace_strict(_ROW_ORDER), "record_claim_id",
                    "stated_claim_id", nulls_last=True)


def norms_vs_records(claims: pl.DataFrame, reconciled: pl.DataFrame | None = None,
                     measures: pl.DataFrame | None = None, *,
                     tolerance: float = RATIO_TOLERANCE) -> tuple[pl.DataFrame, list[Problem]]:
    """The norms_vs_records table (see the module's docstring for its rows) and the mismatches found.

    ``reconciled`` gives each record event's value (else the lowest
    claim_id's); ``measures`` (measure, kind, direction) which measures are
    compared and which way (else all, more is better).

    Examples
    --------
    >>> c = pl.DataFrame({"claim_id": ["r", "n", "p"], "event_id": "stakhanov", "measure": "coal_hewn",
    ...     "statistic": ["record", "norm", "pct_of_norm"], "subject": "Stakhanov", "sector": "coal",
    ...     "date": "1935-08-31", "value_low": [102.0, 7.0, 1457.0], "value_high": [102.0, 7.0, 1457.0],
    ...     "value_mid": [102.0, 7.0, 1457.0], "unit_canonical": ["t", "t", "%"], "source_id": "s",
    ...     "trust_rank": 1, "basis_period": "shift", "norm_ref": None,
    ...     "source_file": "claims.csv", "source_line": [2, 3, 4], "flags": None})
    >>> nvr, problems = norms_vs_records(c)
    >>> nvr.select("row_kind", "primary", "pct_of_norm", "stated_pct_of_norm", "consistent", "ratio_checked").rows()
    [('record', True, 1457.142857142857, None, True, True), ('claim', False, 1457.142857142857, None, True, False), \
('stated', False, 1457.142857142857, 1457.0, True, True)]
    """
    # only the columns and rows compared are copied (a filter on the whole claims frame copies every column)
    compared = ["claim_id", "event_id", "subject", "sector", "measure", "statistic", "date", "value_low",
                "value_high", "value_mid", "unit_canonical", "source_id", "trust_rank", "basis_period", "norm_ref",
                "source_file", "source_line"]
    claims, plans = _plans_as_norms(claims.select(*compared, *[c for c in ["unit"] if c in claims.columns]).filter(
        pl.col("value_mid").is_not_null() & pl.col("statistic").is_in(["record", "norm", "target", "growth", *RATIOS])))
    numbered = _compared(claims.select(compared).filter(pl.col("statistic").is_in(["record", "norm", *RATIOS])),
                         measures)
    norms = numbered.filter(pl.col("statistic") == "norm").select(
        pl.col("event_id").alias("norm_event_id"), "measure", pl.col("claim_id").alias("norm_claim_id"),
        _lo.alias("n_lo"), _hi.alias("n_hi"), pl.col("date").alias("norm_date"),
        pl.col("basis_period").alias("norm_basis"), pl.col("source_id").alias("norm_source_id"))
    ratio_events = numbered.filter(pl.col("statistic").is_in(RATIOS)).select("event_id", "measure").unique()
    records = numbered.filter(pl.col("statistic") == "record")
    by_claim = _against_norms(records, norms, ratio_events, own_source_first=True)
    primary = _against_norms(_primary_records(records, reconciled), norms, ratio_events, own_source_first=False)
    stated = _stated_rows(numbered, primary, tolerance)
    verdicts = stated.sort("_rid", "_s_rank", "stated_claim_id", nulls_last=True).group_by(
        "_rid", maintain_order=True).agg(
        pl.when(pl.col("consistent").is_not_null().any()).then(pl.col("consistent").drop_nulls().all())
        .alias("consistent"),
        pl.col("_s_mid").first().alias("_stated"), pl.col("implied_norm").first())
    primary = primary.join(verdicts, on="_rid", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("norm_low").is_not_null()).then(None).otherwise(pl.col("implied_norm")).alias("implied_norm"))
    mismatch = pl.col("consistent") == False  # noqa: E712
    known = pl.col("_computed").is_not_null()
    frames = [
        primary.with_columns(pl.lit("record").alias("row_kind"), pl.lit(True).alias("primary"),
                             pl.coalesce("_computed", "_stated").alias("pct_of_norm"),
                             pl.when(known).then(pl.lit("computed")).when(pl.col("_stated").is_not_null())
                             .then(pl.lit("stated")).alias("pct_of_norm_source"), _common_flags(mismatch)),
        by_claim.with_columns(pl.lit("claim").alias("row_kind"), pl.lit(False).alias("primary"),
                              pl.col("_computed").alias("pct_of_norm"),
                              pl.when(known).then(pl.lit("computed")).alias("pct_of_norm_source"),
                              _common_flags(pl.lit(False))),
        stated.with_columns(pl.lit("stated").alias("row_kind"), pl.lit(False).alias("primary"),
                            pl.coalesce("_computed", "_s_mid").alias("pct_of_norm"),
                            pl.when(known).then(pl.lit("computed")).otherwise(pl.lit("stated"))
                            .alias("pct_of_norm_source"), _common_flags(mismatch)),
    ]
    typed = {"stated_pct_of_norm": pl.Float64, "stated_multiple": pl.Float64, "consistent": pl.Boolean,
             "implied_norm": pl.Float64, "stated_claim_id": pl.String}
    out = pl.concat([f.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in typed.items() if c not in f.columns)
                     .select(*[c for c in NVR_COLUMNS if c != "ratio_checked"], "source_file", "source_line")
                     for f in frames], how="vertical_relaxed")
    out = out.join(plans.with_columns(pl.lit(True).alias("_plan")), on=["event_id", "measure"], how="left")
    out = out.with_columns(pl.col("norm_claim_ids").replace("", None), pl.when(pl.col("_plan")).then(
        pl.concat_str([pl.col("flags"), pl.lit("plan-as-norm")], separator=";", ignore_nulls=True))
        .otherwise(pl.col("flags")).alias("flags"))
    out = order_rows(out)
    problems = [
        problem("norm-ratio-mismatch", file=r["source_file"], line=r["source_line"], field="value",
                value=f"{r['record_value']:g} {r['unit']}",
                what="percent of the norm" if r["stated_pct_of_norm"] is not None else "multiple of the norm",
                stated=(f"{r['stated_pct_of_norm']:g}%" if r["stated_pct_of_norm"] is not None
                        else f"{r['stated_multiple']:g} times"),
                computed=_ratio_text(r["pct_of_norm_low"], r["pct_of_norm_high"]),
                implied=(f"{r['implied_norm']:.4g} {r['unit']}" if r["implied_norm"] is not None
                         else "none: a stated ratio of zero or less implies no norm"))
        for r in out.filter((pl.col("row_kind") == "stated") & mismatch).iter_rows(named=True)]
    # consistent is a finding only where a stated ratio met a computed one (ratio_checked); elsewhere
    # nothing contradicts the row, so an analyst's filter on consistent keeps it
    out = out.with_columns(pl.col("consistent").is_not_null().alias("ratio_checked"),
                           pl.col("consistent").fill_null(True))
    return out.select(NVR_COLUMNS), problems


def _ratio_text(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "unknown"
    if abs(lo - hi) < 1e-9:
        return f"{lo:.1f}% ({lo / 100:.2f} times)"
    return f"{lo:.1f}-{hi:.1f}% ({lo / 100:.2f}-{hi / 100:.2f} times)"


def flag_claims(claims: pl.DataFrame, nvr: pl.DataFrame) -> pl.DataFrame:
    """Carry norm-ratio-mismatch onto the stated ratio claims that do not square with the norm in force."""
    bad = nvr.filter((pl.col("row_kind") == "stated") & (pl.col("consistent") == False))  # noqa: E712
    return add_flag(claims, bad["stated_claim_id"].unique().to_list(), "norm-ratio-mismatch")


def check_conversions(claims: pl.DataFrame, units) -> tuple[pl.DataFrame, list[Problem]]:
    """Does the carrier's own conversion ("≈ N acres") agree with prodkit's?

    Both claims are in the same canonical unit by now, so the check is a
    relative difference of their canonical values.
    """
    conv = claims.with_row_index("_row").filter(pl.col("converted_from").is_not_null()
                                                & pl.col("value_mid").is_not_null())
    if conv.height == 0:
        return claims, []
    orig = claims.select(pl.col("claim_id").alias("converted_from"), pl.col("value_mid").alias("_orig"),
                         pl.col("unit").alias("_orig_unit"), pl.col("value").alias("_orig_value"))
    j = conv.join(orig, on="converted_from", how="inner").with_columns(
        ((pl.col("value_mid") - pl.col("_orig")).abs() / pl.col("_orig").abs()).alias("_diff"),
        pl.when(pl.col("qualifier") == "exact").then(CONVERSION_TOLERANCE_EXACT)
        .otherwise(CONVERSION_TOLERANCE).alias("_tol"))
    bad = j.filter(pl.col("_diff") > pl.col("_tol"))
    problems = []
    for row in bad.iter_rows(named=True):
        expected = _expected_in_raw_unit(row)
        problems.append(problem(
            "conversion-mismatch", file=row["source_file"], line=row["source_line"], field="value",
            value=row["value"], unit=row["unit"], expected=expected,
            diff_pct=f"{row['_diff'] * 100:.1f}", unit_note=units.describe_conversion(row["unit"])))
    claims = add_flag_at(claims, bad["_row"], "conversion-mismatch")
    claims = add_flag_at(claims, j.filter(pl.col("_diff") <= pl.col("_tol"))["_row"], "conversion-checked")
    return claims, problems


def _expected_in_raw_unit(row) -> str:
    try:
        canon_per_raw = row["value_mid"] / (parse_mid(row["value"]) or 1)
        return f"{row['_orig'] / canon_per_raw:.4g} {row['unit']} (from {row['_orig_value']} {row['_orig_unit']})"
    except Exception:
        return f"{row['_orig']:.4g} {row['unit_canonical']}"


def parse_mid(text: str) -> float | None:
    from .values import FigureError, parse_figure

    try:
        return parse_figure(text).mid
    except FigureError:
        return None




def growth_factors(reconciled: pl.DataFrame, claims: pl.DataFrame) -> tuple[pl.DataFrame, list[Problem]]:
    """``growth_kind`` and ``growth_factor`` on the reconciled growth rows (and the plans beside them).

    A multiple ("five times", "doubling") and a percentage increase ("+80%")
    are different statistics; the factor puts both on one footing (×5, ×2,
    ×1.8). An absolute increase ("grew by 3 million tons") is growth in the
    measure's unit: kept, with no factor. A plan's target for growth
    (statistic target in an event that has growth claims) gets its factor
    too. A group whose claims mix kinds gets none, and a warning.
    """
    growth_events = claims.filter(pl.col("statistic") == "growth").select("event_id", "measure").unique()
    g = claims.filter((pl.col("statistic") == "growth") | (pl.col("statistic") == "target")).join(
        growth_events, on=["event_id", "measure"], how="semi").filter(pl.col("value_mid").is_not_null())
    g = g.with_columns(pl.when(pl.col("unit").str.contains(_MULTIPLE_UNIT)).then(pl.lit("multiple"))
                       .when(pl.col("unit_canonical") == "%").then(pl.lit("increase"))
                       .otherwise(pl.lit("absolute")).alias("_gk"))
    kinds = g.group_by("event_id", "measure", "statistic").agg(
        pl.col("_gk").unique().sort().alias("_kinds"), pl.col("source_file").first(), pl.col("source_line").min())
    mixed = kinds.filter(pl.col("_kinds").list.len() > 1)
    kinds = kinds.filter(pl.col("_kinds").list.len() == 1).select(
        "event_id", "measure", "statistic", pl.col("_kinds").list.first().alias("growth_kind"))
    v = pl.col("value")
    out = reconciled.join(kinds, on=["event_id", "measure", "statistic"], how="left", maintain_order="left")
    out = out.with_columns(pl.when(pl.col("growth_kind") == "multiple").then(v / 100)
                           .when(pl.col("growth_kind") == "increase").then(1 + v / 100).alias("growth_factor"))
    problems = [problem("growth-kinds-mixed", file=r["source_file"], line=r["source_line"], field="unit",
                        value=f"{r['event_id']} ({r['measure']}, {r['statistic']})")
                for r in mixed.iter_rows(named=True)]
    return out, problems
