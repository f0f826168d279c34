"""A unit phrase as sources write it, read word by word: "центнеров сахарной свёклы с гектара" -> q/ha.

The grammar is small and says what it reads:

- a **quantity** is ``[scale...] [size] UNIT [what is measured] [PER [number] [scale] UNIT]``:
  "млн. т угля", "million metric tons", "centners of sugar beet per hectare",
  "тонн за смену", "Tonnen Kohle pro Schicht", "kWh", "Stakhanovite workers";
- a **ratio** is ``PERCENT [ABOVE] [of] [NORM] [PER UNIT]`` or ``TIMES [NORM]`` or
  ``NORM`` alone: "% of the norm", "per cent above the norm", "процентов сверх
  нормы", "% в год", "times the quota", "раз", "14 shift norms" (a multiple);
- a bracketed **gloss** ("тонну (tonnes)", "Paar (pairs)") is read too: it is
  used when the phrase is not, and when both are read they must agree;
  a bracketed size word ("tons (short)") is part of the unit.

Every word is looked up in ``units/lexicon.csv`` as written, and then by its
base forms (:mod:`.words`): "тонн" is "тонна", "Tonnen" is "Tonne". What is
measured ("угля", "of coal", "Kohle") goes to its own column and never
changes the unit. A word the grammar cannot place is an error, never a guess:
"tons more" is not "tons".

>>> lex = Lexicon.shipped()
>>> r = read_unit("центнеров сахарной свёклы с гектара", lex)
>>> (r.expr, r.route, r.commodity)
('(quintal) / (hectare)', 'lemma', 'сахарный свёкла')
>>> r = read_unit("млн. т угля", lex)
>>> (r.expr, r.scale, r.commodity, r.route)
('tonne', 1000000.0, 'уголь', 'alias')
>>> read_unit("per cent above the norm", lex).expr
'percent_above'
>>> read_unit("% в год", lex).expr
'(percent) / (year)'
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Callable

from ..errors import UnitError
from ..words import base_form, is_adjective, is_cyrillic, is_noun, lemmas

#: Routes by which a phrase was read, most direct first (claims.csv, column unit_reading); "value" is a
#: unit the figure carries itself ("13-fold", "5 hr 45 min", "2023%") where the unit column names none.
ROUTES = ("alias", "lemma", "gloss", "definition", "value")


@dataclass(frozen=True)
class Entry:
    kind: str
    meaning: str
    note: str = ""


@dataclass(frozen=True)
class Reading:
    """How a unit as written was read."""

    expr: str  # a pint expression
    route: str  # one of ROUTES
    scale: float = 1.0  # a scale word in the unit ("млн. т"): multiplies the value
    commodity: str | None = None  # what is measured, when the phrase names it ("угля", "of coal")
    note: str = ""  # the lexicon's notes on the words read
    ratio: str | None = None  # for a ratio: "percent", "times", "norm" when only the norm is named ("норм"), or
    #: "per" for a period alone ("per year", "ежегодно"), whose figure carries what it counts ("14%")
    alternatives: tuple[str, ...] = ()  # other units the word may name, tried in turn by the measure ("станок")

    @property
    def ratio_kind(self) -> str | None:
        """percent, times or norm for a ratio (from its words, or its expression for a listed phrase); else None."""
        if self.ratio:
            return self.ratio
        if "percent" in self.expr:
            return "percent"
        return "times" if self.expr == "times" else None


@dataclass
class Lexicon:
    """The words of unit phrases: by base form (lower case), and symbols by their exact spelling."""

    words: dict[str, list[Entry]] = field(default_factory=dict)
    symbols: dict[str, Entry] = field(default_factory=dict)
    #: words a ledger's units.txt defines: read before anything else, route "definition"
    defined: dict[str, str] = field(default_factory=dict)
    _stem_cache: frozenset[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def shipped(cls) -> "Lexicon":
        """lexicon.csv, with the one-word rows of aliases.csv ("buildings", "stakhanovites") as unit words.

        Read once per process and shared: a ledger's own words go into a copy (:meth:`with_definitions`).
        """
        return _shipped_lexicon()

    @classmethod
    def _read_shipped(cls) -> "Lexicon":
        lex = cls()
        folder = resources.files("prodkit.units")
        with open(folder / "lexicon.csv", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(line for line in fh if not line.startswith("#")):
                entry = Entry(row["kind"], row["meaning"], row.get("note") or "")
                if entry.kind == "symbol":
                    lex.symbols[row["word"]] = Entry("unit", entry.meaning, entry.note)
                else:
                    lex.words.setdefault(row["word"].lower(), []).append(entry)
        from ..numbers import SCALES

        for word, factor in SCALES.items():  # "млн", "Mio", "mill": the scale words values read too
            if len(word) > 1 and word not in ("cent", "hundred", "hundert", "сто") and word not in lex.words:
                lex.words[word] = [Entry("scale", repr(factor))]
        with open(folder / "aliases.csv", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(line for line in fh if not line.startswith("#")):
                word = row["alias"].strip().lower()
                if " " in word or word in lex.words or word in _SYMBOL_CASES or row["unit"].startswith("!"):
                    continue
                lex.words[word] = [Entry("unit", row["unit"].strip(), row.get("note") or "")]
        return lex

    def _stems(self) -> frozenset[str]:
        """The first letters of every Cyrillic word the lexicon inflects (see :func:`_stem`)."""
        if self._stem_cache is None:
            inflected = [w for w, entries in self.words.items()
                         if not {e.kind for e in entries} <= {"of", "per", "filler", "above", "below"}]
            self._stem_cache = frozenset(_stem(w) for w in [*inflected, *self.defined] if is_cyrillic(w))
        return self._stem_cache

    def with_definitions(self, defined: dict[str, str]) -> "Lexicon":
        """A copy in which the words of a ledger's units.txt mean what it says."""
        return Lexicon(self.words, self.symbols, {**self.defined, **defined})

    def lookup(self, token: str) -> tuple[list[Entry], str]:
        """The entries of a token and the route that found them ("" when none)."""
        low = token.lower()
        if self.defined:
            for form in (token, low, *sorted(lemmas(token.rstrip(".")))):
                if form in self.defined:
                    return [Entry("unit", self.defined[form], "defined in units.txt")], "definition"
        if token in self.symbols:
            return [self.symbols[token]], "alias"
        if low in self.words:
            return self.words[low], "alias"
        if token.rstrip(".") != token:  # an abbreviation's dot: "т.", "млн.", "Mio."
            found, route = self.lookup(token.rstrip("."))
            if found:
                return found, route
        if low in _SYMBOL_CASES:
            return [], ""  # a symbol in the wrong case is never matched by its lower case
        if is_cyrillic(low) and _stem(low) not in self._stems():
            # no lexicon word begins as this one does: the analyser (a dictionary load) cannot find it one;
            # the few forms that change their first letters ("лет", "людей", "року") are listed as written
            return [], ""
        for base in sorted(lemmas(token)):
            if base != low and base in self.words:
                return self.words[base], "lemma"
        return [], ""


