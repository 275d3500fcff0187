"""Per-token quotas counted in the state store, so that every server process shares them.

A fixed window per quota (requests: 5 minutes; screening items: an hour): the window's index
is the clock's epoch seconds divided by its length; a token's use of a window is one counter
row. `take` checks and counts in one write transaction: an amount that does not fit is refused
whole and counts nothing (a batch larger than what is left gets 429 before any work is done).
Rows of windows that have passed are deleted as new windows start.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..state import Column, Store, Table, Value, lt

USAGE = Table("api_usage", (
    Column("jti", nullable=False),
    Column("quota", nullable=False),        # requests | screen_items
    Column("window", "integer", nullable=False),
    Column("used", "integer", nullable=False, default=0),
), primary_key=("jti", "quota", "window"))


@dataclass(frozen=True)
class QuotaState:
    """What the RateLimit-* headers say, and whether the amount was granted."""
    granted: bool
    limit: int
    remaining: int
    reset: int          # seconds until the window ends

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"ratelimit-limit", str(self.limit).encode()),
                (b"ratelimit-remaining", str(self.remaining).encode()),
                (b"ratelimit-reset", str(self.reset).encode())]


class Quotas:
    def __init__(self, store: Store):
        self.store = store
        store.declare(USAGE)

    def take(self, jti: str, quota: str, amount: int, limit: int, window_seconds: int, now: float) -> QuotaState:
        window = int(now // window_seconds)
        reset = max(1, math.ceil((window + 1) * window_seconds - now))
        key: dict[str, Value] = {"jti": jti, "quota": quota, "window": window}
        with self.store.write() as tx:
            row = tx.get(USAGE, key)
            used = int(row["used"]) if row else 0   # type: ignore[arg-type]
            if used + amount > limit:
                return QuotaState(False, limit, max(0, limit - used), reset)
            if row is None:
                tx.delete(USAGE, {"jti": jti, "quota": quota, "window": lt(window)})
            used = int(tx.add(USAGE, key, "used", amount))
        return QuotaState(True, limit, max(0, limit - used), reset)
