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
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from datetime import date, timedelta
from pathlib import Path

import altair as alt
import polars as pl

#: Font stack. vl-convert ships Liberation Sans (Latin with diacritics,
#: Cyrillic, Greek) and lays the text out with it, so the SVG and PNG come
#: out the same on every machine, with no font to install. Browsers draw the
#: SVG with the first font they have: Liberation Sans, Arimo, Arial and
#: Helvetica share the same metrics, so labels fit on Windows, macOS and any
#: Linux with fonts-liberation. (Laying text out with a system font such as
#: DejaVu Sans costs vl-convert three times as long.)
FONT = "Liberation Sans, Arimo, Arial, Helvetica, sans-serif"
INK = "#222222"
MUTED = "#6b6b6b"
RECORD_COLOR = "#b2182b"
NORM_COLOR = "#4d4d4d"
AFTER_COLOR = RECORD_COLOR
BEFORE_COLOR = "#7a9cc6"
#: One colour per source type, in the DOMAIN order (closest to the event first).
SOURCE_TYPE_COLORS = {
    "archival": "#1b6fa8", "contemporary_press": "#e08214", "official_speech": "#b2182b",
    "memoir": "#7b3294", "later_soviet": "#8c564b", "scholarship": "#1a9850", "poster": "#d6604d",
}
CATEGORY = ["#1b6fa8", "#b2182b", "#1a9850", "#e08214", "#7b3294", "#8c564b", "#d6604d", "#4d4d4d",
            "#66a61e", "#e7298a", "#a6761d", "#17becf"]
#: The movement's starting point: Stakhanov's shift of 30/31 August 1935.
MOVEMENT_START = "1935-08-31"
#: The record timeline's window (the issue: "the movement, 1935-1937").
TIMELINE_YEARS = (1935, 1937)
#: Print resolution of the PNG files: every PNG is as wide as a page's text
#: block (6.5 in) at 300 dots per inch, i.e. 1950 pixels, whatever its size on screen.
PNG_PPI = 300
PRINT_WIDTH_IN = 6.5

#: The theme, applied to every chart by :func:`finish`.
THEME: dict = {
    "background": "white",
    "font": FONT,
    "padding": 14,
    "title": {"fontSize": 16, "fontWeight": "bold", "anchor": "start", "color": INK, "offset": 12,
              "subtitleFontSize": 12, "subtitleColor": "#444444", "subtitlePadding": 4},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal", "labelColor": INK,
             "titleColor": INK, "gridColor": "#e8e8e8", "domainColor": "#8a8a8a", "tickColor": "#8a8a8a",
             "labelLimit": 340, "titlePadding": 8},
    "header": {"labelFontSize": 12, "labelFontWeight": "bold", "labelColor": INK, "labelAngle": 0,
               "labelAlign": "left", "labelAnchor": "start", "labelOrient": "top", "labelPadding": 6,
               "labelLimit": 700, "title": None},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "bold", "labelLimit": 320,
               "symbolStrokeWidth": 1.5, "symbolOpacity": 1},
    "view": {"stroke": "#d9d9d9", "continuousWidth": 300, "continuousHeight": 300},
    "range": {"category": CATEGORY},
    "text": {"fontSize": 11, "color": INK},
    "point": {"size": 70, "strokeWidth": 1.5},
}

#: Legibility limits: a chart with more rows than this shows the first ones
#: and says so in its caption (the tables keep them all).
MAX_ROWS = 150
MAX_CONFLICT_PANELS = 30
MAX_LABELLED_RECORDS = 80

CHART_NAMES = ["norms_vs_records", "record_timeline", "source_conflicts", "movement_spread", "before_after"]


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def fmt_number(x: float | None, digits: int = 4) -> str:
    """A figure as a reader writes it: no exponent, no trailing zeros.

    >>> [fmt_number(v) for v in (102.0, 6.25, 0.006, 7657.142857, 5_000_000.0, None)]
    ['102', '6.25', '0.006', '7657', '5 million', '']
    """
    if x is None:
        return ""
    if abs(x) >= 1e6:
        return f"{x / 1e6:.{digits}g} million"
    text = f"{x:.{digits}g}"
    if "e" in text:
        text = f"{x:.{max(digits, 6)}f}".rstrip("0").rstrip(".")
    return text


def fmt_multiple(low_pct: float | None, high_pct: float | None) -> str:
    """A multiple of the norm from a percentage range: ``×17``, ``×14.6–17``, ``×0.53``.

    >>> [fmt_multiple(*p) for p in ((1700.0, 1700.0), (1457.14, 1700.0), (53.0, 53.0), (100.6, 100.6))]
    ['×17', '×14.6–17', '×0.53', '×1.01']
    """
    def one(pct: float) -> str:
        m = pct / 100
        if m >= 100:
            return f"{m:.0f}"
        return f"{m:.3g}" if m >= 1 else f"{m:.2g}"

    if low_pct is None and high_pct is None:
        return ""
    low, high = (low_pct if low_pct is not None else high_pct), (high_pct if high_pct is not None else low_pct)
    a, b = one(low), one(high)
    return f"×{a}" if a == b else f"×{a}–{b}"


def date_span(text: str | None) -> tuple[str, str, str] | None:
    """(first day, last day, middle day) of a partial ISO date or interval.

    >>> date_span("1935")
    ('1935-01-01', '1935-12-31', '1935-07-02')
    >>> date_span("1935-09"), date_span("1935-08-31")
    (('1935-09-01', '1935-09-30', '1935-09-15'), ('1935-08-31', '1935-08-31', '1935-08-31'))
    >>> date_span("1933/1937")[:2], date_span(None), date_span("c. 1935")
    (('1933-01-01', '1937-12-31'), None, None)
    """
    if not text:
        return None
    parts = str(text).split("/")
    try:
        first, last = _bounds(parts[0])[0], _bounds(parts[-1])[1]
    except ValueError:
        return None
    mid = first + (last - first) / 2
    return first.isoformat(), last.isoformat(), mid.isoformat()


def _bounds(part: str) -> tuple[date, date]:
    if re.fullmatch(r"\d{4}", part):
        y = int(part)
        return date(y, 1, 1), date(y, 12, 31)
    if re.fullmatch(r"\d{4}-\d{2}", part):
        y, m = map(int, part.split("-"))
        first = date(y, m, 1)
        return first, date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", part):
        day = date.fromisoformat(part)
        return day, day
    raise ValueError(part)


def measure_label(measure: str | None) -> str:
    """``coal_hewn`` -> ``coal hewn``."""
    return (measure or "").replace("_", " ")


