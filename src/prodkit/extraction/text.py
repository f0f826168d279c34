"""A source text as prodkit reads it for extraction: bytes to text, HTML to its words, sentences, footnotes.

Every offset here is an offset into the text as decoded from the file, so a
locator (line and characters) points into the file the historian opened.
HTML keeps its offsets too: a tag is blanked, not removed (its characters
become a filler that no quote shows), and an entity such as ``&amp;`` becomes
its character followed by fillers. Markdown is read as plain text, so a quote
keeps the source's ``*emphasis*`` exactly as written.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WARNING, InputError, Problem, problem
from ..ledger.encodings import CONTROL_SET, guess_encoding

#: A character that stands for a blanked tag or the rest of an entity: never shown in a quote.
FILLER = "\ue000"
#: A blanked block tag (<p>, <br>, <li>, <h1>...): a sentence ends there.
BREAK = "\ue001"
#: Text larger than this is refused unless the caller allows more (``max_bytes``).
MAX_BYTES = 512 * 1024 * 1024

_MAGIC = [(b"%PDF", "a PDF file", "Extract its text first (e.g. `pdftotext -layout FILE.pdf`)."),
          (b"PK\x03\x04", "a ZIP archive (a .docx or .odt is one)", "Save the document as plain text (.txt) first."),
          (b"\xd0\xcf\x11\xe0", "an old Word or Excel file", "Save the document as plain text (.txt) first."),
          (b"\x89PNG", "a PNG image", "Run OCR on it first and extract from the text."),
          (b"\xff\xd8\xff", "a JPEG image", "Run OCR on it first and extract from the text."),
          (b"GIF8", "a GIF image", "Run OCR on it first and extract from the text.")]


@dataclass
class Source:
    """One text, decoded, with where each line starts."""

    label: str  # the path as shown in locators and messages
    text: str
    kind: str  # "text", "markdown" or "html"
    problems: list[Problem] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)

    def __post_init__(self):
        if not self.line_starts:
            self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), both 1-based, of a character offset."""
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1


def kind_of(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    if re.match(rb"\s*(?:<!doctype html|<html)", head[:512], re.I):
        return "html"
    return "text"


def read_source(path: Path, label: str, *, max_bytes: int = MAX_BYTES) -> Source:
    """A source file decoded, or :class:`InputError` with one located problem saying why it cannot be read.

    UTF-8 (with or without a byte-order mark) and UTF-16 with its mark are
    read as they are; a text in Windows-1251, KOI8-R or Latin-1 is decoded as
    :func:`~prodkit.ledger.encodings.guess_encoding` names it, with a warning
    at its first byte that is not UTF-8.
    """
    if not path.exists():
        raise InputError(f"{label} does not exist", problems=[problem("file-missing", file=label)])
    if path.is_dir():
        raise InputError(f"{label} is a folder", problems=[problem("text-not-a-file", file=label)])
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"{label} is too large", problems=[problem(
            "text-too-large", file=label, value=f"{size} bytes", size=f"{size / 2**20:.0f} MB",
            limit=f"{max_bytes / 2**20:.0f} MB")])
    raw = path.read_bytes()
    warnings: list[Problem] = []
    for magic, what, fix in _MAGIC:
        if raw.startswith(magic):
            raise InputError(f"{label} is not a text", problems=[problem(
                "text-binary", file=label, line=1, column=1, value=raw[:8].hex(" "), what=what, fix=fix)])
    text = _decode(raw, label, warnings)
    if not text.strip(" \t\r\n\ufeff" + FILLER):
        raise InputError(f"{label} is empty", problems=[problem("text-empty", file=label, value=f"{size} bytes")])
    kind = kind_of(path, raw[:512])
    if kind == "html":
        text = blank_html(text)
        if not text.strip(" \t\r\n" + FILLER + BREAK):
            raise InputError(f"{label} has no text", problems=[problem("text-empty", file=label,
                                                                       value="HTML with no text")])
    return Source(label, text, kind, warnings)


def _decode(raw: bytes, label: str, warnings: list[Problem]) -> str:
    sample = raw[:65536]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) and not raw.startswith(b"\xff\xfe\x00\x00"):
        text = raw.decode("utf-16")
    elif (len(sample) >= 4 and sample.count(0) * 3 >= len(sample)
          and not raw.startswith((b"\x00\x00", b"\xff\xfe\x00\x00"))):  # (UTF-32 is refused below)
        # UTF-16 without its mark: every other byte of Latin text is zero
        codec = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            raise InputError(f"{label} is in an encoding prodkit cannot name", problems=[problem(
                "text-encoding-unknown", file=label, line=1, column=1, value=raw[:4].hex(" "),
                guess="UTF-16 with no byte-order mark")]) from None
        warnings.append(problem("text-encoding-guessed", file=label, line=1, column=1, value=raw[:4].hex(" "),
                                guess=f"{codec.upper()} (every other byte is zero)"))
    else:
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = _decode_guessed(raw, exc, label, warnings)
    bad = _first_control(text)
    if bad is not None:
        line = text.count("\n", 0, bad) + 1
        column = bad - (text.rfind("\n", 0, bad) + 1) + 1
        raise InputError(f"{label} is not a text", problems=[problem(
            "text-binary", file=label, line=line, column=column, value=repr(text[bad])[1:-1],
            what="a file with control bytes (a binary file, or a text damaged in copying)",
            fix="Open it in a text editor; extract from a plain-text copy.")])
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_ENCODINGS = {"Windows-1251 (Cyrillic)": "cp1251", "KOI8-R (Cyrillic)": "koi8-r",
              "Latin-1 (ISO-8859-1) or Windows-1252": "cp1252"}