def _stem(word: str) -> str:
    """A word's first three letters, with Ukrainian і read as the о it alternates with and ё as е ("осіб" and
    "особа", "рік" and "року", "жінок" and "жінка" begin alike)."""
    return word.lower()[:3].replace("і", "о").replace("ё", "е")


#: Symbols whose case carries meaning: matched exactly, never through lower case.
_SYMBOL_CASES = {"mt", "mg", "mwh", "gwh", "mha", "gt"}

#: Phrases of several words that stand for one (read before the words are).
_PHRASES = [
    (re.compile(r"\bper\s*cent\b|\bpour\s+cent\b|\bv\.\s*h\.?|\bvh\b", re.I), " percent "),
    (re.compile(r"\bin excess of\b|\bmore than\b|\bhigher than\b|\bbolee\b", re.I), " above "),
    (re.compile(r"\bau[- ]dessus\b|\bde plus que\b", re.I), " above "),
    (re.compile(r"\bnorm(?:e|a)?\s+(?:выработки|виробітку)\b", re.I), " norm "),
    # "кВт/ч", "kW / h": written for the kilowatt-hour (a kilowatt per hour is no output)
    (re.compile(r"(?<![\w])квт\s*[/·.\-]?\s*(?:ч|час|год)\.?(?![\w])", re.I), " квт·ч "),
    (re.compile(r"(?<![\w])kw\s*[/·\-]\s*h(?![\w])", re.I), " kwh "),
]
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u2007]+")
_TOKEN = re.compile(r"[%×/]|\b[ldLD]['’]|\d+(?:[.,]\d+)?|[^\s%×/\d'’]+(?:[-'’][^\s%×/'’]+)*\.?")
#: A trailing bracket: "тонну (tonnes)", "tons [long]".
_GLOSS = re.compile(r"^(?P<main>.*?)\s*[\(\[](?P<gloss>[^)\]]*)[\)\]]\s*$")


