"""Issue 7: the five charts, their files, report.html, and a real browser that opens them.

Chart specs are compared with goldens in tests/data/golden/ (see the README
there; regenerate on purpose with PRODKIT_REGEN_GOLDENS=1 and read the diff).
The browser tests open the report and a chart in headless Chromium, check
the screenshot is not blank and that the page asked the network for nothing.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import polars as pl
import pytest

from conftest import DATA, RAW, require_client, run
from markupsafe import escape

from prodkit.outputs import charts, figures
from prodkit.outputs.charts.drawing import Drawing
from prodkit.outputs.charts.theme import FONT, MAX_POINTS, MAX_ROWS, THEME
from prodkit.outputs.renderers import PRINT_WIDTH_IN, start_renderers, stop_renderers
from prodkit.outputs.tables import read_table, read_tables

GOLDEN = DATA / "golden"
GOLDEN_TABLES = GOLDEN / "tables"
FROZEN = ["reconciled", "norms_vs_records", "conflicts"]
REGEN = os.environ.get("PRODKIT_REGEN_GOLDENS") == "1"
SOURCE_TABLE = {"norms_vs_records": ["norms_vs_records.csv"], "record_timeline": ["reconciled.csv"],
                "source_conflicts": ["conflicts.csv", "reconciled.csv"], "movement_spread": ["reconciled.csv"],
                "before_after": ["reconciled.csv"]}


# ---------------------------------------------------------------------------
# Fixtures: frozen tables for the goldens, one full run for the files
# ---------------------------------------------------------------------------

def regenerate_golden_tables() -> None:
    """Freeze the chart tables of the bundled ledger (only under PRODKIT_REGEN_GOLDENS=1)."""
    from prodkit.outputs.tables import write_csv
    from prodkit.pipeline import build_tables, load_ledger

    tables, _ = build_tables(load_ledger(RAW), strategy="trust-your-friends", tolerance=0.01, seed=1935)
    GOLDEN_TABLES.mkdir(parents=True, exist_ok=True)
    for name in FROZEN:
        write_csv(tables[name], GOLDEN_TABLES / f"{name}.csv")


@pytest.fixture(scope="module")
def frozen() -> dict[str, pl.DataFrame]:
    if REGEN:
        regenerate_golden_tables()
    return {name: read_table(GOLDEN_TABLES / f"{name}.csv", name) for name in FROZEN}


@pytest.fixture(scope="module")
def frozen_charts(frozen) -> dict:
    return charts.build_charts(frozen)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory) -> dict[str, Path]:
    """`prodkit reconcile` on the bundled ledger, figures on (shared by the file, report and browser tests)."""
    import prodkit

    base = tmp_path_factory.mktemp("full")
    out, reports = base / "clean", base / "reports"
    result = prodkit.reconcile(RAW, out, reports)
    return {"out": out, "reports": reports, "written": result.written, "tables": result.tables}


# ---------------------------------------------------------------------------
# Goldens
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", charts.CHART_NAMES)
def test_chart_spec_matches_golden(name, frozen_charts):
    spec = frozen_charts[name].to_dict()  # validates against the Vega-Lite schema too
    path = GOLDEN / f"{name}.json"
    text = json.dumps(spec, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if REGEN:
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if json.loads(expected) != spec:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), "golden", "now", n=2))
        pytest.fail(f"{name} spec differs from {path.name} (PRODKIT_REGEN_GOLDENS=1 to accept):\n{diff[:4000]}")


@pytest.mark.parametrize("name", charts.CHART_NAMES)
def test_the_fast_spec_is_altairs_spec_key_for_key(name, frozen_charts):
    chart = frozen_charts[name]
    assert json.dumps(charts.spec_of(chart)) == json.dumps(chart.to_dict(validate=False))
    assert json.dumps(charts.spec_of(chart, validate=True)) == json.dumps(chart.to_dict())


# ---------------------------------------------------------------------------
# What every chart has
# ---------------------------------------------------------------------------

def walk(node, path=""):
    """Every (path, key, value) in a spec."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path, k, v
            yield from walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}/{i}")


