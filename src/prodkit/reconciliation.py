"""Reconciliation: one value per event, every claim kept, every choice explained.

Claims sharing ``event_id``, ``measure`` and ``statistic`` describe one fact
(a record, a norm, an average and a maximum are different statistics and never
merge). A ``conversion`` (the carrier's own restatement of another claim in
other units) is not a claim about the fact: it is checked against the claim it
converts and left out of the groups. Each strategy is a small pure function
from a frame of claims to one chosen row per group, written as polars
expressions over all groups at once, so that a ledger of millions of claims
costs no Python loop over events.

The strategies' names and descriptions are listed in :mod:`prodkit.strategies`;
this module applies them. Every strategy sees the same columns, all numbers: the claim's canonical
``value_mid``, its source's ``trust_rank`` and ``source_year``, and ``_root``
(a number for the source it ultimately retells, itself if none): claims with
one root are one piece of evidence, so a retelling never outvotes its
original. A claim that names another in ``converted_from`` (the carrier's
bracket repeating or converting a cited figure) has that claim's root.

Two rules keep a retelling from outranking its original:

- support is interval-aware: a claim supports a value only where its
  interval holds it, qualifiers respected ("less than 6" does not support 6,
  "over 30" supports nothing at 30), counted once per root;
- a retelling whose original has a claim in the same group is no candidate:
  the original speaks for it under every strategy, so no tie, trust rank,
  year or claim_id can put the retelling first. Where the original has no
  claim in the group, the retelling stands in for it.

A chosen claim's claim_id and source are looked up afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polars as pl

from . import reliability, strategies
from .checks import derivation_chain, source_parents
from .values import parse_figure

KEY = ["event_id", "measure", "statistic"]
#: An integer id per (event_id, measure, statistic): grouping on it is much
#: cheaper than on three strings, which matters at millions of rows.
GID = "_gid"

#: strategy name (see :mod:`prodkit.strategies`) -> the function that applies it
_APPLY: dict[str, Callable] = {}


def strategy(name: str):
    """Register the function that applies the strategy called ``name``."""
    def register(fn):
        _APPLY[strategies.get(name).name] = fn
        return fn
    return register


def source_roots(sources: pl.DataFrame) -> pl.DataFrame:
    """source_id -> root: follow derived_from to the source that is retold.

    >>> s = pl.DataFrame({"source_id": ["a", "b", "c"], "derived_from": [None, "a", "b"]})
    >>> source_roots(s).sort("source_id")["root"].to_list()
    ['a', 'a', 'a']
    """
    parent = source_parents(sources)
    roots = {}
    for sid in sources["source_id"].to_list():
        chain, loops = derivation_chain(parent, sid)
        roots[sid] = chain[-2] if loops else chain[-1]  # a loop is rejected by the checks; its last new source
    return pl.DataFrame({"source_id": list(roots), "root": list(roots.values())},
                        schema={"source_id": pl.String, "root": pl.String})


def prepare(claims: pl.DataFrame, sources: pl.DataFrame) -> pl.DataFrame:
    """Attach source facts to claims: trust_rank, year, source_type, root.

    ``_root`` numbers the root sources (the same number for the same root)
    and ``_src`` the sources: counting sources is then counting integers.
    """
    roots = source_roots(sources)
    codes = roots.select(pl.col("root").unique().sort()).with_row_index("_root")
    src = sources.select(
        "source_id", "trust_rank", "source_type",
        pl.col("year").cast(pl.String).str.extract(r"(\d{4})").cast(pl.Int64).alias("source_year"),
    ).join(roots, on="source_id", how="left").join(codes, on="root", how="left").with_columns(
        pl.col("source_id").rank("dense").alias("_src"))
    extra = claims.select("source_id").join(src, on="source_id", how="left", maintain_order="left")
    out = claims.hstack(extra.drop("source_id")).with_columns(
        (pl.col("source_id") == pl.col("root")).fill_null(True).alias("_original"))
    if "converted_from" in out.columns and out["converted_from"].null_count() < out.height:
        # the carrier's restatement of a claim is that claim's evidence, never its own
        of = out.select(pl.col("claim_id").alias("converted_from"), pl.col("_root").alias("_of_root"),
                        pl.col("root").alias("_of_rootname"))
        out = out.join(of, on="converted_from", how="left", maintain_order="left").with_columns(
            pl.coalesce("_of_root", "_root").alias("_root"), pl.coalesce("_of_rootname", "root").alias("root"),
            (pl.col("_original") & pl.col("_of_root").is_null()).alias("_original")).drop("_of_root", "_of_rootname")
    return out


#: The columns a strategy reads, all numbers: a chosen claim's names
#: (claim_id, source_id) are looked up by its ``_order`` (its row in the
#: grouped frame) once it has been chosen.
_STRATEGY_COLUMNS = [GID, "_order", "value_mid", "trust_rank", "source_year", "_root", "_original"]


def _with_number(claims: pl.DataFrame, *extra: pl.Expr) -> pl.DataFrame:
    """The grouped frame's rows with a number, in the strategy columns (plus ``extra``)."""
    cols = [c for c in _STRATEGY_COLUMNS if c in claims.columns]
    return claims.select(*cols, *extra).filter(pl.col("value_mid").is_not_null())


def numbered_rows(claims: pl.DataFrame) -> pl.DataFrame:
    """The candidates of :func:`_with_number`, with the support each value has: made once, read by every strategy.

    A retelling whose original is in its group is left out (see the module's
    rules); its support still counts, under its root.
    """
    c = _with_number(claims)
    return _shadowed_out(c.join(support(claims), on="_order", how="left", maintain_order="left")
                         .with_columns(pl.col("_support").fill_null(0)))


