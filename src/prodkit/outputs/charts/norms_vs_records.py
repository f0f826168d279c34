"""Chart 1, norms against records (``norms_vs_records.csv``)."""

from __future__ import annotations

import altair as alt
import polars as pl

from .labels import fmt_multiple, fmt_number, measure_unit_label, shorten
from .layout import cap_rows, empty_chart, facet, finish, has_rows, layer, log_axis, row_axis, text_channel
from .theme import MAX_ROWS, NORM_COLOR, RECORD_COLOR


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


def norms_vs_records_frame(nvr: pl.DataFrame) -> pl.DataFrame:
    """One row per record claim, with its row label, norm, implied norm and the multiple as text.

    Rows are ordered by sector, then by event (its earliest date), so that
    two sources' claims about one record sit next to each other.
    """
    frame = _record_claims(nvr).with_columns(
        _positive("record_value"), _positive("norm_low"), _positive("norm_high"), _positive("implied_norm")
    ).filter(pl.col("record_value").is_not_null())
    frame = frame.with_columns(pl.col("sector").fill_null("(no sector)"),
                               pl.col("date").min().over("event_id").alias("_event_date")).sort(
        ["sector", "_event_date", "event_id", "measure", "record_claim_id"], nulls_last=True)
    rows = []
    for i, r in enumerate(frame.iter_rows(named=True)):
        unit = r["unit"] or ""
        line2 = " · ".join([measure_unit_label(r["measure"], unit),
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
    if not has_rows(nvr, needed):
        return empty_chart(title, subtitle, caption, "No record in the ledger has a norm to compare with.", name)
    frame = norms_vs_records_frame(nvr)
    if frame.height == 0:
        return empty_chart(title, subtitle, caption, "No record in the ledger has a positive value.", name)
    frame, note = cap_rows(frame, MAX_ROWS, "record claims (in sector and date order)", "norms_vs_records.csv")
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
        x=x("label_at"), y=y, text=text_channel("multiple"))
    layered = layer(gap, norm_range, points, labels, data=alt.NamedData(name=name), width=460,
                        height=alt.Step(34))
    chart = facet(layered, row=alt.Row("sector:N", sort=sectors, title=None, header=alt.Header(labelFontSize=13)),
                   resolve={"y": "independent"})
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame)
