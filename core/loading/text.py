"""Bytes to text: byte-order marks, UTF-8/16/32, binary detection and per-document decoding.

A file that is mostly text but holds one undecodable document must not lose its other
documents, so when strict UTF-8 decoding fails the bytes are split at document markers and
every piece is decoded on its own (`Segment.error` tells why a piece could not be read).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from core.loading.splitting import split_bytes

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive"),
    (b"PK\x05\x06", "a zip archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"\x30\x82", "DER-encoded data (a certificate or key?)"),
)

# bytes that plain text never holds (everything below 0x20 but tab, LF, CR, FF, ESC; and DEL)
_TEXT_BYTES = bytes({7, 8, 9, 10, 12, 13, 27} | set(range(0x20, 0x100)) - {0x7F})
_SNIFF = 8192
_BINARY_SHARE = 0.05

# characters YAML does not allow in a stream (YAML 1.1 c-printable, the set libyaml enforces)
NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a file's text: `text` starts at 0-based line `line_offset` of the file."""

    text: str | None
    line_offset: int = 0
    error: str = ""  # why the piece could not be decoded (text is None then)
    error_line: int | None = None  # 1-based line of the file


@dataclass(frozen=True, slots=True)
class Decoded:
    segments: tuple[Segment, ...] = ()
    error: str = ""  # the whole file is unreadable (binary, bad UTF-16...)
    encoding: str = "UTF-8"

    @property
    def whole(self) -> str | None:
        """The file's text when it decoded in one piece."""
        if len(self.segments) == 1 and self.segments[0].text is not None and self.segments[0].line_offset == 0:
            return self.segments[0].text
        return None


def decode(data: bytes) -> Decoded:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            if codec == "utf-8":
                return _decode_utf8(body, label)
            try:
                return Decoded((Segment(_normalise_newlines(body.decode(codec))),), encoding=label)
            except UnicodeDecodeError as exc:
                return Decoded(error=f"the file starts with a {label} byte-order mark but is not valid {label} "
                                     f"(byte {exc.start})")
    binary = sniff_binary(data)
    if binary:
        return Decoded(error=binary)
    return _decode_utf8(data, "UTF-8")


def sniff_binary(data: bytes) -> str:
    """Why `data` is not a text file, or "" when it looks like text."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return f"the file is binary ({what}), not a YAML or JSON manifest"
    sample = data[:_SNIFF]
    if not sample:
        return ""
    nul = sample.count(0)
    if nul and len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) > 0.4 * (len(sample) / 2) and min(even, odd) < 0.05 * (len(sample) / 2):
            return "the file looks like UTF-16 text without a byte-order mark; save it as UTF-8"
    odd_bytes = len(sample.translate(None, _TEXT_BYTES))
    if odd_bytes > _BINARY_SHARE * len(sample):
        return f"the file is binary ({odd_bytes} of its first {len(sample)} bytes are not text)"
    return ""


def _decode_utf8(data: bytes, label: str) -> Decoded:
    try:
        return Decoded((Segment(_normalise_newlines(data.decode("utf-8"))),), encoding=label)
    except UnicodeDecodeError:
        pass
    segments: list[Segment] = []
    for piece, offset in split_bytes(data):
        try:
            segments.append(Segment(_normalise_newlines(piece.decode("utf-8")), offset))
        except UnicodeDecodeError as exc:
            bad_line = offset + piece.count(b"\n", 0, exc.start) + 1
            segments.append(Segment(None, offset, f"not valid UTF-8 text (byte 0x{piece[exc.start]:02x} on line "
                                                  f"{bad_line}); save the file as UTF-8", bad_line))
    return Decoded(tuple(segments), encoding=label)


def _normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so our line counting agrees with the parser's."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def first_unprintable_line(text: str, line_offset: int = 0) -> tuple[int | None, str]:
    """1-based file line and description of the first character YAML does not allow."""
    m = NOT_PRINTABLE.search(text)
    if not m:
        return None, ""
    char = m.group()
    what = "NUL byte" if char == "\x00" else f"control character U+{ord(char):04X}"
    return line_offset + text.count("\n", 0, m.start()) + 1, what
