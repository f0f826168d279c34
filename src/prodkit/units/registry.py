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
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import DimensionMismatch, UnitError
from ..ledger import display_path
from .reading import COUNT_PREFIX, Lexicon, Reading, read_phrase, read_unit
from ..words import lemmas

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
    ("[mass] * [length] ** 2 / [time] ** 2", "kilowatt_hour", "kWh"),
]

#: Labels for canonical pint expressions that the measures table names.
CANONICAL_LABELS = {
    "tonne": "t", "hectare": "ha", "quintal / hectare": "q/ha", "kilometer / hour": "km/h",
    "millimeter / minute": "mm/min", "meter / minute": "m/min", "percent": "%", "rouble": "rouble",
    "revolution / minute": "rpm", "millimeter / revolution": "mm/rev", "millimeter": "mm",
    "meter": "m", "minute": "min", "hour": "h", "day": "day", "year": "year", "meter ** 3": "m3",
    "kilogram": "kg", "kilowatt_hour": "kWh",
}

TIME_BASES = ["shift", "hour", "day", "month", "year", "season"]

#: Dimensions that count things: a phrase ending in one of them is a count.
_COUNT_DIMENSIONS = {"[pair]", "[loom]", "[part]", "[cutter]", "[page]", "[person]", "[machine]", "[drill]",
                     "[building]", "[item]", "[storey]", "[column_of_print]"}


def _normalise(text: str) -> str:
    t = re.sub(r"[\s\u00a0\u2009\u202f]+", " ", text.strip().lower())
    return t.rstrip(".").strip()


#: Spellings whose case carries meaning ("Mt" a megatonne, "MT" a metric ton): never looked up in lower case.
_CASED = {"mt", "mg", "mha", "gt", "kt"}


@functools.lru_cache(maxsize=1)
def _new_registry_names() -> frozenset[str]:
    """The unit names of pint's defaults and prodkit.txt (so that a ledger's own are told apart)."""
    ureg, _ = _registry(None, "")
    return frozenset(ureg._units)


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


@dataclass(frozen=True)
class Convention:
    """A word a ledger's units.txt gives its own meaning: read so for that ledger only."""

    word: str
    unit: str  # the pint unit defined for it
    definition: str  # as written
    line: int


@functools.lru_cache(maxsize=4)
def _registry(extra_text: str | None, extra_label: str):
    """pint's defaults, prodkit's definitions and a ledger's own (units.txt): (registry, conventions).

    A line of units.txt that names a new unit is loaded into pint. A line
    that names a word prodkit already reads ("ton", "tons", "ц") is that
    ledger's convention: the word is read as the line says (``ton =
    long_ton`` for British sources), with a warning; it is never a silent
    no-op. A line that would redefine one of pint's own units is an error.
    """
    import pint

    ureg = _new_registry()
    ureg.load_definitions(str(resources.files("prodkit.units") / "prodkit.txt"))
    conventions: list[Convention] = []
    if extra_text:
        import tempfile

        from .reading import Lexicon

        lexicon, aliases = Lexicon.shipped(), builtin_aliases()
        with tempfile.TemporaryDirectory() as tmp:
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
                name = stripped.split("=", 1)[0].strip()
                if "=" in stripped and _read_by_prodkit(name, lexicon, aliases):
                    stripped = f"ledger_unit_{len(conventions) + 1} = {stripped.split('=')[1].strip()}"
                    conventions.append(Convention(name, f"ledger_unit_{len(conventions) + 1}",
                                                  line.split("#", 1)[0].split("=", 1)[1].strip(), number))
                one = Path(tmp) / "one.txt"
                one.write_text(stripped + "\n", encoding="utf-8")
                try:
                    ureg.load_definitions(str(one))
                except pint.errors.RedefinitionError as exc:
                    raise UnitError(name, code="unit-redefined", file=extra_label, line=number,
                                    hint=f"Choose a new name (e.g. '{name}_local') and use it in claims.csv. "
                                         f"({exc})") from None
                except Exception as exc:  # pint's parser errors vary by version
                    reason = (str(exc) if "=" in stripped or stripped.startswith("@")
                              else "the line has no '=' (a separator such as ';' or ':' is not pint's)")
                    raise UnitError(stripped, code="unit-definition-invalid", reason=reason, file=extra_label,
                                    line=number,
                                    hint="Write it as `name = factor * unit`, as in pint's definitions.") from None
                _check_definition(ureg, stripped, line.split("#", 1)[0].strip(), extra_label, number)
    return ureg, tuple(conventions)


