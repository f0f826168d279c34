"""Safe writes: build every output in a temporary folder, then move it into place.

A run that fails or is interrupted before :meth:`Staging.commit` leaves the
previous outputs exactly as they were; the temporary folder is removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class Staging:
    """Collect files for several destination folders and publish them together.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with Staging({"out": out}) as st:
    ...     _ = (st.path("out") / "a.csv").write_text("x\\n")
    ...     print(st.final_path("out") == out, st.path("out").parent == out)
    ...     st.commit()
    True True
    >>> (out / "a.csv").read_text()
    'x\\n'
    """

    def __init__(self, targets: dict[str, Path]):
        self.targets = {k: Path(v) for k, v in targets.items()}
        self._tmp: dict[str, Path] = {}

    def __enter__(self) -> "Staging":
        for key, target in self.targets.items():
            target.mkdir(parents=True, exist_ok=True)
            self._tmp[key] = Path(tempfile.mkdtemp(prefix=".prodkit-", dir=target))
        return self

    def path(self, key: str) -> Path:
        """The temporary folder where the files for ``key`` are written."""
        return self._tmp[key]

    def final_path(self, key: str) -> Path:
        """The folder the files staged for ``key`` land in at :meth:`commit`."""
        return self.targets[key]

    def commit(self) -> None:
        """Move every staged file into its destination (os.replace, one file at a time)."""
        for key, tmp in self._tmp.items():
            target = self.targets[key]
            for src in sorted(tmp.rglob("*")):
                if src.is_dir():
                    continue
                dest = target / src.relative_to(tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)

    def __exit__(self, *exc) -> None:
        for tmp in self._tmp.values():
            shutil.rmtree(tmp, ignore_errors=True)
