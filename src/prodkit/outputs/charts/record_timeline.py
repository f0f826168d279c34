"""Chart 2, successive records, 1935–1937 (``reconciled.csv``)."""

from __future__ import annotations

import math
from datetime import date

import altair as alt
import polars as pl

from ..renderers import DEFAULT_WIDTH
from .labels import date_span, fmt_grouped, fmt_quantity, measure_label
from .layout import (MOVEMENT_START, cap_rows, empty_chart, finish, has_rows, layer, log_axis, print_px,
                     text_channel, utc_order, utc_x2)
from .placement import CLEARANCE, PLACES, Box, Disc, Segment, label_box, place_labels, triangle
from .theme import CATEGORY, CHAR_WIDTH, LABEL_SIZE, MAX_LABELLED_RECORDS, MAX_POINTS, NORM_COLOR, THEME

#: The record timeline's window (the issue: "the movement, 1935-1937").
TIMELINE_YEARS = (1935, 1937)

#: Words in a subject that make it a machine's or a group's output, never one worker's: such records get a
#: panel of their own, so that 4,500 t of a coal-cutting machine does not share an axis with one hewer's 102 t.
GROUP_WORDS = ("machine", "brigade", "team", "crew", "gang", "section", "collective", "combine", "mine ", "plant",
               "factory", "trust", "industry", "машин", "бригад", "комбайн", "артел", "завод", "шахт")
AGENTS = {"worker": "one worker", "group": "a machine or a brigade"}
STATUS_LABELS = {"single": "one source", "agree": "sources agree", "conflict": "sources disagree",
                 "adjudicated": "adjudicated"}


def agent_of(subject: str | None) -> str:
    """``group`` for a machine's, brigade's or enterprise's output (by the words of its subject), else ``worker``.

    >>> agent_of("Coal cutting machine (Ordzhonikidze speech example)"), agent_of("Alexei Stakhanov")
    ('group', 'worker')
    >>> agent_of("Бригада Изотова"), agent_of("Stakhanov's followers (unnamed Donbass miners)")
    ('group', 'worker')
    """
    text = f"{subject or ''} ".lower()
    return "group" if any(w in text for w in GROUP_WORDS) else "worker"


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
        norm_text = f"norm {fmt_quantity(low, high, unit)}"
        agent = agent_of(r["subject"]) if r["statistic"] == "record" else None
        rows.append({
            "kind": r["statistic"], "measure": r["measure"], "unit": unit, "agent": agent,
            "panel": f"{measure_label(r['measure'])} ({unit})" if unit else measure_label(r["measure"]),
            "event_id": r["event_id"], "subject": r["subject"] or r["event_id"],
            "label": fmt_grouped(value),
            "date": r["date"], "start": max(span[0], first) if span else first, "end": span[1] if span else None,
            "mid": span[2] if span else None, "value": value, "low": low, "high": high,
            "status": r["status"], "window_end": last, "norm_text": norm_text.strip(), "line": None,
            "label_place": PLACES[0][0],
        })
    schema = {"kind": pl.String, "measure": pl.String, "unit": pl.String, "agent": pl.String, "panel": pl.String,
              "event_id": pl.String,
              "subject": pl.String, "label": pl.String, "date": pl.String, "start": pl.String, "end": pl.String,
              "mid": pl.String, "value": pl.Float64, "low": pl.Float64, "high": pl.Float64,
              "status": pl.String, "window_end": pl.String, "norm_text": pl.String, "line": pl.String,
              "label_place": pl.String}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    # A line joins the records of one subject only where they are successive (two dates or more).
    frame = frame.with_columns(pl.when((pl.col("kind") == "record")
                                       & (pl.col("mid").n_unique().over(["panel", "kind", "subject"]) > 1))
                               .then(pl.col("subject")).otherwise(None).alias("line"))
    counts = frame.filter(pl.col("kind") == "record").group_by("panel").len()
    keep = counts.filter(pl.col("len") >= 2) if (counts["len"] >= 2).any() else counts
    frame = frame.filter(pl.col("panel").is_in(keep["panel"].implode()))
    # a measure's records split by who made them; its norms go with one worker's records (a norm is per worker)
    records = frame.filter(pl.col("kind") == "record").with_columns(
        (pl.col("panel") + ", " + pl.col("agent").replace_strict(AGENTS, default="")).alias("panel"))
    norms = frame.filter(pl.col("kind") == "norm").with_columns(
        (pl.col("panel") + ", " + pl.lit(AGENTS["worker"])).alias("panel"))
    frame = pl.concat([records, norms])
    frame = frame.filter(pl.col("panel").is_in(frame.filter(pl.col("kind") == "record")["panel"].implode()))
    # the last record of each subject carries its name: a direct label, the legend being far below
    last = frame.filter(pl.col("kind") == "record").sort(["mid", "event_id"], nulls_last=True).group_by(
        "panel", "subject", maintain_order=True).agg(pl.col("event_id").last().alias("_last"))
    frame = frame.join(last, on=["panel", "subject"], how="left").with_columns(
        pl.when(pl.col("event_id") == pl.col("_last")).then(pl.col("label") + "  " + pl.col("subject"))
        .otherwise(pl.col("label")).alias("label")).drop("_last")
    return frame.sort(["panel", "kind", "mid", "event_id"], nulls_last=True)