def _shadowed_out(c: pl.DataFrame) -> pl.DataFrame:
    """The rows that are not a retelling of an original with a claim in the same group."""
    if "_original" not in c.columns:
        return c
    return c.filter(pl.col("_original") | ~pl.col("_original").any().over([GID, "_root"]))


#: Value-interval pairs held at once by :func:`support`.
PAIR_BUDGET = 500_000


def support(claims: pl.DataFrame) -> pl.DataFrame:
    """_order -> _support: independent sources (roots) whose claims' intervals hold the row's value.

    An interval is (value_low, value_high); an open end is unbounded; a
    bound written "more than", "less than" or "almost" excludes its own end.

    >>> c = pl.DataFrame({"_gid": 0, "_order": [0, 1, 2], "_root": [0, 1, 2], "value_mid": [6.0, 6.0, 5.0],
    ...     "value_low": [6.0, None, 5.0], "value_high": [6.0, 6.0, 5.0], "qualifier": [None, "less-than", None]})
    >>> support(c).sort("_order")["_support"].to_list()
    [1, 1, 2]
    """
    qual = pl.col("qualifier") if "qualifier" in claims.columns else pl.lit(None, dtype=pl.String)
    vals = claims.select(GID, "_order", "value_mid").filter(pl.col("value_mid").is_not_null())
    ivs = claims.filter(pl.col("value_mid").is_not_null()).select(
        GID, pl.col("_root").alias("_by"), pl.col("value_low").alias("_l"), pl.col("value_high").alias("_h"),
        qual.is_in(["more-than"]).fill_null(False).alias("_ls"),
        qual.is_in(["less-than", "almost"]).fill_null(False).alias("_hs"))
    v = pl.col("value_mid")
    above = pl.col("_l").is_null() | pl.when(pl.col("_ls")).then(v > pl.col("_l")).otherwise(v >= pl.col("_l"))
    below = pl.col("_h").is_null() | pl.when(pl.col("_hs")).then(v < pl.col("_h")).otherwise(v <= pl.col("_h"))
    # each value against every interval of its group: n² pairs for a group of n, so values are taken in
    # chunks of at most PAIR_BUDGET pairs (one event told 3,000 times is 9 million pairs)
    sizes = vals.select(GID).join(ivs.group_by(GID).len("_n"), on=GID, how="left", maintain_order="left")
    chunk = (sizes["_n"].cum_sum() // PAIR_BUDGET).alias("_chunk")
    parts = [vals.filter(chunk == k).join(ivs, on=GID, how="inner").filter(above & below)
             .group_by("_order").agg(pl.col("_by").n_unique().cast(pl.UInt32).alias("_support"))
             for k in chunk.unique(maintain_order=True)]
    return pl.concat(parts) if parts else pl.DataFrame(schema={"_order": vals.schema["_order"],
                                                                "_support": pl.UInt32})


def _group_start() -> pl.Expr:
    """True on the first row of each group, in a frame sorted by GID."""
    return pl.col(GID) != pl.col(GID).shift(1, fill_value=-1)


def _names(chosen: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    """The chosen rows with their claim's claim_id, source_id and source_type (looked up by _order)."""
    rows = chosen["_order"]
    return chosen.with_columns(claims["claim_id"].gather(rows), claims["source_id"].gather(rows),
                               claims["source_type"].gather(rows))


# ---------------------------------------------------------------------------
# strategies: frame of claims (many groups, numbered by GID, rows in claim_id
# order within a group, _order their row number) -> one row per group with
# chosen_claim_id, value, how. Ties end on _order, the claim_id order, so
# that no choice depends on the order of the rows.
# ---------------------------------------------------------------------------

def _first_by(claims: pl.DataFrame, order: list[str], descending: list[bool], *, values: bool = True) -> pl.DataFrame:
    """Per group, the claim that comes first by ``order`` (nulls last), then by claim_id.

    One sort of the narrow, all-number frame by (group, order..., _order)
    puts each group's answer on its first row. If ``values``, ``_values``
    counts the distinct values that tied on the first key, for the
    explanation.
    """
    c = claims.sort([GID, *order, "_order"], descending=[False, *descending, False], nulls_last=True)
    starts = _group_start()
    first = c.filter(starts)
    if not values:
        return first
    # the group's best first key, carried down from its first row (no window)
    key = pl.col(order[0])
    best_null = pl.when(starts).then(key.is_null()).forward_fill()
    tied = best_null | (key == pl.when(starts).then(key).forward_fill())
    counts = c.filter(tied).group_by(GID).agg(pl.col("value_mid").n_unique().alias("_values"))
    return first.join(counts, on=GID, how="left", maintain_order="left")


def _tie_note(label: str, broken_by: str) -> pl.Expr:
    """'; tie on <label> between N values, broken by ...' where the best score is shared by several values."""
    return (pl.when(pl.col("_values") > 1)
            .then(pl.format(f"; tie on {label} between {{}} values, broken by {broken_by}", pl.col("_values")))
            .otherwise(pl.lit("")).alias("_tie"))


def _chosen(claims: pl.DataFrame, chosen: pl.DataFrame, how: Callable[[], pl.Expr], explain: bool,
            tie: pl.Expr | None = None):
    """GID, value and (if ``explain``) chosen_claim_id and how, for the chosen rows."""
    if not explain:
        return chosen.select(GID, pl.col("value_mid").alias("value"))
    if tie is not None:
        chosen = chosen.with_columns(tie)
    return _names(chosen, claims).select(GID, pl.col("claim_id").alias("chosen_claim_id"),
                                         pl.col("value_mid").alias("value"), how().alias("how"))


@dataclass(frozen=True)
class _Ranking:
    """A strategy that reports, per group, the first claim by an order of columns (then claim_id)."""

    order: list[str]
    descending: list[bool]
    tie_on: str  # the first key, as the tie note names it
    broken_by: str
    how: Callable[[], pl.Expr]  # the explanation, from the chosen row's columns and _tie

    def __call__(self, claims: pl.DataFrame, *, seed: int, explain: bool = True,
                 numbered: pl.DataFrame | None = None) -> pl.DataFrame:
        c = numbered if numbered is not None else numbered_rows(claims)
        chosen = _first_by(c, self.order, self.descending, values=explain)
        return _chosen(claims, chosen, self.how, explain, _tie_note(self.tie_on, self.broken_by))


strategy("trust-your-friends")(_Ranking(
    ["trust_rank", "_support", "source_year"], [False, True, False], "trust_rank",
    "most independent sources, then earliest source, then claim_id",
    lambda: pl.format("trust_rank {} ({}, {}){}", "trust_rank", "source_id", "source_type", "_tie")))

strategy("cry-with-the-wolves")(_Ranking(
    ["_support", "trust_rank", "source_year"], [True, False, False], "number of sources",
    "lowest trust_rank, then claim_id",
    lambda: pl.format("held by {} independent source(s){}", "_support", "_tie")))

strategy("keep-up-to-date")(_Ranking(
    ["source_year", "trust_rank"], [True, False], "source year", "lowest trust_rank, then claim_id",
    lambda: pl.format("most recent source: {} ({}){}", pl.col("source_year").cast(pl.String).fill_null("no year"),
                      "source_id", "_tie")))


@strategy("meet-in-the-middle")
def meet_in_the_middle(claims: pl.DataFrame, *, seed: int, explain: bool = True,
                       numbered: pl.DataFrame | None = None):
    c = numbered if numbered is not None else _with_number(claims)
    # one claim per root: the best-trusted retelling stands for its original
    # (lowest trust_rank, then lowest claim_id): the first row of each
    # (group, root) once the narrow frame is sorted
    indep = _independent(c.filter(pl.col("trust_rank").is_not_null()))
    med = indep.group_by(GID, maintain_order=True).agg(pl.col("value_mid").median().alias("value"),
                                                        pl.len().alias("_n"))
    if not explain:
        return med.select(GID, "value")
    # the claim that holds the median value, if one does (lowest claim_id:
    # lowest _order, the first such row in the grouped frame's order)
    n_groups = int(claims[GID].max()) + 1 if claims.height else 0
    median_of = pl.Series("_m", [None] * n_groups, dtype=pl.Float64).scatter(med[GID], med["value"])
    holds = c.filter(pl.col("value_mid") == median_of.gather(c[GID]))
    holder = holds.filter(_group_start()).select(GID, "_order")
    out = med.join(holder, on=GID, how="left")
    return out.with_columns(claims["claim_id"].gather(out["_order"]).alias("chosen_claim_id")).select(
        GID, "chosen_claim_id", "value", pl.format("median of {} independent claims", "_n").alias("how"))


@strategy("roll-the-dice")
def roll_the_dice(claims: pl.DataFrame, *, seed: int, explain: bool = True, numbered: pl.DataFrame | None = None):
    # its draw hashes the text keys with the seed, so it makes its own numbered rows
    c = _shadowed_out(_with_number(
        claims, pl.concat_str(KEY + ["claim_id"], separator="\x1f").hash(seed=seed).alias("_draw")))
    chosen = _first_by(c, ["_draw"], [False], values=False)
    return _chosen(claims, chosen, lambda: pl.format("drawn at random with seed {}", pl.lit(seed)), explain)


@strategy("pass-it-on")
def pass_it_on(claims: pl.DataFrame, *, seed: int, explain: bool = True, numbered: pl.DataFrame | None = None):
    groups = (numbered if numbered is not None else _with_number(claims)).select(GID).unique()
    return groups.with_columns(pl.lit(None, dtype=pl.String).alias("chosen_claim_id"),
                               pl.lit(None, dtype=pl.Float64).alias("value"),
                               pl.lit("no single value; see value_low and value_high").alias("how"))


def _independent(c: pl.DataFrame) -> pl.DataFrame:
    """One numbered row per (group, root): the original if present, else its best-trusted retelling.

    Rows keep their order. Only the few rows that share a group and a root
    are sorted (by original first, then trust_rank, then claim_id).
    """
    if c.height == 0:
        return c
    roots = c["_root"].cast(pl.Int64).fill_null(-1) + 1
    key = c[GID].cast(pl.Int64) * (int(roots.max()) + 1) + roots
    dup = key.is_duplicated()
    if not dup.any():
        return c
    ranked = c.filter(dup).sort([GID, "_root", "_original", "trust_rank", "_order"],
                                descending=[False, False, True, False, False], nulls_last=True)
    kept = ranked.filter((_group_start() | (pl.col("_root") != pl.col("_root").shift(1))).fill_null(True))["_order"]
    return c.filter(~dup | c["_order"].is_in(kept.implode()))


@dataclass
class LearningRows:
    """What learning reads of a grouped frame: one row per independent claim, its sources, its groups.

    ``rows``: GID, _order, value_low, value_high, value_mid and _src, in
    group order; ``sources``: _src, source_id and source_type, one row per
    source of the frame; ``n_groups``: the frame's groups. A run in parts
    keeps each part's and learns from all of them at once
    (:func:`learned_columns`).
    """

    rows: pl.DataFrame
    sources: pl.DataFrame
    n_groups: int


def learning_rows(claims: pl.DataFrame, numbered: pl.DataFrame | None = None) -> LearningRows:
    """The :class:`LearningRows` of a grouped frame: one claim per independent root, with a number."""
    c = numbered if numbered is not None else numbered_rows(claims)
    if "_src" not in claims.columns:
        claims = claims.with_columns(pl.col("source_id").rank("dense").alias("_src"))
    indep = _independent(c)
    rows = indep["_order"]
    frame = indep.select(GID, "_order").with_columns(
        *[claims[name].gather(rows) for name in ("value_low", "value_high", "value_mid", "_src")])
    sources = claims.select("_src", "source_id", "source_type").unique("_src", keep="first", maintain_order=True)
    n_groups = int(claims[GID].max()) + 1 if claims.height else 0
    return LearningRows(frame, sources, n_groups)


def learning(claims: pl.DataFrame, numbered: pl.DataFrame | None = None) -> reliability.Learned:
    """Learn every source's bias and spread (:mod:`prodkit.reliability`) from one claim per independent root."""
    found = learning_rows(claims, numbered)
    return reliability.learn(found.rows, found.sources, found.n_groups, GID)


#: The strategy ``learn-reliability`` falls back on for an event it learned nothing of.
FALLBACK = "trust-your-friends"


@strategy("learn-reliability")
def learn_reliability(claims: pl.DataFrame, *, seed: int, explain: bool = True,
                      numbered: pl.DataFrame | None = None, learned: reliability.Learned | None = None):
    c = numbered if numbered is not None else numbered_rows(claims)
    fit = (learned if learned is not None else learning(claims, c)).fit
    gids = c.select(GID).filter(_group_start())  # the numbered rows are in group order
    gids = gids.with_columns(pl.Series("_why", fit.reason[gids[GID].to_numpy()]))
    ok = gids.filter(pl.col("_why") == reliability.LEARNED)
    back = gids.filter(pl.col("_why") != reliability.LEARNED)
    fallback = _APPLY[FALLBACK](claims, seed=seed, explain=explain,
                                            numbered=c.join(back, on=GID, how="semi"))
    if not explain:
        learned_rows = ok.select(GID).with_columns(pl.Series("value", fit.value[ok[GID].to_numpy()]))
        return pl.concat([learned_rows, fallback.select(GID, "value")]).sort(GID)
    why = pl.col("_why").replace_strict(reliability.REASONS, default="", return_dtype=pl.String)
    fallback = fallback.join(back, on=GID, how="left").select(
        GID, "chosen_claim_id", "value",
        pl.format(f"fell back to {FALLBACK} ({{}}): {{}}", why, "how").alias("how"))
    learned_rows = reliability.learned_how(learned if learned is not None else learning(claims, c), ok, claims, GID)
    learned_rows = learned_rows.select(GID, pl.lit(None, dtype=pl.String).alias("chosen_claim_id"), "value", "how")
    return pl.concat([learned_rows, fallback]).sort(GID)


def choose(claims: pl.DataFrame, name: str, seed: int = strategies.DEFAULT_SEED, *, explain: bool = True,
           numbered: pl.DataFrame | None = None, learned: reliability.Learned | None = None) -> pl.DataFrame:
    """One row per group with a number: GID, value and, if ``explain``, chosen_claim_id and how.

    ``claims`` is the grouped frame of :func:`_groups` (rows in (KEY,
    claim_id) order, ``_order`` their row numbers); ``numbered``, if given,
    its :func:`numbered_rows`, so that several strategies share them;
    ``learned``, if given, its :func:`learning`, for the strategies that learn.
    Raises :class:`~prodkit.errors.UsageError` for an unknown ``name``.
    """
    name = strategies.get(name).name
    if name in strategies.ESTIMATES:
        return _APPLY[name](claims, seed=seed, explain=explain, numbered=numbered, learned=learned)
    return _APPLY[name](claims, seed=seed, explain=explain, numbered=numbered)


# ---------------------------------------------------------------------------
# groups, statuses, adjudications
# ---------------------------------------------------------------------------

def group_facts(claims: pl.DataFrame, tolerance: float) -> pl.DataFrame:
    """Per group: span, counts, agreement, descriptive columns and the group's flags."""
    lo = pl.coalesce("value_low", "value_mid")
    hi = pl.coalesce("value_high", "value_mid")
    facts = claims.group_by(GID).agg(
        pl.col(KEY).first(),
        pl.col("subject").drop_nulls().first().alias("subject"),
        pl.col("sector").drop_nulls().first().alias("sector"),
        pl.col("date").drop_nulls().min().alias("date"),
        pl.col("unit_canonical").drop_nulls().first().alias("unit"),
        pl.col("unit_canonical").drop_nulls().n_unique().alias("_units"),
        # an open end ("over 30", "almost 15") leaves the span open on that side
        pl.when((pl.col("value_low").is_null() & pl.col("value_mid").is_not_null()).any()).then(None)
        .otherwise(lo.min()).alias("value_low"),
        pl.when((pl.col("value_high").is_null() & pl.col("value_mid").is_not_null()).any()).then(None)
        .otherwise(hi.max()).alias("value_high"),
        pl.len().alias("n_claims"),
        pl.col("value_mid").is_not_null().sum().alias("_numbered"),
        pl.col("_root").n_unique().alias("n_sources"),
        pl.col("_src").n_unique().alias("_n_cited"),
        pl.col("value_mid").min().alias("_min_mid"),
        pl.col("value_mid").max().alias("_max_mid"),
        # agreement: every pair of intervals overlaps once widened by the tolerance
        # (in one dimension that is: the highest low end <= the lowest high end)
        pl.col("value_low").max().alias("_max_low"),
        pl.col("value_high").min().alias("_min_high"),
        pl.col("claim_id").alias("claim_ids"),  # a list, joined below: str.join inside a group is slower
    ).sort(GID).with_columns(pl.col("claim_ids").list.join(";"))
    gap = pl.col("_max_low") - pl.col("_min_high")
    scale = pl.max_horizontal(pl.col("_max_low").abs(), pl.col("_min_high").abs())
    agree = pl.col("_max_low").is_null() | pl.col("_min_high").is_null() | (gap <= tolerance * scale + 1e-12)
    facts = facts.with_columns(
        pl.when(pl.col("_numbered") <= 1).then(pl.lit("single"))
        .when(agree).then(pl.lit("agree"))
        .otherwise(pl.lit("conflict")).alias("status"),
        pl.when((pl.col("_min_mid") > 0) & (pl.col("_numbered") > 1))
        .then((pl.col("_max_mid") - pl.col("_min_mid")) / pl.col("_min_mid") * 100)
        .otherwise(pl.when(pl.col("_numbered") > 1).then(0.0)).alias("spread_pct"),
    )
    # the group's flags: its own (written in alphabetical order) and, in the
    # few groups whose claims carry flags, those too (set, sorted, joined)
    own = pl.concat_str([
        pl.when(pl.col("status") == "conflict").then(pl.lit("conflict")),
        pl.when(pl.col("_units") > 1).then(pl.lit("mixed-units")),
        pl.when(pl.col("_numbered") == 0).then(pl.lit("no-number")),
        pl.when(pl.col("n_sources") < pl.col("_n_cited")).then(pl.lit("retold")),
    ], separator=";", ignore_nulls=True)
    facts = facts.with_columns(pl.when(own == "").then(None).otherwise(own).alias("_group_flags"))
    claim_flags = claims.filter(pl.col("flags").is_not_null() & (pl.col("flags") != "")).select(GID, "flags")
    if claim_flags.height == 0:
        return facts
    both = pl.concat([claim_flags.select(GID, pl.col("flags").alias("_flag")),
                      facts.join(claim_flags.select(GID).unique(), on=GID, how="semi")
                      .select(GID, pl.col("_group_flags").alias("_flag")).drop_nulls("_flag")])
    merged = (both.with_columns(pl.col("_flag").str.split(";")).explode("_flag")
              .filter(pl.col("_flag") != "").unique().sort([GID, "_flag"])
              .group_by(GID, maintain_order=True).agg(pl.col("_flag").alias("_merged"))
              .with_columns(pl.col("_merged").list.join(";")))
    return (facts.join(merged, on=GID, how="left", maintain_order="left")
            .with_columns(pl.coalesce("_merged", "_group_flags").alias("_group_flags")).drop("_merged"))


def adjudicated_groups(facts: pl.DataFrame, claims: pl.DataFrame,
                       adjudications: pl.DataFrame | None) -> pl.DataFrame:
    """Per adjudicated group (GID): the claim or value decided and the reason (a few rows)."""
    schema = {GID: facts.schema[GID], "_adj_claim": pl.String, "_adj_value": pl.Float64, "_adj_reason": pl.String}
    if adjudications is None or adjudications.height == 0:
        return pl.DataFrame(schema=schema)
    rows = []
    for r in adjudications.iter_rows(named=True):
        value = None
        if not r.get("claim_id") and r.get("value"):
            # read under the ledger's decimal mark when loaded (_value_mid); a bare frame is read as Python does
            value = r["_value_mid"] if "_value_mid" in r else parse_figure(r["value"], ".").mid
        rows.append({"event_id": r["event_id"], "measure": r["measure"], "statistic": r["statistic"],
                     "_adj_claim": r.get("claim_id") or None, "_adj_value": value,
                     "_adj_reason": f"adjudicated by {r['decided_by']}"
                                    + (f" ({r['date']})" if r.get("date") else "") + f": {r['reason']}"})
    adj = pl.DataFrame(rows, schema={"event_id": pl.String, "measure": pl.String, "statistic": pl.String,
                                     "_adj_claim": pl.String, "_adj_value": pl.Float64, "_adj_reason": pl.String})
    claim_values = claims.select(pl.col("claim_id").alias("_adj_claim"), pl.col("value_mid").alias("_claim_value"))
    adj = adj.join(claim_values, on="_adj_claim", how="left").with_columns(
        pl.coalesce("_claim_value", "_adj_value").alias("_adj_value")).drop("_claim_value")
    return facts.select(GID, *KEY).join(adj, on=KEY, how="inner").select(list(schema))


def apply_adjudications(chosen: pl.DataFrame, adjudicated: pl.DataFrame) -> pl.DataFrame:
    """An adjudication always wins: its claim or value replaces the strategy's choice."""
    out = chosen.join(adjudicated, on=GID, how="left", maintain_order="left")
    won = pl.col("_adj_reason").is_not_null()
    return out.with_columns(
        pl.when(won).then(pl.col("_adj_claim")).otherwise(pl.col("chosen_claim_id")).alias("chosen_claim_id"),
        pl.when(won).then(pl.col("_adj_value")).otherwise(pl.col("value")).alias("value"),
        pl.when(won).then(pl.col("_adj_reason")).otherwise(pl.col("how")).alias("how"),
    ).drop("_adj_claim", "_adj_value")


RECONCILED_COLUMNS = ["event_id", "measure", "statistic", "subject", "sector", "date", "value", "value_low",
                      "value_high", "unit", "n_claims", "n_sources", "status", "spread_pct", "strategy",
                      "chosen_claim_id", "claim_ids", "flags", "how"]


#: The claim columns the grouping, the facts and the strategies read.
GROUP_COLUMNS = KEY + ["claim_id", "subject", "sector", "date", "unit_canonical", "value_low", "value_high",
                        "value_mid", "_root", "_original", "_src", "source_id", "source_type", "trust_rank",
                        "source_year", "qualifier", "flags"]


def _groups(claims: pl.DataFrame, sources: pl.DataFrame, tolerance: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The claims that take part (with their sources' facts, _order and _gid) and the per-group facts.

    One sort of the narrow columns by (KEY, claim_id) does all the ordering:
    group ids follow KEY order (so facts in GID order are in KEY order) and,
    within a group, rows follow claim_id (``_order``), so that no choice
    depends on the order of the input rows.
    """
    c = prepare(claims, sources) if "_root" not in claims.columns else claims
    # a carrier's conversion restates another claim in other units: it is
    # checked against that claim (norms.check_conversions), not counted again
    c = (c.select([col for col in GROUP_COLUMNS if col in c.columns])
         .filter(pl.col("statistic") != "conversion")
         .with_columns(pl.col("flags").cast(pl.String), pl.col("date").cast(pl.String))
         .sort(KEY + ["claim_id"])
         .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_order"),
                       pl.struct(KEY).rle_id().alias(GID))
         .with_columns(pl.col(GID).set_sorted()))
    return c, group_facts(c, tolerance)


def _decide(facts: pl.DataFrame, chosen: pl.DataFrame, strategy: str, adjudicated: pl.DataFrame) -> pl.DataFrame:
    """Join a strategy's choices to the group facts, apply adjudications, explain."""
    out = apply_adjudications(facts.join(chosen, on=GID, how="left", maintain_order="left"), adjudicated)
    out = out.with_columns(
        pl.when(pl.col("_adj_reason").is_not_null()).then(pl.lit("adjudicated")).otherwise(pl.col("status"))
        .alias("status"),
        pl.lit(strategy).alias("strategy"),
        pl.col("_group_flags").alias("flags"),
        pl.col("how").fill_null("no claim with a number").alias("how"),
        pl.col("n_claims").cast(pl.Int64), pl.col("n_sources").cast(pl.Int64),
    )
    return out.select(RECONCILED_COLUMNS)  # facts are in GID order, which is KEY order


def reconcile_tables(claims: pl.DataFrame, sources: pl.DataFrame, *, strategy: str = strategies.DEFAULT,
                     tolerance: float = 0.01, seed: int = strategies.DEFAULT_SEED,
                     adjudications: pl.DataFrame | None = None, learn: bool = True
                     ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame | LearningRows]:
    """The reconciled, sensitivity, conflicts and source reliability tables, from one grouping.

    ``reconciled`` has one row per (event_id, measure, statistic): value,
    span, status and the reason for the choice; ``sensitivity`` the value
    under every strategy; ``conflicts`` every claim of a group whose claims
    disagree; ``source_reliability`` what ``learn-reliability`` learned of
    each source (:func:`prodkit.reliability.source_table`). The conflicts are read off the grouped claims (already in
    (KEY, claim_id) order, each with its group's number, which is its row
    in the reconciled table): no join on the text keys and no sort.

    ``learn=False`` (a part of a run in parts, whose strategy never
    learns) learns nothing: the learning columns of ``sensitivity`` are
    left empty, and the :class:`LearningRows` come in place of
    ``source_reliability``, for :func:`learned_columns` to learn from every
    part at once.

    Examples
    --------
    >>> claims = pl.DataFrame({"claim_id": ["c1", "c2"], "event_id": "artyukhov", "measure": "coal_hewn",
    ...     "statistic": "record", "subject": "Artyukhov", "sector": "coal", "date": "1935-09",
    ...     "value_low": [536.0, 552.0], "value_high": [536.0, 552.0], "value_mid": [536.0, 552.0],
    ...     "unit_canonical": "t", "source_id": ["archive", "memoir"], "flags": None})
    >>> sources = pl.DataFrame({"source_id": ["archive", "memoir"], "trust_rank": [1, 4],
    ...     "source_type": ["archival", "later_soviet"], "year": ["1935", "1981"], "derived_from": None})
    >>> r, sensitivity, conflicts, reliability = reconcile_tables(claims, sources)
    >>> r.select("value", "value_low", "value_high", "status", "chosen_claim_id").row(0)
    (536.0, 536.0, 552.0, 'conflict', 'c1')
    >>> conflicts["chosen"].to_list()
    [True, False]
    """
    strategies.get(strategy)  # an unknown name is a UsageError before any work
    if not learn and strategies.get(strategy).name in strategies.ESTIMATES:
        raise ValueError(f"{strategy} learns from every event at once: it cannot be reconciled with learn=False")
    c, facts = _groups(claims, sources, tolerance)
    adjudicated = adjudicated_groups(facts, c, adjudications)
    numbered = numbered_rows(c)  # filtered, and support counted, once for all the strategies
    learned = learning(c, numbered) if learn else None  # every source's bias and spread, learned once
    reconciled = _decide(facts, choose(c, strategy, seed, numbered=numbered, learned=learned), strategy, adjudicated)
    wide = reconciled.select(KEY + ["status", "value_low", "value_high", "unit"])
    values = []
    for s in strategies.STRATEGIES:
        if s.name == strategy:
            values.append(reconciled["value"].alias(s.column))
            if s.name in strategies.ESTIMATES:
                values.extend(_interval(learned.fit, facts, adjudicated, s.column))
        elif s.name in strategies.ESTIMATES and not learn:
            values.extend(pl.Series(name, [None] * facts.height, dtype=pl.Float64)
                          for name in (s.column, f"{s.column}_low", f"{s.column}_high"))
        else:
            values.extend(_strategy_columns(s.name, c, facts, adjudicated, numbered, learned, seed))
    last = reliability.source_table(learned, sources) if learn else learning_rows(c, numbered)
    del numbered  # large at millions of claims, and no longer needed
    return reconciled, _sensitivity(wide.with_columns(values)), _conflicts(c, reconciled), last


def _strategy_columns(name: str, c: pl.DataFrame, facts: pl.DataFrame, adjudicated: pl.DataFrame,
                      numbered: pl.DataFrame, learned: reliability.Learned, seed: int) -> list[pl.Series]:
    """A strategy's column of the sensitivity table, one value per group (and a learning one's interval)."""
    column = strategies.column(name)
    chosen = choose(c, name, seed, explain=False, numbered=numbered, learned=learned).with_columns(
        pl.lit(None, dtype=pl.String).alias("chosen_claim_id"), pl.lit(None, dtype=pl.String).alias("how"))
    decided = apply_adjudications(facts.select(GID).join(chosen, on=GID, how="left", maintain_order="left"),
                                  adjudicated)
    out = [decided["value"].alias(column)]
    if name in strategies.ESTIMATES:
        out.extend(_interval(learned.fit, facts, adjudicated, column))
    return out


def learned_columns(parts: list[LearningRows], sensitivity: pl.DataFrame,
                    sources: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A run in parts: learn from every part at once; the sensitivity table with its learning columns, and
    source_reliability.

    ``parts`` are the :class:`LearningRows` of each part, and
    ``sensitivity`` the parts' tables put together, in KEY order (the order
    of one run's groups), with ``_part`` (a part's place in ``parts``) and
    ``_local`` (the group's row in its part's table). Each part's group
    numbers are turned into the whole ledger's, the rows are put in the
    order one run would have them (by group, each group's rows as its part
    gave them), and :func:`prodkit.reliability.learn` fits them once. An
    event learned and not adjudicated gets the learned value and interval;
    any other falls back on :data:`FALLBACK`'s column, as
    :func:`learn_reliability` does, and then an adjudication wins in both
    alike. The result is one run's, byte for byte (``tests/test_scale.py``).
    """
    where = sensitivity.select("_part", "_local").with_row_index("_global")
    rows, found = [], []
    for k, part in enumerate(parts):
        if part.rows.height:
            gids = where.filter(pl.col("_part") == k).sort("_local")["_global"].cast(part.rows[GID].dtype)
            rows.append(part.rows.with_columns(gids.gather(part.rows[GID]).alias(GID)))
        found.append(part.sources)
    schema = {GID: pl.UInt32, "_order": pl.Int64, "value_low": pl.Float64, "value_high": pl.Float64,
              "value_mid": pl.Float64, "_src": pl.UInt32}
    frame = (pl.concat(rows, how="vertical_relaxed").sort(GID, maintain_order=True) if rows
             else pl.DataFrame(schema=schema))
    seen = (pl.concat(found, how="vertical_relaxed").sort("_src", "source_id", nulls_last=True)
            .unique("_src", keep="first", maintain_order=True))
    learned = reliability.learn(frame, seen, sensitivity.height, GID)
    fit, out = learned.fit, sensitivity.drop("_part", "_local")
    learned_here = (pl.Series(fit.reason) == reliability.LEARNED) & (out["status"] != "adjudicated")
    columns = []
    for name in strategies.ESTIMATES:
        column = strategies.column(name)
        columns.append(pl.select(pl.when(learned_here).then(pl.Series(fit.value))
                                 .otherwise(out[strategies.column(FALLBACK)]).alias(column)).to_series())
        columns.extend(pl.select(pl.when(learned_here).then(pl.Series(arr)).alias(f"{column}_{end}")).to_series()
                       for end, arr in (("low", fit.low), ("high", fit.high)))
    return out.with_columns(columns), reliability.source_table(learned, sources)


def _interval(fit: reliability.Fit, facts: pl.DataFrame, adjudicated: pl.DataFrame, column: str) -> list[pl.Series]:
    """A learning strategy's 95% interval per group: empty where it fell back or an adjudication decided."""
    keep = (pl.Series(fit.reason).gather(facts[GID]) == reliability.LEARNED) & ~facts[GID].is_in(adjudicated[GID])
    return [pl.select(pl.when(keep).then(pl.Series(arr).gather(facts[GID])).alias(f"{column}_{end}")).to_series()
            for end, arr in (("low", fit.low), ("high", fit.high))]


def _conflicts(c: pl.DataFrame, reconciled: pl.DataFrame) -> pl.DataFrame:
    """The conflicts table from the grouped claims: group GID is row GID of ``reconciled``."""
    if c.height and reconciled.height != c[GID].max() + 1:  # pragma: no cover - a broken invariant
        raise AssertionError("reconciled rows do not follow the group numbers")
    groups = reconciled.select(
        (pl.col("status").is_in(["conflict", "adjudicated"]) & (pl.col("n_claims") > 1)).alias("_in"),
        pl.col("value").alias("_chosen_value"), "chosen_claim_id")
    picked = c.filter(groups["_in"].gather(c[GID]))
    chosen = groups.select("_chosen_value", "chosen_claim_id")[picked[GID]]
    return picked.hstack(chosen).select(conflict_columns())


def conflict_columns() -> list[pl.Expr]:
    """The columns of ``conflicts.csv``, from claims joined with their group's chosen value and claim."""
    return [
        *[pl.col(k) for k in KEY], pl.col("claim_id"), pl.col("source_id"), pl.col("source_type"),
        pl.coalesce("value_low", "value_mid").alias("value_low"),
        pl.coalesce("value_high", "value_mid").alias("value_high"),
        pl.col("unit_canonical").alias("unit"),
        pl.when(pl.col("_chosen_value").is_not_null() & (pl.col("_chosen_value") != 0)
                & pl.col("value_mid").is_not_null())
        .then((pl.col("value_mid") - pl.col("_chosen_value")) / pl.col("_chosen_value").abs() * 100)
        .alias("deviation_pct"),
        (pl.col("claim_id") == pl.col("chosen_claim_id")).fill_null(False).alias("chosen"),
    ]


def _sensitivity(wide: pl.DataFrame) -> pl.DataFrame:
    names = [s.column for s in strategies.STRATEGIES
             if s.name not in strategies.SPAN_ONLY and s.name not in strategies.ESTIMATES]
    return wide.with_columns(
        (pl.max_horizontal(names) != pl.min_horizontal(names)).fill_null(False).alias("depends_on_strategy"))


def partition_events(claims: pl.DataFrame, partitions: int) -> pl.Series:
    """Each claim's partition (0 to ``partitions`` - 1) for a run in parts (``--partitions N``).

    Every claim of an event lands in one partition, and so do events that
    read each other: a record and the norm event its ``norm_ref`` names, a
    conversion and the claim it converts (``converted_from``). Such linked
    events form one component, named by its least event_id; the components
    are cut, in event_id order, into ranges of about equal numbers of claims.
    Each partition is then closed: it holds everything its claims' checks,
    groups, strategies and norms read, so the partitions' tables together
    are the tables of one run over all claims.

    Examples
    --------
    >>> c = pl.DataFrame({"claim_id": ["a", "b", "c", "d"], "event_id": ["e1", "e2", "n1", "e3"],
    ...     "norm_ref": [None, "n1", None, None], "converted_from": [None, None, None, "a"]})
    >>> partition_events(c, 2).to_list()
    [0, 1, 1, 0]
    """
    if partitions <= 1 or claims.height == 0:
        return pl.Series("_part", [0] * claims.height, dtype=pl.UInt32)
    component = event_components(claims)
    sizes = pl.DataFrame({"_c": component}).group_by("_c").len("_n").sort("_c")
    before = sizes["_n"].cum_sum() - sizes["_n"]
    cut = (before * partitions // claims.height).cast(pl.UInt32)
    return component.replace_strict(sizes["_c"], cut, return_dtype=pl.UInt32).alias("_part")


def event_components(claims: pl.DataFrame) -> pl.Series:
    """Each claim's component of linked events, named by its least event_id.

    Events are linked when one reads the other: a record and the norm event
    its ``norm_ref`` names, a conversion and the claim it converts
    (``converted_from``). A component holds everything its claims' checks,
    groups, strategies and norms read, so its tables, built alone, are its
    rows of the tables of one run over all claims (``--partitions``, and
    ``prodkit explain``, which builds only its event's component).

    Examples
    --------
    >>> c = pl.DataFrame({"claim_id": ["a", "b", "c", "d"], "event_id": ["e1", "e2", "n1", "e3"],
    ...     "norm_ref": [None, "n1", None, None], "converted_from": [None, None, None, "a"]})
    >>> event_components(c).to_list()
    ['e1', 'e2', 'e2', 'e1']
    """
    events = claims["event_id"].fill_null("")
    if claims.height == 0:
        return events.alias("_component")
    # the links between events: norm_ref names an event, converted_from a claim (of some event)
    owner = claims.select(pl.col("claim_id").alias("converted_from"), pl.col("event_id").alias("_target"))
    links = pl.concat([
        claims.select("event_id", pl.col("norm_ref").alias("_target")),
        claims.select("event_id", "converted_from").filter(pl.col("converted_from").is_not_null())
        .join(owner.unique("converted_from", keep="first", maintain_order=True), on="converted_from", how="inner")
        .select("event_id", "_target"),
    ]).drop_nulls().filter(pl.col("event_id") != pl.col("_target")).unique()
    parent: dict[str, str] = {}

    def root(e: str) -> str:
        while parent.get(e, e) != e:
            parent[e] = parent.get(parent[e], parent[e])  # path halving
            e = parent[e]
        return e

    for a, b in links.iter_rows():
        ra, rb = root(a), root(b)
        if ra != rb:
            # the least event_id names the component, whatever order the links come in
            parent[max(ra, rb)] = min(ra, rb)
    names = pl.Series("_component", [root(e) for e in parent], dtype=pl.String)
    component = events.replace_strict(list(parent), names, default=events) if parent else events
    return component.alias("_component")