def normalise(text: str) -> str:
    """One spelling for the same phrase: Unicode NFC, one kind of space, no outer spaces."""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def read_unit(text: str, lexicon: Lexicon, phrase: Callable[[str], Reading] | None = None, *,
              counts: bool = False) -> Reading:
    """Read a unit as written; raise :class:`~prodkit.errors.UnitError` when it cannot be read for sure.

    ``phrase`` reads one phrase without brackets (by default :func:`read_phrase`;
    :class:`~prodkit.units.registry.Units` tries its table of whole phrases first).
    ``counts``: an English plural the lexicon does not know is read as a
    count of those things ("assistants"), as it is where the measure counts.
    """
    phrase = phrase or (lambda t: read_phrase(t, lexicon, counts=counts))
    text = normalise(text)
    whole = re.fullmatch(r"[\(\[](.*)[\)\]]", text)
    if whole and not re.search(r"[\(\)\[\]]", whole.group(1)):  # "(in Mio. t)": a table's heading
        text = re.sub(r"^(?:in|en|в|у)\s+", "", whole.group(1).strip())
    m = _GLOSS.match(text)
    if not m or not m.group("main"):
        return phrase(text)
    main, gloss = m.group("main").strip(), m.group("gloss").strip()
    size = lexicon.words.get(gloss.lower().rstrip("."), [])
    if any(e.kind == "size" for e in size):  # "tons (short)": the bracket says which ton
        return phrase(f"{gloss} {main}")
    try:
        first = phrase(main)
    except UnitError as exc:
        first, failure = None, exc
    try:
        second = phrase(gloss)
    except UnitError:
        second = None
    if first is None and second is None:
        raise failure
    if first is None:
        return replace(second, route="gloss", note=_join(second.note, f"read from the gloss '{gloss}'"))
    if second is None:
        # a hedge or a doubt in brackets ("tons (approx.)", "(sic)", "(?)") changes how the figure is read,
        # so it is a problem, never dropped in silence; any other bracket is a remark ("mm (length of the
        # plank)", "times (factor of five)"), which the unit as written keeps and no other column takes
        if _hedge(gloss):
            raise UnitError(text, code="unit-bracket-unread",
                            reason=f"'{main}' reads as {_shown(first)}, but the bracket '{gloss}' qualifies the "
                                   "figure, which a unit cannot carry",
                            hint="Move a hedge to the value ('~102', 'about 102'), a doubt to the note, and keep in "
                                 "brackets only a unit that translates the first ('тонну (tonnes)').")
    if second is not None and "item" in (first.expr, second.expr):  # "drills (штук)": pieces of what the other names
        return second if first.expr == "item" else first
    if second is not None and second.expr == "percent" and first.ratio_kind == "percent":
        return first  # "% above the former norms (проц.)": the gloss translates the percent sign only
    if second is not None and not _same(first, second):
        raise UnitError(text, code="unit-gloss-conflict",
                        reason=f"'{main}' reads as {_shown(first)} but its gloss '{gloss}' as {_shown(second)}",
                        hint="Keep the unit the source wrote and correct or delete the gloss.")
    return first


#: Words of a bracket that qualify the figure, not the unit: hedges and doubts, in the ledger's languages.
_HEDGES = frozenset("""approx approximately approximate est estimated estimate ca circa c about around roughly
    nearly almost over under sic doubtful uncertain unclear illegible unsure probably perhaps maybe
    примерно приблизительно около ок свыше более менее почти порядка приблиз прибл
    приблизно близько понад майже
    ungefähr etwa ca über unter fast rund zirka geschätzt vermutlich""".split())


