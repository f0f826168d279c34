"""Figures in running text: a number, its range, hedge and scale, and the unit phrase after it.

The grammar is prodkit's own: a figure is read by :func:`prodkit.values.parse_figure`
(digits under either decimal mark, number words through :mod:`prodkit.numbers`),
and the words after it by :func:`prodkit.units.reading.read_unit` with the
shipped lexicon and the table of whole phrases. The longest run of words that
the unit grammar reads is the unit; a figure whose following words are no
unit is kept only when the sentence says what it is (a norm of the figure
before it, a list that ends in a unit, a figure compared with one that has a
unit). A year, a day of a month, a page or an archival reference (f., o., d.,
l., p., No.) is never a candidate.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from ..errors import UnitError
from ..numbers import scale_of
from ..units.reading import COUNT_UNITS, Lexicon, Reading, read_unit
from ..values import MULTIPLE_WORDS, QUALIFIER_WORDS, FigureError, parse_figure
from .text import BREAK, FILLER

_SP = r"[ \t\u00a0\u202f\u2009" + FILLER + r"]"
_DIGITS = r"\d{1,3}(?:[\u00a0\u202f\u2009 ]\d{3})+(?![\d.,]\d)|\d+(?:[.,]\d+)*"
_FRACTION = r"(?:" + _SP + r"?[½¼¾⅓⅔⅛])?"

#: Cardinal number words (English, Russian, Ukrainian, German, French): a run of them is read by prodkit.numbers.
NUMBER_WORDS = sorted("""
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen
nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion dozen
один одна одно одного одной два две двух трёх трех три четыре четырёх четырех пять пяти шесть шести семь семи
восемь восьми девять девяти десять десяти одиннадцать двенадцать пятнадцать двадцать двадцати тридцать тридцати
сорок сорока пятьдесят пятидесяти шестьдесят семьдесят восемьдесят девяносто сто ста двести двухсот триста трехсот
четыреста пятьсот пятисот шестьсот семьсот восемьсот девятьсот тысяча тысячи тысяч тысячу миллион миллиона
миллионов полтора полторы
дві три чотири п'ять шість сім вісім дев'ять десять двадцять тридцять сорок п'ятдесят сто двісті тисяча тисячі тисяч
zwei drei vier fünf sechs sieben acht neun zehn zwölf zwanzig dreißig vierzig fünfzig hundert tausend
deux trois quatre cinq sept huit neuf dix douze vingt trente quarante cinquante cent mille
""".split(), key=len, reverse=True)


def _trie(words) -> str:
    """One regex for many words, as a trie ("six(?:t(?:een|y))?"): an alternation of 150 words tried at every
    character costs ten times more."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        alts = [re.escape(k) + build(v) for k, v in sorted(node.items()) if k]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if ends else body

    return "(?:" + build(root) + ")"


_NUMBER_WORD = _trie(sorted({w.lower() for w in NUMBER_WORDS}))
_WORD_RUN = (r"(?<![\w'’-])" + _NUMBER_WORD + r"(?:(?:-|" + _SP + r"+(?:and" + _SP + r"+|и" + _SP + r"+)?)"
             + _NUMBER_WORD + r")*(?![\w'’])")
_MULTIPLE = r"(?<![\w-])" + _trie(sorted(w for w in MULTIPLE_WORDS if " " not in w)) + r"(?![\w-])"
_START = re.compile(r"(?P<digits>(?<![\w.,/-])" + _DIGITS + r")" + r"|(?P<words>" + _WORD_RUN + r")"
                    r"|(?P<multiple>" + _MULTIPLE + r")", re.I)
_SCALE = re.compile(_SP + r"+(?P<w>thousand|million|billion|тыс\.|тысяч[аиу]?|млн\.?|млрд\.?|миллион(?:а|ов)?|"
                    r"Mio\.|Mrd\.|Tsd\.|Millionen|millions?|milliards?|mille)(?![\w])", re.I)
_RANGE = re.compile(_SP + r"*(?:[-–—‒−]|" + _SP + r"(?:to|до|bis|à|or|или)" + _SP + r")" + _SP + r"*(?P<n>"
                    + _DIGITS + r")" + _FRACTION, re.I)
