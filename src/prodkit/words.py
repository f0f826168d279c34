"""The base forms of a word as sources inflect it: тонн -> тонна, відсотків -> відсоток, Tonnen -> Tonne.

Russian and Ukrainian are lemmatised with pymorphy3 and its OpenCorpora and
LanguageTool dictionaries (``pymorphy3-dicts-ru``, ``pymorphy3-dicts-uk``):
every analysis's normal form is a candidate, so that an ambiguous form
(Ukrainian "тонни", Russian "пар") still reaches its unit. English, German and
French nouns lose their plural endings by the regular rules of each language,
with the irregular plurals the domain uses listed below; the inflect library
was measured and left out, since importing it costs ten times what both
pymorphy3 dictionaries cost (benchmarks/RESULTS.md).

>>> sorted(lemmas("тонн"))
['тонн', 'тонна']
>>> "відсоток" in lemmas("відсотків")
True
>>> sorted(lemmas("Tonnen"))
['tonn', 'tonne', 'tonnen']
>>> sorted(lemmas("people"))
['people', 'person']
"""

from __future__ import annotations

import functools
import re

#: Letters that only Ukrainian writes, and letters that only Russian writes.
_UKRAINIAN = set("іїєґІЇЄҐ")
_RUSSIAN = set("ыэъёЫЭЪЁ")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

#: Irregular plurals of the nouns sources count or measure by.
_IRREGULAR = {
    "people": "person", "men": "man", "women": "woman", "children": "child", "feet": "foot", "teeth": "tooth",
    "geese": "goose", "mice": "mouse", "oxen": "ox", "staves": "staff", "quintaux": "quintal",
    "chevaux": "cheval", "travaux": "travail", "leute": "person",
}


#: Finnish (partitive, inessive, elative, adessive, essive) and Hungarian (sublative, instrumental,
#: accusative, dative, inessive, elative) case endings, longest first.
_CASE_ENDINGS = sorted(["ssa", "ssä", "sta", "stä", "lla", "llä", "na", "nä", "ta", "tä", "ia", "iä", "ä",
                        "ra", "re", "val", "vel", "nak", "nek", "ban", "ben", "ból", "ből", "ot", "et", "öt"],
                       key=len, reverse=True)
_SHORT = {"á": "a", "é": "e", "ó": "o", "ő": "ö", "ú": "u", "ű": "ü"}


@functools.lru_cache(maxsize=2)
def _analyser(lang: str):
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


def _cyrillic_lemmas(word: str) -> set[str]:
    out: set[str] = set()
    for lang in _languages(word):
        parses = _analyser(lang).parse(word)
        known = [p for p in parses if p.is_known] or parses
        out.update(p.normal_form.replace("ё", "е") for p in known)
    return out


def _latin_singulars(word: str) -> set[str]:
    """The singulars an English, German or French plural may stand for (the word itself included)."""
    out = {word}
    if word in _IRREGULAR:
        out.add(_IRREGULAR[word])
    if len(word) > 3:
        if word.endswith("ies"):
            out.add(word[:-3] + "y")
        if re.search(r"(?:s|x|z|ch|sh)es$", word):
            out.add(word[:-2])
        if word.endswith("s") and not word.endswith("ss"):
            out.add(word[:-1])
        if word.endswith("en"):  # German: Tonnen, Stunden, Minuten
            out.add(word[:-1])
            out.add(word[:-2])
        if word.endswith("aux"):  # French: quintaux
            out.add(word[:-3] + "al")
        # Finnish and Hungarian case endings ("tonnia", "százalékra", "tonnával"), the stem's long vowel shortened
        for ending in _CASE_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                stem = word[: -len(ending)]
                out.add(stem)
                out.add(stem[:-1] + _SHORT.get(stem[-1], stem[-1]))
    return out


@functools.lru_cache(maxsize=4096)
def lemmas(word: str) -> frozenset[str]:
    """Every base form ``word`` may be (lower case), itself included."""
    low = word.lower().replace("ё", "е")
    if _CYRILLIC.search(low):
        return frozenset({low} | _cyrillic_lemmas(low))
    return frozenset(_latin_singulars(low))


def is_cyrillic(word: str) -> bool:
    """Whether the word is written in Cyrillic."""
    return bool(_CYRILLIC.search(word))


def is_adjective(word: str) -> bool:
    """Whether a Russian or Ukrainian word can be an adjective ("сахарной", "сменной")."""
    low = word.lower()
    if not is_cyrillic(low):
        return False
    return any(p.tag.POS in ("ADJF", "ADJS") for lang in _languages(low) for p in _analyser(lang).parse(low)
               if p.is_known)


def _languages(word: str) -> list[str]:
    return ["uk"] if _UKRAINIAN & set(word) else ["ru"] if _RUSSIAN & set(word) else ["ru", "uk"]


def is_noun(word: str) -> bool:
    """Whether a Russian or Ukrainian word can be a noun (for a commodity named after its unit: "тонн угля")."""
    low = word.lower()
    if not is_cyrillic(low):
        return False
    return any(p.tag.POS == "NOUN" for lang in _languages(low) for p in _analyser(lang).parse(low) if p.is_known)


def base_form(word: str) -> str:
    """The most likely base form of a Russian or Ukrainian word, a noun first (for the commodity column)."""
    low = word.lower()
    if not is_cyrillic(low):
        return low
    known = [p for lang in _languages(low) for p in _analyser(lang).parse(low) if p.is_known]
    for pos in ("NOUN", "ADJF"):
        for p in known:
            if p.tag.POS == pos:
                return p.normal_form
    return low
