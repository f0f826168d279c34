"""``report.html``: one self-contained page about a run, nothing loaded from the network.

The page holds a summary of the run (rows read, used and rejected), the five
figures as inline SVG, the conflicts with the reason for each decision, the
sensitivity of every contested event to the strategy, the flagged claims,
the problems, the reconciled table and the sources. No script, font, style
sheet or image comes from elsewhere; the few lines of script only add hover
text. The page is the same for the same tables: no clock, no random id.

This module gathers what each section shows from the tables;
``templates/report.html.j2`` and ``templates/sections.html.j2`` write the
markup, with every value escaped (autoescape). The figures' inline SVG,
drawn by prodkit, is the one fragment handed over as markup.
:mod:`.figures` draws the charts and calls :func:`report_html`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import polars as pl
from markupsafe import Markup

from .. import __version__
from ..strategies import SPAN_ONLY, STRATEGIES
from .charts import chart_title
from .charts.files import inline_svg
from .charts.labels import fmt_number, measure_label
from .charts.source_conflicts import conflict_groups

#: A page a browser opens at once, whatever the ledger (100,000 events give a
#: page of about a megabyte): longer tables show their first rows and say how
#: many more the CSV holds.
MAX_TABLE_ROWS = 300
MAX_CONFLICTS_LISTED = 100
#: The sections, in page order: (id, heading). Each is a macro of the same
#: name in sections.html.j2. A Sources section follows when there are sources.
SECTIONS = [("summary", "Summary of the run"), ("figures", "Figures"),
            ("conflicts", "Conflicts and how they were settled"),
            ("sensitivity", "Sensitivity to the strategy"), ("flagged", "Flagged claims"), ("problems", "Problems"),
            ("reconciled", "The reconciled table")]
#: Flags shown in the warning colour.
WARN_FLAGS = {"conflict", "implausible", "norm-ratio-mismatch", "conversion-mismatch", "event-inconsistent",
              "basis-mismatch", "measure-unknown"}
#: Columns of sensitivity.csv that are not a strategy's.
SENSITIVITY_KEYS = ("event_id", "measure", "statistic", "status", "value_low", "value_high", "unit",
                    "depends_on_strategy")


def report_html(tables: dict[str, pl.DataFrame], rendered: dict[str, tuple[dict, str]], *, out_dir: Path) -> str:
    """The whole page, as a string: deterministic (no clock, no random id), self-contained.

    ``rendered``: each chart's Vega-Lite spec and SVG, by name, in page order.
    """
    page = {"summary": _summary(tables, out_dir), "figures": _figures(rendered), "conflicts": _conflicts(tables),
            "sensitivity": _sensitivity(tables), "flagged": _flagged(tables), "problems": _problems(tables),
            "reconciled": _reconciled(tables), "sources": _sources(tables)}
    return environment().get_template("report.html.j2").render(
        sections=SECTIONS, page=page, has_sources=tables.get("sources") is not None, version=__version__,
        out_dir=out_dir, sources_total=tables["sources"].height if tables.get("sources") is not None else 0)


@cache
def environment():
    """The Jinja2 environment of the page: templates from the package, autoescape on, the page's filters."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("prodkit.outputs", "templates"), autoescape=True,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
                      finalize=lambda value: "" if value is None else value)
    env.filters.update(num=number_text, measure=measure_label, spaced=spaced)
    env.globals.update(span=span_text, warn_flags=WARN_FLAGS)
    return env


# ---------------------------------------------------------------------------
# Filters: the page's text for a figure, a range, a code
# ---------------------------------------------------------------------------

def number_text(value, digits: int = 6) -> str:
    """A figure as a reader writes it (:func:`~.charts.labels.fmt_number`); empty when missing.

    >>> number_text(102.0), number_text(7657.142857), number_text(2.99123, 3), number_text(None)
    ('102', '7657.14', '2.99', '')
    """
    return "" if value is None else fmt_number(float(value), digits)


