"""A chart's four files (``.svg``, ``.png``, ``.pdf``, a self-contained ``.html``), and reusing an earlier run's."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

from ..renderers import PNG_PPI, print_width_in, write_svg_png
from .drawing import render
from .layout import chart_title


def save(chart, folder: Path, name: str) -> list[Path]:
    """Write ``name.svg``, ``name.png`` (the chart's column width at 300 dpi), ``name.pdf`` (fonts embedded)
    and a self-contained ``name.html`` into ``folder``.

    The PNG and PDF are made from the SVG (one Vega run per chart). The HTML
    page holds the SVG inline and the Vega-Lite spec as JSON; it loads
    nothing from anywhere, and its one inline script only adds hover text.
    """
    spec, svg = render(chart)
    return write_files(spec, svg, folder, name)


def write_files(spec: dict, svg: str, folder: Path, name: str, *, drawn: bool = False) -> list[Path]:
    """The four files of a rendered chart (``drawn``: the SVG, PNG and PDF are already in ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.svg", folder / f"{name}.png", folder / f"{name}.pdf", folder / f"{name}.html"]
    if not drawn:
        write_svg_png(svg, folder, name, print_width_in(spec))
    stamp = (f"{chart_key(spec)} svg:{_sha(paths[0].read_bytes())} png:{_sha(paths[1].read_bytes())} "
             f"pdf:{_sha(paths[2].read_bytes())}")
    paths[3].write_text(chart_html(spec, svg, name, stamp=stamp), encoding="utf-8")
    return paths


# ---------------------------------------------------------------------------
# Reusing the files of an earlier run
#
# A chart's spec holds its data, so the same spec draws the same files. Each
# chart page records the spec's fingerprint and the fingerprints of its SVG
# and PNG; a later run whose spec is the same, and whose earlier files are
# untouched, copies them instead of drawing again.
# ---------------------------------------------------------------------------

def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def chart_key(spec: dict) -> str:
    """Fingerprint of everything that decides a chart's files: spec, renderer version, PNG settings."""
    from importlib.metadata import version

    text = json.dumps(spec, sort_keys=True, ensure_ascii=False)
    return _sha(f"{text}|vl-convert {version('vl-convert-python')}|{PNG_PPI}|pdf 1".encode())


def reuse_files(spec: dict, earlier: Path, folder: Path, name: str) -> str | None:
    """Copy ``name.svg``, ``name.png`` and ``name.pdf`` from ``earlier`` into ``folder`` if they are what ``spec`` draws.

    Returns the SVG, or None when the chart must be drawn (no earlier files,
    another spec, or files edited since).
    """
    page = earlier / f"{name}.html"
    try:
        match = re.search(r'<meta name="prodkit-chart" content="(\w+) svg:(\w+) png:(\w+) pdf:(\w+)">',
                          page.read_text(encoding="utf-8")[:4000])
        if not match or match.group(1) != chart_key(spec):
            return None
        svg, png, pdf = ((earlier / f"{name}.{ext}").read_bytes() for ext in ("svg", "png", "pdf"))
    except OSError:
        return None
    if (_sha(svg), _sha(png), _sha(pdf)) != match.group(2, 3, 4):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.svg").write_bytes(svg)
    (folder / f"{name}.png").write_bytes(png)
    (folder / f"{name}.pdf").write_bytes(pdf)
    return svg.decode("utf-8")


# ---------------------------------------------------------------------------
# The chart's page
# ---------------------------------------------------------------------------

#: Hover text for the marks of an inline SVG: Vega writes each mark's
#: description as aria-label; a <title> child shows it as a tooltip. The
#: script is a file of its own (``outputs/templates/tooltip.js``), which
#: report.html includes too.
TOOLTIP_SCRIPT = files("prodkit.outputs").joinpath("templates", "tooltip.js").read_text(encoding="utf-8")

PAGE_STYLE = """
body { font-family: Liberation Sans, Arimo, Arial, Helvetica, sans-serif; color: #222; margin: 24px 48px; }
figure { margin: 0; } figure svg { max-width: 100%; height: auto; overflow: visible; }
"""


def inline_svg(svg: str) -> str:
    """The SVG without its XML prolog, fit to sit inside an HTML page."""
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)


def script_json(spec: dict) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(spec, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def chart_html(spec: dict, svg: str, name: str, *, stamp: str = "") -> str:
    """A page with the chart as inline SVG, its spec as JSON and (``stamp``) the fingerprints of its files."""
    import html

    title = html.escape(chart_title(spec))
    meta = f'<meta name="prodkit-chart" content="{html.escape(stamp)}">\n' if stamp else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"{meta}<title>{title} · prodkit</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n"
        f"<figure id=\"{html.escape(name)}\">\n{inline_svg(svg)}\n</figure>\n"
        f"<script type=\"application/json\" id=\"vega-lite-spec\">{script_json(spec)}</script>\n"
        f"<script>\n{TOOLTIP_SCRIPT}</script>\n</body>\n</html>\n"
    )
