"""`prodkit units`: the alias table, what each alias means, and its factor."""

from __future__ import annotations

import re
from pathlib import Path

from . import Units, read_measures
from .registry import UnitError

#: Where each family of factors comes from (the definitions file cites each).
_SOURCES = {
    "tonne": "SI (metric tonne, 1000 kg); a Soviet 'ton' (тонна)",
    "quintal": "GOST 7664-61: centner (центнер) = 100 kg",
    "pood": "Russian statute on weights and measures, 4 June 1899",
    "funt": "Russian statute on weights and measures, 4 June 1899",
    "arshin": "Russian statute on weights and measures, 4 June 1899",
    "sazhen": "Russian statute on weights and measures, 4 June 1899",
    "verst": "Russian statute on weights and measures, 4 June 1899",
    "desyatina": "Russian statute on weights and measures, 4 June 1899",
    "international_acre": "International Yard and Pound Agreement, 1959",
    "pound": "International Yard and Pound Agreement, 1959 (0.45359237 kg)",
}


def _canonical(units: Units, expr: str) -> tuple[str, str]:
    try:
        return units.canonical_for(expr)
    except Exception:
        return expr, expr


def explain_unit(text: str, raw_dir: Path = Path("data/raw"), *, measure: str | None = None) -> str:
    """How one unit as written is read, as text (see :func:`explain_unit_fields`).

    >>> print(explain_unit("центнеров сахарной свёклы с гектара", Path("/nonexistent")))
    unit as written:   центнеров сахарной свёклы с гектара
    read by:           lemma (an inflected or plural form, by its base form)
    words:             центнеров (unit: quintal); сахарной (what is measured); свёклы (what is measured); с (per); гектара -> гектар (unit: hectare)
    pint unit:         (quintal) / (hectare)
    what is measured:  сахарный свёкла
    note:              100 kg
    canonical:         q/ha (factor 1)
    """
    return "\n".join(f"{key.replace('_', ' ') + ':':<19}{value}"
                     for key, value in explain_unit_fields(text, raw_dir, measure=measure).items())


def explain_unit_fields(text: str, raw_dir: Path = Path("data/raw"), *,
                        measure: str | None = None) -> dict[str, str]:
    """How one unit as written is read, step by step: the route, the pint unit, scale, commodity, canonical unit.

    The keys (in order, those that apply): unit_as_written, not_read, read_by,
    words, pint_unit, scale, what_is_measured, note, canonical.

    >>> explain_unit_fields("тонн угля", Path("/nonexistent"))["canonical"]
    't (factor 1)'
    """
    from ..errors import UnitError
    from ..words import lemmas
    from .reading import normalise

    units = Units(Path(raw_dir) / "units.txt")
    measures = read_measures(Path(raw_dir))
    out = {"unit_as_written": text}
    try:
        resolved = units.resolve(text, counts=True)
    except UnitError as exc:
        return {**out, "not_read": str(exc)}
    reading = resolved.reading
    out["read_by"] = f"{reading.route} ({_ROUTES[reading.route]})"
    words = []
    for token in normalise(text).split(" "):
        entries, route = units.lexicon.lookup(token)
        kinds = ", ".join(f"{e.kind}: {e.meaning}" if e.meaning else e.kind for e in entries)
        base = next((b for b in sorted(lemmas(token)) if b != token.lower() and b in units.lexicon.words), None)
        shown = f"{token} -> {base}" if route == "lemma" and base else token
        words.append(f"{shown} ({kinds})" if kinds else f"{shown} (what is measured)")
    out["words"] = "; ".join(words)
    out["pint_unit"] = str(resolved.expr)
    if reading.scale != 1:
        out["scale"] = f"× {reading.scale:g}"
    if reading.commodity:
        out["what_is_measured"] = str(reading.commodity)
    if reading.note:
        out["note"] = str(reading.note)
    canon, label = ((measures[measure].canonical, measures[measure].label) if measure in measures
                    else _canonical(units, resolved.expr))
    try:
        factor, offset, basis = units.convert(resolved, canon)
    except UnitError as exc:
        out["canonical"] = f"not convertible to {label}: {exc}"
    else:
        total = factor * reading.scale
        out["canonical"] = (f"{label} (factor {total:.10g}" + (f", offset {offset:g}" if offset else "")
                            + (f", per {basis}" if basis else "") + ")")
    return out


_ROUTES = {"alias": "a spelling prodkit lists", "lemma": "an inflected or plural form, by its base form",
           "gloss": "the bracketed translation", "definition": "the ledger's own units.txt",
           "value": "the unit the figure carries"}


def _row(units: Units, name: str, expr: str, note: str) -> tuple:
    """One line of the listing: ``name`` read as pint's ``expr``, with its canonical unit, factor and sources."""
    canon, label = _canonical(units, expr)
    try:
        factor, offset, basis = units.convert(name, canon)
        f = f"{factor:.10g}" + (f" + {offset:g}" if offset else "") + (f" per {basis}" if basis else "")
    except UnitError as exc:
        f = str(exc)
    names = set(re.findall(r"[a-z_]+", expr))
    source = "; ".join(_SOURCES[n] for n in sorted(names) if n in _SOURCES) or "pint defaults"
    return (name, expr, label, f, (note + ("; " if note else "") + source))


def listing_rows(search: str | None = None, raw_dir: Path = Path("data/raw")) -> list[dict[str, str]]:
    """The rows of :func:`listing` (``prodkit units --json``): alias, pint_unit, canonical, factor, source."""
    keys = ("alias", "pint_unit", "canonical", "factor", "source")
    return [dict(zip(keys, (str(c) for c in r))) for r in _listing_rows(search, raw_dir)]


def listing(search: str | None = None, raw_dir: Path = Path("data/raw")) -> str:
    """The table of ``prodkit units``: every alias, how pint reads it, its canonical unit, factor and source."""
    rows = _listing_rows(search, raw_dir)
    measures = read_measures(Path(raw_dir))
    head = ("alias", "pint unit", "canonical", "factor", "meaning and source")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(4)]
    lines = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(head[:4])) + "  " + head[4]]
    for r in rows:
        lines.append("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r[:4])) + "  " + r[4])
    if not search:
        lines.append("")
        lines.append(f"{len(measures)} measures set canonical units (prodkit/data/measures.csv, "
                     f"extended by {Path(raw_dir) / 'measures.csv'}); see the README.")
    return "\n".join(lines)


def _listing_rows(search: str | None, raw_dir: Path) -> list[tuple]:
    units = Units(Path(raw_dir) / "units.txt")
    rows = []
    for key, alias in sorted(units.aliases.items()):
        if alias.unit.startswith("!"):
            rows.append((alias.alias, "(refused)", "", "", alias.unit[1:].strip()))
            continue
        rows.append(_row(units, alias.alias, alias.unit, alias.note))
    # a name pint alone would read several ways: listed as claims read it, which
    # is "refused" only where prodkit's own words do not settle it (Units.resolve)
    for name, (reason, fix) in sorted(__import__("prodkit.units.registry", fromlist=["AMBIGUOUS"]).AMBIGUOUS.items()):
        try:
            read = units.resolve(name)
        except UnitError:
            rows.append((f"{name} (bare)", "(refused)", "", "", f"{reason}. {fix}"))
            continue
        note = f"read as {read.expr} ({read.reading.route}: {read.reading.note or 'prodkit'}), not pint's own: {reason}"
        rows.append(_row(units, f"{name} (bare)", read.expr, note))
    if search:
        needle = search.lower()
        rows = [r for r in rows if any(needle in str(c).lower() for c in r)]
    return rows
