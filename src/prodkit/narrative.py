"""`prodkit explain EVENT_ID`: one event as a historian wants to read it, as text or as a JSON document.

The text keeps each note, quote and locator on one line (a terminal or a
pager wraps them; prodkit never breaks a word), shows numbers as a reader
writes them (``200,000``, ``0.006``, ``1,569``: never ``2e+05``), and lists
the event's rejected claims with the problems that rejected them.
"""

from __future__ import annotations

import math

import polars as pl

from . import strategies
from .errors import UsageError
from .suggest import nearest


def _fmt(x) -> str:
    """A number as a reader writes it: digit groups, at least four significant digits, never an exponent.

    >>> [_fmt(v) for v in (200000.0, 0.006, 1569.230769, 102.0, 6.5, 1e-9, None)]
    ['200,000', '0.006', '1,569', '102', '6.5', '0.000000001', '-']
    """
    if x is None:
        return "-"
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        if x == int(x) and abs(x) < 1e15:
            return f"{int(x):,}"
        decimals = max(0, 3 - math.floor(math.log10(abs(x))))
        return f"{x:,.{decimals}f}".rstrip("0").rstrip(".")
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
    # the claim's own year (of its date) gives way to its source's year of publication
    claims = claims.drop("date_low", "date_high", "year", strict=False).join(sources, on="source_id", how="left")
    rec = tables["reconciled"].filter(pl.col("event_id") == event_id)
    nvr = tables["norms_vs_records"].filter(pl.col("event_id") == event_id)
    sens = tables["sensitivity"].filter(pl.col("event_id") == event_id)
    raw = ledger.claims.filter(pl.col("event_id") == event_id)
    rejected = _rejected(ledger, event_id)
    where = set(zip(raw["source_file"].to_list(), raw["source_line"].to_list()))
    rejected_where = set(zip(rejected["source_file"].to_list(), rejected["source_line"].to_list()))
    rejected_problems = [p for p in problems if (p.file, p.line) in rejected_where]
    problems = [p for p in problems if (p.file, p.line) in where]

    first = claims.row(0, named=True)
    out = [f"Event {event_id}: {first['subject'] or '(no subject)'}"
           f" — {first['sector'] or 'no sector'}, {first['place'] or 'no place given'}"]
    wrap = lambda text, indent="      ": indent + " ".join(text.split())  # noqa: E731  (one line, never a word cut)
    for group in rec.iter_rows(named=True):
        key = (group["measure"], group["statistic"])
        out.append("")
        out.append(f"{group['measure']} / {group['statistic']} ({group['n_claims']} claim(s), "
                   f"{group['n_sources']} independent source(s)): status {group['status'].upper()}")
        g = claims.filter((pl.col("measure") == key[0]) & (pl.col("statistic") == key[1])).sort("claim_id")
        for c in g.iter_rows(named=True):
            mark = "*" if c["claim_id"] == group["chosen_claim_id"] else " "
            derived = f", retells {c['derived_from']}" if c["derived_from"] else ""
            out.append(f"  {mark} {c['claim_id']}  {c['value_as_written']} {c['unit']}"
                       f"{(' ' + c['basis']) if c['basis'] else ''}  ->  "
                       f"{_value(c['value_low'], c['value_high'], c['unit_canonical'])}"
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
    if rejected.height:
        out.append("")
        out.append(f"Rejected claims ({rejected.height}; not used, listed in problems.csv):")
        for r in rejected.iter_rows(named=True):
            out.append(f"  {r['claim_id'] or '(no claim_id)'}  {r['value'] or ''} {r['unit'] or ''}  "
                       f"({r['measure'] or 'no measure'} / {r['statistic'] or 'no statistic'}; "
                       f"source {r['source_id'] or '-'}; line {r['source_line']})")
            for p in rejected_problems:
                if p.line == r["source_line"]:
                    out.append(f"      [{p.code}] {p.message} Fix: {p.hint}")
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
    checked = r["consistent"] if r.get("ratio_checked", r["consistent"] is not None) else None
    if kind == "record" and checked is None and not r["implied_norm"]:
        return line + "; no ratio stated"
    stated = []
    if r["stated_pct_of_norm"] is not None:
        stated.append(f"stated {r['stated_pct_of_norm']:g}%")
    if r["stated_multiple"] is not None:
        stated.append(f"stated {r['stated_multiple']:g} times")
    verdict = {True: "consistent", False: "INCONSISTENT", None: "nothing to compare"}[checked]
    return (line + f"; {', '.join(stated) or 'stated ratios'}: {verdict}"
            + (f"; implied norm {_fmt(r['implied_norm'])} {r['unit']} (a hypothesis)" if r["implied_norm"] else ""))


def _value(lo, hi, unit) -> str:
    """A claim's canonical value with its unit, or "no number" (never "no number %")."""
    if lo is None and hi is None:
        return "no number"
    return f"{_span(lo, hi)} {unit or ''}".rstrip()


def _rejected(ledger, event_id: str) -> pl.DataFrame:
    """The event's rejected claim rows, as read, by line."""
    rejected = ledger.rejected
    if rejected is None or rejected.height == 0 or "event_id" not in rejected.columns:
        return pl.DataFrame(schema={c: pl.String for c in ("claim_id", "value", "unit", "measure", "statistic",
                                                           "source_id", "source_file")} | {"source_line": pl.Int64})
    return rejected.filter(pl.col("event_id").str.strip_chars() == event_id).sort("source_line")


def _plain(row: dict) -> dict:
    """A row with JSON's types: dates as ISO text, non-finite numbers as null."""
    out = {}
    for k, v in row.items():
        if hasattr(v, "isoformat"):
            v = v.isoformat()
        elif isinstance(v, float) and not math.isfinite(v):
            v = None
        out[k] = v
    return out


def event_document(event_id: str, ledger, tables: dict, problems: list, *, strategy: str) -> dict:
    """``prodkit explain --json``: the event's groups, each claim with its role and source, the norms, the checks.

    The shape is documented in the README ("Machine-readable output").
    """
    claims = tables["claims"].filter(pl.col("event_id") == event_id)
    if claims.height == 0:
        explain_event(event_id, ledger, tables, problems, strategy=strategy)  # raises the located UsageError
    sources = ledger.sources.select("source_id", "citation", "source_type", pl.col("year").alias("source_year"),
                                    "trust_rank", "derived_from")
    links = tables["event_claims"].filter(pl.col("event_id") == event_id) if "event_claims" in tables else None
    roles = dict(zip(links["claim_id"], links["role"])) if links is not None else {}
    claims = claims.join(sources, on="source_id", how="left").sort("claim_id")
    sens = tables["sensitivity"].filter(pl.col("event_id") == event_id)
    raw = ledger.claims.filter(pl.col("event_id") == event_id)
    rejected = _rejected(ledger, event_id)
    lines = {(f, n): "used" for f, n in zip(raw["source_file"].to_list(), raw["source_line"].to_list())}
    lines.update({(f, n): "rejected" for f, n in zip(rejected["source_file"].to_list(),
                                                     rejected["source_line"].to_list())})
    groups = []
    for g in tables["reconciled"].filter(pl.col("event_id") == event_id).iter_rows(named=True):
        mine = claims.filter((pl.col("measure") == g["measure"]) & (pl.col("statistic") == g["statistic"]))
        under = sens.filter((pl.col("measure") == g["measure"]) & (pl.col("statistic") == g["statistic"]))
        group = _plain({k: g[k] for k in ("measure", "statistic", "status", "n_claims", "n_sources", "value",
                                          "value_low", "value_high", "unit", "spread_pct", "chosen_claim_id",
                                          "how", "flags")})
        group["strategy"] = strategy
        group["under_each_strategy"] = ({s.name: under.row(0, named=True)[s.column] for s in strategies.STRATEGIES}
                                        if under.height else {})
        group["claims"] = [_plain({**{k: c[k] for k in (
            "claim_id", "value_as_written", "unit", "basis", "date", "value_low", "value_high", "value_mid",
            "unit_canonical", "qualifier", "flags", "source_id", "source_type", "source_year", "trust_rank",
            "derived_from", "locator", "quote", "note")}, "role": roles.get(c["claim_id"])})
            for c in mine.iter_rows(named=True)]
        groups.append(group)
    nvr = tables["norms_vs_records"].filter(pl.col("event_id") == event_id)
    return {
        "event_id": event_id,
        "groups": groups,
        "norms_vs_records": [_plain(r) for r in nvr.iter_rows(named=True)],
        "rejected": [_plain({"claim_id": r["claim_id"], "line": r["source_line"], "value": r["value"],
                             "unit": r["unit"], "measure": r["measure"], "statistic": r["statistic"],
                             "source_id": r["source_id"]}) for r in rejected.iter_rows(named=True)],
        "problems": [{**p.as_row(), "claim": lines[(p.file, p.line)]} for p in problems
                     if (p.file, p.line) in lines],
    }
