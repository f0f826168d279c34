"""Issue 3: units, normalised with pint, historical and Soviet units included."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from conftest import CLAIMS_HEADER, RAW, minimal_ledger, read_rows, run
from prodkit.errors import UnitError
from prodkit.units import Units, parse_basis
from prodkit.units.registry import DimensionMismatch

U = Units()


def to(raw: str, canonical: str, value: float = 1.0) -> float:
    factor, offset, _ = U.convert(raw, canonical)
    return value * factor + offset


# --- each unit, with the exact factor it must have -------------------------

@pytest.mark.parametrize("raw, canonical, factor", [
    ("tons", "tonne", 1.0),            # a Soviet ton is a metric tonne
    ("ton", "tonne", 1.0),
    ("tonnes", "tonne", 1.0),
    ("т", "tonne", 1.0),
    ("t", "tonne", 1.0),
    ("short ton", "tonne", 0.90718474),
    ("quintal", "kilogram", 100.0),
    ("centners", "kilogram", 100.0),
    ("tsentner", "kilogram", 100.0),
    ("ц", "kilogram", 100.0),
    ("pood", "kilogram", 16.3804964),
    ("funt", "kilogram", 0.40951241),
    ("arshin", "meter", 0.7112),
    ("sazhen", "meter", 2.1336),
    ("verst", "kilometer", 1.0668),
    ("desyatina", "hectare", 1.0925397504),
    ("acres", "meter ** 2", 4046.8564224),  # the international acre
    ("survey acre", "meter ** 2", 4046.872609874252),
    ("hectares", "hectare", 1.0),
    ("га", "hectare", 1.0),
    ("quintals per hectare", "quintal / hectare", 1.0),
    ("ц/га", "quintal / hectare", 1.0),
    ("kilometers per hour", "kilometer / hour", 1.0),
    ("mm/min", "millimeter / minute", 1.0),
    ("об/мин", "revolution / minute", 1.0),
    ("%", "percent", 1.0),
    ("times the norm", "percent", 100.0),   # a multiple is a ratio, not output
    ("roubles", "rouble", 1.0),
    ("rubles", "rouble", 1.0),
])
def test_unit_factors(raw, canonical, factor):
    assert to(raw, canonical) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize("raw, canonical", [
    ("pairs", "pair"), ("pairs of shoes", "pair"), ("looms", "loom"), ("Northrop looms", "loom"),
    ("shaft parts", "part"), ("milling cutters", "cutter"), ("triangular milling cutters", "cutter"),
    ("pages", "page"), ("workers", "person"), ("Stakhanovite workers", "person"),
])
def test_counts_are_their_own_dimensions(raw, canonical):
    assert to(raw, canonical) == 1.0
    with pytest.raises(DimensionMismatch):
        U.convert(raw, "tonne")


def test_536_tons_is_536_tonnes_never_486():
    assert to("tons", "tonne", 536) == 536
    assert to("tons", "tonne", 536) != pytest.approx(536 * 0.90718474)


def test_written_tons_and_acres_are_metric_and_international():
    # every spelling a ledger uses goes through the alias table
    assert U.resolve("ton/acre").expr == "(tonne) / (international_acre)"
    assert U.resolve("tons per shift").expr == "(tonne) / (shift)"


def test_bare_pint_ton_and_acre_are_refused_with_a_way_out():
    # what would reach pint's own `ton` (the US short ton) is refused
    with pytest.raises(UnitError) as exc:
        U.resolve("ton * mile")
    assert "short ton" in str(exc.value) and "tonne" in exc.value.hint
    with pytest.raises(UnitError, match="survey acre"):
        U.resolve("acre * foot")
    with pytest.raises(UnitError, match="50 kg"):
        U.resolve("zentner")
    with pytest.raises(UnitError, match="not a unit prodkit knows"):
        U.resolve("poods/shift of blarg")


def test_percent_above_the_norm_is_an_offset_ratio():
    # "more than 300 % above the former norms" is more than 400 % of them
    assert to("% above the former norms", "percent", 300) == pytest.approx(400)


# --- rates and shifts --------------------------------------------------------

def test_per_shift_never_converts_to_per_hour_without_a_length():
    with pytest.raises(DimensionMismatch):
        U.convert("tons per shift", "tonne / hour")
    factor, offset, basis = U.convert("tons per shift", "tonne")
    assert (factor, basis) == (1.0, "shift")


@pytest.mark.parametrize("text, period, hours", [
    ("per shift", "shift", None), ("per 6-hour shift", "shift", 6.0), ("per four-hour shift", "shift", 4.0),
    ("per hour", "hour", 1.0), ("per day", "day", None), ("per season", "season", None),
    ("at once", "at once", None), ("total", "total", None), ("", None, None),
])
def test_basis_gives_the_shift_length_where_stated(text, period, hours):
    assert parse_basis(text)[:2] == (period, hours)


# --- the thesis's own bracketed conversions --------------------------------

def test_thesis_conversion_of_beet_yield_agrees_within_2_percent():
    # 523 quintals per hectare [~46 000 pounds per acre]: prodkit uses the
    # international acre and the avoirdupois pound; 523 q/ha = 46 661 lb/acre
    lb_per_acre = 523 / to("pounds per acre", "quintal / hectare")
    assert lb_per_acre == pytest.approx(46661, abs=1)
    assert abs(46000 - lb_per_acre) / lb_per_acre < 0.02


@pytest.mark.parametrize("hectares, acres", [(1255, 3100), (160, 395)])
def test_thesis_conversion_of_areas_agrees_within_half_a_percent(hectares, acres):
    assert to("acres", "hectare", acres) == pytest.approx(hectares, rel=0.005)


def test_bundled_conversions_are_checked_and_agree(runner, tmp_path):
    result = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "out"),
                 "--reports-dir", str(tmp_path / "rep"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    claims = {c["claim_id"]: c for c in read_rows(tmp_path / "out" / "claims.csv")}
    conversions = [c for c in claims.values() if c["statistic"] == "conversion"]
    assert len(conversions) == 3
    for c in conversions:
        assert "conversion-checked" in c["flags"].split(";")
        assert "conversion-mismatch" not in c["flags"]


# --- properties --------------------------------------------------------------

MASS = ["tons", "quintal", "pood", "funt", "kg", "short ton", "pounds"]
AREA = ["hectares", "acres", "desyatina", "survey acre"]
LENGTH = ["arshin", "sazhen", "verst", "km", "m", "mm"]

values = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False).filter(
    lambda x: x == 0 or abs(x) > 1e-200)  # no denormals: their products underflow to 0


@given(st.sampled_from(MASS), st.sampled_from(MASS), values)
def test_round_trip(a, b, x):
    there = x * U.factor(a, U.resolve(b).expr)
    back = there * U.factor(b, U.resolve(a).expr)
    assert back == pytest.approx(x, rel=1e-12, abs=1e-9)


@given(st.sampled_from(MASS + AREA + LENGTH), values, values)
def test_linear(raw, x, y):
    canon, _ = U.canonical_for(U.resolve(raw).expr)
    f = U.factor(raw, canon)
    assert (x + y) * f == pytest.approx(x * f + y * f, rel=1e-9, abs=1e-6)
    assert (3 * x) * f == pytest.approx(3 * (x * f), rel=1e-12, abs=1e-9)


@given(st.sampled_from(MASS + AREA + LENGTH), values)
def test_sign_is_kept(raw, x):
    canon, _ = U.canonical_for(U.resolve(raw).expr)
    y = x * U.factor(raw, canon)
    assert (y > 0) == (x > 0) and (y < 0) == (x < 0)


@given(st.sampled_from(MASS), st.sampled_from(AREA + LENGTH + ["pairs", "looms", "%"]))
def test_refusal_across_dimensions(a, b):
    with pytest.raises(DimensionMismatch):
        U.convert(a, U.resolve(b).expr)


# --- the registry and the user's units.txt ---------------------------------

def test_user_units_are_loaded_on_top_of_prodkit(tmp_path):
    (tmp_path / "units.txt").write_text("# a local measure\nlocal_cart = 0.5 * tonne\n", encoding="utf-8")
    u = Units(tmp_path / "units.txt")
    assert u.factor("local_cart", "tonne") == 0.5
    assert u.factor("tons", "tonne") == 1.0  # defaults still there


def test_user_definitions_may_not_lean_on_pint_s_bare_ton(tmp_path):
    (tmp_path / "units.txt").write_text("cart = 2 * ton\n", encoding="utf-8")
    with pytest.raises(UnitError, match="units.txt:1: .*ambiguous.*short ton"):
        Units(tmp_path / "units.txt")


@pytest.mark.parametrize("line", ["second = 2 * minute", "joule = 3 * watt * second"])
def test_redefining_a_unit_of_pint_s_own_is_an_error(tmp_path, line):
    (tmp_path / "units.txt").write_text(f"# ok\n\n{line}\n", encoding="utf-8")
    with pytest.raises(UnitError, match=r"units.txt:3: '(second|joule)' is already a unit"):
        Units(tmp_path / "units.txt")


@pytest.mark.parametrize("line, word, tonnes", [
    ("ton = long_ton", "tons", 1.0160469088),          # a British ledger: its tons are long tons
    ("tons = 907.18474 * kilogram", "tons", 0.90718474),
    ("ц = 50 * kilogram", "ц", 0.05),                   # a centner of 50 kg: the ledger says so
])
def test_a_ledger_s_convention_for_a_word_prodkit_reads_applies_to_that_ledger(tmp_path, line, word, tonnes):
    (tmp_path / "units.txt").write_text(f"{line}\n", encoding="utf-8")
    u = Units(tmp_path / "units.txt")
    assert u.factor(word, "tonne") == pytest.approx(tonnes)
    assert u.resolve(word).reading.route == "definition"
    assert Units().factor(word, "tonne") == pytest.approx(1.0 if word != "ц" else 0.1)  # other ledgers unchanged


def test_a_convention_is_a_warning_on_screen_and_in_problems(runner, raw_copy, tmp_path):
    (raw_copy / "units.txt").write_text("# British sources\nton = long_ton\n", encoding="utf-8")
    result = run(runner, "validate", "--raw-dir", str(raw_copy), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert "units.txt:2 [unit-convention]" in result.stderr
    assert "reads 'ton' as long_ton, not as prodkit does (tonne)" in result.stderr
    (row,) = [p for p in read_rows(tmp_path / "out" / "problems.csv") if p["code"] == "unit-convention"]
    assert (row["line"], row["severity"]) == ("2", "warning")


def test_every_bundled_claim_with_a_number_gets_canonical_values(runner, tmp_path):
    result = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "out"),
                 "--reports-dir", str(tmp_path / "rep"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    for c in read_rows(tmp_path / "out" / "claims.csv"):
        assert c["unit_canonical"], c["claim_id"]
        if c["qualifier"] == "vague":
            assert c["value_mid"] == "" and "vague" in c["flags"]  # the stated reason
        else:
            assert c["value_mid"] != "", c["claim_id"]


def test_unknown_and_mismatched_units_are_problems_with_lines(runner, tmp_path):
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER
                         + "c1,e1,Miner,coal,coal_hewn,record,102,cartloads/shift,per shift,1935,,arch,l. 1,,,,\n"
                         + "c2,e1,Miner,coal,coal_hewn,record,102,looms,per shift,1935,,arch,l. 1,,,,\n"
                         + "c3,e1,Miner,coal,coal_hewn,record,102,tons,per shift,1935,,arch,l. 1,,,,\n")
    result = run(runner, "validate", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "claims.csv:2:8 [unit-unknown] unit = \"cartloads/shift\"" in result.stderr
    assert "claims.csv:3:8 [dimension-mismatch] unit = \"looms\"" in result.stderr
    assert "'looms' is loom, but measure 'coal_hewn' with statistic 'record' needs mass" in result.stderr
    assert "read 3, used 1, rejected 2" in result.stderr


def test_units_command_lists_and_searches(runner):
    result = run(runner, "units", "--search", "pood")
    assert result.exit_code == 0
    assert "16.3804964" in result.stdout and "1899" in result.stdout
    everything = run(runner, "units").stdout
    assert "international acre" in everything and "ton (bare)" in everything


def test_per_hour_figures_only_where_the_shift_length_is_stated(runner, tmp_path):
    result = run(runner, "reconcile", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "out"),
                 "--reports-dir", str(tmp_path / "rep"), "--no-figures", "--no-exports")
    assert result.exit_code == 0, result.stderr
    claims = {c["claim_id"]: c for c in read_rows(tmp_path / "out" / "claims.csv")}
    # 102 t in a six-hour shift is 17 t an hour; 321 t in a four-hour shift 80.25
    assert (claims["c002"]["shift_hours"], claims["c002"]["value_per_hour"]) == ("6.0", "17.0")
    assert (claims["c117"]["shift_hours"], claims["c117"]["value_per_hour"]) == ("4.0", "80.25")
    # 536 t "per shift" with no length: no per-hour figure is made up
    assert (claims["c007"]["shift_hours"], claims["c007"]["value_per_hour"]) == ("", "")


# --- pint's cache of parsed definitions --------------------------------------

_FACTORS = ("from prodkit.units import Units; u = Units(); "
            "print(u.factor('pood', 'kilogram'), u.factor('short ton', 'tonne'), u.ureg.cache_folder is not None)")


def _factors_in_new_process(cache: str) -> list[str]:
    import os
    import subprocess
    import sys

    env = dict(os.environ, PRODKIT_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", _FACTORS], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_parsed_definitions_are_cached_and_a_damaged_cache_is_parsed_again(tmp_path):
    cache = tmp_path / "cache"
    first = _factors_in_new_process(str(cache))
    pickles = sorted(cache.rglob("*.pickle"))
    assert first == ["16.3804964", "0.90718474", "True"] and pickles
    second = _factors_in_new_process(str(cache))  # read back from the cache: the same factors
    assert second == first
    for p in pickles:  # a half-written or damaged cache is thrown away, not trusted
        p.write_bytes(b"not a pickle")
    third = _factors_in_new_process(str(cache))
    assert third[:2] == first[:2]
    assert not any(p.read_bytes() == b"not a pickle" for p in cache.rglob("*.pickle"))


def test_an_empty_cache_setting_parses_every_time(tmp_path):
    assert _factors_in_new_process("") == ["16.3804964", "0.90718474", "False"]


def test_units_explain_shows_how_one_spelling_is_read(runner):
    result = run(runner, "units", "--explain", "центнеров сахарной свёклы с гектара")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "read by:           lemma" in out and "гектара -> гектар (unit: hectare)" in out
    assert "what is measured:  сахарный свёкла" in out and "canonical:         q/ha (factor 1)" in out
    scaled = run(runner, "units", "--explain", "млн. т угля").stdout
    assert "scale:             × 1e+06" in scaled and "canonical:         t (factor 1000000)" in scaled
    refused = run(runner, "units", "--explain", "mt")
    assert refused.exit_code == 0 and "not read:          'mt' is ambiguous" in refused.stdout


def test_claims_say_how_each_unit_was_read(runner, tmp_path):
    raw = minimal_ledger(tmp_path / "raw", CLAIMS_HEADER
                         + "c1,e1,Miner,coal,coal_hewn,record,102,тонну угля,per shift,1935,,arch,l. 1,,,,\n"
                         + "c2,e2,Miner,coal,coal_hewn,record,102,тонну (tonnes),per shift,1935,,arch,l. 1,,,,\n"
                         + "c3,e3,Miner,coal,coal_hewn,record,102,tons,per shift,1935,,arch,l. 1,,,,\n"
                         + "c4,e4,Miner,coal,coal_output,total,1.5,млн. т,,1935,,arch,l. 1,,,,\n"
                         + "c5,e5,Miner,coal,coal_hewn,record,102,Tonnenx (tonnes),per shift,1935,,arch,l. 1,,,,\n")
    result = run(runner, "reconcile", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"),
                 "--reports-dir", str(tmp_path / "r"), "--no-figures")
    assert result.exit_code == 0, result.stderr
    rows = {c["claim_id"]: c for c in read_rows(tmp_path / "o" / "claims.csv")}
    assert (rows["c1"]["unit_reading"], rows["c1"]["commodity"], rows["c1"]["value_mid"]) == ("lemma", "уголь", "102.0")
    assert rows["c2"]["unit_reading"] == "lemma" and rows["c2"]["value_mid"] == "102.0"
    assert rows["c3"]["unit_reading"] == "alias"
    assert rows["c4"]["value_mid"] == "1500000.0" and rows["c4"]["unit_canonical"] == "t"
    assert rows["c5"]["unit_reading"] == "gloss"  # the main word is unknown: the bracketed translation reads


def test_defining_a_word_prodkit_reads_the_same_way_changes_no_other_reading(tmp_path):
    (tmp_path / "units.txt").write_text("процентов = percent\nKlafter = 1.8965 * meter\n", encoding="utf-8")
    u = Units(tmp_path / "units.txt")
    assert u.conventions == ()  # it says what prodkit reads anyway: no warning, no override
    assert u.resolve("процентов сверх нормы").expr == "percent_above"
    assert u.factor("тонн угля", "tonne") == 1.0
    assert u.resolve("Klafter pro Tag").reading.route == "definition"
    assert u.factor("Klafter", "meter") == pytest.approx(1.8965)
