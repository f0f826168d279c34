"""Issue 19: figures a journal would print, checked on what is drawn.

- type: no text under 7 pt at the printed width (single 3.5 in, double 7 in), read from the Vega-Lite spec and
  from the SVG vl-convert draws;
- colour: the Okabe–Ito palette only, and every pair of categorical colours at least MIN_DELTA_E apart
  (CAM02-UCS, colorspacious) under simulated deuteranopia, protanopia and tritanopia (Machado et al. 2009, full
  severity);
- the norms chart: one log axis of multiples with a rule at 1×;
- PDF: fonts embedded (a /FontFile2 for every font), the same bytes on every run;
- Chromium: the norms chart drawn by a browser matches a stored reference picture within a tolerance, is not
  blank, and its SVG carries the key labels.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest

from conftest import DATA, require_client
from test_figures import (assert_not_blank, chromium, decode_png, frozen, frozen_charts, full_run,  # noqa: F401
                          open_in_chromium, png_header, walk)

from prodkit.outputs import charts
from prodkit.outputs.charts.theme import (AFTER_COLOR, BEFORE_COLOR, CATEGORY, MIN_FONT_PT, OKABE_ITO, RECORD_COLOR,
                                          SOURCE_TYPE_COLORS, STATED_COLOR)
from prodkit.outputs.renderers import PRINT_WIDTHS_IN, svg_width, write_svg_png

REGEN = os.environ.get("PRODKIT_REGEN_GOLDENS") == "1"
#: The smallest colour difference allowed between two categorical colours under a simulated colour-vision
#: deficiency, in CAM02-UCS ΔE. Okabe–Ito's closest pair (orange and reddish purple under tritanopia) is 11.0;
#: the palette before issue 19 had blue and purple at 6.6 under deuteranopia.
MIN_DELTA_E = 10.0
GREYS = {"#000000", "#222222", "#333333", "#444444", "#555555", "#595959", "#6b6b6b", "#8a8a8a", "#9e9e9e",
         "#bbbbbb", "#d9d9d9", "#e6e6e6", "#ffffff", "white", "black"}


@pytest.fixture(scope="module", params=["single", "double"])
def drawn(request, frozen):  # noqa: F811
    """Every chart at one width: its spec and SVG."""
    width = request.param
    return width, {name: charts.render(chart) for name, chart in charts.build_charts(frozen, width=width).items()}


# ---------------------------------------------------------------------------
# Type size at the printed width
# ---------------------------------------------------------------------------

def spec_font_sizes(spec: dict) -> list[float]:
    return [float(v) for _, k, v in walk(spec) if re.fullmatch(r"(?i).*fontsize", k) and isinstance(v, (int, float))]


@pytest.mark.parametrize("name", charts.CHART_NAMES)
def test_no_text_under_7_pt_at_the_printed_width(name, drawn):
    """Every chart at both widths; the spread chart's two legends, once abreast (408 px: 4.6 pt), now stacked."""
    width, rendered = drawn
    column_pt = PRINT_WIDTHS_IN[width] * 72
    for name, (spec, svg) in [(name, rendered[name])]:
        assert spec["usermeta"]["prodkit"]["print_width_in"] == PRINT_WIDTHS_IN[width]
        assert min(spec_font_sizes(spec)) >= MIN_FONT_PT, (name, sorted(spec_font_sizes(spec))[:3])
        drawn_sizes = [float(v) for v in re.findall(r'font-size="([\d.]+)(?:px)?"', svg)]
        assert drawn_sizes, name
        scale = column_pt / svg_width(svg)  # the PNG and PDF are this chart scaled to the column
        smallest = min(drawn_sizes) * scale
        assert smallest >= MIN_FONT_PT - 1e-9, f"{name} at {width}: {smallest:.2f} pt (SVG {svg_width(svg)} px wide)"


# ---------------------------------------------------------------------------
# Labels clear of the marks, read from the drawn SVG
# ---------------------------------------------------------------------------