_WORD_RANGE = re.compile(_SP + r"*(?:-|–|—|" + _SP + r"(?:to|or|до|или)" + _SP + r")" + _SP + r"*(?P<n>"
                         + _WORD_RUN + r")", re.I)
_OPENERS = re.compile(r"(?:from|between|от|від|von|zwischen|de|entre)" + _SP + r"+$", re.I)
_QUALIFIER = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in sorted(QUALIFIER_WORDS, key=len,
                                                                                   reverse=True))
                        + r")" + _SP + r"*(?:в|на|by|of" + _SP + r"+)?" + _SP + r"*$", re.I)
_MORE_DIGITS = re.compile(_SP + r"+(?:" + _DIGITS + r")")
_QUALIFIER_SET = {w.lower() for w in QUALIFIER_WORDS}
_QUALIFIER_LONGEST = max(len(w.split()) for w in QUALIFIER_WORDS) + 1
_TOKEN = re.compile(r"[^\s" + FILLER + r"]+")
_HEDGE_TAIL = {"в", "на", "by", "of"}
_HEDGE_LAST_WORDS = {w.split()[-1] for w in _QUALIFIER_SET} | _HEDGE_TAIL
_REFERENCE_WORDS = {"f.", "o.", "d.", "l.", "p.", "pp.", "ll.", "no.", "nos.", "vol.", "ch.", "op.", "ф.", "оп.", "д.",
                    "л.", "с.", "стр.", "т.", "tom.", "fol.", "№", "§", "#", "p.p."}


def _hedge_before(before: str) -> re.Match | None:
    """The hedge that ends right before a figure ("about", "more than", "не менее", "~"), as a match on ``before``.

    Read from the last words rather than by a regex anchored at the end, which would be tried at every
    position of the window (the figure finder's hot loop).
    """
    tail = before[-60:]
    last = tail.rstrip(" \t\u00a0\u202f\u2009" + FILLER)
    if not last:
        return None
    if last[-1] not in "~≈" and last.rsplit(None, 1)[-1].lower() not in _HEDGE_LAST_WORDS:
        return None  # the common case, decided without building the phrases
    offset = len(before) - len(tail)
    tokens = list(_TOKEN.finditer(tail))
    if not tokens:
        return None
    if tokens[-1].group(0)[-1] in "~≈":
        return re.compile(r"[~≈]" + _SP + r"*$").search(before, offset + tokens[-1].end() - 1)
    for k in range(min(_QUALIFIER_LONGEST, len(tokens)), 0, -1):
        words = [t.group(0) for t in tokens[-k:]]
        first = words[0].lstrip("([“\"«")
        lead = len(words[0]) - len(first)
        words[0] = first
        phrase = " ".join(words).lower()
        short = " ".join(words[:-1]).lower() if k > 1 and words[-1].lower() in _HEDGE_TAIL else None
        if phrase in _QUALIFIER_SET or (short and short in _QUALIFIER_SET):
            start = offset + tokens[-k].start() + lead
            if start > 0 and (before[start - 1].isalnum()):
                continue
            return re.compile(r".*", re.S).match(before, start)
    return None


def _reference_before(before: str) -> bool:
    """Does a page, issue or archival reference end right before the figure (f.85, p. 3, No.37, № 5)?"""
    tail = before[-12:].lower()
    m = re.search(r"(\S+)[ \t\u00a0" + FILLER + r"]*$", tail)
    if not m:
        return False
    word = m.group(1).lstrip("([,;")
    if word in _REFERENCE_WORDS:
        return True
    word = re.split(r"[,;(]", word)[-1]  # "(no." "l.12;" "d.633,"
    return word in _REFERENCE_WORDS


_REFERENCE = re.compile(r"(?:(?<![\w])(?:[fodlp]|pp|ll|no|nos|vol|ch|op|ф|оп|д|л|с|стр|т|tom|fol|№|p\.\s?p)\.?"
                        r"|№|§|#)" + _SP + r"*$", re.I)
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[яй]|июн[ья]|"
           r"июл[ья]|августа?|сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья]|січня|лютого|березня|квітня|травня|"
           r"червня|липня|серпня|вересня|жовтня|листопада|грудня|januar|februar|märz|mai|juni|juli|oktober|"
           r"dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre)")
