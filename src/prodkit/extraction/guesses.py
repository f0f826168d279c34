"""What a found figure most likely is: its statistic, its measure, its basis and the source its footnote cites.

Each guess comes from words the sentence itself holds and says so: the
candidate's ``guessed`` column names every field filled here, and its
``note`` the words that led to it. A field the text gives no cue for stays
empty. The subject is never guessed: a name is left for the historian (no
named-entity library that prodkit ships reads Russian and English names).
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

from .figures import Found

_CUES = [  # (statistic, pattern in the words before the figure, pattern in the words after it)
    ("norm", r"(?:norm|quota|норм[аеуы]?|норма выработки)\s+(?:of\s+|was\s+|в\s+)?(?:only\s+)?$", None),
    ("average", r"(?:average|averaged|on average|в среднем|durchschnittlich|en moyenne)\b[^.]{0,40}$",
     r"^[^.,;]{0,30}\b(?:on average|on the average|в среднем)"),
    ("maximum", r"(?:maximum of|max\.?|максимум|at most|наибольш\w*|максимальн\w*)[^.]{0,30}$",
     r"^[^.,;]{0,12}\b(?:maximum|максимум)"),
    ("target", r"(?:promised|target of|plan of|expected to|aim(?:ed)? (?:at|for)|ne menee|не менее|obligat\w+)"
               r"[^.]{0,25}$", None),
    ("record", r"(?:record|рекорд|hewed|hewn|produced|achieved|lasted|operated|harvested|plowed|ploughed|"
               r"managed|reached|cut|mined|forged|tended|добыл\w*|выработал\w*|выдал\w*|выполнил\w*|нарубил\w*|"
               r"вспахал\w*|собрал\w*|отковал\w*|обслужива\w*|рекорд\w*)\b[^.]{0,25}$",
     None),
]
_CUE_PATTERNS = [(statistic, re.compile(b, re.I), re.compile(a, re.I) if a else None) for statistic, b, a in _CUES]
_NORM_NEAR = re.compile(r"norm|quota|plan\b|норм|план|Norm|norme", re.I)
_PLANNED = re.compile(r"planned|projected|plan(?:ned)? of|запланирован|по плану|geplant|prévu", re.I)
_MORE_AFTER = re.compile(r"^\S*\s*(?:больше|выше|more than|higher than|mehr als|de plus)", re.I)
_GROWTH = re.compile(r"increase|increased|grew|growth|rose|risen|doubl|рост|увелич|выросл|wuchs|hausse", re.I)
_PERIODS = [("per shift", r"(?:per|a|in a|in one|each|in a single|за|в)\s+(?:shift|смену|Schicht)"),
            ("per day", r"(?:per|a|each|в|за)\s+(?:day|сутки|день|Tag)"),
            ("per hour", r"(?:per|an|each|в|за)\s+(?:hour|час|Stunde)")]
_PERIOD_PATTERNS = [(basis, re.compile(r"^[^.,;]{0,30}?\b" + p + r"\b", re.I)) for basis, p in _PERIODS]
_DURATIONS = {"hour", "day", "week", "month", "year", "minute", "second", "shift"}
_COUNTS = {"person", "item", "building", "column_of_print", "storey", "page"}


@dataclass
class Guess:
    statistic: str = ""
    measure: str = ""
    basis: str = ""
    why: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def _measures() -> list[tuple[str, str, set[str]]]:
    """(measure, canonical unit without spaces or brackets, its words) from prodkit's measures table."""
    out = []
    with (resources.files("prodkit") / "data" / "measures.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            words = set(re.findall(r"[a-z]{4,}", (row["measure"].replace("_", " ") + " " +
                                                  row.get("description", "")).lower()))
            out.append((row["measure"], re.sub(r"[()\s]", "", row["canonical_unit"]), {w[:5] for w in words}))
    return out


def _expr(found: Found) -> str:
    return re.sub(r"[()\s]", "", found.reading.expr if found.reading else "")


def guess(text: str, sentence_start: int, sentence_end: int, found: Found) -> Guess:
    """The statistic, measure and basis the words around ``found`` point to."""
    before = text[max(sentence_start, found.start - 60):found.start]
    after = text[found.end:min(sentence_end, found.end + 60)]
    g = Guess()
    why: list[str] = []
    ratio = found.reading.ratio_kind if found.reading else None
    expr = _expr(found)
    if found.bracket:
        g.statistic = "conversion"
        why.append("in brackets after another figure: the carrier's own conversion")
    elif ratio in ("percent", "times"):
        window = found.unit + " " + after[:30]
        if _NORM_NEAR.search(window) or _NORM_NEAR.search(before[-40:]):
            g.statistic = "pct_of_norm" if ratio == "percent" else "multiple_of_norm"
            why.append("a " + ("percentage" if ratio == "percent" else "multiple") + " beside 'norm'")
        elif _PLANNED.search(before[-25:]):
            g.statistic = "target"
            why.append("a planned or projected figure")
        elif _GROWTH.search(before[-40:]) or "factor" in before[-20:] or _MORE_AFTER.match(window):
            g.statistic = "growth"
            why.append("a " + ("percentage" if ratio == "percent" else "multiple") + " after a word of growth")
        elif ratio == "percent":
            g.statistic = "share"
            why.append("a percentage of a whole")
    elif "norm" in found.cue:
        g.statistic = "norm"
        why.append("'norm' before the figure")
    elif expr in _DURATIONS and not re.search(r"norm|норм", before[-20:], re.I):
        g.statistic = "duration"
        why.append("a time")
    else:
        for statistic, pattern_before, pattern_after in _CUE_PATTERNS:
            if pattern_before.search(before) or (pattern_after and pattern_after.search(after)):
                g.statistic = statistic
                why.append(f"'{statistic}' from the words around the figure")
                break
        if not g.statistic and expr in _DURATIONS:
            g.statistic = "duration"
            why.append("a time")
        elif not g.statistic and (expr in _COUNTS or expr.startswith("count:")):
            g.statistic = "count"
            why.append("a count of people or things")
    g.measure = _measure(text, sentence_start, sentence_end, found, expr)
    if g.measure:
        why.append(f"measure '{g.measure}' from the unit and the words of the sentence")
    if found.reading and "/" not in expr and expr not in _DURATIONS and ratio is None:
        for basis, pattern in _PERIOD_PATTERNS:
            if pattern.match(after):
                g.basis = basis
                why.append(f"basis '{basis}' from the words after the figure")
                break
    g.why = tuple(why)
    return g