def axis_titles(spec) -> list[tuple[str, str]]:
    """(channel, title) of every x or y encoding that draws an axis."""
    return [(k, v.get("title")) for _, k, v in walk(spec)
            if k in ("x", "y") and isinstance(v, dict) and ("field" in v or "datum" in v)
            and v.get("type") != "nominal"]  # issue 19: rows labelled by their own text need no axis title


@pytest.mark.parametrize("name", charts.CHART_NAMES)
def test_every_chart_has_title_axis_titles_caption_and_the_theme(name, frozen_charts):
    spec = frozen_charts[name].to_dict()
    body = spec["vconcat"][0]
    assert body["title"]["text"] and body["title"]["subtitle"]
    caption = charts.chart_caption(spec)
    for table in SOURCE_TABLE[name]:
        assert table in caption, (name, caption)
    assert caption.startswith("Source: ")
    assert spec["title"]["orient"] == "bottom"
    assert spec["config"] == json.loads(json.dumps(THEME))
    titles = axis_titles(spec)
    assert titles and all(isinstance(t, str) and t.strip() for _, t in titles), titles
    # axis titles say their unit (or that the unit is the row's/panel's own)
    x_titles = {t for k, t in titles if k == "x"}
    y_titles = {t for k, t in titles if k == "y"}
    assert any(re.search(r"\(|unit|%|Date", t) for t in x_titles | y_titles), titles


def test_one_theme_for_all_charts(frozen_charts):
    configs = [json.dumps(c.to_dict(validate=False)["config"], sort_keys=True) for c in frozen_charts.values()]
    assert len(set(configs)) == 1
    assert "Liberation Sans" in THEME["font"]


@pytest.mark.parametrize("name", charts.CHART_NAMES)
def test_no_chart_stacks_or_sums(name, frozen_charts):
    spec = frozen_charts[name].to_dict()
    for path, key, value in walk(spec):
        assert key != "stack" or value is None, (path, key, value)
        assert not (key == "aggregate" and value == "sum"), path
        assert not (key == "op" and value == "sum"), path


def test_norms_vs_records_is_log_scale_one_row_per_record_claim(frozen, frozen_charts):
    spec = frozen_charts["norms_vs_records"].to_dict()
    scales = [v["scale"]["type"] for _, k, v in walk(spec) if k == "x" and isinstance(v, dict) and "scale" in v]
    assert scales and set(scales) == {"log"}
    rows = spec["datasets"]["norms_vs_records"]
    # issue 16: the chart draws the per-claim rows (not the primary or stated ones), and no time norm
    nvr = frozen["norms_vs_records"]
    assert len(rows) == nvr.filter((pl.col("row_kind") == "claim") & (pl.col("direction") == "higher")).height
    assert len({r["row"] for r in rows}) == len(rows)  # every claim its own row: never merged
    artyukhov = [r for r in rows if r["event_id"] == "artyukhov-1935-09"]
    assert sorted(r["record"] for r in artyukhov) == [536.0, 552.0]
    assert abs(artyukhov[0]["order"] - artyukhov[1]["order"]) == 1  # side by side
    by_claim = {r["record_claim_id"]: r for r in rows}
    assert by_claim["c002"]["computed_text"] == "×17"  # 102 t against a norm of 6 t
    assert by_claim["c046"]["computed_text"] == "×14.6–17"  # against a norm of 6-7 t: a range stays a range
    assert by_claim["c046"]["norm_low"] == 6.0 and by_claim["c046"]["norm_high"] == 7.0
    # issue 16: 321 t is drawn against the norm in force (6-7 t); "23 times" is stated beside it, its implied
    # norm of 14 t a hypothesis in the table, not drawn
    assert by_claim["c117"]["stated_text"] == "stated ×23" and by_claim["c117"]["norm_low"] == 6.0
    facet = spec["vconcat"][0]["facet"]["row"]
    assert facet["field"] == "sector" and facet["sort"][0] == "coal"