def _check_definition(ureg, loaded: str, written: str, label: str, number: int) -> None:
    """A unit that units.txt defines must come to a finite, positive amount of known units, now, not when a
    claim first uses it: an unknown word ('abc * kilogram'), a comma in a number (pint reads '1,5' as 15),
    nan or inf is an error located at its line."""
    name = loaded.split("=", 1)[0].strip()
    definition = written.split("=", 1)[1] if "=" in written else ""
    if name.endswith("-") or name.startswith("@") or not definition.strip():
        return  # a prefix, a directive or a dimension: pint's own grammar, checked by load_definitions
    reason = None
    if re.search(r"\d,\d", definition):
        reason = "it writes a number with a comma, which pint reads as no decimal mark (1,5 would be 15)"
    else:
        try:
            amount = ureg.Quantity(1.0, name).to_base_units().magnitude
        except Exception as exc:  # noqa: BLE001 - pint names the unknown word in its own words
            reason = f"it cannot be read as known units ({exc})"
        else:
            if not math.isfinite(amount) or amount <= 0:
                reason = f"it comes to {amount} of pint's base units, not a finite positive amount"
    if reason:
        raise UnitError(written, code="unit-definition-invalid", reason=reason, file=label, line=number,
                        hint="Write it as `name = factor * unit` with a number such as 1.5 and units pint "
                             "knows, e.g. `pud = 16.38 * kilogram`.")


