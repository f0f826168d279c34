"""Chart 5, output per shift before and after the movement began (``reconciled.csv``)."""

from __future__ import annotations

import altair as alt
import polars as pl

from ..renderers import DEFAULT_WIDTH
from .labels import fmt_quantity, measure_label
from .layout import empty_chart, facet, finish, has_rows, layer, print_px, row_axis, text_channel, text_px, wrap
from .theme import AFTER_COLOR, BEFORE_COLOR, MAX_ROWS, THEME

PERIOD_LABELS = {"before": "before August 1935", "after": "after August 1935"}


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
        text = fmt_quantity(low, high, unit) if high != low else fmt_quantity(value, unit=unit)
        # the measure keeps its unit on its line (no-break spaces): never a '(t)' alone on the last line
        what = f"{measure_label(r['measure'])} ({unit})".replace(" ", "\u00a0")
        rows.append({"row": f"{r['subject'] or r['event_id']} · {what}",
                     "subject": r["subject"], "statistic": f"{r['statistic']} per shift", "period": period,
                     "value": value, "low": low, "high": high, "unit": unit,
                     "label": text,
                     "event_id": r["event_id"]})
    schema = {"row": pl.String, "subject": pl.String, "statistic": pl.String, "period": pl.String, "value": pl.Float64,
              "low": pl.Float64, "high": pl.Float64, "unit": pl.String, "label": pl.String, "event_id": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row").sort(["row", "statistic", "period"])


def before_after_chart(reconciled: pl.DataFrame, *, width: str = DEFAULT_WIDTH):
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
    if not has_rows(reconciled, needed):
        return empty_chart(title, subtitle, caption, "No before/after figures in the ledger.", name, width)
    frame = before_after_frame(reconciled)
    if frame.height == 0:
        return empty_chart(title, subtitle, caption, "No event id names a period 'before' or 'after'.", name, width)
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

    periods = [p for p in ("before", "after") if p in set(frame["period"].to_list())]
    colors = {"before": BEFORE_COLOR, "after": AFTER_COLOR}
    period_expr = " : ".join(f"datum.label === '{p}' ? '{PERIOD_LABELS[p]}'" for p in periods)
    color = alt.Color("period:N", title="Period", scale=alt.Scale(domain=periods, range=[colors[p] for p in periods]),
                      legend=alt.Legend(orient="bottom", direction="horizontal",
                                        labelExpr=f"{period_expr} : datum.label"))
    total = print_px(width) - 2 * THEME["padding"]
    frame = frame.with_columns(pl.col("row").map_elements(lambda r: wrap(r, 22 if width == "single" else 30),
                                                          return_dtype=pl.String))
    label_px = max(text_px(r) for r in frame["row"].to_list())
    columns = frame["statistic"].n_unique()
    plot_w = round((total - label_px - 12 - 10 * (columns - 1)) / columns)
    y = alt.Y("row:N", title=None, axis=row_axis(label_px, labelExpr="split(datum.label, '\\n')"))
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
        base.transform_filter("datum.period === 'before'").mark_text(align="left", dy=-9).encode(
            x=x("low"), y=y, text=text_channel("label"), color=color),
        base.transform_filter("datum.period === 'after'").mark_text(align="right", dy=10).encode(
            x=x("high"), y=y, text=text_channel("label"), color=color),
    ]
    layered = layer(*layers, data=alt.NamedData(name=name), width=plot_w, height=alt.Step(40))
    chart = facet(layered, column=alt.Column("statistic:N", title=None,
                                              sort=["average per shift", "maximum per shift"]))
    chart.spacing = 10
    units = f"output per shift, {units[0]}" if one_unit else "output per shift, in each row's unit"
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame, width=width,
                  units=units)