def test_source_conflicts_keeps_every_claim_apart_with_span_and_choice(frozen_charts):
    spec = frozen_charts["source_conflicts"].to_dict()
    rows = spec["datasets"]["source_conflicts"]
    claims = [r for r in rows if r["kind"] == "claim"]
    assert {(r["claim_id"], r["source_type"], r["low"]) for r in claims} == {
        ("c007", "archival", 536.0), ("c011", "later_soviet", 552.0)}
    assert len({r["row"] for r in rows}) == len(rows)
    assert [r["chosen"] for r in claims if r["claim_id"] == "c007"] == [True]
    span = [r for r in rows if r["kind"] == "span"]
    assert len(span) == 1 and (span[0]["low"], span[0]["high"], span[0]["reported"]) == (536.0, 552.0, 536.0)
    colours = [v for _, k, v in walk(spec) if k == "color" and isinstance(v, dict) and v.get("field")]
    assert colours and all(c["field"] == "source_type" for c in colours)


def test_conflicting_claims_with_the_same_value_are_two_marks():
    conflicts = pl.DataFrame({
        "event_id": ["e", "e", "e"], "measure": ["coal_hewn"] * 3, "statistic": ["record"] * 3,
        "claim_id": ["a", "b", "c"], "source_id": ["s1", "s2", "s3"],
        "source_type": ["archival", "memoir", "memoir"], "value_low": [10.0, 10.0, 12.0],
        "value_high": [10.0, 10.0, 12.0], "unit": ["t"] * 3, "deviation_pct": [0.0, 0.0, 20.0],
        "chosen": [True, False, False]})
    rows = charts.source_conflicts_chart(conflicts).to_dict()["datasets"]["source_conflicts"]
    claims = [r for r in rows if r["kind"] == "claim"]
    assert len(claims) == 3 and len({r["row"] for r in claims}) == 3
    assert [r["mid"] for r in claims].count(10.0) == 2


def test_timeline_spread_and_before_after_read_the_ledger_right(frozen_charts):
    timeline = frozen_charts["record_timeline"].to_dict()["datasets"]["record_timeline"]
    stakhanov = sorted((r["mid"], r["value"]) for r in timeline
                       if r["kind"] == "record" and r["subject"] == "Alexei Stakhanov")
    assert [v for _, v in stakhanov] == [102.0, 175.0, 227.0, 321.0]
    assert all("1935" <= r["mid"][:4] <= "1937" for r in timeline if r["kind"] == "record")
    assert any(r["kind"] == "norm" and (r["low"], r["high"]) == (6.0, 7.0) for r in timeline)

    spread = frozen_charts["movement_spread"].to_dict()["datasets"]["movement_spread"]
    moscow = [r["value"] for r in spread if r["subject"].startswith("Moscow")]
    assert moscow == [6.0, 18.9, 26.1, 27.7, 29.7]
    magnitogorsk = [r for r in spread if r["subject"].startswith("Magnitogorsk")][0]
    assert (magnitogorsk["bound"], magnitogorsk["low"], magnitogorsk["high"]) == ("lower bound", 50.0, 100.0)
    assert magnitogorsk["label"] == "over 50%"

    before_after = frozen_charts["before_after"].to_dict()["datasets"]["before_after"]
    got = {(r["subject"], r["statistic"], r["period"]): (r["low"], r["high"]) for r in before_after}
    assert got[("Alexei Stakhanov", "average per shift", "before")] == (14.0, 15.0)
    assert got[("Alexei Stakhanov", "average per shift", "after")] == (60.0, 70.0)
    assert got[("Miron Dyukanov", "maximum per shift", "after")] == (115.0, 115.0)
    assert not any(r["event_id"] == "soviet-coal-hewers-before-after" for r in before_after)


def test_charts_of_empty_or_missing_tables_say_so():
    empty = {"reconciled": pl.DataFrame(), "norms_vs_records": pl.DataFrame(), "conflicts": pl.DataFrame()}
    for name, chart in charts.build_charts(empty).items():
        spec = chart.to_dict()
        message = spec["datasets"][name][0]["message"]
        assert message.startswith("No "), (name, message)
        assert charts.chart_caption(spec).startswith("Source: ")