def svg_elements(svg: str):
    """Every element of a vl-convert SVG with its offset (the sum of its ancestors' translates) and the class of
    the mark group it belongs to."""
    import xml.etree.ElementTree as ET

    def translate(el) -> tuple[float, float]:
        m = re.match(r"translate\(([-\d.e]+),([-\d.e]+)\)", el.get("transform", ""))
        return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)

    def walk_svg(el, ox, oy, group):
        for child in el:
            tag = child.tag.split("}")[-1]
            if tag == "g":
                dx, dy = translate(child)
                yield from walk_svg(child, ox + dx, oy + dy, child.get("class") or group)
            else:
                yield tag, child, ox, oy, group

    yield from walk_svg(ET.fromstring(svg), 0.0, 0.0, "")


def path_corners(d: str) -> list[tuple[float, float]]:
    """The corners of a symbol's straight-edged path (M, L, H, V, Z absolute; m, l, h, v relative), as drawn.

    >>> path_corners("M-3,-3h6v6h-6Z")
    [(-3.0, -3.0), (3.0, -3.0), (3.0, 3.0), (-3.0, 3.0)]
    """
    points: list[tuple[float, float]] = []
    x = y = 0.0
    for op, args in re.findall(r"([MLHVZmlhvz])([^MLHVZmlhvz]*)", d):
        nums = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", args)]
        if op in "ML":
            for i in range(0, len(nums) - 1, 2):
                x, y = nums[i], nums[i + 1]
                points.append((x, y))
        elif op in "ml":
            for i in range(0, len(nums) - 1, 2):
                x, y = x + nums[i], y + nums[i + 1]
                points.append((x, y))
        elif op in "HhVv":
            for v in nums:
                x = v if op == "H" else x + v if op == "h" else x
                y = v if op == "V" else y + v if op == "v" else y
                points.append((x, y))
    return points


def drawn_labels_and_marks(svg: str, axis_labels: bool = False):
    """The value labels (text marks) as boxes, and the lines, bars, rules and points of the chart's marks.

    Approximations: a label's box is its advance width (Liberation Sans metrics, checked against Vega's own
    measure in the legend) by 0.75 em above its baseline and 0.21 em below it (digits, capitals and ascenders
    reach 0.73 em, descenders 0.21 em); a line, bar or rule is its straight segments, as thick as its stroke
    (caps counted square); a circle is a disc of its radius plus half its stroke; a square or a triangle is the
    box of its corners. Axes, grid lines, legends, titles and filled areas (the norm's band) are not chart marks;
    with ``axis_labels``, each axis's tick labels are marks too, as boxes measured as a label's.
    """
    from prodkit.outputs.charts.placement import Box, Disc, Segment, text_width

    def text_box(el, x: float, y: float) -> Box:
        size = float(el.get("font-size").rstrip("px"))
        w = text_width(el.text, size)
        left = {"start": x, "end": x - w, "middle": x - w / 2}[el.get("text-anchor", "start")]
        return Box(left, y - 0.75 * size, left + w, y + 0.21 * size)

    labels, marks = [], []
    for tag, el, ox, oy, group in svg_elements(svg):
        if axis_labels and "role-axis-label" in group and tag == "text" and (el.text or "").strip():
            m = re.match(r"translate\(([-\d.e]+),([-\d.e]+)\)", el.get("transform", ""))
            marks.append(text_box(el, ox + float(m.group(1)), oy + float(m.group(2))))
        if "role-mark" not in group:
            continue
        m = re.match(r"translate\(([-\d.e]+),([-\d.e]+)\)", el.get("transform", ""))
        x, y = (ox + float(m.group(1)), oy + float(m.group(2))) if m else (ox, oy)
        stroke = float(el.get("stroke-width", 1))
        if tag == "text" and (el.text or "").strip():
            labels.append((el.text, text_box(el, x, y)))
        elif tag == "line":
            marks.append(Segment(x, y, x + float(el.get("x2", 0)), y + float(el.get("y2", 0)), stroke))
        elif tag == "path" and "mark-line" in group:
            pts = [tuple(map(float, p)) for p in re.findall(r"([-\d.e]+),([-\d.e]+)", el.get("d", ""))]
            marks += [Segment(ox + a[0], oy + a[1], ox + b[0], oy + b[1], stroke) for a, b in zip(pts, pts[1:])]
        elif tag == "path" and "mark-symbol" in group:
            d = el.get("d", "")
            nums = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", d)]
            if "A" in d:
                marks.append(Disc(x, y, nums[0] + float(el.get("stroke-width", 0)) / 2))
            else:
                xs, ys = zip(*path_corners(d))
                marks.append(Box(x + min(xs), y + min(ys), x + max(xs), y + max(ys)))
    return labels, marks


