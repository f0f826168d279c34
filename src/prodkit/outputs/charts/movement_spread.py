"""Chart 4, the spread of the movement: the share of Stakhanovites over time (``reconciled.csv``)."""

from __future__ import annotations

import altair as alt
import polars as pl

from .labels import date_span, fmt_number
from .layout import (cap_rows, empty_chart, finish, has_rows, layer, movement_start_rule, text_channel, utc_order,
                     utc_x2)
from .theme import MAX_LABELLED_RECORDS, MAX_POINTS

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


def movement_spread_chart(reconciled: pl.DataFrame):
    """The share of workers counted as Stakhanovites, over time, as the ledger's sources give it."""
    name, title = "movement_spread", "The spread of the movement"
    subtitle = ("Share of workers counted as Stakhanovites, by workforce and date. An open figure ('over half') "
                "is a triangle at its stated bound, with a dashed bar up to 100%.")
    caption = (f"Source: reconciled.csv (measure {SHARE_MEASURE}). A date known only to the month or year is a "
               "horizontal bar across it. The workforces differ (Moscow's 22 largest industries, one steel plant, "
               "all Soviet industry): compare along a line, not across lines. The dashed line marks 31 August 1935.")
    needed = ["event_id", "measure", "subject", "date", "value", "value_low", "value_high", "flags"]
    if not has_rows(reconciled, needed):
        return empty_chart(title, subtitle, caption, "No share of Stakhanovites in the ledger.", name)
    frame = movement_spread_frame(reconciled)
    if frame.height == 0:
        return empty_chart(title, subtitle, caption, "No dated share of Stakhanovites in the ledger.", name)
    frame, note = cap_rows(frame.sort(["mid", "event_id"]), MAX_POINTS, "dated shares (by date)", "reconciled.csv") \
        if frame.height > MAX_POINTS else (frame, "")
    caption += note
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
        base.mark_text(align="left", dx=7, dy=-8, fontSize=11).encode(x=t("mid"), y=y, text=text_channel("label")),
    ]
    chart = layer(*layers, data=alt.NamedData(name=name), width=620, height=320)
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame)
