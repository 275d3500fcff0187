"""The hash chain: what makes an altered, removed, reordered or cut entry visible.

Each entry's hash is SHA-256 over the previous entry's hash (32 bytes; GENESIS before the
first) and the RFC 8785 canonical JSON of the entry with its sequence number, in which every
name asked about is replaced by its keyed hash. A name's keyed hash is HMAC-SHA-256, under a
key derived (HKDF) from the state directory's record-key secret, over a random salt and the
name; the name and its salt are stored apart (`audit_names`), so erasing both after the
retention leaves the chain intact and the hash unopenable, even by someone holding the
secret who guesses the name.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from ..report.registry import derive_key
from .entry import FIELDS, AuditEntry

GENESIS = "0" * 64
SALT_BYTES = 16
_NAME_INFO = b"publish audit-log names v1"


def name_key(record_key_secret: bytes) -> bytes:
    return derive_key(record_key_secret, _NAME_INFO)


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def name_hash(key: bytes, salt: str, name: str) -> str:
    return hmac.new(key, bytes.fromhex(salt) + name.encode("utf-8"), hashlib.sha256).hexdigest()


def entry_fields(entry: AuditEntry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in FIELDS}


def hashed_fields(seq: int, values: Mapping[str, Any], name_hashes: Sequence[str]) -> dict[str, Any]:
    """What the hash covers: the seq and every field of the entry (`values`: an entry's
    fields, or a stored row's), the names as their keyed hashes."""
    hashed: dict[str, Any] = {"seq": seq, "names": list(name_hashes)}
    for name in FIELDS:
        if name != "names":
            value = values[name]
            hashed[name] = list(value) if isinstance(value, (tuple, list)) else value
    return hashed


def canonical(hashed: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of the hashed fields. Their values are only integers, strings,
    null and arrays of strings, under ASCII member names, and for those the C-accelerated
    json.dumps below gives RFC 8785's bytes exactly (members sorted, no white space, UTF-8,
    the same escapes: tests/test_audit.py holds it against the rfc8785 package), at a
    fraction of the cost: it runs once per request."""
    return json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(prev_hash: str, hashed: Mapping[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(hashed)).hexdigest()
