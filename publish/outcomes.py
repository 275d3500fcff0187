"""What a worker says of each row: the typed wire format between per-row processing
(publish/process.py, in worker processes) and settling (publish/settle.py, in the main one).

Named tuples, not dataclasses: a million of them are pickled through a spool file per build,
and a tuple pickles several times faster than an object with a `__dict__` or slots.
"""
from __future__ import annotations

from typing import Literal, NamedTuple

from .definitions import Tier

Department = str
# `published.<tier>` or `withheld.<reason>` (publish/rules.py lists the reasons).
Outcome = str
PointerRule = Literal["repair", "objection"]
# (normalised decision number, subject key): how repairs and objections find their penalty.
PointerKey = tuple[str, str]


class Quarantined(NamedTuple):
    """A row that is not loaded: its reason and the original values (for quarantine.csv only)."""
    department: Department
    number: int
    code: str
    field: str | None
    message: str
    original: dict


class Record(NamedTuple):
    """A record that validated and was redacted: published (with its row) or withheld."""
    department: Department
    number: int
    identity: tuple          # raw identity values: duplicates and corrections (never leaves the build)
    digest: bytes            # keyed digest of the raw content: exact re-submissions
    rank: tuple              # which version of a decision is newest
    outcome: Outcome
    tier: Tier | None        # the tier it is loaded into when published
    row: tuple | None        # the published row, in the kind's column order
    subject: tuple[str, str] | None = None   # (uscc, name) of an organisation, for findings
    suspect_fine: object = None              # a 万元 value that looks like 元
    matched: tuple[PointerKey, ...] = ()     # repairs / objections this penalty matched
    latest: tuple[str, str] | None = None    # (subject key, date): latest-per-subject kinds


class Pointer(NamedTuple):
    """A repair or objection row: applied to the penalty it points at, not shown itself."""
    department: Department
    number: int
    identity: tuple
    digest: bytes
    rank: tuple
    rule: PointerRule
    key: PointerKey
    status: str | None


RowOutcome = Quarantined | Record | Pointer
