"""Drawing the charts of a run, and writing them with ``report.html`` into the reports folder.

:func:`start` draws from the tables of a run (``prodkit reconcile``);
:func:`redraw` reads the same tables back from the CSVs in ``--out-dir``
(``prodkit figures``). Both go through :class:`Figures`, so the two
commands write the same files from the same tables. A chart whose files in
the reports folder were drawn from the same spec, and not edited since, is
copied instead of drawn again.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from . import report
from .charts import build_charts, spec_of
from .charts.drawing import Drawing
from .charts.files import reuse_files, write_files
from .charts.layout import bare_spec, chart_caption, chart_title
from .renderers import DEFAULT_WIDTH, needs_drawing, start_renderers, stop_renderers

#: The file name of a chart's caption-free variant (no embedded title, subtitle or source note).
BARE_SUFFIX = "-nocaption"
from .staging import Staging
from .tables import read_tables


def start(tables: dict[str, pl.DataFrame], staging: Staging, *, key: str = "reports", out_dir: Path,
          workers: list | None = None, width: str = DEFAULT_WIDTH) -> "Figures":
    """Send the charts to the helpers now; ``finish()`` on the result writes the files.

    The files are written into ``staging.path(key)``; charts whose files in
    ``staging.final_path(key)`` (where the staged files will land) are still
    right are copied, not drawn again. ``prodkit reconcile`` writes its
    tables and exports between the two steps, while the helpers draw.
    ``workers``: helpers from :func:`~prodkit.outputs.renderers.start_renderers`,
    started earlier.
    """
    return Figures(tables, staging.path(key), out_dir=Path(out_dir), earlier=staging.final_path(key),
                   workers=workers, width=width)


def redraw(out_dir: Path, reports_dir: Path, *, width: str = DEFAULT_WIDTH) -> list[Path]:
    """Rebuild the charts and the report from the CSVs already in ``out_dir``.

    Files are staged and moved into ``reports_dir`` only when all are
    written. Raises :class:`~prodkit.errors.InputError` when a table is
    missing or unreadable.
    """
    tables = read_tables(Path(out_dir))
    with Staging({"reports": Path(reports_dir)}) as st:
        staged = start(tables, st, out_dir=Path(out_dir), width=width).finish()
        relative = [p.relative_to(st.path("reports")) for p in staged]
        st.commit()
    return [st.final_path("reports") / p for p in relative]


class Figures:
    """The charts of a run, being drawn: made and sent to the helpers at once, written by :meth:`finish`.

    :meth:`finish` writes each chart's svg, png and html under
    ``dest/figures``, and ``dest/report.html``. Each chart goes to a helper
    as soon as its spec is built, or is copied from ``earlier`` (a reports
    folder) if its files there were drawn from the same spec (same data,
    same code) and not edited since. The helpers are stopped when
    :meth:`finish` returns or fails, or when making the charts fails.
    """

    def __init__(self, tables: dict[str, pl.DataFrame], dest: Path, *, out_dir: Path, earlier: Path | None = None,
                 workers: list | None = None, width: str = DEFAULT_WIDTH):
        self.tables, self.dest, self.out_dir = tables, dest, out_dir
        self.figures_dir = dest / "figures"
        previous = Path(earlier) / "figures" if earlier else None
        if workers is None:  # they warm up while altair builds the charts
            workers = start_renderers() if needs_drawing(earlier) else []
        self.workers = workers
        try:
            self.drawing = Drawing(self.figures_dir, workers)
            self.specs, self.svgs = {}, {}
            for name, chart in build_charts(tables, width=width).items():
                self.specs[name] = spec = spec_of(chart)
                self.specs[name + BARE_SUFFIX] = bare_spec(spec)
                for each in (name, name + BARE_SUFFIX):
                    svg = reuse_files(self.specs[each], previous, self.figures_dir, each) if previous else None
                    if svg is not None:
                        self.svgs[each] = svg
                    else:
                        self.drawing.submit(each, self.specs[each])
        except BaseException:
            stop_renderers(workers)
            raise

    def finish(self) -> list[Path]:
        """Wait for the helpers; write every chart's files and ``report.html``; return their paths."""
        try:
            self.svgs.update(self.drawing.finish())
        finally:
            stop_renderers(self.workers)
        written: list[Path] = []
        for name, spec in self.specs.items():
            written += write_files(spec, self.svgs[name], self.figures_dir, name, drawn=True)
        captions = self.figures_dir / "captions.md"
        captions.write_text(captions_md(self.specs, self.tables), encoding="utf-8")
        page = self.dest / "report.html"
        shown = [n for n in self.specs if not n.endswith(BARE_SUFFIX)]
        page.write_text(report.report_html(self.tables, {n: (self.specs[n], self.svgs[n]) for n in shown},
                                           out_dir=self.out_dir), encoding="utf-8")
        return written + [captions, page]


def captions_md(specs: dict[str, dict], tables: dict[str, pl.DataFrame]) -> str:
    """``captions.md``: one caption per chart, for a journal that sets captions itself.

    Each says what is plotted (the chart's title and subtitle), its units,
    its sources (the caption's source note) and the reconciliation strategy
    of the run (from ``reconciled.csv``).
    """
    reconciled = tables.get("reconciled")
    strategies: list[str] = []
    if reconciled is not None and "strategy" in reconciled.columns:
        strategies = sorted(set(reconciled["strategy"].drop_nulls().to_list()))
    strategy = ", ".join(strategies) if strategies else "none recorded (no reconciled table)"
    lines = ["# Figure captions", "",
             "One caption per chart of `reports/figures/`, for journals that set captions themselves: use the "
             f"`*{BARE_SUFFIX}` files, which carry no title or source note. Written by prodkit from the tables "
             "in the run's out folder.", ""]
    for n, (name, spec) in enumerate((k, v) for k, v in specs.items() if not k.endswith(BARE_SUFFIX)):
        meta = spec.get("usermeta", {}).get("prodkit", {})
        subtitle = spec["vconcat"][0].get("title", {}).get("subtitle", "")
        subtitle = " ".join(subtitle) if isinstance(subtitle, list) else subtitle
        lines += [f"## Figure {n + 1}: {chart_title(spec)} (`{name}`)", "",
                  f"**What.** {subtitle}", "",
                  f"**Units.** {meta.get('units') or 'see the axis titles'}.", "",
                  f"**Sources.** {chart_caption(spec).removeprefix('Source: ')}", "",
                  f"**Strategy.** Conflicting claims reconciled with {strategy}; every claim stays in the tables.", "",
                  f"Files: `{name}.pdf`, `.svg`, `.png`, `.html`; without caption: `{name}{BARE_SUFFIX}.*` "
                  f"(laid out for a {meta.get('width', DEFAULT_WIDTH)} column, {meta.get('print_width_in', '')} in).",
                  ""]
    return "\n".join(lines)
