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


def listing(search: str | None = None, raw_dir: Path = Path("data/raw")) -> str:
    units = Units(Path(raw_dir) / "units.txt")
    rows = []
    for key, alias in sorted(units.aliases.items()):
        if alias.unit.startswith("!"):
            rows.append((alias.alias, "(refused)", "", "", alias.unit[1:].strip()))
            continue
        canon, label = _canonical(units, alias.unit)
        try:
            factor, offset, basis = units.convert(alias.alias, canon)
            f = f"{factor:.10g}" + (f" + {offset:g}" if offset else "") + (f" per {basis}" if basis else "")
        except UnitError as exc:
            f = str(exc)
        names = set(re.findall(r"[a-z_]+", alias.unit))
        source = "; ".join(_SOURCES[n] for n in sorted(names) if n in _SOURCES) or "pint defaults"
        rows.append((alias.alias, alias.unit, label, f, (alias.note + ("; " if alias.note else "") + source)))
    for name, (reason, fix) in sorted(__import__("prodkit.units.registry", fromlist=["AMBIGUOUS"]).AMBIGUOUS.items()):
        rows.append((f"{name} (bare)", "(refused)", "", "", f"{reason}. {fix}"))
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
