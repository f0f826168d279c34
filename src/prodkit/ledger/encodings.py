"""Bytes to text: UTF-8 only, and a located, named diagnosis when a file is not.

A ledger typed in Excel or LibreOffice on a Russian-language machine is often
saved as Windows-1251; older Unix tools write KOI8-R; Excel's "Unicode text"
is UTF-16. Each needs a different "Save As" choice, so the message names the
one the bytes look like.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, problem

#: Bytes that never belong in a hand-typed ledger (tab, newline and CR do).
CONTROL_SET = bytes([b for b in range(32) if b not in (9, 10, 13)] + [127])


def has_control_bytes(raw: bytes) -> bool:
    """One pass in C: does the text hold a control byte or U+FFFD anywhere?"""
    # U+FFFD is EF BF BD: a one-byte search (memchr) rules it out in most files
    return len(raw.translate(None, CONTROL_SET)) != len(raw) or (b"\xef" in raw and b"\xef\xbf\xbd" in raw)

#: Byte-order marks that say outright what a file is (longest first: UTF-32's starts like UTF-16's).
_BOMS = [
    (b"\xff\xfe\x00\x00", "UTF-32 (it starts with a UTF-32 byte-order mark)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (it starts with a UTF-32 byte-order mark)"),
    (b"\xff\xfe", "UTF-16 (it starts with a UTF-16 byte-order mark)"),
    (b"\xfe\xff", "UTF-16 (it starts with a UTF-16 byte-order mark)"),
]


def guess_encoding(raw: bytes) -> str:
    """What a file that is not UTF-8 most likely is, in words for the message.

    >>> guess_encoding("Стаханов".encode("utf-16"))
    'UTF-16 (it starts with a UTF-16 byte-order mark)'
    >>> guess_encoding("c1,уголь добыт".encode("cp1251"))
    'Windows-1251 (Cyrillic)'
    >>> guess_encoding("c1,уголь добыт".encode("koi8-r"))
    'KOI8-R (Cyrillic)'
    >>> guess_encoding("c1,Müller".encode("latin-1"))
    'Latin-1 (ISO-8859-1) or Windows-1252'
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    sample = raw[:65536]
    # UTF-16 without a mark: ASCII text leaves every other byte zero
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):
        return "UTF-16 (every other byte is zero)"
    high = [b for b in sample if b >= 0x80]
    if not high:
        return "an unknown 8-bit encoding"
    # Cyrillic letters are 0xC0-0xFF in both Windows-1251 and KOI8-R, in
    # swapped cases: Windows-1251 has the capitals at 0xC0-0xDF, KOI8-R the
    # small letters. Running text is mostly small letters, so the half that
    # holds most letters tells the two apart. Latin-1 text uses 0xC0-0xFF for
    # accented letters too, but sparsely among plain ASCII words.
    letters = [b for b in high if b >= 0xC0]
    if len(high) >= 2 and len(letters) >= 0.8 * len(high):
        upper_half = sum(1 for b in letters if b >= 0xE0)
        if upper_half * 2 >= len(letters):
            return "Windows-1251 (Cyrillic)"
        return "KOI8-R (Cyrillic)"
    return "Latin-1 (ISO-8859-1) or Windows-1252"


def decode(raw: bytes, label: str, *, columns: bool = True) -> str:
    """UTF-8 text of ``raw`` (a leading byte-order mark dropped), or InputError at the first bad byte.

    ``columns`` counts commas before the bad byte to name its CSV column;
    a file that is not CSV (units.txt) has lines only.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a byte-order mark, as Excel writes it: accepted
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = raw.count(b",", col_start, exc.start) + 1 if columns else None
        bad = raw[exc.start : exc.start + 4]
        raise InputError(
            f"{label} is not UTF-8",
            problems=[problem("encoding-not-utf8", file=label, line=line, column=column,
                              value=bad.hex(" "), guess=guess_encoding(raw))],
        ) from None


def read_text(path: Path, label: str) -> str:
    """A raw text file (not CSV) as UTF-8, or a located ``encoding-not-utf8`` (exit 2)."""
    return decode(path.read_bytes(), label, columns=False)
