"""One pint registry, an alias table, and per-unit conversion factors.

Raw units are written as the source writes them ("tons", "ц/га", "pairs of
shoes", "% of the norm speed"). They reach pint only through the alias table
``aliases.csv`` (English, Russian abbreviations, common spellings and
plurals); a string not in it is parsed by pint only if it names no ambiguous
unit. Conversion is one factor per distinct (raw unit, canonical unit) pair,
applied to whole polars columns.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import DimensionMismatch, UnitError

#: Bare names that mean different things in different countries or periods.
#: prodkit refuses them and says how to write what is meant.
AMBIGUOUS: dict[str, tuple[str, str]] = {
    "ton": ("pint's 'ton' is the US short ton (907.18474 kg), the British long ton is 1016.05 kg, "
            "and a Soviet ton is the metric tonne (1000 kg)",
            "Write 'tonne' (or 't', 'tons' as translated from Russian: 1000 kg), 'short_ton' or 'long_ton'."),
    "acre": ("pint's 'acre' is the US survey acre (4046.8726 m²), not the international acre (4046.8564224 m²)",
             "Write 'acres' (prodkit reads it as the international acre) or 'international_acre'; write "
             "'survey_acre' only for the US survey acre."),
    "hundredweight": ("a hundredweight is 100 lb (US) or 112 lb (British)",
                      "Write 'short_hundredweight' or 'long_hundredweight', or 'quintal' for 100 kg."),
    "cwt": ("a hundredweight is 100 lb (US) or 112 lb (British)",
            "Write 'short_hundredweight' or 'long_hundredweight', or 'quintal' for 100 kg."),
    "zentner": ("the German Zentner is 50 kg, the Soviet centner (центнер) 100 kg",
                "Write 'quintal' or 'ц' for 100 kg, or '50 kg' for the Zentner."),
    "billion": ("a billion is 10^9 (short scale) or 10^12 (long scale)",
                "Write the figure in full or as 'thousand million'."),
}

#: Canonical units by dimensionality, used when a measure is not in the
#: measures table. Labels follow the CONTRACT (t, ha, q/ha, km/h, %, rouble).
_FALLBACK = [
    ("[mass]", "tonne", "t"),
    ("[length] ** 2", "hectare", "ha"),
    ("[mass] / [length] ** 2", "quintal / hectare", "q/ha"),
    ("[length] / [time]", "kilometer / hour", "km/h"),
    ("[length]", "meter", "m"),
    ("[length] ** 3", "meter ** 3", "m3"),
    ("[time]", "hour", "h"),
    ("", "percent", "%"),
    ("[currency]", "rouble", "rouble"),
    ("1 / [time]", "revolution / minute", "rpm"),
]

#: Labels for canonical pint expressions that the measures table names.
CANONICAL_LABELS = {
    "tonne": "t", "hectare": "ha", "quintal / hectare": "q/ha", "kilometer / hour": "km/h",
    "millimeter / minute": "mm/min", "meter / minute": "m/min", "percent": "%", "rouble": "rouble",
    "revolution / minute": "rpm", "millimeter / revolution": "mm/rev", "millimeter": "mm",
    "meter": "m", "minute": "min", "hour": "h", "day": "day", "year": "year", "meter ** 3": "m3",
    "kilogram": "kg",
}

TIME_BASES = ["shift", "hour", "day", "month", "year", "season"]

#: Dimensions that count things: a phrase ending in one of them is a count.
_COUNT_DIMENSIONS = {"[pair]", "[loom]", "[part]", "[cutter]", "[page]", "[person]", "[machine]", "[drill]",
                     "[building]", "[item]", "[storey]", "[column_of_print]"}


def _normalise(text: str) -> str:
    t = re.sub(r"[\s\u00a0\u2009\u202f]+", " ", text.strip().lower())
    return t.rstrip(".").strip()


@dataclass(frozen=True)
class Alias:
    alias: str
    unit: str
    note: str


def _read_aliases(path) -> dict[str, Alias]:
    table: dict[str, Alias] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            key = _normalise(row["alias"])
            table[key] = Alias(row["alias"], row["unit"].strip(), row.get("note", "") or "")
    return table


@functools.lru_cache(maxsize=1)
def builtin_aliases() -> dict[str, Alias]:
    return _read_aliases(resources.files("prodkit.units") / "aliases.csv")


def cache_folder() -> Path | None:
    """Where pint keeps its parsed default definitions between runs, or None for no cache.

    Parsing pint's ~1,000 default definitions costs a noticeable part of a
    short run; reading them back from the cache, a tenth of it
    (benchmarks/RESULTS.md). The folder is ``PRODKIT_CACHE_DIR``
    if set (empty: no cache), else prodkit's folder in the user's cache
    (``~/.cache/prodkit`` on Linux), one subfolder per pint version. pint
    names each cached file by the hash of the definitions it was parsed
    from, so an edited definition file is parsed again, never read stale.
    """
    import os

    setting = os.environ.get("PRODKIT_CACHE_DIR")
    if setting is not None and not setting.strip():
        return None
    try:
        import platformdirs
        from importlib.metadata import version

        base = Path(setting) if setting else platformdirs.user_cache_path("prodkit", appauthor=False)
        folder = base / f"pint-{version('pint')}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder if os.access(folder, os.W_OK) else None
    except Exception:  # noqa: BLE001 - no cache folder to be had: parse every time
        return None


def _new_registry():
    """pint's defaults; from the cache when it can be read, else parsed (and the cache rewritten)."""
    import pint

    folder = cache_folder()
    if folder is not None:
        try:
            return pint.UnitRegistry(on_redefinition="raise", autoconvert_offset_to_baseunit=True,
                                     cache_folder=folder)
        except Exception:  # noqa: BLE001 - a damaged or half-written cache file: start over without it
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    return pint.UnitRegistry(on_redefinition="raise", autoconvert_offset_to_baseunit=True)