def test_legend_text_widths_are_vegas(drawn):
    """The label boxes above are as wide as Vega measures text: each legend entry is its symbol and its label."""
    from prodkit.outputs.charts.placement import text_width

    _, rendered = drawn
    svg = rendered["movement_spread"][1]
    entries = re.findall(r'<path class="background"[^>]*d="M0,0h([\d.]+)v[\d.]+h-[\d.]+Z"[^>]*opacity="1"/>'
                         r'<g><g class="mark-symbol role-legend-symbol".*?<text text-anchor="start" '
                         r'transform="translate\(([\d.]+),[\d.]+\)"[^>]*font-size="([\d.]+)px"[^>]*>([^<]+)</text>',
                         svg)
    assert len(entries) >= 4
    widest: dict[float, float] = {}  # entries of a one-column legend are all as wide as its widest label
    for width, x, size, text in entries:
        key = float(width) - float(x)
        widest[key] = max(widest.get(key, 0.0), text_width(text.replace("&#39;", "'"), float(size)))
    assert len(widest) >= 3
    for measured, ours in widest.items():
        assert ours == pytest.approx(measured, abs=0.05)


def test_spread_chart_labels_clear_every_line_bar_point_and_label(drawn):
    """No value label of the spread chart touches a line, a bar, a rule, a point, an axis label or another label.

    Before, Moscow's 27.7% and 29.7% sat on the Soviet workforce's bar at 25% and on each other at 3.5 in.
    """
    from prodkit.outputs.charts.placement import Box

    width, rendered = drawn
    labels, marks = drawn_labels_and_marks(rendered["movement_spread"][1], axis_labels=True)
    assert sorted(t for t, _ in labels) == ["18.9%", "26.1%", "27.7%", "29.7%", "6%", "over 25%", "over 50%"]
    assert len(marks) > 20
    for text, box in labels:
        touching = [m for m in marks if (m.overlaps(box) if isinstance(m, Box) else m.hits(box))]
        assert not touching, f"{text} at {width}: {box} touches {touching}"
    for (a, box_a), (b, box_b) in itertools.combinations(labels, 2):
        assert not box_a.overlaps(box_b), f"{a} and {b} overlap at {width}"


def test_timeline_labels_clear_every_line_point_rule_axis_label_and_label(drawn):
    """No label of the record timeline (a record's value and name, a norm's text) touches a line, a bar, a rule,
    a point, an axis's tick label or another label, as drawn, in either panel (geometry as in
    :func:`drawn_labels_and_marks`, axis labels included).

    Before, at 3.5 in, "11 Coal miner with pneumatic drill" ran over the axis's labels, "112 Miasnikov (driller)"
    crossed the dashed line of 31 August 1935 and "321 Alexei Stakhanov" lay on Stakhanov's line. Where a name
    has no room before 31 August 1935, the dashed line stops short of it rather than run through it.
    """
    from prodkit.outputs.charts.placement import Box

    width, rendered = drawn
    labels, marks = drawn_labels_and_marks(rendered["record_timeline"][1], axis_labels=True)
    texts = sorted(t for t, _ in labels)
    for name in ("11  Coal miner with pneumatic drill", "112  Miasnikov (driller)", "321  Alexei Stakhanov",
                 "536  Ivan Artyukhov", "102", "175", "227", "norm 6–7 t"):
        assert name in texts, (name, texts)
    assert any(t.startswith("4,500  Coal cutting machine") for t in texts), texts
    assert len(marks) > 20
    for text, box in labels:
        touching = [m for m in marks if (m.overlaps(box) if isinstance(m, Box) else m.hits(box))]
        assert not touching, f"{text} at {width}: {box} touches {touching}"
    for (a, box_a), (b, box_b) in itertools.combinations(labels, 2):
        assert not box_a.overlaps(box_b), f"{a} and {b} overlap at {width}"