def _read_by_prodkit(name: str, lexicon, aliases: dict) -> bool:
    """Is ``name`` a word prodkit reads itself (its lexicon or its table of phrases)?"""
    if name in lexicon.symbols or name.lower() in lexicon.words or _normalise(name) in aliases:
        return True
    return any(base in lexicon.words for base in lemmas(name))


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
        label = display_path(extra_path) if extra_path else ""
        self.extra_digest = hashlib.sha1((text or "").encode()).hexdigest()
        self.ureg, conventions = _registry(text, label if text else "")  # no units.txt: one shared registry
        self.source = label
        self.aliases = dict(builtin_aliases())
        self.lexicon = Lexicon.shipped()
        # a convention that says what prodkit already reads ("процентов = percent") changes nothing: it is
        # not applied as an override, so that the word keeps its part in phrases ("процентов сверх нормы")
        self.conventions = tuple(c for c in conventions if not self._agrees(c)) if conventions else ()
        own = {name: name for name in (set(self.ureg._units) - _new_registry_names()) if not name.startswith("ledger_unit_")}
        # a convention for a word holds in every letter case, as words are read ("TONS = ..." is "tons");
        # one for a symbol holds as written ("Mt" is not "mt")
        self.lexicon = self.lexicon.with_definitions({**own, **{
            (c.word if c.word in self.lexicon.symbols else c.word.lower()): c.unit for c in self.conventions}})
        self._resolved: dict[tuple, Resolved] = {}
        self._conversions: dict[tuple[str, str], tuple[float, float, str | None]] = {}

    def _agrees(self, convention: "Convention") -> bool:
        """Does a ledger's line for a word prodkit reads say what prodkit reads anyway (same unit, factor 1)?"""
        try:
            mine = Units().resolve(convention.word)
            q = self.ureg.Quantity(1.0, convention.unit).to(self.ureg.parse_units(mine.expr))
        except Exception:  # noqa: BLE001 - refused or another dimension: the convention is the ledger's own
            return False
        return mine.reading is not None and mine.reading.scale == 1.0 and abs(q.magnitude - 1.0) < 1e-12

    # -- resolving raw strings -------------------------------------------------
    def resolve(self, raw: str, *, counts: bool = False) -> "Resolved":
        """Map a unit as written to a pint expression, or raise UnitError.

        ``counts``: an unknown English plural is a count of those things
        (see :func:`~prodkit.units.reading.read_unit`).
        """
        key = (raw, counts)
        if key in self._resolved:  # the same unit is written for many measures: read it once
            return self._resolved[key]
        self._resolved[key] = resolved = self._resolve(raw, counts)
        return resolved

    def _resolve(self, raw: str, counts: bool) -> "Resolved":
        reading = read_unit(raw, self.lexicon, lambda text: self._phrase(text, raw, counts), counts=counts)
        expr = reading.expr
        if expr.startswith(COUNT_PREFIX):
            expr = self._count_unit(expr[len(COUNT_PREFIX):])
            reading = Reading(expr, reading.route, reading.scale, reading.commodity, reading.note)
        try:
            unit = self.ureg.parse_units(expr)
        except Exception:
            raise UnitError(raw) from None
        return Resolved(raw=raw, expr=expr, unit=unit, reading=reading)

    def _phrase(self, text: str, raw: str, counts: bool) -> Reading:
        """One phrase: the ledger's own words, the table of whole phrases, the grammar, then pint's own names."""
        key = _normalise(text)
        defined = self.conventions and any(w in self.lexicon.defined or lemmas(w) & set(self.lexicon.defined)
                                           for w in key.split(" "))
        alias = None if defined or text.lower() in _CASED else self.aliases.get(key)
        if alias is None and not defined:
            singular = " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in key.split(" "))
            alias = self.aliases.get(singular) if singular != key else None
        if alias is not None:
            if alias.unit.startswith("!"):
                reason = AMBIGUOUS.get(key, ("its meaning depends on the source",))[0]
                raise UnitError(raw, code="unit-ambiguous", reason=reason, hint=alias.unit[1:].strip())
            return Reading(alias.unit, "alias", note=alias.note)
        rule = self._by_rule(key)  # "of the rural population": a fraction of a whole, before any grammar
        if rule is not None:
            return Reading(rule.unit, "alias", note=rule.note)
        try:
            return read_phrase(text, self.lexicon, counts=counts)
        except UnitError as exc:
            if exc.code != "unit-unknown":
                raise
            failure = exc
        return Reading(self._pint_name(text, raw, failure), "definition" if self._user_defined(text) else "alias")

    def convention_problems(self, label: str) -> list:
        """A warning for each word this ledger's units.txt reads its own way (see :class:`Convention`)."""
        from ..errors import problem

        plain = Units()
        out = []
        for c in self.conventions:
            try:
                prodkit = plain.resolve(c.word).expr
            except UnitError as exc:
                prodkit = f"refused: {exc.reason or exc.code}"
            out.append(problem("unit-convention", file=label, line=c.line, value=c.word, definition=c.definition,
                               prodkit=prodkit))
        return out

    def _user_defined(self, text: str) -> bool:
        return bool(self.source) and text in self.ureg and text not in _new_registry_names()

    def _pint_name(self, text: str, raw: str, failure: UnitError) -> str:
        """pint's own unit names written out in full ("kilowatt_hour", "meter / second"); never a symbol.

        A short name is left alone: pint reads "MT" as a megatesla and "mg"
        as a milligram, and a source means neither.
        """
        names = re.findall(r"[^\W\d]+", text)
        for word in names:
            name = word
            try:
                name = self.ureg.get_name(word)
            except Exception:
                pass
            for bad in (word, name):
                if bad in AMBIGUOUS:
                    reason, fix = AMBIGUOUS[bad]
                    raise UnitError(raw, code="unit-ambiguous", reason=reason, hint=fix)
        if not names or any(len(n) < 4 and not self._user_defined(n) for n in names):
            raise failure
        try:
            self.ureg.parse_units(text)
        except Exception:
            raise failure from None
        return text

    def _count_unit(self, noun: str) -> str:
        """The unit for counting ``noun``s, their own dimension, defined on first use.

        A noun pint already knows as something else ("units", "bars") is never
        made a count: it is an unknown unit.
        """
        name = noun.replace("-", "_")
        if not re.fullmatch(r"[a-z][a-z_]*", name):
            raise UnitError(noun)
        try:
            unit = self.ureg.parse_units(name)
        except Exception:
            self.ureg.define(f"{name} = [{name}]")
            return name
        if unit.dimensionality != {f"[{name}]": 1}:
            raise UnitError(noun, reason=f"'{noun}' is a unit of {self.describe_dimension(unit)} to pint")
        return name

    def _by_rule(self, key: str) -> Alias | None:
        """A fraction of a whole, which no table can list: "of the rural population", "of monasteries"."""
        key = re.sub(r"\s*[\(\[][^)\]]*[\)\]]", "", key).strip()
        if key.startswith("of "):
            return Alias(key, "times", "a fraction of a whole")
        return None

    def canonical_for(self, expr: str) -> tuple[str, str]:
        """The canonical (pint expression, label) for a unit with no measure entry.

        A rate over one of the periods a basis names ("% per year", "tons a
        shift") has the canonical unit of what it counts: the period becomes
        the claim's basis (:meth:`convert`), never a division by its hours.
        """
        per = self._period(self.ureg.parse_units(expr))
        if per is not None:
            expr = str(self.ureg.parse_units(expr) * self.ureg.parse_units(per))
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
        key = (str(resolved.unit), canonical)  # many spellings share one unit: one conversion each
        cached = self._conversions.get(key)
        if cached is None:
            cached = self._conversions[key] = self._convert(resolved, canonical)
        return cached

    def _convert(self, resolved: Resolved, canonical: str) -> tuple[float, float, str | None]:
        target = self.ureg.parse_units(canonical)
        unit = resolved.unit
        if unit.dimensionality == target.dimensionality:
            return (*self._linear(unit, target), None)
        own = self._period(unit)  # the period the unit is written per: "% per year" is yearly
        if own is not None:
            times = unit * self.ureg.parse_units(own)
            if times.dimensionality == target.dimensionality:
                return (*self._linear(times, target), own)
            raise DimensionMismatch(resolved.raw, found=self.describe_dimension(unit),
                                    expected=self.describe_dimension(target))
        for base in TIME_BASES:
            times = unit * self.ureg.parse_units(base)
            if times.dimensionality == target.dimensionality:
                return (*self._linear(times, target), base)
        raise DimensionMismatch(resolved.raw, found=self.describe_dimension(unit),
                                expected=self.describe_dimension(target))

    def _period(self, unit) -> str | None:
        """The basis period a unit is written per ("year" in percent / year), if it names one of TIME_BASES."""
        for name, power in unit._units.items():
            if power == -1 and name in TIME_BASES:
                return name
        return None

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
    reading: Reading | None = None