_MONTH_AFTER = re.compile(r"(?:/\d{1,2})?" + _SP + r"+" + _MONTHS + r"\b", re.I)
_MONTH_BEFORE = re.compile(r"\b" + _MONTHS + r"\.?" + _SP + r"+(?:\d{1,2}," + _SP + r"*)?$", re.I)
_CLOCK = re.compile(_SP + r"*(?:a\.?m\.?|p\.?m\.?|o'clock|o’clock|h\d\d|:\d\d)(?![\w])", re.I)
#: The words after a figure that may be its unit: letters, %, / and the apostrophes of "rubles’".
_UNIT_WORD = re.compile(r"(?:" + _SP + r"|[$*_])*(?P<w>%|/|[“”\"«»]?[^\W\d_](?:(?![⁰¹²³⁴⁵⁶⁷⁸⁹])[\w’'/.\-“”\"«»])*(?<![/]))")
_BRACKET_UNIT = re.compile(_SP + r"*\[(?P<u>[^\W\d_][^\]\[\d]{0,30})\]")
_BRACKET_OPEN = re.compile(_SP + r"*[\[(]" + _SP + r"*")
_HYPHEN_WORD = re.compile(r"-(?P<w>[^\W\d_][\w’']*)")
#: Words that end a unit phrase: a verb or a pronoun is never part of a unit ("% of citizens who rejected").
_NEVER_IN_UNIT = {"is", "was", "were", "are", "be", "been", "has", "had", "have", "that", "which", "who", "whom",
                  "whose", "no", "not", "from", "on", "than", "as", "with", "at", "into", "after", "before", "while",
                  "when", "where", "if", "but", "also", "only", "would", "will", "could", "this", "these", "those",
                  "its", "his", "her", "their", "our", "my", "your", "it", "he", "she", "they", "we", "i", "you",
                  "under", "against", "instead", "compared", "over", "up", "more", "less", "then", "there", "here",
                  "declared", "such", "one", "under", "под", "что", "который", "которые", "не", "от", "из", "для",
                  "как", "против", "вместо", "и", "а", "но", "он", "она", "они", "же", "был", "была", "было",
                  "были", "ist", "war", "sind", "und", "est", "était", "sont", "et", "que", "qui"}
_STOP_UNIT = {"and", "or", "of", "in", "a", "an", "the", "to", "by", "on", "at", "for", "и", "в", "на", "с", "по"}


@dataclass
class Found:
    """One figure found in a sentence (offsets into the whole text)."""

    start: int
    end: int  # end of the figure and its unit
    value: str  # the figure as written, hedge and scale included
    unit: str  # the unit as written ("" when the sentence gave none)
    reading: Reading | None
    low: float | None
    high: float | None
    cue: str  # what made it a candidate
    confidence: float
    value_end: int = 0
    flags: list[str] = field(default_factory=list)
    inherited_from: int | None = None  # index of the figure whose unit it takes
    bracket: bool = False  # in brackets right after another figure: the carrier's own conversion
    converts: "Found | None" = field(default=None, repr=False)  # the figure a bracketed conversion converts


@functools.lru_cache(maxsize=65536)
def read_unit_phrase(phrase: str) -> tuple[Reading | None, bool]:
    """(reading, guessed): the unit grammar's reading of a phrase, or (None, False).

    ``guessed`` is True when the phrase was read only as a count of the noun it names ("largest industries").
    """
    from ..units.registry import builtin_aliases

    key = re.sub(r"\s+", " ", phrase.strip().lower()).rstrip(".")
    alias = builtin_aliases().get(key)
    if alias is not None and not alias.unit.startswith("!"):
        return Reading(alias.unit, "alias", note=alias.note), False
    if alias is not None:
        return None, False
    lexicon = Lexicon.shipped()
    for counts in (False, True):
        try:
            return read_unit(phrase, lexicon, counts=counts), counts
        except UnitError:
            continue
        except ValueError:  # a phrase the grammar trips on ("per the norm"): no unit, never a crash
            return None, False
    return None, False


@functools.lru_cache(maxsize=65536)
def _figure(text: str) -> tuple[float | None, float | None, bool]:
    """(low, high, ambiguous): a number read two ways under the two decimal marks ("30,543") has no low or high."""
    try:
        f = parse_figure(text)
    except FigureError:
        return None, None, False
    return f.low, f.high, f.qualifier == "ambiguous"


