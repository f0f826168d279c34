"""Charts: each one a pure function from a reconciled table to an altair chart.

The five charts of the report, with one theme (:data:`.theme.THEME`), a
title, axis titles with units and a caption naming the table the chart is
drawn from:

- :func:`norms_vs_records_chart` (``norms_vs_records.csv``),
- :func:`record_timeline_chart` (``reconciled.csv``),
- :func:`source_conflicts_chart` (``conflicts.csv`` and ``reconciled.csv``),
- :func:`movement_spread_chart` (``reconciled.csv``),
- :func:`before_after_chart` (``reconciled.csv``).

:func:`save` writes a chart as ``.svg``, ``.png`` (300 dpi) and a
self-contained ``.html`` with vl-convert; nothing loads from the network.

Each chart's rows go into the spec's top-level ``datasets`` as plain values,
so altair's 5000-row limit never applies and the spec is the same whichever
dataframe library built the table. Dates are ISO date strings on a UTC time
scale, so a chart does not depend on the time zone of the machine that draws
it. :mod:`prodkit.outputs.figures` draws many charts at once in helper processes.

Modules, in the order a chart is made: :mod:`.theme` (the look),
:mod:`.labels` (the text), :mod:`.layout` (title, caption, rows, axes), one
module per chart, :mod:`.drawing` (SVG and PNG) and :mod:`.files` (the
three files of a chart). The names below are the ones used from outside the
package; everything else is imported from its module.
"""

from __future__ import annotations

import polars as pl

from ..renderers import CHART_NAMES, DEFAULT_WIDTH
from .before_after import before_after_chart
from .drawing import render, spec_of
from .files import save
from .layout import chart_caption, chart_title
from .movement_spread import movement_spread_chart
from .norms_vs_records import norms_vs_records_chart
from .record_timeline import record_timeline_chart
from .source_conflicts import source_conflicts_chart

__all__ = [
    "CHART_NAMES", "before_after_chart", "build_charts", "chart_caption", "chart_title", "movement_spread_chart",
    "norms_vs_records_chart", "record_timeline_chart", "render", "save", "source_conflicts_chart", "spec_of",
]


def build_charts(tables: dict[str, pl.DataFrame], *, width: str = DEFAULT_WIDTH) -> dict:
    """Every chart of the report, by name, from the output tables, laid out for a ``single`` or ``double`` column."""
    reconciled = tables.get("reconciled")
    return {
        "norms_vs_records": norms_vs_records_chart(tables.get("norms_vs_records"), width=width),
        "record_timeline": record_timeline_chart(reconciled, width=width),
        "source_conflicts": source_conflicts_chart(tables.get("conflicts"), reconciled, width=width),
        "movement_spread": movement_spread_chart(reconciled, width=width),
        "before_after": before_after_chart(reconciled, width=width),
    }
