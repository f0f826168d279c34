"""Putting a chart together: title, caption, theme, its rows, layers, facets, shared axes.

Every chart goes through :func:`finish`; :func:`chart_title` and
:func:`chart_caption` read its title and caption back from the spec.
"""

from __future__ import annotations

import math
import textwrap

import altair as alt
import polars as pl

from ..renderers import DEFAULT_WIDTH, PRINT_WIDTHS_IN
from .theme import CAPTION_SIZE, CHAR_WIDTH, LABEL_SIZE, MUTED, SUBTITLE_SIZE, THEME


def caption_lines(text: str, width: int = 110) -> list[str]:
    return textwrap.wrap(text, width=width) or [""]


def print_px(width: str) -> float:
    """The printed width of a column (``single`` or ``double``) in Vega pixels: one pixel a point."""
    if width not in PRINT_WIDTHS_IN:
        raise ValueError(f"width must be one of {sorted(PRINT_WIDTHS_IN)}, not {width!r}")
    return PRINT_WIDTHS_IN[width] * 72


def text_px(text: str, size: float = LABEL_SIZE) -> float:
    """About how wide ``text`` is drawn at ``size`` (longest line)."""
    return max((len(line) for line in str(text).split("\n")), default=0) * size * CHAR_WIDTH


def chars_in(px: float, size: float = LABEL_SIZE) -> int:
    """How many characters fit in ``px`` at ``size``."""
    return max(int(px / (size * CHAR_WIDTH)), 8)


def wrap(text: str, chars: int) -> str:
    """``text`` broken into lines of at most ``chars`` (a word longer than that keeps its own line), never cut."""
    return "\n".join(textwrap.wrap(str(text), width=chars, break_long_words=False, break_on_hyphens=False)
                     or [str(text)])


def finish(chart, *, title: str, subtitle: str, caption: str, name: str, frame: pl.DataFrame,
           width: str = DEFAULT_WIDTH, units: str = ""):
    """Title on top, caption (naming the source table) underneath, the theme applied.

    ``width`` (``single`` or ``double``) is the journal column the chart is
    laid out for; it goes into the spec's ``usermeta`` with ``units`` (what
    the axes measure, for ``captions.md``), and sets the PNG's and PDF's size.

    The chart's layers refer to the named dataset ``name``; its rows are put
    into the top-level ``datasets`` last, so that altair never copies them
    while the chart is assembled, and no row limit applies. (altair copies
    the whole chart at every ``.properties``/``.configure`` call; setting the
    few top-level attributes directly keeps drawing fast.)
    """
    px = print_px(width) - 2 * THEME["padding"]
    chart.title = alt.TitleParams(text=title, subtitle=caption_lines(subtitle, chars_in(px, SUBTITLE_SIZE)))
    top = alt.VConcatChart(
        vconcat=[], config=alt.Config(**THEME),
        title=alt.TitleParams(text=caption_lines(caption, chars_in(px, CAPTION_SIZE)), orient="bottom",
                              anchor="start", fontSize=CAPTION_SIZE, fontWeight="normal", color="#333333",
                              offset=8, lineHeight=CAPTION_SIZE * 1.3))
    top.vconcat = [chart]  # set, not passed: the constructor would deep-copy the whole chart
    top.datasets = Datasets({name: _rows(frame)})
    top.usermeta = {"prodkit": {"chart": name, "width": width, "print_width_in": PRINT_WIDTHS_IN[width],
                                "units": units}}
    return top


def bare_spec(spec: dict) -> dict:
    """The chart's spec without its embedded title, subtitle and source note, for journals that set captions."""
    bare = {k: v for k, v in spec.items() if k != "title"}
    bare["vconcat"] = [{k: v for k, v in spec["vconcat"][0].items() if k != "title"}] + spec["vconcat"][1:]
    meta = dict(spec.get("usermeta", {}).get("prodkit", {}), caption_free=True)
    bare["usermeta"] = {**spec.get("usermeta", {}), "prodkit": meta}
    return bare


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


def _rows(frame: pl.DataFrame) -> list[dict]:
    """Plain rows for a spec's ``datasets``; non-finite floats become null."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    if floats:
        frame = frame.with_columns(pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
                                   for c in floats)
    return frame.to_dicts()


def chart_title(spec: dict) -> str:
    """The chart's title from its spec (the body of :func:`finish`)."""
    title = spec["vconcat"][0].get("title", {})
    text = title.get("text", "") if isinstance(title, dict) else title
    return _one_line(text)


