"""Where a value label goes: beside its point, clear of every line, bar, point and other label.

A chart's marks are laid out in its plot's own pixels (x right, y down, the
plot's top left corner at 0, 0), as Vega will draw them: lines and bars are
segments with a stroke width, points are squares around their centre. Each
label is tried at a few places around its point, in a fixed order of
preference (:data:`PLACES`), and takes the first whose box, with
:data:`CLEARANCE` to spare, touches no mark and no label placed before it
and stays inside the plot. Labels are placed in a fixed order, so the same
marks always give the same places.
"""

from __future__ import annotations

from dataclasses import dataclass

from .theme import LABEL_SIZE

#: Advance widths of Liberation Sans (metric-compatible with Arial), in thousandths of the font size, as
#: Vega measures them when it lays the text out; a character not listed counts as wide as ``W`` is not,
#: at the widest lowercase letter's 0.833 (an over-estimate keeps labels apart).
ADVANCE = {
    **dict.fromkeys("0123456789", 556), " ": 278, ".": 278, ",": 278, "%": 889, "–": 556, "-": 333, "×": 584,
    "(": 333, ")": 333, "'": 191, ":": 278, "/": 278,
    "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278, "g": 556, "h": 556, "i": 222, "j": 222,
    "k": 500, "l": 222, "m": 833, "n": 556, "o": 556, "p": 556, "q": 556, "r": 333, "s": 500, "t": 278,
    "u": 556, "v": 500, "w": 722, "x": 500, "y": 500, "z": 500,
}
#: Space kept between a label and any mark, in px.
CLEARANCE = 1.5
#: Places a label may take, in order of preference: (name, align, baseline, dx, dy), as Vega-Lite's text mark
#: takes them. A label leaves its point by 5 px sideways and 4 px up or down (``right``/``left-middle``: 7 px,
#: level; ``under``/``over``: 7 px, centred; ``high``/``deep``, the last resort between crowded points: 11 px).
PLACES = [
    ("below", "left", "top", 5, 4), ("above", "left", "bottom", 5, -4),
    ("left", "right", "top", -5, 4), ("above-left", "right", "bottom", -5, -4),
    ("right", "left", "middle", 7, 0), ("left-middle", "right", "middle", -7, 0),
    ("under", "center", "top", 0, 7), ("over", "center", "bottom", 0, -7),
    ("high", "center", "bottom", 0, -11), ("deep", "center", "top", 0, 11),
]


def text_width(text: str, size: float = LABEL_SIZE) -> float:
    """How wide Vega draws ``text`` in Liberation Sans at ``size`` px.

    >>> round(text_width("stated", 7.5), 2), round(text_width("27.7%", 7.5), 2)
    (20.43, 21.26)
    """
    return sum(ADVANCE.get(c, 833) for c in text) * size / 1000


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def grown(self, by: float) -> Box:
        return Box(self.x0 - by, self.y0 - by, self.x1 + by, self.y1 + by)

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, width: float, height: float) -> bool:
        return self.x0 >= 0 and self.y0 >= 0 and self.x1 <= width and self.y1 <= height

    def hits(self, box: Box) -> bool:
        """A box as a mark (a square point, a label drawn where it is): does it meet ``box``?"""
        return self.overlaps(box)


@dataclass(frozen=True)
class Segment:
    """A stroked straight line from (x0, y0) to (x1, y1), ``width`` px thick (a line's piece, a bar, a rule)."""

    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 1.0

    def hits(self, box: Box) -> bool:
        """Does the stroke cross ``box``? (Its round caps and joins are counted as a square of the stroke.)"""
        return segment_hits_box(self.x0, self.y0, self.x1, self.y1, box.grown(self.width / 2))


@dataclass(frozen=True)
class Disc:
    """A filled circle (a point drawn as a circle) around (x, y), ``r`` px in radius."""

    x: float
    y: float
    r: float

    def hits(self, box: Box) -> bool:
        nx, ny = min(max(self.x, box.x0), box.x1), min(max(self.y, box.y0), box.y1)
        return (nx - self.x) ** 2 + (ny - self.y) ** 2 < self.r ** 2


