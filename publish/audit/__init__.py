"""The audit log of authorized access (issue 16): every request that carries a token, in an
append-only hash chain in the state store, with signed checkpoints of its head.

- `entry.py`: `AuditEntry`, what one request leaves behind.
- `chain.py`: the hash chain and the keyed hashes of names (erasable without breaking it).
- `tables.py`: the state-store tables (entries, names, checkpoints).
- `log.py`: `AuditLog` (open, append, entries, head, checkpoint, verify, erase_names, close).
- `verify.py`: `VerifyReport` and the walk that names the first bad entry.

The CLI (`python -m publish audit list|verify`) and GET /api/v1/audit are thin wrappers
over `AuditLog`.
"""
from .entry import OUTCOMES, AuditEntry, instant_text
from .log import AuditLog, checkpoint_every, entry_json, parse_since, retention_years
from .verify import PROBLEMS, VerifyReport

__all__ = ["OUTCOMES", "PROBLEMS", "AuditEntry", "AuditLog", "VerifyReport", "checkpoint_every", "entry_json",
           "instant_text", "parse_since", "retention_years"]
