"""A chart's PDF, made the same bytes on every run.

vl-convert writes a PDF with every font embedded (a subset of Liberation
Sans, as ``/FontFile2``), but it numbers the objects and lists the entries
of each resource dictionary (fonts, images, graphic states) in hash order,
which changes from one run to the next. :func:`stable_pdf` puts them in one
order: entries of a dictionary sorted by name, objects numbered in the order
they are reached from the document's root. What is drawn does not change:
no stream is touched, only object numbers and the order of dictionary lines.
"""

from __future__ import annotations

import re

_OBJECT = re.compile(rb"(\d+) 0 obj\n(.*?)\nendobj\n", re.S)
_REF = re.compile(rb"(\d+) 0 R\b")
_ENTRY = re.compile(rb"^( +)/[^\s/<>\[\]()]+ .*$")


def stable_pdf(pdf: bytes) -> bytes:
    """The same document with its objects and dictionary entries in one order (see the module).

    A PDF that is not laid out as vl-convert writes it is returned unchanged.
    """
    head_end = pdf.find(b"\n", pdf.find(b"%PDF")) + 1
    trailer_at = pdf.rfind(b"trailer\n")
    objects = {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(pdf, head_end, trailer_at if trailer_at > 0 else None)}
    if not objects or trailer_at < 0:
        return pdf
    header = pdf[:head_end]
    # a binary comment line may follow the version line
    if pdf[head_end:head_end + 1] == b"%":
        header = pdf[:pdf.find(b"\n", head_end) + 1]
    trailer = pdf[trailer_at:pdf.find(b"startxref", trailer_at)]
    split = {n: _split_stream(body) for n, body in objects.items()}
    dicts = {n: _sort_entries(d) for n, (d, _) in split.items()}
    order: list[int] = []
    seen: set[int] = set()
    queue = [int(r) for r in _REF.findall(trailer)]
    while queue:  # breadth first from the trailer's /Root and /Info, references in text order
        n = queue.pop(0)
        if n in seen or n not in objects:
            continue
        seen.add(n)
        order.append(n)
        queue += [int(r) for r in _REF.findall(dicts[n])]
    order += sorted(set(objects) - seen)  # unreachable objects (none in vl-convert's files): kept, at the end
    number = {old: new for new, old in enumerate(order, start=1)}

    def renumber(text: bytes) -> bytes:
        return _REF.sub(lambda m: b"%d 0 R" % number.get(int(m.group(1)), int(m.group(1))), text)

    out = bytearray(header)
    offsets = []
    for old in order:
        offsets.append(len(out))
        body = _sort_entries(renumber(dicts[old])) + split[old][1]
        out += b"%d 0 obj\n" % number[old] + body + b"\nendobj\n\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(order) + 1)
    for offset in offsets:
        out += b"%010d 00000 n\r\n" % offset
    out += renumber(trailer) + b"startxref\n%d\n%%%%EOF" % xref_at
    return bytes(out)


def _split_stream(body: bytes) -> tuple[bytes, bytes]:
    """An object's dictionary and its stream (from ``stream`` on, left as it is)."""
    at = body.find(b"\nstream\n")
    return (body, b"") if at < 0 else (body[:at], body[at:])


def _sort_entries(text: bytes) -> bytes:
    """Sort each run of one-line dictionary entries at the same indentation (``/fo1 2 0 R``) by their text."""
    lines = text.split(b"\n")
    out: list[bytes] = []
    run: list[bytes] = []
    indent = None
    for line in lines:
        m = _ENTRY.match(line)
        simple = m is not None and not line.rstrip().endswith((b"<<", b"[")) and b"<<" not in line
        if simple and (indent is None or len(m.group(1)) == indent) and _is_resource_entry(line):
            run.append(line)
            indent = len(m.group(1))
            continue
        out += sorted(run)
        run, indent = [], None
        if simple and _is_resource_entry(line):
            run, indent = [line], len(m.group(1))
        else:
            out.append(line)
    out += sorted(run)
    return b"\n".join(out)


def _is_resource_entry(line: bytes) -> bool:
    """A named resource (``/xo12 33 0 R``, ``/gs0 8 0 R``, ``/cs0 [/ICCBased 7 0 R]``): its order carries no meaning."""
    return re.match(rb"^ +/(?:xo|gs|fo|cs|sh|p|im)\d+ ", line) is not None