def shorten(text: str | None, limit: int = 40) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _rows(frame: pl.DataFrame) -> list[dict]:
    """Plain rows for a spec's ``datasets``; non-finite floats become null."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    if floats:
        frame = frame.with_columns(pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
                                   for c in floats)
    return frame.to_dicts()


def _text(field: str) -> alt.Text:
    return alt.Text(field, type="nominal")


def _range_text(low: float, high: float) -> str:
    return fmt_number(low) if low == high else f"{fmt_number(low)}–{fmt_number(high)}"


def _positive(col: str) -> pl.Expr:
    """The column where it can sit on a log scale, else null."""
    return pl.when(pl.col(col) > 0).then(pl.col(col)).otherwise(None).alias(col)


def caption_lines(text: str, width: int = 110) -> list[str]:
    return textwrap.wrap(text, width=width) or [""]


def finish(chart, *, title: str, subtitle: str, caption: str, name: str, frame: pl.DataFrame):
    """Title on top, caption (naming the source table) underneath, the theme applied.

    The chart's layers refer to the named dataset ``name``; its rows are put
    into the top-level ``datasets`` last, so that altair never copies them
    while the chart is assembled, and no row limit applies. (altair copies
    the whole chart at every ``.properties``/``.configure`` call; setting the
    few top-level attributes directly keeps drawing fast.)
    """
    chart.title = alt.TitleParams(text=title, subtitle=caption_lines(subtitle, 100))
    top = alt.VConcatChart(
        vconcat=[], config=alt.Config(**THEME),
        title=alt.TitleParams(text=caption_lines(caption), orient="bottom", anchor="start", fontSize=11,
                              fontWeight="normal", color="#444444", offset=14, lineHeight=15))
    top.vconcat = [chart]  # set, not passed: the constructor would deep-copy the whole chart
    top.datasets = Datasets({name: _rows(frame)})
    return top


class Datasets:
    """A chart's rows, which altair serialises (``to_dict``) but never deep-copies.

    altair copies the whole chart, data included, at every ``to_dict()``;
    the rows never change, so they sit in this wrapper instead (altair
    calls ``to_dict()`` on any object with a ``_schema`` and a ``to_dict``).
    """

    _schema = {"type": "object"}

    def __init__(self, datasets: dict[str, list[dict]]):
        self.datasets = datasets

    def to_dict(self, *args, **kwargs) -> dict[str, list[dict]]:
        return self.datasets


def _layer(*layers, **kwargs):
    """``alt.layer`` without its two deep copies of every layer (the charts here have no selections)."""
    chart = alt.LayerChart(layer=[], **kwargs)
    chart.layer = list(layers)
    return chart


def _facet(layered, *, resolve: dict | None = None, **facet):
    chart = layered.facet(**facet)
    if resolve:
        chart.resolve = alt.Resolve(scale=alt.ScaleResolveMap(**resolve))
    return chart


def _empty(title: str, subtitle: str, caption: str, message: str, name: str):
    chart = alt.Chart(alt.NamedData(name=name)).mark_text(
        fontSize=13, color=MUTED, align="left", baseline="middle").encode(
        x=alt.XValue(10), y=alt.YValue(30), text=_text("message"))
    chart.width, chart.height = 520, 60
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name,
                  frame=pl.DataFrame({"message": [message]}))


def _cap(frame: pl.DataFrame, limit: int, what: str, table: str) -> tuple[pl.DataFrame, str]:
    """The first ``limit`` rows, and a sentence for the caption when some are left out."""
    if frame.height <= limit:
        return frame, ""
    return frame.head(limit), f" Showing the first {limit} of {frame.height} {what}; {table} has them all."


def _has(frame: pl.DataFrame | None, needed: list[str]) -> bool:
    return frame is not None and frame.height > 0 and all(c in frame.columns for c in needed)


# ---------------------------------------------------------------------------
# Shared pieces of the charts
# ---------------------------------------------------------------------------

def log_axis(values) -> tuple[list[float], list[float]]:
    """A log scale's domain (whole decades around the values) and its tick values (1-2-5 per decade).

    >>> log_axis([6.0, 102.0])
    ([1.0, 1000.0], [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0])
    >>> log_axis([0.2, 1400.0])[1]
    [0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0]
    """
    finite = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    if not finite:
        return [1.0, 10.0], [1.0, 10.0]
    low, high = math.floor(math.log10(min(finite)) + 1e-9), math.ceil(math.log10(max(finite)) - 1e-9)
    high = max(high, low + 1)
    steps = (1,) if high - low > 3 else (1, 2, 5)
    ticks = [float(f"{m * 10.0 ** k:.12g}") for k in range(low, high + 1) for m in steps if k < high or m == 1]
    return [float(f"{10.0 ** low:.12g}"), float(f"{10.0 ** high:.12g}")], ticks


def bound_of(flags: str | None) -> str:
    """'lower bound' for an open upper end ('over half'), 'upper bound' for an open lower end, else 'stated'."""
    codes = set((flags or "").split(";"))
    if "lower-bound" in codes:
        return "lower bound"
    if "upper-bound" in codes:
        return "upper bound"
    return "stated"


def row_axis(**kwargs) -> alt.Axis:
    """A category axis whose labels are the rows: its title sits level, above the labels, not turned on its side."""
    settings = {"labelLimit": 360, "labelPadding": 6, "ticks": False, "domain": False, "titleAngle": 0,
                "titleAlign": "right", "titleBaseline": "bottom", "titleX": -6, "titleY": -6,
                "titleFontWeight": "normal", "titleColor": MUTED}
    return alt.Axis(**{**settings, **kwargs})


def movement_start_rule(x_scale: alt.Scale, x_axis: alt.Axis, x_title: str):
    """A dashed vertical line at Stakhanov's shift of 30/31 August 1935 (one mark, whatever the data)."""
    y, m, d = (int(v) for v in MOVEMENT_START.split("-"))
    return alt.Chart().transform_aggregate(n="count()").mark_rule(color="#555555", strokeDash=[4, 3]).encode(
        x=alt.X(datum=alt.DateTime(year=y, month=m, date=d, utc=True), type="temporal", scale=x_scale,
                axis=x_axis, title=x_title))


# ---------------------------------------------------------------------------
# 1. Norms against records
# ---------------------------------------------------------------------------

