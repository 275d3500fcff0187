"""Text files read as bytes, one physical line at a time: each line decoded alone, so a
line in another encoding is one bad record (`undecodable_row`), not the end of the file,
and a line longer than the cap is skipped without ever being held in memory whole.

Splitting on b"\\n" is safe in both encodings read here: no byte of a UTF-8 or GB18030
multi-byte character is 0x0A.
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

from .cells import without_controls
from .tables import FileError

SNIFF_BYTES = 1 << 20


class Overlong:
    """Stands for a physical line longer than the cap (its bytes were skipped)."""

    def __init__(self, size: int):
        self.size = size


def physical_lines(fh: BinaryIO, limit: int) -> Iterator[bytes | Overlong]:
    """The lines of `fh` with their terminators; a line over `limit` bytes as `Overlong`."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            yield Overlong(len(line) + skip_rest_of_line(fh))
            continue
        yield line


def skip_rest_of_line(fh: BinaryIO) -> int:
    skipped = 0
    while True:
        part = fh.readline(1 << 20)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped


def detect_encoding(head: bytes, whole_file: bool = False, offset: int = 0) -> str:
    """UTF-8 (with or without BOM) or GB18030, judged from the bytes, never the file name:
    the encoding more of the head's non-ASCII lines are in (a file that switches encoding
    part-way is read in the one most of it is in, and its other lines are bad records).
    `head` (which starts `offset` bytes into the file) may end inside a character unless it
    reaches the end of the file (`whole_file`): a cut character is never held against it."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError("unknown_encoding",
                        "文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为 UTF-8 或 GB18030 后重新报送")
    lines = head.split(b"\n")
    last = None if whole_file else lines.pop()   # may be cut by the sniff window
    if not whole_file and not any(not line.isascii() for line in lines) and last and not last.isascii():
        lines, decodes = [last], _decodes_but_for_its_end   # one long line: its complete characters
    else:
        decodes = _decodes
    # Almost any bytes decode as GB18030, while GBK text is almost never valid UTF-8: a line
    # valid in both is UTF-8's, GB18030 wins only the lines UTF-8 refuses. A line valid in
    # neither (one bad byte in a one-line JSON file) goes to the one that read further into it.
    votes = {"utf-8": 0, "gb18030": 0}
    for line in lines:
        if line.isascii():
            continue
        if decodes(line, "utf-8"):
            votes["utf-8"] += 1
        elif decodes(line, "gb18030"):
            votes["gb18030"] += 1
        else:
            further = _read_further(line)
            if further is not None:
                votes[further] += 1
    if votes["utf-8"] == votes["gb18030"] == 0:
        if all(line.isascii() for line in lines):
            return "utf-8"
        raise FileError("unknown_encoding", neither_message(head, whole_file, offset))
    return "utf-8" if votes["utf-8"] >= votes["gb18030"] else "gb18030"


def _read_further(line: bytes) -> str | None:
    """Of two encodings that both fail on `line`, the one that decoded non-ASCII text before
    failing and got further; None when neither decoded any."""
    first_non_ascii = next(i for i, byte in enumerate(line) if byte >= 0x80)
    reach = {}
    for encoding in ("utf-8", "gb18030"):
        bad = first_bad_byte(line, encoding, final=False)
        reach[encoding] = len(line) if bad is None else bad
    best = max(reach, key=lambda encoding: (reach[encoding], encoding == "utf-8"))
    return best if reach[best] > first_non_ascii else None


def first_bad_byte(data: bytes, encoding: str, final: bool) -> int | None:
    """The offset in `data` of the first byte that does not decode (a character cut at the
    end counts only when `final`); None when every byte does."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(data, final=final)
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def neither_message(head: bytes, whole_file: bool, offset: int) -> str:
    """Names the first byte each encoding refuses, by its offset in the file."""
    found = []
    for encoding, name in (("utf-8", "UTF-8"), ("gb18030", "GB18030/GBK")):
        at = first_bad_byte(head, encoding, whole_file)
        if at is not None:
            found.append(f"{name} 在偏移 {offset + at:,}（第 {offset + at + 1:,} 个字节，0x{head[at]:02X}）处无法解码")
    return "无法识别文件编码，既不是 UTF-8 也不是 GB18030/GBK：" + "；".join(found)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _decodes_but_for_its_end(data: bytes, encoding: str) -> bool:
    return first_bad_byte(data, encoding, final=False) is None   # a cut character stays buffered


def sniff(fh: BinaryIO) -> str:
    """The encoding of a text file, judged from its first window of SNIFF_BYTES that holds a
    non-ASCII byte (an all-ASCII head says nothing: field-code headers and numbers are
    ASCII in every encoding), extended while its only non-ASCII bytes are in its last,
    unfinished line and fewer than SNIFF_BYTES follow the first of them (a window that
    ends one byte into the first character holds no evidence at all: C7 starts a character
    in UTF-8 and in GBK alike); `fh` is left at its start."""
    window = fh.read(SNIFF_BYTES)
    if not window.strip():
        fh.seek(0)
        raise FileError("empty_file", "文件为空")
    offset = 0
    # A window after an all-ASCII one starts on a character boundary.
    while window.isascii() and len(window) == SNIFF_BYTES:
        following = fh.read(SNIFF_BYTES)
        if not following:
            break
        offset, window = offset + len(window), following
    whole = len(window) < SNIFF_BYTES
    while not whole and _evidence_unfinished(window):
        following = fh.read(SNIFF_BYTES)
        whole = len(following) < SNIFF_BYTES
        window += following
    if not whole:
        whole = not fh.read(1)
    fh.seek(0)
    return detect_encoding(window, whole_file=whole, offset=offset)


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _evidence_unfinished(window: bytes) -> bool:
    """Whether the window's non-ASCII bytes all lie in its unfinished last line, with fewer
    than SNIFF_BYTES of it from the first of them."""
    complete = window[:window.rfind(b"\n") + 1]
    if not complete.isascii():
        return False
    first = _NON_ASCII.search(window, len(complete))
    return first is not None and len(window) - first.start() < SNIFF_BYTES


class LineDecoder:
    """Decodes one physical line at a time in the file's encoding (the BOM of the first)."""

    def __init__(self, encoding: str):
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.strip_bom = encoding == "utf-8-sig"

    def decode(self, line: bytes) -> str:
        """The text of `line`; UnicodeDecodeError when its bytes are not in the encoding."""
        if self.strip_bom:
            self.strip_bom = False
            line = line.removeprefix(codecs.BOM_UTF8)
        return line.decode(self.encoding)

    def shown(self, line: bytes) -> str:
        """An undecodable line as the quarantine shows it (bad bytes as \\xNN)."""
        return line.decode(self.encoding, errors="backslashreplace").rstrip("\r\n")


def undecodable_message(exc: UnicodeDecodeError, encoding: str) -> str:
    return f"第 {exc.start + 1} 个字节起不是 {encoding.upper()} 编码"


# C0 controls (but TAB, LF, CR) and DEL are single bytes in UTF-8 and GB18030 alike, never
# part of a multi-byte character: removed from the bytes in one C call. C1 controls are
# multi-byte; their lead bytes are looked for first, so most lines never meet a regex.
_C0_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_LEADS = {"utf-8": b"\xc2", "gb18030": b"\x81\x30"}


def without_controls_in_line(raw: bytes, encoding: str) -> str:
    """One line decoded (UnicodeDecodeError when it is not in `encoding`), without control
    characters."""
    text = raw.translate(None, _C0_BYTES).decode(encoding)
    lead = _C1_LEADS.get(encoding)
    if lead is not None and lead in raw:
        return without_controls(text)
    return text
