"""Checks across rows and tables: ids, references, events, adjudications.

Each check is a function from frames to a list of Problems; none changes a
row. Rows are named by ``source_file`` and ``source_line``.
"""

from __future__ import annotations

import polars as pl

from .errors import Problem, problem
from .ledger import Table
from .suggest import Suggester
from .values import FigureError, parse_figure


def empty_required(table: Table, required: list[str]) -> list[Problem]:
    """A required field left empty (or only spaces), cell by cell."""
    cols = table.column_numbers
    empty = {name: pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "") for name in required}
    hit = table.frame.filter(pl.any_horizontal(list(empty.values())))
    out = []
    for name, is_empty in empty.items():
        for line in hit.filter(is_empty)["source_line"].to_list():
            out.append(problem("field-empty", file=table.label, line=line, column=cols.get(name), field=name))
    return out


def duplicate_ids(frame: pl.DataFrame, column: str, code: str, col_number: int | None) -> list[Problem]:
    """Every row after the first that repeats an id."""
    col = pl.col(column)
    ids = frame.select(column, "source_file", "source_line").filter(col.is_not_null())
    # ids are usually written in order (empty ones aside): then a repeat sits
    # next to its twin, and no id needs hashing
    in_order = ids.select((col.shift(1) <= col).all()).item()
    repeated = ((col == col.shift(1)) | (col == col.shift(-1))).fill_null(False) if in_order else col.is_duplicated()
    dup = ids.filter(repeated)
    if dup.height == 0:
        return []
    dup = dup.with_columns(pl.col("source_line").min().over(column).alias("_first")).filter(
        pl.col("source_line") != pl.col("_first")).sort("source_line")
    return [problem(code, file=f, line=line, column=col_number, field=column, value=v, first_line=first)
            for v, f, line, first in dup.select(column, "source_file", "source_line", "_first").iter_rows()]


#: Suggestions ("did you mean ...?") are looked for only for this many distinct
#: unknown ids: a ledger with thousands of them needs fixing wholesale anyway.
SUGGEST_AT_MOST = 50


def unknown_sources(claims: pl.DataFrame, sources: pl.DataFrame, sources_label: str,
                    col_number: int | None, rejected_sources: set[str]) -> list[Problem]:
    known = sorted(set(sources["source_id"].drop_nulls().to_list()))
    out = []
    claims = claims.select("source_id", "source_file", "source_line")
    missing = claims.filter(pl.col("source_id").is_not_null() & ~pl.col("source_id").is_in(known))
    distinct = missing.select(pl.col("source_id").unique(maintain_order=True))["source_id"].to_list()
    suggester = Suggester(known)
    near = {sid: suggester.nearest(sid) for sid in distinct[:SUGGEST_AT_MOST]}
    for sid, f, line in missing.select("source_id", "source_file", "source_line").iter_rows():
        guess = near.get(sid)
        out.append(problem("source-unknown", file=f, line=line, column=col_number, field="source_id",
                           value=sid, sources_file=sources_label,
                           suggestion=f" (did you mean '{guess}'?)" if guess else ""))
    if rejected_sources:
        hit = claims.filter(pl.col("source_id").is_in(sorted(rejected_sources)))
        for sid, f, line in hit.select("source_id", "source_file", "source_line").iter_rows():
            out.append(problem("source-rejected", file=f, line=line, column=col_number, field="source_id",
                               value=sid, sources_file=sources_label))
    return out


def derivation_chain(parent: dict[str, str], source_id: str) -> tuple[list[str], bool]:
    """The sources a source retells, following ``derived_from``: (chain, whether it loops).

    The chain starts at ``source_id`` and ends at the source that retells no
    other (its root); a chain that loops ends with the first source met twice.

    >>> derivation_chain({"b": "a", "c": "b"}, "c")
    (['c', 'b', 'a'], False)
    >>> derivation_chain({"a": "b", "b": "a"}, "a")
    (['a', 'b', 'a'], True)
    """
    chain = [source_id]
    while chain[-1] in parent:
        nxt = parent[chain[-1]]
        if nxt in chain:
            return chain + [nxt], True
        chain.append(nxt)
    return chain, False