def norms_vs_records_frame(nvr: pl.DataFrame) -> pl.DataFrame:
    """One row per record claim, with its row label, norm, implied norm and the multiple as text.

    Rows are ordered by sector, then by event (its earliest date), so that
    two sources' claims about one record sit next to each other.
    """
    frame = nvr.with_columns(_positive("record_value"), _positive("norm_low"), _positive("norm_high"),
                             _positive("implied_norm")).filter(pl.col("record_value").is_not_null())
    frame = frame.with_columns(pl.col("sector").fill_null("(no sector)"),
                               pl.col("date").min().over("event_id").alias("_event_date")).sort(
        ["sector", "_event_date", "event_id", "measure", "record_claim_id"], nulls_last=True)
    rows = []
    for i, r in enumerate(frame.iter_rows(named=True)):
        unit = r["unit"] or ""
        line2 = " · ".join([f"{measure_label(r['measure'])} ({unit})" if unit else measure_label(r["measure"]),
                            r["date"] or "undated", r["record_source_id"], r["record_claim_id"]])
        parts = [fmt_multiple(r["pct_of_norm_low"], r["pct_of_norm_high"])]
        if r.get("stated_multiple") is not None:
            parts.append(f"stated ×{fmt_number(r['stated_multiple'], 3)}")
        if r.get("stated_pct_of_norm") is not None:
            parts.append(f"stated {fmt_number(r['stated_pct_of_norm'])}%")
        has_norm = r["norm_low"] is not None or r["norm_high"] is not None
        norm_low = r["norm_low"] if r["norm_low"] is not None else r["norm_high"]
        norm_high = r["norm_high"] if r["norm_high"] is not None else r["norm_low"]
        implied = None if has_norm else r["implied_norm"]
        rows.append({
            "order": i, "sector": r["sector"], "row": f"{shorten(r['subject'], 44) or r['event_id']}\n{line2}",
            "subject": r["subject"], "event_id": r["event_id"], "record_claim_id": r["record_claim_id"],
            "record_source_id": r["record_source_id"], "unit": unit, "date": r["date"],
            "record": r["record_value"], "norm_low": norm_low, "norm_high": norm_high,
            "norm_ref": norm_high if has_norm else implied, "implied_norm": implied,
            "label_at": max(v for v in (r["record_value"], norm_high, implied) if v is not None),
            "multiple": "; ".join(p for p in parts if p), "flags": r.get("flags"),
        })
    schema = {"order": pl.Int64, "sector": pl.String, "row": pl.String, "subject": pl.String,
              "event_id": pl.String, "record_claim_id": pl.String, "record_source_id": pl.String,
              "unit": pl.String, "date": pl.String, "record": pl.Float64, "norm_low": pl.Float64,
              "norm_high": pl.Float64, "norm_ref": pl.Float64, "implied_norm": pl.Float64, "label_at": pl.Float64,
              "multiple": pl.String, "flags": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def norms_vs_records_chart(nvr: pl.DataFrame):
    """Each record claim against the norm in force, log scale, the multiple labelled, by sector.

    One row per record *claim*: two sources telling one record are two rows,
    never merged, stacked or summed. A norm range is drawn as a bar from its
    low to its high end; a norm only implied by a stated ratio is hollow.

    >>> import polars as pl
    >>> nvr = pl.DataFrame({"event_id": ["e1"], "subject": ["Алексей Стаханов"], "sector": ["coal"],
    ...     "measure": ["coal_hewn"], "date": ["1935-08-31"], "record_value": [102.0], "norm_low": [6.0],
    ...     "norm_high": [7.0], "unit": ["t"], "pct_of_norm_low": [1457.1], "pct_of_norm_high": [1700.0],
    ...     "stated_pct_of_norm": [None], "stated_multiple": [None], "implied_norm": [None],
    ...     "record_claim_id": ["c1"], "record_source_id": ["s1"], "flags": ["norm-range"]})
    >>> spec = norms_vs_records_chart(nvr).to_dict()
    >>> spec["vconcat"][0]["title"]["text"], spec["vconcat"][0]["spec"]["layer"][0]["encoding"]["x"]["scale"]["type"]
    ('Norms against records', 'log')
    >>> spec["datasets"]["norms_vs_records"][0]["multiple"]
    '×14.6–17'
    """
    name, title = "norms_vs_records", "Norms against records"
    subtitle = ("Each record claim against the norm in force for its job, on a log scale: the gap between the "
                "grey norm and the red record is the multiple of the norm, labelled on the right.")
    caption = ("Source: norms_vs_records.csv (one row per record claim). Two sources telling one record are "
               "two rows, never merged. A norm range (6–7 t) is a bar between two diamonds; a hollow diamond "
               "is a norm implied by a stated percentage or multiple. Each row is in its own unit, named in its label.")
    needed = ["record_value", "norm_low", "norm_high", "unit", "pct_of_norm_low", "pct_of_norm_high", "sector",
              "subject", "record_claim_id", "record_source_id", "event_id", "measure", "date"]
    if not _has(nvr, needed):
        return _empty(title, subtitle, caption, "No record in the ledger has a norm to compare with.", name)
    frame = norms_vs_records_frame(nvr)
    if frame.height == 0:
        return _empty(title, subtitle, caption, "No record in the ledger has a positive value.", name)
    frame, note = _cap(frame, MAX_ROWS, "record claims (in sector and date order)", "norms_vs_records.csv")
    caption += note
    sectors = (frame.group_by("sector").agg(pl.len(), pl.col("order").min())
               .sort(["len", "order"], descending=[True, False])["sector"].to_list())
    domain, ticks = log_axis(frame["record"].to_list() + frame["norm_low"].to_list() + frame["norm_high"].to_list()
                             + frame["implied_norm"].to_list())
    x_scale = alt.Scale(type="log", domain=domain)
    x_title = "Output in each row's own unit (log scale)"
    x_axis = alt.Axis(values=ticks, format=",~g")
    y = alt.Y("row:N", sort=alt.EncodingSortField("order", op="min"),
              title="Worker; measure (unit) · date · source · claim",
              axis=row_axis(labelExpr="split(datum.label, '\\n')", labelLineHeight=14))
    kinds = ["record", "norm", "norm implied by a stated ratio"]
    tooltip = [alt.Tooltip("subject:N"), alt.Tooltip("record:Q", format=",.4~g"),
               alt.Tooltip("norm_low:Q", title="norm (low)", format=",.4~g"),
               alt.Tooltip("norm_high:Q", title="norm (high)", format=",.4~g"), alt.Tooltip("unit:N"),
               alt.Tooltip("multiple:N", title="multiple of the norm"),
               alt.Tooltip("record_source_id:N", title="source"), alt.Tooltip("record_claim_id:N", title="claim")]

    def x(field: str) -> alt.X:
        return alt.X(field, type="quantitative", scale=x_scale, axis=x_axis, title=x_title)

    base = alt.Chart()
    gap = base.mark_rule(color="#9e9e9e", strokeWidth=1, strokeDash=[2, 2]).encode(
        x=x("norm_ref"), x2=alt.X2("record"), y=y)
    norm_range = base.mark_rule(color=NORM_COLOR, strokeWidth=5, opacity=0.55).encode(
        x=x("norm_low"), x2=alt.X2("norm_high"), y=y)
    points = base.transform_fold(["record", "norm_low", "norm_high", "implied_norm"], as_=["which", "value"])
    points = points.transform_filter("isValid(datum.value)").transform_calculate(
        kind="datum.which === 'record' ? 'record' : datum.which === 'implied_norm' ? "
             "'norm implied by a stated ratio' : 'norm'").mark_point(opacity=1).encode(
        x=x("value"), y=y,
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom", direction="horizontal"),
                        scale=alt.Scale(domain=kinds, range=[RECORD_COLOR, NORM_COLOR, NORM_COLOR])),
        fill=alt.Fill("kind:N", scale=alt.Scale(domain=kinds, range=[RECORD_COLOR, NORM_COLOR, "white"]), legend=None),
        shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=["circle", "diamond", "diamond"])),
        tooltip=tooltip)
    labels = base.mark_text(align="left", dx=9, fontSize=11, color=RECORD_COLOR, fontWeight="bold").encode(
        x=x("label_at"), y=y, text=_text("multiple"))
    layered = _layer(gap, norm_range, points, labels, data=alt.NamedData(name=name), width=460,
                        height=alt.Step(34))
    chart = _facet(layered, row=alt.Row("sector:N", sort=sectors, title=None, header=alt.Header(labelFontSize=13)),
                   resolve={"y": "independent"})
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame)


# ---------------------------------------------------------------------------
# 2. Record timeline
# ---------------------------------------------------------------------------

def record_timeline_frame(reconciled: pl.DataFrame, years: tuple[int, int] = TIMELINE_YEARS) -> pl.DataFrame:
    """Dated records inside the window and the norms of the same measures, one row per event.

    Only measures with two or more dated records are kept (a record alone in
    its measure has no successor; the norms chart shows it), unless no
    measure has two, in which case all are kept.
    """
    first, last = date(years[0], 1, 1).isoformat(), date(years[1], 12, 31).isoformat()
    rows = []
    for r in reconciled.filter(pl.col("statistic").is_in(["record", "norm"])).iter_rows(named=True):
        span = date_span(r["date"])
        value = r["value"] if r["value"] is not None else r["value_low"]
        if value is None or value <= 0:
            continue
        if r["statistic"] == "record" and (span is None or span[0] < first or span[1] > last):
            continue
        low = r["value_low"] if r["value_low"] and r["value_low"] > 0 else value
        high = r["value_high"] if r["value_high"] and r["value_high"] > 0 else value
        unit = r["unit"] or ""
        norm_text = f"norm {_range_text(low, high)} {unit}"
        rows.append({
            "kind": r["statistic"], "measure": r["measure"], "unit": unit,
            "panel": f"{measure_label(r['measure'])} ({unit})" if unit else measure_label(r["measure"]),
            "event_id": r["event_id"], "subject": r["subject"] or r["event_id"],
            "label": fmt_number(value),
            "date": r["date"], "start": max(span[0], first) if span else first, "end": span[1] if span else None,
            "mid": span[2] if span else None, "value": value, "low": low, "high": high, "label_value": value,
            "status": r["status"], "window_end": last, "norm_text": norm_text.strip(), "line": None,
        })
    schema = {"kind": pl.String, "measure": pl.String, "unit": pl.String, "panel": pl.String, "event_id": pl.String,
              "subject": pl.String, "label": pl.String, "date": pl.String, "start": pl.String, "end": pl.String,
              "mid": pl.String, "value": pl.Float64, "low": pl.Float64, "high": pl.Float64, "label_value": pl.Float64,
              "status": pl.String, "window_end": pl.String, "norm_text": pl.String, "line": pl.String}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    # A line joins the records of one subject only where they are successive (two dates or more).
    frame = frame.with_columns(pl.when((pl.col("kind") == "record")
                                       & (pl.col("mid").n_unique().over(["panel", "kind", "subject"]) > 1))
                               .then(pl.col("subject")).otherwise(None).alias("line"))
    counts = frame.filter(pl.col("kind") == "record").group_by("panel").len()
    keep = counts.filter(pl.col("len") >= 2) if (counts["len"] >= 2).any() else counts
    frame = frame.filter(pl.col("panel").is_in(keep["panel"].implode()))
    return frame.sort(["panel", "kind", "mid", "event_id"], nulls_last=True)


