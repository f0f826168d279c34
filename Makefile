# prodkit: two commands from a fresh clone, `make run` and `make test`.
# Both build .venv from the lock file (requirements.lock) with only Python 3.11+,
# pip and make on the machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.prodkit-installed
ROWS ?= 100000
# extra options for benchmarks/bench.py, e.g. BENCH_ARGS="--repeat 3 --trace"
BENCH_ARGS ?=
# extra options for benchmarks/accuracy.py, e.g. ACCURACY_ARGS="--timing-rows 1000000"
ACCURACY_ARGS ?=

.PHONY: run test bench accuracy lock clean venv

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/prodkit reconcile

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --rows $(ROWS) $(BENCH_ARGS)

# How right is each strategy? Generated ledgers with known truths (benchmarks/truthgen.py),
# every strategy against them, written to benchmarks/ACCURACY.md (a few minutes).
accuracy: $(STAMP)
	$(BIN)/python benchmarks/accuracy.py --seeds 2 --out benchmarks/ACCURACY.md $(ACCURACY_ARGS)

# Regenerate the lock file from pyproject.toml (needs the network).
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check "setuptools>=68" wheel -e ".[test]"
	.lock-venv/bin/python -m pip freeze --exclude-editable --all | grep -v -i '^pip==' | LC_ALL=C sort -f > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) data/clean/*.csv data/clean/*.dta data/clean/*.json data/clean/*.md data/clean/*.do reports/figures reports/report.html