def _hedge(bracket: str) -> bool:
    """Does a bracket qualify the figure ('approx.', 'sic', '?', 'около') rather than name or describe a unit?"""
    text = bracket.lower()
    if re.search(r"[?!]", text):
        return True
    words = re.findall(r"[^\W\d_]+", text)
    return bool(words) and words[0] in _HEDGES


def _same(a: Reading, b: Reading) -> bool:
    """Do two readings name the same unit at the same scale (the pint expressions compared exactly)?"""
    return a.scale == b.scale and _canon(a.expr) == _canon(b.expr)


def _canon(expr: str) -> str:
    return re.sub(r"[()\s]", "", expr)


def _shown(r: Reading) -> str:
    return (f"{r.scale:g} × " if r.scale != 1 else "") + r.expr


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


@dataclass
class _Word:
    text: str
    entries: list[Entry]
    route: str

    def kinds(self) -> set[str]:
        return {e.kind for e in self.entries}

    def entry(self, kind: str) -> Entry | None:
        return next((e for e in self.entries if e.kind == kind), None)


def _words(text: str, lexicon: Lexicon) -> list[_Word]:
    for pattern, repl in _PHRASES:
        text = pattern.sub(repl, text)
    out = []
    for token in _TOKEN.findall(text):
        if re.fullmatch(r"\d+(?:[.,]\d+)?", token):
            out.append(_Word(token, [Entry("number", token.replace(",", "."))], "alias"))
            continue
        entries, route = lexicon.lookup(token)
        if not entries and token == "/":
            entries, route = [Entry("per", "")], "alias"
        out.append(_Word(token, entries, route))
    return out


def _fail(text: str, reason: str = "") -> UnitError:
    return UnitError(text, reason=reason)


def read_phrase(text: str, lexicon: Lexicon, *, counts: bool = False) -> Reading:
    """One phrase, without brackets, by the grammar above (``counts``: see :func:`read_unit`)."""
    words = _words(text, lexicon)
    if not words:
        raise _fail(text)
    for w in words:
        refused = w.entry("unit") or w.entry("symbol")
        if refused is not None and refused.meaning == "!":
            fix = refused.note.split(":", 1)[-1].strip()
            raise UnitError(text, code="unit-ambiguous", reason=refused.note.split(":")[0],
                            hint=fix[:1].upper() + fix[1:] + ".")
    for before, after in zip(words, words[1:]):
        if before.text.lower() in ("l'", "d'") and after.text in lexicon.symbols:
            raise UnitError(text, code="unit-ambiguous", reason=f"'{before.text}{after.text}' shortens a word: "
                            f"'{after.text}' alone is not read after an elided article",
                            hint=f"Write the word in full (e.g. '{before.text}hectare').")
    kinds = [w.kinds() for w in words]
    if any("below" in k for k in kinds):
        raise _fail(text, "a ratio below its reference is not read: write the figure as a percent of it")
    period = _period_only(text, words)
    if period is not None:
        return period
    if any(k & {"percent", "times", "norm"} for k in kinds):
        return _read_ratio(text, words)
    return _read_quantity(text, words, counts)


def _period_only(text: str, words: list[_Word]) -> Reading | None:
    """'per year', 'в год', 'ежегодно': a period alone, for a figure that carries what it counts ("14%")."""
    core = [w for w in words if w.kinds() != {"filler"}]
    if len(core) == 1 and "per-period" in core[0].kinds():
        return Reading(f"1 / ({core[0].entry('per-period').meaning})", _route(words), ratio="per")
    if len(core) >= 2 and "per" in core[0].kinds() and all(w.kinds() & {"unit", "number", "filler"}
                                                             for w in core[1:]):
        return Reading(f"1 / ({_period_expr(text, core[1:])})", _route(words), ratio="per")
    return None


def _route(words: list[_Word]) -> str:
    routes = {w.route for w in words if w.route}
    return next((r for r in ("definition", "lemma") if r in routes), "alias")


def _notes(words: list[_Word]) -> str:
    return _join(*dict.fromkeys(e.note for w in words for e in w.entries if e.note and e.kind in ("unit", "scale")))


