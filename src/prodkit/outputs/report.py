"""The charts and ``report.html``: one self-contained page, nothing loaded from the network.

:func:`write_all` draws from the tables of a run (``prodkit reconcile``);
:func:`redraw` reads the same tables back from the CSVs in ``--out-dir``
(``prodkit figures``). Both go through :func:`draw`, so the two commands
write the same files from the same tables.

The page holds a summary of the run (rows read, used and rejected), the five
figures as inline SVG, the conflicts with the reason for each decision, the
sensitivity of every contested event to the strategy, the flagged claims,
the problems and the reconciled table. No script, font, style sheet or image
comes from elsewhere; the few lines of script only add hover text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import polars as pl

from .. import __version__
from ..errors import InputError
from . import charts
from .renderers import needs_drawing

#: The tables the report needs, in the order ``prodkit reconcile`` writes them.
REPORT_TABLES = ["claims", "reconciled", "conflicts", "norms_vs_records", "sensitivity", "problems", "accounts"]
OPTIONAL_TABLES = ["sources"]
#: A page a browser opens at once: longer tables show their first rows and
#: say how many more the CSV holds.
MAX_TABLE_ROWS = 2000
MAX_CONFLICTS_LISTED = 200
STRATEGY_COLUMNS = ["trust_your_friends", "meet_in_the_middle", "cry_with_the_wolves", "keep_up_to_date",
                    "roll_the_dice", "pass_it_on"]


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

def write_all(tables: dict[str, pl.DataFrame], ledger=None, reports_path: Path | None = None, *,
              out_dir: Path = Path("data/clean"), reports_dir: Path | None = None,
              workers: list | None = None) -> list[Path]:
    """Draw the charts and the report of a run into ``reports_path`` (a staging folder).

    ``ledger`` is accepted for the caller's convenience and not used: every
    figure comes from ``tables``, as in :func:`redraw`. ``reports_dir`` is
    where the files will land (by default the staging folder's parent, as
    :class:`~prodkit.outputs.staging.Staging` makes it): charts whose files
    there are still right are copied, not drawn again. ``workers``: helpers
    from :func:`~prodkit.outputs.renderers.start_renderers`, started earlier.
    """
    return start_all(tables, reports_path, out_dir=out_dir, reports_dir=reports_dir, workers=workers).finish()


def start_all(tables: dict[str, pl.DataFrame], reports_path: Path | None = None, *,
              out_dir: Path = Path("data/clean"), reports_dir: Path | None = None,
              workers: list | None = None) -> "Figures":
    """:func:`write_all` in two steps: the charts go to the helpers now; ``finish()`` writes the files.

    ``prodkit reconcile`` writes its tables and exports in between, while
    the helpers draw.
    """
    if reports_path is None:
        raise ValueError("reports_path is required")
    reports_path = Path(reports_path)
    if reports_dir is None and reports_path.name.startswith(".prodkit-"):
        reports_dir = reports_path.parent
    return Figures(tables, reports_path, out_dir=Path(out_dir), earlier=Path(reports_dir) if reports_dir else None,
                   workers=workers)


def redraw(out_dir: Path, reports_dir: Path) -> list[Path]:
    """Rebuild the charts and the report from the CSVs already in ``out_dir``.

    Files are staged and moved into ``reports_dir`` only when all are
    written. Raises :class:`~prodkit.errors.InputError` when a table is
    missing or unreadable.
    """
    from .staging import Staging

    tables = read_tables(Path(out_dir))
    reports_dir = Path(reports_dir)
    with Staging({"reports": reports_dir}) as st:
        staged = draw(tables, st.path("reports"), out_dir=Path(out_dir), earlier=reports_dir)
        relative = [p.relative_to(st.path("reports")) for p in staged]
        st.commit()
    return [reports_dir / p for p in relative]


def draw(tables: dict[str, pl.DataFrame], dest: Path, *, out_dir: Path, earlier: Path | None = None,
         workers: list | None = None) -> list[Path]:
    """Every chart (svg, png, html) under ``dest/figures`` and ``dest/report.html``.

    A chart whose files under ``earlier/figures`` were drawn from the same
    spec (same data, same code) and not edited since is copied, not drawn.
    """
    return Figures(tables, dest, out_dir=out_dir, earlier=earlier, workers=workers).finish()


class Figures:
    """The charts of a run, being drawn: made and sent to the helpers at once, written by :meth:`finish`.

    Each chart goes to a helper as soon as its spec is built, or is copied
    from ``earlier`` if unchanged. The helpers are stopped when
    :meth:`finish` returns or fails, or when making the charts fails.
    """

    def __init__(self, tables: dict[str, pl.DataFrame], dest: Path, *, out_dir: Path, earlier: Path | None = None,
                 workers: list | None = None):
        self.tables, self.dest, self.out_dir = tables, dest, out_dir
        self.figures_dir = dest / "figures"
        previous = Path(earlier) / "figures" if earlier else None
        if workers is None:  # they warm up while altair builds the charts
            workers = charts.start_renderers() if needs_drawing(earlier) else []
        self.workers = workers
        try:
            self.drawing = charts.Drawing(self.figures_dir, workers)
            self.specs, self.svgs = {}, {}
            for name, chart in charts.build_charts(tables).items():
                self.specs[name] = spec = charts.spec_of(chart)
                svg = charts.reuse_files(spec, previous, self.figures_dir, name) if previous is not None else None
                if svg is not None:
                    self.svgs[name] = svg
                else:
                    self.drawing.submit(name, spec)
        except BaseException:
            charts.stop_renderers(workers)
            raise

    def finish(self) -> list[Path]:
        """Wait for the helpers; write every chart's files and ``report.html``; return their paths."""
        try:
            self.svgs.update(self.drawing.finish())
        finally:
            charts.stop_renderers(self.workers)
        written: list[Path] = []
        for name, spec in self.specs.items():
            written += charts.write_files(spec, self.svgs[name], self.figures_dir, name, drawn=True)
        page = self.dest / "report.html"
        page.write_text(report_html(self.tables, {n: (self.specs[n], self.svgs[n]) for n in self.specs},
                                    out_dir=self.out_dir), encoding="utf-8")
        return written + [page]


