"""`AuditLog`: appending to the chain, reading it back, signed checkpoints, erasing names.

    with AuditLog.open(state_dir, clock) as log:
        seq = log.append(AuditEntry.now(clock, org="工商银行景德镇分行", jti="…", method="GET",
                                        route="/api/v1/entities/9136…", usccs=("9136…",)))
        log.entries(org="工商银行景德镇分行", since=instant)   # JSON-able dicts, oldest first
        log.head()                                         # what GET /api/v1/audit returns beside them
        log.verify()                                       # VerifyReport

Each append is one write transaction of the state store (`BEGIN IMMEDIATE` on SQLite) that
reads the head and inserts after it, so appends from several processes are serialised and the
chain never forks (the unique `prev_hash` makes a fork fail loudly, `audit_chain_conflict`,
should a backend ever let two through). Threads of one process that append at once share one
transaction (group commit: one fsync for all of them). Every `every` entries
(AUDIT_CHECKPOINT_EVERY) the process that appended the N-th signs the head with the state's
`audit` key and erases the names past the retention (AUDIT_NAME_RETENTION_YEARS); `close()`
does both too when this object appended since the latest checkpoint.

`append` blocks until its entry is committed (on this machine 1–5 ms, mostly the fsync of
`synchronous=FULL`): an asynchronous caller runs it in a worker thread, never on the event
loop.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785

from ..clock import SHANGHAI, Clock
from ..errors import PublishError
from ..secrets import load_record_key_secret
from ..settings import (
    AUDIT_CHECKPOINT_EVERY,
    AUDIT_CHECKPOINT_EVERY_ENV,
    AUDIT_NAME_RETENTION_ENV,
    AUDIT_NAME_RETENTION_YEARS,
    AUDIT_VERIFY_PAGE,
)
from ..signing_keys import KEYS, KeyRing
from ..state import ConflictError, Reader, Row, Store, Transaction, ge, gt, lt, one_of, open_store
from .chain import GENESIS, entry_fields, entry_hash, hashed_fields, name_hash, name_key, new_salt
from .entry import AuditEntry, instant_text
from .tables import CHECKPOINTS, ENTRIES, NAMES, TABLES, row_int
from .verify import CHECKPOINT_TYP, VerifyReport, verify_chain

log = logging.getLogger("publish.audit")


def _positive_setting(environ: Mapping[str, str] | None, variable: str, default: int) -> int:
    text = (os.environ if environ is None else environ).get(variable)
    if not text:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise PublishError("invalid_setting", f"{variable} 应为正整数：{text}")
    return value


def checkpoint_every(environ: Mapping[str, str] | None = None) -> int:
    return _positive_setting(environ, AUDIT_CHECKPOINT_EVERY_ENV, AUDIT_CHECKPOINT_EVERY)


def retention_years(environ: Mapping[str, str] | None = None) -> int:
    return _positive_setting(environ, AUDIT_NAME_RETENTION_ENV, AUDIT_NAME_RETENTION_YEARS)


def parse_since(text: str) -> dt.datetime:
    """`--since`: an ISO 8601 instant (without a zone: Beijing time) or a day (its start in
    Beijing time)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time(0), SHANGHAI)
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PublishError("invalid_since", "--since 应为 ISO 8601 时刻或日期（如 2026-11-25T10:00:00+08:00 "
                                            f"或 2026-11-25）：{text}") from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=SHANGHAI)


def years_before(instant: dt.datetime, years: int) -> dt.datetime:
    try:
        return instant.replace(year=instant.year - years)
    except ValueError:   # 29 February in a year that has none
        return instant.replace(year=instant.year - years, day=28)


def _head(reader: Reader) -> tuple[int, str, str | None]:
    """(seq, hash, at) of the latest entry; (0, GENESIS, None) for an empty log."""
    rows = reader.select(ENTRIES, order_by="-seq", limit=1)
    if not rows:
        return 0, GENESIS, None
    row = rows[0]
    return row_int(row, "seq"), str(row["hash"]), str(row["at"])


def _latest_checkpoint(reader: Reader) -> dict[str, Any] | None:
    rows = reader.select(CHECKPOINTS, order_by="-seq", limit=1)
    return dict(rows[0]) if rows else None


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def entry_json(row: Row, names: Mapping[int, str]) -> dict[str, Any]:
    """An entry as `audit list` and GET /api/v1/audit show it; an erased name is null."""
    hashes = json.loads(str(row["name_hashes"]))
    return {"seq": row["seq"], "at": row["at"], "org": row["org"], "jti": row["jti"], "method": row["method"],
            "route": row["route"], "usccs": json.loads(str(row["usccs"])),
            "names": [names.get(i) for i in range(len(hashes))], "build_id": row["build_id"],
            "status": row["status"], "bytes": row["bytes"], "request_id": row["request_id"],
            "outcome": row["outcome"], "hash": row["hash"]}


