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
