"""The look shared by every chart: font, colours, the altair theme, legibility limits."""

from __future__ import annotations

#: Font stack. vl-convert ships Liberation Sans (Latin with diacritics,
#: Cyrillic, Greek) and lays the text out with it, so the SVG and PNG come
#: out the same on every machine, with no font to install. Browsers draw the
#: SVG with the first font they have: Liberation Sans, Arimo, Arial and
#: Helvetica share the same metrics, so labels fit on Windows, macOS and any
#: Linux with fonts-liberation. (Laying text out with a system font such as
#: DejaVu Sans takes vl-convert much longer: benchmarks/RESULTS.md.)
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

#: The theme, applied to every chart by :func:`.layout.finish`.
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
#: Points on a time chart (records, shares) before the rest are left to the CSV.
MAX_POINTS = 400
