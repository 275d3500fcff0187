"""The feed's cursor: opaque to the client, unforgeable, and dated.

A cursor holds the feed's epoch, the position of the last change the client has seen and
the instant it was issued, followed by an HMAC-SHA-256 tag (16 bytes) under a key derived
from the state directory's record-key secret (publish/secrets.py: no secret of its own, so
nothing new to back up), all base64url without padding. Anything that does not decode, or
whose tag does not match, is `bad_cursor`; the position and the dates are checked by the
feed (publish/feed/reading.py).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import struct
from dataclasses import dataclass
from pathlib import Path

from publish.errors import PublishError
from publish.secrets import load_record_key_secret

VERSION = 1
_LAYOUT = struct.Struct(">BIQq")   # version, epoch, position, issued (Unix seconds)
_TAG_BYTES = 16
_PURPOSE = b"publish change feed cursor v1"


@dataclass(frozen=True)
class Cursor:
    epoch: int
    position: int
    issued: dt.datetime


def cursor_key(state_dir: Path) -> bytes:
    """The cursors' key, derived from (never equal to) the record-key secret."""
    return hmac.new(load_record_key_secret(state_dir), _PURPOSE, hashlib.sha256).digest()


def _tag(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_TAG_BYTES]


def encode(key: bytes, cursor: Cursor) -> str:
    payload = _LAYOUT.pack(VERSION, cursor.epoch, cursor.position, int(cursor.issued.timestamp()))
    return base64.urlsafe_b64encode(payload + _tag(key, payload)).rstrip(b"=").decode("ascii")


def _bad(text: str) -> PublishError:
    shown = text if len(text) <= 80 else text[:80] + "…"
    return PublishError("bad_cursor", f"游标无效（不是本接口发出的游标，或已被改动）：{shown}")


def decode(key: bytes, text: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _bad(text) from None
    # One spelling only: base64 would skip stray characters and accept padding.
    if len(raw) != _LAYOUT.size + _TAG_BYTES or base64.urlsafe_b64encode(raw).rstrip(b"=") != text.encode():
        raise _bad(text)
    payload, tag = raw[:_LAYOUT.size], raw[_LAYOUT.size:]
    if not hmac.compare_digest(tag, _tag(key, payload)):
        raise _bad(text)
    version, epoch, position, issued = _LAYOUT.unpack(payload)
    if version != VERSION:
        raise _bad(text)
    return Cursor(epoch, position, dt.datetime.fromtimestamp(issued, dt.UTC))
