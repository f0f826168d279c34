"""Nearest names and spellings, for the hints of problems ("did you mean ...?")."""

from __future__ import annotations

import bisect
import difflib
import re


class Suggester:
    """Finds, for a misspelt name, the closest of many candidates ("did you mean ...?").

    Built once per list of candidates. With many candidates, those starting
    with the name's first word ("gershberg" in "gershberg-198") are tried
    first, since a typo rarely hits the first letters; of those, at most
    ``WINDOW`` next to the name in sorted order are compared, so that a
    suggestion costs the same with 50 or 50,000 sources.
    """

    MANY = 200
    WINDOW = 400

    def __init__(self, candidates: list[str]):
        self.candidates = list(candidates)
        pairs = sorted((c.lower(), c) for c in self.candidates)
        self._lower = [lower for lower, _ in pairs]
        self._original = [c for _, c in pairs]

    def _starting(self, prefix: str, key: str) -> list[str]:
        lo = bisect.bisect_left(self._lower, prefix)
        hi = bisect.bisect_left(self._lower, prefix + "\U0010ffff")
        if hi - lo > self.WINDOW:
            mid = min(max(bisect.bisect_left(self._lower, key, lo, hi), lo + self.WINDOW // 2), hi - self.WINDOW // 2)
            lo, hi = mid - self.WINDOW // 2, mid + self.WINDOW // 2
        return self._original[lo:hi]

    def nearest(self, name: str) -> str | None:
        key = name.strip().lower()
        candidates = self.candidates
        if len(candidates) > self.MANY:
            head = re.split(r"[-_ .]", key, maxsplit=1)[0]
            close = self._starting(head, key) if head else []
            if close:
                match = difflib.get_close_matches(key, close, n=1, cutoff=0.6)
                if match:
                    return match[0]
            candidates = self._starting(key[:1], key)
        match = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
        return match[0] if match else None


def nearest(name: str, candidates: list[str]) -> str | None:
    """The candidate closest to ``name``, if any is close enough to suggest (see :class:`Suggester`).

    >>> nearest("gershberg-198", ["gershberg-1971", "gershberg-1981", "siegelbaum-1988"])
    'gershberg-1981'
    """
    return Suggester(candidates).nearest(name)
