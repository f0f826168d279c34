"""prodkit: reconcile production figures from historical sources.

The public API is a handful of functions, each the library side of a command:

- :func:`prodkit.validate` reads and checks a ledger and writes ``problems.csv``;
- :func:`prodkit.reconcile` runs the whole job and writes every output;
- :func:`prodkit.explain` describes one event;
- :func:`prodkit.figures` redraws the charts and the report;
- :func:`prodkit.parse_figure` reads one figure as written ("14-15", "~46 000").

Heavy libraries (polars, pint, pandera, altair) load only when one of these
is called, so that ``prodkit --help`` answers at once.
"""

import os as _os

__version__ = "0.1.0"

#: How long polars' allocator (jemalloc) keeps freed memory before handing it
#: back to the system. polars' own choice is half a second, so each phase of a
#: large run faults its memory in afresh; at 10 million claims that costs
#: 11-18 % of the run (234-247 s against 191-208 s, for a peak of 13.5 GB
#: against 14.4-14.8 GB: benchmarks/RESULTS.md). polars reads the variable
#: when it is first imported and appends it to its own settings, so it counts
#: only if prodkit is imported first. A value the user set is left alone:
#: ``_RJEM_MALLOC_CONF=dirty_decay_ms:500`` restores polars' behaviour.
ALLOCATOR_SETTING = "dirty_decay_ms:30000"
_os.environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR_SETTING)

__all__ = ["validate", "reconcile", "explain", "figures", "parse_figure", "__version__"]


def __getattr__(name):
    if name in ("validate", "reconcile", "explain", "figures"):
        from . import api

        return getattr(api, name)
    if name == "parse_figure":
        from .values import parse_figure

        return parse_figure
    raise AttributeError(name)