def _read_ratio(text: str, words: list[_Word]) -> Reading:
    """PERCENT [ABOVE] [of] [NORM] [PER UNIT], TIMES [NORM], or NORM alone (a multiple: "14 норм")."""
    head, period = _split_per(words)
    core = [w for w in head if not (w.kinds() & {"filler", "of"})]
    percent = any("percent" in w.kinds() for w in core)
    times = any("times" in w.kinds() for w in core)
    above = any("above" in w.kinds() for w in core)
    norm = any("norm" in w.kinds() for w in core)
    rest = [w for w in core if not (w.kinds() & {"percent", "times", "norm", "above"})]
    if norm:  # "shift norms", "сменной нормы", "the yearly quota": words that say which norm
        rest = [w for w in rest if not (_says_which_norm(w))]
    if percent and times:
        raise _fail(text, "it says both percent and times")
    # what the ratio is of, when it is not the norm: "% of workers", "times current output"
    last = max(i for i, w in enumerate(head) if w.kinds() & {"percent", "times", "norm", "above"})
    tail = head[last + 1:]
    while tail and tail[0].text.lower() in _ARTICLES:
        tail = tail[1:]
    of_what = " ".join(w.text for w in tail) if rest else None
    if rest and (above or norm or not (percent or times) or any("scale" in w.kinds() for w in rest)):
        raise _fail(text, f"'{' '.join(w.text for w in rest)}' has no place in a ratio")
    expr = "percent_above" if above and percent else "percent" if percent else "times"
    if above and not percent:
        raise _fail(text, "'above' needs a percentage: write '% above the norm'")
    if period:
        expr = f"({expr}) / ({_period_expr(text, period)})"
    return Reading(expr, _route(words), commodity=of_what, note=_notes(words))


_ARTICLES = {"of", "the", "a", "an", "de", "d'", "du", "des", "la", "le", "les", "l'", "der", "die", "das", "den",
             "dem", "von", "от", "від", "к", "до"}
_NORM_ADJECTIVES = {"daily", "yearly", "annual", "monthly", "weekly", "former", "new", "old", "increased", "raised",
                    "technical", "output", "production", "average", "state", "five-year", "tages", "jahres"}


def _says_which_norm(w: _Word) -> bool:
    """A word that says which norm a ratio is of: a period ("shift norm"), or an adjective ("сменной нормы")."""
    if w.entry("unit") is not None and w.entry("unit").meaning in ("shift", "day", "year", "month", "week"):
        return True
    return w.text.lower() in _NORM_ADJECTIVES or (is_cyrillic(w.text) and is_adjective(w.text))


def _split_per(words: list[_Word]) -> tuple[list[_Word], list[_Word]]:
    """The words before the first word that starts a rate's period, and those after it."""
    for i, w in enumerate(words):
        if i > 0 and "per-period" in w.kinds() and i == len(words) - 1:  # "тонн ежегодно"
            return words[:i], [_Word(w.text, [Entry("unit", w.entry("per-period").meaning)], w.route)]
        if i > 0 and "per" in w.kinds():
            nxt = next((x for x in words[i + 1:] if x.kinds() != {"filler"}), None)
            if nxt is not None and nxt.kinds() & {"unit", "number", "scale"}:
                return words[:i], words[i + 1:]
    return words, []


def _period_expr(text: str, period: list[_Word]) -> str:
    """The unit after 'per' ("year", "1 га", "100 hectares"), as a pint expression."""
    number, scale = 1.0, 1.0
    units = []
    for w in period:
        if "number" in w.kinds() and not units:
            number *= float(w.entry("number").meaning)
        elif "scale" in w.kinds() and not units:
            scale *= float(w.entry("scale").meaning)
        elif "unit" in w.kinds():
            units.append(w.entry("unit").meaning)
        elif w.kinds() & {"filler"}:
            continue
        else:
            raise _fail(text, f"'{w.text}' has no place after 'per'")
    if len(units) != 1:
        raise _fail(text, "a rate needs one unit after 'per'")
    factor = number * scale
    return units[0] if factor == 1 else f"{factor:g} * {units[0]}"


_SIZED = {("short", "tonne"): "short_ton", ("long", "tonne"): "long_ton", ("metric", "tonne"): "tonne",
          ("short", "hundredweight"): "short_hundredweight", ("long", "hundredweight"): "long_hundredweight"}