def span_text(low, high) -> str:
    """A range with open ends: ``6–7``, ``≥ 50``, ``≤ 5``, or one figure.

    >>> span_text(6.0, 7.0), span_text(50.0, None), span_text(None, 5.0), span_text(6.0, 6.0), span_text(None, None)
    ('6–7', '≥ 50', '≤ 5', '6', '')
    """
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {number_text(high)}"
    if high is None:
        return f"≥ {number_text(low)}"
    return number_text(low) if low == high else f"{number_text(low)}–{number_text(high)}"


def spaced(code: str | None) -> str:
    """``contemporary_press`` -> ``contemporary press``."""
    return (code or "").replace("_", " ")


def unique_svg_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and reference to it) so that several inline SVGs can share one page."""
    ids = set(re.findall(r'\sid="([^"]+)"', svg))
    for ident in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{ident}"
        svg = svg.replace(f'id="{ident}"', f'id="{new}"').replace(f"url(#{ident})", f"url(#{new})")
        svg = svg.replace(f'href="#{ident}"', f'href="#{new}"')
    return svg


# ---------------------------------------------------------------------------
# The sections: what each shows, as plain values for the template
# ---------------------------------------------------------------------------

def _section(empty: str | None = None, **data) -> dict:
    """A section's data; ``empty`` is the sentence shown instead when there is nothing to list."""
    return {"empty": empty, **data}


def _rows(frame: pl.DataFrame) -> list[dict]:
    """The first MAX_TABLE_ROWS rows, as dicts."""
    return frame.head(MAX_TABLE_ROWS).to_dicts()


def _summary(tables: dict[str, pl.DataFrame], out_dir: Path) -> dict:
    accounts = tables.get("accounts")
    reconciled = tables.get("reconciled")
    problems = tables.get("problems")
    nvr = tables.get("norms_vs_records")
    claims = tables.get("claims")
    cards = []
    if accounts is not None and accounts.height:
        claims_row = accounts.filter(pl.col("file").str.ends_with("claims.csv"))
        row = claims_row.row(0, named=True) if claims_row.height else None
        if row:
            cards += [(row["read"], "claim rows read"), (row["used"], "used"), (row["rejected"], "rejected")]
    status_line = ""
    if reconciled is not None:
        counts = dict(reconciled.group_by("status").len().iter_rows())
        cards.append((reconciled.height, "event groups reconciled"))
        cards.append((counts.get("conflict", 0), "in conflict"))
        status_line = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("single", "agree", "conflict", "adjudicated"))
    if nvr is not None:  # one primary row per record event: a record told four times is one record
        cards.append((nvr.filter(pl.col("primary")).height if "primary" in nvr.columns else nvr.height,
                      "records against a norm"))
    if claims is not None:
        cards.append((claims.filter(pl.col("flags").is_not_null()).height, "claims flagged"))
    if problems is not None:
        cards.append((problems.height, "problems listed"))
    strategies = sorted(set(reconciled["strategy"].drop_nulls().to_list())) if reconciled is not None else []
    severity = ""
    if problems is not None and problems.height:
        by = dict(problems.group_by("severity").len().iter_rows())
        severity = (f" Problems: {by.get('error', 0)} errors (rows rejected), "
                    f"{by.get('warning', 0)} warnings (rows used and flagged).")
    return _section(cards=cards, accounts=accounts.to_dicts() if accounts is not None else [],
                    strategy=", ".join(strategies) or "none", status_line=status_line, severity=severity,
                    out_dir=out_dir)


def _figures(rendered: dict[str, tuple[dict, str]]) -> dict:
    # the SVG is prodkit's own drawing, its text escaped by Vega: markup on purpose
    return _section(figures=[{"name": name, "title": chart_title(spec),
                              "svg": Markup(unique_svg_ids(inline_svg(svg), name))}
                             for name, (spec, svg) in rendered.items()])


