"""Helper processes that draw charts with vl-convert, startable before altair is imported.

``prodkit reconcile`` starts them at the beginning of a run that will draw
figures, so that their start-up (Python, vl-convert's JavaScript engine)
overlaps the pipeline instead of following it.
"""

from __future__ import annotations

from pathlib import Path

#: The charts of a report, by file name.
CHART_NAMES = ["norms_vs_records", "record_timeline", "source_conflicts", "movement_spread", "before_after"]


def needs_drawing(earlier: Path | None) -> bool:
    """Will charts be drawn, rather than copied from ``earlier`` (a reports folder of an earlier run)?"""
    previous = Path(earlier) / "figures" if earlier else None
    return previous is None or not all((previous / f"{n}.html").is_file() for n in CHART_NAMES)


# ---------------------------------------------------------------------------
# Drawing in helper processes
#
# vl-convert holds the GIL while it draws, and its JavaScript engine takes
# half a second to start. Two helper processes warm up while the pipeline
# runs and altair builds the charts, then draw them side by side. On 2
# cores that saves 1-1.5 s when the machine is idle, and 1.5-3.5 s when
# other work keeps both cores busy (three processes of prodkit's get more of
# the machine than one). Earlier versions drew in-process when the load
# average was high; the load average lags, so after prodkit's own last run
# every chart was drawn in-process, 2-3 s slower. PRODKIT_RENDER_WORKERS=N
# forces N helpers (0: draw in-process, which is also the fallback when a
# helper fails; a one-core machine draws in-process).
# ---------------------------------------------------------------------------

RENDER_WORKER = r"""
import json, re, sys
import vl_convert as vlc
vlc.vegalite_to_svg({"data": {"values": [{"a": 1}]}, "mark": "point",
                     "encoding": {"x": {"field": "a", "type": "quantitative"}}})
for line in sys.stdin:
    for job in json.loads(open(line.strip(), encoding="utf-8").read()):
        svg = vlc.vegalite_to_svg(job["spec"], allowed_base_urls=[])
        open(job["svg"], "w", encoding="utf-8").write(svg)
        width = float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg).group(1))
        png = vlc.svg_to_png(svg, scale=job["print_width_in"] * 72 / width, ppi=job["ppi"])
        open(job["png"], "wb").write(png)
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
    workers = []
    for _ in range(count):
        try:
            workers.append(subprocess.Popen([sys.executable, "-c", RENDER_WORKER], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            encoding="utf-8"))
        except OSError:  # pragma: no cover - no way to start a process: draw in-process
            break
    return workers


def stop_renderers(workers: list) -> None:
    """Stop helpers that were started but not used (after an error, or when every chart was reused)."""
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
