"""Record keys and content digests: how the change feed, releases' deltas and reports cite a
record, the same on every machine and every run.

- The **record key** is the hex HMAC-SHA-256 of a record's identity values (its dataset's
  `identity` fields, publish/datasets/*.yml) under the state directory's record-key secret:
  a correction keeps its key (and shows as changed), and the key is opaque: without the
  secret nobody can confirm a guessed decision number or subject from it.
- The **published digest** is SHA-256 over the published, redacted values only: anyone may
  recompute it from what we publish, and it says nothing more than they already see.
- The **raw digest** (duplicates within a build) is keyed with the same secret and never
  leaves the build: a plain hash of unredacted values would let anyone confirm a guessed name
  or ID number.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import marshal
from collections.abc import Iterable


def canonical(values: Iterable[object]) -> bytes:
    """The documented form a published digest is taken over, so anyone can recompute it: the
    values in column order as a compact JSON array, UTF-8, non-ASCII as is (null for None)."""
    return _ENCODE(list(values)).encode("utf-8")


# What json.dumps(..., ensure_ascii=False, separators=(",", ":")) builds on every call, built
# once (the same output; every row takes two digests).
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# The keyed hashes' states after their key, per secret (a build has one): copying a state is
# cheaper than keying a new one, and gives the same digest.
_KEYED: dict[tuple[str, bytes], object] = {}


def _keyed(kind: str, secret: bytes):
    state = _KEYED.get((kind, secret))
    if state is None:
        if len(_KEYED) > 16:
            _KEYED.clear()
        if kind == "hmac":
            state = hmac.new(secret, digestmod=hashlib.sha256)
        else:
            state = hashlib.blake2b(key=secret[:64], digest_size=16)
        _KEYED[(kind, secret)] = state
    return state.copy()  # type: ignore[attr-defined]


def record_key(secret: bytes, identity: tuple) -> str:
    state = _keyed("hmac", secret)
    state.update(canonical(identity))
    return state.hexdigest()


def published_digest(values: Iterable[object]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def raw_digest(secret: bytes, values: Iterable[object]) -> bytes:
    """Internal to one build (duplicates): marshal's version 2 (no shared references, so equal
    values give equal bytes) is the fastest faithful form; keyed, 16 bytes."""
    data = marshal.dumps(tuple(values), 2)  # type: ignore[arg-type]  # (cell values: str, numbers, None)
    state = _keyed("blake2b", secret)
    state.update(data)
    return state.digest()
