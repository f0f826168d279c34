"""Helper processes that draw charts with vl-convert, startable before altair is imported.

``prodkit reconcile`` starts them at the beginning of a run that will draw
figures, so that their start-up (Python, vl-convert's JavaScript engine)
overlaps the pipeline instead of following it.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Print resolution of the PNG files: every PNG is as wide as the journal
#: column it is drawn for (:data:`PRINT_WIDTHS_IN`) at 300 dots per inch, so
#: 2100 pixels for a double column, whatever its size on screen.
PNG_PPI = 300
#: A journal's column widths, in inches: ``prodkit figures --width single|double``.
PRINT_WIDTHS_IN = {"single": 3.5, "double": 7.0}
DEFAULT_WIDTH = "double"
PRINT_WIDTH_IN = PRINT_WIDTHS_IN[DEFAULT_WIDTH]
#: The file types of every chart (and of its caption-free variant).
FORMATS = ("svg", "png", "pdf", "html")
#: The charts of a report, by file name.
CHART_NAMES = ["norms_vs_records", "record_timeline", "source_conflicts", "movement_spread", "before_after"]


def needs_drawing(earlier: Path | None) -> bool:
    """Will charts be drawn, rather than copied from ``earlier`` (a reports folder of an earlier run)?"""
    previous = Path(earlier) / "figures" if earlier else None
    return previous is None or not all((previous / f"{n}.html").is_file() for n in CHART_NAMES)


# ---------------------------------------------------------------------------
# Drawing in helper processes
#
# vl-convert holds the GIL while it draws, and its JavaScript engine is slow
# to start. Two helper processes warm up while the pipeline runs and altair
# builds the charts, then draw them side by side. On 2 cores that saves time
# both when the machine is idle and when other work keeps both cores busy
# (three processes of prodkit's get more of the machine than one). Earlier
# versions drew in-process when the load average was high; the load average
# lags, so after prodkit's own last run every chart was drawn in-process,
# which was slower (the figures: benchmarks/RESULTS.md, "Timings once quoted
# in outputs/"). PRODKIT_RENDER_WORKERS=N
# forces N helpers (0: draw in-process, which is also the fallback when a
# helper fails; a one-core machine draws in-process).
# ---------------------------------------------------------------------------

def svg_width(svg: str) -> float:
    """The drawn width of an SVG, in its own units (Vega's pixels)."""
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg)
    return float(match.group(1)) if match else 800.0


def print_width_in(spec: dict | None) -> float:
    """The printed width a chart was laid out for (its spec's ``usermeta``), in inches."""
    meta = (spec or {}).get("usermeta", {}).get("prodkit", {}) if isinstance(spec, dict) else {}
    return float(meta.get("print_width_in", PRINT_WIDTH_IN))


def png_scale(svg: str, width_in: float = PRINT_WIDTH_IN) -> float:
    """vl-convert's ``scale`` that makes the chart ``width_in`` wide: 72 points an inch (ppi alone scales by ppi/72)."""
    return width_in * 72 / svg_width(svg)


def write_svg_png(svg: str, folder: Path, name: str, width_in: float = PRINT_WIDTH_IN) -> None:
    """Write a drawn chart's ``name.svg``, ``name.png`` (``width_in`` wide at PNG_PPI) and ``name.pdf`` into ``folder``.

    The PDF page is ``width_in`` wide, its fonts embedded (vl-convert embeds a
    subset of each), its bytes made stable by :func:`~prodkit.outputs.pdf.stable_pdf`.
    """
    import vl_convert as vlc

    from .pdf import stable_pdf

    scale = png_scale(svg, width_in)
    (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
    (folder / f"{name}.png").write_bytes(vlc.svg_to_png(svg, scale=scale, ppi=PNG_PPI))
    (folder / f"{name}.pdf").write_bytes(stable_pdf(vlc.svg_to_pdf(sized_svg(svg, scale))))


def sized_svg(svg: str, scale: float) -> str:
    """The SVG drawn ``scale`` times larger: its width and height scaled, its viewBox kept (vl-convert's PDF
    page takes the SVG's own size, whatever ``scale`` it is given)."""
    def scaled(match: re.Match) -> str:
        return f'{match.group(1)}="{float(match.group(2)) * scale:.4f}"'

    head_end = svg.find(">", svg.find("<svg"))
    head = re.sub(r'\b(width|height)="([\d.]+)"', scaled, svg[:head_end])
    if "viewBox" not in head:
        return svg
    return head + svg[head_end:]


def draw(spec: dict, folder: Path, name: str) -> None:
    """Draw a Vega-Lite spec into ``folder`` as ``name.svg``, ``.png`` and ``.pdf`` (vl-convert, no network)."""
    import vl_convert as vlc

    write_svg_png(vlc.vegalite_to_svg(spec, allowed_base_urls=[]), folder, name, print_width_in(spec))


#: A helper: it starts vl-convert's engine at once, then draws each job
#: file named on its stdin with :func:`draw` (this module imports nothing
#: heavy) and prints the chart's name when its files are written.
RENDER_WORKER = r"""
import json, sys
from pathlib import Path
from prodkit.outputs.renderers import draw
import vl_convert as vlc
vlc.vegalite_to_svg({"data": {"values": [{"a": 1}]}, "mark": "point",
                     "encoding": {"x": {"field": "a", "type": "quantitative"}}})
for line in sys.stdin:
    for job in json.loads(open(line.strip(), encoding="utf-8").read()):
        draw(job["spec"], Path(job["folder"]), job["name"])
        print(job["name"], flush=True)
"""


def start_renderers(count: int | None = None) -> list:
    """Start helper processes that draw SVG and PNG (two; none on a one-core machine)."""
    import os
    import subprocess
    import sys

    if count is None:
        setting = os.environ.get("PRODKIT_RENDER_WORKERS", "").strip()
        if setting.isdigit():
            count = int(setting)
        else:
            count = 2 if (os.cpu_count() or 1) >= 2 else 0
    # the helpers import this very copy of prodkit, wherever it was imported from
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p))
    workers = []
    for _ in range(count):
        try:
            workers.append(subprocess.Popen([sys.executable, "-c", RENDER_WORKER], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            encoding="utf-8", env=env))
        except OSError:  # pragma: no cover - no way to start a process: draw in-process
            break
    return workers


def stop_renderers(workers: list) -> None:
    """Stop helpers that were started but not used (after an error, or when every chart was reused)."""
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
