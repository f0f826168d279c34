"""Read figures as sources write them: "14-15", "~46 000", "4 ½ thousand".

A figure becomes ``value_low``, ``value_high``, ``value_mid`` and a
``qualifier``:

============  ==========================================  ======  ======  =====
qualifier     written as                                   low     high    mid
============  ==========================================  ======  ======  =====
exact         ``102``, ``1,050``, ``39,75``, ``4 ½``       x       x       x
range         ``14-15``, ``6–7``, ``45 to 60``             a       b       (a+b)/2
approximate   ``~46 000``, ``about 55``, ``around 5``      x       x       x
more-than     ``over 30``, ``more than 300``, ``upward of``  x       (none)  x
at-least      ``not less than 500``, ``at least 2``        x       (none)  x
less-than     ``less than 2``, ``under 10``, ``up to 5``   (none)  x       x
almost        ``almost 15``, ``nearly 40``                 (none)  x       x
vague         ``hundreds``, ``several``, ``a few``         (none)  (none)  (none)
============  ==========================================  ======  ======  =====

An open end is left empty rather than invented: "over 30" says nothing of
how far over. ``value_mid`` is the figure a chart or a strategy uses.

Number conventions, chosen so that no figure is read two ways: the dot is
always the decimal mark; a comma followed by groups of exactly three digits
separates thousands (``73,963``), any other comma is a decimal comma
(``39,75``, ``0,006``, ``1,5``); spaces, no-break and thin spaces separate
thousands (``46 000``). Words multiply (``4 ½ thousand`` = 4500, ``1.5
million``) and fractions of a whole are fractions (``half`` = 0.5, ``a
twelfth``), to be scaled by the unit (``of the workforce`` is a share).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import Problem, problem


@dataclass(frozen=True)
class Figure:
    low: float | None
    high: float | None
    mid: float | None
    qualifier: str


class FigureError(ValueError):
    """A figure that cannot be read; the message says why, ``code`` which problem it is."""

    code = "value-unparseable"


class InvertedRange(FigureError):
    code = "value-range-inverted"


QUALIFIERS = ("exact", "range", "approximate", "more-than", "at-least", "less-than", "almost", "vague")

_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 0.125, "⅜": 0.375,
              "⅝": 0.625, "⅞": 0.875, "⅕": 0.2, "⅖": 0.4, "⅗": 0.6, "⅘": 0.8, "⅙": 1 / 6, "⅚": 5 / 6}

_MULTIPLIERS = {
    "thousand": 1e3, "thousands": 1e3, "тыс": 1e3, "тыс.": 1e3, "тысяч": 1e3, "тысячи": 1e3,
    "k": 1e3, "million": 1e6, "millions": 1e6, "mln": 1e6, "млн": 1e6, "млн.": 1e6,
    "billion": 1e9, "млрд": 1e9, "hundred": 1e2, "hundreds": 1e2, "dozen": 12.0,
}

_WORDS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    # Russian, in Cyrillic and in the Library of Congress transliteration of titles
    "один": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8,
    "девять": 9, "десять": 10, "сто": 100, "тысяча": 1000,
    "odin": 1, "dva": 2, "dve": 2, "tri": 3, "chetyre": 4, "piat'": 5, "piat’": 5, "shest'": 6, "shest’": 6,
    "sem'": 7, "sem’": 7, "vosem'": 8, "vosem’": 8, "deviat'": 9, "deviat’": 9, "desiat'": 10, "desiat’": 10,
    "sto": 100, "tysiacha": 1000,
}

#: A fraction of a whole, written in words ("half of the workers").
_PART_WORDS = {
    "half": 0.5, "a half": 0.5, "one half": 0.5, "a third": 1 / 3, "one third": 1 / 3,
    "two thirds": 2 / 3, "two-thirds": 2 / 3, "a quarter": 0.25, "one quarter": 0.25,
    "three quarters": 0.75, "a fifth": 0.2, "a tenth": 0.1, "a twelfth": 1 / 12, "all": 1.0,
    "none": 0.0,
}

#: "double", "fivefold": multiples written as words.
_MULTIPLE_WORDS = {"double": 2, "doubled": 2, "doubling": 2, "twice": 2, "twofold": 2, "triple": 3,
                   "tripled": 3, "thrice": 3, "threefold": 3, "fourfold": 4, "quadruple": 4,
                   "fivefold": 5, "tenfold": 10, "hundredfold": 100,
                   # Russian, as transliterated in titles: "Udvaivaem dobychu" = "we double output"
                   "udvaivaem": 2, "udvoim": 2, "udvoenie": 2, "удваиваем": 2, "удвоим": 2, "удвоение": 2}

#: Words that say "more than half" without a number.
_MAJORITY_WORDS = {"predominantly", "mostly", "most", "the majority", "a majority", "majority"}

_VAGUE = re.compile(
    r"^(?:a\s+|many\s+|several\s+|some\s+)?(?:hundreds|thousands|dozens|tens|millions|several|"
    r"a few|few|many|numerous|scores|countless|a couple|a number)(?:\s+(?:of|and)\b.*)?$"
    r"|^(?:thousands and thousands|hundreds and hundreds|dozens of times over)$"
)

# Qualifier prefixes: (pattern, qualifier). Order matters: longest first.
_PREFIXES: list[tuple[re.Pattern, str]] = [
    (re.compile(p), q) for p, q in [
        (r"^(?:not less than|no less than|at least|ne menee|не менее|minimum of|a minimum of)\s+", "at-least"),
        (r"^(?:more than|over|upward of|upwards of|in excess of|above|exceeding|greater than|"
         r"более чем на|более чем|более|свыше|bolee)\s+", "more-than"),
        (r"^(?:less than|fewer than|under|below|up to|no more than|not more than|at most|within another|within|"
         r"менее|до|не более)\s+", "less-than"),
        (r"^(?:almost|nearly|just under|close to|почти)\s+", "almost"),
        (r"^(?:about|around|approximately|approx\.?|roughly|some|circa|ca\.|c\.|около|примерно|"
         r"~|≈|±)\s*", "approximate"),
    ]
]

_RANGE_SPLIT = re.compile(r"\s*(?:-|–|—|‒|−|\bto\b|\bor\b|\band\b|\.\.)\s*")
_NUM = re.compile(r"^(\d[\d\s,]*(?:\.\d+)?|\.\d+)?\s*([½¼¾⅓⅔⅛⅜⅝⅞⅕⅖⅗⅘⅙⅚])?$")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u2007]+")


def _number(token: str) -> float:
    """One number, digits or words, with an optional multiplier word."""
    token = token.strip()
    if not token:
        raise FigureError("a number is missing")
    words = token.split(" ")
    mult = 1.0
    # trailing multiplier words: "4 ½ thousand", "1.5 million", "5-7 million" (applied by caller)
    while len(words) > 1 and words[-1] in _MULTIPLIERS:
        mult *= _MULTIPLIERS[words.pop()]
    core = " ".join(words).strip()
    if core in _WORDS:
        return _WORDS[core] * mult
    if core in _MULTIPLE_WORDS:
        return _MULTIPLE_WORDS[core] * mult
    if core in _PART_WORDS:
        return _PART_WORDS[core] * mult
    if core in _MULTIPLIERS and mult == 1.0 and core not in ("hundreds", "thousands", "millions"):
        return _MULTIPLIERS[core]  # "a hundred" handled via "a"; bare "hundred", "dozen"
    m = re.fullmatch(r"(?:a|one)\s+(hundred|thousand|million|dozen)", core)
    if m:
        return _MULTIPLIERS[m.group(1)] * mult
    # "twenty-five", "twenty five"
    m = re.fullmatch(r"(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-](\w+)", core)
    if m and m.group(2) in _WORDS and _WORDS[m.group(2)] < 10:
        return (_WORDS[m.group(1)] + _WORDS[m.group(2)]) * mult
    core = core.rstrip("%").strip()
    m = _NUM.fullmatch(core)
    if not m or not (m.group(1) or m.group(2)):
        raise FigureError(f"'{token}' is not a number")
    digits, frac = m.group(1), m.group(2)
    value = 0.0
    if digits:
        value = _digits(digits.strip())
    if frac:
        if digits and "." in digits:
            raise FigureError(f"'{token}' mixes a decimal and a fraction")
        value += _FRACTIONS[frac]
    return value * mult


def _digits(text: str) -> float:
    compact = text.replace(" ", "")
    if " " in text:
        groups = text.split(" ")
        if not (groups[0].isdigit() and 1 <= len(groups[0]) <= 3
                and all(len(g) == 3 and g.isdigit() for g in groups[1:-1])
                and re.fullmatch(r"\d{3}(?:[.,]\d+)?", groups[-1])):
            raise FigureError(f"'{text}' has spaces that are not thousands separators")
    if "," in compact:
        head, *rest = compact.split(",")
        thousands = (head.isdigit() and head[0] != "0" and 1 <= len(head) <= 3
                     and all(re.fullmatch(r"\d{3}", g) for g in rest[:-1])
                     and re.fullmatch(r"\d{3}(?:\.\d+)?", rest[-1]))
        if thousands:
            compact = compact.replace(",", "")
        elif len(rest) == 1 and "." not in compact and head.isdigit() and rest[0].isdigit():
            compact = head + "." + rest[0]  # a decimal comma: 39,75 or 0,006
        else:
            raise FigureError(f"'{text}' mixes commas and dots in a way that can be read two ways")
    try:
        return float(compact)
    except ValueError:
        raise FigureError(f"'{text}' is not a number") from None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = _SPACES.sub(" ", text)
    # "4½" -> "4 ½"; "~46 000" keeps its space
    text = re.sub(r"(\d)([½¼¾⅓⅔⅛⅜⅝⅞⅕⅖⅗⅘⅙⅚])", r"\1 \2", text)
    text = text.replace("\u2212", "-")
    return text


def parse_figure(text: str) -> Figure:
    """Read one figure as written.

    >>> parse_figure("14-15")
    Figure(low=14.0, high=15.0, mid=14.5, qualifier='range')
    >>> parse_figure("~46 000")
    Figure(low=46000.0, high=46000.0, mid=46000.0, qualifier='approximate')
    >>> parse_figure("4 ½ thousand")
    Figure(low=4500.0, high=4500.0, mid=4500.0, qualifier='exact')
    >>> parse_figure("over half")
    Figure(low=0.5, high=None, mid=0.5, qualifier='more-than')
    >>> parse_figure("hundreds")
    Figure(low=None, high=None, mid=None, qualifier='vague')
    """
    if text is None:
        raise FigureError("the value is empty")
    t = _normalise(text)
    if not t:
        raise FigureError("the value is empty")
    if _VAGUE.match(t):
        return Figure(None, None, None, "vague")
    if t in _MAJORITY_WORDS:
        return Figure(0.5, None, 0.5, "more-than")
    qualifier = "exact"
    for pattern, q in _PREFIXES:
        m = pattern.match(t)
        if m and m.end() < len(t):
            qualifier = q
            t = t[m.end():].strip()
            break
    if t.startswith("+"):
        t = t[1:]
    negative = False
    if t.startswith("-") and re.match(r"-\s*\d", t):
        negative, t = True, t[1:].strip()
    # a trailing multiplier applies to both ends of a range: "5-7 million"
    words = t.split(" ")
    mult = 1.0
    while len(words) > 1 and words[-1] in _MULTIPLIERS and words[-1] not in ("hundreds",):
        mult *= _MULTIPLIERS[words.pop()]
    body = " ".join(words)
    parts = _RANGE_SPLIT.split(body) if not re.fullmatch(r"[a-z]+-[a-z]+", body) else [body]
    parts = [p for p in parts if p != ""]
    if body.startswith("from "):
        parts[0] = parts[0][5:]
    if len(parts) == 2:
        if qualifier not in ("exact", "approximate"):
            raise FigureError(f"'{text}' has a bound and a range together")
        low, high = _number(parts[0]) * mult, _number(parts[1]) * mult
        if negative:
            low = -low
        if low > high:
            raise InvertedRange(f"the range '{text}' runs from {low:g} down to {high:g}")
        mid = (low + high) / 2
        return Figure(low, high, mid, "range" if qualifier == "exact" else qualifier)
    if len(parts) != 1:
        raise FigureError(f"'{text}' has more than two numbers")
    x = _number(parts[0]) * mult
    if negative:
        x = -x
    if qualifier in ("exact", "approximate"):
        return Figure(x, x, x, qualifier)
    if qualifier in ("more-than", "at-least"):
        return Figure(x, None, x, qualifier)
    return Figure(None, x, x, qualifier)


# --- the vectorised reading of the common forms ------------------------------
# The same grammar as parse_figure, for the forms most ledgers are made of: a
# number (plain, with thousands spaces or commas, or a decimal comma), an
# optional range, an optional qualifier word and an optional "thousand" or
# "million". Anything else goes to parse_figure. A property test holds that
# both give the same answer on every form.

_QUALIFIER_WORDS = {
    "approximate": ["about", "around", "approximately", "approx.", "approx", "roughly", "some", "circa", "ca.",
                    "c.", "около", "примерно"],
    "more-than": ["more than", "over", "upward of", "upwards of", "in excess of", "above", "exceeding",
                  "greater than", "более чем на", "более чем", "более", "свыше", "bolee"],
    "at-least": ["not less than", "no less than", "at least", "ne menee", "не менее", "minimum of",
                 "a minimum of"],
    "less-than": ["less than", "fewer than", "under", "below", "up to", "no more than", "not more than", "at most",
                  "within another", "within", "менее", "до", "не более"],
    "almost": ["almost", "nearly", "just under", "close to", "почти"],
}
_WORD_QUALIFIER = {w: q for q, words in _QUALIFIER_WORDS.items() for w in words}
_NUMBER = r"(?:[1-9]\d{0,2}(?: \d{3})+|[1-9]\d{0,2}(?:,\d{3})+|\d+,\d+|\d+(?:\.\d+)?)"
_WORDS_RE = "|".join(sorted((re.escape(w) for w in _WORD_QUALIFIER), key=len, reverse=True))
_FAST = (r"^(?:(?P<word>" + _WORDS_RE + r") |(?P<tilde>[~≈]) ?)?(?P<a>" + _NUMBER + r")"
         r"(?: ?(?:-|–|—| to ) ?(?P<b>" + _NUMBER + r"))?(?: (?P<mult>thousand|million))?$")


def _fast_number(col):
    """A number token (as matched by _NUMBER) to a float: spaces and thousands commas out, decimal comma to dot."""
    import polars as pl

    thousands = col.str.contains(r"^[1-9]\d{0,2}(?:,\d{3})+$")
    text = pl.when(thousands).then(col.str.replace_all(",", "")).otherwise(col.str.replace(",", "."))
    return text.str.replace_all(" ", "").cast(pl.Float64)


def _figure_table(distinct):
    """One row per distinct figure: low, high, mid, qualifier, error.

    The common forms are read by polars, vectorised (see _FAST); everything
    else goes through :func:`parse_figure` once per distinct string.
    """
    import polars as pl

    name = distinct.name
    schema = {name: pl.String, "value_low": pl.Float64, "value_high": pl.Float64, "value_mid": pl.Float64,
              "qualifier": pl.String, "_value_error": pl.String, "_value_code": pl.String}
    d = distinct.to_frame()
    norm = (pl.col(name).str.to_lowercase().str.replace_all(r"[\s\u00a0\u2009\u202f\u2007]+", " ")
            .str.strip_chars())
    parts = d.with_columns(norm.str.extract_groups(_FAST).alias("_m")).unnest("_m")
    mult = pl.col("mult").replace_strict({"thousand": 1e3, "million": 1e6}, default=1.0, return_dtype=pl.Float64)
    qual = (pl.when(pl.col("tilde").is_not_null()).then(pl.lit("approximate"))
            .when(pl.col("word").is_not_null())
            .then(pl.col("word").replace_strict(_WORD_QUALIFIER, default=None, return_dtype=pl.String))
            .otherwise(pl.lit("exact")))
    parts = parts.filter(pl.col("a").is_not_null()).with_columns(
        (_fast_number(pl.col("a")) * mult).alias("_a"), (_fast_number(pl.col("b")) * mult).alias("_b"),
        qual.alias("_q"))
    ranged = pl.col("_b").is_not_null()
    # a bound with a range, or a range running downwards, is parse_figure's to explain
    parts = parts.filter(~ranged | (pl.col("_q").is_in(["exact", "approximate"]) & (pl.col("_a") <= pl.col("_b"))))
    q = pl.col("_q")
    fast = parts.select(
        name,
        pl.when(q.is_in(["less-than", "almost"])).then(None).otherwise(pl.col("_a")).alias("value_low"),
        pl.when(ranged).then(pl.col("_b")).when(q.is_in(["more-than", "at-least"])).then(None)
        .otherwise(pl.col("_a")).alias("value_high"),
        pl.when(ranged).then((pl.col("_a") + pl.col("_b")) / 2).otherwise(pl.col("_a")).alias("value_mid"),
        pl.when(ranged & (q == "exact")).then(pl.lit("range")).otherwise(q).alias("qualifier"),
        pl.lit(None, dtype=pl.String).alias("_value_error"), pl.lit(None, dtype=pl.String).alias("_value_code"))
    rest = d.join(fast.select(name), on=name, how="anti", nulls_equal=True)[name].to_list()
    rows = []
    for text in rest:
        try:
            f = parse_figure(text)
            rows.append((text, f.low, f.high, f.mid, f.qualifier, None, None))
        except FigureError as exc:
            rows.append((text, None, None, None, None, str(exc), exc.code))
    slow = pl.DataFrame(rows, schema=schema, orient="row")
    return pl.concat([fast.select(list(schema)).cast(schema), slow], how="vertical")


def parse_values(frame, *, column: str = "value", file_column: str = "source_file",
                 line_column: str = "source_line", column_number: int | None = None):
    """Add ``value_low``, ``value_high``, ``value_mid``, ``qualifier`` to a frame.

    Each distinct string is read once, so the cost follows the number of
    distinct figures, not of rows. Returns the frame and the problems found;
    a row whose figure cannot be read gets nulls and a ``value-unparseable``
    problem, never an exception.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"value": ["102", "14-15", "about 55"],
    ...                    "source_file": "c.csv", "source_line": [2, 3, 4]})
    >>> out, problems = parse_values(df)
    >>> out.select("value", "value_low", "value_high", "qualifier")
    shape: (3, 4)
    ┌──────────┬───────────┬────────────┬─────────────┐
    │ value    ┆ value_low ┆ value_high ┆ qualifier   │
    │ ---      ┆ ---       ┆ ---        ┆ ---         │
    │ str      ┆ f64       ┆ f64        ┆ str         │
    ╞══════════╪═══════════╪════════════╪═════════════╡
    │ 102      ┆ 102.0     ┆ 102.0      ┆ exact       │
    │ 14-15    ┆ 14.0      ┆ 15.0       ┆ range       │
    │ about 55 ┆ 55.0      ┆ 55.0       ┆ approximate │
    └──────────┴───────────┴────────────┴─────────────┘
    """
    import polars as pl

    table = _figure_table(frame.select(pl.col(column).unique()).to_series().rename(column))
    # join on the one column and attach the result: the wide frame is never copied
    extra = frame.select(column).join(table, on=column, how="left", nulls_equal=True, maintain_order="left")
    out = frame.hstack(extra.drop(column))
    problems: list[Problem] = []
    bad = out.filter(pl.col("_value_error").is_not_null() & pl.col(column).is_not_null())
    for value, error, code, file, line in bad.select(column, "_value_error", "_value_code", file_column,
                                                     line_column).iter_rows():
        problems.append(problem(code, file=file, line=line, column=column_number,
                                field=column, value=value, reason=error))
    vague = out.filter(pl.col("qualifier") == "vague")
    for value, file, line in vague.select(column, file_column, line_column).iter_rows():
        problems.append(problem("value-vague", file=file, line=line, column=column_number,
                                field=column, value=value))
    return out.drop("_value_error", "_value_code"), problems