def test_the_collision_check_sees_a_label_on_a_bar():
    """The check above, fed a label drawn on a bar, reports it."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><g transform="translate(10,10)">'
           '<g class="mark-rule role-mark layer_2_marks"><line transform="translate(0,50)" x2="100" y2="0" '
           'stroke-width="2"/></g><g class="mark-text role-mark layer_6_marks"><text text-anchor="start" '
           'transform="translate(20,53)" font-size="7.5px">27.7%</text></g></g></svg>')
    labels, marks = drawn_labels_and_marks(svg)
    assert len(labels) == 1 and len(marks) == 1 and marks[0].hits(labels[0][1])


# ---------------------------------------------------------------------------
# Colour
# ---------------------------------------------------------------------------

def colours_in(spec: dict) -> set[str]:
    found = set()
    for _, k, v in walk(spec):
        if k in ("color", "fill", "stroke") and isinstance(v, str) and v.startswith("#"):
            found.add(v.lower())
        if k == "range" and isinstance(v, list):
            found |= {c.lower() for c in v if isinstance(c, str) and c.startswith("#")}
    return found


def test_only_okabe_ito_colours_and_greys(drawn):
    _, rendered = drawn
    allowed = {c.lower() for c in OKABE_ITO.values()} | GREYS
    for name, (spec, _) in rendered.items():
        assert colours_in(spec) <= allowed, (name, colours_in(spec) - allowed)


def cvd_delta_e(a: str, b: str, cvd: str | None) -> float:
    """ΔE (CAM02-UCS) between two colours as seen with a colour-vision deficiency at full severity."""
    import numpy as np
    from colorspacious import cspace_convert, deltaE

    def rgb(h: str):
        return np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)]) / 255

    def seen(h: str):
        if cvd is None:
            return rgb(h)
        space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
        return np.clip(cspace_convert(rgb(h), space, "sRGB1"), 0, 1)

    return float(deltaE(seen(a), seen(b), input_space="sRGB1"))


PALETTES = {"source types": list(SOURCE_TYPE_COLORS.values()), "categories": CATEGORY,
            "before and after": [BEFORE_COLOR, AFTER_COLOR], "computed and stated": [RECORD_COLOR, STATED_COLOR]}


@pytest.mark.parametrize("cvd", ["deuteranomaly", "protanomaly", "tritanomaly"])
@pytest.mark.parametrize("palette", sorted(PALETTES))
def test_categorical_colours_stay_apart_under_colour_vision_deficiency(palette, cvd):
    pytest.importorskip("colorspacious", reason="pip install colorspacious (the test extra)")
    pairs = [(cvd_delta_e(a, b, cvd), a, b) for a, b in itertools.combinations(PALETTES[palette], 2)]
    worst = min(pairs)
    assert worst[0] >= MIN_DELTA_E, f"{palette} under {cvd}: {worst}"


def test_the_check_fails_the_palette_it_replaced():
    pytest.importorskip("colorspacious", reason="pip install colorspacious (the test extra)")
    assert cvd_delta_e("#1b6fa8", "#7b3294", "deuteranomaly") < MIN_DELTA_E  # old archival blue, memoir purple
    assert cvd_delta_e("#b2182b", "#1a9850", "deuteranomaly") < 16  # old red against green


# ---------------------------------------------------------------------------
# The norms chart, the legends
# ---------------------------------------------------------------------------

def test_norms_chart_is_multiples_on_one_log_axis_with_a_rule_at_1(frozen_charts):  # noqa: F811
    spec = frozen_charts["norms_vs_records"].to_dict()
    layers = spec["vconcat"][0]["spec"]["layer"]
    xs = [layer["encoding"]["x"] for layer in layers]
    assert {x["scale"]["type"] for x in xs} == {"log"}
    assert len({str(x["scale"]["domain"]) for x in xs}) == 1  # one common axis
    assert xs[0]["scale"]["domain"][0] <= 1
    rules = [layer for layer in layers if layer["mark"] == "rule" or layer["mark"].get("type") == "rule"]
    assert any(r["encoding"]["x"].get("datum") == 1 for r in rules)
    assert "Multiple of the norm" in xs[0]["title"]
    rows = spec["datasets"]["norms_vs_records"]
    by_claim = {r["record_claim_id"]: r for r in rows}
    assert by_claim["c002"]["multiple"] == pytest.approx(17.0)
    assert (by_claim["c046"]["multiple_low"], by_claim["c046"]["multiple_high"]) == pytest.approx((102 / 7, 17.0))
    assert by_claim["c117"]["stated"] == 23.0
    # names are wrapped, never cut
    assert not any("…" in r["row"] for r in rows)
    assert any(r["row"].startswith("Stakhanov's followers") and "miners)" in r["row"] for r in rows)
    assert all(r["unit"] != "min" for r in rows)  # no time norm


def test_legends_use_words_and_only_the_categories_drawn(frozen_charts):  # noqa: F811
    spec = frozen_charts["source_conflicts"].to_dict()
    colour = [v for _, k, v in walk(spec) if k == "color" and isinstance(v, dict) and v.get("field") == "source_type"]
    assert colour and all(c["scale"]["domain"] == ["archival", "later_soviet"] for c in colour)
    assert "later Soviet account" in colour[0]["legend"]["labelExpr"]
    panel = spec["datasets"]["source_conflicts"][0]["panel"]
    assert "3.0% apart" in panel
    xs = [v for _, k, v in walk(spec) if k == "x" and isinstance(v, dict) and "scale" in v]
    assert all(x["scale"].get("zero") is True for x in xs)


def test_timeline_keeps_a_machine_off_one_hewers_axis(frozen_charts):  # noqa: F811
    spec = frozen_charts["record_timeline"].to_dict()
    rows = spec["datasets"]["record_timeline"]
    machine = [r for r in rows if r["value"] == 4500.0]
    hewer = [r for r in rows if r["subject"] == "Alexei Stakhanov"]
    assert machine and hewer and machine[0]["panel"] != hewer[0]["panel"]
    titles = [v["title"] for _, k, v in walk(spec) if k == "y" and isinstance(v, dict) and "title" in v]
    assert titles and all(", t (log scale)" in t for t in titles)


# ---------------------------------------------------------------------------
# Files: PDF, caption-free variants, captions.md
# ---------------------------------------------------------------------------

def pdf_fonts(pdf: bytes) -> tuple[int, int]:
    """(fonts described, fonts whose file is embedded) in a PDF as vl-convert writes it (uncompressed objects)."""
    descriptors = re.findall(rb"/Type /FontDescriptor(.*?)>>", pdf, re.S)
    return len(descriptors), sum(1 for d in descriptors if re.search(rb"/FontFile[23]? \d+ 0 R", d))


def test_pdf_embeds_its_fonts_is_column_wide_and_the_same_every_time(frozen_charts, tmp_path):  # noqa: F811
    spec, svg = charts.render(frozen_charts["norms_vs_records"])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_svg_png(svg, tmp_path / "a", "n", 7.0)
    write_svg_png(svg, tmp_path / "b", "n", 7.0)
    pdf = (tmp_path / "a" / "n.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    described, embedded = pdf_fonts(pdf)
    assert described >= 1 and embedded == described
    assert b"LiberationSans" in pdf
    width = float(re.search(rb"/MediaBox \[0 0 ([\d.]+) ", pdf).group(1))
    assert abs(width - 7.0 * 72) < 1
    assert (tmp_path / "b" / "n.pdf").read_bytes() == pdf


def test_run_writes_pdf_caption_free_variants_and_captions(full_run):  # noqa: F811
    folder = full_run["reports"] / "figures"
    for name in charts.CHART_NAMES:
        for ext in ("svg", "png", "pdf", "html"):
            assert (folder / f"{name}.{ext}").is_file() and (folder / f"{name}-nocaption.{ext}").is_file()
        described, embedded = pdf_fonts((folder / f"{name}.pdf").read_bytes())
        assert described and embedded == described, name
        bare = (folder / f"{name}-nocaption.svg").read_text(encoding="utf-8")
        full = (folder / f"{name}.svg").read_text(encoding="utf-8")
        assert ">Source: " not in bare and ">Source: " in full, name
    captions = (folder / "captions.md").read_text(encoding="utf-8")
    assert captions.count("\n## Figure ") == len(charts.CHART_NAMES)
    for word in ("**What.**", "**Units.**", "**Sources.**", "**Strategy.**", "trust-your-friends"):
        assert captions.count(word) >= 1, word


def test_figures_width_single_lays_charts_out_for_3_5_inches(full_run, tmp_path, runner):  # noqa: F811
    from conftest import run

    result = run(runner, "figures", "--out-dir", str(full_run["out"]), "--reports-dir", str(tmp_path / "r"),
                 "--width", "single")
    assert result.exit_code == 0, result.output
    head = png_header((tmp_path / "r" / "figures" / "norms_vs_records.png").read_bytes())
    assert head["dpi"] == 300 and abs(head["width"] - 3.5 * 300) <= 2
    bad = run(runner, "figures", "--out-dir", str(full_run["out"]), "--reports-dir", str(tmp_path / "s"),
              "--width", "triple")
    assert bad.exit_code == 2 and "single" in bad.stderr and "Traceback" not in bad.stderr


# ---------------------------------------------------------------------------
# Chromium: the drawn picture against a stored reference
# ---------------------------------------------------------------------------

REFERENCE = DATA / "golden" / "norms_vs_records.chromium.png"
#: Pictures are compared as 16×16-pixel block means of grey; a block differs when its mean moves by more than
#: BLOCK_TOLERANCE grey levels, and at most MAX_BLOCKS_CHANGED of the blocks may differ (anti-aliasing, hinting).
BLOCK, BLOCK_TOLERANCE, MAX_BLOCKS_CHANGED = 16, 24, 0.02


def blocks(png: bytes) -> tuple[tuple[int, int], list[float]]:
    width, height, bpp, pixels = decode_png(png)
    out = []
    for by in range(0, height - BLOCK + 1, BLOCK):
        for bx in range(0, width - BLOCK + 1, BLOCK):
            total = 0
            for y in range(by, by + BLOCK):
                row = (y * width + bx) * bpp
                total += sum(pixels[row + i * bpp] + pixels[row + i * bpp + 1] + pixels[row + i * bpp + 2]
                             for i in range(BLOCK))
            out.append(total / (3 * BLOCK * BLOCK))
    return (width, height), out


def test_chromium_draws_the_norms_chart_as_the_reference(full_run, tmp_path):  # noqa: F811
    require_client("chromium", chromium() is not None, "install Debian's `chromium` (the CI script does)")
    page = full_run["reports"] / "figures" / "norms_vs_records.html"
    svg = (full_run["reports"] / "figures" / "norms_vs_records.svg").read_text(encoding="utf-8")
    for label in ("Records as multiples of the norm", "Multiple of the norm", "×1", "×10",
                  "Stakhanov's followers (unnamed Donbass miners)", "stated ×23"):
        assert label.replace("'", "&#39;") in svg or label in svg, label
    png, _ = open_in_chromium(page, tmp_path)
    assert_not_blank(png)
    if REGEN or not REFERENCE.is_file():
        REFERENCE.write_bytes(png)
        if not REGEN:
            pytest.fail(f"no reference picture yet: wrote {REFERENCE.name}; check it and commit it")
    size, got = blocks(png)
    ref_size, want = blocks(REFERENCE.read_bytes())
    assert size == ref_size
    changed = sum(1 for a, b in zip(got, want) if abs(a - b) > BLOCK_TOLERANCE) / len(want)
    assert changed <= MAX_BLOCKS_CHANGED, f"{changed:.1%} of the picture differs from {REFERENCE.name}"


def test_the_reference_comparison_sees_a_changed_picture():
    if not REFERENCE.is_file():
        pytest.skip("no reference picture yet")
    import struct
    import zlib

    width, height, bpp, pixels = decode_png(REFERENCE.read_bytes())
    raw = bytearray(pixels)
    for y in range(height // 3, height // 2):  # a black band across a sixth of the picture
        raw[y * width * bpp:(y + 1) * width * bpp] = bytes(width * bpp)
    lines = b"".join(b"\x00" + bytes(raw[y * width * bpp:(y + 1) * width * bpp]) for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2 if bpp == 3 else 6,
                                                            0, 0, 0))
           + chunk(b"IDAT", zlib.compress(lines)) + chunk(b"IEND", b""))
    _, got = blocks(png)
    _, want = blocks(REFERENCE.read_bytes())
    assert sum(1 for a, b in zip(got, want) if abs(a - b) > BLOCK_TOLERANCE) / len(want) > MAX_BLOCKS_CHANGED


# ---------------------------------------------------------------------------
# Words in the labels
# ---------------------------------------------------------------------------

def test_count_units_are_plural_in_labels_and_symbols_are_not(frozen_charts):  # noqa: F811
    """Busygin's row read '1050 part against 675 part'; counts take their plural, symbols never."""
    from prodkit.outputs.charts.labels import fmt_quantity

    rows = {r["record_claim_id"]: r["row"] for r in frozen_charts["norms_vs_records"].to_dict()["datasets"][
        "norms_vs_records"]}
    assert "parts made: 1,050\u00a0parts against\u00a0675\u00a0parts" in rows["c015"].replace("\n", " ")
    assert "102\u00a0t against\u00a06–7\u00a0t" in rows["c046"].replace("\n", " ")
    assert [fmt_quantity(*a) for a in ((1.0, 1.0, "loom"), (216.0, 216.0, "loom"), (40.0, 40.0, "km/h"),
                                       (1400.0, 1400.0, "pair"), (3.0, 3.0, "person"), (1.59, 1.59, "min"),
                                       (14.0, 15.0, "t"), (523.0, 523.0, "q/ha"))] == [
        "1 loom", "216 looms", "40 km/h", "1,400 pairs", "3 people", "1.59 min", "14–15 t", "523 q/ha"]
    timeline = frozen_charts["record_timeline"].to_dict()["datasets"]["record_timeline"]
    assert any(r["norm_text"] == "norm 4,500 t" for r in timeline)


