"""Chart 1, norms against records (``norms_vs_records.csv``)."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from ..renderers import DEFAULT_WIDTH
from .labels import fmt_multiple, fmt_number, fmt_quantity, measure_label
from .layout import (cap_rows, chars_in, empty_chart, facet, finish, has_rows, layer, log_axis, print_px, row_axis,
                     text_channel, text_px, wrap)
from .theme import INK, LABEL_SIZE, MAX_ROWS, RECORD_COLOR, STATED_COLOR, THEME


def _positive(col: str) -> pl.Expr:
    """The column where it can sit on a log scale, else null."""
    return pl.when(pl.col(col) > 0).then(pl.col(col)).otherwise(None).alias(col)


def _record_claims(nvr: pl.DataFrame) -> pl.DataFrame:
    """The per-claim rows, each with its event's first stated ratio; time norms (less is better) left out.

    A time per piece below its norm is a record, which a log scale of output
    would draw as a shortfall; specifications never reach the table.
    """
    if "row_kind" not in nvr.columns:
        return nvr
    ratios = ["stated_pct_of_norm", "stated_multiple", "implied_norm"]
    stated = (nvr.filter(pl.col("row_kind") == "stated").group_by("event_id", "measure", maintain_order=True)
              .agg(pl.col(c).drop_nulls().first() for c in ratios))
    claims = nvr.filter(pl.col("row_kind") == "claim").drop(ratios).join(
        stated, on=["event_id", "measure"], how="left", maintain_order="left")
    return claims.filter(pl.col("direction") != "lower") if "direction" in claims.columns else claims


NBSP = "\u00a0"
#: A diamond with a hole (the inner one wound the other way), drawn filled: hollow on the chart and in the
#: legend alike (a legend draws all its symbols filled or all hollow, as its first mark is).
HOLLOW_DIAMOND = "M0,-1L1,0L0,1L-1,0Z M0,-0.55L-0.55,0L0,0.55L0.55,0Z"


def event_subjects(nvr: pl.DataFrame) -> dict[str, str]:
    """Each event's subject, where the rows of the event that name one all name the same."""
    if "subject" not in nvr.columns:
        return {}
    named = nvr.filter(pl.col("subject").is_not_null() & (pl.col("subject") != "")).group_by("event_id").agg(
        pl.col("subject").unique())
    return {e: s[0] for e, s in named.iter_rows() if len(s) == 1}


def who_of(row: dict, named: dict[str, str]) -> str:
    """A row's subject; for a claim whose source names no one, the subject its event's other claims name,
    said to be so (the link is the historian's, not the source's); else the event id.

    >>> who_of({"subject": None, "event_id": "artyukhov-1935-09"}, {"artyukhov-1935-09": "Ivan Artyukhov"})
    'Ivan Artyukhov (source names no one)'
    >>> who_of({"subject": None, "event_id": "e9"}, {})
    'e9'
    """
    if row["subject"]:
        return row["subject"]
    if row["event_id"] in named:
        return f"{named[row['event_id']]} (source names no one)"
    return row["event_id"]


def _multiple(pct: float | None) -> float | None:
    return pct / 100 if pct is not None and pct > 0 else None