# ---------------------------------------------------------------------------
# Reading the tables back
# ---------------------------------------------------------------------------

def table_dtypes(name: str) -> dict[str, pl.DataType]:
    """Column -> polars dtype of an output table, from its pandera model (schema.py)."""
    from ..schema import OUTPUT_MODELS

    model = OUTPUT_MODELS.get(name)
    if model is None:
        return {}
    return {col: c.dtype.type for col, c in model.to_schema().columns.items()}


def read_table(path: Path, name: str) -> pl.DataFrame:
    """One output CSV with the dtypes its model declares; other columns stay text.

    Read as text first, then cast column by column, so that a damaged file
    names the column and value at fault instead of a parser's offset.
    """
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.ComputeError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc.__class__.__name__}).",
                         hint="Run `prodkit reconcile` again to rewrite the tables.") from None
    dtypes = {c: t for c, t in table_dtypes(name).items() if c in frame.columns and t != pl.String}
    casts = []
    for col, dtype in dtypes.items():
        text = pl.col(col).str.strip_chars()
        if dtype == pl.Boolean:
            casts.append(text.str.to_lowercase().replace_strict({"true": True, "false": False}, default=None,
                                                               return_dtype=pl.Boolean).alias(col))
        else:
            casts.append(text.cast(dtype, strict=False).alias(col))
    typed = frame.with_columns(casts) if casts else frame
    for col, dtype in dtypes.items():
        bad = frame.filter(pl.col(col).str.strip_chars().fill_null("") != "", typed[col].is_null())
        if bad.height:
            raise InputError(f"{path}: column '{col}' holds '{bad[col][0]}', which is not {dtype}.",
                             hint="Run `prodkit reconcile` again to rewrite the tables.")
    return typed


def read_tables(out_dir: Path) -> dict[str, pl.DataFrame]:
    """The tables ``prodkit reconcile`` wrote to ``out_dir``, typed as they were written."""
    missing = [f"{name}.csv" for name in REPORT_TABLES if not (out_dir / f"{name}.csv").is_file()]
    if missing:
        raise InputError(f"{out_dir} lacks {', '.join(missing)}.",
                         hint="Run `prodkit reconcile` first (it writes the tables), or point --out-dir at them.")
    names = REPORT_TABLES + [n for n in OPTIONAL_TABLES if (out_dir / f"{n}.csv").is_file()]
    return {name: read_table(out_dir / f"{name}.csv", name) for name in names}


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------