def _conflicts(tables: dict[str, pl.DataFrame]) -> dict:
    conflicts, reconciled, claims = tables.get("conflicts"), tables.get("reconciled"), tables.get("claims")
    if conflicts is None or conflicts.height == 0:
        return _section("No event in conflict: the claims of every event agree within the tolerance.")
    about = {}
    if claims is not None:
        about = {r["claim_id"]: r for r in claims.select(
            [c for c in ("claim_id", "value_as_written", "unit", "locator", "quote", "date") if c in claims.columns]
        ).iter_rows(named=True)}
    keys = conflict_groups(conflicts)["key"].to_list()
    groups = []
    for event_id, measure, statistic in keys[:MAX_CONFLICTS_LISTED]:
        group = conflicts.filter((pl.col("event_id") == event_id) & (pl.col("measure") == measure)
                                 & (pl.col("statistic") == statistic)).sort(["value_low", "claim_id"], nulls_last=True)
        decision = None
        if reconciled is not None:
            match = reconciled.filter((pl.col("event_id") == event_id) & (pl.col("measure") == measure)
                                      & (pl.col("statistic") == statistic))
            decision = match.row(0, named=True) if match.height else None
        rows = []
        for r in group.iter_rows(named=True):
            raw = about.get(r["claim_id"], {})
            rows.append({**r, "as_written": f"{raw.get('value_as_written', '')} {raw.get('unit', '')}".strip(),
                         "locator": raw.get("locator"), "quote": raw.get("quote")})
        groups.append({"event_id": event_id, "measure": measure, "statistic": statistic, "decision": decision,
                       "unit": next((u for u in group["unit"] if u), ""), "claims": rows})
    return _section(groups=groups, total=len(keys))


def _sensitivity(tables: dict[str, pl.DataFrame]) -> dict:
    sens, reconciled = tables.get("sensitivity"), tables.get("reconciled")
    if sens is None or sens.height == 0:
        return _section("No sensitivity table.")
    contested = sens.filter((pl.col("depends_on_strategy") == True) | (pl.col("status") == "conflict"))  # noqa: E712
    if contested.height == 0:
        return _section("No event depends on the strategy: every strategy reports the same value.")
    run = set(reconciled["strategy"].drop_nulls().to_list()) if reconciled is not None else set()
    names = {s.column: s.name for s in STRATEGIES}
    columns = [c for c in sens.columns if c in names] + [
        c for c in sens.columns if c not in names and c not in SENSITIVITY_KEYS]
    labels = [names.get(c, c.replace("_", "-")) for c in columns]
    return _section(headers=[(label, "num") for label in labels],
                    columns=[(c, label in run) for c, label in zip(columns, labels)],
                    rows=_rows(contested.sort(["event_id", "measure", "statistic"])), total=contested.height,
                    span_only=", ".join(SPAN_ONLY))


def _flagged(tables: dict[str, pl.DataFrame]) -> dict:
    claims = tables.get("claims")
    if claims is None or "flags" not in claims.columns:
        return _section("No claims table.")
    flagged = claims.filter(pl.col("flags").is_not_null() & (pl.col("flags") != "")).sort("claim_id")
    if flagged.height == 0:
        return _section("No claim is flagged.")
    return _section(rows=_rows(flagged), total=flagged.height)


def _problems(tables: dict[str, pl.DataFrame]) -> dict:
    problems = tables.get("problems")
    if problems is None or problems.height == 0:
        return _section("No problems: every row was read and used as written.")
    rows = _rows(problems)
    for r in rows:
        r["where"] = r["file"] + "".join(f":{v}" for v in (r["line"], r["column"]) if v is not None)
    return _section(rows=rows, total=problems.height)


def _reconciled(tables: dict[str, pl.DataFrame]) -> dict:
    reconciled = tables.get("reconciled")
    if reconciled is None or reconciled.height == 0:
        return _section("No reconciled events.")
    return _section(rows=_rows(reconciled), total=reconciled.height)


def _sources(tables: dict[str, pl.DataFrame]) -> list[dict]:
    """The first MAX_TABLE_ROWS sources; empty when there is no sources table."""
    sources = tables.get("sources")
    return _rows(sources) if sources is not None else []
