"""Drawing a chart's SVG and PNG with vl-convert (no network), in this process or in helpers."""

from __future__ import annotations

import json
from pathlib import Path

from ..renderers import draw


def spec_of(chart, *, validate: bool = False) -> dict:
    """The chart's Vega-Lite spec: ``chart.to_dict``, without altair's needless deep copies.

    Each ``to_dict`` of a composed chart (a concatenation, a layer) rebuilds
    it, and every rebuild deep-copies all the charts inside it, to merge
    their selection parameters. prodkit's charts have no parameters, so
    while their spec is made the merge hands the charts through untouched
    whenever there is nothing to merge (no parameter, no named layer). The
    spec is the same, key for key (the tests compare every chart's spec with
    a golden), and made in a fraction of the time (benchmarks/RESULTS.md,
    "Timings once quoted in outputs/"). Schema validation is skipped by
    default: it costs more than making the spec, and the goldens are
    validated by the tests.
    """
    try:
        import altair.vegalite.v6.api as api
        from altair.utils.schemapi import Undefined
    except ImportError:  # another altair: its own to_dict, however slow
        return chart.to_dict(validate=validate)
    merge = api._combine_subchart_params

    def merge_if_needed(params, subcharts):
        nothing = (params is Undefined or params == []) and all(
            getattr(s, "params", Undefined) is Undefined for s in subcharts)
        named = len(subcharts) > 1 and any(
            isinstance(s, api.LayerChart) and s.layer
            and any(isinstance(layer, api.Chart) and layer.name is not Undefined for layer in s.layer)
            for s in subcharts)
        return (Undefined, list(subcharts)) if nothing and not named else merge(params, subcharts)

    api._combine_subchart_params = merge_if_needed
    try:
        return chart.to_dict(validate=validate)
    finally:
        api._combine_subchart_params = merge


def render(chart, *, validate: bool = False) -> tuple[dict, str]:
    """The Vega-Lite spec (:func:`spec_of`) and its SVG (vl-convert, no network)."""
    import vl_convert as vlc

    spec = spec_of(chart, validate=validate)
    return spec, vlc.vegalite_to_svg(spec, allowed_base_urls=[])


class Drawing:
    """Draws charts as their specs arrive, each in the helper with the least work so far.

    Sending a chart to a helper as soon as its spec is built lets the helpers
    draw while altair builds the next one. Whatever a helper fails to draw is
    drawn here, in name order, so a broken helper costs time, never a chart.
    """

    def __init__(self, folder: Path, workers: list | None = None):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.workers = [w for w in (workers or []) if w.poll() is None]
        self.loads = [0] * len(self.workers)
        self.specs: dict[str, dict] = {}
        self.jobs: list[Path] = []

    def submit(self, name: str, spec: dict) -> None:
        self.specs[name] = spec
        if not self.workers:
            return
        i = min(range(len(self.workers)), key=lambda k: self.loads[k])
        self.loads[i] += len(json.dumps(spec))
        job_file = self.folder / f".render-{len(self.jobs)}.json"
        self.jobs.append(job_file)
        job_file.write_text(json.dumps([{"name": name, "spec": spec, "folder": str(self.folder)}],
                                       ensure_ascii=False), encoding="utf-8")
        try:
            self.workers[i].stdin.write(f"{job_file}\n")
            self.workers[i].stdin.flush()
        except (OSError, ValueError):
            pass  # a helper that died: its charts are drawn here

    def finish(self) -> dict[str, str]:
        """Wait for the helpers, draw what they did not, and return every submitted chart's SVG."""
        done: set[str] = set()
        for worker in self.workers:
            try:
                worker.stdin.close()
            except OSError:
                pass
            worker.stdin = None  # closed: communicate() must not flush it
            try:
                out, _ = worker.communicate(timeout=600)
            except Exception:  # noqa: BLE001 - a stuck helper: stop it, draw here
                worker.kill()
                out = ""
            done.update(out.split())
        for job_file in self.jobs:
            job_file.unlink(missing_ok=True)
        for name in sorted(set(self.specs) - done):
            draw(self.specs[name], self.folder, name)
        return {name: (self.folder / f"{name}.svg").read_text(encoding="utf-8") for name in self.specs}