def spread_labels(frame: pl.DataFrame, *, x_domain: tuple[str, str], y_domain: list[float], width: float,
                  height: float, line: float = 8.5, char: float = 6.4) -> pl.DataFrame:
    """Move record labels apart vertically so that none overlaps another (``label_value``).

    Positions are worked out in pixels from the chart's fixed domains (time
    on x, log on y); a label that would overlap one already placed moves to
    the nearest free line above or below, then its pixel position is turned
    back into a value.
    """
    t0, t1 = (date.fromisoformat(d).toordinal() for d in x_domain)
    l0, l1 = math.log10(y_domain[0]), math.log10(y_domain[1])

    def px_x(day: str) -> float:
        return (date.fromisoformat(day).toordinal() - t0) / (t1 - t0) * width

    def px_y(v: float) -> float:
        return height * (1 - (math.log10(v) - l0) / (l1 - l0))

    records = frame.filter(pl.col("kind") == "record")
    placed: list[tuple[float, float, float]] = []  # x0, x1, y
    moved = {}
    for r in sorted(records.iter_rows(named=True), key=lambda r: (px_y(r["value"]), r["mid"], r["event_id"])):
        x0 = px_x(r["mid"]) + 7
        x1 = x0 + char * len(r["label"])
        y0 = px_y(r["value"])
        for step in (0, -1, 1, -2, 2, 0):  # at most two lines away; else let it overlap
            y = y0 + step * line
            if not any(x0 < px1 and px0 < x1 and abs(y - py) < line for px0, px1, py in placed):
                break
        placed.append((x0, x1, y))
        fraction = min(max(1 - y / height, 0.0), 1.0)
        moved[r["event_id"]] = r["value"] if y == y0 else 10 ** (l0 + fraction * (l1 - l0))
    return frame.with_columns(pl.when(pl.col("kind") == "record").then(
        pl.col("event_id").replace_strict(moved, default=None, return_dtype=pl.Float64)).otherwise(
        pl.col("label_value")).alias("label_value"))


def record_timeline_chart(reconciled: pl.DataFrame):
    """Successive records of each worker and of the movement, 1935–1937, against time, with norms.

    One panel per measure with two or more records (each in its unit, log
    scale). A record dated only to a month or a year is drawn across that
    month or year; one whose sources disagree spans their values. Norms of
    the same measure are grey bands from their date on.
    """
    name, title = "record_timeline", "Successive records, 1935–1937"
    subtitle = ("Each record (its reconciled value, labelled) against its date, log scale. Lines join the "
                "successive records of one worker; the grey band is the norm of the same job.")
    caption = ("Source: reconciled.csv (statistics record and norm; records dated 1935–1937, in measures with two "
               "or more records; a record alone in its measure is in the norms chart). A date known only to the "
               "month or year is a horizontal bar across it; a vertical bar spans conflicting claims. The dashed "
               "line marks Stakhanov's shift of 30/31 August 1935.")
    if not _has(reconciled, ["event_id", "statistic", "measure", "subject", "date", "value", "value_low",
                             "value_high", "unit", "status"]):
        return _empty(title, subtitle, caption, "No reconciled records.", name)
    frame = record_timeline_frame(reconciled)
    records = frame.filter(pl.col("kind") == "record")
    if records.height == 0:
        return _empty(title, subtitle, caption, f"No dated record in {TIMELINE_YEARS[0]}–{TIMELINE_YEARS[1]}.", name)
    panels = records.group_by("panel").len().sort(["len", "panel"], descending=[True, False])["panel"].to_list()
    width, height = 640, 340
    x_domain = (f"{TIMELINE_YEARS[0]}-01-01", f"{TIMELINE_YEARS[1] + 1}-01-01")
    parts = []
    for panel in panels:
        part = frame.filter(pl.col("panel") == panel)
        if part.filter(pl.col("kind") == "record").height > MAX_LABELLED_RECORDS:
            caption += f" Values are labelled in panels of at most {MAX_LABELLED_RECORDS} records."
            parts.append(part.with_columns(pl.lit("").alias("label")))
            continue
        domain, _ = log_axis(part["low"].to_list() + part["high"].to_list())
        parts.append(spread_labels(part, x_domain=x_domain, y_domain=domain, width=width, height=height))
    frame = pl.concat(parts)
    domain, ticks = log_axis(frame["low"].to_list() + frame["high"].to_list())
    units = sorted(set(records["unit"].to_list()))
    one_unit = len(panels) == 1 and units[0]
    y_title = f"Record, {units[0]} (log scale)" if one_unit else "Record, in the panel's unit (log scale)"
    x_scale = alt.Scale(type="utc", domain=list(x_domain))
    x_axis = alt.Axis(format="%b %Y", labelAngle=0, tickCount={"interval": "month", "step": 3}, labelOverlap=True)
    x_title = "Date of the record"
    y_scale = alt.Scale(type="log", domain=domain) if len(panels) == 1 else alt.Scale(type="log", nice=True)
    y_axis = alt.Axis(values=ticks, format=",~g") if len(panels) == 1 else alt.Axis(format=",~g")

    def t(field: str) -> alt.X:
        return alt.X(field, type="temporal", scale=x_scale, axis=x_axis, title=x_title)

    def y(field: str) -> alt.Y:
        return alt.Y(field, type="quantitative", scale=y_scale, axis=y_axis, title=y_title)

    color = alt.Color("subject:N", title="Worker or group", legend=alt.Legend(orient="bottom", columns=2),
                      scale=alt.Scale(domain=sorted(set(records["subject"].to_list()))))
    shape = alt.Shape("status:N", title="The record's sources", scale=alt.Scale(
        domain=["single", "agree", "conflict", "adjudicated"], range=["circle", "square", "triangle-up", "diamond"]),
        legend=alt.Legend(orient="bottom", direction="horizontal"))
    base = alt.Chart()
    norm, record = base.transform_filter("datum.kind === 'norm'"), base.transform_filter("datum.kind === 'record'")
    layers = [
        norm.mark_rect(color=NORM_COLOR, opacity=0.16).encode(
            x=t("start"), x2=alt.X2("window_end"), y=y("low"), y2=alt.Y2("high")),
        norm.mark_rule(color=NORM_COLOR, strokeWidth=1.5).encode(x=t("start"), x2=alt.X2("window_end"), y=y("value")),
        norm.mark_text(align="right", baseline="bottom", dx=-4, dy=-3, color=NORM_COLOR, fontSize=10).encode(
            x=t("window_end"), y=y("high"), text=_text("norm_text")),
        movement_start_rule(x_scale, x_axis, x_title),
        record.transform_filter("isValid(datum.line)").mark_line(strokeWidth=1.2, opacity=0.7).encode(
            x=t("mid"), y=y("value"), color=color, detail=alt.Detail("line", type="nominal"),
            order=alt.Order("mid", type="temporal")),
        record.mark_rule(strokeWidth=2, opacity=0.4).encode(x=t("start"), x2=alt.X2("end"), y=y("value"), color=color),
        record.mark_rule(strokeWidth=2).encode(x=t("mid"), y=y("low"), y2=alt.Y2("high"), color=color),
        record.mark_point(filled=True, opacity=1).encode(
            x=t("mid"), y=y("value"), color=color, shape=shape,
            tooltip=[alt.Tooltip("subject:N"), alt.Tooltip("date:N"), alt.Tooltip("value:Q", format=",.4~g"),
                     alt.Tooltip("unit:N"), alt.Tooltip("status:N"), alt.Tooltip("event_id:N", title="event")]),
        record.mark_text(align="left", baseline="middle", dx=7, fontSize=10).encode(
            x=t("mid"), y=y("label_value"), text=_text("label")),
    ]
    layered = _layer(*layers, data=alt.NamedData(name=name), width=width, height=height)
    chart = _facet(layered, row=alt.Row("panel:N", sort=panels, title=None), resolve={"y": "independent"})
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame)


