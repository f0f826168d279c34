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
from .renderers import needs_drawing, start_renderers, stop_renderers
from .staging import Staging
from .tables import read_tables


def start(tables: dict[str, pl.DataFrame], staging: Staging, *, key: str = "reports", out_dir: Path,
          workers: list | None = None) -> "Figures":
    """Send the charts to the helpers now; ``finish()`` on the result writes the files.

    The files are written into ``staging.path(key)``; charts whose files in
    ``staging.final_path(key)`` (where the staged files will land) are still
    right are copied, not drawn again. ``prodkit reconcile`` writes its
    tables and exports between the two steps, while the helpers draw.
    ``workers``: helpers from :func:`~prodkit.outputs.renderers.start_renderers`,
    started earlier.
    """
    return Figures(tables, staging.path(key), out_dir=Path(out_dir), earlier=staging.final_path(key),
                   workers=workers)


def redraw(out_dir: Path, reports_dir: Path) -> list[Path]:
    """Rebuild the charts and the report from the CSVs already in ``out_dir``.

    Files are staged and moved into ``reports_dir`` only when all are
    written. Raises :class:`~prodkit.errors.InputError` when a table is
    missing or unreadable.
    """
    tables = read_tables(Path(out_dir))
    with Staging({"reports": Path(reports_dir)}) as st:
        staged = start(tables, st, out_dir=Path(out_dir)).finish()
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
                 workers: list | None = None):
        self.tables, self.dest, self.out_dir = tables, dest, out_dir
        self.figures_dir = dest / "figures"
        previous = Path(earlier) / "figures" if earlier else None
        if workers is None:  # they warm up while altair builds the charts
            workers = start_renderers() if needs_drawing(earlier) else []
        self.workers = workers
        try:
            self.drawing = Drawing(self.figures_dir, workers)
            self.specs, self.svgs = {}, {}
            for name, chart in build_charts(tables).items():
                self.specs[name] = spec = spec_of(chart)
                svg = reuse_files(spec, previous, self.figures_dir, name) if previous is not None else None
                if svg is not None:
                    self.svgs[name] = svg
                else:
                    self.drawing.submit(name, spec)
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
        page = self.dest / "report.html"
        page.write_text(report.report_html(self.tables, {n: (self.specs[n], self.svgs[n]) for n in self.specs},
                                           out_dir=self.out_dir), encoding="utf-8")
        return written + [page]
