"""``prodkit events suggest``: which claims likely tell the same event, with a score and the reasons in words.

Grouping claims into events is the historian's judgement (DOMAIN.md); this
only proposes. Each pair of claims is scored from what both rows say:

- the **subject**, across spellings and scripts: Cyrillic is transliterated
  (cyrtranslit), spellings are brought to one key (kh, ch and h; w and v;
  y, j and i; doubled letters), and names are compared with rapidfuzz, with
  initials ("A. G. Stakhanov") matching a first name;
- the **measure** and **statistic**, and the **date** (partial dates are
  intervals: "1935-09" is the whole month; intervals that do not overlap are
  a strong sign of two events);
- the **values**, converted to the measure's canonical unit: within the
  tolerance, or the same thing in another unit (a carrier's conversion);
- the ledger's own links: ``converted_from``, and two claims quoted from the
  same line of the same source.

Pairs over a threshold are grouped (average linkage: a claim joins a group
only when it fits the group as a whole, and never across dates that do not
overlap). Pairs that share an ``event_id`` in the ledger but look like two
events are flagged too.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

#: A pair at or above this score is proposed as one event.
THRESHOLD = 0.6
SUGGESTION_COLUMNS = ["kind", "claim_id", "other_claim_id", "suggested_event_id", "score", "reasons",
                      "event_id", "other_event_id"]


@dataclass
class Claim:
    claim_id: str
    line: int
    event_id: str
    subject: str
    measure: str
    statistic: str
    value: str
    unit: str
    source_id: str
    locator: str
    converted_from: str
    date_low: date | None = None
    date_high: date | None = None
    canonical: tuple[float | None, float | None, str] | None = None  # low, high, canonical unit
    key: str = ""  # the subject's spelling key
    kind: str = ""  # the measure's kind in measures.csv (output, rate, specification, context...)
    qualifier: str = ""  # the subject's bracketed words ("unusable pig iron")
    lines: frozenset = field(default_factory=frozenset)


# ---------------------------------------------------------------------------
# Reading the rows
# ---------------------------------------------------------------------------

def _date_range(text: str) -> tuple[date | None, date | None]:
    """A partial ISO date or interval as its first and last day ("1935-09" is all of September 1935).

    >>> _date_range("1935-09")
    (datetime.date(1935, 9, 1), datetime.date(1935, 9, 30))
    >>> _date_range("1933/1937")
    (datetime.date(1933, 1, 1), datetime.date(1937, 12, 31))
    """
    text = (text or "").strip()
    if not text:
        return None, None
    if "/" in text:
        a, b = text.split("/", 1)
        return _date_range(a)[0], _date_range(b)[1]
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not m:
        return None, None
    y = int(m.group(1))
    try:
        if m.group(3):
            d = date(y, int(m.group(2)), int(m.group(3)))
            return d, d
        if m.group(2):
            mo = int(m.group(2))
            return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
        return date(y, 1, 1), date(y, 12, 31)
    except ValueError:
        return None, None


_SPELLING = [(r"[’'`ʹ]", ""), (r"kh|ch|h", "h"), (r"w", "v"), (r"x", "ks"), (r"[yj]", "i"), (r"ie|ei|ey", "e"),
             (r"ii", "i"), (r"(.)\1", r"\1"), (r"ou", "u")]


def subject_key(subject: str) -> str:
    """One spelling for a name across scripts and transliterations.

    >>> {subject_key(s) for s in ("Стаханов", "Stakhanov", "Stachanow", "Stahanov")}
    {'stahanov'}
    """
    import cyrtranslit

    text = re.sub(r"\([^)]*\)", " ", subject or "")  # "(unnamed Donbass miners)": a gloss, not the name
    if re.search(r"[\u0400-\u04ff]", text):
        text = cyrtranslit.to_latin(text, "ru")
    text = text.lower()
    text = re.sub(r"'s\b|’s\b", "", text)
    for pattern, repl in _SPELLING:
        text = re.sub(pattern, repl, text)
    return re.sub(r"[^a-z. ]+", " ", text).strip()


def _names(key: str) -> tuple[str, list[str]]:
    """(surname, first letters of the other names) of a spelling key."""
    words = [w for w in re.split(r"[\s.]+", key) if w]
    if not words:
        return "", []
    long = [w for w in words if len(w) > 2]
    surname = long[-1] if long else words[-1]
    return surname, [w[0] for w in words if w != surname]


def _person(key: str) -> bool:
    """A key that reads as a person's name: at most four words ("a. g. stahanov", "ivan gudov")."""
    return 0 < len([w for w in re.split(r"[\s.]+", key) if w]) <= 4


