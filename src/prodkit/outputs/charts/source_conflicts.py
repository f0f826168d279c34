"""Chart 3, source conflicts (``conflicts.csv``, with the reported values of ``reconciled.csv``)."""

from __future__ import annotations

import altair as alt
import polars as pl

from ..renderers import DEFAULT_WIDTH
from .labels import fmt_grouped, fmt_quantity, measure_label
from .layout import (chars_in, empty_chart, facet, finish, has_rows, layer, print_px, row_axis, text_channel, text_px,
                     wrap)
from .theme import AXIS_TITLE_SIZE, INK, LABEL_SIZE, MAX_CONFLICT_PANELS, SOURCE_TYPE_COLORS, SOURCE_TYPE_LABELS, THEME


def spread_text(low: float, high: float) -> str:
    """How far apart the claims are, in percent of the lowest: ``3.0%``.

    >>> spread_text(536.0, 552.0), spread_text(6.0, 6.0), spread_text(0.0, 2.0)
    ('3.0%', '0%', '')
    """
    if low <= 0:
        return ""
    pct = (high - low) / low * 100
    return "0%" if pct == 0 else f"{pct:.2g}%" if pct < 1 else f"{pct:.1f}%" if pct < 100 else f"{pct:,.0f}%"


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
                           limit: int | None = None, label_chars: int = 60,
                           header_chars: int = 100) -> pl.DataFrame:
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
        lows_all = [v for v in group["value_low"].to_list() + group["value_high"].to_list() if v is not None]
        spread = spread_text(min(lows_all), max(lows_all)) if lows_all else ""
        panel = wrap(f"{key[0]} · {measure_label(key[1])} · {key[2]}" + (f" ({unit})" if unit else "")
                     + (f": claims {spread} apart" if spread else ""), header_chars)
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
            kind = SOURCE_TYPE_LABELS.get(r["source_type"] or "unknown", r["source_type"])
            text = fmt_quantity(low, high, unit)
            rows.append({"panel": panel, "kind": "claim", "order": len(rows),
                         "row": wrap(f"{r['source_id']} ({kind}) · {r['claim_id']}", label_chars),
                         "source_type": r["source_type"] or "unknown", "claim_id": r["claim_id"],
                         "source_id": r["source_id"], "low": low, "high": high, "mid": (low + high) / 2,
                         "chosen": bool(r["chosen"]), "label": text, "deviation_pct": r["deviation_pct"],
                         "unit": unit, "reported": value})
        if lows:
            how = f"reported ({strategy.replace('-', ' ')})" if strategy else "reported"
            text = fmt_quantity(min(lows), max(highs), unit)
            rows.append({"panel": panel, "kind": "span", "order": len(rows),
                         "row": wrap(f"all claims: {spread} apart" if spread else "all claims", label_chars),
                         "source_type": None, "claim_id": None, "source_id": None, "low": min(lows),
                         "high": max(highs), "mid": value, "chosen": False,
                         "label": wrap(text + (f"; {how}: {fmt_grouped(value)}" if value is not None else ""),
                                       label_chars),
                         "deviation_pct": None, "unit": unit, "reported": value})
    schema = {"panel": pl.String, "kind": pl.String, "order": pl.Int64, "row": pl.String, "source_type": pl.String,
              "claim_id": pl.String, "source_id": pl.String, "low": pl.Float64, "high": pl.Float64, "mid": pl.Float64,
              "chosen": pl.Boolean, "label": pl.String, "deviation_pct": pl.Float64, "unit": pl.String,
              "reported": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def source_conflicts_chart(conflicts: pl.DataFrame, reconciled: pl.DataFrame | None = None, *,
                           width: str = DEFAULT_WIDTH):
    """Every event in conflict: each claim a point coloured by source type, on an axis from zero, spread in percent.

    Each claim has a row of its own, so two sources' claims are never stacked
    or summed, even when they give the same figure. The axis starts at zero,
    so a 3% gap looks like 3%, and the gap is written out in percent.
    """
    name, title = "source_conflicts", "Source conflicts"
    subtitle = ("Every event whose claims disagree, on an axis from zero: each claim on its own row, coloured by "
                "the type of its source; the ringed claim is the one reported, and the gap between the claims is "
                "given in percent of the lowest.")
    caption = ("Source: conflicts.csv (one row per claim of an event in conflict), with the reported value and "
               "strategy from reconciled.csv. The bottom row of each panel spans every claim; each panel is in "
               "its own unit, named in its heading.")
    units = "each panel in its own unit (named in the panel heading), from zero; spread in percent of the lowest claim"
    if not has_rows(conflicts, ["event_id", "measure", "statistic", "claim_id", "source_id", "source_type",
                            "value_low", "value_high", "unit", "chosen", "deviation_pct"]):
        return empty_chart(title, subtitle, caption, "No event in conflict: the claims of every event agree.", name,
                           width)
    total = print_px(width) - 2 * THEME["padding"]
    share = 0.42 if width == "single" else 0.36
    frame = source_conflicts_frame(conflicts, reconciled, limit=MAX_CONFLICT_PANELS,
                                   label_chars=chars_in(total * share),
                                   header_chars=chars_in(total * (1 - share) - 10, AXIS_TITLE_SIZE * 1.12))
    if frame.height == 0:
        return empty_chart(title, subtitle, caption, "No event in conflict has a number.", name, width)
    groups = conflict_groups(conflicts).height
    if groups > MAX_CONFLICT_PANELS:
        caption += (f" Showing the {MAX_CONFLICT_PANELS} conflicts with the widest spread of {groups}; "
                    "conflicts.csv has them all.")
    present = [t for t in SOURCE_TYPE_COLORS if t in set(frame["source_type"].drop_nulls().to_list())]
    color_scale = alt.Scale(domain=present, range=[SOURCE_TYPE_COLORS[t] for t in present])
    label_px = max(text_px(r) for r in frame["row"].to_list())
    plot_px = round(total - label_px - 10)
    x_title = "Claimed value, in the panel's unit (axis from zero)"
    x_scale = alt.Scale(zero=True, nice=True)
    x_axis = alt.Axis(tickCount=4 if width == "single" else 6, format=",.6~g")

    def x(field: str) -> alt.X:
        return alt.X(field, type="quantitative", scale=x_scale, axis=x_axis, title=x_title)

    lines = max(r.count("\n") + 1 for r in frame["row"].to_list() + frame["label"].to_list())
    y = alt.Y("row:N", sort=alt.EncodingSortField("order", op="min"), title=None,
              axis=row_axis(label_px, labelExpr="split(datum.label, '\\n')", labelLineHeight=LABEL_SIZE + 1.5))
    legend_labels = " : ".join(f"datum.label === '{t}' ? '{SOURCE_TYPE_LABELS[t]}'" for t in present)
    color = alt.Color("source_type:N", title="Source", scale=color_scale,
                      legend=alt.Legend(orient="bottom", direction="horizontal", columns=1 if width == "single" else 3,
                                        labelExpr=f"{legend_labels} : datum.label"))
    base = alt.Chart()
    is_claim, is_span = "datum.kind === 'claim'", "datum.kind === 'span'"
    layers = [
        base.transform_filter(is_span).mark_rule(color=INK, strokeWidth=2).encode(x=x("low"), x2=alt.X2("high"), y=y),
        base.transform_filter(is_span).transform_fold(["low", "high"], as_=["end", "v"]).mark_tick(
            color=INK, thickness=1.5, size=9).encode(x=x("v"), y=y),
        base.transform_filter(is_span + " && isValid(datum.reported)").mark_rule(
            color=INK, strokeDash=[4, 2], strokeWidth=1).encode(x=x("reported")),
        base.transform_filter(is_claim).mark_rule(strokeWidth=3).encode(
            x=x("low"), x2=alt.X2("high"), y=y, color=color),
        base.transform_filter(is_claim + " && datum.chosen").mark_point(
            shape="circle", size=110, filled=False, color=INK, strokeWidth=1.2).encode(x=x("mid"), y=y),
        base.transform_filter(is_claim).mark_point(filled=True, size=40, opacity=1).encode(
            x=x("mid"), y=y, color=color,
            tooltip=[alt.Tooltip("claim_id:N", title="claim"), alt.Tooltip("source_id:N", title="source"),
                     alt.Tooltip("source_type:N", title="type"), alt.Tooltip("low:Q", format=",.4~g"),
                     alt.Tooltip("high:Q", format=",.4~g"), alt.Tooltip("unit:N"), alt.Tooltip("chosen:N"),
                     alt.Tooltip("deviation_pct:Q", title="deviation from reported, %", format=".1f")]),
        base.mark_text(align="right", dx=-10, lineHeight=LABEL_SIZE + 1.5).encode(
            x=x("low"), y=y, text=alt.Text("label_lines", type="nominal")).transform_calculate(
            label_lines="split(datum.label, '\\n')"),
    ]
    layered = layer(*layers, data=alt.NamedData(name=name), width=plot_px,
                    height=alt.Step(lines * (LABEL_SIZE + 1.5) + 8))
    chart = facet(layered, row=alt.Row("panel:N", title=None, sort=alt.EncodingSortField("order", op="min"),
                                       header=alt.Header(labelExpr="split(datum.label, '\\n')")),
                  resolve={"x": "independent", "y": "independent"})
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame, width=width,
                  units=units)
