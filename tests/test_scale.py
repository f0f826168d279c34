"""Issue 20: the work a large run skips or does once, with outputs unchanged.

- the finished tables are checked against their models on an evenly spread
  sample once they are longer than ``OUTPUT_SAMPLE_ROWS`` (every row under
  ``prodkit --debug``);
- ``prodkit reconcile --partitions N`` (or ``--memory-limit SIZE``) builds
  the tables a range of events at a time, and writes the very bytes of a
  run in one part: on a generated ledger at N = 1, 3 and 8, and on the
  bundled one.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import RAW, generated_ledger, run



@pytest.fixture(scope="module")
def tables():
    from prodkit.pipeline import run as run_pipeline

    return run_pipeline(RAW).tables


def test_a_long_table_is_checked_on_a_sample_and_whole_on_demand(tables):
    from prodkit.errors import ProdkitError
    from prodkit.schema import validate_outputs

    reconciled = tables["reconciled"]
    assert reconciled.height > 20
    # a broken row (a status no model allows) at an odd position: every 2nd row from the first is checked
    broken = reconciled.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("bogus"))
                                     .otherwise(pl.col("status")).alias("status"))
    with pytest.raises(ProdkitError, match="internal check failed on reconciled.csv"):
        validate_outputs({"reconciled": broken}, sample_rows=None)
    validate_outputs({"reconciled": broken}, sample_rows=reconciled.height // 2)  # rows 0, 2, 4, ...
    with pytest.raises(ProdkitError):
        validate_outputs({"reconciled": broken.slice(1)}, sample_rows=reconciled.height // 2)
    # a wrong type is caught whatever the sample
    with pytest.raises(ProdkitError):
        validate_outputs({"reconciled": reconciled.with_columns(pl.col("n_claims").cast(pl.String))}, sample_rows=2)


@pytest.mark.parametrize("debug", [False, True])
def test_debug_checks_every_row_of_the_finished_tables(tmp_path, monkeypatch, debug):
    import prodkit.schema
    from prodkit.schema import OUTPUT_SAMPLE_ROWS

    seen = []
    # the pipeline imports it when a run checks its tables (explain never does, so never loads pandera)
    real = prodkit.schema.validate_outputs
    monkeypatch.setattr(prodkit.schema, "validate_outputs",
                        lambda tables, **kw: (seen.append(kw["sample_rows"]), real(tables, **kw)))
    args = (["--debug"] if debug else []) + ["reconcile", "--no-figures", "--raw-dir", str(RAW),
                                             "--out-dir", str(tmp_path / "out")]
    assert run(CliRunner(), *args).exit_code == 0
    assert seen == [None if debug else OUTPUT_SAMPLE_ROWS]


# ---------------------------------------------------------------------------
# a run in parts
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return generated_ledger(tmp_path_factory.mktemp("generated") / "raw", 6_000, 20)


def _outputs(raw: Path, out: Path, *options: str) -> dict[str, bytes]:
    result = run(CliRunner(), "reconcile", "--no-figures", "--raw-dir", str(raw), "--out-dir", str(out), *options)
    assert result.exit_code in (0, 1), result.stderr
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def in_one_part(generated, tmp_path_factory) -> dict[str, bytes]:
    return _outputs(generated, tmp_path_factory.mktemp("one") / "out")


@pytest.mark.parametrize("n", [1, 3, 8])
def test_a_run_in_parts_writes_the_same_bytes(generated, in_one_part, tmp_path, n):
    parts = _outputs(generated, tmp_path / "out", "--partitions", str(n))
    assert sorted(parts) == sorted(in_one_part)
    assert {"claims.csv", "reconciled.csv", "norms_vs_records.csv", "claims.dta"} <= set(parts)
    changed = [name for name in parts if parts[name] != in_one_part[name]]
    assert not changed, f"--partitions {n} changed {changed}"


def test_learning_from_every_part_at_once_is_one_runs_learning(generated, in_one_part, tmp_path):
    """learn-reliability's column and intervals, and source_reliability, come from every event at once; an
    adjudication wins over a learned value in parts as in one run."""
    import io
    import shutil

    sensitivity = pl.read_csv(io.BytesIO(in_one_part["sensitivity.csv"]))
    learned = sensitivity.filter(pl.col("learn_reliability_low").is_not_null())
    fell_back = sensitivity.filter(pl.col("learn_reliability_low").is_null()
                                   & pl.col("learn_reliability").is_not_null())
    # the generated ledger teaches learning something, and leaves some events to the fallback
    assert learned.height > sensitivity.height / 2 and fell_back.height > 0
    assert (fell_back["learn_reliability"] == fell_back["trust_your_friends"]).all()
    raw = tmp_path / "raw"
    shutil.copytree(generated, raw)
    decided = learned.head(2).with_columns(pl.Series("value", ["1234", "56.5"]),
                                           pl.Series("claim_id", [None, None], dtype=pl.String))
    decided.select("event_id", "measure", "statistic", pl.lit("archive wins").alias("reason"),
                   pl.lit("the editors").alias("decided_by"), "value",
                   "claim_id").write_csv(raw / "adjudications.csv")
    one = _outputs(raw, tmp_path / "one")
    parts = _outputs(raw, tmp_path / "parts", "--partitions", "3")
    assert one == parts, [n for n in one if one[n] != parts.get(n)]
    after = pl.read_csv(io.BytesIO(one["sensitivity.csv"])).join(learned.head(2).select("event_id", "measure",
                                                                                        "statistic"),
                                                                 on=["event_id", "measure", "statistic"])
    assert after["status"].to_list() == ["adjudicated", "adjudicated"]
    assert after["learn_reliability_low"].null_count() == 2  # no interval once an adjudication decided
    assert after["learn_reliability"].to_list() == after["trust_your_friends"].to_list() == [1234.0, 56.5]


def test_the_bundled_ledger_in_parts_and_under_strict(tmp_path):
    for options in ([], ["--strict"]):
        one = _outputs(RAW, tmp_path / f"one{len(options)}", *options)
        parts = _outputs(RAW, tmp_path / f"parts{len(options)}", "--partitions", "3", *options)
        assert one == parts, [n for n in one if one[n] != parts.get(n)]


def test_parts_keep_events_whole_and_linked_events_together(generated):
    from prodkit.pipeline import load_ledger
    from prodkit.reconciliation import partition_events

    claims = load_ledger(generated).claims
    part = partition_events(claims, 8)
    c = claims.with_columns(part)
    assert c.group_by("event_id").agg(pl.col("_part").n_unique())["_part"].max() == 1
    assert c["_part"].n_unique() == 8
    sizes = c["_part"].value_counts()["count"]
    assert sizes.max() < 2 * claims.height / 8  # about equal parts
    events = c.select("event_id", "_part").unique()
    refs = c.filter(pl.col("norm_ref").is_not_null()).join(events, left_on="norm_ref", right_on="event_id",
                                                            suffix="_ref")
    assert refs.height and (refs["_part"] == refs["_part_ref"]).all()
    conv = c.filter(pl.col("converted_from").is_not_null()).join(
        c.select(pl.col("claim_id").alias("converted_from"), pl.col("_part").alias("_part_of")), on="converted_from")
    assert conv.height and (conv["_part"] == conv["_part_of"]).all()


def test_memory_limit_picks_the_parts(generated):
    from prodkit.api import RECONCILE_BYTES_PER_LEDGER_BYTE, choose_partitions

    size = (generated / "claims.csv").stat().st_size
    assert choose_partitions(generated) == 1
    assert choose_partitions(generated, partitions=5) == 5
    assert choose_partitions(generated, memory_limit="100GB") == 1
    assert choose_partitions(generated, memory_limit=RECONCILE_BYTES_PER_LEDGER_BYTE * size // 4) == 4
    assert choose_partitions(generated, memory_limit="1KB") == 256  # at most


@pytest.mark.parametrize("options, message", [
    (["--partitions", "0"], "--partitions 0 is not a whole number from 1 to 256."),
    (["--memory-limit", "lots"], "--memory-limit 'lots' is not a size."),
    (["--memory-limit", "0GB"], "--memory-limit '0GB' is not a size."),
    (["--partitions", "2", "--memory-limit", "4GB"], "--partitions and --memory-limit both given."),
])
def test_wrong_partition_options_are_usage_errors(tmp_path, options, message):
    result = run(CliRunner(), "reconcile", "--no-figures", "--raw-dir", str(RAW), "--out-dir", str(tmp_path / "o"),
                 *options)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()