def subject_similarity(a: str, b: str) -> float:
    """0 to 1: do two spelling keys name the same person or body? Initials match first names.

    >>> subject_similarity(subject_key("A. G. Stakhanov"), subject_key("Алексей Стаханов"))
    1.0
    >>> subject_similarity(subject_key("Ivan Gudov"), subject_key("Ivan Artyukhov")) < 0.6
    True
    """
    from rapidfuzz import fuzz

    if not a or not b:
        return 0.0
    sa, ia = _names(a)
    sb, ib = _names(b)
    if sa and sb and _person(a) and _person(b) and fuzz.ratio(sa, sb) >= 85:
        if not ia or not ib or ia[0] == ib[0]:
            return 1.0
        return 0.5  # one surname, two first names: relatives (the Vinogradovas) or a misreading
    return fuzz.token_set_ratio(a, b) / 100 * (0.8 if sa != sb else 1.0)


def read_claims(path: Path, label: str, units=None, measures=None, kinds=None) -> list[Claim]:
    """The claims of a ledger file, each with its dates as days and its value in the canonical unit."""
    from .ledger.encodings import decode

    text = decode(path.read_bytes(), label)
    rows = list(csv.DictReader(io.StringIO(text)))
    out = []
    for n, row in enumerate(rows, start=2):
        c = Claim(**{k: (row.get(k) or "").strip() for k in ("claim_id", "event_id", "subject", "measure",
                                                             "statistic", "value", "unit", "source_id",
                                                             "locator", "converted_from")}, line=n)
        c.date_low, c.date_high = _date_range(row.get("date") or "")
        c.key = subject_key(c.subject)
        # the passage a claim is quoted from: its footnotes when the locator names any, else its lines
        # (a locator written by prodkit extract, FILE:LINE:FIRST-LAST, is the passage FILE:LINE)
        extracted = re.fullmatch(r"(.+):(\d+):\d+-[\d.]+", c.locator)
        c.lines = frozenset(re.findall(r"fn \d+", c.locator)) or frozenset(re.findall(r"line \d+", c.locator)) \
            or (frozenset([f"{extracted.group(1)}:{extracted.group(2)}"]) if extracted else frozenset([c.locator]))
        c.kind = (kinds or {}).get(c.measure, "")
        c.qualifier = " ".join(re.findall(r"\(([^)]*)\)", c.subject)).lower()
        c.canonical = _canonical(c, units, measures)
        out.append(c)
    return out


def _canonical(c: Claim, units, measures) -> tuple | None:
    from .values import FigureError, parse_figure

    try:
        f = parse_figure(c.value)
    except FigureError:
        return None
    if f.low is None and f.high is None:
        return None
    if units is None:
        return (f.low, f.high, c.unit)
    try:
        measure = (measures or {}).get(c.measure)
        canon = measure.canonical if measure else units.canonical_for(units.resolve(c.unit).expr)[0]
        resolved = units.resolve(c.unit)
        factor, offset, _ = units.convert(resolved, canon)
        scale = resolved.reading.scale if resolved.reading else 1.0
        conv = (lambda x: None if x is None else x * scale * factor + offset)
        return (conv(f.low), conv(f.high), canon)
    except Exception:  # noqa: BLE001 - a unit prodkit cannot convert: compared as written
        return (f.low, f.high, c.unit)


# ---------------------------------------------------------------------------
# Scoring pairs
# ---------------------------------------------------------------------------

def _dates(a: Claim, b: Claim) -> str:
    """'same', 'overlap', 'apart' or '' (a date is missing)."""
    if a.date_low is None or b.date_low is None:
        return ""
    if (a.date_low, a.date_high) == (b.date_low, b.date_high):
        return "same"
    if a.date_low <= b.date_high and b.date_low <= a.date_high:
        return "overlap"
    return "apart"