def _is_year(digits: str) -> bool:
    return bool(re.fullmatch(r"1[6-9]\d\d|20[0-4]\d", digits))


def find_figures(text: str, start: int, end: int) -> list[Found]:
    """Figures in ``text[start:end]`` (one sentence), in order."""
    found: list[Found] = []
    pos = start
    while True:
        m = _START.search(text, pos, end)
        if not m:
            break
        pos = m.end()
        fig = _read_at(text, m, end)
        if fig is None:
            continue
        found.append(fig)
        pos = max(pos, fig.end if fig.reading is not None else fig.value_end)
    _inherit_units(text, found, start, end)
    kept = [f for f in found if f.reading is not None]
    for prev, f in zip(kept, kept[1:]):
        if _BRACKET_OPEN.fullmatch(text[prev.end:f.start]) and not prev.bracket:
            f.bracket = True  # "523 quintals ... per hectare [~ 46 000 pounds per acre]": the carrier converts
            f.converts = prev
            f.flags.append("carrier-conversion")
    return kept


def _read_at(text: str, m: re.Match, end: int) -> Found | None:
    a, b = m.start(), m.end()
    before = text[max(0, a - 40):a]
    kind = "digits" if m.group("digits") else "words" if m.group("words") else "multiple"
    if kind == "digits":
        if _reference_before(before) or _MONTH_BEFORE.search(before[-18:]) or _MONTH_AFTER.match(text, b, end):
            return None
        if _CLOCK.match(text, b, end) or re.match(r"/\d", text[b:b + 2]) or re.search(r"\d[/:]$", before):
            return None
        frac = re.match(_FRACTION, text[b:end])
        b += len(frac.group(0)) if frac else 0
    hedge = _hedge_before(before)
    if hedge and kind == "words" and m.group(0)[:1].isupper() and hedge.group(0)[:1].islower():
        hedge = None  # "Changing Perceptions over Fifty Years": a title's words, not a hedge
    value_start = a - (len(hedge.group(0)) if hedge else 0)
    if hedge and re.match(r"(?:by|on)\b", hedge.group(0), re.I):  # "by 80%" says by how much: the figure is 80
        value_start = a
    ranged = (_RANGE if kind == "digits" else _WORD_RANGE).match(text, b, end) if kind != "multiple" else None
    if ranged and kind == "digits" and _is_year(m.group(0)):
        ranged = None  # "1932-33", "(1933-7)": years
    if ranged:
        opened = _OPENERS.search(before[-12:])
        if ranged.group(0).strip(" " + FILLER).startswith(("to", "до", "bis", "à")) and not opened:
            ranged = None
        elif opened:
            value_start = a - len(opened.group(0))
    if ranged:
        b = ranged.end()
    scale = _SCALE.match(text, b, end)
    while scale and scale_of(scale.group("w")) is not None:
        b = scale.end()  # "1 млн. 200 тыс.": a compound, its groups in descending scale
        more = _MORE_DIGITS.match(text, b, end)
        scale = _SCALE.match(text, more.end(), end) if more else None
    value = _clean(text[value_start:b])
    low, high, ambiguous = _figure(value)
    if low is None and high is None and not ambiguous:
        if hedge:  # a hedge the figure grammar does not take with this number: the number alone
            value_start, value = a, _clean(text[a:b])
            low, high, ambiguous = _figure(value)
        if low is None and high is None and not ambiguous:
            return None
    if kind == "multiple":
        return _multiple(text, a, b, value, low, high, end)
    unit_end, phrase, reading, guessed = _unit_after(text, b, end)
    if kind == "digits" and not ranged and _is_year(m.group(0)) and (
            reading is None or guessed or reading.expr in ("person", "year", "day", "item")
            or len(phrase.rstrip(".")) < 3):
        return None  # "1935 g.", "in 1937 workers": a year
    if kind == "words" and reading is not None and (
            re.fullmatch(r"one|a|an|один|одна|одно|eins|un", m.group(0), re.I) and not hedge
            and (guessed or _counts(reading))
            or re.match(r"year" + _SP + r"*plan|-year", text[b:b + 12].lstrip(" -" + FILLER), re.I)):
        reading = None  # "one article", "One Stakhanovite driller": the article, not a figure; "Five Year Plan"
    if kind == "words" and reading is None:
        factor = re.search(r"(?:a|by a)" + _SP + r"+factor" + _SP + r"+of" + _SP + r"*$", before, re.I)
        if not factor:
            return None
        return Found(a, b, value, "times", Reading("times", "alias", ratio="times"), low, high,
                     "a factor of", 0.7, b)
    if reading is None:
        return Found(value_start, b, value, "", None, low, high, "", 0.0, b,
                     flags=["ambiguous-number"] if ambiguous else [])
    cue = "unit read by the lexicon" if not guessed else "a count of the noun after the figure"
    confidence = 0.9 if not guessed else 0.5
    if kind == "words":
        confidence -= 0.1
        cue = "written-out number and " + cue
    flags = (["unit-guessed"] if guessed else []) + (["ambiguous-number"] if ambiguous else [])
    return Found(value_start, unit_end, value, phrase, reading, low, high, cue, round(confidence, 2), b,
                 flags=flags)