@functools.lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    return frozenset(w[:5] for w in _WORD4.findall(text.lower()))


_WORD4 = re.compile(r"[a-zа-я]{4,}")


def _measure(text: str, start: int, end: int, found: Found, expr: str) -> str:
    if not expr or found.reading is None or found.reading.ratio_kind:
        return ""
    options = [(m, words) for m, unit, words in _measures() if unit == expr]
    if not options:
        return ""
    words = _stems(text[start:end]) | _stems(found.reading.commodity or "")
    scored = sorted(((len(words & mw), m) for m, mw in options), key=lambda t: (-t[0], t[1]))
    if len(scored) == 1 and scored[0][0] > 0:
        return scored[0][1]
    if scored[0][0] > 0 and scored[0][0] > scored[1][0]:
        return scored[0][1]
    return ""


# ---------------------------------------------------------------------------
# Citations in footnotes
# ---------------------------------------------------------------------------

_ARCHIVE = re.compile(r"\b(RGASPI|GARF|RGAE|RGALI|RGVA|TsGAIPD\w*|TsGA\w*|TsAOPIM|РГАСПИ|ГАРФ|РГАЭ|ЦГА\w*)"
                      r"\s*,?\s*(?:[fф]\.\s*(R?\d+\w*)\s*,?\s*(?:[oо](?:p)?\.\s*(\d+)\s*,?\s*)?(?:[dд]\.\s*(\d+))?)?")
_YEAR = re.compile(r"(?<!\d)(1[6-9]\d\d|20[0-4]\d)(?!\d)")
_PUBLISHED = re.compile(r"\([^()]*(?:\w+\s*:\s*[^()]*)?(?:1[6-9]\d\d|20[0-4]\d)\)|\*[^*]{3,}\*")
_LEAD = re.compile(r"^(?:[\s⁰¹²³⁴⁵⁶⁷⁸⁹]|\[\^\d+\]:|for [^,.]{0,60},\s*see also|for [^,.]{0,60},\s*see|see also|see|"
                   r"cf\.|quoted in|cited in|in\b)+", re.I)


def citation_id(sentence: str) -> tuple[str, str] | None:
    """(source_id, year) for a sentence that cites a work, or None.

    >>> citation_id("Semen Gershberg, *Stakhanov i Stakhanovtsy* (Moscow: Izdatel'stvo, 1981).")
    ('gershberg-1981', '1981')
    >>> citation_id("See RGASPI f.85, o.29, d.633, l.12.")
    ('rgaspi-85-29-633', '')
    >>> citation_id("He hewed 102 tons.") is None
    True
    """
    archive = _ARCHIVE.search(sentence)
    if archive and archive.group(2):
        parts = [archive.group(1), archive.group(2), archive.group(3), archive.group(4)]
        return _slug("-".join(p for p in parts if p)), ""
    years = _YEAR.findall(sentence)
    if not years or not _PUBLISHED.search(sentence):
        return None
    published = re.search(r"\([^()]*:[^()]*?(1[6-9]\d\d|20[0-4]\d)\)", sentence)
    year = published.group(1) if published else years[0]
    lead = _LEAD.sub("", sentence).strip()
    if not lead[:1].isupper() and not lead.startswith(("“", "\"", "«")):
        return None
    if lead.startswith(("“", "\"", "«")):  # an article: named after the periodical that printed it
        paper = re.search(r"\*([^*]{2,40})\*", lead)
        name = paper.group(1) if paper else ""
    else:
        head = re.split(r",|\*|\(|“", lead, maxsplit=1)[0].strip()
        names = re.findall(r"[A-ZА-ЯЁ][\w’'\-]+", head)
        name = names[-1] if names and len(head.split()) <= 5 else ""
    if not name:
        return None
    return _slug(f"{name}-{year}"), year


_TRANSLIT = str.maketrans({"’": "", "'": ""})


def _slug(text: str) -> str:
    text = text.translate(_TRANSLIT).lower()
    return re.sub(r"[^\wа-яё]+", "-", text).strip("-")