def _values(a: Claim, b: Claim, tolerance: float) -> str:
    """'agree', 'differ' or '' (not comparable)."""
    if a.canonical is None or b.canonical is None or a.canonical[2] != b.canonical[2]:
        return ""
    lo_a, hi_a = a.canonical[0], a.canonical[1]
    lo_b, hi_b = b.canonical[0], b.canonical[1]
    if (lo_a is None and hi_a is None) or (lo_b is None and hi_b is None):
        return ""
    # an open end ("more than one", "up to 5") reaches as far as it may
    lo_a, hi_a = (lo_a if lo_a is not None else float("-inf")), (hi_a if hi_a is not None else float("inf"))
    lo_b, hi_b = (lo_b if lo_b is not None else float("-inf")), (hi_b if hi_b is not None else float("inf"))
    finite = [abs(x) for x in (lo_a, hi_a, lo_b, hi_b) if x not in (float("inf"), float("-inf"))]
    slack = tolerance * max(finite + [1e-12])
    if lo_a <= hi_b + slack and lo_b <= hi_a + slack:
        return "agree"
    close = 0.1 * max(finite + [1e-12])
    return "close" if lo_a <= hi_b + close and lo_b <= hi_a + close else "differ"


def _below(maximum: Claim, average: Claim) -> bool:
    """Is the maximum below the average's low end (both in one canonical unit)?"""
    if maximum.canonical is None or average.canonical is None or maximum.canonical[2] != average.canonical[2]:
        return False
    top = maximum.canonical[1] if maximum.canonical[1] is not None else maximum.canonical[0]
    low = average.canonical[0] if average.canonical[0] is not None else average.canonical[1]
    return top is not None and low is not None and top < low


def score_pair(a: Claim, b: Claim, tolerance: float = 0.01) -> tuple[float, list[str], list[str]]:
    """(score 0-1, reasons for, reasons against) that two claims tell one event."""
    from rapidfuzz import fuzz

    why, against = [], []
    s = 0.0
    if a.converted_from == b.claim_id or b.converted_from == a.claim_id:
        return 1.0, [f"{a.claim_id if a.converted_from else b.claim_id} is the carrier's conversion of the other"], []
    subject = subject_similarity(a.key, b.key)
    if subject >= 0.85:
        s += 0.35
        why.append("same subject" + (f" ('{a.subject}', '{b.subject}')" if a.subject != b.subject else ""))
    elif a.key and b.key and subject < 0.6:
        s -= 0.5
        against.append(f"different subjects ('{a.subject}', '{b.subject}')")
    dates = _dates(a, b)
    if dates == "same":
        s += 0.3 if a.date_low == a.date_high else 0.2
        why.append(f"same date ({_show(a)})")
    elif dates == "overlap":
        s += 0.1
        why.append(f"overlapping dates ({_show(a)}, {_show(b)})")
    elif dates == "apart":
        s -= 0.6
        against.append(f"dates apart ({_show(a)}, {_show(b)})")
    if a.qualifier and b.qualifier and subject >= 0.85 and fuzz.token_set_ratio(a.qualifier, b.qualifier) < 60:
        s -= 0.4
        against.append(f"different things of one subject ('{a.qualifier}', '{b.qualifier}')")
    same_measure = a.measure == b.measure and a.measure != ""
    if same_measure:
        s += 0.15
        why.append(f"same measure ({a.measure})")
        if a.statistic == b.statistic:
            values = _values(a, b, tolerance)
            if values == "agree":
                s += 0.3
                why.append(f"same {a.statistic} within {tolerance:.0%}" +
                           (" in another unit" if a.unit != b.unit else ""))
            elif values == "differ" and a.statistic != "conversion":  # two conversions convert two figures
                s -= 0.3
                against.append(f"different {a.statistic} values ({a.value} {a.unit}, {b.value} {b.unit})")
        elif "conversion" in (a.statistic, b.statistic) and _values(a, b, tolerance) == "agree":
            s += 0.3
            why.append("the same figure in another unit (a conversion)")
        elif {a.statistic, b.statistic} == {"average", "record"}:
            s -= 0.2
            against.append("an average and a record (different statistics, usually of different periods)")
        elif {a.statistic, b.statistic} == {"average", "maximum"} and _below(*(
                (a, b) if a.statistic == "maximum" else (b, a))):
            s -= 0.4
            against.append("a maximum below the average cannot be of the same period")
    elif a.measure and b.measure and dates != "same":
        if "context" in (a.kind or "context", b.kind or "context"):
            s -= 0.2
            against.append(f"a circumstance ({a.measure if (a.kind or 'context') == 'context' else b.measure}) "
                           "and another measure, on no common day")
        elif "specification" not in (a.kind, b.kind):
            s -= 0.15
            against.append(f"different measures ({a.measure}, {b.measure}) on no common day")
    if a.source_id == b.source_id and a.lines & b.lines:
        s += 0.25
        why.append("told in the same passage of the same source")
    return round(max(0.0, min(1.0, s)), 6), why, against