@functools.lru_cache(maxsize=4)
def _registry(extra_text: str | None, extra_label: str):
    import pint

    ureg = _new_registry()
    ureg.load_definitions(str(resources.files("prodkit.units") / "prodkit.txt"))
    if extra_text:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "units.txt"
            path.write_text(extra_text, encoding="utf-8")
            for number, line in enumerate(extra_text.splitlines(), start=1):
                stripped = line.split("#", 1)[0].strip()
                if not stripped:
                    continue
                if "=" in stripped:
                    definition = stripped.split("=", 1)[1]
                    for word in re.findall(r"[^\W\d]+", definition):
                        if word in AMBIGUOUS:
                            reason, fix = AMBIGUOUS[word]
                            raise UnitError(word, code="unit-ambiguous", reason=reason, hint=fix,
                                            file=extra_label, line=number)
                one = Path(tmp) / "one.txt"
                one.write_text(stripped + "\n", encoding="utf-8")
                try:
                    ureg.load_definitions(str(one))
                except pint.errors.RedefinitionError as exc:
                    name = stripped.split("=", 1)[0].strip()
                    raise UnitError(name, code="unit-redefined", file=extra_label, line=number,
                                    hint=f"Choose a new name (e.g. '{name}_local') and use it in claims.csv. "
                                         f"({exc})") from None
                except Exception as exc:  # pint's parser errors vary by version
                    raise UnitError(stripped, code="unit-definition-invalid", reason=str(exc), file=extra_label,
                                    line=number,
                                    hint="Write it as `name = factor * unit`, as in pint's definitions.") from None
    return ureg