def test_an_unnamed_record_takes_its_events_subject_and_says_so(frozen_charts):  # noqa: F811
    """Gershberg's '552 tons' names no one; the historian's event links it to Artyukhov's record."""
    import polars as pl

    rows = {r["record_claim_id"]: r["row"] for r in frozen_charts["norms_vs_records"].to_dict()["datasets"][
        "norms_vs_records"]}
    assert rows["c011"].startswith("Ivan Artyukhov (source names no one)\n")
    assert not any(r.startswith("artyukhov-") for r in rows.values())
    nvr = pl.DataFrame({"event_id": ["e1"], "subject": [None], "sector": ["coal"], "measure": ["coal_hewn"],
                        "date": ["1935"], "record_value": [10.0], "norm_low": [5.0], "norm_high": [5.0],
                        "unit": ["t"], "pct_of_norm_low": [200.0], "pct_of_norm_high": [200.0],
                        "stated_pct_of_norm": [None], "stated_multiple": [None], "implied_norm": [None],
                        "record_claim_id": ["c1"], "record_source_id": ["s1"], "flags": [None]},
                       schema_overrides={"subject": pl.String, "stated_pct_of_norm": pl.Float64,
                                         "stated_multiple": pl.Float64, "implied_norm": pl.Float64,
                                         "flags": pl.String})
    spec = charts.norms_vs_records_chart(nvr).to_dict()
    assert spec["datasets"]["norms_vs_records"][0]["row"].startswith("e1\n")  # no one named anywhere: the event id
