"""Chart 4, the spread of the movement: the share of Stakhanovites over time (``reconciled.csv``)."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from ..renderers import DEFAULT_WIDTH
from .labels import date_span, fmt_number
from .layout import (MOVEMENT_START, cap_rows, empty_chart, finish, has_rows, layer, movement_start_rule, print_px,
                     text_channel, utc_order, utc_x2)
from .placement import PLACES, Disc, Segment, place_labels, triangle
from .theme import CATEGORY, MAX_LABELLED_RECORDS, MAX_POINTS, THEME

SHARE_MEASURE = "stakhanovite_share"
#: Size of a point (Vega's symbol size: the area of its bounding square, px²).
POINT_SIZE = 80


def bound_of(flags: str | None) -> str:
    """'lower bound' for an open upper end ('over half'), 'upper bound' for an open lower end, else 'stated'."""
    codes = set((flags or "").split(";"))
    if "lower-bound" in codes:
        return "lower bound"
    if "upper-bound" in codes:
        return "upper bound"
    return "stated"


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


def _day_ms(text: str) -> float:
    """Milliseconds from 1970-01-01 to the UTC midnight of an ISO day, as Vega's utc scale counts them."""
    from datetime import date

    return (date.fromisoformat(text).toordinal() - date(1970, 1, 1).toordinal()) * 86_400_000.0


def time_domain(frame: pl.DataFrame) -> tuple[str, str]:
    """The time axis: from the first of the month of the first date (or of the movement's start) to the first
    of the month after the last date, as ISO days."""
    from datetime import date

    first = min([*frame["start"].to_list(), MOVEMENT_START])
    last = date.fromisoformat(max(frame["end"].to_list()))
    after = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return first[:8] + "01", after.isoformat()


def share_top(frame: pl.DataFrame) -> float:
    """The top of the share axis: 100%, or a round figure above a share beyond 100% (a source's error)."""
    highest = max([100.0, *frame["high"].drop_nulls().to_list(), *frame["value"].drop_nulls().to_list()])
    return 100.0 if highest <= 100 else float(math.ceil(highest / 20) * 20)


def label_places(frame: pl.DataFrame, width: float, height: float) -> pl.DataFrame:
    """Where each value label sits (a place of :data:`.placement.PLACES`), clear of every line, bar and point.

    The marks are laid out as Vega draws them in a plot ``width`` × ``height``
    px on the axes of :func:`time_domain` and :func:`share_top`: each
    workforce's line, the bars across a month or a year, the ranges and the
    dashed bars of open figures, the points, and the dashed line of
    31 August 1935. Labels are placed in date order, each at the first place
    (below right of its point, above right, below left, ...) that touches
    none of them nor an earlier label.
    """
    t0, t1 = (_day_ms(d) for d in time_domain(frame))
    top = share_top(frame)

    def px(day: str) -> float:
        return (_day_ms(day) - t0) / (t1 - t0) * width

    def py(value: float) -> float:
        return height - value / top * height

    rule = px(MOVEMENT_START)
    marks: list = [Segment(rule, 0, rule, height, 1)]
    for part in frame.sort(["subject", "mid"]).partition_by("subject", maintain_order=True):
        line = [(px(m), py(v)) for m, v in zip(part["mid"].to_list(), part["value"].to_list())]
        marks += [Segment(*a, *b, 1.5) for a, b in zip(line, line[1:])]
    own = {}
    for r in frame.iter_rows(named=True):
        x, y = px(r["mid"]), py(r["value"])
        if r["start"] != r["end"]:
            marks.append(Segment(px(r["start"]), y, px(r["end"]), y, 2))
        if r["low"] != r["high"]:
            marks.append(Segment(x, py(r["low"]), x, py(r["high"]), 1.5))
        if r["bound"] == "stated":
            own[r["event_id"]] = Disc(x, y, POINT_SIZE ** 0.5 / 2 + 0.6)
            marks.append(own[r["event_id"]])
        else:
            marks += triangle(x, y, POINT_SIZE, up=r["bound"] == "lower bound")
    order = frame.sort(["mid", "subject", "event_id"])
    labels = [(px(r["mid"]), py(r["value"]), r["label"] or "", own.get(r["event_id"]))
              for r in order.iter_rows(named=True)]
    where = dict(zip(order["event_id"].to_list(), place_labels(labels, marks, width, height)))
    return frame.with_columns(pl.col("event_id").replace_strict(where, default=PLACES[0][0]).alias("label_place"))


