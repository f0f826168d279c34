"""The look shared by every chart: font, colours, the altair theme, legibility limits.

Charts are laid out for a journal's column (:data:`~prodkit.outputs.renderers.PRINT_WIDTHS_IN`)
at one Vega pixel to one printed point: a chart for a double column is
504 px wide, for a single column 252 px. A font of 7 px therefore prints at
7 pt or more (a chart drawn narrower than its column is enlarged to fill it,
never shrunk), and no text in the theme or on a mark is smaller than
:data:`MIN_FONT_PT`.
"""

from __future__ import annotations

#: Font stack. vl-convert ships Liberation Sans (Latin with diacritics,
#: Cyrillic, Greek) and lays the text out with it, so the SVG and PNG come
#: out the same on every machine, with no font to install. Browsers draw the
#: SVG with the first font they have: Liberation Sans, Arimo, Arial and
#: Helvetica share the same metrics, so labels fit on Windows, macOS and any
#: Linux with fonts-liberation. (Laying text out with a system font such as
#: DejaVu Sans takes vl-convert much longer: benchmarks/RESULTS.md.)
FONT = "Liberation Sans, Arimo, Arial, Helvetica, sans-serif"

#: The smallest type a journal prints, in points at the printed width.
MIN_FONT_PT = 7.0
#: Font sizes, in px = pt at the printed width.
TITLE_SIZE = 10
SUBTITLE_SIZE = 8
LABEL_SIZE = 7.5
AXIS_TITLE_SIZE = 8
CAPTION_SIZE = 7.5
#: Average advance of a Liberation Sans character, as a share of the font size (for laying labels out).
CHAR_WIDTH = 0.53

#: The Okabe–Ito palette (Okabe and Ito, "Color Universal Design", 2002/2008;
#: Wong, "Points of view: Color blindness", Nature Methods 8, 441, 2011):
#: eight colours told apart under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
INK = "#000000"
MUTED = "#595959"
RECORD_COLOR = OKABE_ITO["vermillion"]
STATED_COLOR = OKABE_ITO["blue"]
NORM_COLOR = "#595959"
AFTER_COLOR = OKABE_ITO["vermillion"]
BEFORE_COLOR = OKABE_ITO["blue"]
#: One colour per source type, in the DOMAIN order (closest to the event first); all eight Okabe–Ito colours.
SOURCE_TYPE_COLORS = {
    "archival": OKABE_ITO["blue"], "contemporary_press": OKABE_ITO["orange"],
    "official_speech": OKABE_ITO["reddish_purple"], "memoir": OKABE_ITO["vermillion"],
    "later_soviet": OKABE_ITO["bluish_green"], "scholarship": OKABE_ITO["sky_blue"],
    "poster": OKABE_ITO["yellow"], "unknown": OKABE_ITO["black"],
}
#: What a legend says for each source type (never the code).
SOURCE_TYPE_LABELS = {
    "archival": "archival document", "contemporary_press": "contemporary press",
    "official_speech": "official speech", "memoir": "worker's memoir", "later_soviet": "later Soviet account",
    "scholarship": "scholarship", "poster": "poster", "unknown": "unknown type",
}
#: Categories in the order they take colours: Okabe–Ito without black (kept for ink) and yellow (too pale on white).
CATEGORY = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue")]

#: The theme, applied to every chart by :func:`.layout.finish`.
THEME: dict = {
    "background": "white",
    "font": FONT,
    "padding": 6,
    "title": {"fontSize": TITLE_SIZE, "fontWeight": "bold", "anchor": "start", "color": INK, "offset": 8,
              "subtitleFontSize": SUBTITLE_SIZE, "subtitleColor": "#333333", "subtitlePadding": 3},
    "axis": {"labelFontSize": LABEL_SIZE, "titleFontSize": AXIS_TITLE_SIZE, "titleFontWeight": "normal",
             "labelColor": INK, "titleColor": INK, "gridColor": "#e6e6e6", "domainColor": "#8a8a8a",
             "tickColor": "#8a8a8a", "labelLimit": 0, "titlePadding": 5, "tickSize": 3},
    "header": {"labelFontSize": AXIS_TITLE_SIZE, "labelFontWeight": "bold", "labelColor": INK, "labelAngle": 0,
               "labelAlign": "left", "labelAnchor": "start", "labelOrient": "top", "labelPadding": 4,
               "labelLimit": 0, "title": None},
    "legend": {"labelFontSize": LABEL_SIZE, "titleFontSize": AXIS_TITLE_SIZE, "titleFontWeight": "bold",
               "labelLimit": 0, "symbolStrokeWidth": 1.5, "symbolOpacity": 1, "symbolSize": 50, "padding": 2,
               "rowPadding": 3, "columnPadding": 8,
               # legends under a chart are stacked, each from the left edge, never set side by side: two
               # legends abreast (the spread chart's workforce and figure) are wider than a single column
               "layout": {"expr": "{bottom: {direction: 'vertical', anchor: 'start', margin: 6, offset: 18}}"}},
    "view": {"stroke": "#d9d9d9", "continuousWidth": 300, "continuousHeight": 200},
    "range": {"category": CATEGORY},
    "text": {"fontSize": LABEL_SIZE, "color": INK},
    "point": {"size": 36, "strokeWidth": 1.2},
}

#: Legibility limits: a chart with more rows than this shows the first ones
#: and says so in its caption (the tables keep them all).
MAX_ROWS = 150
MAX_CONFLICT_PANELS = 30
MAX_LABELLED_RECORDS = 80
#: Points on a time chart (records, shares) before the rest are left to the CSV.
MAX_POINTS = 400