def source_parents(sources: pl.DataFrame) -> dict[str, str]:
    """source_id -> the source_id it retells (``derived_from``), for the sources that retell one."""
    return {s: d for s, d in sources.select("source_id", "derived_from").iter_rows() if s and d}


def derived_sources(sources: pl.DataFrame, col_number: int | None) -> list[Problem]:
    """derived_from must name a known source and make no cycle."""
    ids = set(sources["source_id"].drop_nulls().to_list())
    parent = source_parents(sources)
    lines = dict(sources.select("source_id", "source_line").iter_rows())
    file = sources["source_file"][0] if sources.height else ""
    out = []
    for sid, d in sorted(parent.items()):
        if d not in ids:
            out.append(problem("derived-unknown", file=file, line=lines.get(sid), column=col_number,
                               field="derived_from", value=d))
            continue
        chain, loops = derivation_chain(parent, sid)
        if loops:
            out.append(problem("derived-cycle", file=file, line=lines.get(sid), column=col_number,
                               field="derived_from", value=" -> ".join(chain)))
    return out


def event_consistency(claims: pl.DataFrame, col_numbers: dict[str, int]) -> list[Problem]:
    """Claims of one event should name one subject and one sector (a warning)."""
    out = []
    mixed = (claims.group_by("event_id")
             .agg((pl.col("subject").drop_nulls().n_unique() > 1).alias("subject"),
                  (pl.col("sector").drop_nulls().n_unique() > 1).alias("sector"))
             .filter(pl.col("subject") | pl.col("sector")))
    if mixed.height == 0:
        return out
    rows = claims.join(mixed.select("event_id"), on="event_id", how="semi")
    for field in ("subject", "sector"):
        events = mixed.filter(pl.col(field))["event_id"]
        part = rows.filter(pl.col("event_id").is_in(events) & pl.col(field).is_not_null()).sort("source_line")
        firsts = part.group_by("event_id", maintain_order=True).agg(
            pl.col(field).first().alias("_other"), pl.col("source_line").first().alias("_other_line"))
        clash = part.join(firsts, on="event_id").filter(pl.col(field) != pl.col("_other")).sort("source_line")
        for ev, v, other, other_line, f, line in clash.select(
                "event_id", field, "_other", "_other_line", "source_file", "source_line").iter_rows():
            out.append(problem("event-inconsistent", file=f, line=line, column=col_numbers.get(field),
                               field=field, value=v, event_id=ev, other=other, other_line=other_line))
    return out


def references(claims: pl.DataFrame, col_numbers: dict[str, int]) -> list[Problem]:
    """converted_from names a claim; norm_ref names an event that has a norm (anti-joins, no Python sets)."""
    out = []
    # the few converting claims are looked up among all claim ids (no unique() of millions of ids first)
    ids = claims.select(pl.col("claim_id").alias("converted_from"))
    bad = (claims.select("converted_from", "source_file", "source_line")
           .filter(pl.col("converted_from").is_not_null()).join(ids, on="converted_from", how="anti"))
    for v, f, line in bad.iter_rows():
        out.append(problem("converted-from-unknown", file=f, line=line, column=col_numbers.get("converted_from"),
                           field="converted_from", value=v))
    norm_events = (claims.filter(pl.col("statistic") == "norm").select(pl.col("event_id").alias("norm_ref"))
                   .drop_nulls().unique())
    bad = (claims.select("norm_ref", "source_file", "source_line").filter(pl.col("norm_ref").is_not_null())
           .join(norm_events, on="norm_ref", how="anti"))
    for v, f, line in bad.iter_rows():
        out.append(problem("norm-ref-unknown", file=f, line=line, column=col_numbers.get("norm_ref"),
                           field="norm_ref", value=v))
    return out