def big_norms_table(n: int) -> pl.DataFrame:
    return pl.DataFrame({
        "event_id": [f"e{i:05d}" for i in range(n)], "subject": ["w"] * n, "sector": ["coal"] * n,
        "measure": ["coal_hewn"] * n, "date": ["1935-09"] * n, "record_value": [float(i + 10) for i in range(n)],
        "norm_low": [6.0] * n, "norm_high": [7.0] * n, "unit": ["t"] * n, "pct_of_norm_low": [100.0] * n,
        "pct_of_norm_high": [100.0] * n, "stated_pct_of_norm": [None] * n, "stated_multiple": [None] * n,
        "implied_norm": [None] * n, "record_claim_id": [f"c{i}" for i in range(n)],
        "record_source_id": ["s"] * n, "flags": [None] * n}, schema_overrides={
        "stated_pct_of_norm": pl.Float64, "stated_multiple": pl.Float64, "implied_norm": pl.Float64,
        "flags": pl.String})


def test_no_row_limit_and_legible_caps():
    n = 6000
    reconciled = pl.DataFrame({
        "event_id": [f"e{i:05d}" for i in range(n)], "measure": ["coal_hewn"] * n, "statistic": ["record"] * n,
        "subject": [f"worker {i % 7}" for i in range(n)], "date": [f"1936-{i % 12 + 1:02d}" for i in range(n)],
        "value": [float(10 + i % 500) for i in range(n)], "value_low": [None] * n, "value_high": [None] * n,
        "unit": ["t"] * n, "status": ["single"] * n, "flags": [None] * n},
        schema_overrides={"value_low": pl.Float64, "value_high": pl.Float64, "flags": pl.String})
    spec = charts.record_timeline_chart(reconciled).to_dict(validate=False)  # altair's 5000-row limit is lifted
    # a time chart draws at most MAX_POINTS records (by date), so that its files stay small; the CSV has all
    assert len([r for r in spec["datasets"]["record_timeline"] if r["kind"] == "record"]) == MAX_POINTS
    assert f"Showing the first {MAX_POINTS} of {n} dated records (by date)" in charts.chart_caption(spec)

    spec = charts.norms_vs_records_chart(big_norms_table(n)).to_dict(validate=False)
    assert len(spec["datasets"]["norms_vs_records"]) == MAX_ROWS
    assert f"Showing the first {MAX_ROWS} of {n} record claims" in charts.chart_caption(spec)


# ---------------------------------------------------------------------------
# Drawing in helper processes
# ---------------------------------------------------------------------------

def draw_all(specs: dict[str, dict], folder: Path, workers: list) -> dict[str, str]:
    """Draw every spec into ``folder`` with ``workers`` (none: in this process); return the SVGs."""
    drawing = Drawing(folder, workers)
    for name, spec in specs.items():
        drawing.submit(name, spec)
    return drawing.finish()


def test_helper_processes_draw_the_same_files_as_drawing_in_process(frozen_charts, tmp_path):
    specs = {name: chart.to_dict(validate=False) for name, chart in frozen_charts.items()}
    helped = draw_all(specs, tmp_path / "helped", start_renderers(2))
    alone = draw_all(specs, tmp_path / "alone", [])
    assert helped == alone
    for name in specs:
        assert (tmp_path / "helped" / f"{name}.png").read_bytes() == (tmp_path / "alone" / f"{name}.png").read_bytes()
    assert sorted(p.name for p in (tmp_path / "helped").iterdir()) == sorted(
        f"{n}.{ext}" for n in specs for ext in ("svg", "png", "pdf"))  # no job files left behind


def test_helpers_on_every_machine_with_two_cores_even_a_busy_one(monkeypatch):
    monkeypatch.delenv("PRODKIT_RENDER_WORKERS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert start_renderers() == []
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (5.0, 5.0, 5.0))  # busy: helpers still pay
    busy = start_renderers()
    assert len(busy) == 2
    stop_renderers(busy)
    monkeypatch.setenv("PRODKIT_RENDER_WORKERS", "0")
    assert start_renderers() == []


