"""Issue 20: the work a large run skips or does once, with outputs unchanged.

- the finished tables are checked against their models on an evenly spread
  sample once they are longer than ``OUTPUT_SAMPLE_ROWS`` (every row under
  ``prodkit --debug``);
"""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import RAW, run


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
    import prodkit.pipeline
    from prodkit.schema import OUTPUT_SAMPLE_ROWS

    seen = []
    real = prodkit.pipeline.validate_outputs
    monkeypatch.setattr(prodkit.pipeline, "validate_outputs",
                        lambda tables, **kw: (seen.append(kw["sample_rows"]), real(tables, **kw)))
    args = (["--debug"] if debug else []) + ["reconcile", "--no-figures", "--raw-dir", str(RAW),
                                             "--out-dir", str(tmp_path / "out")]
    assert run(CliRunner(), *args).exit_code == 0
    assert seen == [None if debug else OUTPUT_SAMPLE_ROWS]
