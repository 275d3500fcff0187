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
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def record_key(secret: bytes, identity: tuple) -> str:
    return hmac.new(secret, canonical(identity), hashlib.sha256).hexdigest()


def published_digest(values: Iterable[object]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def raw_digest(secret: bytes, values: Iterable[object]) -> bytes:
    """Internal to one build (duplicates): marshal's version 2 (no shared references, so equal
    values give equal bytes) is the fastest faithful form; keyed, 16 bytes."""
    data = marshal.dumps(tuple(values), 2)  # type: ignore[arg-type]  # (cell values: str, numbers, None)
    return hashlib.blake2b(data, key=secret[:64], digest_size=16).digest()
