"""One number as sources write it: "1 515", "102,5", "1.400", "сорок", "vierzehn", "1 млн. 593 тысячи".

- **Digits.** Spaces (any kind) group thousands. A number with both a point and a
  comma uses the last as its decimal mark ("1.400,5", "1,400.5"); one mark used
  several times groups thousands ("1.400.000"). A single point or comma
  followed by exactly three digits ("1.400", "542.000", "1,400") is a thousands
  group in one convention and a decimal in the other: it follows the decimal
  mark the ledger or the source declares, and without one it is
  :class:`AmbiguousNumber`, which names both readings. Any other comma is a
  decimal comma ("102,5", "0,006"); any other point a decimal point.
- **Words.** Russian and Ukrainian number words are read by number-parser
  (any case: "сорока", "двух"), English, German and French ones by text2num
  ("fourteen", "einhundertzwei", "soixante et onze"); halves are added
  ("two and a half", "полтора", "fünfeinhalb").
- **Scale words** multiply, by base form in every language ("млн.", "тысячи",
  "мільйонів", "Mio.", "Mill.", "Mrd.", "68m"); a billion is 10^9, as in
  Soviet and modern English sources (German "Billionen", 10^12, is refused).
  Groups with descending scales add up: "1 млн. 593 тысячи" is 1,593,000.

>>> read_number("1 млн. 593 тысячи")
1593000.0
>>> read_number("сорок")
40.0
>>> read_number("1.400", decimal_mark=",")
1400.0
>>> read_number("1.400")
Traceback (most recent call last):
...
prodkit.numbers.AmbiguousNumber: '1.400' is 1.4 with a decimal point or 1400 with a point grouping thousands
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .words import is_cyrillic, lemmas


class NumberError(ValueError):
    """Not a number prodkit can read; the message says why."""


class AmbiguousNumber(NumberError):
    """A number that reads two ways under the two decimal conventions: both readings are kept."""

    def __init__(self, text: str, point: float, comma: float):
        self.text, self.point, self.comma = text, point, comma
        sep = "point" if "." in text else "comma"
        as_decimal, as_group = (point, comma) if sep == "point" else (comma, point)
        super().__init__(f"'{text}' is {as_decimal:.15g} with a decimal {sep} or {as_group:.15g} with a {sep} "
                         "grouping thousands")


#: Decimal marks a ledger or a source may declare.
DECIMAL_MARKS = (".", ",")

#: Scale words by base form (lower case, no dot).
SCALES = {
    "hundred": 1e2, "сто": 1e2, "hundert": 1e2, "cent": 1e2,
    "thousand": 1e3, "тысяча": 1e3, "тыс": 1e3, "тис": 1e3, "тисяча": 1e3, "tausend": 1e3,
    "tsd": 1e3, "mille": 1e3, "ezer": 1e3, "tuhat": 1e3,
    "million": 1e6, "mln": 1e6, "mn": 1e6, "mil": 1e6, "mill": 1e6, "mio": 1e6, "миллион": 1e6,
    "мільйон": 1e6, "млн": 1e6, "millió": 1e6, "miljoona": 1e6,
    "billion": 1e9, "bn": 1e9, "миллиард": 1e9, "мільярд": 1e9, "млрд": 1e9, "milliarde": 1e9, "mrd": 1e9,
    "milliard": 1e9, "mds": 1e9, "milliárd": 1e9, "miljardi": 1e9,
}
#: Scale letters joined to a number, as the English press writes them ("68m", "5bn", "20k"); a letter on its
#: own ("64 m") could be a metre and is not read.
_SUFFIXES = {"k": 1e3, "m": 1e6, "bn": 1e9, "mn": 1e6}
#: Scale words refused: they are 10^12 in German and 10^9 in English.
REFUSED_SCALES = {"billionen": "German 'Billionen' are 10^12: write the figure in full or in Milliarden"}
#: Halves and fractions written as words.
HALVES = {"полтора": 1.5, "полторы": 1.5, "півтора": 1.5, "півтори": 1.5, "anderthalb": 1.5, "eineinhalb": 1.5}
_HALF_SUFFIX = re.compile(r"\s*(?:and a half|и половина|з половиною|et demi|einhalb|½)$")
_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 0.125, "⅜": 0.375,
              "⅝": 0.625, "⅞": 0.875, "⅕": 0.2, "⅖": 0.4, "⅗": 0.6, "⅘": 0.8, "⅙": 1 / 6, "⅚": 5 / 6}
#: Number words the libraries do not read, or read in another sense.
_WORDS = {"a": 1, "an": 1, "one": 1, "single": 1, "zero": 0, "dozen": 12, "a dozen": 12, "half": 0.5,
          "a half": 0.5, "one half": 0.5, "a third": 1 / 3, "one third": 1 / 3, "two thirds": 2 / 3,
          "two-thirds": 2 / 3, "a quarter": 0.25, "one quarter": 0.25, "three quarters": 0.75, "a fifth": 0.2,
          "a tenth": 0.1, "a twelfth": 1 / 12, "ein viertel": 0.25, "ein drittel": 1 / 3, "all": 1, "none": 0,
          "odin": 1, "dva": 2, "dve": 2, "tri": 3, "chetyre": 4, "piat'": 5, "shest'": 6, "sem'": 7,
          "vosem'": 8, "deviat'": 9, "desiat'": 10, "sto": 100, "tysiacha": 1000}

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u2007]+")
_DIGITS = re.compile(r"\d[\d\s\u00a0\u2009\u202f\u2007.,]*")
_GROUP3 = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")


def scale_of(word: str) -> float | None:
    """The factor of a scale word in any of its forms ("млн.", "тысячи", "Millionen"), or None."""
    low = word.lower().rstrip(".")
    if low in REFUSED_SCALES:
        raise NumberError(REFUSED_SCALES[low])
    if low in SCALES:
        return SCALES[low]
    if len(low) < 3:
        return None
    for base in sorted(lemmas(low)):
        if base in SCALES:
            return SCALES[base]
    return None


def digits(text: str, decimal_mark: str | None = None) -> float:
    """A number written in digits, under the rules above (``decimal_mark``: "." or "," when declared)."""
    t = _SPACES.sub(" ", text.strip())
    if " " in t:
        groups = t.split(" ")
        if not (re.fullmatch(r"\d{1,3}", groups[0]) and all(re.fullmatch(r"\d{3}", g) for g in groups[1:-1])
                and re.fullmatch(r"\d{3}(?:[.,]\d+)?", groups[-1])):
            raise NumberError(f"'{text}' has spaces that are not thousands separators")
        t = "".join(groups)
    if "." in t and "," in t:
        decimal = "." if t.rfind(".") > t.rfind(",") else ","
        group = "," if decimal == "." else "."
        head, tail = t.rsplit(decimal, 1)
        if not re.fullmatch(r"[1-9]\d{0,2}(?:" + re.escape(group) + r"\d{3})+|0", head) or not tail.isdigit():
            raise NumberError(f"'{text}' mixes points and commas in a way that can be read two ways")
        if len(tail) == 3 and (decimal_mark is None or tail == "000"):
            # "152,500.000": a figure is rarely given to three decimal zeros; a mistyped group is likelier
            grouped = float(head.replace(group, "") + tail)
            raise AmbiguousNumber(text, *((float(head.replace(group, "") + "." + tail), grouped)
                                          if decimal == "." else (grouped, float(head.replace(group, "") + "." + tail))))
        return float(head.replace(group, "") + "." + tail)
    for sep in ".,":
        if t.count(sep) > 1:  # a mark used several times groups thousands
            if not re.fullmatch(r"[1-9]\d{0,2}(?:" + re.escape(sep) + r"\d{3})+", t):
                raise NumberError(f"'{text}' uses '{sep}' in a way that can be read two ways")
            return float(t.replace(sep, ""))
    if _GROUP3.fullmatch(t):
        point, comma = (float(t.replace(",", "")), float(t.replace(",", "."))) if "," in t else \
            (float(t), float(t.replace(".", "")))
        if decimal_mark is None:
            raise AmbiguousNumber(text, point, comma)
        return point if decimal_mark == "." else comma
    try:
        return float(t.replace(",", "."))
    except ValueError:
        raise NumberError(f"'{text}' is not a number") from None


@functools.lru_cache(maxsize=4096)  # a ledger repeats its words; the number libraries are slow to ask
def word_number(text: str) -> float | None:
    """A number written in words in Russian, Ukrainian, English, German or French, or None."""
    t = _SPACES.sub(" ", text.strip().lower()).replace("’", "'")
    if t in _WORDS:
        return float(_WORDS[t])
    if t in HALVES:
        return HALVES[t]
    half = _HALF_SUFFIX.search(t)
    if half and half.start() > 0:  # "two and a half"; "soixante et onze millions et demi" is 71.5 million
        head = t[:half.start()]
        base = word_number(head)
        last = scale_of(head.split(" ")[-1]) if " " in head else None
        return base + 0.5 * (last or 1.0) if base is not None else None
    if t.endswith("einhalb") and len(t) > len("einhalb"):  # "fünfeinhalb"
        base = word_number(t[: -len("einhalb")])
        return base + 0.5 if base is not None else None
    if not re.fullmatch(r"[^\d\W][\w' -]*", t):
        return None
    if is_cyrillic(t):
        from number_parser import parse_number

        for lang in ("ru", "uk"):
            value = parse_number(t.replace("'", "’") if lang == "uk" else t, language=lang)
            if value is None and lang == "uk":
                value = parse_number(t, language=lang)
            if value is not None:
                return float(value)
        return None
    from text_to_num import text2num

    for lang in ("en", "de", "fr"):
        try:
            return float(text2num(t, lang))
        except ValueError:
            continue
    return None


def read_number(text: str, decimal_mark: str | None = None) -> float:
    """One number: digits, words, fractions and scale words, groups with descending scales added up.

    Raises :class:`NumberError` (or :class:`AmbiguousNumber`) when it cannot be read for sure.
    """
    t = unicodedata.normalize("NFC", _SPACES.sub(" ", text.strip()))
    t = re.sub(r"(\d)\s*([½¼¾⅓⅔⅛⅜⅝⅞⅕⅖⅗⅘⅙⅚])", r"\1 \2", t)
    suffix = re.fullmatch(r"(\d[\d.,]*)(k|m|bn|mn)", t, re.I)  # "68m", "5bn": a suffix joined to its number
    if suffix:
        return digits(suffix.group(1), decimal_mark) * _SUFFIXES[suffix.group(2).lower()]
    t = re.sub(r"(\d)([a-zA-Zа-яА-ЯіїєґІЇЄҐ])", r"\1 \2", t)
    if not t:
        raise NumberError("a number is missing")
    if re.fullmatch(r"[\d.,]+(?: [\d.,]+)*", t):  # digits alone: their own rules and messages
        return digits(t, decimal_mark)
    whole = word_number(t)
    if whole is not None:
        return whole
    fraction = re.fullmatch(r"(\d+)\s*/\s*(\d+)", t)
    if fraction and int(fraction.group(2)) > 0:  # "1/4"
        return int(fraction.group(1)) / int(fraction.group(2))
    tokens = _tokens(t)
    total, current, last_scale, seen = 0.0, None, float("inf"), False
    for kind, token in tokens:
        if kind == "number":
            if current is not None:
                raise NumberError(f"'{text}' has two numbers side by side")
            current = digits(token, decimal_mark)
        elif kind == "fraction":
            current = (current or 0.0) + _FRACTIONS[token]
        elif kind == "words":
            value = word_number(token)
            if value is None:
                raise NumberError(f"'{token}' is not a number")
            if current is not None:
                raise NumberError(f"'{text}' has two numbers side by side")
            current = value
        else:  # a scale word
            factor = float(token)
            if factor >= last_scale:
                raise NumberError(f"'{text}' has its scale words out of order")
            total += (1.0 if current is None else current) * factor
            current, last_scale, seen = None, factor, True
    if current is not None:
        total += current
    elif not seen:
        raise NumberError(f"'{text}' is not a number")
    return total


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) pieces: number (digits with their groups), fraction, words (a run of number words), scale."""
    out: list[tuple[str, str]] = []
    words: list[str] = []

    def flush():
        if words:
            out.append(("words", " ".join(words)))
            words.clear()

    pos = 0
    for m in re.finditer(r"\d[\d.,]*(?:[\s\u00a0\u2009\u202f\u2007]\d{3}(?![\d]))*(?:[.,]\d+)?|[½¼¾⅓⅔⅛⅜⅝⅞⅕⅖⅗⅘⅙⅚]|[^\s\d½¼¾⅓⅔⅛⅜⅝⅞⅕⅖⅗⅘⅙⅚]+",
                         text):
        token = m.group(0)
        pos = m.end()
        if token[0].isdigit():
            flush()
            out.append(("number", token.rstrip(".,") if re.search(r"[.,]$", token) else token))
        elif token in _FRACTIONS:
            flush()
            out.append(("fraction", token))
        else:
            scale = scale_of(token)
            if scale is not None and not (words and word_number(" ".join(words + [token])) is not None
                                          and scale < 1e3):
                flush()
                out.append(("scale", repr(scale)))
            else:
                words.append(token)
    flush()
    del pos
    return out