def _show(c: Claim) -> str:
    if c.date_low is None:
        return "no date"
    return c.date_low.isoformat() if c.date_low == c.date_high else f"{c.date_low.isoformat()}..{c.date_high.isoformat()}"


# ---------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------

@dataclass
class Suggestions:
    rows: list[dict]
    groups: dict[str, list[str]]  # suggested event id -> claim ids
    event_of: dict[str, str]  # claim id -> suggested event id


def suggest(claims: list[Claim], *, tolerance: float = 0.01, threshold: float = THRESHOLD) -> Suggestions:
    """Score the pairs of claims that may tell one event, group them, and flag ledger events that look like two.

    Only pairs that share a blocking key are scored (:func:`_blocks`); any other pair has nothing in common
    that could reach the threshold.
    """
    scores: dict[tuple[int, int], tuple[float, list[str], list[str]]] = {}
    for i, j in sorted(_candidate_pairs(claims)):
        scores[(i, j)] = score_pair(claims[i], claims[j], tolerance)
    groups = []
    for component in _components(len(claims), [p for p, v in scores.items() if v[0] >= threshold]):
        groups.extend(_group(component, scores, threshold))
    groups.sort(key=lambda g: g[0])
    event_of, named = _name_groups(claims, groups)
    size = {claims[i].claim_id: len(g) for g in groups for i in g}
    rows = []
    for (i, j), (s, why, against) in sorted(scores.items()):
        a, b = claims[i], claims[j]
        together = event_of[a.claim_id] == event_of[b.claim_id]
        if together and size[a.claim_id] > 1:
            rows.append({"kind": "same-event", "claim_id": a.claim_id, "other_claim_id": b.claim_id,
                         "suggested_event_id": event_of[a.claim_id], "score": f"{s:.2f}",
                         "reasons": "; ".join(why + [f"but {x}" for x in against]),
                         "event_id": a.event_id, "other_event_id": b.event_id})
        if a.event_id and a.event_id == b.event_id and (against and s < threshold / 2):
            rows.append({"kind": "looks-split", "claim_id": a.claim_id, "other_claim_id": b.claim_id,
                         "suggested_event_id": "" if together else event_of[b.claim_id], "score": f"{s:.2f}",
                         "reasons": "; ".join(against + [f"though {x}" for x in why]),
                         "event_id": a.event_id, "other_event_id": b.event_id})
    return Suggestions(rows, named, event_of)


def _blocks(c: Claim) -> set[tuple]:
    """Keys two claims must share to be compared: the subject's surname (its first four letters), the passage
    of a source they are quoted from, a conversion's claim, and for a claim with no subject its measure and year."""
    keys: set[tuple] = set()
    if c.key:
        surname = _names(c.key)[0]
        keys.add(("subject", surname[:4]))
        keys.update(("subject", w[:4]) for w in re.split(r"[\s.]+", c.key) if len(w) > 3)
    keys.update(("passage", c.source_id, line) for line in c.lines)
    keys.add(("claim", c.converted_from or c.claim_id))
    if not c.key:
        keys.add(("measure", c.measure, c.date_low.year if c.date_low else None))
    return keys


def _candidate_pairs(claims: list[Claim]) -> set[tuple[int, int]]:
    by_key: dict[tuple, list[int]] = {}
    for i, c in enumerate(claims):
        for key in _blocks(c):
            by_key.setdefault(key, []).append(i)
    subjectless = [i for i, c in enumerate(claims) if not c.key]
    pairs: set[tuple[int, int]] = set()
    for members in by_key.values():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                pairs.add((i, j) if i < j else (j, i))
    for i in subjectless:  # a claim with no subject may belong with any claim of its measure
        for j, c in enumerate(claims):
            if j != i and c.measure == claims[i].measure and c.measure:
                pairs.add((i, j) if i < j else (j, i))
    return pairs


