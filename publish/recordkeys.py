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
from collections.abc import Iterable

_SEPARATOR = "\x1f"
_NONE = "\x00"


def canonical(values: Iterable[object]) -> bytes:
    """Values as bytes, in order; None is distinct from the empty string."""
    return _SEPARATOR.join(_NONE if v is None else str(v) for v in values).encode("utf-8")


def record_key(secret: bytes, identity: tuple) -> str:
    return hmac.new(secret, canonical(identity), hashlib.sha256).hexdigest()


def published_digest(values: Iterable[object]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def raw_digest(secret: bytes, values: Iterable[object]) -> bytes:
    return hashlib.blake2b(canonical(values), key=secret[:64], digest_size=16).digest()