def _read_quantity(text: str, words: list[_Word], counts: bool = False) -> Reading:
    head, period = _split_per(words)
    scale, size = 1.0, None
    i = 0
    while i < len(head) and (head[i].kinds() & {"scale", "size", "filler"}
                             or ("of" in head[i].kinds() and i + 1 < len(head))):  # "millions of", "de tonnes"
        w = head[i]
        if "scale" in w.kinds():
            scale *= float(w.entry("scale").meaning)
        elif "size" in w.kinds():
            size = w.entry("size").meaning
        i += 1
    body = head[i:]
    units = [k for k, w in enumerate(body) if "unit" in w.kinds()]
    if not units and counts and body and _counted_noun(body[-1].text) and not any(w.entries for w in body):
        # "assistants", "Stakhanovite shafts", "коленчатых валов": a plural names the things counted
        noun = _counted_noun(body[-1].text)
        return Reading(f"{COUNT_PREFIX}{noun}", "lemma", scale=scale,
                       commodity=" ".join(w.text for w in body[:-1]) or None, note=f"a count of {noun}s")
    if not units:
        raise _fail(text, f"no word of '{text}' is a unit prodkit knows" if body else "only a scale word")
    k = units[0]
    unit, *alternatives = body[k].entry("unit").meaning.split("|")
    if size is not None:
        sized = _SIZED.get((size, unit))
        if sized is None:
            raise _fail(text, f"'{size}' does not say which '{body[k].text}' is meant")
        unit = sized
    before, after = body[:k], body[k + 1:]
    commodity = _commodity(text, before, body[k], after)
    expr = unit
    if period:
        expr = f"({unit}) / ({_period_expr(text, period)})"
    return Reading(expr, _route(words), scale=scale, commodity=commodity, note=_notes(words),
                   alternatives=tuple(alternatives))


#: Units that count things: only these may follow words that say which things ("Orthodox churches").
COUNT_UNITS = frozenset({"pair", "loom", "part", "cutter", "page", "person", "machine", "drill", "building", "item",
                         "storey", "column_of_print"})


#: The expression of a count of things the lexicon does not list: "count:assistant".
COUNT_PREFIX = "count:"


def _counted_noun(word: str) -> str | None:
    """The singular of an English plural noun ("assistants" -> "assistant"), or None."""
    if not re.fullmatch(r"[A-Za-z][a-z-]*[a-z]s", word) or word.endswith("ss") or len(word) < 4:
        return None
    low = word.lower()
    if low.endswith("ies"):
        return low[:-3] + "y"
    if re.search(r"(?:ch|sh|x|ss)es$", low):
        return low[:-2]
    return low[:-1]


def _commodity(text: str, before: list[_Word], unit_word: _Word, after: list[_Word]) -> str | None:
    """What is measured, when the phrase names it; an error for any word that could change the unit.

    Allowed: "of" and the words after it ("tons of coal", "centners of sugar
    beet"); Russian and Ukrainian nouns and their adjectives after the unit
    ("тонн угля", "центнеров сахарной свёклы"); capitalised German nouns
    after the unit ("Tonnen Kohle"); words before a unit that counts things
    ("Stakhanovite workers", "automatic looms").
    """
    out = []
    if before:  # "Orthodox churches": what is counted is the whole phrase
        counted = unit_word.entry("unit").meaning.split("|")[0] in COUNT_UNITS
        if not counted or any(w.kinds() - {"size", "filler"} for w in before if w.entries):
            raise _fail(text, f"'{' '.join(w.text for w in before)}' has no place before the unit")
        out += [w.text for w in before] + [unit_word.text]
    if after:
        rest = after[1:] if "of" in after[0].kinds() else after
        introduced = rest is not after
        for w in rest:
            if w.entries and not (w.kinds() <= {"of", "filler"}):
                raise _fail(text, f"'{w.text}' has no place after the unit")
            if w.kinds() <= {"of", "filler"} and w.entries:
                continue
            if introduced or (is_cyrillic(w.text) and (is_noun(w.text) or is_adjective(w.text))) \
                    or w.text[:1].isupper():
                out.append(base_form(w.text) if is_cyrillic(w.text) else w.text)
            else:
                raise _fail(text, f"'{w.text}' has no place after the unit")
    return " ".join(out) or None


@functools.lru_cache(maxsize=1)
def _shipped_lexicon() -> Lexicon:
    return Lexicon._read_shipped()
