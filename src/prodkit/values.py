"""Read figures as sources write them: "14-15", "~46 000", "4 ½ thousand", "в 14 раз", "5 ч. 45 мин.".

A figure becomes ``value_low``, ``value_high``, ``value_mid`` and a
``qualifier``:

============  ==================================================  ======  ======  =====
qualifier     written as                                           low     high    mid
============  ==================================================  ======  ======  =====
exact         ``102``, ``1 515``, ``39,75``, ``4 ½``, ``сорок``    x       x       x
range         ``14-15``, ``6–7``, ``от 240 до 290``, ``8 bis 9``   a       b       (a+b)/2
approximate   ``~46 000``, ``около 100``, ``etwa 14``, ``65 ± 4``  x or    x or    x
                                                                   x - 4   x + 4
more-than     ``over 30``, ``свыше 30``, ``über 100``, ``plus de``  x       (none)  x
at-least      ``not less than 500``, ``не менее``, ``mindestens``  x       (none)  x
less-than     ``less than 2``, ``up to 5``, ``as much as 100``     (none)  x       x
almost        ``almost 15``, ``почти 15``, ``fast 6``, ``barely``  (none)  x       x
vague         ``hundreds``, ``several``, ``a few``                 (none)  (none)  (none)
ambiguous     ``1.400``, ``542.000`` with no decimal mark declared (none)  (none)  (none)
============  ==================================================  ======  ======  =====

An open end is left empty rather than invented: "over 30" says nothing of
how far over; a hedge ("barely", "as much as") is a bound, never an exact
value. Numbers are read by :mod:`prodkit.numbers`: digit groups under the
ledger's or the source's decimal mark, number words in Russian, Ukrainian,
English, German and French, scale words wherever they stand ("1 млн. 593
тысячи", "68m").

A figure may carry its unit: a percentage ("14%"), a multiple ("13-fold",
"×14", "a factor of 14", "в 14 раз" with the unit "раз", "das 13fache",
"вдвое") or a duration ("5 hr 45 min", "два часа семь минут", "5 Stunden 45
Minuten", read in hours). :attr:`Figure.unit` says which, and the units stage
checks it against the unit column.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from .errors import Problem, problem
from .numbers import AmbiguousNumber, NumberError, read_number, scale_of


@dataclass(frozen=True)
class Figure:
    low: float | None
    high: float | None
    mid: float | None
    qualifier: str
    #: the unit the figure itself carries: "percent", "times" or "hour"; None when it carries none
    unit: str | None = None
    #: a compound's last group when it has no scale word of its own ("1 млн. 433,5" + "тысячи тонн")
    tail: float | None = None
    #: why a figure is ambiguous (both readings)
    reason: str = ""


class FigureError(ValueError):
    """A figure that cannot be read; the message says why, ``code`` which problem it is."""

    code = "value-unparseable"


class InvertedRange(FigureError):
    code = "value-range-inverted"


QUALIFIERS = ("exact", "range", "approximate", "more-than", "at-least", "less-than", "almost", "vague", "ambiguous")

#: Multiples written as one word ("doubled", "вдвое", "verzehnfacht").
_MULTIPLE_WORDS = {
    "double": 2, "doubled": 2, "doubling": 2, "twice": 2, "twofold": 2, "triple": 3, "tripled": 3, "trebled": 3,
    "treble": 3, "thrice": 3, "threefold": 3, "fourfold": 4, "quadruple": 4, "quadrupled": 4, "fivefold": 5,
    "tenfold": 10, "hundredfold": 100, "le double": 2, "au double": 2, "le triple": 3, "au triple": 3,
    "вдвое": 2, "втрое": 3, "вчетверо": 4, "впятеро": 5, "вшестеро": 6, "вдесятеро": 10, "вдвічі": 2, "удвічі": 2,
    "втричі": 3, "утричі": 3, "вчетверо": 4, "verdoppelt": 2, "verdreifacht": 3, "vervierfacht": 4,
    "verfünffacht": 5, "verzehnfacht": 10, "verzehnfachte": 10, "verdoppelte": 2, "verdreifachte": 3,
    # Russian, as transliterated in titles: "Udvaivaem dobychu" = "we double output"
    "udvaivaem": 2, "udvoim": 2, "udvoenie": 2, "удваиваем": 2, "удвоим": 2, "удвоение": 2,
}
#: A fraction of a whole, written in words ("half of the workers").
_MAJORITY_WORDS = {"predominantly", "mostly", "most", "the majority", "a majority", "majority"}

_VAGUE = re.compile(
    r"^(?:a\s+|many\s+|several\s+|some\s+)?(?:hundreds|thousands|dozens|tens|millions|several|"
    r"a few|few|many|numerous|scores|countless|a couple|a number|несколько|сотни|тысячи|десятки|"
    r"hunderte|tausende|dutzende|mehrere|einige|des centaines|des milliers|plusieurs|quelques)"
    r"(?:\s+(?:of|and)\b.*)?$"
    r"|^(?:thousands and thousands|hundreds and hundreds|dozens of times over)$"
)

#: Hedges and bounds before a figure, in the languages of the field: (words, qualifier).
_BOUNDS = {
    "at-least": ["not less than", "no less than", "at least", "ne menee", "не менее", "не меньше", "minimum of",
                 "a minimum of", "щонайменше", "не менше", "mindestens", "nicht weniger als", "wenigstens",
                 "au moins", "pas moins de"],
    "more-than": ["more than", "over", "upward of", "upwards of", "in excess of", "above", "exceeding",
                  "greater than", "более чем на", "более чем", "более", "свыше", "больше", "bolee", "понад",
                  "більш ніж", "більше", "über", "mehr als", "un peu plus de", "plus de", "more, than"],
    "less-than": ["less than", "fewer than", "under", "below", "up to", "no more than", "not more than",
                  "at most", "as much as", "as many as", "within another", "within", "менее", "меньше", "до",
                  "не более", "не больше", "менше", "не більше", "bis zu", "weniger als", "höchstens",
                  "moins de", "jusqu'à", "au plus"],
    "almost": ["almost", "nearly", "just under", "close to", "barely", "hardly", "scarcely", "only just", "почти",
               "майже", "fast", "beinahe", "nahezu", "presque", "près de"],
    "approximate": ["about", "around", "approximately", "approx.", "approx", "roughly", "some", "circa", "ca.",
                    "c.", "около", "примерно", "приблизительно", "приблизно", "близько", "etwa", "rund",
                    "ungefähr", "zirka", "ca", "vermutlich", "environ", "d'environ", "à peu près", "vers",
                    "körülbelül", "mintegy", "noin", "~", "≈"],
}
#: Public names of the word lists above, for finding figures in running text (prodkit.extraction).
MULTIPLE_WORDS = _MULTIPLE_WORDS
QUALIFIER_WORDS = tuple(w for ws in _BOUNDS.values() for w in ws)
_BOUND_RE = re.compile(r"^(?P<word>" + "|".join(sorted((re.escape(w) for ws in _BOUNDS.values() for w in ws),
                                                       key=len, reverse=True)) + r")(?:\s+|(?<=[~≈])\s*)")
_BOUND_OF = {w: q for q, ws in _BOUNDS.items() for w in ws}
#: Words before a figure that say nothing of its size: "на 103%", "в 14 раз", "um 17 Mio.", "de 73 %", "по 60".
_NEUTRAL = re.compile(r"^(?:на|в|во|у|по|um|de|d'|by|from|in|the|das|le|la|au|le chiffre de|only|lediglich|"
                      r"nur|seulement)\s+")
#: Words after a figure that bound it: "и более", "or more", "und mehr", "peut-être".
_SUFFIX_BOUNDS = [(re.compile(r"\s+(?:и более|и больше|or more|und mehr|et plus|і більше)$"), "at-least"),
                  (re.compile(r"\s+(?:peut-être|vielleicht|perhaps|возможно)$"), "approximate")]

#: A unit the figure carries after its number.
_PERCENT = re.compile(r"\s*(?:%|per ?cent|percent|prozent|pour ?cent|процент\w*|відсот\w*|százalék\w*|"
                      r"prosentti\w*)$")
_TIMES_AFTER = re.compile(r"(?:(?<=\d)\s*[x×]|\s*-?\s*(?:fold|fache|fach|mal)|\s+(?:times|раз|раза|разів|рази|fois|"
                          r"kertainen|szeres\w*))$", re.I)
_TIMES_BEFORE = re.compile(r"^(?:×|x)\s*(?=\d)")
#: Hours and minutes, in any of the languages ("5 ч. 45 мин.", "5 hours and 45 minutes").
_HOURS = r"(?:hours?|hrs|hr|h|час\w*|ч|годин\w*|год|stunden?|std|heures?|óra|tuntia?)(?![\w])"
_MINUTES = r"(?:minutes?|mins|min|m|мин\w*|хв\w*|minuten|perc\w*|minuuttia?)(?![\w])"
_DURATION = re.compile(r"^(?:(?P<h>.+?)\s*" + _HOURS + r"\.?)?(?:\s*(?:,|and|и|і|та|und|et|és|ja))?"
                       r"(?:\s*(?P<m>[^\s].*?)\s*" + _MINUTES + r"\.?)?$")
_N_HOUR = re.compile(r"^(?P<n>[\w.,]+?)-?(?:hour|hours|stunden|stündig\w*|часов\w*|годинн\w*)$")
#: Multiples said by an adjective ("тройной нормы", "двойную").
_MULTIPLE_STEMS = re.compile(r"^(двойн|тройн|четверн|подвійн|потрійн)\w*$")
_MULTIPLE_STEM_VALUES = {"двойн": 2, "тройн": 3, "четверн": 4, "подвійн": 2, "потрійн": 3}

_RANGE_SPLIT = re.compile(r"\s*(?:-|–|—|‒|−|\bto\b|\bor\b|\band\b|\bbis\b|\boder\b|\bou\b|\bà\b|"
                          r"\bили\b|\bчи\b|\.\.)\s*")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u2007]+")


def _ascii_digits(text: str) -> str:
    """Digits of any script as ASCII: '١٠٢', '１٠٢' and '१०२' are 102 (Unicode's decimal digits, category Nd)."""
    if text.isascii():
        return text
    return re.sub(r"\d", lambda m: str(unicodedata.digit(m.group())), text)


def _normalise(text: str) -> str:
    text = _ascii_digits(unicodedata.normalize("NFC", text)).strip().lower()
    text = _SPACES.sub(" ", text).replace("’", "'")
    text = re.sub(r"(\d)([½¼¾⅓⅔⅛⅜⅝⅞⅕⅖⅗⅘⅙⅚])", r"\1 \2", text)
    text = text.replace("\u2212", "-").replace("+/-", "±").replace("+-", "±")
    text = re.sub(r"\s*\((?:!|\?|sic)\)$", "", text)  # the carrier's "(!)"
    return text.strip(" ,;:")


def _number(text: str, decimal_mark: str | None) -> float:
    try:
        return read_number(text, decimal_mark)
    except AmbiguousNumber:
        raise
    except NumberError as exc:
        raise FigureError(str(exc)) from None


def _unit_of(t: str) -> tuple[str, str | None]:
    """The figure without the unit it carries, and that unit ("percent", "times" or None)."""
    if _TIMES_BEFORE.match(t):
        return _TIMES_BEFORE.sub("", t), "times"
    m = _PERCENT.search(t)
    if m and m.start() > 0:
        return t[:m.start()].strip(), "percent"
    m = _TIMES_AFTER.search(t)
    if m and m.start() > 0:
        return t[:m.start()].strip(" -"), "times"
    return t, None


def _duration(t: str, decimal_mark: str | None) -> float | None:
    """Hours in "5 hr 45 min", "пять часов 45 минут", "seven-hour"; None when ``t`` is not a duration."""
    m = _N_HOUR.match(t)
    if m:
        return _number(m.group("n"), decimal_mark)
    m = _DURATION.match(t)
    if not m or not (m.group("h") and m.group("m")):
        return None
    try:
        return _number(m.group("h"), decimal_mark) + _number(m.group("m"), decimal_mark) / 60
    except FigureError:
        return None


def parse_figure(text: str, decimal_mark: str | None = None) -> Figure:
    """Read one figure as written (``decimal_mark``: the ledger's or the source's, "." or ",", if declared).

    Parameters
    ----------
    text : str
        The figure exactly as written: "102", "14-15", "~46 000", "4 ½ thousand", "over half".
    decimal_mark : {".", ",", None}, default None
        How the source writes decimals; None leaves "1.400" ambiguous (qualifier ``ambiguous``, no number).

    Returns
    -------
    Figure
        ``low``, ``high``, ``mid`` (None where the text gives no number), the ``qualifier``, and a ``unit``
        the figure carries itself ("13-fold", "5 hr 45 min").

    Raises
    ------
    prodkit.values.FigureError
        When the text is empty or is not a figure prodkit can read; its message says why.

    Examples
    --------
    >>> parse_figure("14-15")
    Figure(low=14.0, high=15.0, mid=14.5, qualifier='range', unit=None, tail=None, reason='')
    >>> parse_figure("~46 000").mid
    46000.0
    >>> parse_figure("4 ½ thousand").mid
    4500.0
    >>> parse_figure("over half")[:4] if False else (parse_figure("over half").low, parse_figure("over half").high)
    (0.5, None)
    >>> parse_figure("почти в 15").qualifier, parse_figure("почти в 15").high
    ('almost', 15.0)
    >>> f = parse_figure("13-fold"); (f.mid, f.unit)
    (13.0, 'times')
    >>> f = parse_figure("5 hr 45 min"); (f.mid, f.unit)
    (5.75, 'hour')
    >>> parse_figure("1.400").qualifier
    'ambiguous'
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
    try:
        figure = _parse(text, t, decimal_mark)
    except AmbiguousNumber as exc:
        return Figure(None, None, None, "ambiguous", reason=str(exc))
    if any(v is not None and not math.isfinite(v) for v in (figure.low, figure.high, figure.mid)):
        raise FigureError("the number is too large to hold (more than about 10^308)")
    return figure


def _parse(text: str, t: str, decimal_mark: str | None) -> Figure:
    by = re.match(r"^(?:by|um)\s+", t)
    if by and (_unit_of(t[by.end():])[1] is not None or re.search(r"fache\b|fold\b", t)):
        # "by 410%", "um das 13fache": by how much, which may be above the norm or the whole of it
        raise FigureError(f"'{text}' says by how much ('{by.group(0).strip()}'), which a percentage or a multiple "
                          "of the norm can mean two ways: write the figure as the percent or multiple of the norm")
    qualifier = "exact"
    for _ in range(3):  # "примерно около", "более чем в", "almost in"
        t = _NEUTRAL.sub("", t)
        m = _BOUND_RE.match(t)
        if not m or m.end() >= len(t):
            break
        found = _BOUND_OF[m.group("word")]
        qualifier = found if qualifier in ("exact", "approximate") else qualifier
        t = t[m.end():].strip()
    for pattern, bound in _SUFFIX_BOUNDS:
        if pattern.search(t):
            t = pattern.sub("", t)
            qualifier = bound if qualifier == "exact" else qualifier
    t = _NEUTRAL.sub("", t)
    factor = re.match(r"^(?:a|by a) (?:factor|multiple) of\s+", t)
    if factor:  # "a factor of 14": a multiple
        t = t[factor.end():] + " times"
    hours = _duration(t, decimal_mark)
    if hours is not None:
        return _bounded(hours, hours, qualifier, "hour", None, text)
    if t.startswith("+"):
        t = t[1:]
    negative = bool(re.match(r"^[-—]\s*\d", t))
    if negative:
        t = t.lstrip("-— ")
    if "±" in t:
        return _uncertain(text, t, qualifier, decimal_mark)
    t, unit = _unit_of(t)
    multiple = _MULTIPLE_WORDS.get(t)
    if multiple is None:
        m = _MULTIPLE_STEMS.match(t)
        multiple = _MULTIPLE_STEM_VALUES[m.group(1)] if m else None
    if multiple is not None:
        return _bounded(float(multiple), float(multiple), qualifier, "times", None, text)
    # a whole phrase of number words first ("two and a half", "soixante et onze millions")
    try:
        x = _number(t, decimal_mark)
    except FigureError as exc:
        whole_error = str(exc)
    else:
        x = -x if negative else x
        return _bounded(x, x, qualifier, unit, _tail(t, decimal_mark), text)
    # a trailing scale word applies to both ends of a range: "5-7 million"
    words, mult = t.split(" "), 1.0
    while len(words) > 1 and scale_of(words[-1]) is not None and not re.search(r"\d$", words[-2]) is None:
        mult *= scale_of(words.pop())
    body = " ".join(words)
    parts = _range_parts(body)
    if len(parts) == 2:
        if qualifier not in ("exact", "approximate"):
            raise FigureError(f"'{text}' has a bound and a range together")
        p0, u0 = _unit_of(parts[0])
        p1, u1 = _unit_of(parts[1])
        unit = unit or u1 or u0
        low, high = _number(p0, decimal_mark) * mult, _number(p1, decimal_mark) * mult
        if negative:
            low = -low
        if low > high:
            raise InvertedRange(f"the range '{text}' runs from {low:g} down to {high:g}")
        return Figure(low, high, (low + high) / 2, "range" if qualifier == "exact" else qualifier, unit)
    if len(parts) > 2:
        raise FigureError(f"'{text}' has more than two numbers")
    raise FigureError(whole_error)


#: A range opened by a word that names its closing word: "от 240 до 290", "zwischen 8,5 und 9".
_OPENED = {"from": "to", "от": "до", "від": "до", "zwischen": "und", "between": "and", "entre": "et", "de": "à",
           "von": "bis"}
_STRONG_SPLIT = re.compile(r"\s*(?:-|–|—|‒|−|\bto\b|\bbis\b|\boder\b|\bou\b|\bà\b|\bили\b|\bчи\b|\.\.)\s*")


def _range_parts(body: str) -> list[str]:
    """The ends of a range: split at its opening word's partner, else at a dash or 'to', else at 'and'/'or'."""
    first, _, rest = body.partition(" ")
    if first in _OPENED and rest:
        parts = re.split(rf"\s+{_OPENED[first]}\s+", rest, maxsplit=1)
        if len(parts) == 2:
            return parts
        body = rest
    parts = [p for p in _STRONG_SPLIT.split(body) if p.strip()]
    return parts if len(parts) >= 2 else [p for p in _RANGE_SPLIT.split(body) if p.strip()]


def _tail(t: str, decimal_mark: str | None) -> float | None:
    """The last group of a compound number when no scale word follows it ("1 млн. 433,5" -> 433.5)."""
    m = re.search(r"^(?P<head>.*\D)\s(?P<tail>\d[\d.,]*)$", t)
    if not m or not any(scale_of(w.strip(".")) for w in m.group("head").split(" ") if w):
        return None
    return _number(m.group("tail"), decimal_mark)


def _uncertain(text: str, t: str, qualifier: str, decimal_mark: str | None) -> Figure:
    """'65 ± 4' (a low and a high), '65% ± 4%' (in points) and '65 ± 4%' (4% of 65 either way); qualifier kept."""
    centre, spread = (p.strip() for p in t.split("±", 1))
    centre, unit = _unit_of(centre)
    spread, spread_unit = _unit_of(spread)
    relative = spread_unit == "percent" and unit is None
    c, s = _number(centre, decimal_mark), _number(spread, decimal_mark)
    d = c * s / 100 if relative else s
    q = "approximate" if qualifier == "exact" else qualifier
    return Figure(c - d, c + d, c, q, unit or (spread_unit if not relative else None))


def _bounded(low: float, high: float, qualifier: str, unit: str | None, tail: float | None, text: str) -> Figure:
    if qualifier in ("exact", "approximate"):
        return Figure(low, high, low, qualifier, unit, tail)
    if qualifier in ("more-than", "at-least"):
        return Figure(low, None, low, qualifier, unit, tail)
    return Figure(None, high, high, qualifier, unit, tail)


# --- the vectorised reading of the common forms ------------------------------
# The same grammar as parse_figure, for the forms most ledgers are made of: a
# number whose reading no decimal convention changes (plain, with thousands
# spaces, or a decimal of other than three places), an optional range, an
# optional bound word and an optional "thousand" or "million". Anything else
# goes to parse_figure, digits of other scripts included (polars' \d is
# Unicode's, its cast to a number is ASCII's; the fast path takes 0-9 only). A property test holds that both give the same answer.

_WORD_QUALIFIER = {w: q for q, words in _BOUNDS.items() for w in words if w not in ("~", "≈")}
_NUMBER = (r"(?:[1-9][0-9]{0,2}(?: [0-9]{3})+|[1-9][0-9]{0,2}(?:[.,][0-9]{3})+|[0-9]+(?:[.,](?:[0-9]{1,2}|[0-9]{4,}))?|0[.,][0-9]+"
           r"|[0-9]{4,}[.,][0-9]+)")
#: A number whose reading depends on the decimal mark: "1,050", "1.400", "1.400.000".
_MARKED = r"^[1-9][0-9]{0,2}(?:[.,][0-9]{3})+$"
_WORDS_RE = "|".join(sorted((re.escape(w) for w in _WORD_QUALIFIER), key=len, reverse=True))
_FAST = (r"^(?:(?P<word>" + _WORDS_RE + r") |(?P<tilde>[~≈]) ?)?(?P<a>" + _NUMBER + r")"
         r"(?: ?(?:-|–|—| to ) ?(?P<b>" + _NUMBER + r"))?(?: (?P<mult>thousand|million))?$")

#: The columns a distinct figure is read into.
FIGURE_SCHEMA = {"value_low": "Float64", "value_high": "Float64", "value_mid": "Float64", "qualifier": "String",
                 "_value_unit": "String", "_value_tail": "Float64", "_value_error": "String", "_value_code": "String"}


def _fast_number(col, mark):
    """A number token (as matched by _NUMBER) to a float, under the row's decimal ``mark`` (see numbers.digits).

    A token whose reading depends on the mark is null where none is declared (parse_figure says why).
    """
    import polars as pl

    marked = col.str.contains(_MARKED)
    sep = col.str.extract(r"([.,])")
    several = col.str.count_matches(r"[.,]") > 1
    as_group = col.str.replace_all(r"[.,]", "")
    as_decimal = col.str.replace(",", ".")
    text = (pl.when(~marked).then(as_decimal.str.replace_all(" ", ""))
            .when(mark.is_null()).then(None)
            .when(several | (sep != mark)).then(as_group)
            .otherwise(as_decimal.str.replace(",", ".")))
    return text.cast(pl.Float64)


def _figure_table(distinct, marks=None):
    """One row per distinct figure (and decimal mark): low, high, mid, qualifier, unit, tail, error.

    The common forms are read by polars, vectorised (see _FAST); everything
    else goes through :func:`parse_figure` once per distinct string and mark.
    ``marks``, if given, is the decimal mark of each of ``distinct``'s rows.
    """
    import polars as pl

    name = distinct.name
    schema = {name: pl.String, "_mark": pl.String, **{k: getattr(pl, v) for k, v in FIGURE_SCHEMA.items()}}
    d = pl.DataFrame({name: distinct, "_mark": marks if marks is not None else pl.Series([None] * len(distinct))},
                     schema={name: pl.String, "_mark": pl.String})
    norm = (pl.col(name).str.to_lowercase().str.replace_all(r"[\s\u00a0\u2009\u202f\u2007]+", " ")
            .str.strip_chars())
    parts = d.with_columns(norm.str.extract_groups(_FAST).alias("_m")).unnest("_m")
    mult = pl.col("mult").replace_strict({"thousand": 1e3, "million": 1e6}, default=1.0, return_dtype=pl.Float64)
    qual = (pl.when(pl.col("tilde").is_not_null()).then(pl.lit("approximate"))
            .when(pl.col("word").is_not_null())
            .then(pl.col("word").replace_strict(_WORD_QUALIFIER, default=None, return_dtype=pl.String))
            .otherwise(pl.lit("exact")))
    parts = parts.filter(pl.col("a").is_not_null()).with_columns(
        (_fast_number(pl.col("a"), pl.col("_mark")) * mult).alias("_a"),
        (_fast_number(pl.col("b"), pl.col("_mark")) * mult).alias("_b"),
        qual.alias("_q"))
    # a number whose reading needs a decimal mark none declares is parse_figure's to call ambiguous, and one
    # too large to hold is parse_figure's to refuse
    parts = parts.filter(pl.col("_a").is_finite() & (pl.col("b").is_null() | pl.col("_b").is_finite()))
    ranged = pl.col("_b").is_not_null()
    # a bound with a range, or a range running downwards, is parse_figure's to explain
    parts = parts.filter(~ranged | (pl.col("_q").is_in(["exact", "approximate"]) & (pl.col("_a") <= pl.col("_b"))))
    q = pl.col("_q")
    fast = parts.select(
        name, "_mark",
        pl.when(q.is_in(["less-than", "almost"])).then(None).otherwise(pl.col("_a")).alias("value_low"),
        pl.when(ranged).then(pl.col("_b")).when(q.is_in(["more-than", "at-least"])).then(None)
        .otherwise(pl.col("_a")).alias("value_high"),
        pl.when(ranged).then((pl.col("_a") + pl.col("_b")) / 2).otherwise(pl.col("_a")).alias("value_mid"),
        pl.when(ranged & (q == "exact")).then(pl.lit("range")).otherwise(q).alias("qualifier"),
        *[pl.lit(None, dtype=getattr(pl, FIGURE_SCHEMA[c])).alias(c)
          for c in ("_value_unit", "_value_tail", "_value_error", "_value_code")])
    rest = d.join(fast.select(name, "_mark"), on=[name, "_mark"], how="anti", nulls_equal=True)
    rows = []
    for text, mark in rest.iter_rows():
        try:
            f = parse_figure(text, mark)
        except FigureError as exc:
            rows.append((text, mark, None, None, None, None, None, None, str(exc), exc.code))
            continue
        code = "ambiguous-number" if f.qualifier == "ambiguous" else None
        rows.append((text, mark, f.low, f.high, f.mid, f.qualifier, f.unit, f.tail, f.reason or None, code))
    slow = pl.DataFrame(rows, schema=schema, orient="row")
    return pl.concat([fast.select(list(schema)).cast(schema), slow], how="vertical")


def parse_values(frame, *, column: str = "value", file_column: str = "source_file",
                 line_column: str = "source_line", column_number: int | None = None,
                 decimal_mark_column: str | None = None):
    """Add ``value_low``, ``value_high``, ``value_mid``, ``qualifier`` to a frame.

    Each distinct string (with its decimal mark, read from
    ``decimal_mark_column`` when given) is read once, so the cost follows the
    number of distinct figures, not of rows. Returns the frame and the
    problems found; a row whose figure cannot be read gets nulls and a
    ``value-unparseable`` problem, never an exception. The unit a figure
    carries and a compound's unscaled last group go to ``_value_unit`` and
    ``_value_tail``, for the units stage.

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

    mark = pl.col(decimal_mark_column) if decimal_mark_column else pl.lit(None, dtype=pl.String)
    keyed = frame.select(pl.col(column), mark.alias("_mark"))
    distinct = keyed.unique(maintain_order=False).sort(column, "_mark", nulls_last=True)
    table = _figure_table(distinct[column], distinct["_mark"])
    # join on the key and attach the result: the wide frame is never copied
    extra = keyed.join(table, on=[column, "_mark"], how="left", nulls_equal=True, maintain_order="left")
    out = frame.hstack(extra.drop(column, "_mark"))
    problems: list[Problem] = []
    bad = out.filter(pl.col("_value_code").is_not_null() & pl.col(column).is_not_null())
    for value, error, code, file, line in bad.select(column, "_value_error", "_value_code", file_column,
                                                     line_column).iter_rows():
        problems.append(problem(code, file=file, line=line, column=column_number,
                                field=column, value=value, reason=error))
    vague = out.filter(pl.col("qualifier") == "vague")
    for value, file, line in vague.select(column, file_column, line_column).iter_rows():
        problems.append(problem("value-vague", file=file, line=line, column=column_number,
                                field=column, value=value))
    return out.drop("_value_error", "_value_code"), problems
