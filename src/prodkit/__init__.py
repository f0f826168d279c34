"""prodkit: reconcile production figures from historical sources.

The public API is a handful of functions, each the library side of a command:

- :func:`prodkit.validate` reads and checks a ledger and writes ``problems.csv``;
- :func:`prodkit.reconcile` runs the whole job and writes every output;
- :func:`prodkit.explain` describes one event;
- :func:`prodkit.figures` redraws the charts and the report;
- :func:`prodkit.parse_figure` reads one figure as written ("14-15", "~46 000");
- :func:`prodkit.extract` drafts candidate claims from texts, :func:`prodkit.accept` appends them to the ledger;
- :func:`prodkit.suggest_events` proposes event links between claims.

Heavy libraries (polars, pint, pandera, altair) load only when one of these
is called, so that ``prodkit --help`` answers at once.
"""

__version__ = "0.1.0"

__all__ = ["validate", "reconcile", "explain", "figures", "parse_figure", "extract", "accept", "suggest_events",
           "__version__"]


def __getattr__(name):
    if name in ("validate", "reconcile", "explain", "figures", "extract", "accept", "suggest_events"):
        from . import api

        return getattr(api, name)
    if name == "parse_figure":
        from .values import parse_figure

        return parse_figure
    raise AttributeError(name)