# ---------------------------------------------------------------------------
# 3. Source conflicts
# ---------------------------------------------------------------------------

def conflict_groups(conflicts: pl.DataFrame) -> pl.DataFrame:
    """(event_id, measure, statistic) of each conflict, the widest spread first (then by event id)."""
    low = pl.coalesce("value_low", "value_high")
    high = pl.coalesce("value_high", "value_low")
    return (conflicts.group_by("event_id", "measure", "statistic")
            .agg(((high.max() - low.min()) / low.min().abs()).alias("spread"))
            .sort(["spread", "event_id", "measure", "statistic"], descending=[True, False, False, False],
                  nulls_last=True)
            .select(pl.concat_list(pl.col("event_id", "measure", "statistic")).alias("key"), "spread"))


def source_conflicts_frame(conflicts: pl.DataFrame, reconciled: pl.DataFrame | None = None, *,
                           limit: int | None = None) -> pl.DataFrame:
    """One row per claim in conflict, plus one 'span' row per event with the reported value.

    Events come widest spread first; ``limit`` keeps only that many.
    """
    reported = {}
    if reconciled is not None and reconciled.height and {"value", "strategy"} <= set(reconciled.columns):
        for r in reconciled.select("event_id", "measure", "statistic", "value", "strategy").iter_rows(named=True):
            reported[(r["event_id"], r["measure"], r["statistic"])] = (r["value"], r["strategy"])
    rows = []
    for key in conflict_groups(conflicts)["key"].to_list()[:limit]:
        key = tuple(key)
        group = conflicts.filter((pl.col("event_id") == key[0]) & (pl.col("measure") == key[1])
                                 & (pl.col("statistic") == key[2])).sort(["value_low", "claim_id"], nulls_last=True)
        unit = next((u for u in group["unit"] if u), "")
        panel = f"{key[0]} · {measure_label(key[1])} · {key[2]}" + (f" ({unit})" if unit else "")
        value, strategy = reported.get(key, (None, None))
        if value is None:  # no reconciled table at hand: the chosen claim's value
            chosen = group.filter(pl.col("chosen") == True)  # noqa: E712
            value = chosen["value_low"][0] if chosen.height else None
        lows, highs = [], []
        for r in group.iter_rows(named=True):
            low = r["value_low"] if r["value_low"] is not None else r["value_high"]
            high = r["value_high"] if r["value_high"] is not None else r["value_low"]
            if low is None:
                continue
            lows.append(low)
            highs.append(high)
            kind = (r["source_type"] or "unknown").replace("_", " ")
            text = fmt_number(low) + (f"–{fmt_number(high)}" if high != low else "") + (f" {unit}" if unit else "")
            rows.append({"panel": panel, "kind": "claim", "order": len(rows),
                         "row": f"{r['source_id']} ({kind}) · {r['claim_id']}",
                         "source_type": r["source_type"] or "unknown", "claim_id": r["claim_id"],
                         "source_id": r["source_id"], "low": low, "high": high, "mid": (low + high) / 2,
                         "chosen": bool(r["chosen"]), "label": text, "deviation_pct": r["deviation_pct"],
                         "unit": unit, "reported": value})
        if lows:
            how = f"reported ({strategy})" if strategy else "reported"
            text = f"{fmt_number(min(lows))}–{fmt_number(max(highs))} {unit}".strip()
            rows.append({"panel": panel, "kind": "span", "order": len(rows), "row": "span of all claims",
                         "source_type": None, "claim_id": None, "source_id": None, "low": min(lows),
                         "high": max(highs), "mid": value, "chosen": False,
                         "label": text + (f"; {how}: {fmt_number(value)}" if value is not None else ""),
                         "deviation_pct": None, "unit": unit, "reported": value})
    schema = {"panel": pl.String, "kind": pl.String, "order": pl.Int64, "row": pl.String, "source_type": pl.String,
              "claim_id": pl.String, "source_id": pl.String, "low": pl.Float64, "high": pl.Float64, "mid": pl.Float64,
              "chosen": pl.Boolean, "label": pl.String, "deviation_pct": pl.Float64, "unit": pl.String,
              "reported": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def source_conflicts_chart(conflicts: pl.DataFrame, reconciled: pl.DataFrame | None = None):
    """Every event in conflict: each claim a point coloured by source type, the reported value and the span.

    Each claim has a row of its own, so two sources' claims are never stacked
    or summed, even when they give the same figure.
    """
    name, title = "source_conflicts", "Source conflicts"
    subtitle = ("Every event whose claims disagree: each claim on its own row, coloured by the type of its "
                "source; the ringed claim is the one reported, the dashed line the reported value.")
    caption = ("Source: conflicts.csv (one row per claim of an event in conflict), with the reported value from "
               "reconciled.csv. The bottom row of each panel spans every claim; each panel is in its own unit.")
    if not _has(conflicts, ["event_id", "measure", "statistic", "claim_id", "source_id", "source_type",
                            "value_low", "value_high", "unit", "chosen", "deviation_pct"]):
        return _empty(title, subtitle, caption, "No event in conflict: the claims of every event agree.", name)
    frame = source_conflicts_frame(conflicts, reconciled, limit=MAX_CONFLICT_PANELS)
    if frame.height == 0:
        return _empty(title, subtitle, caption, "No event in conflict has a number.", name)
    total = conflict_groups(conflicts).height
    if total > MAX_CONFLICT_PANELS:
        caption += (f" Showing the {MAX_CONFLICT_PANELS} conflicts with the widest spread of {total}; "
                    "conflicts.csv has them all.")
    types = list(SOURCE_TYPE_COLORS) + ["unknown"]
    color_scale = alt.Scale(domain=types, range=list(SOURCE_TYPE_COLORS.values()) + ["#999999"])
    x_title = "Claimed value, in the panel's unit"
    x_scale = alt.Scale(zero=False, nice=False, padding=24)
    x_axis = alt.Axis(tickCount=6, format=",~g")

    def x(field: str) -> alt.X:
        return alt.X(field, type="quantitative", scale=x_scale, axis=x_axis, title=x_title)

    y = alt.Y("row:N", sort=alt.EncodingSortField("order", op="min"), title="Source (type) · claim",
              axis=row_axis(labelPadding=16))
    color = alt.Color("source_type:N", title="Source type", scale=color_scale,
                      legend=alt.Legend(orient="bottom", direction="horizontal", columns=4))
    base = alt.Chart()
    is_claim, is_span = "datum.kind === 'claim'", "datum.kind === 'span'"
    layers = [
        base.transform_filter(is_span).mark_rule(color=INK, strokeWidth=3).encode(x=x("low"), x2=alt.X2("high"), y=y),
        base.transform_filter(is_span).transform_fold(["low", "high"], as_=["end", "v"]).mark_tick(
            color=INK, thickness=2, size=14).encode(x=x("v"), y=y),
        base.transform_filter(is_span + " && isValid(datum.reported)").mark_rule(
            color=INK, strokeDash=[5, 3], strokeWidth=1.2).encode(x=x("reported")),
        base.transform_filter(is_claim).mark_rule(strokeWidth=3).encode(
            x=x("low"), x2=alt.X2("high"), y=y, color=color),
        base.transform_filter(is_claim + " && datum.chosen").mark_point(
            shape="circle", size=340, filled=False, color=INK, strokeWidth=2).encode(x=x("mid"), y=y),
        base.transform_filter(is_claim).mark_point(filled=True, size=120, opacity=1).encode(
            x=x("mid"), y=y, color=color,
            tooltip=[alt.Tooltip("claim_id:N", title="claim"), alt.Tooltip("source_id:N", title="source"),
                     alt.Tooltip("source_type:N", title="type"), alt.Tooltip("low:Q", format=",.4~g"),
                     alt.Tooltip("high:Q", format=",.4~g"), alt.Tooltip("unit:N"), alt.Tooltip("chosen:N"),
                     alt.Tooltip("deviation_pct:Q", title="deviation from reported, %", format=".1f")]),
        base.mark_text(align="left", dx=14, fontSize=11).encode(x=x("high"), y=y, text=_text("label")),
    ]
    layered = _layer(*layers, data=alt.NamedData(name=name), width=440, height=alt.Step(30))
    chart = _facet(layered, row=alt.Row("panel:N", title=None, sort=alt.EncodingSortField("order", op="min")),
                   resolve={"x": "independent", "y": "independent"})
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame)


