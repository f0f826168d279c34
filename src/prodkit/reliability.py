"""Learning each source's bias and spread from the whole ledger, and the truths they imply.

The strategy ``learn-reliability`` asks what the fixed rules cannot: does
this memoir literature overstate, and by how much? Is the archival series
careful? It answers from every event at once, as truth-discovery research
does for continuous values:

- Li, Li, Gao, Su, Zhao, Fan and Han, "Resolving conflicts in heterogeneous
  data by truth discovery and source reliability estimation" (CRH), SIGMOD
  2014: alternate between weighted truths and source weights computed from
  each source's distance to the truths, until nothing moves;
- Li, Li, Gao, Su, Zhao, Demirbas, Fan and Han, "A confidence-aware approach
  for truth discovery on long-tail data" (CATD), PVLDB 8(4), 2015: a source
  with few claims gets a conservative weight, the upper end of a chi-squared
  confidence interval on its variance, not its raw sample variance;
- Zhao and Han, "On the discovery of evolving truth" / the Gaussian truth
  model (GTM), QDB workshop at VLDB 2012: a claim is the truth plus the
  source's bias plus Gaussian noise of the source's own variance; the truth
  is then the precision-weighted mean of the bias-corrected claims.

prodkit's reading of them, for interval-valued historical claims:

- **Log values.** Production figures span orders of magnitude and sources
  err in proportion (a 20 % inflation, a 5 % slip), so a claim's value is
  modelled as ``log claim = log truth + bias[source] + noise``, noise of
  spread ``sigma[source]``. ``bias_pct = exp(bias) - 1``.
- **Intervals, not midpoints.** A range ("14-15") or a bound ("over 30") is
  an interval of log values; its distance to a prediction is zero inside it
  and the distance to its nearer end outside (interval least squares). An
  open end is unbounded.
- **Retellings** are discounted as in every strategy: the caller passes one
  claim per independent root (:mod:`prodkit.reconciliation`).
- **Rounded figures.** A source whose figures are nearly all multiples of 10
  (or 5) is read as rounding: its 40 is the interval 35-45.
- **Leave-one-out residuals.** With three or four sources per event, a
  source's distance to a truth it helped to make understates its error;
  each claim is measured against the truth the *other* claims of its event
  give, and the variance of that truth is subtracted.
- **Sources and source types.** A source's bias and spread are pulled toward
  its source type's (``PRIOR_EVENTS`` and ``PRIOR_SPREAD_N`` pseudo-events),
  so a source seen a few times borrows from its kind, and one seen often
  speaks for itself.
- **The anchor.** Biases are known only relative to one another: if every
  source overstated by 20 %, no ledger could tell. prodkit assumes the
  largest cluster of sources that agree with one another is unbiased (the
  half-sample mode of the sources' biases), and says so.
- **Thin evidence.** Only events told by two or more independent sources
  inform the estimates. A source needs ``MIN_SHARED`` such events, or its
  type ``MIN_TYPE`` claims in them; an event falls back to
  ``trust-your-friends``, and its reason says so, when one of its sources
  has neither, when none has its own estimate, or when a value is at or
  below zero (it has no log).
- **Intervals.** Each truth comes with a 95 % interval from the weighted
  claims' spreads and the uncertainty of their biases.

Everything is numpy over all events at once (sums by ``bincount``); the
iteration count is fixed by a tolerance, and the input order is the grouped
frame's (event, claim_id) order, so the result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Shared events (told by two or more independent sources) a source needs for its own estimate.
MIN_SHARED = 12
#: Claims in shared events a source type needs for a source of that type to borrow its estimate.
MIN_TYPE = 60
#: Pseudo-events pulling a source's bias toward its type's (and a type's toward zero).
PRIOR_EVENTS = 3.0
#: Pseudo-events pulling a source's variance toward its type's.
PRIOR_SPREAD_N = 2.0
#: The smallest spread on log values (half a percent): a source that always agrees is not infinitely sure.
FLOOR = 0.005
#: The initial spread (10 %), before anything is learned.
START = 0.10
#: Sources with their own estimate needed before the anchor is their biases' mode rather than median.
MODE_MIN = 10
#: A source with this many point figures, this share of them round, is read as rounding.
ROUND_MIN = 5
ROUND_SHARE = 0.8
#: 95 % two-sided normal quantile, for the intervals.
Z = 1.959964
MAX_ITER = 25
TOL = 1e-6
#: Claims in shared events above which the sources are learned from a regular sample of the events.
LEARN_ROWS = 150_000
#: Iterations during which the anchor's sources are chosen afresh (see ``_anchor``).
ANCHOR_SETTLE = 10

#: Why an event has no learned value (``Fit.reason``).
LEARNED, THIN, NON_POSITIVE, NO_NUMBER = 0, 1, 2, 3


@dataclass
class Fit:
    """What the learning found: per group, per claim row, per source and per source type."""

    value: np.ndarray  # per group: the truth (nan where not learned)
    low: np.ndarray
    high: np.ndarray
    reason: np.ndarray  # per group: LEARNED, THIN, NON_POSITIVE or NO_NUMBER
    share: np.ndarray  # per row: its weight's share of its group's
    src_bias: np.ndarray  # per source (log)
    src_bias_se: np.ndarray
    src_spread: np.ndarray  # per source (log sigma): its noise, and the width of its ranges and rounded figures
    src_n: np.ndarray  # shared events per source
    src_basis: np.ndarray  # per source: 0 its own, 1 its type's, 2 too little evidence
    anchor: float
    iterations: int
    src_step: np.ndarray  # per source: the rounding step it is read as using (0: none)


def chi2_low(k: np.ndarray, z: float = -1.959964) -> np.ndarray:
    """The lower 2.5 % quantile of chi-squared with ``k`` degrees of freedom (Wilson and Hilferty, 1931).

    CATD weights a source by its variance's upper confidence bound,
    sum of squares / chi2_low(k); the cube-root approximation is within a
    few percent for k >= 2 and needs no scipy.

    >>> [round(float(x), 2) for x in chi2_low(np.array([10.0, 30.0]))]  # exact: 3.25, 16.79
    [3.22, 16.78]
    """
    k = np.asarray(k, dtype=float)
    c = 2.0 / (9.0 * k)
    return np.maximum(k * (1.0 - c + z * np.sqrt(c)) ** 3, 0.05 * k)


def _anchor(bias: np.ndarray, n: np.ndarray) -> np.ndarray | None:
    """The sources whose biases are taken as zero on average: the half-sample mode's cluster.

    The largest cluster of sources that agree with one another is taken to
    be unbiased (Bickel and Fruehwirth, "On a fast, robust estimator of the
    mode", Computational Statistics and Data Analysis 50, 2006): a third of
    the sources inflating by 10-50 % moves it little, where it would move a
    median. Returns a mask of the sources in the final half-sample, or None
    with fewer than ``MODE_MIN`` sources with their own estimate (a mode is
    then a guess, and the caller takes the median weighted by shared events).
    """
    idx = np.nonzero(n >= MIN_SHARED)[0]
    if idx.size < MODE_MIN:
        return None
    idx = idx[np.argsort(bias[idx], kind="stable")]
    while idx.size > 3:
        h = (idx.size + 1) // 2
        x = bias[idx]
        i = int(np.argmin(x[h - 1:] - x[:idx.size - h + 1]))
        idx = idx[i:i + h]
    x = bias[idx]
    if idx.size == 3:
        idx = idx[:2] if x[1] - x[0] <= x[2] - x[1] else idx[1:]
    mask = np.zeros(bias.size, dtype=bool)
    mask[idx] = True
    return mask


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    keep = w > 0
    if not keep.any():
        return 0.0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, cw[-1] / 2.0)])


def fit(g: np.ndarray, s: np.ndarray, ty: np.ndarray, low: np.ndarray, high: np.ndarray, mid: np.ndarray,
        n_groups: int, n_sources: int, n_types: int) -> Fit:
    """Learn truths, biases and spreads.

    One row per independent claim: ``g`` its group (0..n_groups-1), ``s``
    its source (0..n_sources-1), ``ty`` its source type, ``low`` and
    ``high`` its interval (nan for an open end), ``mid`` its middle value.

    Three sources tell 40 events; the third overstates by 30 %:

    >>> rng = np.random.default_rng(1)
    >>> g, s = np.repeat(np.arange(40), 3), np.tile([0, 1, 2], 40)
    >>> truth = 50 * np.exp(rng.normal(0, 1, 40))
    >>> mid = truth[g] * np.array([1.0, 1.0, 1.3])[s] * np.exp(rng.normal(0, .02, 120))
    >>> f = fit(g, s, np.zeros(120, dtype=int), mid, mid, mid, 40, 3, 1)
    >>> [round(float(b)) for b in np.expm1(f.src_bias) * 100]  # bias_pct
    [0, -1, 29]
    >>> float(np.mean((f.low <= truth) & (truth <= f.high)))  # truths inside their 95 % interval
    1.0
    """
    G, S, T = n_groups, n_sources, max(n_types, 1)
    value = np.full(G, np.nan)
    reason = np.full(G, NO_NUMBER, dtype=np.int64)
    share = np.full(g.size, np.nan)
    empty_src = np.full(S, np.nan)
    positive = (mid > 0) & ~(low <= 0)
    bad_group = np.bincount(g[~positive], minlength=G) > 0
    has_row = np.bincount(g, minlength=G) > 0
    reason[has_row] = LEARNED
    reason[bad_group] = NON_POSITIVE
    use = ~bad_group[g]
    g, s, ty, share_idx = g[use], s[use], ty[use], np.nonzero(use)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        L = np.where(np.isnan(low[use]), -np.inf, np.log(low[use]))
        H = np.where(np.isnan(high[use]), np.inf, np.log(high[use]))
        m = np.log(mid[use])
    if g.size == 0:
        return Fit(value, value.copy(), value.copy(), reason, share, empty_src, empty_src, empty_src,
                   np.zeros(S, dtype=np.int64), np.full(S, 2), 0.0, 0, np.zeros(S))

    # shared evidence: rows in groups told by two or more independent sources
    n_g = np.bincount(g, minlength=G)
    shared = n_g[g] >= 2
    src_type = np.zeros(S, dtype=np.int64)
    src_type[s] = ty
    n_events = np.bincount(s[shared], minlength=S)
    # a large ledger's sources are learned from every k-th shared event (about LEARN_ROWS claims);
    # every event's truth then uses every claim
    stride = max(1, -(-int(shared.sum()) // LEARN_ROWS))
    learn_rows = shared & (g % stride == 0)
    n_s = np.bincount(s[learn_rows], minlength=S)
    n_t = np.bincount(ty[learn_rows], minlength=T)
    L, H, src_step = _rounding_intervals(s, L, H, mid[use], S)

    # start: the median of a group's closed claims (a bound's end is a poor middle), where it
    # matters: in the events learned from and in those with a range or a bound; elsewhere the
    # first pass of weights gives the answer from any start
    closed = np.isfinite(L) & np.isfinite(H)
    point = closed & (L == H)
    interval_group = np.bincount(g[shared & ~point], minlength=G) > 0
    t = m[np.searchsorted(g, np.arange(G)).clip(0, g.size - 1)]  # g is sorted: each group's first claim
    start = np.nonzero(learn_rows | (shared & interval_group[g]))[0]
    med = _group_median(g[start], np.where(closed[start], m[start], np.nan), G)
    med = np.where(np.isnan(med), _group_median(g[start], m[start], G), med)
    t = np.where(np.isnan(med), t, med)
    b = np.zeros(S)
    var = np.full(S, START ** 2)
    var_w = var.copy()
    # the iteration runs over the (sampled) shared events only, numbered 0..Gs-1
    sh = np.nonzero(learn_rows)[0]
    groups, gs = np.unique(g[sh], return_inverse=True)
    Gs = groups.size
    ss, ts, Ls, Hs = s[sh], ty[sh], L[sh], H[sh]
    ts_t = t[groups]
    members, anchor = None, 0.0
    v_s = np.zeros(S)
    iterations = 0
    for iterations in range(1, MAX_ITER + 1 if Gs else 1):
        w = 1.0 / var_w[ss]
        o = np.clip(ts_t[gs] + b[ss], Ls, Hs)  # the point of each claim's interval nearest the prediction
        x = o - b[ss]  # the claim, corrected for its source's bias
        W = np.bincount(gs, w, minlength=Gs)
        new_t = np.bincount(gs, w * x, minlength=Gs) / W
        # each claim against the truth the other claims of its event give (leave one out);
        # that truth has its own variance v, so a residual next to noisy sources counts less
        Wm = W[gs] - w
        e = o - (W[gs] * new_t[gs] - w * x) / Wm
        # (the weights are CATD's conservative ones, so the variance is sum w^2 var / (sum w)^2, not 1 / sum w)
        wv = w * w * var[ss]
        v = np.maximum(np.bincount(gs, wv, minlength=Gs)[gs] - wv, 0.0) / (Wm * Wm)
        # biases: precision-weighted mean residuals; a type's shrunk to zero, a source's to its type's
        a = 1.0 / (var[ss] + v)
        a_t = np.bincount(ts, a, minlength=T)
        den_t = a_t + PRIOR_EVENTS * _mean(a_t, n_t)
        b_type = np.bincount(ts, a * e, minlength=T) / np.where(den_t > 0, den_t, 1.0)
        a_s = np.bincount(ss, a, minlength=S)
        prior = PRIOR_EVENTS * np.where(n_s > 0, _mean(a_s, n_s), 1.0 / var)
        b_raw = (np.bincount(ss, a * e, minlength=S) + prior * b_type[src_type]) / (a_s + prior)
        # the anchor's sources are chosen while the estimates settle, then kept, so that the
        # iteration converges (a mode jumps between clusters; a mean over fixed sources does not)
        if iterations <= ANCHOR_SETTLE:
            members = _anchor(b_raw, n_s)
        anchor = (float(np.average(b_raw[members], weights=n_s[members])) if members is not None
                  else _weighted_median(b_raw, n_s.astype(float)))
        b = b_raw - anchor
        # spreads: one Fisher-scoring step of the residuals' variance, less the other claims' own
        # uncertainty, each residual weighted by its precision squared; pulled toward the type's
        d2 = (e - b_raw[ss]) ** 2 - v
        # (a type pools sources of different spreads: its residuals count alike)
        glob = max(FLOOR ** 2, float(d2.mean()))
        var_t = np.maximum(FLOOR ** 2, (np.bincount(ts, d2, minlength=T) + PRIOR_SPREAD_N * glob)
                           / (n_t + PRIOR_SPREAD_N))
        q = a * a
        q_s = np.bincount(ss, q, minlength=S)
        p_s = PRIOR_SPREAD_N * np.where(n_s > 0, _mean(q_s, n_s), 1.0 / var_t[src_type] ** 2)
        new_var = np.maximum(FLOOR ** 2, (np.bincount(ss, q * d2, minlength=S) + p_s * var_t[src_type])
                             / (q_s + p_s))
        # damped (a geometric mean with the last): the weighted step can otherwise swing between two values
        var = np.sqrt(var * new_var)
        # CATD: weight by the upper 95 % bound of the variance, so that a source seen twice
        # is not trusted as one seen fifty times
        k = n_s + PRIOR_SPREAD_N
        var_w = var * k / chi2_low(k)
        v_s = _mean(np.bincount(ss, v, minlength=S), n_s)
        moved = float(np.mean(np.abs(new_t - ts_t)))
        ts_t = new_t
        if moved < TOL:
            break
    t[groups] = ts_t
    # every shared event's truth, with the learned biases and weights: one pass, then more
    # only for the events with a range or a bound (a point claim does not move with the truth)
    for rows_now, passes in ((shared, 1), (shared & interval_group[g], MAX_ITER)):
        at = np.nonzero(rows_now)[0]
        groups, gs = np.unique(g[at], return_inverse=True)
        ss, Ls, Hs = s[at], L[at], H[at]
        w = 1.0 / var_w[ss]
        W = np.bincount(gs, w, minlength=groups.size)
        ts_t = t[groups]
        for _ in range(passes if groups.size else 0):
            new_t = np.bincount(gs, w * (np.clip(ts_t[gs] + b[ss], Ls, Hs) - b[ss]), minlength=groups.size) / W
            moved = float(np.mean(np.abs(new_t - ts_t)))
            ts_t = new_t
            if moved < TOL:
                break
        t[groups] = ts_t
    # an event told by one independent source: its claim, corrected for the source's bias
    alone = ~shared
    t[g[alone]] = np.clip(t[g[alone]] + b[s[alone]], L[alone], H[alone]) - b[s[alone]]

    # the interval: the weighted claims' spreads, their biases' uncertainty and, for a
    # range, its width; a bound the truth lies well inside says nothing about where
    # a spread learned from n residuals is itself uncertain, most for a careful source among
    # noisier ones (its residuals are mostly theirs): the intervals add one standard error of it
    var_i = var + (var + v_s) * np.sqrt(2.0 / (n_s + PRIOR_SPREAD_N))
    var_b = var_i / (n_s + PRIOR_EVENTS)
    w = 1.0 / var_w[s]
    pred = t[g] + b[s]
    finite = np.isfinite(L) & np.isfinite(H)
    active = finite | (pred <= L) | (pred >= H)
    width2 = np.where(finite, (H - L) ** 2 / 12.0, 0.0)
    wa = np.where(active, w, 0.0)
    W = np.bincount(g, wa, minlength=G)
    V = np.bincount(g, wa * wa * (var_i[s] + var_b[s] + width2), minlength=G) / np.where(W > 0, W, 1) ** 2
    # where an event's claims disagree more than their spreads allow, widen by the Birge ratio
    # (Birge, Physical Review 40, 1932): the chi-squared of the corrected claims per degree of freedom
    tau = var_i[s] + var_b[s] + width2
    x = np.clip(pred, L, H) - b[s]
    Q = np.bincount(g, np.where(active, (x - t[g]) ** 2 / tau, 0.0), minlength=G)
    k = np.bincount(g, active.astype(float), minlength=G)
    birge = np.where(k > 1, np.maximum(1.0, Q / np.maximum(k - 1, 1)), 1.0)
    # the anchor is itself estimated, and its error moves every truth alike: the variance of a
    # mean over its sources' biases (of a median, pi/2 times that of the mean)
    pool = members if members is not None else (n_s >= MIN_SHARED)
    if np.any(pool & (n_s > 0)):
        nw = np.where(pool, n_s, 0).astype(float)
        var_anchor = float(np.sum(nw ** 2 * var_b) / nw.sum() ** 2) * (1.0 if members is not None else np.pi / 2)
    else:
        var_anchor = 0.0
    sd = np.sqrt(V * birge + var_anchor)
    W = np.bincount(g, w, minlength=G)
    # a source's spread as reported: its noise and the width of its ranges and rounded figures
    n_rows = np.bincount(s, minlength=S)
    spread = np.sqrt(var + _mean(np.bincount(s, width2, minlength=S), n_rows))
    learned_src = (n_s >= MIN_SHARED) | (n_t[src_type] >= MIN_TYPE)
    seen = np.bincount(s, minlength=S) > 0
    basis = np.where(n_s >= MIN_SHARED, 0, np.where(n_t[src_type] >= MIN_TYPE, 1, 2))
    basis = np.where(seen, basis, 2)
    # an event is learned when every source of it has an estimate, one at least its own
    own = np.bincount(g[n_s[s] >= MIN_SHARED], minlength=G) > 0
    thin = (np.bincount(g[~learned_src[s]], minlength=G) > 0) | ~own
    ok = has_row & ~bad_group & ~thin
    reason[has_row & ~bad_group & thin] = THIN
    value = np.where(ok, np.exp(t), np.nan)
    low_out = np.where(ok, np.exp(t - Z * sd), np.nan)
    high_out = np.where(ok, np.exp(t + Z * sd), np.nan)
    share[share_idx] = w / W[g]
    return Fit(value, low_out, high_out, reason, share,
               np.where(basis < 2, b, np.nan), np.where(basis < 2, np.sqrt(var_b), np.nan),
               np.where(basis < 2, spread, np.nan), n_events, basis, anchor, iterations, src_step)


def _mean(total: np.ndarray, n: np.ndarray) -> np.ndarray:
    """total / n, and 0 where n is 0."""
    return np.where(n > 0, total / np.maximum(n, 1), 0.0)


def _rounding_intervals(s: np.ndarray, L: np.ndarray, H: np.ndarray, mid: np.ndarray, n_sources: int):
    """A source that rounds writes intervals: its round figures widened to the rounding step.

    A source with at least ``ROUND_MIN`` point figures of which ``ROUND_SHARE``
    or more are multiples of 10 (else of 5) is read as rounding to that step;
    its figure 40 is then the interval 35-45 (or 37.5-42.5), the values that
    round to it.
    """
    point = np.isfinite(L) & (L == H)
    n_point = np.bincount(s[point], minlength=n_sources)
    step = np.zeros(n_sources)
    for unit in (5.0, 10.0):
        hits = np.bincount(s[point & (np.mod(mid, unit) == 0)], minlength=n_sources)
        step = np.where((n_point >= ROUND_MIN) & (hits >= ROUND_SHARE * n_point), unit, step)
    half = step[s] / 2.0
    widen = point & (half > 0) & (mid > half)
    with np.errstate(divide="ignore", invalid="ignore"):
        L = np.where(widen, np.log(mid - half), L)
        H = np.where(widen, np.log(mid + half), H)
    return L, H, step


def _group_median(g: np.ndarray, x: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the median of ``x`` ignoring nan (nan where a group has none)."""
    keep = ~np.isnan(x)
    gk, xk = g[keep], x[keep]
    out = np.full(n_groups, np.nan)
    if gk.size == 0:
        return out
    # one float key sorts by group, then value (log values lie well within +-32)
    order = np.argsort(gk * 128.0 + np.clip(xk, -60.0, 60.0), kind="stable")
    gk, xk = gk[order], xk[order]
    counts = np.bincount(gk, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    lo = starts + (counts - 1) // 2
    hi = starts + counts // 2
    out[has] = (xk[lo[has]] + xk[hi[has]]) / 2.0
    return out


# ---------------------------------------------------------------------------
# from the reconciliation's frames, and back to tables
# ---------------------------------------------------------------------------

#: What ``Fit.reason`` means, in the words of an explanation.
REASONS = {
    THIN: f"too little shared evidence: none of its sources is in {MIN_SHARED} events told by other sources, "
          f"or one of them is in fewer and its source type has fewer than {MIN_TYPE} claims in such events",
    NON_POSITIVE: "a value at or below zero has no log",
}
BASES = ("source", "source type", "too little evidence")


@dataclass
class Learned:
    """A :class:`Fit` with the frames that name its rows and sources."""

    fit: Fit
    rows: "pl.DataFrame"  # the independent claims used: group, _order, claim_id, source_id, _s
    sources: "pl.DataFrame"  # _s -> source_id, source_type


def learn(rows: "pl.DataFrame", sources: "pl.DataFrame", n_groups: int, gid: str = "_gid") -> Learned:
    """Fit over ``rows`` (one independent claim per row: ``gid``, _order, value_low, value_high,
    value_mid, _src) with ``sources`` (_src, source_id, source_type: one row per source)."""
    import polars as pl

    # every source numbered, whether or not a claim of it has a number (a ledger of vague figures has none)
    n_src = int(max(rows["_src"].max() or 0, sources["_src"].max() or 0)) + 1
    # _src is 1-based (its rank in sources.csv); a source sources.csv lacks is number 0
    rows = rows.with_columns(pl.col("_src").fill_null(0).cast(pl.Int64).alias("_s"))
    sources = sources.with_columns(pl.col("_src").fill_null(0).cast(pl.Int64).alias("_s"),
                                   (pl.col("source_type").fill_null("").rank("dense") - 1).cast(pl.Int64).alias("_ty"))
    type_of = np.zeros(max(n_src, 1), dtype=np.int64)
    type_of[sources["_s"].to_numpy()] = sources["_ty"].to_numpy()
    s_idx = rows["_s"].to_numpy()
    arr = lambda name: rows[name].cast(pl.Float64).to_numpy()  # noqa: E731
    n_types = int(sources["_ty"].max()) + 1 if sources.height else 0
    f = fit(rows[gid].to_numpy(), s_idx, type_of[s_idx], arr("value_low"), arr("value_high"), arr("value_mid"),
            n_groups, n_src, n_types)
    return Learned(f, rows.select(gid, "_order", "_s").with_columns(pl.Series("_share", f.share)),
                   sources.select("_s", "source_id", "source_type"))


def _pct(expr):
    """A log bias or spread as a signed percent, rounded to 0.1."""
    import polars as pl

    return (expr.exp() - 1).mul(100).round(1)


def learned_how(learned: Learned, gids: "pl.DataFrame", claims: "pl.DataFrame", gid: str = "_gid") -> "pl.DataFrame":
    """Per learned group in ``gids``: gid, value and how (each claim's bias, spread and weight; the interval).

    ``claims`` is the grouped frame the rows' ``_order`` points into (for the claim ids).
    """
    import polars as pl

    f = learned.fit
    n = len(f.src_bias)
    src = pl.DataFrame({"_s": np.arange(n), "_b": f.src_bias, "_sd": f.src_spread, "_n": f.src_n}).with_columns(
        pl.col("_b").fill_nan(None), pl.col("_sd").fill_nan(None))
    src = src.join(learned.sources.select("_s", "source_id"), on="_s", how="left").select(
        "_s", pl.format("{}: bias {}%, spread {}%, {} shared events", "source_id",
                        pl.when(pl.col("_b") >= 0).then(pl.format("+{}", _pct(pl.col("_b"))))
                        .otherwise(_pct(pl.col("_b")).cast(pl.String)),
                        _pct(pl.col("_sd")), "_n").alias("_src_text"))
    rows = learned.rows.join(gids.select(gid), on=gid, how="semi")
    # rows are in group order: a list per group, joined afterwards (str.join inside a group is slower)
    per_claim = (rows.with_columns(claims["claim_id"].gather(rows["_order"]))
                 .join(src, on="_s", how="left", maintain_order="left")
                 .select(pl.col(gid).set_sorted(), pl.format("{} ({}; weight {}%)", "claim_id", "_src_text",
                                                             pl.col("_share").mul(100).round(0).cast(pl.Int64))
                         .alias("_c"))
                 .group_by(gid, maintain_order=True).agg(pl.col("_c"), pl.len().alias("_k"))
                 .with_columns(pl.col("_c").list.join("; ")))
    at = gids[gid].to_numpy()
    g = gids.select(gid).with_columns(pl.Series("value", f.value[at]), pl.Series("_lo", f.low[at]).round_sig_figs(4),
                                      pl.Series("_hi", f.high[at]).round_sig_figs(4))
    return g.join(per_claim, on=gid, how="left", maintain_order="left").select(
        gid, "value", pl.format("weighted mean on log values of {} independent claim(s), each corrected for its "
                                "source's learned bias: {}; 95% interval {} to {}", "_k", "_c", "_lo", "_hi")
        .alias("how"))


def source_table(learned: Learned | None, sources: "pl.DataFrame") -> "pl.DataFrame":
    """source_reliability.csv: every source of ``sources.csv`` with what the ledger says of its bias and spread."""
    import polars as pl

    base = sources.select("source_id", "source_type", pl.col("trust_rank").cast(pl.Int64))
    if learned is None or learned.sources.height == 0:
        est = pl.DataFrame(schema={"source_id": pl.String, "n_claims": pl.Int64, "n_events": pl.Int64,
                                   "bias_pct": pl.Float64, "bias_low_pct": pl.Float64, "bias_high_pct": pl.Float64,
                                   "spread_pct": pl.Float64, "rounds_to": pl.Float64, "basis": pl.String})
    else:
        f = learned.fit
        n = len(f.src_bias)
        counts = learned.rows.group_by("_s").agg(pl.len().cast(pl.Int64).alias("n_claims"))
        est = (pl.DataFrame({"_s": pl.int_range(n, eager=True), "_b": f.src_bias, "_se": f.src_bias_se,
                             "_sd": f.src_spread, "n_events": f.src_n.astype("int64"), "_step": f.src_step,
                             "basis": pl.Series(BASES).gather(f.src_basis)})
               .join(learned.sources, on="_s", how="left").join(counts, on="_s", how="left")
               .select("source_id", pl.col("n_claims").fill_null(0), "n_events",
                       _pct(pl.col("_b")).alias("bias_pct"), _pct(pl.col("_b") - Z * pl.col("_se")).alias("bias_low_pct"),
                       _pct(pl.col("_b") + Z * pl.col("_se")).alias("bias_high_pct"), _pct(pl.col("_sd")).alias("spread_pct"),
                       pl.when(pl.col("_step") > 0).then(pl.col("_step")).alias("rounds_to"), "basis"))
    est = est.with_columns(pl.col(pl.Float64).fill_nan(None))
    return base.join(est, on="source_id", how="left").with_columns(
        pl.col("n_claims").fill_null(0), pl.col("n_events").fill_null(0),
        pl.col("basis").fill_null(BASES[2])).sort("source_id")