class Units:
    """The unit registry and alias table for one run.

    >>> u = Units()
    >>> u.resolve("tons").expr
    'tonne'
    >>> round(u.factor("tons", "tonne"), 6)
    1.0
    >>> round(u.factor("quintals per hectare", "quintal / hectare"), 6)
    1.0
    """

    def __init__(self, extra_path: Path | None = None):
        text = extra_path.read_text(encoding="utf-8") if extra_path and extra_path.exists() else None
        label = str(extra_path) if extra_path else ""
        self.extra_digest = hashlib.sha1((text or "").encode()).hexdigest()
        self.ureg = _registry(text, label)
        self.aliases = dict(builtin_aliases())

    # -- resolving raw strings -------------------------------------------------
    def resolve(self, raw: str) -> "Resolved":
        """Map a unit as written to a pint expression, or raise UnitError."""
        key = _normalise(raw)
        alias = self.aliases.get(key)
        if alias is None:
            unbracketed = _normalise(re.sub(r"\s*[\(\[][^)\]]*[\)\]]", "", key))
            alias = self.aliases.get(unbracketed)
        if alias is None:
            singular = " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in key.split(" "))
            alias = self.aliases.get(singular)
        if alias is None:
            alias = self._by_rule(key)
        if alias is not None:
            if alias.unit.startswith("!"):
                reason = AMBIGUOUS.get(key, ("its meaning depends on the source",))[0]
                raise UnitError(raw, code="unit-ambiguous", reason=reason, hint=alias.unit[1:].strip())
            expr = alias.unit
        else:
            expr = self._compound(key, raw)
        try:
            unit = self.ureg.parse_units(expr)
        except Exception:
            raise UnitError(raw) from None
        return Resolved(raw=raw, expr=expr, unit=unit)

    def _compound(self, key: str, raw: str) -> str:
        """A rate written out ("tons per shift", "pairs/hour"): each side through the aliases.

        Anything else goes to pint only if no word in it is a unit name that
        means different things in different places (pint's bare ``ton``,
        ``acre``, ...), however pint would spell it ("tons" is pint's ton too).
        """
        parts = re.split(r"\s+per\s+|\s*/\s*|\s+a\s+(?=shift|day|hour|season|month|year)", key)
        if len(parts) > 1 and all(parts):
            sides = []
            for part in parts:
                try:
                    sides.append(f"({self.resolve(part).expr})")
                except UnitError as exc:
                    if exc.code == "unit-ambiguous":
                        raise
                    break
            else:
                return " / ".join(sides)
        for word in re.findall(r"[^\W\d]+", key):
            name = word
            try:
                name = self.ureg.get_name(word)
            except Exception:
                pass
            for bad in (word, name):
                if bad in AMBIGUOUS:
                    reason, fix = AMBIGUOUS[bad]
                    raise UnitError(raw, code="unit-ambiguous", reason=reason, hint=fix)
        return key

    def _by_rule(self, key: str) -> Alias | None:
        """Phrases the table cannot list one by one.

        - "of the rural population", "of monasteries": a fraction of a whole;
        - "% of all industrial workers", "percent of ...": a percentage;
        - "times current output", "times the yearly norm": a multiple;
        - "Stakhanovite workers", "triangular milling cutters": a count named
          by its last word, when that word is a counted thing.
        """
        key = re.sub(r"\s*[\(\[][^)\]]*[\)\]]", "", key).strip()
        if key.startswith("of "):
            return Alias(key, "times", "a fraction of a whole")
        if re.match(r"^(%|percent|per cent)\s+(of|above|over)\b", key):
            unit = "percent_above" if re.match(r"^\S+\s+(above|over)\b", key) else "percent"
            return Alias(key, unit, "a percentage")
        if re.match(r"^times\b", key):
            return Alias(key, "times", "a multiple")
        words = key.split(" ")
        if len(words) > 1 and not ({"per", "a", "an"} & set(words)) and "/" not in key:
            last = self.aliases.get(words[-1])
            if last is not None and not last.unit.startswith("!"):
                try:
                    dims = self.ureg.parse_units(last.unit).dimensionality
                except Exception:
                    return None
                if len(dims) == 1 and next(iter(dims)) in _COUNT_DIMENSIONS:
                    return Alias(key, last.unit, f"a count of {words[-1]}")
        return None

    def canonical_for(self, expr: str) -> tuple[str, str]:
        """The canonical (pint expression, label) for a unit with no measure entry."""
        dim = self.ureg.parse_units(expr).dimensionality
        for dim_text, canon, label in _FALLBACK:
            want = self.ureg.parse_units(canon).dimensionality
            if dim == want:
                return canon, label
        for base in TIME_BASES:
            per = self.ureg.parse_units(expr) * self.ureg.parse_units(base)
            for dim_text, canon, label in _FALLBACK:
                if per.dimensionality == self.ureg.parse_units(canon).dimensionality:
                    return canon, label
        # counts and other own dimensions are their own canonical unit
        unit = self.ureg.parse_units(expr)
        return str(unit), str(unit)

    def factor(self, raw_or_expr: str, canonical: str) -> float:
        """Multiply a value in ``raw_or_expr`` by this to get ``canonical``."""
        return self.convert(raw_or_expr, canonical)[0]

    def convert(self, raw: str, canonical: str) -> tuple[float, float, str | None]:
        """(factor, offset, time basis) taking a raw unit to ``canonical``.

        A rate per shift, hour, day... with a canonical unit that is not a
        rate converts its numerator and returns the time basis it carried
        ("tons per shift" to t, basis "shift"). Offset units (% above the
        norm) return a non-zero offset: canonical = value * factor + offset.
        """
        resolved = raw if isinstance(raw, Resolved) else self.resolve(raw)
        target = self.ureg.parse_units(canonical)
        unit = resolved.unit
        if unit.dimensionality == target.dimensionality:
            return (*self._linear(unit, target), None)
        for base in TIME_BASES:
            times = unit * self.ureg.parse_units(base)
            if times.dimensionality == target.dimensionality:
                return (*self._linear(times, target), base)
        raise DimensionMismatch(resolved.raw, found=self.describe_dimension(unit),
                                expected=self.describe_dimension(target))

    def _linear(self, unit, target) -> tuple[float, float]:
        q = self.ureg.Quantity
        zero = q(0.0, unit).to(target).magnitude
        one = q(1.0, unit).to(target).magnitude
        return one - zero, zero

    def describe_conversion(self, raw: str) -> str:
        """What prodkit takes a unit to be, in words (for conversion messages)."""
        try:
            resolved = self.resolve(raw)
        except UnitError:
            return f"no known unit for '{raw}'"
        alias = self.aliases.get(_normalise(raw))
        note = f" ({alias.note})" if alias is not None and alias.note else ""
        return f"'{raw}' = {resolved.expr}{note}"

    def describe_dimension(self, unit) -> str:
        dim = unit.dimensionality
        text = str(dim)
        if text == "dimensionless":
            return "a ratio (dimensionless)"
        return text.replace("[", "").replace("]", "")


@dataclass(frozen=True)
class Resolved:
    raw: str
    expr: str
    unit: object
