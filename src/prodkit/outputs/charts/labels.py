"""The text of the charts: figures, multiples, dates, measures, as a reader writes them."""

from __future__ import annotations

import re
from datetime import date, timedelta


def fmt_number(x: float | None, digits: int = 4) -> str:
    """A figure as a reader writes it: no exponent, no trailing zeros.

    >>> [fmt_number(v) for v in (102.0, 6.25, 0.006, 7657.142857, 5_000_000.0, None)]
    ['102', '6.25', '0.006', '7657', '5 million', '']
    """
    if x is None:
        return ""
    if abs(x) >= 1e6:
        return f"{x / 1e6:.{digits}g} million"
    text = f"{x:.{digits}g}"
    if "e" in text:
        text = f"{x:.{max(digits, 6)}f}".rstrip("0").rstrip(".")
    return text


def fmt_multiple(low_pct: float | None, high_pct: float | None) -> str:
    """A multiple of the norm from a percentage range: ``×17``, ``×14.6–17``, ``×0.53``.

    >>> [fmt_multiple(*p) for p in ((1700.0, 1700.0), (1457.14, 1700.0), (53.0, 53.0), (100.6, 100.6))]
    ['×17', '×14.6–17', '×0.53', '×1.01']
    """
    def one(pct: float) -> str:
        m = pct / 100
        if m >= 100:
            return f"{m:.0f}"
        return f"{m:.3g}" if m >= 1 else f"{m:.2g}"

    if low_pct is None and high_pct is None:
        return ""
    low, high = (low_pct if low_pct is not None else high_pct), (high_pct if high_pct is not None else low_pct)
    a, b = one(low), one(high)
    return f"×{a}" if a == b else f"×{a}–{b}"


def date_span(text: str | None) -> tuple[str, str, str] | None:
    """(first day, last day, middle day) of a partial ISO date or interval.

    >>> date_span("1935")
    ('1935-01-01', '1935-12-31', '1935-07-02')
    >>> date_span("1935-09"), date_span("1935-08-31")
    (('1935-09-01', '1935-09-30', '1935-09-15'), ('1935-08-31', '1935-08-31', '1935-08-31'))
    >>> date_span("1933/1937")[:2], date_span(None), date_span("c. 1935")
    (('1933-01-01', '1937-12-31'), None, None)
    """
    if not text:
        return None
    parts = str(text).split("/")
    try:
        first, last = _bounds(parts[0])[0], _bounds(parts[-1])[1]
    except ValueError:
        return None
    mid = first + (last - first) / 2
    return first.isoformat(), last.isoformat(), mid.isoformat()


def _bounds(part: str) -> tuple[date, date]:
    if re.fullmatch(r"\d{4}", part):
        y = int(part)
        return date(y, 1, 1), date(y, 12, 31)
    if re.fullmatch(r"\d{4}-\d{2}", part):
        y, m = map(int, part.split("-"))
        first = date(y, m, 1)
        return first, date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", part):
        day = date.fromisoformat(part)
        return day, day
    raise ValueError(part)


def measure_label(measure: str | None) -> str:
    """``coal_hewn`` -> ``coal hewn``."""
    return (measure or "").replace("_", " ")


def shorten(text: str | None, limit: int = 40) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def range_text(low: float, high: float) -> str:
    """``6``, or ``6–7`` for a range: the figures as :func:`fmt_number` writes them."""
    return fmt_number(low) if low == high else f"{fmt_number(low)}–{fmt_number(high)}"


def measure_unit_label(measure: str | None, unit: str) -> str:
    """``coal_hewn``, ``t`` -> ``coal hewn (t)``; the measure alone when there is no unit."""
    return f"{measure_label(measure)} ({unit})" if unit else measure_label(measure)


#: Units written as words of three letters or more that are symbols all the same: never made plural.
UNIT_SYMBOLS = {"min", "rpm", "sec", "kph", "mph"}
#: Count nouns English does not make plural with -s.
IRREGULAR_PLURALS = {"person": "people", "man": "men", "woman": "women"}


def unit_words(unit: str | None, count: float | None = None) -> str:
    """A unit as a label writes it after ``count``: a count noun made plural unless the count is one;
    a symbol (``t``, ``km/h``, ``q/ha``, ``%``, ``min``) as it is.

    Only units written as English words (lower-case letters, ``_`` between
    words) are counted nouns; ``column_of_print`` is made plural in its head
    noun.

    >>> [unit_words(u, 675) for u in ("part", "pair", "person", "storey", "column_of_print", "t", "km/h", "min")]
    ['parts', 'pairs', 'people', 'storeys', 'columns of print', 't', 'km/h', 'min']
    >>> unit_words("part", 1), unit_words("loom", None), unit_words("", 3)
    ('part', 'looms', '')
    """
    unit = unit or ""
    if not re.fullmatch(r"[a-z]{3,}(_[a-z]+)*", unit) or unit in UNIT_SYMBOLS:
        return unit
    head, _, rest = unit.partition("_")
    if count != 1:
        head = IRREGULAR_PLURALS.get(head) or _plural(head)
    return " ".join([head, *rest.split("_")]) if rest else head


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def fmt_grouped(x: float | None) -> str:
    """:func:`fmt_number` with thousands set off by commas, as a journal prints a figure in text.

    >>> [fmt_grouped(v) for v in (1050.0, 675.0, 4500.0, 12345.6, 6.25, 5_000_000.0)]
    ['1,050', '675', '4,500', '12,345.6', '6.25', '5 million']
    """
    text = fmt_number(x)
    whole, dot, frac = text.partition(".")
    if re.fullmatch(r"-?\d{4,}", whole):
        whole = f"{int(whole):,}"
    return whole + dot + frac


def fmt_quantity(low: float | None, high: float | None = None, unit: str | None = "", sep: str = " ") -> str:
    """A figure or a range with its unit, as a label writes it: ``1,050 parts``, ``6–7 t``, ``1 loom``.

    ``sep`` goes between the figure and its unit (a no-break space keeps them on one line).

    A multiple (unit ``×``) is written as one: ``×1.82``.

    >>> fmt_quantity(1050.0, unit="part"), fmt_quantity(6.0, 7.0, "t"), fmt_quantity(1.0, 1.0, "loom")
    ('1,050 parts', '6–7 t', '1 loom')
    >>> fmt_quantity(1.82, unit="×"), fmt_quantity(2.0, 3.0, "×")
    ('×1.82', '×2–3')
    """
    high = low if high is None else high
    figure = fmt_grouped(low) if low == high else f"{fmt_grouped(low)}–{fmt_grouped(high)}"
    if unit == "×":
        return f"×{figure}"
    words = unit_words(unit, low if low == high else None)
    return f"{figure}{sep}{words}" if words else figure