def triangle(x: float, y: float, size: float, up: bool = True) -> list[Segment]:
    """The three edges of a point drawn as a triangle of Vega symbol ``size`` (its area's square) at (x, y).

    A box holding the whole triangle meets its edges too (a segment inside a box meets it).
    """
    half, rise = size ** 0.5 / 2, size ** 0.5 / 2 * 3 ** 0.5 / 2
    tip, base = (y - rise, y + rise) if up else (y + rise, y - rise)
    return [Segment(x, tip, x - half, base, 1.2), Segment(x - half, base, x + half, base, 1.2),
            Segment(x + half, base, x, tip, 1.2)]


def segment_hits_box(x0: float, y0: float, x1: float, y1: float, box: Box) -> bool:
    """Does the segment from (x0, y0) to (x1, y1) meet ``box``? (Liang–Barsky clipping.)

    >>> b = Box(0, 0, 10, 10)
    >>> segment_hits_box(-5, 5, 15, 5, b), segment_hits_box(-5, -5, -1, 20, b), segment_hits_box(11, 0, 20, 10, b)
    (True, False, False)
    """
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def label_box(x: float, y: float, text: str, place: tuple, size: float = LABEL_SIZE) -> Box:
    """The box a label takes at ``place`` (one of :data:`PLACES`) beside the point (x, y): a full em high."""
    _, align, baseline, dx, dy = place
    w = text_width(text, size)
    left = {"left": x + dx, "right": x + dx - w, "center": x + dx - w / 2}[align]
    top = {"top": y + dy, "bottom": y + dy - size, "middle": y + dy - size / 2}[baseline]
    return Box(left, top, left + w, top + size)


def place_labels(labels: list[tuple], marks: list, width: float, height: float,
                 size: float = LABEL_SIZE, places: list[tuple] = PLACES) -> list[str]:
    """The name of the place (one of ``places``) of each label (x, y, text, own point), in the order given.

    ``marks``: the :class:`Segment`, :class:`Disc` and :class:`Box` of every
    line, bar, point and label drawn where it is (not placed here). A label keeps :data:`CLEARANCE` from every mark but its own point
    (one of ``marks``, or None), which it only must not touch: its offset
    from the point is its spacing. The places are searched label by label,
    each label's places in order of preference, going back to an earlier
    label when a later one fits nowhere (at most :data:`SEARCH_STEPS`
    steps); if no set of places keeps every label clear, each label in turn
    takes the place where it touches the fewest marks and earlier labels.

    >>> place_labels([(10, 50, "6%", None)], [Segment(0, 56, 100, 56, 2)], 100, 100)  # below is on the line
    ['above']
    """
    def box_of(i: int, place: tuple) -> Box:
        x, y, text, _ = labels[i]
        return label_box(x, y, text, place, size)

    def mark_hits(i: int, place: tuple) -> int:
        box, own = box_of(i, place), labels[i][3]
        room = box.grown(CLEARANCE)
        return sum(m.hits(box if m is own else room) for m in marks) + (0 if box.inside(width, height) else 1)

    texts = [i for i, label in enumerate(labels) if label[2]]
    names = {i: places[0][0] for i in range(len(labels))}
    clear = {i: [(p[0], box_of(i, p)) for p in places if mark_hits(i, p) == 0] for i in texts}
    found = _search(texts, clear)
    if found is not None:
        names.update(found)
        return [names[i] for i in range(len(labels))]
    placed: list[Box] = []
    for i in texts:
        scored = [(mark_hits(i, p) + sum(b.overlaps(box_of(i, p).grown(CLEARANCE)) for b in placed), n, p)
                  for n, p in enumerate(places)]
        _, _, place = min(scored)
        names[i] = place[0]
        placed.append(box_of(i, place))
    return [names[i] for i in range(len(labels))]


#: How many places the search for a clear set of labels tries before it settles for the fewest collisions.
SEARCH_STEPS = 20_000


def _search(order: list[int], clear: dict[int, list[tuple[str, Box]]]) -> dict[int, str] | None:
    """The first set of places (each label's preferred first) where no two labels come within CLEARANCE."""
    chosen: list[tuple[int, str, Box]] = []
    steps = 0

    def go(k: int) -> bool:
        nonlocal steps
        if k == len(order):
            return True
        i = order[k]
        for name, box in clear[i]:
            steps += 1
            if steps > SEARCH_STEPS:
                return False
            room = box.grown(CLEARANCE)
            if any(b.overlaps(room) for _, _, b in chosen):
                continue
            chosen.append((i, name, box))
            if go(k + 1):
                return True
            chosen.pop()
        return False

    return {i: name for i, name, _ in chosen} if go(0) else None