def test_a_broken_helper_costs_time_not_a_chart(frozen_charts, tmp_path):
    import sys

    specs = {name: chart.to_dict(validate=False) for name, chart in frozen_charts.items()}
    dead = start_renderers(1)
    dead[0].kill()
    dead[0].wait()
    failing = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline(); sys.exit(3)"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    svgs = draw_all(specs, tmp_path, dead + [failing])
    assert set(svgs) == set(specs) and all(svg.lstrip().startswith("<svg") for svg in svgs.values())
    assert all((tmp_path / f"{name}.png").stat().st_size > 10_000 for name in specs)


# ---------------------------------------------------------------------------
# Cyrillic and diacritics
# ---------------------------------------------------------------------------

def cyrillic_table(subject: str) -> pl.DataFrame:
    return pl.DataFrame({
        "event_id": ["e1"], "subject": [subject], "sector": ["угольная промышленность"],
        "measure": ["coal_hewn"],
        "date": ["1935-08-31"], "record_value": [102.0], "norm_low": [6.0], "norm_high": [7.0], "unit": ["т"],
        "pct_of_norm_low": [1457.1], "pct_of_norm_high": [1700.0], "stated_pct_of_norm": [None],
        "stated_multiple": [None], "implied_norm": [None], "record_claim_id": ["c1"],
        "record_source_id": ["Стаханов-1935"], "flags": [None]},
        schema_overrides={"stated_pct_of_norm": pl.Float64, "stated_multiple": pl.Float64,
                          "implied_norm": pl.Float64, "flags": pl.String})


def test_cyrillic_and_diacritics_render_in_svg_and_png(tmp_path):
    svg_a = charts.render(charts.norms_vs_records_chart(cyrillic_table("Алексей Стаханов")))[1]
    svg_b = charts.render(charts.norms_vs_records_chart(cyrillic_table("Пётр Кривонос ž")))[1]
    assert "Алексей Стаханов" in svg_a and "угольная промышленность" in svg_a
    assert "Пётр Кривонос ž" in svg_b
    assert 'font-family="Liberation Sans' in svg_a
    # the glyphs exist in the font vl-convert draws with: two names of the same length
    # in different letters give different pictures (missing glyphs would draw the same boxes or nothing)
    import vl_convert as vlc

    pictures = []
    for text in ("Стаханов", "Бусыгина", "Gudovžčé", "        "):
        spec = {"width": 200, "height": 30, "config": {"font": FONT}, "data": {"values": [{"t": text}]},
                "mark": {"type": "text", "fontSize": 20}, "encoding": {"text": {"field": "t"}}}
        pictures.append(vlc.vegalite_to_png(spec))
    assert len(set(pictures)) == 4
    out = charts.save(charts.norms_vs_records_chart(cyrillic_table("Алексей Стаханов")), tmp_path, "cyr")
    assert "Алексей Стаханов" in (tmp_path / "cyr.html").read_text(encoding="utf-8")
    assert len(out) == 4  # svg, png, pdf, html


# ---------------------------------------------------------------------------
# Files: three formats, print resolution, nothing from the network
# ---------------------------------------------------------------------------