# ---------------------------------------------------------------------------
# 4. The spread of the movement
# ---------------------------------------------------------------------------

SHARE_MEASURE = "stakhanovite_share"


def movement_spread_frame(reconciled: pl.DataFrame, measure: str = SHARE_MEASURE) -> pl.DataFrame:
    """Dated shares of Stakhanovites, with open ends ('over half') kept open up to 100%."""
    rows = []
    for r in reconciled.filter(pl.col("measure") == measure).iter_rows(named=True):
        span = date_span(r["date"])
        value = r["value"] if r["value"] is not None else r["value_low"]
        if span is None or value is None:
            continue
        bound = bound_of(r["flags"])
        low = r["value_low"] if r["value_low"] is not None else value
        high = r["value_high"] if r["value_high"] is not None else value
        if bound == "lower bound":
            high, label = 100.0, f"over {fmt_number(low)}%"
        elif bound == "upper bound":
            low, label = 0.0, f"under {fmt_number(high)}%"
        else:
            label = f"{fmt_number(low)}–{fmt_number(high)}%" if high != low else f"{fmt_number(value)}%"
        rows.append({"subject": r["subject"] or r["event_id"], "event_id": r["event_id"], "date": r["date"],
                     "start": span[0], "end": span[1], "mid": span[2], "value": value, "low": low, "high": high,
                     "bound": bound, "label": label})
    schema = {"subject": pl.String, "event_id": pl.String, "date": pl.String, "start": pl.String, "end": pl.String,
              "mid": pl.String, "value": pl.Float64, "low": pl.Float64, "high": pl.Float64, "bound": pl.String,
              "label": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row").sort(["subject", "mid"])


def movement_spread_chart(reconciled: pl.DataFrame):
    """The share of workers counted as Stakhanovites, over time, as the ledger's sources give it."""
    name, title = "movement_spread", "The spread of the movement"
    subtitle = ("Share of workers counted as Stakhanovites, by workforce and date. An open figure ('over half') "
                "is a triangle at its stated bound, with a dashed bar up to 100%.")
    caption = (f"Source: reconciled.csv (measure {SHARE_MEASURE}). A date known only to the month or year is a "
               "horizontal bar across it. The workforces differ (Moscow's 22 largest industries, one steel plant, "
               "all Soviet industry): compare along a line, not across lines. The dashed line marks 31 August 1935.")
    if not _has(reconciled, ["event_id", "measure", "subject", "date", "value", "value_low", "value_high", "flags"]):
        return _empty(title, subtitle, caption, "No share of Stakhanovites in the ledger.", name)
    frame = movement_spread_frame(reconciled)
    if frame.height == 0:
        return _empty(title, subtitle, caption, "No dated share of Stakhanovites in the ledger.", name)
    if frame.height > MAX_LABELLED_RECORDS:
        frame = frame.with_columns(pl.lit("").alias("label"))
        caption += f" Values are labelled when there are at most {MAX_LABELLED_RECORDS}."
    x_scale = alt.Scale(type="utc", nice="month")
    x_axis = alt.Axis(format="%b %Y", labelAngle=0, tickCount={"interval": "month", "step": 2},
                      labelOverlap=True)
    x_title = "Date"

    def t(field: str) -> alt.X:
        return alt.X(field, type="temporal", scale=x_scale, axis=x_axis, title=x_title)

    y_scale = alt.Scale(domain=[0, max(100.0, *frame["high"].drop_nulls().to_list())], nice=True)
    y_title = "Stakhanovites, % of the workforce"
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    bounds = ["stated", "lower bound", "upper bound"]
    color = alt.Color("subject:N", title="Workforce", legend=alt.Legend(orient="bottom", columns=1))
    base = alt.Chart()
    layers = [
        movement_start_rule(x_scale, x_axis, x_title),
        base.mark_line(strokeWidth=1.5).encode(x=t("mid"), y=y, color=color, order=alt.Order("mid", type="temporal")),
        base.mark_rule(strokeWidth=2, opacity=0.45).encode(x=t("start"), x2=alt.X2("end"), y=y, color=color),
        base.transform_filter("datum.bound === 'stated'").mark_rule(strokeWidth=1.5).encode(
            x=t("mid"), y=alt.Y("low:Q", title=y_title, scale=y_scale), y2=alt.Y2("high"), color=color),
        base.transform_filter("datum.bound !== 'stated'").mark_rule(strokeWidth=1.5, strokeDash=[4, 3]).encode(
            x=t("mid"), y=alt.Y("low:Q", title=y_title, scale=y_scale), y2=alt.Y2("high"), color=color),
        base.mark_point(filled=True, size=80, opacity=1).encode(
            x=t("mid"), y=y, color=color,
            shape=alt.Shape("bound:N", title="Figure", scale=alt.Scale(
                domain=bounds, range=["circle", "triangle-up", "triangle-down"]),
                legend=alt.Legend(orient="bottom", direction="horizontal")),
            tooltip=[alt.Tooltip("subject:N"), alt.Tooltip("date:N"), alt.Tooltip("label:N", title="share"),
                     alt.Tooltip("event_id:N", title="event")]),
        base.mark_text(align="left", dx=7, dy=-8, fontSize=11).encode(x=t("mid"), y=y, text=_text("label")),
    ]
    chart = _layer(*layers, data=alt.NamedData(name=name), width=620, height=320)
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame)