def _counts(reading: Reading) -> bool:
    return reading.expr.startswith("count:") or reading.expr in COUNT_UNITS or reading.expr in ("item", "person")


def _multiple(text, a, b, value, low, high, end) -> Found | None:
    """"twice the norm", "double his output": a multiple said in one word, kept only beside a norm or output."""
    after = text[b:min(end, b + 40)].lower()
    if not re.match(r"\W*(?:\w+\W+){0,3}?(?:norm|quota|plan|output|production|норм|план|выработ|добыч)", after):
        return None
    return Found(a, b, value, "times", Reading("times", "alias", ratio="times"), low, high,
                 "a multiple said in a word, beside a norm or output", 0.6, b)


def _unit_after(text: str, b: int, end: int) -> tuple[int, str, Reading | None, bool]:
    """The longest run of words after offset ``b`` that the unit grammar reads: (end, phrase, reading, guessed)."""
    bracket = _BRACKET_UNIT.match(text, b, end)
    if bracket:  # "4 ½ thousand [tons]": the carrier supplies the unit
        reading, guessed = read_unit_phrase(bracket.group("u"))
        if reading is not None and not guessed:
            return bracket.end(), bracket.group("u"), reading, False
    spans: list[tuple[int, int]] = []
    hyphen = _HYPHEN_WORD.match(text, b, end)
    pos = b
    if hyphen:  # "six-hour shift", "200-percenters", "Five-Story"
        word = hyphen.group("w")
        if re.match(r"percent", word, re.I):
            return hyphen.end(), "percent", Reading("percent", "alias", ratio="percent"), False
        spans.append((hyphen.start("w"), hyphen.end("w")))
        pos = hyphen.end()
    while len(spans) < 7:
        w = _UNIT_WORD.match(text, pos, end)
        if not w or (not spans and text[b:w.start("w")].strip(" \t\u00a0" + FILLER + "$*_") != ""):
            break
        if BREAK in text[pos:w.start("w")] or "\n\n" in text[pos:w.start("w")]:
            break
        word = w.group("w")
        if word.lower().strip("“”\"«»") in _NEVER_IN_UNIT:
            break
        if word.endswith(".") and len(word) > 5 and word[:-1].isalpha() and word[0].islower() is False:
            word = word[:-1]
        spans.append((w.start("w"), w.start("w") + len(word)))
        pos = w.start("w") + len(word)
        if word == "%" and len(spans) == 1:
            continue
    longest = None
    for n in range(len(spans), 0, -1):
        words = [text[s:e] for s, e in spans[:n]]
        if words[-1].lower().rstrip(".") in _STOP_UNIT:
            continue
        phrase = _clean(text[spans[0][0]:spans[n - 1][1]]).rstrip("”\"»")
        if phrase.endswith(".") and read_unit_phrase(phrase[:-1])[0] is not None:
            phrase = phrase[:-1]  # the sentence's full stop, not an abbreviation's ("проц." keeps it)
        if hyphen and n == 1 and not re.fullmatch(r"[^\W\d_]+", phrase):
            continue
        reading, guessed = read_unit_phrase(phrase)
        if reading is None:
            continue
        if guessed and (words[0][:1].isupper() and n == 1 and not words[0].isupper()):
            continue  # "1935 Stakhanovites" is read; "12 Moscow" is no count
        if longest is None:
            longest = (spans[0][0] + len(phrase), phrase, reading, guessed)
        elif (reading.expr, reading.scale) != (longest[2].expr, longest[2].scale):
            break
        else:  # the shortest phrase that reads as the longest does: "tons" of "tons of coal in a shift"
            longest = (spans[0][0] + len(phrase), phrase, replace(reading, commodity=longest[2].commodity or
                                                         reading.commodity), guessed)
    if longest is not None:
        return longest
    return b, "", None, False


