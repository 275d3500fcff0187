"""Settling: what becomes of each processed row once the rows before it are known.

Pure: no I/O. The build feeds rows in a fixed order (plan order, then row order) and this
decides, per decision (a dataset's identity fields):
- an exact re-submission is `duplicates.exact`;
- an older version of a decision a newer row already stands for is `duplicates.superseded`,
  and a newer version supersedes (unloads) the one loaded before it: corrections;
- of a latest-per-subject kind (evaluation grades), only the latest record per subject is
  published; the others are `withheld.not_latest`;
- repairs and objections wait for the penalty they point at; `finish` counts each as applied
  (`published.public`) or `withheld.no_matching_record`.
Effects go to a `Sink` (the build's ledger and loader; a list in the tests).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .definitions import Tier
from .outcomes import Pointer, PointerKey, Record

Where = tuple[str, str, str]   # (dataset, file, department): the ledger's three levels


class Sink(Protocol):
    def count(self, where: Where, outcome: str) -> None: ...

    def move(self, where: Where, old: str, new: str) -> None: ...

    def load(self, table: str, tier: Tier, row: tuple) -> int: ...

    def unload(self, table: str, tier: Tier, row_id: int) -> None: ...


@dataclass(slots=True)
class _Seen:
    """What is remembered of one decision."""
    digests: tuple[bytes, ...]
    rank: tuple
    where: Where
    outcome: str
    loaded: tuple[str, Tier, int] | None   # (table, tier, row id)


@dataclass(slots=True)
class _Waiting:
    """A repair or objection row waiting for the penalty it points at."""
    where: Where
    status: str | None
    matched: bool = False


class Settler:
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.seen: dict[tuple, _Seen] = {}
        self.latest: dict[str, tuple[str, tuple]] = {}
        self.repairs: dict[PointerKey, _Waiting] = {}
        self.objections: dict[PointerKey, _Waiting] = {}

    # --- what the second pass needs to know -----------------------------------------------------
    def repaired(self) -> frozenset[PointerKey]:
        return frozenset(self.repairs)

    def objection_statuses(self) -> dict[PointerKey, str | None]:
        return {key: waiting.status for key, waiting in self.objections.items()}

    # --- rows -----------------------------------------------------------------------------------
    def record(self, table: str, where: Where, r: Record) -> None:
        for key in r.matched:
            for index in (self.repairs, self.objections):
                if key in index:
                    index[key].matched = True
        previous = self.seen.get(r.identity)
        if previous is not None:
            if self._duplicate(previous, r.digest, r.rank, where):
                return
            self.sink.move(previous.where, previous.outcome, "duplicates.superseded")
            self._unload(previous)
        outcome = r.outcome
        if r.latest is not None and outcome.startswith("published."):
            outcome = self._latest_per_subject(r.identity, r.latest, outcome)
        loaded = None
        if outcome.startswith("published.") and r.row is not None and r.tier is not None:
            loaded = (table, r.tier, self.sink.load(table, r.tier, r.row))
        self.sink.count(where, outcome)
        digests = previous.digests + (r.digest,) if previous else (r.digest,)
        self.seen[r.identity] = _Seen(digests, r.rank, where, outcome, loaded)

    def pointer(self, where: Where, p: Pointer) -> None:
        index = self.repairs if p.rule == "repair" else self.objections
        previous = self.seen.get(p.identity)
        if previous is not None:
            if self._duplicate(previous, p.digest, p.rank, where):
                return
            # The older row is counted now; the newer one waits for its penalty.
            self.sink.count(previous.where, "duplicates.superseded")
            index[p.key].where, index[p.key].status = where, p.status
            self.seen[p.identity] = _Seen(previous.digests + (p.digest,), p.rank, where, "", None)
            return
        index[p.key] = _Waiting(where, p.status)
        self.seen[p.identity] = _Seen((p.digest,), p.rank, where, "", None)

    def finish(self) -> None:
        """Counts each repair and objection: applied to a penalty of this build, or not."""
        for index in (self.repairs, self.objections):
            for waiting in index.values():
                self.sink.count(waiting.where, "published.public" if waiting.matched
                                else "withheld.no_matching_record")

    # --- rules ----------------------------------------------------------------------------------
    def _duplicate(self, previous: _Seen, digest: bytes, rank: tuple, where: Where) -> bool:
        """True (and counted) when a row repeats an earlier one exactly, or is an older version
        of a decision a newer row already stands for."""
        if digest in previous.digests:
            self.sink.count(where, "duplicates.exact")
            return True
        if rank < previous.rank:
            self.sink.count(where, "duplicates.superseded")
            previous.digests += (digest,)
            return True
        return False

    def _latest_per_subject(self, identity: tuple, latest: tuple[str, str], outcome: str) -> str:
        """A latest-per-subject kind shows the latest record per subject (DOMAIN.md: the
        latest evaluation grade)."""
        subject, when = latest
        current = self.latest.get(subject)
        if current is not None and current[1] != identity:
            if when <= current[0]:
                return "withheld.not_latest"
            older = self.seen.get(current[1])
            if older is not None and older.outcome.startswith("published."):
                self.sink.move(older.where, older.outcome, "withheld.not_latest")
                self._unload(older)
                older.outcome = "withheld.not_latest"
        self.latest[subject] = (when, identity)
        return outcome

    def _unload(self, seen: _Seen) -> None:
        if seen.loaded is not None:
            self.sink.unload(*seen.loaded)
            seen.loaded = None