# ---------------------------------------------------------------------------
# 5. Before and after
# ---------------------------------------------------------------------------

def period_of(event_id: str) -> str | None:
    """'before' or 'after' from the historian's event id (``stakhanov-before-1935-08``), else None.

    >>> period_of("stakhanov-before-1935-08"), period_of("dyukanov-after-1935-09")
    ('before', 'after')
    >>> period_of("soviet-coal-hewers-before-after") is None
    True
    """
    tokens = set(event_id.split("-"))
    if ("before" in tokens) == ("after" in tokens):
        return None
    return "before" if "before" in tokens else "after"


def before_after_frame(reconciled: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for r in reconciled.filter(pl.col("statistic").is_in(["average", "maximum"])).iter_rows(named=True):
        period = period_of(r["event_id"])
        value = r["value"] if r["value"] is not None else r["value_low"]
        if period is None or value is None:
            continue
        low = r["value_low"] if r["value_low"] is not None else value
        high = r["value_high"] if r["value_high"] is not None else value
        unit = r["unit"] or ""
        text = f"{fmt_number(low)}–{fmt_number(high)}" if high != low else fmt_number(value)
        rows.append({"row": f"{r['subject'] or r['event_id']} · {measure_label(r['measure'])} ({unit})",
                     "subject": r["subject"], "statistic": f"{r['statistic']} per shift", "period": period,
                     "value": value, "low": low, "high": high, "unit": unit,
                     "label": f"{period}: {text} {unit}".strip(),
                     "event_id": r["event_id"]})
    schema = {"row": pl.String, "subject": pl.String, "statistic": pl.String, "period": pl.String, "value": pl.Float64,
              "low": pl.Float64, "high": pl.Float64, "unit": pl.String, "label": pl.String, "event_id": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row").sort(["row", "statistic", "period"])


def before_after_chart(reconciled: pl.DataFrame):
    """Average and maximum output per shift before and after the movement began, ranges as ranges.

    The period comes from the historian's event id (``...-before-...`` or
    ``...-after-...``), never guessed from a date.
    """
    name, title = "before_after", "Before and after the movement began"
    subtitle = ("Average and maximum output per shift of the same workers before and after Stakhanovite methods "
                "(August 1935). A range the source gives (14–15 t) is a bar, its middle a point.")
    caption = ("Source: reconciled.csv (statistics average and maximum of the events whose id says before or "
               "after, e.g. stakhanov-before-1935-08). Averages and maxima are not records and are never mixed "
               "with them.")
    needed = ["event_id", "measure", "statistic", "subject", "value", "value_low", "value_high", "unit"]
    if not _has(reconciled, needed):
        return _empty(title, subtitle, caption, "No before/after figures in the ledger.", name)
    frame = before_after_frame(reconciled)
    if frame.height == 0:
        return _empty(title, subtitle, caption, "No event id names a period 'before' or 'after'.", name)
    rows = frame["row"].unique(maintain_order=True)
    if rows.len() > MAX_ROWS:
        frame = frame.filter(pl.col("row").is_in(rows.head(MAX_ROWS).implode()))
        caption += f" Showing the first {MAX_ROWS} of {rows.len()} workers; reconciled.csv has them all."
    units = sorted(set(frame["unit"].to_list()))
    one_unit = len(units) == 1 and units[0]
    x_title = f"Output per shift ({units[0]})" if one_unit else "Output per shift, in the row's unit"
    x_scale = alt.Scale(zero=True, nice=True)

    def x(field: str) -> alt.X:
        return alt.X(field, type="quantitative", scale=x_scale, title=x_title)

    periods = ["before", "after"]
    color = alt.Color("period:N", title="Period", scale=alt.Scale(domain=periods, range=[BEFORE_COLOR, AFTER_COLOR]),
                      legend=alt.Legend(orient="bottom", direction="horizontal"))
    y = alt.Y("row:N", title="Worker · measure (unit)", axis=row_axis(labelLimit=300))
    base = alt.Chart()
    layers = [
        base.mark_rule(color="#bbbbbb", strokeWidth=1).encode(
            x=alt.X("min(value)", type="quantitative", scale=x_scale, title=x_title),
            x2=alt.X2("value", aggregate="max"), y=y),
        base.mark_rule(strokeWidth=5, opacity=0.55).encode(x=x("low"), x2=alt.X2("high"), y=y, color=color),
        base.mark_point(filled=True, size=90, opacity=1).encode(
            x=x("value"), y=y, color=color,
            tooltip=[alt.Tooltip("subject:N"), alt.Tooltip("statistic:N"), alt.Tooltip("label:N", title="value"),
                     alt.Tooltip("event_id:N", title="event")]),
        base.transform_filter("datum.period === 'before'").mark_text(align="left", dy=-13, fontSize=11).encode(
            x=x("low"), y=y, text=_text("label"), color=color),
        base.transform_filter("datum.period === 'after'").mark_text(align="right", dy=16, fontSize=11).encode(
            x=x("high"), y=y, text=_text("label"), color=color),
    ]
    layered = _layer(*layers, data=alt.NamedData(name=name), width=300, height=alt.Step(60))
    chart = _facet(layered, column=alt.Column("statistic:N", title=None,
                                              sort=["average per shift", "maximum per shift"]))
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame)


# ---------------------------------------------------------------------------
# All charts, and writing them
# ---------------------------------------------------------------------------

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


def chart_title(spec: dict) -> str:
    """The chart's title from its spec (the body of :func:`finish`)."""
    title = spec["vconcat"][0].get("title", {})
    text = title.get("text", "") if isinstance(title, dict) else title
    return " ".join(text) if isinstance(text, list) else str(text)


def chart_caption(spec: dict) -> str:
    text = spec.get("title", {}).get("text", "")
    return " ".join(text) if isinstance(text, list) else str(text)


def render(chart, *, validate: bool = False) -> tuple[dict, str]:
    """The Vega-Lite spec and its SVG (vl-convert, no network).

    Schema validation is skipped by default: it triples the cost of
    ``to_dict``, and the tests validate every chart's spec (the goldens).
    """
    import vl_convert as vlc

    spec = chart.to_dict(validate=validate)
    return spec, vlc.vegalite_to_svg(spec, allowed_base_urls=[])


def png_scale(svg: str) -> float:
    """vl-convert's ``scale`` that makes the PNG PRINT_WIDTH_IN wide at PNG_PPI (ppi alone scales by ppi/72)."""
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg)
    width = float(match.group(1)) if match else 800.0
    return PRINT_WIDTH_IN * 72 / width


def save(chart, folder: Path, name: str) -> list[Path]:
    """Write ``name.svg``, ``name.png`` (6.5 in at 300 dpi) and a self-contained ``name.html`` into ``folder``.

    The PNG is rasterised from the SVG (one Vega run per chart). The HTML
    page holds the SVG inline and the Vega-Lite spec as JSON; it loads
    nothing from anywhere, and its one inline script only adds hover text.
    """
    spec, svg = render(chart)
    return write_files(spec, svg, folder, name)


