"""`prodkit explain EVENT_ID`: one event as a historian wants to read it."""

from __future__ import annotations

import textwrap

import polars as pl

from . import strategies
from .errors import UsageError
from .suggest import nearest


def _fmt(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"
    return str(x)


def _span(lo, hi) -> str:
    if lo is None and hi is None:
        return "no number"
    if lo is None:
        return f"up to {_fmt(hi)}"
    if hi is None:
        return f"{_fmt(lo)} or more"
    return _fmt(lo) if lo == hi else f"{_fmt(lo)}-{_fmt(hi)}"


def explain_event(event_id: str, ledger, tables: dict, problems: list, *, strategy: str) -> str:
    """The text of ``prodkit explain``: the event's claims, sources, decision, ratios and checks."""
    claims = tables["claims"].filter(pl.col("event_id") == event_id)
    if claims.height == 0:
        events = sorted(set(tables["claims"]["event_id"].to_list()))
        near = nearest(event_id, events)
        hint = f"Did you mean '{near}'? " if near else ""
        raise UsageError(f"no claim has event_id '{event_id}'",
                         hint=hint + "The event ids are in data/clean/reconciled.csv (column event_id).")
    sources = ledger.sources.select("source_id", "citation", "source_type", "year", "trust_rank", "trust_note",
                                    "derived_from")
    claims = claims.join(sources, on="source_id", how="left")
    rec = tables["reconciled"].filter(pl.col("event_id") == event_id)
    nvr = tables["norms_vs_records"].filter(pl.col("event_id") == event_id)
    sens = tables["sensitivity"].filter(pl.col("event_id") == event_id)
    raw = ledger.claims.filter(pl.col("event_id") == event_id)
    where = set(zip(raw["source_file"].to_list(), raw["source_line"].to_list()))
    problems = [p for p in problems if (p.file, p.line) in where]

    first = claims.row(0, named=True)
    out = [f"Event {event_id}: {first['subject'] or '(no subject)'}"
           f" — {first['sector'] or 'no sector'}, {first['place'] or 'no place given'}"]
    wrap = lambda text, indent="      ": textwrap.fill(text, 96, initial_indent=indent, subsequent_indent=indent)  # noqa: E731
    for group in rec.iter_rows(named=True):
        key = (group["measure"], group["statistic"])
        out.append("")
        out.append(f"{group['measure']} / {group['statistic']} ({group['n_claims']} claim(s), "
                   f"{group['n_sources']} independent source(s)): status {group['status'].upper()}")
        g = claims.filter((pl.col("measure") == key[0]) & (pl.col("statistic") == key[1])).sort("claim_id")
        for c in g.iter_rows(named=True):
            mark = "*" if c["claim_id"] == group["chosen_claim_id"] else " "
            derived = f", retells {c['derived_from']}" if c["derived_from"] else ""
            out.append(f"  {mark} {c['claim_id']}  {c['value']} {c['unit']}"
                       f"{(' ' + c['basis']) if c['basis'] else ''}  ->  "
                       f"{_span(c['value_low'], c['value_high'])} {c['unit_canonical'] or ''}"
                       f"{'  [' + c['flags'] + ']' if c['flags'] else ''}")
            out.append(wrap(f"source {c['source_id']} ({c['source_type']}, {c['year'] or 'no year'}, "
                            f"trust_rank {c['trust_rank']}{derived}); {c['locator'] or 'no locator'}"))
            if c["quote"]:
                out.append(wrap(f"\"{c['quote']}\""))
            if c["note"]:
                out.append(wrap(f"note: {c['note']}"))
        description = strategies.describe(strategy)
        value = "no single value" if group["value"] is None else f"{_fmt(group['value'])} {group['unit'] or ''}"
        out.append(f"  decision ({strategy}: {description}): {value}")
        out.append(wrap(f"why: {group['how']}", "    "))
        out.append(f"    span of all claims: {_span(group['value_low'], group['value_high'])} {group['unit'] or ''}"
                   + (f"; spread {group['spread_pct']:.1f}%" if group["spread_pct"] is not None else ""))
        s = sens.filter((pl.col("measure") == key[0]) & (pl.col("statistic") == key[1]))
        if s.height:
            row = s.row(0, named=True)
            # the learned estimate has its own line below, with its interval
            under = ", ".join(f"{s.name}={_fmt(row[s.column])}" for s in strategies.STRATEGIES
                              if s.name not in strategies.ESTIMATES)
            out.append(wrap(f"under each strategy: {under}"
                            + (" (the choice matters)" if row["depends_on_strategy"] else ""), "    "))
            out.extend(_learned_lines(row, g, tables.get("source_reliability"), group["unit"] or "", wrap))
    if nvr.height:
        out.append("")
        out.append("Norms against records:")
        for r in nvr.iter_rows(named=True):
            out.append(_nvr_line(r))
    checks = [p for p in problems if p.code not in ("value-vague",)]
    if checks:
        out.append("")
        out.append("Checks that fired:")
        for p in checks:
            out.append(f"  line {p.line} [{p.code}] {p.message}")
    return "\n".join(out)


def _learned_lines(row: dict, claims: pl.DataFrame, reliability: pl.DataFrame | None, unit: str, wrap) -> list[str]:
    """What learn-reliability learned of this group's sources, and its estimate with its interval."""
    if reliability is None or "learn_reliability" not in row:
        return []
    lo, hi = row.get("learn_reliability_low"), row.get("learn_reliability_high")
    if row["learn_reliability"] is None:
        head = "learn-reliability: no value"
    elif lo is None:
        head = (f"learn-reliability: {_fmt(row['learn_reliability'])} {unit}, fell back to trust-your-friends "
                "(too little shared evidence, or a value at or below zero)")
    else:
        head = f"learn-reliability: {_fmt(row['learn_reliability'])} {unit} (95% interval {_fmt(lo)} to {_fmt(hi)})"
    rel = reliability.join(claims.select("source_id").unique(), on="source_id", how="semi").sort("source_id")
    parts = []
    for r in rel.iter_rows(named=True):
        if r["bias_pct"] is None:
            parts.append(f"{r['source_id']}: too little evidence ({r['n_events']} shared events)")
            continue
        parts.append(f"{r['source_id']}: bias {r['bias_pct']:+.1f}% ({r['bias_low_pct']:+.1f} to {r['bias_high_pct']:+.1f}), "
                     f"spread {r['spread_pct']:.1f}%, from its {r['basis']} ({r['n_events']} shared events"
                     f"{'' if r['basis'] == 'source' else ' of its own'}), trust_rank {r['trust_rank']}")
    return [wrap(head + ("; learned of its sources: " + "; ".join(parts) if parts else ""), "    ")]


def _nvr_line(r: dict) -> str:
    """One row of norms_vs_records, as a sentence: the primary record, a record claim, or a stated ratio."""
    if r["pct_of_norm_low"] is None:
        pct = "no norm to compare with"
    elif r["pct_of_norm_low"] == r["pct_of_norm_high"]:
        pct = f"{r['pct_of_norm_low']:.0f}% of the norm"
    else:
        pct = f"{r['pct_of_norm_low']:.0f}-{r['pct_of_norm_high']:.0f}% of the norm"
    if r.get("direction") == "lower":
        pct += " (a time norm: norm / record)"
    kind = r.get("row_kind") or "claim"
    who = {"record": f"primary, reconciled record ({r['record_claim_id']})", "claim": r["record_claim_id"],
           "stated": f"{r.get('stated_claim_id')} (stated)"}[kind]
    line = (f"  {who}: record {_fmt(r['record_value'])} {r['unit']} against norm "
            f"{_span(r['norm_low'], r['norm_high'])} ({r['norm_event_id']}) = {pct}")
    if kind == "claim":
        return line
    if kind == "record" and r["consistent"] is None and not r["implied_norm"]:
        return line + "; no ratio stated"
    stated = []
    if r["stated_pct_of_norm"] is not None:
        stated.append(f"stated {r['stated_pct_of_norm']:g}%")
    if r["stated_multiple"] is not None:
        stated.append(f"stated {r['stated_multiple']:g} times")
    verdict = {True: "consistent", False: "INCONSISTENT", None: "nothing to compare"}[r["consistent"]]
    return (line + f"; {', '.join(stated) or 'stated ratios'}: {verdict}"
            + (f"; implied norm {_fmt(r['implied_norm'])} {r['unit']} (a hypothesis)" if r["implied_norm"] else ""))