def adjudication_checks(adj: pl.DataFrame, claims: pl.DataFrame, col_numbers: dict[str, int], *,
                        decimal_mark: str | None = None) -> list[Problem]:
    """Each adjudication names an existing (event, measure, statistic) once."""
    out = []
    keys = claims.select("event_id", "measure", "statistic").unique()
    keyset = set(keys.iter_rows())
    claim_event = {c: (e, m, s) for c, e, m, s in claims.select("claim_id", "event_id", "measure", "statistic").iter_rows()}
    seen: dict[tuple, int] = {}
    for row in adj.sort("source_line").iter_rows(named=True):
        key = (row["event_id"], row["measure"], row["statistic"])
        f, line = row["source_file"], row["source_line"]
        if key not in keyset:
            out.append(problem("adjudication-no-event", file=f, line=line, column=col_numbers.get("event_id"),
                               field="event_id", value=row["event_id"]))
            continue
        if key in seen:
            out.append(problem("adjudication-duplicate", file=f, line=line, column=col_numbers.get("event_id"),
                               field="event_id", value=row["event_id"], first_line=seen[key]))
            continue
        seen[key] = line
        cid = row.get("claim_id")
        if cid and row.get("value"):
            # which one was meant is the historian's call, not prodkit's
            out.append(problem("adjudication-value-and-claim", file=f, line=line, column=col_numbers.get("value"),
                               field="value", value=row["value"], claim_id=cid))
        if cid and claim_event.get(cid) != key:
            out.append(problem("adjudication-claim-unknown", file=f, line=line,
                               column=col_numbers.get("claim_id"), field="claim_id", value=cid))
        if not cid and not row.get("value"):
            out.append(problem("field-empty", file=f, line=line, column=col_numbers.get("value"),
                               field="value", value=""))
        elif not cid:
            try:
                figure = parse_figure(row["value"], decimal_mark)
                if figure.mid is None:
                    raise FigureError(figure.reason or "it has no number")
            except FigureError as exc:
                out.append(problem("value-unparseable", file=f, line=line, column=col_numbers.get("value"),
                                   field="value", value=row["value"], reason=str(exc)))
    return out


# ---------------------------------------------------------------------------
# ids: stripped, checked against the id rule, near-duplicates named
# ---------------------------------------------------------------------------

#: The id rule (README codebook): small letters a-z and digits, with single
#: '-', '_' or '.' between them: c001, stakhanov-1935-08-31, rgaspi-85-29-633.
ID_RULE = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"

#: Cyrillic and Greek small letters that look like Latin ones (after case folding).
_LOOKALIKE = str.maketrans("авекмнорстухіјѕԁԛԝαβεζηικμνορτχυ", "abekmhopctyxijsdqwabezhikmnoptxy")


def strip_ids(table: Table, columns: list[str]) -> tuple[pl.DataFrame, list[Problem]]:
    """The table's frame with ``columns`` stripped of surrounding spaces, and a warning per stripped id."""
    cols = table.column_numbers
    present = [c for c in columns if c in table.frame.columns]
    # a column is rewritten only where a value starts or ends with white space, or is empty: most ledgers
    # have none, and stripping millions of ids allocates them all again (\s is Unicode White_Space, the
    # characters str.strip_chars strips)
    edges = table.frame.select(pl.col(present).str.contains(r"^\s|\s$|^$").any()).row(0) if present else ()
    present = [c for c, any_edge in zip(present, edges) if any_edge]
    out = []
    for name in present:
        col = pl.col(name)
        hit = table.frame.filter(col.is_not_null() & (col != col.str.strip_chars()))
        for value, line in hit.select(name, "source_line").iter_rows():
            out.append(problem("id-spaces", file=table.label, line=line, column=cols.get(name), field=name,
                               value=value, stripped=value.strip()))
    stripped = [pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars()).alias(c)
                for c in present]
    return (table.frame.with_columns(stripped) if stripped else table.frame), out


def _fold_steps(value: str) -> list[tuple[str, str]]:
    import unicodedata

    steps = [("Unicode normal form (composed and decomposed letters)", unicodedata.normalize("NFC", value))]
    steps.append(("Unicode compatibility form (full-width or ligature letters)",
                  unicodedata.normalize("NFKC", steps[-1][1])))
    steps.append(("letter case", steps[-1][1].casefold()))
    steps.append(("look-alike letters (Cyrillic or Greek for Latin)", steps[-1][1].translate(_LOOKALIKE)))
    # zero-width spaces, joiners, soft hyphens and direction marks: invisible format characters (category Cf)
    steps.append(("invisible characters (zero-width spaces, soft hyphens, direction marks)",
                  "".join(ch for ch in steps[-1][1] if unicodedata.category(ch) != "Cf")))
    return steps