def write_files(spec: dict, svg: str, folder: Path, name: str, *, drawn: bool = False) -> list[Path]:
    """The three files of a rendered chart (``drawn``: the SVG and PNG are already in ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.svg", folder / f"{name}.png", folder / f"{name}.html"]
    if not drawn:
        import vl_convert as vlc

        paths[0].write_text(svg, encoding="utf-8")
        paths[1].write_bytes(vlc.svg_to_png(svg, scale=png_scale(svg), ppi=PNG_PPI))
    stamp = f"{chart_key(spec)} svg:{_sha(paths[0].read_bytes())} png:{_sha(paths[1].read_bytes())}"
    paths[2].write_text(chart_html(spec, svg, name, stamp=stamp), encoding="utf-8")
    return paths


# ---------------------------------------------------------------------------
# Reusing the files of an earlier run
#
# A chart's spec holds its data, so the same spec draws the same files. Each
# chart page records the spec's fingerprint and the fingerprints of its SVG
# and PNG; a later run whose spec is the same, and whose earlier files are
# untouched, copies them instead of drawing again.
# ---------------------------------------------------------------------------

def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def chart_key(spec: dict) -> str:
    """Fingerprint of everything that decides a chart's files: spec, renderer version, PNG settings."""
    from importlib.metadata import version

    text = json.dumps(spec, sort_keys=True, ensure_ascii=False)
    return _sha(f"{text}|vl-convert {version('vl-convert-python')}|{PNG_PPI}|{PRINT_WIDTH_IN}".encode())


def reuse_files(spec: dict, earlier: Path, folder: Path, name: str) -> str | None:
    """Copy ``name.svg`` and ``name.png`` from ``earlier`` into ``folder`` if they are what ``spec`` draws.

    Returns the SVG, or None when the chart must be drawn (no earlier files,
    another spec, or files edited since).
    """
    page = earlier / f"{name}.html"
    try:
        match = re.search(r'<meta name="prodkit-chart" content="(\w+) svg:(\w+) png:(\w+)">',
                          page.read_text(encoding="utf-8")[:4000])
        if not match or match.group(1) != chart_key(spec):
            return None
        svg, png = (earlier / f"{name}.svg").read_bytes(), (earlier / f"{name}.png").read_bytes()
    except OSError:
        return None
    if (_sha(svg), _sha(png)) != (match.group(2), match.group(3)):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.svg").write_bytes(svg)
    (folder / f"{name}.png").write_bytes(png)
    return svg.decode("utf-8")


# ---------------------------------------------------------------------------
# Drawing in helper processes
#
# vl-convert holds the GIL while it draws, and its JavaScript engine takes
# half a second to start. Two helper processes, started before altair builds
# the charts, warm up while the charts are built and then draw them side by
# side. That pays only where cores are idle: on a busy machine the helpers'
# own start-up is extra work, so prodkit draws in-process unless a core and
# a half are free (load average). PRODKIT_RENDER_WORKERS=N forces N helpers
# (0: draw in-process, which is also the fallback when a helper fails).
# ---------------------------------------------------------------------------

RENDER_WORKER = r"""
import json, re, sys
import vl_convert as vlc
vlc.vegalite_to_svg({"data": {"values": [{"a": 1}]}, "mark": "point",
                     "encoding": {"x": {"field": "a", "type": "quantitative"}}})
for line in sys.stdin:
    for job in json.loads(open(line.strip(), encoding="utf-8").read()):
        svg = vlc.vegalite_to_svg(job["spec"], allowed_base_urls=[])
        open(job["svg"], "w", encoding="utf-8").write(svg)
        width = float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg).group(1))
        png = vlc.svg_to_png(svg, scale=job["print_width_in"] * 72 / width, ppi=job["ppi"])
        open(job["png"], "wb").write(png)
        print(job["name"], flush=True)
"""


def start_renderers(count: int | None = None) -> list:
    """Start helper processes that draw SVG and PNG (none on a busy or one-core machine)."""
    import os
    import subprocess
    import sys

    if count is None:
        setting = os.environ.get("PRODKIT_RENDER_WORKERS", "").strip()
        if setting.isdigit():
            count = int(setting)
        else:
            cores = os.cpu_count() or 1
            try:
                free = cores - os.getloadavg()[0]
            except (AttributeError, OSError):  # no load average (Windows): trust the core count
                free = cores - 1.0
            count = 2 if cores >= 2 and free >= 1.5 else 0
    workers = []
    for _ in range(count):
        try:
            workers.append(subprocess.Popen([sys.executable, "-c", RENDER_WORKER], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            encoding="utf-8"))
        except OSError:  # pragma: no cover - no way to start a process: draw in-process
            break
    return workers


def draw_files(specs: dict[str, dict], folder: Path, workers: list | None = None) -> dict[str, str]:
    """Write ``name.svg`` and ``name.png`` for every spec into ``folder``; return the SVGs.

    The work is shared among ``workers`` (from :func:`start_renderers`), the
    largest specs first; whatever a worker fails to draw is drawn here, so a
    broken helper costs time, never a chart.
    """
    import vl_convert as vlc

    folder.mkdir(parents=True, exist_ok=True)
    workers = [w for w in (workers or []) if w.poll() is None]
    todo = dict(specs)
    if workers:
        loads = [[0, []] for _ in workers]
        for name in sorted(specs, key=lambda n: (-len(json.dumps(specs[n])), n)):
            lightest = min(loads, key=lambda item: item[0])
            lightest[0] += len(json.dumps(specs[name]))
            lightest[1].append({"name": name, "spec": specs[name], "svg": str(folder / f"{name}.svg"),
                                "png": str(folder / f"{name}.png"), "print_width_in": PRINT_WIDTH_IN,
                                "ppi": PNG_PPI})
        for i, (worker, (_, jobs)) in enumerate(zip(workers, loads)):
            job_file = folder / f".render-{i}.json"
            job_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
            try:
                worker.stdin.write(f"{job_file}\n")
                worker.stdin.close()
            except OSError:
                pass
            worker.stdin = None  # closed: communicate() must not flush it
        for i, worker in enumerate(workers):
            try:
                out, _ = worker.communicate(timeout=600)
            except Exception:  # noqa: BLE001 - a stuck helper: stop it, draw here
                worker.kill()
                out = ""
            for name in out.split():
                todo.pop(name, None)
            (folder / f".render-{i}.json").unlink(missing_ok=True)
    for name in sorted(todo):
        svg = vlc.vegalite_to_svg(todo[name], allowed_base_urls=[])
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
        (folder / f"{name}.png").write_bytes(vlc.svg_to_png(svg, scale=png_scale(svg), ppi=PNG_PPI))
    return {name: (folder / f"{name}.svg").read_text(encoding="utf-8") for name in specs}


def stop_renderers(workers: list) -> None:
    """Stop helpers that were started but not used (after an error)."""
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()


#: Hover text for the marks of an inline SVG: Vega writes each mark's
#: description as aria-label; a <title> child shows it as a tooltip.
TOOLTIP_SCRIPT = """
document.querySelectorAll('svg [role="graphics-symbol"][aria-label]').forEach(function (el) {
  var t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
  t.textContent = el.getAttribute('aria-label');
  el.appendChild(t);
});
"""

PAGE_STYLE = """
body { font-family: Liberation Sans, Arimo, Arial, Helvetica, sans-serif; color: #222; margin: 24px 48px; }
figure { margin: 0; } figure svg { max-width: 100%; height: auto; overflow: visible; }
"""


def inline_svg(svg: str) -> str:
    """The SVG without its XML prolog, fit to sit inside an HTML page."""
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)


def script_json(spec: dict) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(spec, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def chart_html(spec: dict, svg: str, name: str, *, stamp: str = "") -> str:
    """A page with the chart as inline SVG, its spec as JSON and (``stamp``) the fingerprints of its files."""
    import html

    title = html.escape(chart_title(spec))
    meta = f'<meta name="prodkit-chart" content="{html.escape(stamp)}">\n' if stamp else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"{meta}<title>{title} · prodkit</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n"
        f"<figure id=\"{html.escape(name)}\">\n{inline_svg(svg)}\n</figure>\n"
        f"<script type=\"application/json\" id=\"vega-lite-spec\">{script_json(spec)}</script>\n"
        f"<script>{TOOLTIP_SCRIPT}</script>\n</body>\n</html>\n"
    )
