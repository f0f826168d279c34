"""Draft ledger rows from texts: every figure of a thesis, a newspaper page or a saved web page as a candidate claim.

A candidate has the columns of ``data/raw/claims.csv`` and a few of its own:

- ``status``: ``candidate``, or ``covered`` when ``--merge`` finds a claim of
  the ledger with the same value whose quote overlaps the candidate's sentence
  (``covered_by`` names it);
- ``confidence`` (0 to 1) and ``cue``: what made the figure a candidate (a unit
  the lexicon reads, the norm of the figure before it, a list that ends in a
  unit, a multiple said in a word);
- ``guessed``: which columns prodkit filled in from cue words (statistic,
  measure, basis, source_id, converted_from); the rest are as the text gives them;
- ``locator``: ``FILE:LINE:FIRST-LAST``, the characters of the figure and its
  unit on that line (1-based, inclusive); ``quote``: the whole sentence,
  verbatim; ``footnote``: the footnote the figure is in, or the one its
  sentence cites.

A figure in a footnote takes the citation of that footnote nearest after it
(a thesis quotes, then cites); a figure in the body, the first citation of the
footnote its sentence cites. Each citation becomes a row of
``sources_candidates.csv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem
from .figures import Found, find_figures
from .guesses import citation_id, guess
from .text import MAX_BYTES, Source, read_source, sentences, shown

#: The columns of a candidates file: the ledger's, then extraction's own.
LEDGER_COLUMNS = ["claim_id", "event_id", "subject", "sector", "measure", "statistic", "value", "unit", "basis",
                  "date", "place", "source_id", "locator", "quote", "note", "norm_ref", "converted_from"]
EXTRA_COLUMNS = ["status", "confidence", "cue", "guessed", "footnote", "covered_by"]
CANDIDATE_COLUMNS = LEDGER_COLUMNS + EXTRA_COLUMNS
SOURCE_COLUMNS = ["source_id", "citation", "source_type", "year", "trust_rank", "derived_from", "note", "locator",
                  "n_candidates"]


@dataclass
class Extraction:
    """What :func:`extract_texts` found: candidate rows, source candidates and the problems of each source."""

    candidates: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read: list[str] = field(default_factory=list)  # labels of the sources read
    refused: list[str] = field(default_factory=list)  # labels of the sources that could not be read
    n_candidates: int = 0


def extract_texts(paths: list[tuple[Path, str]], *, max_bytes: int = MAX_BYTES, sink=None) -> Extraction:
    """Candidates from every ``(path, label)``; a source that cannot be read is refused with its problem.

    ``sink``: called with each candidate row as it is found, which is then not kept (a long text's
    candidates go straight to disk); without it, the rows are in ``candidates``.
    """
    out = Extraction()
    sources: dict[str, dict] = {}
    for path, label in paths:
        try:
            source = read_source(path, label, max_bytes=max_bytes)
        except InputError as exc:
            out.problems.extend(exc.problems)
            out.refused.append(label)
            continue
        out.problems.extend(source.problems)
        out.read.append(label)
        n = 0
        for row in candidates_of(source, sources):
            n += 1
            if row["source_id"]:
                sources[row["source_id"]]["n_candidates"] += 1
            if sink is None:
                out.candidates.append(row)
            else:
                sink(row)
        out.n_candidates += n
        if not n:
            from ..errors import problem

            out.problems.append(problem("text-no-figures", file=label, value=f"{len(source.text)} characters"))
        del source
    out.sources = sorted(sources.values(), key=lambda r: r["source_id"])
    return out


def _id_stem(label: str) -> str:
    stem = Path(label).stem.lower()
    return re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:24] or "text"


def candidates_of(source: Source, cited: dict[str, dict] | None = None):
    """The candidate rows of one decoded source, in order (``cited`` collects its citations as source candidates)."""
    text = source.text
    found_all = sentences(text)
    citations = _citations(text, found_all, source, cited if cited is not None else {})
    stem = _id_stem(source.label)
    for s in found_all:
        ids: dict[int, str] = {}
        quote = None
        for f in find_figures(text, s.start, s.end):
            if quote is None:
                quote = shown(text[s.start:s.end])
            line, col = source.position(f.start)
            end_line, end_col = source.position(max(f.start, f.end - 1))
            claim_id = f"x-{stem}-{line}-{col}"
            ids[id(f)] = claim_id
            g = guess(text, s.start, s.end, f)
            guessed = [name for name, v in (("statistic", g.statistic), ("measure", g.measure),
                                            ("basis", g.basis)) if v]
            source_id = _source_for(s, f, citations)
            if source_id:
                guessed.append("source_id")
            converted_from = ids.get(id(f.converts), "") if f.converts is not None else ""
            if converted_from:
                guessed.append("converted_from")
            note = "; ".join(g.why)
            if f.flags:
                note = "; ".join(x for x in (note, "flags: " + ", ".join(f.flags)) if x)
            last = f"{end_col}" if end_line == line else f"{end_line}.{end_col}"
            yield {
                "claim_id": claim_id, "event_id": "", "subject": "", "sector": "", "measure": g.measure,
                "statistic": g.statistic, "value": f.value, "unit": f.unit, "basis": g.basis, "date": "",
                "place": "", "source_id": source_id, "locator": f"{source.label}:{line}:{col}-{last}",
                "quote": quote, "note": note, "norm_ref": "", "converted_from": converted_from,
                "status": "candidate", "confidence": f"{f.confidence:.2f}", "cue": f.cue, "guessed": ";".join(guessed),
                "footnote": s.footnote or s.cites or "", "covered_by": "",
            }


def _citations(text: str, found: list, source: Source, cited: dict[str, dict]) -> dict[str, list[tuple[int, str]]]:
    """Per footnote: (sentence start, source_id) of each sentence that cites a work."""
    out: dict[str, list[tuple[int, str]]] = {}
    for s in found:
        if s.footnote is None:
            continue
        sentence = shown(text[s.start:s.end])
        hit = citation_id(sentence)
        if hit is None:
            continue
        source_id, year = hit
        out.setdefault(s.footnote, []).append((s.start, source_id))
        if source_id not in cited:
            line, _ = source.position(s.start)
            kind = "archival" if re.match(r"(rgaspi|garf|rgae|rgali|rgva|tsga|ргаспи|гарф|цга)", source_id) else ""
            cited[source_id] = {"source_id": source_id, "citation": re.sub(r"^[\s⁰¹²³⁴⁵⁶⁷⁸⁹]+", "", sentence),
                                "source_type": kind, "year": year, "trust_rank": "", "derived_from": "",
                                "note": "drafted by prodkit extract from a footnote: check the citation, "
                                        "the type and the rank",
                                "locator": f"{source.label}:{line} (fn {s.footnote})", "n_candidates": 0}
    return out


def _source_for(s, f: Found, citations: dict[str, list[tuple[int, str]]]) -> str:
    if s.footnote is not None:
        here = citations.get(s.footnote, [])
        after = [sid for start, sid in here if start >= s.start]
        before = [sid for start, sid in here if start < s.start]
        return after[0] if after else before[-1] if before else ""
    if s.cites is not None and citations.get(s.cites):
        return citations[s.cites][0][1]
    return ""


# ---------------------------------------------------------------------------
# --merge: what the ledger already has
# ---------------------------------------------------------------------------

def _span(value: str) -> tuple:
    from ..values import FigureError, parse_figure

    try:
        f = parse_figure(value)
    except FigureError:
        return ("text", re.sub(r"\s+", "", value.lower()))
    if f.low is None and f.high is None:
        return ("text", re.sub(r"\s+", "", value.lower()))
    return (round(f.low, 9) if f.low is not None else None, round(f.high, 9) if f.high is not None else None)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


class Coverage:
    """The ledger's claims by value, to mark the candidates they cover (same value, overlapping quote)."""

    def __init__(self, ledger: list[dict]):
        self.by_value: dict[tuple, list[tuple[str, str]]] = {}
        for claim in ledger:
            if claim.get("value") and claim.get("quote"):
                self.by_value.setdefault(_span(claim["value"]), []).append(
                    (claim.get("claim_id", ""), _words(claim["quote"])))

    def mark(self, row: dict) -> bool:
        quote = _words(row["quote"])
        for claim_id, theirs in self.by_value.get(_span(row["value"]), []):
            if theirs and (theirs in quote or quote in theirs):
                row["status"], row["covered_by"] = "covered", claim_id
                return True
        return False


def mark_covered(candidates: list[dict], ledger: list[dict]) -> int:
    """Mark the candidates that a claim of ``ledger`` covers; return how many."""
    coverage = Coverage(ledger)
    return sum(coverage.mark(row) for row in candidates)
