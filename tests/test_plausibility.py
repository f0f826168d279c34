"""Physical plausibility: bounds by measure, a flag and a problem, never a dropped row."""

from __future__ import annotations

from conftest import read_rows


def test_angelina_s_hectares_are_flagged_implausible_but_kept(bundled):
    r = bundled["trust-your-friends"][("angelina-ploughing", "area_ploughed", "average")]
    assert r["value"] == "1255.0" and "implausible" in r["flags"].split(";")
    problems = read_rows(bundled["_dir"] / "problems.csv")
    (p,) = [p for p in problems if p["code"] == "implausible" and p["value"] == "1255"]
    assert "outside the plausible bound for area_ploughed per day (0 to 40)" in p["message"]