STYLE = """
:root { --ink: #222; --muted: #666; --line: #ddd; --soft: #f6f6f4; --red: #b2182b; --blue: #1b6fa8; }
* { box-sizing: border-box; }
body { font-family: Liberation Sans, Arimo, Arial, Helvetica, sans-serif; color: var(--ink);
       margin: 0; line-height: 1.45; font-size: 15px; background: white; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 40px 0 10px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 24px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 18px; }
nav ol { columns: 2; margin: 8px 0 0; padding-left: 22px; }
nav a, a { color: var(--blue); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px;
        min-width: 150px; }
.card b { display: block; font-size: 24px; } .card span { color: var(--muted); font-size: 13px; }
figure { margin: 18px 0 30px; padding: 12px 12px 12px 40px; border: 1px solid var(--line); border-radius: 6px;
         background: white; }
figure svg { max-width: 100%; height: auto; display: block; overflow: visible; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.chosen td { background: #fdf3f3; } td.run { font-weight: bold; }
.flag { display: inline-block; background: #eee; border-radius: 3px; padding: 0 5px; margin: 1px 2px 1px 0;
        font-size: 12px; white-space: nowrap; }
.flag.warn { background: #fde0dd; } .status-conflict { color: var(--red); font-weight: bold; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid var(--line); }
.quote { font-style: italic; color: #444; } .muted { color: var(--muted); }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; }
"""

WARN_FLAGS = {"conflict", "implausible", "norm-ratio-mismatch", "conversion-mismatch", "event-inconsistent",
              "basis-mismatch", "measure-unknown"}


def _e(value) -> str:
    return "" if value is None else html.escape(str(value))


def _num(value, digits: int = 6) -> str:
    return "" if value is None else charts.fmt_number(float(value), digits)


def _range(low, high) -> str:
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {_num(high)}"
    if high is None:
        return f"≥ {_num(low)}"
    return _num(low) if low == high else f"{_num(low)}–{_num(high)}"


def _more(shown: int, total: int, table: str) -> str:
    if total <= shown:
        return ""
    return f'<p class="muted">The first {shown} of {total} rows; {_e(table)} has them all.</p>'


def _flags(text: str | None) -> str:
    codes = [c for c in (text or "").split(";") if c]
    return "".join(f'<span class="flag{" warn" if c in WARN_FLAGS else ""}">{_e(c)}</span>' for c in codes)