def norms_vs_records_frame(nvr: pl.DataFrame, *, label_chars: int = 40) -> pl.DataFrame:
    """One row per record claim: its multiple of the norm (a range for a norm range), any stated multiple, row label.

    Rows are ordered by sector, then by event (its earliest date), so that
    two sources' claims about one record sit next to each other. Only output
    rows (more is better) are kept: a time norm or a specification is no
    record against a norm. ``label_chars``: the width of the row labels,
    which are wrapped, never cut.
    """
    frame = _record_claims(nvr).with_columns(
        _positive("record_value"), _positive("norm_low"), _positive("norm_high"), _positive("implied_norm")
    ).filter(pl.col("record_value").is_not_null())
    if "direction" in frame.columns:
        frame = frame.filter(pl.col("direction") == "higher")
    frame = frame.with_columns(pl.col("sector").fill_null("(no sector)"),
                               pl.col("date").min().over("event_id").alias("_event_date")).sort(
        ["sector", "_event_date", "event_id", "measure", "record_claim_id"], nulls_last=True)
    named = event_subjects(nvr)
    rows = []
    for r in frame.iter_rows(named=True):
        unit = r["unit"] or ""
        low, high = _multiple(r["pct_of_norm_low"]), _multiple(r["pct_of_norm_high"])
        low, high = (low if low is not None else high), (high if high is not None else low)
        best = _multiple(r.get("pct_of_norm"))
        if best is None and low is not None:
            best = (low * high) ** 0.5
        stated = r.get("stated_multiple")
        if stated is None and r.get("stated_pct_of_norm") is not None:
            stated = r["stated_pct_of_norm"] / 100
        if best is None and stated is None:
            continue
        norm_low = r["norm_low"] if r["norm_low"] is not None else r["norm_high"]
        norm_high = r["norm_high"] if r["norm_high"] is not None else r["norm_low"]
        # a figure keeps its unit on its line (no-break spaces, which textwrap never breaks at)
        against = (f"against\u00a0{fmt_quantity(norm_low, norm_high, unit, sep=NBSP)}" if norm_low is not None
                   else "(no norm stated)")
        what = f"{measure_label(r['measure'])}: {fmt_quantity(r['record_value'], unit=unit, sep=NBSP)}"
        label = [wrap(who_of(r, named), label_chars), wrap(f"{what} {against}", label_chars),
                 wrap(" · ".join([r["date"] or "undated", r["record_source_id"]]), label_chars)]
        computed = fmt_multiple(r["pct_of_norm_low"], r["pct_of_norm_high"]) if low is not None else ""
        stated_text = f"stated ×{fmt_number(stated, 3)}" if stated is not None else ""
        rows.append({
            "order": len(rows), "sector": r["sector"], "row": "\n".join(label),
            "subject": r["subject"], "event_id": r["event_id"], "record_claim_id": r["record_claim_id"],
            "record_source_id": r["record_source_id"], "unit": unit, "date": r["date"],
            "record": r["record_value"], "norm_low": norm_low, "norm_high": norm_high,
            "multiple": best, "multiple_low": low, "multiple_high": high, "stated": stated,
            "label_at": max(v for v in (high, stated) if v is not None),
            "computed_text": computed, "stated_text": stated_text,
            "flags": r.get("flags"),
        })
    schema = {"order": pl.Int64, "sector": pl.String, "row": pl.String, "subject": pl.String,
              "event_id": pl.String, "record_claim_id": pl.String, "record_source_id": pl.String,
              "unit": pl.String, "date": pl.String, "record": pl.Float64, "norm_low": pl.Float64,
              "norm_high": pl.Float64, "multiple": pl.Float64, "multiple_low": pl.Float64,
              "multiple_high": pl.Float64, "stated": pl.Float64, "label_at": pl.Float64,
              "computed_text": pl.String, "stated_text": pl.String, "flags": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def multiple_axis(frame: pl.DataFrame, plot_px: float) -> tuple[list[float], list[float]]:
    """A log domain of whole decades that holds 1×, every multiple and, right of the marks, their labels."""
    values = [1.0] + [v for c in ("multiple_low", "multiple_high", "multiple", "stated")
                      for v in frame[c].to_list() if v is not None]
    domain, _ = log_axis(values)
    lo = math.log10(domain[0])
    hi = math.log10(domain[1])
    widest = [(math.log10(r["label_at"]), text_px(max(r["computed_text"], r["stated_text"], key=len)) + 8)
              for r in frame.iter_rows(named=True)]
    while any(plot_px * (v - lo) / (hi - lo) + w > plot_px for v, w in widest):
        hi += 1
    domain = [float(f"{10.0 ** lo:.12g}"), float(f"{10.0 ** hi:.12g}")]
    steps = (1, 2, 5) if hi - lo <= 2 else (1, 3) if hi - lo <= 3 else (1,)
    ticks = [float(f"{m * 10.0 ** k:.12g}") for k in range(int(lo), int(hi) + 1) for m in steps
             if k < hi or m == 1]
    return domain, ticks


def norms_vs_records_chart(nvr: pl.DataFrame, *, width: str = DEFAULT_WIDTH):
    """Each record claim as a multiple of the norm in force, on one log axis with the norm at 1×, by sector.

    One row per record *claim*: two sources telling one record are two rows,
    never merged, stacked or summed. Against a norm range (6–7 t) the
    multiple is a range too (×14.6–17), drawn as a bar; a multiple the
    source states is a hollow diamond beside the computed one.

    >>> import polars as pl
    >>> nvr = pl.DataFrame({"event_id": ["e1"], "subject": ["Алексей Стаханов"], "sector": ["coal"],
    ...     "measure": ["coal_hewn"], "date": ["1935-08-31"], "record_value": [102.0], "norm_low": [6.0],
    ...     "norm_high": [7.0], "unit": ["t"], "pct_of_norm_low": [1457.1], "pct_of_norm_high": [1700.0],
    ...     "stated_pct_of_norm": [None], "stated_multiple": [None], "implied_norm": [None],
    ...     "record_claim_id": ["c1"], "record_source_id": ["s1"], "flags": ["norm-range"]})
    >>> spec = norms_vs_records_chart(nvr).to_dict()
    >>> spec["vconcat"][0]["title"]["text"], spec["vconcat"][0]["spec"]["layer"][0]["encoding"]["x"]["scale"]["type"]
    ('Records as multiples of the norm', 'log')
    >>> spec["datasets"]["norms_vs_records"][0]["computed_text"]
    '×14.6–17'
    """
    name, title = "norms_vs_records", "Records as multiples of the norm"
    subtitle = ("Each record claim divided by the norm in force for its job, on one logarithmic scale; the "
                "vertical line is the norm itself (×1).")
    caption = ("Source: norms_vs_records.csv (one row per record claim; output norms only, no time norms or "
               "specifications). Two sources telling one record are two rows, never merged. Against a norm "
               "range (6–7 t) the multiple is a bar between its ends, the point its best estimate; a hollow "
               "diamond is the multiple the source itself states.")
    needed = ["record_value", "norm_low", "norm_high", "unit", "pct_of_norm_low", "pct_of_norm_high", "sector",
              "subject", "record_claim_id", "record_source_id", "event_id", "measure", "date"]
    units = "multiple of the norm in force (record ÷ norm, dimensionless), logarithmic scale"
    if not has_rows(nvr, needed):
        return empty_chart(title, subtitle, caption, "No record in the ledger has a norm to compare with.", name,
                           width)
    total = print_px(width) - 2 * THEME["padding"]
    label_px = total * (0.44 if width == "single" else 0.40)
    frame = norms_vs_records_frame(nvr, label_chars=chars_in(label_px))
    if frame.height == 0:
        return empty_chart(title, subtitle, caption, "No output record in the ledger has a norm to compare with.",
                           name, width)
    frame, note = cap_rows(frame, MAX_ROWS, "record claims (in sector and date order)", "norms_vs_records.csv")
    caption += note
    label_px = max(text_px(r) for r in frame["row"].to_list())
    plot_px = round(total - label_px - 10)
    sectors = (frame.group_by("sector").agg(pl.len(), pl.col("order").min())
               .sort(["len", "order"], descending=[True, False])["sector"].to_list())
    domain, ticks = multiple_axis(frame, plot_px)
    x_scale = alt.Scale(type="log", domain=domain)
    x_title = ("Multiple of the norm (log scale)" if width == "single"
               else "Multiple of the norm (record ÷ norm, log scale)")
    x_axis = alt.Axis(values=ticks, labelExpr="'×' + format(datum.value, '~g')", grid=True)
    lines = max(r.count("\n") + 1 for r in frame["row"].to_list())
    y = alt.Y("row:N", sort=alt.EncodingSortField("order", op="min"), title=None,
              axis=row_axis(label_px, labelExpr="split(datum.label, '\\n')", labelLineHeight=LABEL_SIZE + 1.5))
    kinds = ["record ÷ norm", "record ÷ norm range", "multiple stated by the source"]
    present = [k for k, on in zip(kinds, [True, (frame["multiple_low"] != frame["multiple_high"]).any(),
                                          frame["stated"].is_not_null().any()]) if on]
    tooltip = [alt.Tooltip("subject:N"), alt.Tooltip("record:Q", format=",.4~g"), alt.Tooltip("unit:N"),
               alt.Tooltip("norm_low:Q", title="norm (low)", format=",.4~g"),
               alt.Tooltip("norm_high:Q", title="norm (high)", format=",.4~g"),
               alt.Tooltip("computed_text:N", title="multiple of the norm"),
               alt.Tooltip("stated_text:N", title="stated by the source"),
               alt.Tooltip("record_source_id:N", title="source"), alt.Tooltip("record_claim_id:N", title="claim")]

    def x(field: str) -> alt.X:
        return alt.X(field, type="quantitative", scale=x_scale, axis=x_axis, title=x_title)

    base = alt.Chart()
    legend = alt.Legend(orient="bottom", direction="horizontal", title=None, symbolStrokeWidth=1.5,
                        columns=1 if width == "single" else 3)
    looks = {"record ÷ norm": ("circle", RECORD_COLOR), "record ÷ norm range": ("stroke", RECORD_COLOR),
             "multiple stated by the source": (HOLLOW_DIAMOND, STATED_COLOR)}
    shape = alt.Shape("kind:N", scale=alt.Scale(domain=present, range=[looks[k][0] for k in present]), legend=legend)
    color = alt.Color("kind:N", scale=alt.Scale(domain=present, range=[looks[k][1] for k in present]), legend=legend)
    one = base.transform_aggregate(n="count()").mark_rule(color=INK, strokeWidth=1.2).encode(
        x=alt.X(datum=1, type="quantitative", scale=x_scale, axis=x_axis, title=x_title))
    ranges = base.transform_filter("datum.multiple_low < datum.multiple_high").transform_calculate(
        kind="'record ÷ norm range'").mark_rule(strokeWidth=4, opacity=0.5).encode(
        x=x("multiple_low"), x2=alt.X2("multiple_high"), y=y, color=color)
    points = base.transform_filter("isValid(datum.multiple)").transform_calculate(kind="'record ÷ norm'").mark_point(
        filled=True, opacity=1, size=34).encode(x=x("multiple"), y=y, color=color, shape=shape, tooltip=tooltip)
    stated = base.transform_filter("isValid(datum.stated)").transform_calculate(
        kind="'multiple stated by the source'").mark_point(filled=True, opacity=1, size=60).encode(
        x=x("stated"), y=y, color=color, shape=shape, tooltip=tooltip)
    both = "datum.computed_text !== '' && datum.stated_text !== ''"
    half = (LABEL_SIZE + 1.5) / 2

    def direct_label(field: str, color: str, shift: float, **kwargs):
        """The multiple written beside the row's marks, in the colour of its mark: the legend is far below."""
        return base.transform_filter(f"datum.{field} !== ''" + (f" && {both}" if shift else f" && !({both})")).mark_text(
            align="left", dx=6, dy=shift, color=color, **kwargs).encode(x=x("label_at"), y=y, text=text_channel(field))

    labels = [direct_label("computed_text", RECORD_COLOR, 0, fontWeight="bold"),
              direct_label("computed_text", RECORD_COLOR, -half, fontWeight="bold"),
              direct_label("stated_text", STATED_COLOR, 0), direct_label("stated_text", STATED_COLOR, half)]
    layered = layer(one, ranges, points, stated, *labels, data=alt.NamedData(name=name),
                    width=plot_px, height=alt.Step(lines * (LABEL_SIZE + 1.5) + 5))
    chart = facet(layered, row=alt.Row("sector:N", sort=sectors, title=None), resolve={"y": "independent"})
    chart.spacing = 6
    chart = finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame, width=width,
                   units=units)
    return chart
