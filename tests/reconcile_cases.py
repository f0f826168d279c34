"""Small claims frames for the reconciliation's tests, run through the production reconciliation."""

from __future__ import annotations

import polars as pl

from prodkit.reconciliation import reconcile_tables

SOURCES = pl.DataFrame({
    "source_id": ["arch", "memo", "retell", "paper"],
    "trust_rank": [1, 4, 5, 3],
    "source_type": ["archival", "memoir", "later_soviet", "contemporary_press"],
    "year": ["1935", "1938", "1971", None],
    "derived_from": [None, None, "memo", None],
})


def claims(rows: list[tuple]) -> pl.DataFrame:
    """rows: (claim_id, event_id, statistic, low, high, source_id)."""
    return pl.DataFrame(
        [{"claim_id": c, "event_id": e, "measure": "coal_hewn", "statistic": s, "subject": "Miner", "sector": "coal",
          "date": "1935-09", "value_low": lo, "value_high": hi,
          "value_mid": None if lo is None and hi is None else (lo + hi) / 2 if lo is not None and hi is not None
          else (lo if lo is not None else hi), "unit_canonical": "t", "source_id": src, "flags": None}
         for c, e, s, lo, hi, src in rows],
        schema={"claim_id": pl.String, "event_id": pl.String, "measure": pl.String, "statistic": pl.String,
                "subject": pl.String, "sector": pl.String, "date": pl.String, "value_low": pl.Float64,
                "value_high": pl.Float64, "value_mid": pl.Float64, "unit_canonical": pl.String,
                "source_id": pl.String, "flags": pl.String})


ARTYUKHOV = claims([("c1", "e", "record", 536, 536, "arch"), ("c2", "e", "record", 552, 552, "memo"),
                    ("c3", "e", "record", 552, 552, "retell")])


def reconciled(frame: pl.DataFrame, sources: pl.DataFrame | None = None, **kw) -> pl.DataFrame:
    """The reconciled table as ``prodkit reconcile`` builds it (:func:`prodkit.reconciliation.reconcile_tables`)."""
    return reconcile_tables(frame, SOURCES if sources is None else sources, **kw)[0]


def one(frame, **kw) -> dict:
    return reconciled(frame, **kw).row(0, named=True)
