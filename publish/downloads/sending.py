"""Sending a release's file as an ASGI answer: a static file saved, not shown
(`Content-Disposition: attachment`), whole or one byte range (RFC 9110 §14: `Range:
bytes=a-b`, `a-`, `-n`; 206 with `Content-Range`, 416 past the end), with no size cap: it is
read in chunks from the open descriptor, and reading stops when the client goes away.

The ETag is the file's SHA-256 from index.json (a 304 to `If-None-Match`); `Cache-Control`
is the caller's (short for `latest/`, which changes nightly; long for a delta, whose name
is its version).
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

CHUNK = 512 * 1024
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "db": "application/vnd.sqlite3",
    "json": "application/json; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
FALLBACK_TYPE = "application/octet-stream"

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rpartition(".")[2].lower(), FALLBACK_TYPE) if "." in name else FALLBACK_TYPE


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int      # inclusive, as Content-Range writes it

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(ValueError):
    """A well-formed range that starts past the end of the file (416)."""


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The one range `header` asks of a file of `size` bytes; None for the whole file (no
    header, a malformed one, or several ranges: RFC 9110 lets a server ignore Range)."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or (first and not first.isdigit()) or (last and not last.isdigit()) or not (first or last):
        return None
    if not first:   # the last n bytes
        if int(last) == 0 or size == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(0, size - int(last)), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise Unsatisfiable(header)
    return ByteRange(start, min(end, size - 1))


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            gone.set()
            return


async def _send_body(send: Send, receive: Receive, fd: int, start: int, length: int) -> None:
    gone = asyncio.Event()
    watcher = asyncio.create_task(_watch_disconnect(receive, gone))
    try:
        offset, left = start, length
        while left > 0 and not gone.is_set():
            chunk = await asyncio.to_thread(os.pread, fd, min(CHUNK, left), offset)
            if not chunk:   # the file shrank under us: end short rather than pad
                break
            offset += len(chunk)
            left -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
        if left > 0 and not gone.is_set():
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        watcher.cancel()


async def send_file(send: Send, receive: Receive, fd: int, *, filename: str, size: int, sha256: str,
                    cache_control: str, headers: dict[str, str], head: bool = False) -> int:
    """Answers with the file open on `fd` (`size` bytes); `headers` are the request's
    (lower-case names). Returns the status sent. The descriptor is the caller's to close."""
    etag = f'"{sha256}"'
    common = [(b"etag", etag.encode("ascii")), (b"cache-control", cache_control.encode("ascii")),
              (b"accept-ranges", b"bytes")]
    if _etag_matches(headers.get("if-none-match"), etag):
        await send({"type": "http.response.start", "status": 304, "headers": common})
        await send({"type": "http.response.body", "body": b""})
        return 304
    try:
        wanted = byte_range(headers.get("range"), size)
    except Unsatisfiable:
        await send({"type": "http.response.start", "status": 416,
                    "headers": [*common, (b"content-range", f"bytes */{size}".encode("ascii")),
                                (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
        return 416
    status, start, length = (206, wanted.start, wanted.length) if wanted else (200, 0, size)
    answer = [*common,
              (b"content-type", content_type(filename).encode("ascii")),
              # Names are plain ASCII (publish/downloads/catalog.py PLAIN_NAME): no quoting to do.
              (b"content-disposition", f'attachment; filename="{filename}"'.encode("ascii")),
              (b"content-length", str(length).encode("ascii"))]
    if wanted:
        answer.append((b"content-range", f"bytes {wanted.start}-{wanted.end}/{size}".encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": answer})
    if head or length == 0:
        await send({"type": "http.response.body", "body": b""})
    else:
        await _send_body(send, receive, fd, start, length)
    return status