NETWORK_REF = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?|wss?|ftp):|"""
                         r"""url\(\s*["']?\s*(?:https?|wss?|ftp):|@import\s+["']?(?:https?|wss?|ftp):|"""
                         r"""<link\b[^>]*\bhref=["']?//|\bsrc=["']?//)""", re.IGNORECASE)


def network_references(html_text: str) -> list[str]:
    """Attributes or CSS that would make a browser load something from elsewhere."""
    return [m.group(0) for m in NETWORK_REF.finditer(html_text)]


def test_network_reference_check_catches_what_it_should():
    assert network_references('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>')
    assert network_references("<link rel=stylesheet href='//fonts.googleapis.com/css'>")
    assert network_references("<style>@import 'https://x.org/a.css'; body{background:url(http://x/y.png)}</style>")
    assert not network_references('<svg xmlns="http://www.w3.org/2000/svg"><a href="#top">top</a></svg>')
    assert not network_references('<script type="application/json">{"$schema": "https://vega.github.io/x"}</script>')


def png_header(data: bytes) -> dict:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    phys = data.find(b"pHYs")
    ppm = struct.unpack(">I", data[phys + 4: phys + 8])[0] if phys > 0 else None
    return {"width": width, "height": height, "dpi": round(ppm * 0.0254) if ppm else None}


def test_full_run_writes_five_charts_in_three_formats_and_the_report(full_run):
    figures = full_run["reports"] / "figures"
    expected = {f"{n}{v}.{ext}" for n in charts.CHART_NAMES for v in ("", "-nocaption")
                for ext in ("svg", "png", "pdf", "html")} | {"captions.md"}
    assert {p.name for p in figures.iterdir()} == expected
    assert (full_run["reports"] / "report.html").is_file()
    written = {p.relative_to(full_run["reports"]).as_posix() for p in full_run["written"]
               if full_run["reports"] in p.parents}
    assert written == {f"figures/{n}" for n in expected} | {"report.html"}
    for name in charts.CHART_NAMES:
        head = png_header((figures / f"{name}.png").read_bytes())
        assert head["dpi"] == 300 and abs(head["width"] - PRINT_WIDTH_IN * 300) <= 2, head
        svg = (figures / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<svg") and "<text" in svg
        page = (figures / f"{name}.html").read_text(encoding="utf-8")
        assert "<svg" in page and network_references(page) == [], (name, network_references(page))
        assert "<script src" not in page
    page = (full_run["reports"] / "report.html").read_text(encoding="utf-8")
    assert network_references(page) == []
    assert not list(full_run["reports"].glob(".prodkit-*"))  # staging folder gone


def test_report_has_every_section(full_run):
    page = (full_run["reports"] / "report.html").read_text(encoding="utf-8")
    tables = full_run["tables"]
    for anchor in ("summary", "figures", "conflicts", "sensitivity", "flagged", "problems", "reconciled"):
        assert f'id="{anchor}"' in page, anchor
    assert page.count("<svg") >= 5
    accounts = tables["accounts"].row(0, named=True)
    assert f"<b>{accounts['read']}</b><span>claim rows read</span>" in page
    assert "artyukhov-1935-09" in page and "rgaspi-85-29-633" in page and "gershberg-1981" in page
    how = tables["reconciled"].filter(pl.col("event_id") == "artyukhov-1935-09")["how"][0]
    assert escape(how) in page
    contested = tables["sensitivity"].filter(pl.col("depends_on_strategy"))
    for event in contested["event_id"].unique().to_list():
        assert event in page, event
    flagged = tables["claims"].filter(pl.col("flags").is_not_null())
    assert f"{flagged.height} claims carry a flag" in page
    for code in tables["problems"]["code"].unique().to_list():
        assert code in page
    assert page.count("<tr") >= tables["reconciled"].height


def test_report_escapes_ledger_text_and_marks_only_the_svg_as_markup(full_run):
    from prodkit.outputs import report

    evil = "<script>alert(1)</script> & co"
    tables = dict(full_run["tables"])
    tables["claims"] = tables["claims"].with_columns(
        pl.when(pl.col("claim_id") == "c007").then(pl.lit(evil)).otherwise(pl.col("quote")).alias("quote"))
    tables["reconciled"] = tables["reconciled"].with_columns(pl.lit(evil).alias("subject"))
    spec = {"vconcat": [{"title": {"text": "A <b>title</b> & more"}}]}
    rendered = {"demo": (spec, '<?xml version="1.0"?>\n<svg id="a"><use href="#a"/><text>x &amp; y</text></svg>')}
    page = report.report_html(tables, rendered, out_dir=Path("out & <dir>"))
    assert page == report.report_html(tables, rendered, out_dir=Path("out & <dir>"))  # no clock, no random id
    assert "<script>alert(1)" not in page and page.count("<script>") == 1  # only the hover script
    assert '<span class="quote">&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</span>' in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</td>" in page
    assert '<figure id="fig-demo"><svg id="demo-a"><use href="#demo-a"/><text>x &amp; y</text></svg>' in page
    assert "Figure 1: A &lt;b&gt;title&lt;/b&gt; &amp; more." in page
    assert "from the tables in out &amp; &lt;dir&gt;." in page
    for anchor in ("summary", "figures", "conflicts", "sensitivity", "flagged", "problems", "reconciled", "sources"):
        assert f'<h2 id="{anchor}">' in page and f'<a href="#{anchor}">' in page, anchor


def test_figures_start_reuses_the_files_where_the_staged_ones_will_land(full_run, tmp_path, monkeypatch):
    import vl_convert

    from prodkit.outputs.staging import Staging

    reports = tmp_path / "reports"
    shutil.copytree(full_run["reports"], reports)
    (reports / "report.html").unlink()

    def refuse(*args, **kwargs):
        raise AssertionError("drew a chart whose files could be copied")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", refuse)
    with Staging({"reports": reports}) as st:
        assert st.final_path("reports") == reports and st.path("reports").parent == reports.parent
        staged = figures.start(full_run["tables"], st, out_dir=full_run["out"], workers=[]).finish()
        assert all(st.path("reports") in p.parents for p in staged)
        st.commit()
    for path in sorted(full_run["reports"].rglob("*")):
        if path.is_file():
            assert (reports / path.relative_to(full_run["reports"])).read_bytes() == path.read_bytes(), path.name


def test_figures_command_redraws_the_same_files(full_run, tmp_path, runner):
    reports = tmp_path / "again"
    result = run(runner, "figures", "--out-dir", str(full_run["out"]), "--reports-dir", str(reports))
    assert result.exit_code == 0, result.output
    assert "wrote 42 files" in result.stderr  # 5 charts and 5 without caption, 4 files each; captions; report
    for path in sorted((full_run["reports"]).rglob("*")):
        if path.is_file():
            twin = reports / path.relative_to(full_run["reports"])
            assert twin.read_bytes() == path.read_bytes(), path.name


def test_a_second_run_copies_unchanged_charts_and_redraws_edited_ones(full_run, tmp_path, monkeypatch):
    import vl_convert

    tables = read_tables(full_run["out"])
    earlier = tmp_path / "earlier"
    shutil.copytree(full_run["reports"], earlier)

    def refuse(*args, **kwargs):
        raise AssertionError("drew a chart whose files could be copied")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", refuse)
    figures.Figures(tables, tmp_path / "again", out_dir=full_run["out"], earlier=earlier).finish()
    for path in (full_run["reports"] / "figures").iterdir():
        assert (tmp_path / "again" / "figures" / path.name).read_bytes() == path.read_bytes(), path.name
    monkeypatch.undo()

    edited = earlier / "figures" / "before_after.svg"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Before and after", "Edited by hand"),
                      encoding="utf-8")
    calls = []
    real = vl_convert.vegalite_to_svg
    monkeypatch.setattr(vl_convert, "vegalite_to_svg", lambda *a, **k: calls.append(1) or real(*a, **k))
    figures.Figures(tables, tmp_path / "third", out_dir=full_run["out"], earlier=earlier).finish()
    assert len(calls) == 1  # only the edited chart is drawn again, from its spec
    redrawn = (tmp_path / "third" / "figures" / "before_after.svg").read_text(encoding="utf-8")
    assert "Edited by hand" not in redrawn
    assert redrawn == (full_run["reports"] / "figures" / "before_after.svg").read_text(encoding="utf-8")


def test_figures_without_tables_is_a_usage_error(tmp_path, runner):
    result = run(runner, "figures", "--out-dir", str(tmp_path / "nothing"), "--reports-dir", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert "reconciled.csv" in result.stderr and "prodkit reconcile" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r" / "report.html").exists()


def test_damaged_table_names_column_and_value(full_run, tmp_path):
    out = tmp_path / "clean"
    shutil.copytree(full_run["out"], out)
    path = out / "reconciled.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("n_claims")] = "many"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    from prodkit.errors import InputError

    with pytest.raises(InputError, match="n_claims.*'many'"):
        figures.redraw(out, tmp_path / "r")
    assert not (tmp_path / "r" / "report.html").exists()


def test_read_tables_keeps_types(full_run):
    tables = read_tables(full_run["out"])
    assert tables["conflicts"].schema["chosen"] == pl.Boolean
    assert tables["reconciled"].schema["n_claims"] == pl.Int64
    assert tables["norms_vs_records"].schema["record_value"] == pl.Float64
    for name in ("reconciled", "conflicts", "norms_vs_records", "sensitivity", "accounts"):
        assert tables[name].equals(full_run["tables"][name]), name


# ---------------------------------------------------------------------------
# A real browser
# ---------------------------------------------------------------------------

def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def open_in_chromium(page: Path, tmp: Path) -> tuple[bytes, dict]:
    """Screenshot ``page`` in headless Chromium; return the PNG and Chromium's net log."""
    binary = chromium()
    require_client("chromium", binary is not None, "install Debian's `chromium` (the CI script does)")
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    shot, netlog = tmp / "shot.png", tmp / "netlog.json"
    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}",
            # nothing leaves the machine even if asked: every host name fails to resolve
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={netlog}", "--net-log-capture-mode=Default",
            "--window-size=1200,1500", "--force-device-scale-factor=0.5", "--virtual-time-budget=3000",
            f"--screenshot={shot}", page.resolve().as_uri()]
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"))
    done = subprocess.run(args, env=env, capture_output=True, timeout=120)
    assert shot.is_file(), done.stderr.decode(errors="replace")[-2000:]
    text = netlog.read_text(encoding="utf-8", errors="replace") if netlog.is_file() else '{"events": []}'
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a log cut short at exit: close it
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    return shot.read_bytes(), log


