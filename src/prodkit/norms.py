"""Norms against records, stated against computed ratios, and the carrier's conversions.

A record is compared with the norm its sources give for the same job and
time: a norm in the record's own event (stated beside it; the record's own
source's norm when that source gives one), or else the norm event named in
``norm_ref`` (a norm recorded once for a trade and period). A record with no
norm but a stated percent or multiple of the norm gets a row too, with the
norm it implies (flag ``norm-implied``).
Where a norm was raised, the record uses the norm in force: the latest
dated norm on or before the record's date. A norm given as a range gives a
range of ratios. All of it is joins over whole columns.
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

NVR_COLUMNS = ["event_id", "subject", "sector", "measure", "date", "record_value", "norm_low", "norm_high", "unit",
               "pct_of_norm_low", "pct_of_norm_high", "stated_pct_of_norm", "stated_multiple", "consistent",
               "implied_norm", "record_claim_id", "record_source_id", "norm_claim_ids", "norm_event_id", "flags"]

_lo = pl.coalesce("value_low", "value_mid")
_hi = pl.coalesce("value_high", "value_mid")


def _norm_in_force(pairs: pl.DataFrame) -> pl.DataFrame:
    """Keep, per record, the latest norm dated on or before the record (else all norms)."""
    dated = pl.col("norm_date").is_not_null() & pl.col("date").is_not_null()
    before = dated & (pl.col("norm_date").str.slice(0, pl.col("date").str.len_chars()) <= pl.col("date"))
    pairs = pairs.with_columns(before.alias("_in_force"))
    has_in_force = pl.col("_in_force").any().over("_rid")
    latest = pl.col("norm_date").filter(pl.col("_in_force")).max().over("_rid")
    return pairs.filter(~has_in_force | (pl.col("_in_force") & (pl.col("norm_date") == latest)))


def norms_vs_records(claims: pl.DataFrame, *, tolerance: float = RATIO_TOLERANCE) -> tuple[pl.DataFrame, list[Problem]]:
    """One row per record claim with a norm to compare with, and the mismatches found.

    Examples
    --------
    >>> c = pl.DataFrame({"claim_id": ["r", "n", "p"], "event_id": "stakhanov", "measure": "coal_hewn",
    ...     "statistic": ["record", "norm", "pct_of_norm"], "subject": "Stakhanov", "sector": "coal",
    ...     "date": "1935-08-31", "value_low": [102.0, 7.0, 1457.0], "value_high": [102.0, 7.0, 1457.0],
    ...     "value_mid": [102.0, 7.0, 1457.0], "unit_canonical": ["t", "t", "%"], "source_id": "s",
    ...     "trust_rank": 1, "basis_period": "shift", "norm_ref": None,
    ...     "source_file": "claims.csv", "source_line": [2, 3, 4], "flags": None})
    >>> nvr, problems = norms_vs_records(c)
    >>> nvr.select("record_value", "norm_low", "pct_of_norm_low", "stated_pct_of_norm", "consistent").row(0)
    (102.0, 7.0, 1457.142857142857, 1457.0, True)
    """
    numbered = claims.select(
        "claim_id", "event_id", "subject", "sector", "measure", "statistic", "date", "value_low", "value_high",
        "value_mid", "unit_canonical", "source_id", "trust_rank", "basis_period", "norm_ref", "source_file",
        "source_line").filter(pl.col("value_mid").is_not_null() & pl.col("statistic").is_in(
        ["record", "norm", "pct_of_norm", "multiple_of_norm"]))
    norms = numbered.filter(pl.col("statistic") == "norm").select(
        pl.col("event_id").alias("norm_event_id"), "measure", pl.col("claim_id").alias("norm_claim_id"),
        _lo.alias("n_lo"), _hi.alias("n_hi"), pl.col("date").alias("norm_date"),
        pl.col("basis_period").alias("norm_basis"), pl.col("source_id").alias("norm_source_id"))
    own = norms.select("norm_event_id", "measure").unique()
    # records are numbered (_rid, their row): windows and groups run on an
    # integer, and a record's own columns are fetched by it once at the end
    records = (numbered.filter(pl.col("statistic") == "record")
               .join(own.with_columns(pl.lit(True).alias("_own")), left_on=["event_id", "measure"],
                     right_on=["norm_event_id", "measure"], how="left", maintain_order="left")
               .with_row_index("_rid")
               .with_columns(pl.when(pl.col("_own")).then(pl.col("event_id")).otherwise(pl.col("norm_ref"))
                             .alias("norm_event_id")))
    pairs = records.select("_rid", "norm_event_id", "measure", "source_id", "date", "basis_period").join(
        norms, on=["norm_event_id", "measure"], how="inner")
    # a source that states both a record and its norm is compared with its own norm
    same = pl.col("norm_source_id") == pl.col("source_id")
    pairs = pairs.filter(~same.any().over("_rid") | same)
    pairs = _norm_in_force(pairs).select(
        "_rid", "n_lo", "n_hi", "norm_event_id", "norm_claim_id",
        (pl.col("basis_period").is_not_null() & pl.col("norm_basis").is_not_null()
         & (pl.col("norm_basis") != pl.col("basis_period"))).alias("_bm"))
    # records with no norm still get a row when a ratio is stated: it implies a norm
    ratio_events = numbered.filter(pl.col("statistic").is_in(["pct_of_norm", "multiple_of_norm"])).select(
        "event_id", "measure").unique()
    lonely = (records.select("_rid", "event_id", "measure").join(pairs.select("_rid").unique(), on="_rid", how="anti")
              .join(ratio_events, on=["event_id", "measure"], how="semi")).select(
        "_rid", pl.lit(None, dtype=pl.Float64).alias("n_lo"), pl.lit(None, dtype=pl.Float64).alias("n_hi"),
        pl.lit(None, dtype=pl.String).alias("norm_event_id"), pl.lit(None, dtype=pl.String).alias("norm_claim_id"),
        pl.lit(False).alias("_bm"))
    # in record order, each record's norms in claim_id order: the aggregation needs no sort of its own
    pairs = pl.concat([pairs, lonely.select(pairs.columns)], how="vertical_relaxed").sort(
        ["_rid", "norm_claim_id"], nulls_last=True)
    base = pairs.group_by("_rid", maintain_order=True).agg(
        pl.col("n_lo").min().alias("norm_low"), pl.col("n_hi").max().alias("norm_high"),
        pl.col("norm_event_id").first(),
        pl.col("norm_claim_id").drop_nulls().alias("norm_claim_ids"),  # a list, joined below (faster)
        pl.col("_bm").any().alias("_basis_mismatch"),
    )
    record = records.select(
        pl.col("claim_id").alias("record_claim_id"), "event_id", "subject", "sector", "measure", "date",
        pl.col("value_mid").alias("record_value"), pl.col("unit_canonical").alias("unit"),
        pl.col("source_id").alias("record_source_id"), pl.col("trust_rank").alias("_rank"), "source_file",
        "source_line")
    base = base.hstack(record[base["_rid"]]).with_columns(
        pl.col("norm_claim_ids").list.join(";"),
        (pl.col("record_value") / pl.col("norm_high") * 100).alias("pct_of_norm_low"),
        (pl.col("record_value") / pl.col("norm_low") * 100).alias("pct_of_norm_high"),
    )
    base = base.with_columns(
        pl.when(pl.col("norm_high") > 0).then(pl.col("pct_of_norm_low")).alias("pct_of_norm_low"),
        pl.when(pl.col("norm_low") > 0).then(pl.col("pct_of_norm_high")).alias("pct_of_norm_high"))

    def stated(statistic: str, name: str) -> pl.DataFrame:
        s = numbered.filter(pl.col("statistic") == statistic).select(
            "event_id", "measure", pl.col("source_id").alias("_s_source"), pl.col("trust_rank").alias("_s_rank"),
            pl.col("claim_id").alias("_s_claim"), _lo.alias(f"{name}_lo"), _hi.alias(f"{name}_hi"),
            pl.col("value_mid").alias(name))
        j = base.select("_rid", "event_id", "measure", "record_source_id").join(
            s, on=["event_id", "measure"], how="inner")
        j = j.with_columns((pl.col("_s_source") != pl.col("record_source_id")).alias("_other"))
        return (j.sort(["_rid", "_other", "_s_rank", "_s_claim"], nulls_last=True)
                .group_by("_rid", maintain_order=True).first()
                .select("_rid", name, f"{name}_lo", f"{name}_hi"))

    out = base.join(stated("pct_of_norm", "stated_pct_of_norm"), on="_rid", how="left")
    out = out.join(stated("multiple_of_norm", "_multiple_pct"), on="_rid", how="left")
    out = out.filter(pl.col("norm_low").is_not_null() | pl.col("stated_pct_of_norm").is_not_null()
                     | pl.col("_multiple_pct").is_not_null())
    no_norm = pl.col("norm_low").is_null()

    def agrees(lo: str, hi: str) -> pl.Expr:
        return ((pl.col(lo) <= pl.col("pct_of_norm_high") * (1 + tolerance))
                & (pl.col("pct_of_norm_low") <= pl.col(hi) * (1 + tolerance)))

    pct_ok = agrees("stated_pct_of_norm_lo", "stated_pct_of_norm_hi")
    mult_ok = agrees("_multiple_pct_lo", "_multiple_pct_hi")
    out = out.with_columns(
        (pl.col("_multiple_pct") / 100).alias("stated_multiple"),
        pl.when((pl.col("stated_pct_of_norm").is_null() & pl.col("_multiple_pct").is_null()) | no_norm).then(None)
        .otherwise(pct_ok.fill_null(True) & mult_ok.fill_null(True)).alias("consistent"),
    )
    stated_ratio = pl.coalesce("stated_pct_of_norm", "_multiple_pct")
    out = out.with_columns(
        pl.when((pl.col("consistent") == False) | no_norm)  # noqa: E712
        .then(pl.col("record_value") / stated_ratio * 100).alias("implied_norm"),
        # the flags, in alphabetical order
        pl.concat_str([
            pl.when(pl.col("_basis_mismatch")).then(pl.lit("basis-mismatch")),
            pl.when(pl.col("norm_event_id") != pl.col("event_id")).then(pl.lit("norm-from-elsewhere")),
            pl.when(no_norm).then(pl.lit("norm-implied")),
            pl.when(pl.col("norm_low") != pl.col("norm_high")).then(pl.lit("norm-range")),
            pl.when(pl.col("consistent") == False).then(pl.lit("norm-ratio-mismatch")),  # noqa: E712
        ], separator=";", ignore_nulls=True).alias("flags"),
    ).with_columns(
        pl.when(pl.col("flags") == "").then(None).otherwise(pl.col("flags")).alias("flags"),
        pl.when(pl.col("norm_claim_ids") == "").then(None).otherwise(pl.col("norm_claim_ids")).alias("norm_claim_ids"))

    problems: list[Problem] = []
    for row in out.filter(pl.col("consistent") == False).iter_rows(named=True):  # noqa: E712
        what = "percent of the norm" if row["stated_pct_of_norm"] is not None else "multiple of the norm"
        stated_v = (f"{row['stated_pct_of_norm']:g}%" if row["stated_pct_of_norm"] is not None
                    else f"{row['stated_multiple']:g} times")
        computed = _ratio_text(row["pct_of_norm_low"], row["pct_of_norm_high"])
        problems.append(problem(
            "norm-ratio-mismatch", file=row["source_file"], line=row["source_line"], field="value",
            value=f"{row['record_value']:g} {row['unit']}", what=what, stated=stated_v, computed=computed,
            implied=f"{row['implied_norm']:.4g} {row['unit']}"))
    return out.select(NVR_COLUMNS).sort("event_id", "measure", "record_claim_id"), problems


def _ratio_text(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "unknown"
    if abs(lo - hi) < 1e-9:
        return f"{lo:.1f}% ({lo / 100:.2f} times)"
    return f"{lo:.1f}-{hi:.1f}% ({lo / 100:.2f}-{hi / 100:.2f} times)"


def flag_claims(claims: pl.DataFrame, nvr: pl.DataFrame) -> pl.DataFrame:
    """Carry norm-ratio-mismatch onto the record claims it concerns."""
    bad = nvr.filter(pl.col("consistent") == False).select(pl.col("record_claim_id").alias("claim_id"))  # noqa: E712
    return add_flag(claims, bad["claim_id"].to_list(), "norm-ratio-mismatch")


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
