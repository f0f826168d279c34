"""Write a synthetic ledger whose true values are known, for the accuracy benchmark.

    python benchmarks/truthgen.py --out /tmp/truth --sources 60 --per-event 4 --per-source 30 --scenario inflate

writes ``OUT/claims.csv`` and ``OUT/sources.csv`` (a ledger prodkit reads as
it reads any other), and beside them the answers a reader of the ledger never
sees: ``OUT/truth.csv`` (the true value of every event) and
``OUT/source_truth.csv`` (each source's error model, the trust rank it
deserves and the one it was given, and its measured error against the truth)
and ``OUT/claim_truth.csv`` (each claim's figure before it was written as a
range or a bound).

``generate.py`` makes ledgers shaped like the bundled one, for timing; this
sibling makes ledgers whose errors are known, for judging. Every event is one
fact (``coal_hewn``, ``total``, tonnes per year) told by ``--per-event``
different sources; each source tells about ``--per-source`` events. The true
values are lognormal (median 80 t, from about 10 to about 600 t), so rounding
to 5 or 10 matters at the low end, as it does for shift records.

The sources' error models:

- ``honest``: unbiased noise, relative sigma 1 %, 2 %, 5 % or 15 %;
- ``inflate``: a propaganda source overstating by 10-50 % (its own factor),
  with 5 % noise: a quarter of the sources in scenario ``inflate``, 40 % in
  ``heavy``, none in ``honest``;
- ``round``: the true value rounded to the nearest 5 or 10;
- ``copy``: repeats another source's figure for the same event, verbatim,
  whether or not that source's claim is in the ledger; half declare it
  (``derived_from``), half do not.

Trust ranks: each source deserves a rank 1-5 by its true error (quintiles);
20 % are given a wrong rank (drawn at random; an inflating source among them
gets rank 1), and 15 % carry no considered rank: ``sources.csv`` requires one,
so they get the placeholder 3 with the note "not ranked".

Some figures are written as ranges (``92-102``: the source's figure +-5 %) or
one-sided bounds (``over 90``: 90 % of it), as sources write them, so that a
strategy must read intervals.

Everything is drawn from ``default_rng(seed)``: the same options give the same
files on any machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

SCENARIOS = ("inflate", "heavy", "honest")
TYPES = ["archival", "contemporary_press", "official_speech", "memoir", "later_soviet", "scholarship"]
#: the source type each error model usually has (70 %), the rest drawn at random
TYPICAL = {"honest": "archival", "inflate": "contemporary_press", "round": "official_speech",
           "copy": "later_soviet"}
#: the share of sources with each model, per scenario
MODELS = {
    "inflate": {"honest": .45, "inflate": .25, "round": .15, "copy": .15},
    "heavy": {"honest": .30, "inflate": .40, "round": .15, "copy": .15},
    "honest": {"honest": .70, "inflate": 0.0, "round": .15, "copy": .15},
}
NOISES = [.01, .02, .05, .15]


def make(n_sources: int, per_event: int, per_source: int, scenario: str, seed: int) -> dict[str, pl.DataFrame]:
    """The ledger and its answers as frames: claims, sources, truth, source_truth."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {SCENARIOS}")
    if per_event > n_sources:
        raise ValueError("--per-event cannot exceed --sources")
    rng = np.random.default_rng(seed)
    S = n_sources
    E = max(1, round(S * per_source / per_event))
    shares = MODELS[scenario]
    names = list(shares)
    model = np.array(names)[np.searchsorted(np.cumsum([shares[m] for m in names]), rng.random(S) * .999999,
                                            side="right")]
    model[0] = "honest"  # the first source is never a copy: copies need an original
    noise = np.array(NOISES)[rng.integers(0, len(NOISES), S)]
    noise = np.where(model == "inflate", .05, np.where(model == "honest", noise, 0.0))
    inflation = np.where(model == "inflate", rng.uniform(.10, .50, S), 0.0)
    step = np.where(model == "round", rng.choice([5.0, 10.0], S), 0.0)
    # a copy retells an earlier non-copy source (no chains, no cycles)
    original = np.full(S, -1)
    for s in np.nonzero(model == "copy")[0]:
        candidates = np.nonzero(model[:s] != "copy")[0]
        if candidates.size == 0:
            model[s] = "honest"
            noise[s] = .05
            continue
        original[s] = rng.choice(candidates)
    declared = (model == "copy") & (rng.random(S) < .5)
    stype = np.where(rng.random(S) < .7, np.vectorize(TYPICAL.get)(model), np.array(TYPES)[rng.integers(0, 6, S)])

    truth = 80 * np.exp(rng.normal(0, .8, E))
    # what each source would say about each event (E x S): copies take their original's column
    latent = truth[:, None] * (1 + inflation)[None, :] * np.exp(rng.normal(0, 1, (E, S)) * noise[None, :])
    latent = np.where(step[None, :] > 0, np.maximum(np.round(latent / np.maximum(step, 1)[None, :]), 1)
                      * step[None, :], latent)
    form = rng.random((E, S))  # < .08 range, < .12 bound ("over"), else a point
    for s in np.nonzero(model == "copy")[0]:
        latent[:, s] = latent[:, original[s]]
        form[:, s] = form[:, original[s]]

    # which sources tell each event: per_event distinct ones, chosen at random
    tellers = np.argpartition(rng.random((E, S)), per_event - 1, axis=1)[:, :per_event]
    e_idx = np.repeat(np.arange(E), per_event)
    s_idx = tellers.ravel()
    y = latent[e_idx, s_idx]
    f = form[e_idx, s_idx]
    is_round = step[s_idx] > 0
    point = np.where(is_round, np.round(y).astype(np.int64).astype(str), np.char.mod("%.1f", y))
    lo = np.floor(y * .95).astype(np.int64).astype(str)
    hi = np.ceil(y * 1.05).astype(np.int64).astype(str)
    over = np.floor(y * .9).astype(np.int64).astype(str)
    value = np.where(f < .08, np.char.add(np.char.add(lo, "-"), hi),
                     np.where(f < .12, np.char.add("over ", over), point))

    width = len(str(E))
    sid = np.array([f"src-{i:03d}" for i in range(S)])
    eid = np.array([f"ev-{i:0{width}d}" for i in range(E)])
    claims = pl.DataFrame({
        "claim_id": [f"t{i:07d}" for i in range(e_idx.size)], "event_id": eid[e_idx],
        "subject": "Mine " + pl.Series(eid[e_idx]).str.slice(3), "sector": "coal", "measure": "coal_hewn",
        "statistic": "total", "value": value, "unit": "tons", "basis": "per year", "date": "1936",
        "place": "Donbass", "source_id": sid[s_idx], "locator": "p. 1", "quote": None, "note": None,
    })

    # the true error of each source, measured on its point figures, and the rank it deserves
    log_err = np.log(y / truth[e_idx])
    err = pl.DataFrame({"s": s_idx, "e": log_err}).group_by("s").agg(
        (pl.col("e") ** 2).mean().sqrt().alias("rms"), pl.col("e").mean().alias("mean"), pl.len().alias("n"))
    rms = np.full(S, np.nan)
    rms[err["s"].to_numpy()] = err["rms"].to_numpy()
    bias = np.full(S, np.nan)
    bias[err["s"].to_numpy()] = err["mean"].to_numpy()
    n_ev = np.zeros(S, dtype=np.int64)
    n_ev[err["s"].to_numpy()] = err["n"].to_numpy()
    order = np.argsort(np.argsort(np.nan_to_num(rms, nan=9.0), kind="stable"), kind="stable")
    deserved = 1 + (order * 5) // S
    u = rng.random(S)
    wrong, missing = u < .20, (u >= .20) & (u < .35)
    given = np.where(wrong, rng.integers(1, 6, S), deserved)
    given = np.where(wrong & (model == "inflate"), 1, given)
    given = np.where(missing, 3, given)
    note = np.where(missing, "not ranked", np.where(wrong, "ranked by reputation", "ranked on its record"))
    sources = pl.DataFrame({
        "source_id": sid, "citation": [f"Synthetic source {i}." for i in range(S)], "source_type": stype,
        "year": "1936", "trust_rank": given.astype(str), "trust_note": note,
        "derived_from": pl.Series([sid[o] if d else None for o, d in zip(original, declared)], dtype=pl.String),
    })
    truth_f = pl.DataFrame({"event_id": eid, "measure": "coal_hewn", "statistic": "total", "true_value": truth,
                            "unit": "t"})
    source_truth = pl.DataFrame({
        "source_id": sid, "model": model, "noise": noise, "inflation_pct": inflation * 100, "round_to": step,
        "copies": pl.Series([sid[o] if o >= 0 else None for o in original], dtype=pl.String), "declared": declared,
        "deserved_rank": deserved, "given_rank": given, "rank_note": note, "n_events": n_ev,
        "true_bias_pct": (np.exp(bias) - 1) * 100, "true_rms_log_error": rms,
    })
    claim_truth = pl.DataFrame({"claim_id": claims["claim_id"], "event_id": claims["event_id"],
                                "source_id": claims["source_id"], "stated": y})
    return {"claims": claims, "sources": sources, "truth": truth_f, "source_truth": source_truth,
            "claim_truth": claim_truth}


def write(out: Path, frames: dict[str, pl.DataFrame]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "prodkit.toml").write_text('decimal_mark = "."\n', encoding="utf-8")
    for name in ("claims", "sources"):
        frames[name].write_csv(out / f"{name}.csv", line_terminator="\n", null_value="")
    for name in ("truth", "source_truth", "claim_truth"):  # the answers: beside the ledger, never read by prodkit
        frames[name].write_csv(out / f"{name}.csv", line_terminator="\n", null_value="", float_precision=6)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--sources", type=int, default=60)
    ap.add_argument("--per-event", type=int, default=4, help="sources telling each event")
    ap.add_argument("--per-source", type=int, default=30, help="events each source tells (on average)")
    ap.add_argument("--scenario", choices=SCENARIOS, default="inflate")
    ap.add_argument("--seed", type=int, default=1935)
    args = ap.parse_args(argv)
    frames = make(args.sources, args.per_event, args.per_source, args.scenario, args.seed)
    write(args.out, frames)
    print(f"wrote {frames['claims'].height:,} claims about {frames['truth'].height:,} events from "
          f"{args.sources} sources to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
