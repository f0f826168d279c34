"""Charts: each one a pure function from a reconciled table to an altair chart.

The five charts of the report, with one theme (:data:`THEME`), a title, axis
titles with units and a caption naming the table the chart is drawn from:

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
it. :func:`draw_files` draws many charts at once in helper processes.

Modules, in the order a chart is made: :mod:`.theme` (the look),
:mod:`.labels` (the text), :mod:`.layout` (title, caption, rows, axes), one
module per chart, :mod:`.drawing` (SVG and PNG) and :mod:`.files` (the
three files of a chart). Every name is re-exported here.
"""

from __future__ import annotations

import polars as pl

from ..renderers import (CHART_NAMES, PNG_PPI, PRINT_WIDTH_IN, RENDER_WORKER, png_scale, start_renderers,
                         stop_renderers, write_svg_png)
from .before_after import before_after_chart, before_after_frame, period_of
from .drawing import Drawing, draw_files, render, spec_of
from .files import (PAGE_STYLE, TOOLTIP_SCRIPT, chart_html, chart_key, inline_svg, reuse_files, save, script_json,
                    write_files)
from .labels import date_span, fmt_multiple, fmt_number, measure_label, measure_unit_label, shorten
from .layout import (MOVEMENT_START, Datasets, caption_lines, chart_caption, chart_title, finish, log_axis,
                     movement_start_rule, row_axis)
from .movement_spread import SHARE_MEASURE, bound_of, movement_spread_chart, movement_spread_frame
from .norms_vs_records import norms_vs_records_chart, norms_vs_records_frame
from .record_timeline import TIMELINE_YEARS, record_timeline_chart, record_timeline_frame, spread_labels
from .source_conflicts import conflict_groups, source_conflicts_chart, source_conflicts_frame
from .theme import (AFTER_COLOR, BEFORE_COLOR, CATEGORY, FONT, INK, MAX_CONFLICT_PANELS, MAX_LABELLED_RECORDS,
                    MAX_ROWS, MUTED, NORM_COLOR, RECORD_COLOR, SOURCE_TYPE_COLORS, THEME)

__all__ = [
    "AFTER_COLOR", "BEFORE_COLOR", "CATEGORY", "CHART_NAMES", "Drawing", "FONT", "INK", "MAX_CONFLICT_PANELS",
    "MAX_LABELLED_RECORDS", "MAX_ROWS", "MOVEMENT_START", "MUTED", "NORM_COLOR", "PAGE_STYLE", "PNG_PPI",
    "PRINT_WIDTH_IN", "RECORD_COLOR", "RENDER_WORKER", "SHARE_MEASURE", "SOURCE_TYPE_COLORS", "THEME",
    "TIMELINE_YEARS", "TOOLTIP_SCRIPT", "before_after_chart", "before_after_frame", "bound_of", "build_charts",
    "caption_lines", "chart_caption", "chart_html", "chart_key", "chart_title", "conflict_groups", "Datasets",
    "date_span", "draw_files", "finish", "fmt_multiple", "fmt_number", "inline_svg", "log_axis",
    "measure_label", "measure_unit_label", "movement_spread_chart", "movement_spread_frame",
    "movement_start_rule", "norms_vs_records_chart", "norms_vs_records_frame", "period_of", "png_scale",
    "record_timeline_chart", "record_timeline_frame", "render", "reuse_files", "row_axis", "save",
    "script_json", "shorten", "source_conflicts_chart", "spec_of", "source_conflicts_frame", "spread_labels",
    "start_renderers", "stop_renderers", "write_files", "write_svg_png",
]


def build_charts(tables: dict[str, pl.DataFrame]) -> dict:
    """Every chart of the report, by name, from the output tables."""
    reconciled = tables.get("reconciled")
    return {
        "norms_vs_records": norms_vs_records_chart(tables.get("norms_vs_records")),
        "record_timeline": record_timeline_chart(reconciled),
        "source_conflicts": source_conflicts_chart(tables.get("conflicts"), reconciled),
        "movement_spread": movement_spread_chart(reconciled),
        "before_after": before_after_chart(reconciled),
    }