def id_key(value: str) -> str:
    """What an id reads as to the eye: normal form, case and look-alike letters folded.

    >>> id_key("C002") == id_key("c002") == id_key("с002")  # the last with a Cyrillic 'с'
    True
    """
    return _fold_steps(value)[-1][1]


def how_ids_differ(value: str, other: str) -> str:
    """The folds that make ``value`` read as ``other``, in words.

    >>> how_ids_differ("C002", "c002")
    'letter case'
    >>> how_ids_differ("Stаkhanov", "stakhanov")  # a Cyrillic 'а'
    'letter case and look-alike letters (Cyrillic or Greek for Latin)'
    """
    ways = []
    prev_a, prev_b = value, other
    for (name, a), (_, b) in zip(_fold_steps(value), _fold_steps(other)):
        if (a != prev_a or b != prev_b) and prev_a != prev_b:
            ways.append(name)
        prev_a, prev_b = a, b
    return " and ".join(ways)


def _slug(value: str) -> str:
    import re

    text = id_key(value)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "c001"


#: Why an id breaks the id rule: the first of these that matches says it.
_SLUG_REASONS = [
    (r"[A-Z]", "it has capital letters"),
    (r"\s", "it has spaces"),
    (r"[^\x00-\x7f]", "it has letters outside a-z"),
    (r"[^a-z0-9._-]", "it has characters other than a-z, 0-9, '-', '_' and '.'"),
    (r"", "it starts or ends with, or repeats, a separator"),
]


def _slug_reason(value: str) -> str:
    import re

    return next(reason for pattern, reason in _SLUG_REASONS if re.search(pattern, value))


def id_checks(frame: pl.DataFrame, columns: dict[str, str], col_numbers: dict[str, int]) -> list[Problem]:
    """Ids against the id rule (a warning), and ids that differ from another only to the eye.

    ``columns`` maps each id column to what it names (claim, source, event).
    Two claim or source ids that differ only by case, normal form or a
    look-alike letter are an error on the later line (they are one id to a
    reader); an event id so written is a warning, since it forms an event of
    its own. Only ids outside the rule are folded: an id inside it is its
    own fold.
    """
    out = []
    for name, what in columns.items():
        if name not in frame.columns:
            continue
        col = pl.col(name)
        rows = frame.select(name, "source_file", "source_line").filter(col.is_not_null())
        odd = rows.filter(~col.str.contains(ID_RULE))
        for value, f, line in odd.iter_rows():
            out.append(problem("id-not-slug", file=f, line=line, column=col_numbers.get(name), field=name,
                               value=value, reason=_slug_reason(value), slug=_slug(value)))
        if odd.height == 0:
            continue
        keys = {v: id_key(v) for v in odd[name].unique().to_list()}
        folded = pl.DataFrame({name: list(keys), "_key": list(keys.values())}, schema={name: pl.String, "_key": pl.String})
        # every row whose id folds onto a key some other id shares: the odd ids, and the plain ids equal to a key
        keyed = pl.concat([rows.join(folded, on=name), rows.filter(col.is_in(folded["_key"].implode()))
                           .with_columns(col.alias("_key"))])
        firsts = (keyed.sort("source_line").group_by("_key", maintain_order=True)
                  .agg(pl.col(name).first().alias("_other"), pl.col("source_line").first().alias("_other_line"),
                       pl.col(name).n_unique().alias("_n")).filter(pl.col("_n") > 1))
        clash = keyed.join(firsts, on="_key").filter(col != pl.col("_other")).sort("source_line")
        severity = "warning" if what == "event" else "error"
        for value, f, line, other, other_line in clash.select(
                name, "source_file", "source_line", "_other", "_other_line").iter_rows():
            out.append(problem("id-near-duplicate", file=f, line=line, column=col_numbers.get(name), field=name,
                               value=value, other=other, other_line=other_line, what=what,
                               how=how_ids_differ(value, other), severity=severity))
    return out