def chart_caption(spec: dict) -> str:
    """The chart's caption from its spec (the foot of :func:`finish`)."""
    text = spec.get("title", {}).get("text", "")
    return _one_line(text)


def _one_line(text) -> str:
    """A title's text, wrapped into a list of lines or not, as one line."""
    return " ".join(text) if isinstance(text, list) else str(text)


# ---------------------------------------------------------------------------
# Layers, facets, and the chart of an empty table
# ---------------------------------------------------------------------------

def layer(*layers, **kwargs):
    """``alt.layer`` without its two deep copies of every layer (the charts here have no selections)."""
    chart = alt.LayerChart(layer=[], **kwargs)
    chart.layer = list(layers)
    return chart


def facet(layered, *, resolve: dict | None = None, **by):
    """``layered`` in small multiples by the ``row=`` or ``column=`` field in ``by``; ``resolve``: scales kept apart."""
    chart = layered.facet(**by)
    if resolve:
        chart.resolve = alt.Resolve(scale=alt.ScaleResolveMap(**resolve))
    return chart


def text_channel(field: str) -> alt.Text:
    """The text of a mark: ``field``'s value as written (nominal, never formatted as a number)."""
    return alt.Text(field, type="nominal")


def empty_chart(title: str, subtitle: str, caption: str, message: str, name: str, width: str = DEFAULT_WIDTH):
    """The chart of a table with nothing to draw: its title and caption, and ``message`` saying why."""
    chart = alt.Chart(alt.NamedData(name=name)).mark_text(
        fontSize=SUBTITLE_SIZE, color=MUTED, align="left", baseline="middle").encode(
        x=alt.XValue(4), y=alt.YValue(20), text=text_channel("message"))
    chart.width, chart.height = print_px(width) - 20, 40
    return finish(chart, title=title, subtitle=subtitle, caption=caption, name=name,
                  frame=pl.DataFrame({"message": [message]}), width=width)


def has_rows(frame: pl.DataFrame | None, needed: list[str]) -> bool:
    """Does ``frame`` exist, hold rows and have every column in ``needed``?"""
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


def row_axis(label_px: float = 0.0, **kwargs) -> alt.Axis:
    """A category axis whose labels are the rows: its title sits level, above the labels (``label_px`` wide)."""
    settings = {"titleX": -round(label_px) - 4, "labelLimit": 0, "labelPadding": 4, "ticks": False, "domain": False, "titleAngle": 0,
                "titleAlign": "left", "titleBaseline": "bottom", "titleY": -4,
                "titleFontWeight": "normal", "titleColor": MUTED}
    return alt.Axis(**{**settings, **kwargs})


#: The movement's starting point: Stakhanov's shift of 30/31 August 1935.
MOVEMENT_START = "1935-08-31"


def movement_start_rule(x_scale: alt.Scale, x_axis: alt.Axis, x_title: str):
    """A dashed vertical line at Stakhanov's shift of 30/31 August 1935 (one mark, whatever the data)."""
    y, m, d = (int(v) for v in MOVEMENT_START.split("-"))
    return alt.Chart().transform_aggregate(n="count()").mark_rule(color="#555555", strokeDash=[4, 3]).encode(
        x=alt.X(datum=alt.DateTime(year=y, month=m, date=d, utc=True), type="temporal", scale=x_scale,
                axis=x_axis, title=x_title))


#: Dates are read and shown in UTC: ISO dates are UTC midnights, so any other zone shifts them a day.
UTC_DAY = "utcyearmonthdate"


def utc_x2(field: str) -> alt.X2:
    """The end of a span on a time axis, shown (in hover and aria text) as its UTC day, so in every time zone alike.

    Its title is null: a title here would be joined to the axis title ("Date, end").
    """
    return alt.X2(field, timeUnit=UTC_DAY, title=None)


def utc_order(field: str) -> alt.Order:
    """Order by a date, shown as its UTC day (see :func:`utc_x2`)."""
    return alt.Order(field, type="temporal", timeUnit=UTC_DAY, title=field)


def cap_rows(frame: pl.DataFrame, limit: int, what: str, table: str) -> tuple[pl.DataFrame, str]:
    """The first ``limit`` rows, and a sentence for the caption when some are left out."""
    if frame.height <= limit:
        return frame, ""
    return frame.head(limit), f" Showing the first {limit} of {frame.height} {what}; {table} has them all."