def _components(n: int, links: list[tuple[int, int]]) -> list[list[int]]:
    """The claims joined by strong links, as sorted lists (a claim with none is a component of its own)."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in links:
        parent[find(i)] = find(j)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(find(i), []).append(i)
    return sorted(out.values())


_UNSCORED = (0.0, [], [])


def _group(members: list[int], scores: dict, threshold: float) -> list[list[int]]:
    """Average-linkage grouping of one component: the two groups whose pairs score best on average merge while
    that average reaches ``threshold`` and no pair between them has dates apart (an unscored pair scores 0)."""
    groups = [[i] for i in members]

    def pair(i, j):
        return scores.get((i, j) if i < j else (j, i), _UNSCORED)

    while True:
        best, best_pair = threshold, None
        for x in range(len(groups)):
            for y in range(x + 1, len(groups)):
                total, apart, strong = 0.0, False, False
                for i in groups[x]:
                    for j in groups[y]:
                        s, _, against = pair(i, j)
                        total += s
                        strong |= s >= threshold
                        apart |= any(r.startswith("dates apart") for r in against)
                if apart or not strong:
                    continue
                mean = round(total / (len(groups[x]) * len(groups[y])), 6)
                if mean >= best and (best_pair is None or mean > best):
                    best, best_pair = mean, (x, y)
        if best_pair is None:
            return groups
        x, y = best_pair
        groups[x] = sorted(groups[x] + groups[y])
        del groups[y]


def _name_groups(claims: list[Claim], groups: list[list[int]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """An id for each group: the event_id most of its claims already have, else subject and date."""
    event_of: dict[str, str] = {}
    named: dict[str, list[str]] = {}
    used: set[str] = {c.event_id for c in claims if c.event_id}
    for group in sorted(groups, key=lambda g: claims[g[0]].line):
        members = [claims[i] for i in group]
        ids = [c.event_id for c in members if c.event_id]
        if ids:
            name = max(sorted(set(ids)), key=ids.count)
            if name in named:
                name = _fresh(name, used)
        else:
            latin = [c for c in members if c.subject and not re.search(r"[\u0400-\u04ff]", c.subject)]
            surname = _surname((latin or members)[0].subject)
            dated = sorted((c for c in members if c.date_low), key=lambda c: (c.date_high - c.date_low, c.line))
            when = _when(dated[0]) if dated else ""
            base = "-".join(x for x in (surname or members[0].measure or "event", when) if x)
            name = _fresh(re.sub(r"[^a-z0-9.-]+", "-", base.lower()).strip("-") or "event", used)
        used.add(name)
        named[name] = [c.claim_id for c in members]
        for c in members:
            event_of[c.claim_id] = name
    return event_of, named


def _when(c: Claim) -> str:
    """A claim's date as an id part, as precise as the claim: 1935-08-31, 1935-08 or 1935."""
    if c.date_low == c.date_high:
        return c.date_low.isoformat()
    if (c.date_low.year, c.date_low.month) == (c.date_high.year, c.date_high.month):
        return c.date_low.isoformat()[:7]
    return str(c.date_low.year) if c.date_low.year == c.date_high.year else ""


def _surname(subject: str) -> str:
    """The last word of a subject's name as an id part ("Alexei Stakhanov" -> "stakhanov"; Cyrillic transliterated)."""
    import cyrtranslit

    name = re.sub(r"\([^)]*\)", " ", subject or "")
    if re.search(r"[\u0400-\u04ff]", name):
        name = cyrtranslit.to_latin(name, "ru")
    words = re.findall(r"[A-Za-z][A-Za-z'’-]+", name)
    return re.sub(r"[^a-z0-9-]", "", words[-1].lower()) if words else ""


def _fresh(name: str, used: set[str]) -> str:
    if name not in used:
        return name
    k = 2
    while f"{name}-{k}" in used:
        k += 1
    return f"{name}-{k}"


def pairwise(truth: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, int, int, int]:
    """(precision, recall, true pairs found, pairs predicted, true pairs) of claim pairs put in one event."""
    ids = sorted(truth)
    true_pairs = {(a, b) for i, a in enumerate(ids) for b in ids[i + 1:] if truth[a] and truth[a] == truth[b]}
    pred_pairs = {(a, b) for i, a in enumerate(ids) for b in ids[i + 1:] if predicted.get(a) and
                  predicted.get(a) == predicted.get(b)}
    hit = len(true_pairs & pred_pairs)
    precision = hit / len(pred_pairs) if pred_pairs else 1.0
    recall = hit / len(true_pairs) if true_pairs else 1.0
    return precision, recall, hit, len(pred_pairs), len(true_pairs)