def _clean(span: str) -> str:
    return re.sub(r"[ \t\u00a0\u202f\u2009\n]+", " ", span.replace(FILLER, "").replace(BREAK, " ")).strip(
        " $*_")


_NORM_BEFORE = re.compile(r"(?:norm|quota|норм\w*|plan|norme|Norm)" + _SP + r"+(?:of|was|of only|в|из)?"
                          + _SP + r"*$", re.I)
_COMPARED_BEFORE = re.compile(r"(?:against|instead of|compared to|compared with|out of|против|вместо|из|gegen|"
                              r"contre)"
                              + _SP + r"+$", re.I)
_SERIES_ITEM = re.compile(r"(?:1[6-9]\d\d|20[0-4]\d)" + _SP + r"*[–—]" + _SP + r"*$")
_PERCENT_WORDS = re.compile(r"percentage|per ?cent|процент|відсот|Prozent|pourcentage", re.I)
_LIST_GAP = re.compile(_SP + r"*(?:,|,?" + _SP + r"+(?:and|и|or|und|et))" + _SP + r"*(?:finally,?" + _SP + r"*)?",
                       re.I)
_COMPARED = re.compile(r"^" + _SP + r"*(?:against|instead of|compared to|compared with|против|вместо|"
                       r"а не|gegen|contre)" + _SP, re.I)


def _inherit_units(text: str, found: list[Found], start: int, end: int) -> None:
    """A figure with no unit of its own takes one the sentence gives it.

    - "1050 shaft parts against a norm of 675": the norm is in shaft parts;
    - "200, 300, 400, and finally, 552 tons": every figure of the list is in tons;
    - "1,59 против 3 минут": the figure compared is in minutes.
    """
    for i, f in enumerate(found):  # the figure before gives the unit to "a norm of 675", "instead of 3 thousand"
        if f.reading is not None:
            continue
        before = text[max(start, f.start - 30):f.start]
        if _NORM_BEFORE.search(before) or _COMPARED_BEFORE.search(before):
            prev = next((j for j in range(i - 1, -1, -1) if found[j].reading is not None), None)
            if prev is not None and found[prev].end <= f.start:
                cue = "the norm of the figure before it" if _NORM_BEFORE.search(before) else \
                    "compared with the figure before it"
                _take(f, found[prev], prev, cue, 0.7)
    for f in found:  # "November 1, 1935 – 6.0; January 1, 1936 – 18.9" after "the percentage of workers"
        if f.reading is None and _SERIES_ITEM.search(text, max(start, f.start - 12), f.start) and \
                _PERCENT_WORDS.search(text, max(0, f.start - 400), f.start):
            f.reading, f.unit, f.cue, f.confidence = Reading("percent", "alias", ratio="percent"), "%", \
                "a dated series after a word for percentage", 0.5
            f.end = f.value_end
            f.flags.append("unit-from-context")
    for i in range(len(found) - 1, -1, -1):  # the figure after gives it to a list and to a comparison
        f = found[i]
        if f.reading is not None or i + 1 >= len(found) or found[i + 1].reading is None:
            continue
        between = text[f.value_end:found[i + 1].start]
        if _LIST_GAP.fullmatch(between):
            _take(f, found[i + 1], i + 1, "a list that ends in a unit", 0.6)
        elif _COMPARED.match(between) and len(between) < 25:
            _take(f, found[i + 1], i + 1, "compared with a figure that has a unit", 0.6)


def _take(f: Found, other: Found, index: int, cue: str, confidence: float) -> None:
    f.reading, f.unit, f.cue, f.confidence, f.inherited_from = other.reading, other.unit, cue, confidence, index
    f.end = f.value_end
    f.flags.append("unit-from-context")
