"""The named ways to settle a conflict: names, descriptions, parameters.

This is the one list of strategies. The command line (``--strategy``), the
sensitivity table's columns (``schema.SensitivityOut``), the report and
``prodkit explain`` all read it. It imports nothing heavy, so that
``prodkit --help`` can show the choices at once; the polars code that applies
each strategy lives in :mod:`prodkit.reconciliation`.

The names follow Bleiholder and Naumann, "Data Fusion", ACM Computing Surveys
41 (2008): trust your friends, meet in the middle, cry with the wolves, keep up
to date, roll the dice, pass it on. ``learn-reliability`` is of another kind:
it learns each source's bias and spread from the whole ledger (truth discovery:
CRH, Li et al., SIGMOD 2014; CATD, Li et al., PVLDB 2015; the Gaussian truth
model, Zhao and Han, 2012); see :mod:`prodkit.reliability`.

>>> [s.column for s in STRATEGIES][:2]
['trust_your_friends', 'meet_in_the_middle']
>>> describe("roll-the-dice")
'a claim drawn at random, reproducibly (seeded)'
"""

from __future__ import annotations

from dataclasses import dataclass

#: The strategy used when none is named.
DEFAULT = "trust-your-friends"
#: roll-the-dice's seed when none is given: the year the movement began.
DEFAULT_SEED = 1935


@dataclass(frozen=True)
class Strategy:
    """One strategy: its name, what it does in one line, and its column in ``sensitivity.csv``."""

    name: str
    description: str

    @property
    def column(self) -> str:
        """The column name in ``sensitivity.csv``: the name in snake_case."""
        return self.name.replace("-", "_")


#: Every strategy, in the order of the sensitivity table's columns.
STRATEGIES: tuple[Strategy, ...] = (
    Strategy("trust-your-friends", "the claim of the most trusted source (lowest trust_rank) wins"),
    Strategy("meet-in-the-middle", "the median of the independent claims (one per original source)"),
    Strategy("cry-with-the-wolves", "the value held by most independent sources (ties: most trusted)"),
    Strategy("keep-up-to-date", "the claim of the most recent source"),
    Strategy("roll-the-dice", "a claim drawn at random, reproducibly (seeded)"),
    Strategy("pass-it-on", "no single value: the full span of the claims is reported"),
    Strategy("learn-reliability", "each source's bias and spread learned from every event at once (CRH, CATD); "
                                  "the bias-corrected, precision-weighted truth with a 95% interval"),
)

#: The names alone, in the same order.
NAMES: tuple[str, ...] = tuple(s.name for s in STRATEGIES)
#: Strategies that report no single value (their sensitivity column is always empty).
SPAN_ONLY: tuple[str, ...] = ("pass-it-on",)
#: Strategies that report an estimate with an interval rather than a claim's value: their sensitivity
#: columns come with ``_low`` and ``_high``, and they are not counted in ``depends_on_strategy``
#: (an estimate is seldom exactly any claim's value). Never the default: a historian chooses it.
ESTIMATES: tuple[str, ...] = ("learn-reliability",)

_BY_NAME = {s.name: s for s in STRATEGIES}


def describe(name: str) -> str:
    """The one-line description of strategy ``name``."""
    return get(name).description


def column(name: str) -> str:
    """The ``sensitivity.csv`` column of strategy ``name``."""
    return get(name).column


def get(name: str) -> Strategy:
    """The strategy called ``name``.

    Raises
    ------
    UsageError
        When no strategy has that name; the hint lists the names.

    >>> get("pass-it-on").column
    'pass_it_on'
    """
    try:
        return _BY_NAME[name]
    except (KeyError, TypeError):
        from .errors import UsageError

        raise UsageError(f"unknown strategy '{name}'",
                         hint="Pass strategy= one of: " + ", ".join(NAMES) + ".") from None
