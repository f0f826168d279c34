"""prodkit: reconcile production figures from historical sources.

In a notebook, three steps (docs/notebook.md walks through them):

- :func:`prodkit.load` reads and checks a ledger folder: a :class:`Ledger` of polars frames and problems;
- :func:`prodkit.build` reconciles it in memory: :class:`Tables`, every output table as a polars frame;
- :func:`prodkit.write` writes the tables as `prodkit reconcile` does, all files at once.

Each command has its library function too:

- :func:`prodkit.validate` reads and checks a ledger and writes ``problems.csv``;
- :func:`prodkit.reconcile` runs the whole job (load, build, write) in one call and returns a ``Result``;
- :func:`prodkit.explain` describes one event;
- :func:`prodkit.figures` redraws the charts and the report;
- :func:`prodkit.parse_figure` reads one figure as written ("14-15", "~46 000");
- :func:`prodkit.extract` drafts candidate claims from texts, :func:`prodkit.accept` appends them to the ledger;
- :func:`prodkit.suggest_events` proposes event links between claims.

Heavy libraries (polars, pint, pandera, altair) load only when one of these
is called, so that ``prodkit --help`` answers at once.
"""

__version__ = "0.1.0"

__all__ = ["load", "build", "write", "Ledger", "Tables", "Result", "validate", "reconcile", "explain", "figures",
           "parse_figure", "extract", "accept", "suggest_events", "__version__"]


def __getattr__(name):
    if name in ("load", "build", "write", "Tables"):
        from . import library

        return getattr(library, name)
    if name == "Ledger":
        from .pipeline import Ledger

        return Ledger
    if name in ("validate", "reconcile", "explain", "figures", "Result", "extract", "accept", "suggest_events"):
        from . import api

        return getattr(api, name)
    if name == "parse_figure":
        from .values import parse_figure

        return parse_figure
    raise AttributeError(name)