def _decode_guessed(raw: bytes, exc: UnicodeDecodeError, label: str, warnings: list[Problem]) -> str:
    guess = guess_encoding(raw)
    line = raw.count(b"\n", 0, exc.start) + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    value = raw[exc.start:exc.start + 4].hex(" ")
    codec = _ENCODINGS.get(guess)
    if guess.startswith("UTF-16"):
        codec = "utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be"
    if codec is None:
        raise InputError(f"{label} is in an encoding prodkit cannot name", problems=[problem(
            "text-encoding-unknown", file=label, line=line, column=column, value=value, guess=guess)])
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        raise InputError(f"{label} is in an encoding prodkit cannot name", problems=[problem(
            "text-encoding-unknown", file=label, line=line, column=column, value=value, guess=guess)]) from None
    warnings.append(problem("text-encoding-guessed", file=label, line=line, column=column, value=value,
                            guess=guess))
    return text


_CONTROL_TABLE = {b: None for b in CONTROL_SET}


def _first_control(text: str) -> int | None:
    """The offset of the first control character (NUL, a form feed is allowed: OCR pages use it), or None."""
    if len(text.translate(_CONTROL_TABLE)) == len(text):
        return None
    m = re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", text)
    return m.start() if m else None


# ---------------------------------------------------------------------------
# HTML: blanked in place
# ---------------------------------------------------------------------------

_BLOCK = {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
          "blockquote", "section", "article", "header", "footer", "aside", "hr", "dd", "dt", "figcaption", "title",
          "caption", "main", "nav", "pre"}
_HIDDEN = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_TAG = re.compile(r"</?([a-zA-Z][\w:-]*)[^>]*>|<![^>]*>|<\?[^>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,31});")
_SUP = re.compile(r"<sup\b[^>]*>\s*(?:<a\b[^>]*>)?\s*\[?(\d{1,3})\]?\s*(?:</a>)?\s*</sup>", re.I)
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _blank(m: re.Match, mark: str = FILLER) -> str:
    return "".join("\n" if ch == "\n" else mark if i == 0 else FILLER for i, ch in enumerate(m.group(0)))


def blank_html(text: str) -> str:
    """HTML with its tags, comments and scripts blanked and entities decoded, every offset kept.

    A footnote mark ``<sup>4</sup>`` becomes the superscript ⁴ that plain texts use.

    >>> t = blank_html("<p>Hewed <b>102</b> tons&nbsp;of coal.<sup>4</sup></p>")
    >>> t.replace(FILLER, "").replace(BREAK, "|")
    '|Hewed 102 tons\\xa0of coal.⁴|'
    >>> len(t) == len("<p>Hewed <b>102</b> tons&nbsp;of coal.<sup>4</sup></p>")
    True
    """
    text = _HIDDEN.sub(_blank, text)

    def sup(m: re.Match) -> str:
        digits = m.group(1).translate(_SUPERSCRIPTS)
        rest = _blank(m)[len(digits):]
        return digits + rest

    text = _SUP.sub(sup, text)

    def tag(m: re.Match) -> str:
        name = (m.group(1) or "").lower()
        return _blank(m, BREAK if name in _BLOCK else FILLER)

    text = _TAG.sub(tag, text)

    def entity(m: re.Match) -> str:
        ch = html.unescape(m.group(0))
        if len(ch) > len(m.group(0)) or ch == m.group(0):
            return m.group(0)
        return ch + FILLER * (len(m.group(0)) - len(ch))

    return _ENTITY.sub(entity, text)


def shown(text: str) -> str:
    """A span as a quote shows it: fillers dropped, line breaks and blanked blocks read as spaces."""
    text = text.replace(FILLER, "").replace(BREAK, " ")
    if "\n" in text:
        text = re.sub(r"[ \t]*\n[ \t]*", " ", text)
    return text.strip()


# ---------------------------------------------------------------------------
# Sentences and footnotes
# ---------------------------------------------------------------------------

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
#: Words after which a full stop ends no sentence (initials are caught separately).
ABBREVIATIONS = {"p", "pp", "f", "o", "d", "l", "ll", "no", "nos", "vol", "ch", "ed", "eds", "cf", "e.g", "i.e", "mr",
                 "mrs", "dr", "st", "tov", "op", "cit", "ibid", "trans", "comp", "fig", "vs", "etc", "al", "jr",
                 "sr", "gen", "col", "prof", "ob", "т", "тов", "г", "гг", "см", "им", "стр", "с", "л", "д", "оп",
                 "ф", "н", "т.е", "т.д", "т.п", "тыс", "млн", "млрд", "проц", "руб", "коп", "ул", "обл", "ок",
                 "approx", "ca", "c", "nr", "bd", "s", "u", "z.b", "bzw", "vgl", "mio", "mrd", "tsd", "env"}