def page_requests(log: dict) -> list[str]:
    """Network URLs the *page* asked for (Chromium's own background calls are not the page's).

    A request started for a page loaded from disk carries the page's site,
    file://, in its network isolation key or site-for-cookies.
    """
    urls = []
    for event in log.get("events", []):
        params = event.get("params") or {}
        url = params.get("url", "")
        if not re.match(r"(?i)(https?|wss?|ftp)://", url):
            continue
        context = " ".join(str(params.get(k, "")) for k in ("network_isolation_key", "site_for_cookies", "initiator"))
        if "file://" in context:
            urls.append(url)
    return sorted(set(urls))


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and raw pixels of an 8-bit RGB(A) PNG (zlib only, no PIL)."""
    pos, chunks, head = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = head
    assert depth == 8 and interlace == 0 and colour in (2, 6), head
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return width, height, bpp, bytes(out)


def picture_content(png: bytes) -> dict:
    """Share of pixels that are not (near) white, and how many distinct colours there are."""
    width, height, bpp, pixels = decode_png(png)
    colours, inked = set(), 0
    for i in range(0, len(pixels), bpp):
        r, g, b = pixels[i], pixels[i + 1], pixels[i + 2]
        colours.add((r >> 3, g >> 3, b >> 3))
        if r + g + b < 3 * 235:
            inked += 1
    return {"ink": inked / (width * height), "colours": len(colours), "size": (width, height)}


def assert_not_blank(png: bytes) -> dict:
    content = picture_content(png)
    assert content["ink"] > 0.01 and content["colours"] >= 8, f"the page looks blank: {content}"
    return content


def test_browser_checks_catch_a_blank_page_and_a_network_request(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><meta charset="utf-8">'
                   '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
                   '<script src="https://prodkit.invalid/vega.js"></script></head>'
                   '<body><img src="http://prodkit.invalid/x.png"></body></html>', encoding="utf-8")
    png, log = open_in_chromium(bad, tmp_path / "b")
    requested = page_requests(log)
    assert "https://prodkit.invalid/vega.js" in requested and any("fonts.googleapis.com" in u for u in requested)
    with pytest.raises(AssertionError, match="blank"):
        assert_not_blank(png)
    assert network_references(bad.read_text(encoding="utf-8"))


@pytest.mark.parametrize("which", ["report.html", "figures/norms_vs_records.html"])
def test_page_renders_in_chromium_without_network(which, full_run, tmp_path):
    page = full_run["reports"] / which
    png, log = open_in_chromium(page, tmp_path)
    assert page_requests(log) == []
    content = assert_not_blank(png)
    assert content["colours"] >= 20  # text, marks, grid: more than a few flat colours