@dataclass
class _Waiting:
    """One caller's entries waiting for a group's transaction, and what came of it."""
    entries: Sequence[AuditEntry]
    seqs: list[int] | None = None
    error: BaseException | None = None


class AuditLog:
    """The audit log of one state directory. Open it with `AuditLog.open`; safe to share
    between threads; close it (or use it as a context manager) when done."""

    def __init__(self, store: Store, ring: KeyRing, secret: bytes, clock: Clock, *,
                 every: int = AUDIT_CHECKPOINT_EVERY, retention: int = AUDIT_NAME_RETENTION_YEARS):
        self.store = store
        self.ring = ring
        self.clock = clock
        self.every = every
        self.retention = retention
        self._name_key = name_key(secret)
        self._appended = False
        self._write_lock = threading.Lock()   # one writer of this process at a time (group commit)
        self._queue_lock = threading.Lock()
        self._queue: list[_Waiting] = []

    @classmethod
    def open(cls, state_dir: Path, clock: Clock | None = None, *, every: int | None = None,
             retention: int | None = None, durable: bool = True) -> AuditLog:
        """`state_missing` when `keys init` never ran there (nothing is created but the
        log's tables). `every` and `retention` default to the settings (and their variables).
        The server opens it with `durable=False` (publish/state: its entries are written
        after the answer anyway, and a commit that waits for the disk would be most of a
        request's time)."""
        secret = load_record_key_secret(state_dir)
        store = open_store(state_dir, [*TABLES, KEYS], durable=durable)
        clock = clock or Clock.system()
        return cls(store, KeyRing(store, state_dir, clock), secret, clock,
                   every=checkpoint_every() if every is None else every,
                   retention=retention_years() if retention is None else retention)

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Signs the head when this object appended since the latest checkpoint, then closes."""
        try:
            if self._appended:
                self.checkpoint()
                self.erase_names(self.clock)
        finally:
            self.store.close()

    # --- appending ---------------------------------------------------------------------
    def append(self, entry: AuditEntry) -> int:
        """Appends one entry; its seq."""
        return self.append_many([entry])[0]

    def append_many(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Appends entries in one transaction; their seqs, in order. Threads of one process
        that append at the same time share a transaction (group commit): the first to get
        the process's write lock writes every entry waiting by then, so one commit (one
        fsync) serves them all, and they queue on a lock instead of on SQLite's busy
        handler, whose sleeps made a contended append wait for seconds (bench/audit.py)."""
        waiting = _Waiting(list(entries))
        with self._queue_lock:
            self._queue.append(waiting)
        with self._write_lock:
            if waiting.seqs is None and waiting.error is None:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._write_group(group)
        if waiting.error is not None:
            raise waiting.error
        assert waiting.seqs is not None
        return waiting.seqs

    def _write_group(self, group: Sequence[_Waiting]) -> None:
        """One write transaction for the entries of every waiting caller."""
        prepared = []
        for waiting in group:
            for entry in waiting.entries:
                names = [(new_salt(), name) for name in entry.names]
                prepared.append((waiting, entry, names, [name_hash(self._name_key, salt, n) for salt, n in names]))
        seq = 0
        written: list[tuple[_Waiting, int]] = []
        try:
            with self.store.write() as tx:
                seq, prev, _ = _head(tx)
                first = seq + 1
                for waiting, entry, names, name_hashes in prepared:
                    seq += 1
                    prev = self._insert(tx, entry, seq, prev, names, name_hashes)
                    written.append((waiting, seq))
        except BaseException as exc:
            error: BaseException = exc
            if isinstance(exc, ConflictError):
                error = PublishError("audit_chain_conflict", f"审计日志第 {seq} 条记录（或它的查询名称）已经存在："
                                                             "日志出现分叉，或末尾被截掉过"
                                                             f"（{self.store.location}）；请运行 audit verify 检查")
                error.__cause__ = exc
            for waiting in group:
                waiting.error = error
            return
        for waiting in group:
            waiting.seqs = [s for w, s in written if w is waiting]
        self._appended = True
        if written and (seq // self.every) > ((first - 1) // self.every):
            try:
                self.checkpoint()
                self.erase_names(self.clock)
            except PublishError as exc:   # the entries are written: the request is not failed for it
                log.warning("审计日志检查点未能签署（第 %s 条）：[%s] %s；关闭日志时会再试", seq, exc.code, exc.message)

    def _insert(self, tx: Transaction, entry: AuditEntry, seq: int, prev: str,
                names: Sequence[tuple[str, str]], name_hashes: Sequence[str]) -> str:
        digest = entry_hash(prev, hashed_fields(seq, entry_fields(entry), name_hashes))
        tx.insert(ENTRIES, {"seq": seq, "at": entry.at, "org": entry.org, "jti": entry.jti, "method": entry.method,
                            "route": entry.route, "usccs": json.dumps(list(entry.usccs), ensure_ascii=False),
                            "name_hashes": json.dumps(list(name_hashes)), "build_id": entry.build_id,
                            "status": entry.status, "bytes": entry.bytes, "request_id": entry.request_id,
                            "outcome": entry.outcome, "prev_hash": prev, "hash": digest})
        for position, (salt, name) in enumerate(names):
            tx.insert(NAMES, {"seq": seq, "position": position, "name": name, "salt": salt, "at": entry.at})
        return digest

    # --- reading -----------------------------------------------------------------------
    def iter_entries(self, org: str | None = None, since: dt.datetime | str | None = None,
                     limit: int | None = None, after: int | None = None) -> Iterator[dict[str, Any]]:
        """Entries oldest first: of one organisation, at or after an instant (a text is read
        as `--since` is: `invalid_since`), after a seq (a cursor: the last seq a caller has),
        at most `limit`."""
        where: dict[str, Any] = {}
        if org is not None:
            where["org"] = org
        if since is not None:
            where["at"] = ge(instant_text(parse_since(since) if isinstance(since, str) else since))
        last = after or 0
        left = limit
        while left is None or left > 0:
            page = AUDIT_VERIFY_PAGE if left is None else min(left, AUDIT_VERIFY_PAGE)
            rows = self.store.select(ENTRIES, {**where, "seq": gt(last)}, order_by="seq", limit=page)
            if not rows:
                return
            names = self._names([row_int(r, "seq") for r in rows])
            for row in rows:
                yield entry_json(row, names.get(row_int(row, "seq"), {}))
            last = row_int(rows[-1], "seq")
            if left is not None:
                left -= len(rows)

    def entries(self, org: str | None = None, since: dt.datetime | str | None = None, limit: int | None = None,
                after: int | None = None) -> list[dict[str, Any]]:
        return list(self.iter_entries(org, since, limit, after))

    def _names(self, seqs: Sequence[int]) -> dict[int, dict[int, str]]:
        found: dict[int, dict[int, str]] = {}
        for chunk in _chunks(seqs, AUDIT_VERIFY_PAGE):
            for row in self.store.select(NAMES, {"seq": one_of(*chunk)}):
                found.setdefault(row_int(row, "seq"), {})[row_int(row, "position")] = str(row["name"])
        return found

    def head(self) -> dict[str, Any]:
        """The latest seq, hash and instant, and the latest signed checkpoint (or None)."""
        with self.store.read() as reader:
            seq, digest, at = _head(reader)
            checkpoint = _latest_checkpoint(reader)
        return {"seq": seq, "hash": digest, "at": at, "checkpoint": checkpoint}

    # --- checkpoints, verification, erasure ---------------------------------------------
    def checkpoint(self) -> dict[str, Any] | None:
        """Signs the chain's head (the `audit` key) unless the latest checkpoint already
        covers it; the latest checkpoint, or None for an empty log."""
        with self.store.write() as tx:
            seq, digest, _ = _head(tx)
            latest = _latest_checkpoint(tx)
            if seq == 0 or (latest is not None and latest["seq"] >= seq):
                return latest
            at = instant_text(self.clock.now())
            payload = rfc8785.dumps({"log": "audit", "seq": seq, "hash": digest, "at": at})
            jws = self.ring.sign_jws(payload, "audit", CHECKPOINT_TYP)
            row: Row = {"seq": seq, "hash": digest, "at": at, "kid": self.ring.current_key("audit").kid, "jws": jws}
            tx.insert(CHECKPOINTS, row)
        return row

    def verify(self) -> VerifyReport:
        with self.store.read() as reader:
            return verify_chain(reader, self.ring, self._name_key)

    def erase_names(self, clock: Clock) -> int:
        """Erases the names asked about more than the retention ago; how many."""
        cutoff = instant_text(years_before(clock.now(), self.retention))
        with self.store.write() as tx:
            return tx.delete(NAMES, {"at": lt(cutoff)})