#: The dashed line of 31 August 1935 (as :func:`.layout.movement_start_rule` draws it in the other charts).
RULE_COLOR = "#555555"
#: Places a record's label may take: those of :data:`.placement.PLACES`, then, where a cluster of points leaves
#: no room beside a point, 16 px below or above it (right of it, then left of it).
TIMELINE_PLACES = PLACES + [("below-far", "left", "top", 5, 16), ("above-far", "left", "bottom", 5, -16),
                            ("left-below-far", "right", "top", -5, 16), ("left-above-far", "right", "bottom", -5, -16)]
#: A point's Vega symbol size (its bounding square's area, px²), as the theme draws points.
POINT_SIZE = THEME["point"]["size"]
#: Where a norm's text sits: below the left end of its band, 3 px in and down (as its text mark is drawn).
NORM_TEXT_PLACE = ("norm", "left", "top", 3, 3)


def label_places(part: pl.DataFrame, *, x_domain: tuple[str, str], y_domain: list[float], width: float,
                 height: float) -> pl.DataFrame:
    """Where each record's label sits in one panel (a place of :data:`TIMELINE_PLACES`), clear of every mark.

    The panel's marks are laid out as Vega draws them in a plot ``width`` ×
    ``height`` px on its fixed domains (time on x, log on y): the dashed line
    of 31 August 1935, each norm's rule and its text, each worker's line, the
    bars across a month or a year, the ranges of conflicting claims, and the
    points (a circle, a square or a triangle). Labels are placed in date
    order by :func:`.placement.place_labels`, each at the first place (below
    right of its point, above right, below left, ...) that touches none of
    them nor an earlier label and stays inside the plot, so never on an axis.
    """
    t0, t1 = (date.fromisoformat(d).toordinal() for d in x_domain)
    l0, l1 = math.log10(y_domain[0]), math.log10(y_domain[1])

    def px(day: str) -> float:
        return (date.fromisoformat(day).toordinal() - t0) / (t1 - t0) * width

    def py(v: float) -> float:
        return height * (1 - (math.log10(v) - l0) / (l1 - l0))

    rule = px(MOVEMENT_START)
    marks: list = [Segment(rule, 0, rule, height, 1)]
    for r in part.filter(pl.col("kind") == "norm").iter_rows(named=True):
        x, y = px(r["start"]), py(r["value"])
        marks.append(Segment(x, y, px(r["window_end"]), y, 1.2))
        if r["norm_text"]:
            marks.append(label_box(x, py(r["low"]), r["norm_text"], NORM_TEXT_PLACE))
    records = part.filter(pl.col("kind") == "record").sort(["mid", "event_id"], nulls_last=True)
    for line in records.filter(pl.col("line").is_not_null()).partition_by("line", maintain_order=True):
        points = [(px(m), py(v)) for m, v in zip(line["mid"].to_list(), line["value"].to_list())]
        marks += [Segment(*a, *b, 1.2) for a, b in zip(points, points[1:])]
    half = POINT_SIZE ** 0.5 / 2
    own = {}
    for r in records.iter_rows(named=True):
        x, y = px(r["mid"]), py(r["value"])
        if r["end"] and r["start"] != r["end"]:
            marks.append(Segment(px(r["start"]), y, px(r["end"]), y, 2))
        if r["low"] != r["high"]:
            marks.append(Segment(x, py(r["low"]), x, py(r["high"]), 1.5))
        if r["status"] == "conflict":  # a triangle
            marks += triangle(x, y, POINT_SIZE)
        elif r["status"] == "agree":  # a square
            own[r["event_id"]] = Box(x - half - 0.6, y - half - 0.6, x + half + 0.6, y + half + 0.6)
        else:  # a circle (one source) or a diamond (adjudicated), inside the circle around its square
            own[r["event_id"]] = Disc(x, y, half * (1 if r["status"] == "single" else 2 ** 0.5) + 0.6)
        if r["event_id"] in own:
            marks.append(own[r["event_id"]])
    labels = [(px(r["mid"]), py(r["value"]), r["label"] or "", own.get(r["event_id"]))
              for r in records.iter_rows(named=True)]
    places = place_labels(labels, marks, width, height, places=TIMELINE_PLACES)
    boxes = _boxes(labels, places)
    if any(_touches(box, label[3], marks, width, height) for box, label in zip(boxes, labels) if box):
        # a label with no clear place (a name too long for the months before 31 August 1935) may cross the
        # dashed line, which then stops short of it, as if cut out around the label
        places = place_labels(labels, marks[1:], width, height, places=TIMELINE_PLACES)
        boxes = _boxes(labels, places)
    cuts = sorted((b.y0 - CLEARANCE, b.y1 + CLEARANCE) for b in boxes if b and b.x0 - CLEARANCE < rule + 0.5
                  and rule - 0.5 < b.x1 + CLEARANCE)
    pieces, top = [], 0.0
    for y0, y1 in cuts:
        if y0 > top:
            pieces.append((top, y0))
        top = max(top, y1)
    if top < height:
        pieces.append((top, height))

    def value(y: float) -> float:
        return float(f"{10 ** (l0 + (1 - min(max(y, 0.0), height) / height) * (l1 - l0)):.12g}")

    where = dict(zip(records["event_id"].to_list(), places))
    part = part.with_columns(pl.col("event_id").replace_strict(where, default=PLACES[0][0]).alias("label_place"))
    panel = part["panel"][0]
    rules = pl.DataFrame([{"kind": "rule", "panel": panel, "event_id": f"movement-start-{i}", "start": MOVEMENT_START,
                           "mid": MOVEMENT_START, "low": value(y1), "high": value(y0)}
                          for i, (y0, y1) in enumerate(pieces)], schema={c: part.schema[c] for c in
                         ["kind", "panel", "event_id", "start", "mid", "low", "high"]}, orient="row")
    return pl.concat([part, rules], how="diagonal_relaxed")