def movement_spread_chart(reconciled: pl.DataFrame, *, width: str = DEFAULT_WIDTH):
    """The share of workers counted as Stakhanovites, over time, as the ledger's sources give it."""
    name, title = "movement_spread", "The spread of the movement"
    subtitle = ("Share of workers counted as Stakhanovites, by workforce and date. An open figure ('over half') "
                "is a triangle at its stated bound, with a dashed bar up to 100%.")
    caption = (f"Source: reconciled.csv (measure {SHARE_MEASURE}). A date known only to the month or year is a "
               "horizontal bar across it. The workforces differ (Moscow's 22 largest industries, one steel plant, "
               "all Soviet industry): compare along a line, not across lines. The dashed line marks 31 August 1935.")
    needed = ["event_id", "measure", "subject", "date", "value", "value_low", "value_high", "flags"]
    if not has_rows(reconciled, needed):
        return empty_chart(title, subtitle, caption, "No share of Stakhanovites in the ledger.", name, width)
    frame = movement_spread_frame(reconciled)
    if frame.height == 0:
        return empty_chart(title, subtitle, caption, "No dated share of Stakhanovites in the ledger.", name, width)
    frame, note = cap_rows(frame.sort(["mid", "event_id"]), MAX_POINTS, "dated shares (by date)", "reconciled.csv") \
        if frame.height > MAX_POINTS else (frame, "")
    caption += note
    if frame.height > MAX_LABELLED_RECORDS:
        frame = frame.with_columns(pl.lit("").alias("label"))
        caption += f" Values are labelled when there are at most {MAX_LABELLED_RECORDS}."
    units = "percent of the workforce named in each series; time in months"
    total = print_px(width) - 2 * THEME["padding"]
    plot_w, plot_h = round(total - 48), 190 if width == "single" else 220
    frame = label_places(frame, plot_w, plot_h)
    subjects = sorted(set(frame["subject"].to_list()))
    # an explicit domain (not Vega's 'nice'), so the labels are placed on the axis Vega draws
    first, after = (alt.DateTime(year=int(d[:4]), month=int(d[5:7]), date=1, utc=True) for d in time_domain(frame))
    x_scale = alt.Scale(type="utc", domain=[first, after])
    x_axis = alt.Axis(format="%b %Y", labelAngle=0, labelOverlap="greedy",
                      tickCount={"interval": "month", "step": 4 if width == "single" else 2})
    x_title = "Date"

    def t(field: str) -> alt.X:
        return alt.X(field, type="temporal", scale=x_scale, axis=x_axis, title=x_title)

    y_scale = alt.Scale(domain=[0, share_top(frame)], nice=False)
    y_title = "Stakhanovites, % of the workforce"
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    looks = {"stated": "circle", "lower bound": "triangle-up", "upper bound": "triangle-down"}
    bounds = [b for b in looks if b in set(frame["bound"].to_list())]  # the legend shows only what is drawn
    color = alt.Color("subject:N", title="Workforce", legend=alt.Legend(orient="bottom", columns=1),
                      scale=alt.Scale(domain=subjects, range=[CATEGORY[i % len(CATEGORY)]
                                                              for i in range(len(subjects))]))
    base = alt.Chart()
    layers = [
        movement_start_rule(x_scale, x_axis, x_title),
        base.mark_line(strokeWidth=1.5).encode(x=t("mid"), y=y, color=color, order=utc_order("mid")),
        base.mark_rule(strokeWidth=2, opacity=0.45).encode(x=t("start"), x2=utc_x2("end"), y=y, color=color),
        base.transform_filter("datum.bound === 'stated'").mark_rule(strokeWidth=1.5).encode(
            x=t("mid"), y=alt.Y("low:Q", title=y_title, scale=y_scale), y2=alt.Y2("high"), color=color),
        base.transform_filter("datum.bound !== 'stated'").mark_rule(strokeWidth=1.5, strokeDash=[4, 3]).encode(
            x=t("mid"), y=alt.Y("low:Q", title=y_title, scale=y_scale), y2=alt.Y2("high"), color=color),
        base.mark_point(filled=True, size=POINT_SIZE, opacity=1).encode(
            x=t("mid"), y=y, color=color,
            shape=alt.Shape("bound:N", title="Figure", scale=alt.Scale(
                domain=bounds, range=[looks[b] for b in bounds]),
                legend=alt.Legend(orient="bottom", direction="horizontal")),
            tooltip=[alt.Tooltip("subject:N"), alt.Tooltip("date:N"), alt.Tooltip("label:N", title="share"),
                     alt.Tooltip("event_id:N", title="event")]),
    ]
    used = set(frame["label_place"].to_list())
    for place, align, baseline, dx, dy in PLACES:
        if place in used:
            layers.append(base.transform_filter(f"datum.label_place === '{place}'").mark_text(
                align=align, baseline=baseline, dx=dx, dy=dy).encode(
                x=t("mid"), y=y, text=text_channel("label"), color=color))
    chart = layer(*layers, data=alt.NamedData(name=name), width=plot_w, height=plot_h)
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame, width=width,
                  units=units)
