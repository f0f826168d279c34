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


def listing(search: str | None = None, raw_dir: Path = Path("data/raw")) -> str:
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