def _boxes(labels: list[tuple], places: list[str]) -> list[Box | None]:
    """The box of each label (None for no text) at its place."""
    by_name = {p[0]: p for p in TIMELINE_PLACES}
    return [label_box(x, y, text, by_name[name]) if text else None for (x, y, text, _), name in zip(labels, places)]


def _touches(box: Box, own, marks: list, width: float, height: float) -> bool:
    """Does a label's box come within CLEARANCE of a mark (touch its own point), or leave the plot?"""
    return not box.inside(width, height) or any(m.hits(box if m is own else box.grown(CLEARANCE)) for m in marks)


def record_timeline_chart(reconciled: pl.DataFrame, *, width: str = DEFAULT_WIDTH):
    """Successive records of each worker and of the movement, 1935–1937, against time, with norms.

    One panel per measure with two or more records and per maker: one
    worker's records apart from a machine's or a brigade's (:func:`agent_of`),
    each on a log scale whose title names the unit. A record dated only to a
    month or a year is drawn across that month or year; one whose sources
    disagree spans their values. Norms of the same measure are grey bands
    from their date on, in the one-worker panel.
    """
    name, title = "record_timeline", "Successive records, 1935–1937"
    subtitle = ("Each record (its reconciled value, labelled; the last of each worker also named) against its "
                "date, log scale. One worker's records and a machine's or brigade's are in separate panels. "
                "Lines join the successive records of one worker; the grey band is the norm of the same job.")
    caption = ("Source: reconciled.csv (statistics record and norm; records dated 1935–1937, in measures with two "
               "or more records; a record alone in its measure is in the norms chart). A date known only to the "
               "month or year is a horizontal bar across it; a vertical bar spans conflicting claims. The dashed "
               "line marks Stakhanov's shift of 30/31 August 1935.")
    units = "the measure's canonical unit, named in each panel's axis title, logarithmic scale; time in months"
    if not has_rows(reconciled, ["event_id", "statistic", "measure", "subject", "date", "value", "value_low",
                             "value_high", "unit", "status"]):
        return empty_chart(title, subtitle, caption, "No reconciled records.", name, width)
    frame = record_timeline_frame(reconciled)
    records = frame.filter(pl.col("kind") == "record")
    if records.height > MAX_POINTS:
        records, note = cap_rows(records.sort(["mid", "event_id"]), MAX_POINTS, "dated records (by date)",
                                 "reconciled.csv")
        caption += note
        norms = frame.filter((pl.col("kind") == "norm") & pl.col("panel").is_in(records["panel"].implode()))
        frame = pl.concat([records, norms.head(MAX_POINTS)]).sort(["panel", "kind", "mid", "event_id"],
                                                                   nulls_last=True)
    if records.height == 0:
        message = f"No dated record in {TIMELINE_YEARS[0]}–{TIMELINE_YEARS[1]}."
        return empty_chart(title, subtitle, caption, message, name, width)
    panels = (records.group_by("panel").agg(pl.len(), (pl.col("agent") == "group").any().alias("group"))
              .sort(["group", "len", "panel"], descending=[False, True, False])["panel"].to_list())
    total = print_px(width) - 2 * THEME["padding"]
    plot_w = round(total - 48)
    plot_h = 150 if width == "single" else 190
    # a name too long for the panel drops its parenthetical note (the tooltip and the table keep it)
    fits = plot_w * 0.55 / (LABEL_SIZE * CHAR_WIDTH)
    frame = frame.with_columns(pl.when(pl.col("label").str.len_chars() > fits)
                               .then(pl.col("label").str.replace(r"\s*\([^)]*\)\s*$", ""))
                               .otherwise(pl.col("label")).alias("label"))
    x_domain = (f"{TIMELINE_YEARS[0]}-01-01", f"{TIMELINE_YEARS[1] + 1}-01-01")
    parts = []
    for panel in panels:
        part = frame.filter(pl.col("panel") == panel)
        if part.filter(pl.col("kind") == "record").height > MAX_LABELLED_RECORDS:
            caption += f" Values are labelled in panels of at most {MAX_LABELLED_RECORDS} records."
            part = part.with_columns(pl.lit("").alias("label"))
        domain, _ = log_axis(part["low"].to_list() + part["high"].to_list())
        parts.append(label_places(part, x_domain=x_domain, y_domain=domain, width=plot_w, height=plot_h))
    frame = pl.concat(parts)
    x_scale = alt.Scale(type="utc", domain=list(x_domain))
    x_axis = alt.Axis(format="%b %Y", labelAngle=0, tickCount={"interval": "month", "step": 6 if width == "single"
                                                                 else 3}, labelOverlap=True)
    x_title = "Date of the record"
    subjects = sorted(set(records["subject"].to_list()))
    color = alt.Color("subject:N", title="Worker or group", legend=None,
                      scale=alt.Scale(domain=subjects, range=[CATEGORY[i % len(CATEGORY)] for i in range(len(subjects))]))
    statuses = [s for s in STATUS_LABELS if s in set(records["status"].to_list())]
    shapes = dict(zip(STATUS_LABELS, ["circle", "square", "triangle-up", "diamond"]))
    status_expr = " : ".join(f"datum.label === '{s}' ? '{STATUS_LABELS[s]}'" for s in statuses)
    shape = alt.Shape("status:N", title="The record's sources", scale=alt.Scale(
        domain=statuses, range=[shapes[s] for s in statuses]),
        legend=alt.Legend(orient="bottom", direction="horizontal", columns=1 if width == "single" else 4,
                          labelExpr=f"{status_expr} : datum.label"))

    def t(field: str) -> alt.X:
        return alt.X(field, type="temporal", scale=x_scale, axis=x_axis, title=x_title)

    charts = []
    for panel in panels:
        part = frame.filter((pl.col("panel") == panel) & (pl.col("kind") != "rule"))
        domain, ticks = log_axis(part["low"].to_list() + part["high"].to_list())
        unit = part["unit"][0]
        measure = measure_label(part["measure"][0])
        y_title = f"{measure.capitalize()}, {unit} (log scale)" if unit else f"{measure.capitalize()} (log scale)"
        y_scale = alt.Scale(type="log", domain=domain)
        y_axis = alt.Axis(values=ticks, format=",~g")

        def y(field: str) -> alt.Y:
            return alt.Y(field, type="quantitative", scale=y_scale, axis=y_axis, title=y_title)

        base = alt.Chart().transform_filter(alt.FieldEqualPredicate(field="panel", equal=panel))
        norm = base.transform_filter("datum.kind === 'norm'")
        record = base.transform_filter("datum.kind === 'record'")
        layers = [
            norm.mark_rect(color=NORM_COLOR, opacity=0.16).encode(
                x=t("start"), x2=utc_x2("window_end"), y=y("low"), y2=alt.Y2("high")),
            norm.mark_rule(color=NORM_COLOR, strokeWidth=1.2).encode(
                x=t("start"), x2=utc_x2("window_end"), y=y("value")),
            norm.mark_text(align=NORM_TEXT_PLACE[1], baseline=NORM_TEXT_PLACE[2], dx=NORM_TEXT_PLACE[3],
                           dy=NORM_TEXT_PLACE[4], color=NORM_COLOR).encode(
                x=t("start"), y=y("low"), text=text_channel("norm_text")),
            base.transform_filter("datum.kind === 'rule'").mark_rule(color=RULE_COLOR, strokeDash=[4, 3]).encode(
                x=t("mid"), y=y("low"), y2=alt.Y2("high")),
            record.transform_filter("isValid(datum.line)").mark_line(strokeWidth=1.2, opacity=0.8).encode(
                x=t("mid"), y=y("value"), color=color, detail=alt.Detail("line", type="nominal"),
                order=utc_order("mid")),
            record.mark_rule(strokeWidth=2, opacity=0.4).encode(x=t("start"), x2=utc_x2("end"), y=y("value"),
                                                                color=color),
            record.mark_rule(strokeWidth=1.5).encode(x=t("mid"), y=y("low"), y2=alt.Y2("high"), color=color),
            record.mark_point(filled=True, opacity=1).encode(
                x=t("mid"), y=y("value"), color=color, shape=shape,
                tooltip=[alt.Tooltip("subject:N"), alt.Tooltip("date:N"), alt.Tooltip("value:Q", format=",.4~g"),
                         alt.Tooltip("unit:N"), alt.Tooltip("status:N"), alt.Tooltip("event_id:N", title="event")]),
        ]
        used = set(part.filter(pl.col("kind") == "record")["label_place"].to_list())
        for place, align, baseline, dx, dy in TIMELINE_PLACES:
            if place in used:
                layers.append(record.transform_filter(f"datum.label_place === '{place}'").mark_text(
                    align=align, baseline=baseline, dx=dx, dy=dy).encode(
                    x=t("mid"), y=y("value"), text=text_channel("label"), color=color))
        panel_title = panel.split(", ", 1)[-1]
        charts.append(layer(*layers, width=plot_w, height=plot_h,
                            title=alt.TitleParams(text=panel_title[:1].upper() + panel_title[1:],
                                                  fontSize=LABEL_SIZE + 0.5, anchor="start", offset=4)))
    chart = alt.VConcatChart(vconcat=[], data=alt.NamedData(name=name), spacing=12,
                             resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent", color="shared",
                                                                           shape="shared")))
    chart.vconcat = charts
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name, frame=frame, width=width,
                  units=units)
