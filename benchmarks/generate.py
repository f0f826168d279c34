"""Write a synthetic ledger of N claims, shaped like the bundled one, for benchmarks.

    python benchmarks/generate.py --rows 1000000 --out benchmarks/out/ledger --seed 1935

writes ``OUT/claims.csv`` (exactly N data rows) and ``OUT/sources.csv``.

What is in it, and why (each choice copies a feature of ``data/raw``):

- **Events.** Coal hewing records dominate (as in the thesis), then machine
  building, footwear, textiles, railways, agriculture (beet and grain yields,
  area ploughed), money, shares of Stakhanovites, workforces, shift lengths.
  An event has one to eight claims of its main statistic from different
  sources (most agree, about one in twelve differs by 2-25 %, some are ranges
  or rounded), and may carry a norm, a percent of the norm, a multiple of the
  norm, a carrier's conversion (``converted_from``) or a ``norm_ref`` to a
  shared norm event, so every stage of the pipeline has work.
- **Units as written**: tons, т, тонн, пудов/poods (Russian pood), shaft
  parts, деталей, pairs, пар, looms, kilometers per hour, км/ч, versts per
  hour, мм/мин, quintals per hectare, ц/га, poods per desyatina, pounds per
  acre, hectares, га, acres, desyatinas, rubles, рублей, % of the norm, times
  the norm, % above the norm, of the workforce, hours, часов.
- **Value forms**: ``102``, ``102.4``, ``39,75``, ``14-15``, ``6—7``,
  ``45 to 60``, ``~46 000``, ``~ 3100``, ``about 55``, ``около 40``,
  ``over 30``, ``not less than 500``, ``almost 15``, ``более 300``,
  ``1,050``, ``40 000``, ``4 ½ thousand``, ``6.5 million``, ``six``,
  ``twenty-two``, ``over half``, and vague ones (``hundreds``, ``several``).
- **Sources**: one per 200 claims (at least 60): archival files, newspapers,
  speeches, memoirs, later Soviet works and scholarship, with trust ranks by
  type and about 15 % retelling an earlier source (``derived_from``, no cycles).
- **Bad rows**: about 1 % of rows get one defect each: unknown unit,
  unparseable value, unknown source (a typo'd id), empty required field,
  invalid date, unknown statistic, duplicate claim_id, or a unit of the wrong
  dimension. A few notes hold an embedded newline.

Rows are made in chunks of at most 500,000 with numpy and polars (no Python
loop per row); chunk ``c`` draws from ``default_rng([seed, c])``, so the file
is the same for the same ``--rows`` and ``--seed`` on any machine.
Claims of one event sit in one chunk, shuffled within it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

#: Bumped when the shape of the generated data changes (bench.py caches by it).
VERSION = 4

CHUNK = 500_000
BAD_SHARE = 0.01

CLAIM_COLUMNS = ["claim_id", "event_id", "subject", "sector", "measure", "statistic", "value", "unit", "basis",
                 "date", "place", "source_id", "locator", "quote", "note", "norm_ref", "converted_from"]
SOURCE_COLUMNS = ["source_id", "citation", "source_type", "year", "trust_rank", "trust_note", "derived_from"]

FIRST = ["Alexei", "Nikita", "Aleksandr", "Ivan", "Pyotr", "Nikolai", "Mikhail", "Dmitrii", "Konstantin",
         "Vasilii", "Fyodor", "Grigorii", "Sergei", "Andrei", "Pavel", "Stepan", "Yakov", "Evgenii", "Mariia",
         "Evdokiia", "Pasha", "Aleksandra", "Anna", "Praskovia", "Ekaterina", "Tatiana", "Olga", "Nadezhda"]
SURNAMES = ["stakhanov", "izotov", "artyukhov", "dyukanov", "kontsedalov", "busygin", "smetanin", "gudov",
            "vinogradova", "demchenko", "angelina", "krivonos", "faustov", "sivtsov", "ogurtsov", "petrov",
            "kuznetsov", "popov", "vasiliev", "sokolov", "mikhailov", "novikov", "fedorov", "morozov", "volkov",
            "alekseev", "lebedev", "semenov", "egorov", "pavlov", "kozlov", "stepanov", "nikolaev", "orlov",
            "andreev", "makarov", "nikitin", "zakharov", "zaitsev", "soloviev", "borisov", "yakovlev",
            "grigoriev", "romanov", "vorobiev", "sergeev", "kuzmin", "frolov", "aleksandrov", "dmitriev",
            "korolev", "gusev", "kiselev", "ilin", "maksimov", "polyakov", "sorokin", "vinogradov", "kovalev",
            "belov", "medvedev", "antonov", "tarasov", "zhukov", "baranov", "filippov", "komarov", "davydov",
            "belyaev", "gerasimov", "bogdanov", "osipov", "sidorov", "matveev", "titov", "markov", "mironov",
            "krylov", "kulikov", "karpov", "vlasov", "melnikov", "denisov", "gavrilov", "tikhonov", "kazakov",
            "afanasiev", "danilov", "savelev", "timofeev", "fomin", "chernov", "abramov", "martynov", "efimov",
            "fedotov", "shcherbakov", "nazarov", "kalinin", "isaev", "chernyshev", "bykov", "maslov", "rodionov",
            "konovalov", "lazarev", "voronin", "klimov", "filatov", "ponomarev", "golubev", "kudryavtsev"]
COLLECTIVES = [("Moscow industry", "moscow-industry"), ("Donbass coal trust", "donbass-trust"),
               ("Gorky region", "gorky-region"), ("Leningrad textile mills", "leningrad-textiles"),
               ("Ukrainian SSR", "ukrainian-ssr"), ("USSR", "ussr"), ("Urals metallurgy", "urals-metallurgy"),
               ("Kharkov tractor works", "kharkov-tractor"), ("Kuzbass mines", "kuzbass"),
               ("Western Siberia", "western-siberia"), ("Ivanovo region", "ivanovo-region")]
PLACES = {
    "mine": ["Central-Irmino mine, Donbass", "Izotov mine, Gorlovka", "Kochegarka mine", "Kadievka",
             "Stalino", "Shakhty", "Prokopyevsk, Kuzbass", "Karaganda", "Krivoi Rog", "Makeevka"],
    "plant": ["Gorky Automobile Plant", "Skorokhod, Leningrad", "Kharkov Tractor Works", "Kirov Works",
              "Stalin Auto Works, Moscow", "Uralmash, Sverdlovsk", "Krasnyi Proletarii", "Izhevsk"],
    "mill": ["Vichuga, Ivanovo", "Nogin mill", "Trekhgornaia, Moscow", "Glukhovo mill", "Orekhovo-Zuevo"],
    "farm": ["Starosiniavka, Kiev region", "Staro-Beshevo MTS", "Verkhniachka", "Kuban", "Saratov region"],
    "rail": ["Slaviansk depot", "Donetsk railway", "Moscow-Kursk line", "Krasnyi Liman"],
    "": ["", "Moscow", "Leningrad", "USSR", "Donbass"],
}
VAGUE = ["hundreds", "several", "a few", "dozens", "thousands", "many", "tens"]
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
         10: "ten", 11: "eleven", 12: "twelve", 14: "fourteen", 15: "fifteen", 20: "twenty", 22: "twenty-two",
         25: "twenty-five", 30: "thirty", 40: "forty", 50: "fifty"}

# Units as written for each kind of figure: (as written, factor from canonical, weight).
_T = [("tons", 1, .52), ("т", 1, .07), ("тонн", 1, .07), ("tonnes", 1, .05), ("metric tons", 1, .04),
      ("пудов", 1000 / 16.3804964, .1), ("poods", 1000 / 16.3804964, .06), ("tons per shift", 1, .05),
      ("tons of coal", 1, .04)]
_PCT_NORM = [("%", 1, .4), ("% of the norm", 1, .35), ("per cent", 1, .05), ("% above the norm", "above", .1),
             ("% of norm", 1, .1)]
_MULT = [("times the norm", .01, .85), ("times", .01, .15)]

# Kinds of event. v = (median, spread) of the true value in the canonical unit
# (lognormal); norm = (low, high) of the norm; extra = other statistics.
KINDS = [
    dict(kind="coal", w=.32, measure="coal_hewn", sector="coal", who="worker", place="mine", stat="record",
         v=(55, .65), units=_T, basis=[("per shift", .42), ("per 6-hour shift", .3), ("", .18),
                                        ("per 4-hour shift", .05), ("per day", .05)],
         norm=(6, 7), norm_p=.3, pct_p=.15, mult_p=.08, ref_p=.45, dec=.15,
         extra=[("average", .05, .4), ("maximum", .04, 1.2)]),
    dict(kind="parts", w=.08, measure="parts_made", sector="machine building", who="worker", place="plant",
         stat="record", v=(900, .35), units=[("shaft parts", 1, .4), ("parts", 1, .3), ("деталей", 1, .15),
                                              ("crankshafts", 1, .15)],
         basis=[("per shift", .6), ("", .4)], norm=(600, 700), norm_p=.4, pct_p=.2, mult_p=0, ref_p=.3),
    dict(kind="shoes", w=.05, measure="shoes_lasted", sector="footwear", who="worker", place="plant",
         stat="record", v=(1100, .3), units=[("pairs", 1, .6), ("пар", 1, .2), ("pairs of shoes", 1, .2)],
         basis=[("per shift", .8), ("per day", .2)], norm=(500, 800), norm_p=.35, pct_p=.15, mult_p=.05,
         ref_p=.3),
    dict(kind="looms", w=.04, measure="looms_tended", sector="textiles", who="worker", place="mill",
         stat="record", v=(70, .6), units=[("looms", 1, .6), ("automatic looms", 1, .25), ("northrop looms", 1, .15)],
         basis=[("at once", .8), ("", .2)], norm=(16, 26), norm_p=.3, pct_p=0, mult_p=.1, ref_p=.2),
    dict(kind="train", w=.04, measure="train_speed", sector="railways", who="worker", place="rail",
         stat="record", v=(38, .2), units=[("kilometers per hour", 1, .5), ("km/h", 1, .25), ("км/ч", 1, .15),
                                            ("versts per hour", 1 / 1.0668, .1)],
         basis=[("", 1.0)], norm=(22, 26), norm_p=.5, pct_p=.1, mult_p=0, ref_p=.2, dec=.2),
    dict(kind="milling", w=.05, measure="milling_feed", sector="machine building", who="worker", place="plant",
         stat="record", v=(40, .4), units=[("мм/мин", 1, .4), ("millimeters per minute", 1, .35), ("mm/min", 1, .25)],
         basis=[("", 1.0)], norm=(8, 12), norm_p=.3, pct_p=.35, mult_p=0, ref_p=.2, dec=.3),
    dict(kind="beet", w=.05, measure="beet_yield", sector="agriculture", who="worker", place="farm",
         stat="record", v=(400, .35), units=[("quintals per hectare", 1, .5), ("ц/га", 1, .3),
                                              ("centners per hectare", 1, .2)],
         basis=[("per season", .8), ("", .2)], norm=(150, 250), norm_p=.2, pct_p=0, mult_p=0, ref_p=.2,
         conv=("pounds per acre", 1 / 0.011208511561944561, .3)),
    dict(kind="grain", w=.04, measure="grain_yield", sector="agriculture", who="collective", place="farm",
         stat="average", v=(12, .35), units=[("ц/га", 1, .5), ("quintals per hectare", 1, .25),
                                            ("poods per desyatina", 1 / 0.1499304386316633, .15),
                                            ("пуд/десятина", 1 / 0.1499304386316633, .1)],
         basis=[("per season", .7), ("", .3)], norm=None, dec=.4),
    dict(kind="area", w=.05, measure="area_ploughed", sector="agriculture", who="worker", place="farm",
         stat="average", v=(20, .5), units=[("hectares", 1, .6), ("га", 1, .25), ("desyatinas", 1 / 1.0925397504, .15)],
         basis=[("per day", .7), ("per season", .3)], norm=(8, 12), norm_p=.3, pct_p=0, mult_p=0, ref_p=.2,
         conv=("acres", 1 / 0.40468564224, .3), dec=.2),
    dict(kind="money", w=.04, measure="rejected_output_value", sector="economy", who="collective", place="",
         stat="total", v=(4e6, .8), units=[("rubles", 1, .5), ("roubles", 1, .2), ("рублей", 1, .2), ("руб", 1, .1)],
         basis=[("total", .7), ("per year", .3)], norm=None, millions=True),
    dict(kind="share", w=.07, measure="stakhanovite_share", sector="economy", who="collective", place="",
         stat="share", v=(25, .5), units=[("% of workers", 1, .5), ("%", 1, .3), ("percent", 1, .1),
                                          ("of the workforce", .01, .1)],
         basis=[("", 1.0)], norm=None, dec=.5),
    dict(kind="workforce", w=.07, measure="workforce", sector="construction", who="collective", place="plant",
         stat="count", v=(3000, 1.2), units=[("workers", 1, .6), ("people", 1, .2), ("persons", 1, .2)],
         basis=[("total", .6), ("", .4)], norm=None),
    dict(kind="shift", w=.06, measure="shift_length", sector="coal", who="worker", place="mine",
         stat="duration", v=(6, .15), units=[("hours", 1, .7), ("часов", 1, .2), ("h", 1, .1)],
         basis=[("", 1.0)], norm=None),
    dict(kind="drills", w=.04, measure="drills_made", sector="machine building", who="worker", place="plant",
         stat="maximum", v=(25, .5), units=[("drills", 1, .6), ("сверл", 1, .4)],
         basis=[("per shift", 1.0)], norm=(6, 7), norm_p=.3, pct_p=.3, mult_p=0, ref_p=0),
]

SOURCE_TYPES = [  # type, share, base trust rank
    ("contemporary_press", .40, 3), ("archival", .15, 1), ("official_speech", .08, 2), ("memoir", .12, 4),
    ("later_soviet", .12, 4), ("scholarship", .12, 2), ("poster", .01, 5)]
PAPERS = ["pravda", "izvestiia", "trud", "stakhanovets", "za-industrializatsiiu", "komsomolskaia-pravda",
          "sotsialisticheskoe-zemledelie", "gudok", "kochegarka", "legkaia-industriia"]
ARCHIVES = ["rgaspi", "garf", "rgae", "tsdavo", "gaso"]
TRUST_NOTES = {
    "contemporary_press": "Campaign press: prints the figures as announced.",
    "archival": "Internal document, closest to the event.",
    "official_speech": "Speech to a conference; figures chosen to illustrate.",
    "memoir": "Worker's own ghost-written account, decades later.",
    "later_soviet": "Later Soviet retelling of the campaign figures.",
    "scholarship": "Archive-based scholarly monograph.",
    "poster": "Poster slogan; figure rounded for effect.",
}
NOTES = ["Figure as printed; the same issue gives a different total on p. 4.",
         "CONTRADICTION: another source gives a different figure for the same shift.",
         "Translated from Russian; unit as in the original.", "Brigade output credited to one hewer.",
         "Norm as stated by the mine director.", "Date inferred from the issue date.",
         "Approximate figure in the source.", "Retold from the newspaper account."]
QUOTE_VERBS = ["hewed", "produced", "made", "reached", "gave", "achieved", "fulfilled"]

BAD_UNITS = ["tonns", "bushels of coal", "вёдер", "poods/shiftt", "tns", "kilo-tons (?)"]
BAD_VALUES = ["1O2", "14-15-16", "5,5.5", "approx. twelve-ish", "15-14", "??", "102 t", "1/2/3", "#REF!"]
BAD_DATES = ["1935-13-01", "31.08.1935", "1935-02-30", "19355", "Aug 1935", "1935/08/31"]
BAD_STATISTICS = ["peak", "records", "avg"]
REQUIRED = ["claim_id", "event_id", "measure", "statistic", "value", "unit", "source_id"]


def _pick(options: list[str], idx: np.ndarray) -> pl.Series:
    return pl.Series(options, dtype=pl.String).gather(idx)


def _weighted(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return np.searchsorted(np.cumsum(w / w.sum()), rng.random(size), side="right").clip(0, len(w) - 1)


# ---------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------

def n_sources(rows: int) -> int:
    return max(60, rows // 200)


def make_sources(rows: int, seed: int) -> pl.DataFrame:
    n = n_sources(rows)
    rng = np.random.default_rng([seed, 999_999])
    t = _weighted(rng, [s[1] for s in SOURCE_TYPES], n)
    types = np.array([s[0] for s in SOURCE_TYPES])[t]
    rank = np.array([s[2] for s in SOURCE_TYPES])[t] + rng.choice([-1, 0, 0, 0, 1], n)
    rank = rank.clip(1, 6)
    year = np.where(np.isin(types, ["contemporary_press", "archival", "official_speech", "poster"]),
                    rng.integers(1932, 1942, n),
                    np.where(types == "scholarship", rng.integers(1975, 2021, n), rng.integers(1938, 1990, n)))
    month, day = rng.integers(1, 13, n), rng.integers(1, 29, n)
    i = np.arange(n)
    f = pl.DataFrame({"i": i, "type": types, "rank": rank, "year": year, "month": month, "day": day,
                      "paper": _pick(PAPERS, rng.integers(0, len(PAPERS), n)),
                      "arch": _pick(ARCHIVES, rng.integers(0, len(ARCHIVES), n)),
                      "author": _pick(SURNAMES, rng.integers(0, len(SURNAMES), n)),
                      "fond": rng.integers(1, 9000, n), "opis": rng.integers(1, 60, n),
                      "delo": rng.integers(1, 2000, n), "page": rng.integers(1, 8, n)})
    mm = pl.col("month").cast(pl.String).str.zfill(2)
    dd = pl.col("day").cast(pl.String).str.zfill(2)
    typ = pl.col("type")
    sid = (pl.when(typ == "contemporary_press").then(pl.format("{}-{}-{}-{}", "paper", "year", mm, dd))
           .when(typ == "archival").then(pl.format("{}-{}-{}-{}", "arch", "fond", "opis", "delo"))
           .otherwise(pl.format("{}-{}", "author", "year")))
    cit = (pl.when(typ == "contemporary_press")
           .then(pl.format("{}, {}-{}-{}, p. {}.", pl.col("paper").str.to_titlecase(), "year", mm, dd, "page"))
           .when(typ == "archival")
           .then(pl.format("{} f.{}, o.{}, d.{}, l.{}.", pl.col("arch").str.to_uppercase(), "fond", "opis", "delo",
                           "page"))
           .otherwise(pl.format("{}, untitled work ({}), p. {}.", pl.col("author").str.to_titlecase(), "year",
                                "page")))
    f = f.with_columns(sid.alias("source_id"), cit.alias("citation"))
    # ids that repeat get a suffix, as a historian would write -a, -b
    dup = pl.col("source_id").cum_count().over("source_id")
    f = f.with_columns(pl.when(dup > 1).then(pl.format("{}-{}", "source_id", dup)).otherwise("source_id")
                       .alias("source_id"))
    # about 15 % of non-archival sources retell an earlier one (lower index: no cycles)
    derived = (rng.random(n) < .15) & (types != "archival") & (i > 0)
    parent = (rng.random(n) * np.maximum(i, 1)).astype(np.int64)
    ids = f["source_id"]
    f = f.with_columns(
        pl.Series("derived_from", ids.gather(parent)).alias("derived_from"),
        pl.Series("_d", derived),
        pl.when(pl.col("type") == "archival").then(pl.when(pl.col("i") % 3 == 0).then(None)
                                                   .otherwise(pl.col("year").cast(pl.String)))
        .otherwise(pl.col("year").cast(pl.String)).alias("year_s"),
        typ.replace_strict(TRUST_NOTES, return_dtype=pl.String).alias("trust_note"),
    ).with_columns(pl.when(pl.col("_d")).then(pl.col("derived_from")).otherwise(None).alias("derived_from"))
    return f.select("source_id", "citation", pl.col("type").alias("source_type"), pl.col("year_s").alias("year"),
                    pl.col("rank").cast(pl.String).alias("trust_rank"), "trust_note", "derived_from")


# ---------------------------------------------------------------------------
# values as written
# ---------------------------------------------------------------------------

def _int_text(iv: pl.Expr, style: pl.Expr) -> pl.Expr:
    """An integer as written: 1050, 1,050 or 1 050 (style 0, 1, 2) when >= 1000."""
    head = (iv // 1000).cast(pl.String)
    tail = (iv % 1000).cast(pl.String).str.zfill(3)
    big = (iv >= 1000) & (iv < 1_000_000)
    return (pl.when(big & (style == 1)).then(pl.format("{},{}", head, tail))
            .when(big & (style == 2)).then(pl.format("{} {}", head, tail))
            .otherwise(iv.cast(pl.String)))


def value_text(frame: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
    """Write column ``x`` (a number in the claim's unit) the way sources write figures.

    Uses ``form`` (0 exact, 1 decimal, 2 range, 3 approximate, 4 bound,
    5 words, 6 vague, 7 thousands/millions words), set by the caller.
    """
    n = frame.height
    f = frame.with_columns(
        pl.Series("_style", rng.integers(0, 3, n)),
        pl.Series("_sep", _pick(["-", "—", "–", " to ", "-"], rng.integers(0, 5, n))),
        pl.Series("_approx", _pick(["~", "~ ", "about ", "around ", "около ", "approximately ", "some "],
                                   rng.integers(0, 7, n))),
        pl.Series("_bound", _pick(["over ", "more than ", "not less than ", "almost ", "upward of ", "более ",
                                   "at least ", "nearly ", "up to "], rng.integers(0, 9, n))),
        pl.Series("_vague", _pick(VAGUE, rng.integers(0, len(VAGUE), n))),
        pl.Series("_comma", rng.random(n) < .35),
        pl.Series("_half", rng.random(n) < .5),
    )
    x = pl.col("x")
    iv = x.round(0).cast(pl.Int64)
    whole = _int_text(iv, pl.col("_style"))
    dec = pl.when(pl.col("_comma")).then((x.round(2)).cast(pl.String).str.replace(r"\.", ","))\
        .otherwise(x.round(1).cast(pl.String))
    lo = (x * .94).floor().cast(pl.Int64)
    hi = (x * 1.06).ceil().cast(pl.Int64)
    hi = pl.when(hi <= lo).then(lo + 1).otherwise(hi)
    rng_text = pl.format("{}{}{}", lo.cast(pl.String), "_sep", hi.cast(pl.String))
    # an approximate figure is rounded as sources round: to units below 100, tens, then hundreds
    step = pl.when(x < 100).then(1).when(x < 10_000).then(10).otherwise(100)
    approx = pl.format("{}{}", "_approx", _int_text((x / step).round(0).cast(pl.Int64) * step, pl.lit(2)))
    bound = pl.format("{}{}", "_bound", whole)
    words = iv.replace_strict(WORDS, default=None, return_dtype=pl.String)
    thousands = pl.when(x >= 1e6).then(
        pl.format("{} million", (x / 1e6).round(1).cast(pl.String).str.replace(r"\.0$", "")))\
        .when(x >= 1000).then(
        pl.when(pl.col("_half") & (((x / 500).round(0) % 2) == 1))
        .then(pl.format("{} ½ thousand", (x / 1000).floor().cast(pl.Int64).cast(pl.String)))
        .otherwise(pl.format("{} thousand", (x / 1000).round(0).cast(pl.Int64).cast(pl.String))))\
        .otherwise(whole)
    form = pl.col("form")
    text = (pl.when(form == 1).then(dec)
            .when(form == 2).then(rng_text)
            .when(form == 3).then(approx)
            .when(form == 4).then(bound)
            .when(form == 5).then(pl.coalesce(words, whole))
            .when(form == 6).then(pl.col("_vague"))
            .when(form == 7).then(thousands)
            .otherwise(whole))
    return f.select(text.alias("value"))["value"]


# ---------------------------------------------------------------------------
# claims, one chunk at a time
# ---------------------------------------------------------------------------

def _events(rng: np.random.Generator, n_events: int, first_event: int) -> pl.DataFrame:
    kind = _weighted(rng, [k["w"] for k in KINDS], n_events)
    year = 1930 + _weighted(rng, [1, 2, 3, 4, 6, 14, 12, 8, 4, 3, 3, 2], n_events)
    month, day = rng.integers(1, 13, n_events), rng.integers(1, 29, n_events)
    precision = _weighted(rng, [.6, .3, .1], n_events)  # day, month, year
    first, sur = rng.integers(0, len(FIRST), n_events), rng.integers(0, len(SURNAMES), n_events)
    coll = rng.integers(0, len(COLLECTIVES), n_events)
    median = np.array([k["v"][0] for k in KINDS])[kind]
    spread = np.array([k["v"][1] for k in KINDS])[kind]
    true = median * np.exp(rng.normal(0, 1, n_events) * spread)
    who_worker = np.array([k["who"] == "worker" for k in KINDS])[kind]
    place_idx = rng.integers(0, 10, n_events)
    e = pl.DataFrame({"kind": kind, "year": year, "month": month, "day": day, "precision": precision,
                      "true": true, "worker": who_worker,
                      "serial": np.arange(first_event, first_event + n_events)})
    mm = pl.col("month").cast(pl.String).str.zfill(2)
    dd = pl.col("day").cast(pl.String).str.zfill(2)
    y = pl.col("year").cast(pl.String)
    date = (pl.when(pl.col("precision") == 0).then(pl.format("{}-{}-{}", y, mm, dd))
            .when(pl.col("precision") == 1).then(pl.format("{}-{}", y, mm)).otherwise(y))
    full_name = pl.format("{} {}", _pick(FIRST, first), _pick(SURNAMES, sur).str.to_titlecase())
    # each kind's places, ten slots per kind, indexed without a Python loop per row
    table = pl.concat([pl.Series(PLACES[k["place"]], dtype=pl.String).gather(np.arange(10) % len(PLACES[k["place"]]))
                       for k in KINDS])
    place_s = table.gather(kind * 10 + place_idx)
    e = e.with_columns(
        date.alias("date"),
        pl.when(pl.col("worker")).then(full_name).otherwise(_pick([c[0] for c in COLLECTIVES], coll)).alias("subject"),
        pl.when(pl.col("worker")).then(_pick(SURNAMES, sur)).otherwise(_pick([c[1] for c in COLLECTIVES], coll))
        .alias("_slug"),
        place_s.alias("place"),
        pl.Series("_measure", [k["measure"] for k in KINDS]).gather(kind).alias("measure"),
        pl.Series("_sector", [k["sector"] for k in KINDS]).gather(kind).alias("sector"),
    ).with_columns(
        pl.format("{}-{}-{}", "_slug", pl.col("date").str.replace_all("-", ""), "serial").alias("event_id"))
    return e


def _unit_choice(rng, kinds: np.ndarray, option_lists) -> tuple[np.ndarray, list, list]:
    """Per row, a unit (index into a flat table) and its factor, drawn per kind."""
    flat_units, flat_factor, starts, weights = [], [], [], []
    for opts in option_lists:
        starts.append(len(flat_units))
        for u, fac, w in opts:
            flat_units.append(u)
            flat_factor.append(fac)
        weights.append([o[2] for o in opts])
    idx = np.zeros(len(kinds), dtype=np.int64)
    for ki, w in enumerate(weights):
        mask = kinds == ki
        m = int(mask.sum())
        if m:
            idx[mask] = starts[ki] + _weighted(rng, w, m)
    return idx, flat_units, flat_factor


def make_chunk(rows: int, seed: int, chunk: int, first_row: int, id_width: int,
               source_ids: pl.Series) -> pl.DataFrame:
    rng = np.random.default_rng([seed, chunk])
    # main claims per event: 1 + Poisson(1.4), at most 8 (mean about 2.4), plus extras
    n_events = int(rows / 2.2) + 64
    ev = _events(rng, n_events, first_event=chunk * CHUNK)
    kind = ev["kind"].to_numpy()
    n_main = np.minimum(1 + rng.poisson(1.4, n_events), 8)

    pieces = []  # (event index, statistic, slot order, role)

    def add(event_idx: np.ndarray, stat: np.ndarray | str, order: int, role: str):
        s = stat if isinstance(stat, np.ndarray) else np.full(len(event_idx), stat)
        pieces.append(pl.DataFrame({"e": event_idx, "statistic": pl.Series(s).cast(pl.String),
                                    "order": np.full(len(event_idx), order), "role": role}))

    all_e = np.arange(n_events)
    main_stat = np.array([k["stat"] for k in KINDS])[kind]
    add(np.repeat(all_e, n_main), np.repeat(main_stat, n_main), 0, "main")
    for prop, role, stat, order in (("norm_p", "norm", "norm", 2), ("pct_p", "pct", "pct_of_norm", 3),
                                    ("mult_p", "mult", "multiple_of_norm", 4)):
        p = np.array([k.get(prop, 0) or 0 for k in KINDS])[kind]
        hit = all_e[rng.random(n_events) < p]
        add(hit, stat, order, role)
    conv_p = np.array([(k.get("conv") or (None, None, 0))[2] for k in KINDS])[kind]
    hit = all_e[rng.random(n_events) < conv_p]
    add(hit, "conversion", 1, "conv")
    for ki, k in enumerate(KINDS):
        for stat, p, scale in k.get("extra", []):
            hit = all_e[(kind == ki) & (rng.random(n_events) < p)]
            add(hit, stat, 5, f"extra:{scale}")

    c = pl.concat(pieces).sort("e", "order").head(rows)
    n = c.height
    if n < rows:  # pragma: no cover - n_events is chosen with room to spare
        raise RuntimeError("chunk too small")
    e_idx = c["e"].to_numpy()
    ck = kind[e_idx]
    role = c["role"].to_numpy()
    c = c.with_columns(pl.Series("kind", ck), pl.Series("pos", np.arange(n)))
    evc = ev.select("event_id", "subject", "sector", "measure", "date", "place", "true", "year").gather(e_idx)
    c = pl.concat([c, evc], how="horizontal")

    # each kind's norm (low, high), in the canonical unit
    true = evc["true"].to_numpy()
    norm_lo = np.array([(k.get("norm") or (1, 1))[0] for k in KINDS], dtype=float)[ck]
    norm_hi = np.array([(k.get("norm") or (1, 1))[1] for k in KINDS], dtype=float)[ck]
    norm_mid = (norm_lo + norm_hi) / 2

    # the number each claim states, in the canonical unit
    x = true.copy()
    conflict = rng.random(n) < .08
    x = np.where(conflict, x * (1 + rng.uniform(.02, .25, n) * rng.choice([-1, 1], n)), x)
    rounded = rng.random(n) < .04
    x = np.where(rounded, np.round(x / 5) * 5 + (x < 2.5) * x, x)
    is_norm, is_pct, is_mult = role == "norm", role == "pct", role == "mult"
    x = np.where(is_norm, np.where(rng.random(n) < .5, norm_lo, norm_hi), x)
    ratio = true / norm_mid * 100 * np.where(rng.random(n) < .1, rng.uniform(.6, 1.4, n), 1)
    x = np.where(is_pct | is_mult, ratio, x)
    extra_scale = np.ones(n)
    for r in np.unique(role):
        if r.startswith("extra:"):
            extra_scale[role == r] = float(r.split(":")[1])
    x = x * extra_scale

    # the unit as written, and the number in it
    u_idx, flat_units, flat_factor = _unit_choice(rng, ck, [k["units"] for k in KINDS])
    unit = np.array(flat_units, dtype=object)[u_idx]
    factor = np.array([f if isinstance(f, (int, float)) else 1.0 for f in flat_factor])[u_idx]
    pct_idx, pct_units, pct_factor = _unit_choice(rng, np.zeros(n, dtype=np.int64), [_PCT_NORM])
    mult_idx, mult_units, _ = _unit_choice(rng, np.zeros(n, dtype=np.int64), [_MULT])
    # "% above the norm" only for figures over the norm ("300 % above"), as sources write it
    above = np.array([f == "above" for f in pct_factor])[pct_idx] & (x >= 110)
    pct_idx = np.where(np.array([f == "above" for f in pct_factor])[pct_idx] & ~above, 0, pct_idx)
    unit = np.where(is_pct, np.array(pct_units, dtype=object)[pct_idx], unit)
    factor = np.where(is_pct, 1.0, factor)
    x = np.where(is_pct & above, x - 100, x)
    unit = np.where(is_mult, np.array(mult_units, dtype=object)[mult_idx], unit)
    factor = np.where(is_mult, .01, factor)
    is_conv = role == "conv"
    conv_unit = np.array([(k.get("conv") or ("", 1, 0))[0] for k in KINDS], dtype=object)[ck]
    conv_fac = np.array([(k.get("conv") or ("", 1, 0))[1] for k in KINDS], dtype=float)[ck]
    unit = np.where(is_conv, conv_unit, unit)
    factor = np.where(is_conv, conv_fac, factor)
    # the conversion restates the event's first main claim, in its unit
    first_pos = c.select(pl.col("pos").first().over("e"))["pos"].to_numpy()
    x = np.where(is_conv, x[first_pos] * 1, x)
    xw = x * factor

    # how the figure is written
    millions = np.array([bool(k.get("millions")) for k in KINDS])[ck]
    dec = np.array([k.get("dec", .03) for k in KINDS])[ck]
    u = rng.random(n)
    form = np.select(
        [u < .015, u < .015 + dec * .7, u < .1 + dec * .7, u < .2 + dec * .7, u < .25 + dec * .7,
         u < .28 + dec * .7],
        [6, 1, 2, 3, 4, 5], default=0)
    form = np.where(millions | ((xw >= 1000) & (rng.random(n) < .15)), 7, form)
    form = np.where(is_conv, 3, form)  # "~ 46 000"
    form = np.where(is_norm & (rng.random(n) < .35), 2, form)  # "6-7"
    form = np.where((ck == [k["kind"] for k in KINDS].index("share")) & (rng.random(n) < .03), 8, form)
    values = value_text(pl.DataFrame({"x": xw, "form": np.where(form == 8, 0, form)}), rng)
    values = pl.select(pl.when(pl.Series(form == 8)).then(pl.lit("over half")).otherwise(values)).to_series()
    unit_s = pl.Series("unit", unit.astype(str), dtype=pl.String)
    unit_s = pl.select(pl.when(pl.Series(form == 8)).then(pl.lit("of the workforce")).otherwise(unit_s)).to_series()

    # basis
    b_idx, b_opts, _ = _unit_choice(rng, ck, [[(b, 1, w) for b, w in k["basis"]] for k in KINDS])
    basis = pl.Series(np.array(b_opts, dtype=object)[b_idx].astype(str)).replace("", None)

    # sources: any source may tell any event
    n_src = source_ids.len()
    src = rng.integers(0, n_src, n)

    c = c.with_columns(pl.Series("value", values), unit_s.alias("unit"), basis.alias("basis"),
                       pl.Series("_src", src), pl.Series("_x", xw))
    # norm_ref: a record with no own norm points at its kind's norm event for the year
    has_own_norm = c.select((pl.col("role") == "norm").any().over("e"))["role"].to_numpy()
    ref_p = np.array([k.get("ref_p", 0) or 0 for k in KINDS])[ck]
    wants_ref = (role == "main") & ~has_own_norm & (rng.random(n) < ref_p) & \
        (c["statistic"].to_numpy() == "record")
    c = c.with_columns(pl.Series("_ref", wants_ref))

    norm_events = _norm_events(rng, chunk, n_src)
    c = c.with_columns(
        pl.when(pl.col("_ref")).then(pl.format("norm-{}-{}-c{}", "measure", "year", pl.lit(chunk)))
        .otherwise(None).alias("norm_ref"))

    # shuffle the chunk, then number the claims in file order
    c = pl.concat([norm_events.with_columns(pl.lit(-1, dtype=pl.Int64).alias("pos")).select(
        "pos", "event_id", "subject", "sector", "measure", "statistic", "value", "unit", "basis", "date", "place",
        "_src", "norm_ref"),
        c.select("pos", "event_id", "subject", "sector", "measure", "statistic", "value", "unit", "basis", "date",
                 "place", "_src", "norm_ref")], how="vertical_relaxed")
    # keep exactly `rows`: drop the tail of the last events to make room for the norm events
    c = c.head(rows)
    perm = rng.permutation(c.height)
    c = c[perm]
    new_pos = np.empty(c.height, dtype=np.int64)
    pos = c["pos"].to_numpy()
    valid = pos >= 0
    new_pos[pos[valid]] = np.nonzero(valid)[0]  # pos (generation order) -> row in file
    ids = pl.format("c{}", (pl.int_range(pl.len()) + first_row + 1).cast(pl.String).str.zfill(id_width))
    c = c.with_columns(ids.alias("claim_id"))
    # converted_from: the first main claim of the same event, by its new row
    conv_rows = np.nonzero(valid)[0][is_conv[pos[valid]]]
    conv_target = new_pos[first_pos[pos[conv_rows]]]
    cf = np.full(c.height, -1, dtype=np.int64)
    cf[conv_rows] = conv_target + first_row + 1
    c = c.with_columns(pl.when(pl.Series(cf) >= 0)
                       .then(pl.format("c{}", pl.Series(cf).cast(pl.String).str.zfill(id_width)))
                       .otherwise(None).alias("converted_from"))
    return _decorate(c, rng, source_ids)


def _norm_events(rng, chunk: int, n_src: int) -> pl.DataFrame:
    rows = []
    for k in KINDS:
        if not k.get("norm"):
            continue
        for year in range(1930, 1942):
            lo, hi = k["norm"]
            n = int(rng.integers(1, 4))
            for j in range(n):
                value = f"{lo}-{hi}" if j == 0 and lo != hi else str(lo if j == 1 else hi)
                rows.append({"event_id": f"norm-{k['measure']}-{year}-c{chunk}", "subject": f"{k['sector']} norm",
                             "sector": k["sector"], "measure": k["measure"], "statistic": "norm", "value": value,
                             "unit": k["units"][0][0], "basis": k["basis"][0][0] or None, "date": str(year),
                             "place": None, "_src": int(rng.integers(0, n_src)),
                             "norm_ref": None})
    return pl.DataFrame(rows, schema={"event_id": pl.String, "subject": pl.String, "sector": pl.String,
                                      "measure": pl.String, "statistic": pl.String, "value": pl.String,
                                      "unit": pl.String, "basis": pl.String, "date": pl.String, "place": pl.String,
                                      "_src": pl.Int64, "norm_ref": pl.String})


def _decorate(c: pl.DataFrame, rng: np.random.Generator, source_ids: pl.Series) -> pl.DataFrame:
    """Source ids, locators, quotes, notes; then about 1 % bad rows."""
    n = c.height
    c = c.with_columns(source_ids.gather(c["_src"].to_numpy()).alias("source_id"))
    loc_kind = rng.random(n)
    page, col, fn = rng.integers(1, 9, n), rng.integers(1, 6, n), rng.integers(1, 300, n)
    line = rng.integers(1, 1200, n)
    has_quote = rng.random(n) < .35
    has_note = rng.random(n) < .08
    c = c.with_columns(
        pl.when(pl.Series(loc_kind < .6)).then(pl.format("p. {}, col. {}", pl.Series(page), pl.Series(col)))
        .when(pl.Series(loc_kind < .95)).then(pl.format("fn {}, line {}", pl.Series(fn), pl.Series(line)))
        .otherwise(pl.format("fn {}, line {} | p. {}", pl.Series(fn), pl.Series(line), pl.Series(page)))
        .alias("locator"),
        pl.when(pl.Series(has_quote))
        .then(pl.format("{} {} {}", _pick(QUOTE_VERBS, rng.integers(0, len(QUOTE_VERBS), n)), "value", "unit"))
        .otherwise(None).alias("quote"),
        pl.when(pl.Series(has_note)).then(_pick(NOTES, rng.integers(0, len(NOTES), n))).otherwise(None)
        .alias("note"),
    )
    # a handful of notes typed with a line break inside the cell
    nl = rng.random(n) < .0002
    c = c.with_columns(pl.when(pl.Series(nl)).then(pl.lit("Two readings in the source:\nsee the next issue."))
                       .otherwise(pl.col("note")).alias("note"))
    # a few events name their subject two ways (event-inconsistent warnings)
    odd = rng.random(n) < .002
    c = c.with_columns(pl.when(pl.Series(odd) & pl.col("subject").is_not_null())
                       .then(pl.format("{} (brigade)", "subject")).otherwise("subject").alias("subject"))
    c = _spoil(c, rng)
    return c.select(CLAIM_COLUMNS)


def _spoil(c: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """About 1 % of rows get one defect each, of several kinds."""
    n = c.height
    # the shared norm events stay clean: spoiling one would reject every record that refers to it
    bad = (rng.random(n) < BAD_SHARE) & ~c["event_id"].str.starts_with("norm-").fill_null(False).to_numpy()
    kinds = np.where(bad, _weighted(rng, [.2, .2, .18, .18, .14, .04, .03, .03], n), -1)
    r = rng.integers(0, 1 << 30, n)
    cols = {}
    col = lambda name: pl.col(name)  # noqa: E731
    # 0 unknown unit, 1 unparseable value, 2 unknown source, 3 empty required field, 4 bad date,
    # 5 unknown statistic, 6 duplicate claim_id, 7 unit of the wrong dimension
    k = pl.Series(kinds)
    rr = pl.Series(r)
    cols["unit"] = (pl.when(k == 0).then(_pick(BAD_UNITS, r % len(BAD_UNITS)))
                    .when(k == 7).then(pl.lit("hectares")).otherwise(col("unit")))
    cols["value"] = pl.when(k == 1).then(_pick(BAD_VALUES, r % len(BAD_VALUES))).otherwise(col("value"))
    cols["source_id"] = pl.when(k == 2).then(
        pl.when(rr % 2 == 0).then(pl.format("{}x", col("source_id")))
        .otherwise(pl.format("unknown-{}", 1900 + rr % 100))).otherwise(col("source_id"))
    cols["date"] = pl.when(k == 4).then(_pick(BAD_DATES, r % len(BAD_DATES))).otherwise(col("date"))
    cols["statistic"] = pl.when(k == 5).then(_pick(BAD_STATISTICS, r % len(BAD_STATISTICS))).otherwise(
        col("statistic"))
    # a duplicate id repeats the id of the row before it
    cols["claim_id"] = pl.when(k == 6).then(col("claim_id").shift(1).fill_null(col("claim_id"))).otherwise(
        col("claim_id"))
    c = c.with_columns(**cols)
    empty_field = np.array(REQUIRED)[r % len(REQUIRED)]
    for name in REQUIRED:
        hit = pl.Series((kinds == 3) & (empty_field == name))
        c = c.with_columns(pl.when(hit).then(pl.lit(None, dtype=pl.String)).otherwise(col(name)).alias(name))
    return c


def write_ledger(rows: int, out: Path, seed: int, *, verbose: bool = True) -> dict:
    """Write ``out/claims.csv`` (``rows`` claims) and ``out/sources.csv``; return counts."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    sources = make_sources(rows, seed)
    sources.write_csv(out / "sources.csv", line_terminator="\n", null_value="")
    # the figures are written as an English-language ledger writes them ("1,050", "6.5")
    (out / "prodkit.toml").write_text('decimal_mark = "."\n', encoding="utf-8")
    id_width = max(6, len(str(rows)))
    tmp = out / "claims.csv.part"
    with open(tmp, "wb") as fh:
        done, chunk = 0, 0
        while done < rows:
            size = min(CHUNK, rows - done)
            frame = make_chunk(size, seed, chunk, done, id_width, sources["source_id"])
            frame.write_csv(fh, include_header=chunk == 0, line_terminator="\n", null_value="")
            done += size
            chunk += 1
            if verbose and (chunk % 4 == 0 or done == rows):
                print(f"generate: {done:,} / {rows:,} claims ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    tmp.replace(out / "claims.csv")
    return {"rows": rows, "sources": sources.height, "seconds": time.perf_counter() - t0,
            "bytes": (out / "claims.csv").stat().st_size}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, required=True, help="number of claims (data rows) to write")
    ap.add_argument("--out", type=Path, required=True, help="folder for claims.csv and sources.csv")
    ap.add_argument("--seed", type=int, default=1935)
    args = ap.parse_args(argv)
    if args.rows < 1:
        ap.error("--rows must be at least 1")
    info = write_ledger(args.rows, args.out, args.seed)
    print(f"wrote {info['rows']:,} claims ({info['bytes'] / 1e6:.1f} MB) and {info['sources']:,} sources "
          f"to {args.out} in {info['seconds']:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
