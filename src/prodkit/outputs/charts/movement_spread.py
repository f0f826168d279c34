"""Chart 4, the spread of the movement: the share of Stakhanovites over time (``reconciled.csv``)."""

from __future__ import annotations

import altair as alt
import polars as pl

from ..renderers import DEFAULT_WIDTH
from .labels import date_span, fmt_number
from .layout import (cap_rows, empty_chart, finish, has_rows, layer, movement_start_rule, print_px, text_channel,
                     utc_order, utc_x2)
from .theme import CATEGORY, MAX_LABELLED_RECORDS, MAX_POINTS, THEME

SHARE_MEASURE = "stakhanovite_share"


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


def label_places(frame: pl.DataFrame) -> pl.DataFrame:
    """Where each value label sits so that no label lies on its own line: ``below`` or ``above`` its point.

    A label sits to the right of its point, which the line leaves towards the
    next point: below the point when the line goes on up (or stays level, or
    ends), above it when the line goes down. The segment from the previous
    point lies left of the point, away from the label.
    """
    from datetime import date

    def day(text: str) -> int:
        return date.fromisoformat(text).toordinal()

    t0, t1 = min(map(day, frame["start"].to_list())), max(map(day, frame["end"].to_list()))
    places = []
    for part in frame.sort(["subject", "mid"]).partition_by("subject", maintain_order=True):
        values = part["value"].to_list()
        for i, (event, mid) in enumerate(zip(part["event_id"].to_list(), part["mid"].to_list())):
            falling = i + 1 < len(values) and values[i + 1] < values[i]
            # near the right edge a label (of a last point: nothing follows it) goes left, under the point
            right = t1 > t0 and (day(mid) - t0) / (t1 - t0) > 0.8 and i + 1 == len(values)
            places.append((event, "left" if right else "above" if falling else "below"))
    where = dict(places)
    return frame.with_columns(pl.col("event_id").replace_strict(where, default="below").alias("label_place"))


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
    frame = label_places(frame)
    units = "percent of the workforce named in each series; time in months"
    total = print_px(width) - 2 * THEME["padding"]
    subjects = sorted(set(frame["subject"].to_list()))
    x_scale = alt.Scale(type="utc", nice="month")
    x_axis = alt.Axis(format="%b %Y", labelAngle=0, labelOverlap=True,
                      tickCount={"interval": "month", "step": 4 if width == "single" else 2})
    x_title = "Date"

    def t(field: str) -> alt.X:
        return alt.X(field, type="temporal", scale=x_scale, axis=x_axis, title=x_title)

    y_scale = alt.Scale(domain=[0, max(100.0, *frame["high"].drop_nulls().to_list())], nice=True)
    y_title = "Stakhanovites, % of the workforce"
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    bounds = ["stated", "lower bound", "upper bound"]
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
        base.mark_point(filled=True, size=80, opacity=1).encode(
            x=t("mid"), y=y, color=color,
            shape=alt.Shape("bound:N", title="Figure", scale=alt.Scale(
                domain=bounds, range=["circle", "triangle-up", "triangle-down"]),
                legend=alt.Legend(orient="bottom", direction="horizontal")),
            tooltip=[alt.Tooltip("subject:N"), alt.Tooltip("date:N"), alt.Tooltip("label:N", title="share"),
                     alt.Tooltip("event_id:N", title="event")]),
        base.transform_filter("datum.label_place === 'below'").mark_text(
            align="left", baseline="top", dx=5, dy=4).encode(x=t("mid"), y=y, text=text_channel("label"), color=color),
        base.transform_filter("datum.label_place === 'left'").mark_text(
            align="right", baseline="top", dx=-5, dy=4).encode(x=t("mid"), y=y, text=text_channel("label"), color=color),
        base.transform_filter("datum.label_place === 'above'").mark_text(
            align="left", baseline="bottom", dx=5, dy=-4).encode(x=t("mid"), y=y, text=text_channel("label"),
                                                                  color=color),
    ]
    chart = layer(*layers, data=alt.NamedData(name=name), width=round(total - 48),
                  height=170 if width == "single" else 220)
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame, width=width,
                  units=units)