def _table(headers: list[tuple[str, str]], rows: list[list[str]], *, row_classes: list[str] | None = None,
           scroll: bool = False) -> str:
    """An HTML table; ``headers`` are (label, css class); cells are already escaped HTML."""
    head = "".join(f'<th class="{cls}">{_e(label)}</th>' for label, cls in headers)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = "".join(f'<td class="{headers[j][1]}">{cell}</td>' for j, cell in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{table}</div>' if scroll else table


def unique_svg_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and reference to it) so that several inline SVGs can share one page."""
    ids = set(re.findall(r'\sid="([^"]+)"', svg))
    for ident in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{ident}"
        svg = svg.replace(f'id="{ident}"', f'id="{new}"').replace(f"url(#{ident})", f"url(#{new})")
        svg = svg.replace(f'href="#{ident}"', f'href="#{new}"')
    return svg


def _summary(tables: dict[str, pl.DataFrame], out_dir: Path) -> str:
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
    if reconciled is not None:
        counts = dict(reconciled.group_by("status").len().iter_rows())
        cards.append((reconciled.height, "event groups reconciled"))
        cards.append((counts.get("conflict", 0), "in conflict"))
    if nvr is not None:
        cards.append((nvr.height, "records against a norm"))
    if claims is not None:
        cards.append((claims.filter(pl.col("flags").is_not_null()).height, "claims flagged"))
    if problems is not None:
        cards.append((problems.height, "problems listed"))
    html_cards = "".join(f'<div class="card"><b>{_e(v)}</b><span>{_e(label)}</span></div>' for v, label in cards)
    rows = []
    if accounts is not None:
        rows = [[_e(r["file"]), _num(r["read"]), _num(r["used"]), _num(r["rejected"])]
                for r in accounts.iter_rows(named=True)]
    table = _table([("file", ""), ("rows read", "num"), ("used", "num"), ("rejected", "num")], rows)
    strategies = sorted(set(reconciled["strategy"].drop_nulls().to_list())) if reconciled is not None else []
    status_line = ""
    if reconciled is not None:
        counts = dict(reconciled.group_by("status").len().iter_rows())
        status_line = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("single", "agree", "conflict", "adjudicated"))
    severity = ""
    if problems is not None and problems.height:
        by = dict(problems.group_by("severity").len().iter_rows())
        severity = (f" Problems: {by.get('error', 0)} errors (rows rejected), "
                    f"{by.get('warning', 0)} warnings (rows used and flagged).")
    return (f'<div class="cards">{html_cards}</div>'
            f"<p>Strategy: <b>{_e(', '.join(strategies) or 'none')}</b>. "
            f"Event groups: {_e(status_line)}.{_e(severity)} "
            f"Tables: <code>{_e(out_dir)}</code>; every row read is either used or listed under "
            f'<a href="#problems">Problems</a>.</p>{table}')


def _figures(rendered: dict[str, tuple[dict, str]]) -> str:
    parts = []
    for name, (spec, svg) in rendered.items():
        links = " · ".join(f'<a href="figures/{name}.{ext}">{ext}</a>' for ext in ("svg", "png", "html"))
        parts.append(f'<figure id="fig-{name}">{unique_svg_ids(charts.inline_svg(svg), name)}'
                     f"<figcaption>Figure {len(parts) + 1}: {_e(charts.chart_title(spec))}. "
                     f"Files: {links}.</figcaption></figure>")
    return "".join(parts)


def _conflicts(tables: dict[str, pl.DataFrame]) -> str:
    conflicts, reconciled, claims = tables.get("conflicts"), tables.get("reconciled"), tables.get("claims")
    if conflicts is None or conflicts.height == 0:
        return "<p>No event in conflict: the claims of every event agree within the tolerance.</p>"
    about = {}
    if claims is not None:
        about = {r["claim_id"]: r for r in claims.select(
            [c for c in ("claim_id", "value", "unit", "locator", "quote", "date") if c in claims.columns]
        ).iter_rows(named=True)}
    parts = []
    keys = charts.conflict_groups(conflicts)["key"].to_list()
    for event_id, measure, statistic in keys[:MAX_CONFLICTS_LISTED]:
        group = conflicts.filter((pl.col("event_id") == event_id) & (pl.col("measure") == measure)
                                 & (pl.col("statistic") == statistic)).sort(["value_low", "claim_id"], nulls_last=True)
        decision = None
        if reconciled is not None:
            match = reconciled.filter((pl.col("event_id") == event_id) & (pl.col("measure") == measure)
                                      & (pl.col("statistic") == statistic))
            decision = match.row(0, named=True) if match.height else None
        unit = next((u for u in group["unit"] if u), "")
        rows, classes = [], []
        for r in group.iter_rows(named=True):
            raw = about.get(r["claim_id"], {})
            rows.append([_e(r["claim_id"]), _e(r["source_id"]), _e((r["source_type"] or "").replace("_", " ")),
                         _e(f"{raw.get('value', '')} {raw.get('unit', '')}".strip()),
                         _range(r["value_low"], r["value_high"]), _num(r["deviation_pct"], 3),
                         "reported" if r["chosen"] else "", _e(raw.get("locator")),
                         f'<span class="quote">{_e(raw.get("quote"))}</span>'])
            classes.append("chosen" if r["chosen"] else "")
        head = f"{event_id} · {charts.measure_label(measure)} · {statistic}"
        explain = ""
        if decision:
            explain = (f"<p>Reported: <b>{_num(decision['value'])} {_e(unit)}</b> "
                       f"under <b>{_e(decision['strategy'])}</b> "
                       f"(span {_range(decision['value_low'], decision['value_high'])} {_e(unit)}, spread "
                       f"{_num(decision['spread_pct'], 3)}%, {_e(decision['n_claims'])} claims from "
                       f"{_e(decision['n_sources'])} independent sources). Why: {_e(decision['how'])}. "
                       f"{_flags(decision['flags'])}</p>")
        parts.append(f"<h3>{_e(head)}</h3>{explain}" + _table(
            [("claim", ""), ("source", ""), ("type", ""), ("as written", ""), (f"value ({unit})", "num"),
             ("deviation %", "num"), ("", ""), ("locator", ""), ("quote", "")], rows, row_classes=classes)
            + f'<p class="muted">See it all with <code>prodkit explain {_e(event_id)}</code>.</p>')
    if len(keys) > MAX_CONFLICTS_LISTED:
        parts.append(f'<p class="muted">The {MAX_CONFLICTS_LISTED} conflicts with the widest spread of '
                     f"{len(keys)}; conflicts.csv has them all.</p>")
    return "".join(parts)


def _sensitivity(tables: dict[str, pl.DataFrame]) -> str:
    sens, reconciled = tables.get("sensitivity"), tables.get("reconciled")
    if sens is None or sens.height == 0:
        return "<p>No sensitivity table.</p>"
    contested = sens.filter((pl.col("depends_on_strategy") == True) | (pl.col("status") == "conflict"))  # noqa: E712
    if contested.height == 0:
        return "<p>No event depends on the strategy: every strategy reports the same value.</p>"
    run = set(reconciled["strategy"].drop_nulls().to_list()) if reconciled is not None else set()
    strategies = [c for c in sens.columns if c in STRATEGY_COLUMNS] + [
        c for c in sens.columns if c not in STRATEGY_COLUMNS and c not in (
            "event_id", "measure", "statistic", "status", "value_low", "value_high", "unit", "depends_on_strategy")]
    headers = [("event", ""), ("measure", ""), ("statistic", ""), ("status", ""), ("span", "num"), ("unit", "")]
    headers += [(s.replace("_", "-"), "num") for s in strategies]
    rows = []
    for r in contested.sort(["event_id", "measure", "statistic"]).head(MAX_TABLE_ROWS).iter_rows(named=True):
        cells = [_e(r["event_id"]), _e(charts.measure_label(r["measure"])), _e(r["statistic"]),
                 f'<span class="status-{_e(r["status"])}">{_e(r["status"])}</span>',
                 _range(r["value_low"], r["value_high"]), _e(r["unit"])]
        for s in strategies:
            value = _num(r[s]) if r[s] is not None else '<span class="muted">span only</span>'
            cells.append(f"<b>{value}</b>" if s.replace("_", "-") in run else value)
        rows.append(cells)
    return ("<p>The value each strategy would report for every event that depends on the choice "
            "(sensitivity.csv); the run's strategy is in bold. pass-it-on reports the span only.</p>"
            + _table(headers, rows, scroll=True) + _more(len(rows), contested.height, "sensitivity.csv"))


def _flagged(tables: dict[str, pl.DataFrame]) -> str:
    claims = tables.get("claims")
    if claims is None or "flags" not in claims.columns:
        return "<p>No claims table.</p>"
    flagged = claims.filter(pl.col("flags").is_not_null() & (pl.col("flags") != "")).sort("claim_id")
    if flagged.height == 0:
        return "<p>No claim is flagged.</p>"
    rows = [[_e(r["claim_id"]), _e(r["event_id"]), _e(charts.measure_label(r["measure"])), _e(r["statistic"]),
             _e(r["value"]), _e(r["unit"]), _range(r["value_low"], r["value_high"]), _e(r["unit_canonical"]),
             _flags(r["flags"]), _e(r["source_id"]), _e(r["locator"])]
            for r in flagged.head(MAX_TABLE_ROWS).iter_rows(named=True)]
    return (f"<p>{flagged.height} claims carry a flag (approximate, range, vague, implausible, a norm ratio that "
            "does not add up, ...). They are used, never silently dropped.</p>"
            + _table([("claim", ""), ("event", ""), ("measure", ""), ("statistic", ""), ("as written", ""),
                      ("unit as written", ""), ("canonical", "num"), ("unit", ""), ("flags", ""), ("source", ""),
                      ("locator", "")], rows, scroll=True)
            + _more(len(rows), flagged.height, "claims.csv (column flags)"))


def _problems(tables: dict[str, pl.DataFrame]) -> str:
    problems = tables.get("problems")
    if problems is None or problems.height == 0:
        return "<p>No problems: every row was read and used as written.</p>"
    rows = []
    for r in problems.head(MAX_TABLE_ROWS).iter_rows(named=True):
        where = r["file"] + "".join(f":{v}" for v in (r["line"], r["column"]) if v is not None)
        rows.append([_e(where), _e(r["severity"]), _e(r["code"]), _e(r["value"]), _e(r["message"]), _e(r["hint"])])
    return (_table([("where", ""), ("severity", ""), ("code", ""), ("value", ""), ("what", ""), ("fix", "")],
                   rows, scroll=True) + _more(len(rows), problems.height, "problems.csv"))


def _reconciled(tables: dict[str, pl.DataFrame]) -> str:
    reconciled = tables.get("reconciled")
    if reconciled is None or reconciled.height == 0:
        return "<p>No reconciled events.</p>"
    rows = []
    for r in reconciled.head(MAX_TABLE_ROWS).iter_rows(named=True):
        rows.append([_e(r["event_id"]), _e(charts.measure_label(r["measure"])), _e(r["statistic"]), _e(r["subject"]),
                     _e(r["date"]), _num(r["value"]), _range(r["value_low"], r["value_high"]), _e(r["unit"]),
                     f'<span class="status-{_e(r["status"])}">{_e(r["status"])}</span>', _num(r["n_claims"]),
                     _num(r["n_sources"]), _e(r["chosen_claim_id"]), _flags(r["flags"]), _e(r.get("how"))])
    return (_table([("event", ""), ("measure", ""), ("statistic", ""), ("subject", ""), ("date", ""),
                   ("value", "num"), ("span", "num"), ("unit", ""), ("status", ""), ("claims", "num"),
                   ("sources", "num"), ("chosen", ""), ("flags", ""), ("why", "")], rows, scroll=True)
            + _more(len(rows), reconciled.height, "reconciled.csv"))


def _sources(tables: dict[str, pl.DataFrame]) -> str:
    sources = tables.get("sources")
    if sources is None or sources.height == 0:
        return ""
    rows = [[_e(r.get("source_id")), _e((r.get("source_type") or "").replace("_", " ")), _e(r.get("year")),
             _e(r.get("trust_rank")), _e(r.get("derived_from")), _e(r.get("citation"))]
            for r in sources.iter_rows(named=True)]
    return ('<h2 id="sources">Sources</h2>'
            + _table([("source", ""), ("type", ""), ("year", "num"), ("trust rank", "num"), ("retells", ""),
                      ("citation", "")], rows, scroll=True))


SECTIONS = [("summary", "Summary of the run"), ("figures", "Figures"),
            ("conflicts", "Conflicts and how they were settled"),
            ("sensitivity", "Sensitivity to the strategy"), ("flagged", "Flagged claims"), ("problems", "Problems"),
            ("reconciled", "The reconciled table")]


def report_html(tables: dict[str, pl.DataFrame], rendered: dict[str, tuple[dict, str]], *, out_dir: Path) -> str:
    """The whole page, as a string: deterministic (no clock, no random id), self-contained."""
    bodies = {
        "summary": _summary(tables, out_dir), "figures": _figures(rendered), "conflicts": _conflicts(tables),
        "sensitivity": _sensitivity(tables), "flagged": _flagged(tables), "problems": _problems(tables),
        "reconciled": _reconciled(tables),
    }
    nav = "".join(f'<li><a href="#{key}">{_e(title)}</a></li>' for key, title in SECTIONS)
    if tables.get("sources") is not None:
        nav += '<li><a href="#sources">Sources</a></li>'
    sections = "".join(f'<h2 id="{key}">{_e(title)}</h2>{bodies[key]}' for key, title in SECTIONS)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>prodkit report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        "<h1>prodkit report</h1>\n<p class=\"lead\">Production figures from historical sources: every claim "
        "read, normalised, checked and reconciled, with every decision shown.</p>\n"
        f"<nav><ol>{nav}</ol></nav>\n{sections}{_sources(tables)}\n"
        f"<footer>Written by prodkit {_e(__version__)} from the tables in {_e(out_dir)}. "
        "This page loads nothing from the network.</footer>\n</main>\n"
        f"<script>{charts.TOOLTIP_SCRIPT}</script>\n</body>\n</html>\n"
    )