_BOUNDARY = re.compile(
    r"(?P<end>[.!?…]+[\"”»’')\]*_]*[" + SUPERSCRIPT_DIGITS + r"]*|[" + SUPERSCRIPT_DIGITS + r"]+)"
    r"(?P<gap>[ \t\u00a0\n" + FILLER + r"]+(?=[\"“«‘(\[*_" + FILLER + r"]*[A-ZА-ЯЁІЇЄҐÀ-Þ0-9" + SUPERSCRIPT_DIGITS
    + r"])|[ \t" + FILLER + r"]*(?:\n[ \t" + FILLER + r"]*\n|" + BREAK + r")\s*)"
    r"|(?P<para>[ \t" + FILLER + r"]*(?:\n[ \t" + FILLER + r"]*){2,}|[ \t" + FILLER + r"]*" + BREAK + r"\s*)")
_BLANK_LINE = re.compile(r"\n[ \t" + FILLER + r"]*\n")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_FOOTNOTE_START = re.compile(r"[ \t" + FILLER + r"]*(?:\[\^(\d+)\]:|([" + SUPERSCRIPT_DIGITS + r"]+)(?=[\s" + FILLER
                             + r"]))")
_MARK = re.compile(r"\[\^(\d+)\](?!:)|(?<=[\w.,;:!?”\"’)\]*])([" + SUPERSCRIPT_DIGITS + r"]+)")


@dataclass
class Sentence:
    start: int
    end: int
    paragraph: int  # index of its paragraph
    footnote: str | None = None  # the footnote this sentence is the text of ("4"), for a footnote's sentences
    cites: str | None = None  # the footnote mark this sentence carries or, failing that, the next in its paragraph


def sentences(text: str) -> list[Sentence]:
    """The sentences of a text, in order, with the footnotes they are in and cite.

    >>> t = "Under a norm of 6 tons, he hewed 102 tons.⁴ Later he did more.\\n\\n⁴ Gershberg, 1981. Also 6 tons."
    >>> [(t[s.start:s.end], s.footnote, s.cites) for s in sentences(t)]  # doctest: +NORMALIZE_WHITESPACE
    [('Under a norm of 6 tons, he hewed 102 tons.⁴', None, '4'), ('Later he did more.', None, None),
     ('⁴ Gershberg, 1981.', '4', None), ('Also 6 tons.', '4', None)]
    """
    out: list[Sentence] = []
    start, paragraph = 0, 0
    for m in _BOUNDARY.finditer(text):
        if m.group("end") is not None:
            end = m.end("end")
            if not m.group("end").startswith(tuple(SUPERSCRIPT_DIGITS)) and _abbreviation(text, m.start("end")):
                continue
            if m.group("end")[0] in SUPERSCRIPT_DIGITS and not m.group("gap").strip(" \t\u00a0" + FILLER):
                continue  # a mark inside a sentence ("1935⁴ and") is ended only by a paragraph
            new_paragraph = bool(_BLANK_LINE.search(m.group("gap"))) or BREAK in m.group("gap")
        else:
            end, new_paragraph = m.start(), True
        if end > start:
            out.append(Sentence(start, end, paragraph))
        start = m.end()
        if new_paragraph:
            paragraph += 1
    if start < len(text) and text[start:].strip():
        out.append(Sentence(start, len(text), paragraph))
    out = [s for s in out if text[s.start:s.end].strip(" \t\n" + FILLER + BREAK)]
    _link_footnotes(text, out)
    return out


def _abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    m = _WORD_BEFORE.search(text, max(0, dot - 12), dot + 1)
    if not m:
        return False
    word = m.group(1).rstrip(".").lower()
    last = word.rsplit(".", 1)[-1]
    if len(last) == 1 and last.isalpha():  # an initial: "A. G. Stakhanov", "f.85"
        return True
    return word in ABBREVIATIONS or last in ABBREVIATIONS


def _link_footnotes(text: str, found: list[Sentence]) -> None:
    current, current_paragraph = None, -1
    for s in found:
        if s.paragraph != current_paragraph:
            current_paragraph = s.paragraph
            m = _FOOTNOTE_START.match(text, s.start)
            current = (m.group(1) or m.group(2).translate(_FROM_SUPERSCRIPT)) if m else None
        s.footnote = current
        if current is None:
            marks = [m.group(1) or m.group(2).translate(_FROM_SUPERSCRIPT)
                     for m in _MARK.finditer(text, s.start, s.end)]
            s.cites = marks[-1] if marks else None
    # a body sentence without a mark of its own cites the next mark in its paragraph
    following = None
    for s in reversed(found):
        if s.footnote is not None:
            following = None
            continue
        if s.cites is not None:
            following = (s.paragraph, s.cites)
        elif following and following[0] == s.paragraph:
            s.cites = following[1]
