"""Drawing a chart's SVG and PNG with vl-convert (no network), in this process or in helpers."""

from __future__ import annotations

import json
import re
from pathlib import Path

#: Print resolution of the PNG files: every PNG is as wide as a page's text
#: block (6.5 in) at 300 dots per inch, i.e. 1950 pixels, whatever its size on screen.
PNG_PPI = 300
PRINT_WIDTH_IN = 6.5


def render(chart, *, validate: bool = False) -> tuple[dict, str]:
    """The Vega-Lite spec and its SVG (vl-convert, no network).

    Schema validation is skipped by default: it triples the cost of
    ``to_dict``, and the tests validate every chart's spec (the goldens).
    """
    import vl_convert as vlc

    spec = chart.to_dict(validate=validate)
    return spec, vlc.vegalite_to_svg(spec, allowed_base_urls=[])


def png_scale(svg: str) -> float:
    """vl-convert's ``scale`` that makes the PNG PRINT_WIDTH_IN wide at PNG_PPI (ppi alone scales by ppi/72)."""
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg)
    width = float(match.group(1)) if match else 800.0
    return PRINT_WIDTH_IN * 72 / width


def write_svg_png(svg: str, folder: Path, name: str) -> None:
    """Write a drawn chart's ``name.svg`` and ``name.png`` (PRINT_WIDTH_IN wide at PNG_PPI) into ``folder``."""
    import vl_convert as vlc

    (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
    (folder / f"{name}.png").write_bytes(vlc.svg_to_png(svg, scale=png_scale(svg), ppi=PNG_PPI))


# ---------------------------------------------------------------------------
# Drawing in helper processes
#
# vl-convert holds the GIL while it draws, and its JavaScript engine takes
# half a second to start. Two helper processes, started before altair builds
# the charts, warm up while the charts are built and then draw them side by
# side. That pays only where cores are idle: on a busy machine the helpers'
# own start-up is extra work, so prodkit draws in-process unless a core and
# a half are free (load average). PRODKIT_RENDER_WORKERS=N forces N helpers
# (0: draw in-process, which is also the fallback when a helper fails).
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
    """Start helper processes that draw SVG and PNG (none on a busy or one-core machine)."""
    import os
    import subprocess
    import sys

    if count is None:
        setting = os.environ.get("PRODKIT_RENDER_WORKERS", "").strip()
        if setting.isdigit():
            count = int(setting)
        else:
            cores = os.cpu_count() or 1
            try:
                free = cores - os.getloadavg()[0]
            except (AttributeError, OSError):  # no load average (Windows): trust the core count
                free = cores - 1.0
            count = 2 if cores >= 2 and free >= 1.5 else 0
    workers = []
    for _ in range(count):
        try:
            workers.append(subprocess.Popen([sys.executable, "-c", RENDER_WORKER], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            encoding="utf-8"))
        except OSError:  # pragma: no cover - no way to start a process: draw in-process
            break
    return workers


def draw_files(specs: dict[str, dict], folder: Path, workers: list | None = None) -> dict[str, str]:
    """Write ``name.svg`` and ``name.png`` for every spec into ``folder``; return the SVGs.

    The work is shared among ``workers`` (from :func:`start_renderers`), the
    largest specs first; whatever a worker fails to draw is drawn here, so a
    broken helper costs time, never a chart.
    """
    import vl_convert as vlc

    folder.mkdir(parents=True, exist_ok=True)
    workers = [w for w in (workers or []) if w.poll() is None]
    todo = dict(specs)
    if workers:
        loads = [[0, []] for _ in workers]
        for name in sorted(specs, key=lambda n: (-len(json.dumps(specs[n])), n)):
            lightest = min(loads, key=lambda item: item[0])
            lightest[0] += len(json.dumps(specs[name]))
            lightest[1].append({"name": name, "spec": specs[name], "svg": str(folder / f"{name}.svg"),
                                "png": str(folder / f"{name}.png"), "print_width_in": PRINT_WIDTH_IN,
                                "ppi": PNG_PPI})
        for i, (worker, (_, jobs)) in enumerate(zip(workers, loads)):
            job_file = folder / f".render-{i}.json"
            job_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
            try:
                worker.stdin.write(f"{job_file}\n")
                worker.stdin.close()
            except OSError:
                pass
            worker.stdin = None  # closed: communicate() must not flush it
        for i, worker in enumerate(workers):
            try:
                out, _ = worker.communicate(timeout=600)
            except Exception:  # noqa: BLE001 - a stuck helper: stop it, draw here
                worker.kill()
                out = ""
            for name in out.split():
                todo.pop(name, None)
            (folder / f".render-{i}.json").unlink(missing_ok=True)
    for name in sorted(todo):
        write_svg_png(vlc.vegalite_to_svg(todo[name], allowed_base_urls=[]), folder, name)
    return {name: (folder / f"{name}.svg").read_text(encoding="utf-8") for name in specs}


def stop_renderers(workers: list) -> None:
    """Stop helpers that were started but not used (after an error)."""
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
