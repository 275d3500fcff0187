"""Writing the feed: a build records its changes as pending (`record_changes`), a server
makes the build it serves current (`make_current`). See publish/feed/__init__.py for the
rules; this module only keeps them.

Rows are written in transactions of CHUNK changes: a first build of a million records
writes a million rows, and one transaction holding the state store's write lock for that
long would make every other writer (the audit log, the rate limits) time out. Pending rows
are invisible anyway, and a batch counts only once its last transaction marks it `pending`:
a recording that was killed half-way is never published (the server recomputes).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from publish.builds import current
from publish.clock import Clock
from publish.errors import PublishError
from publish.state import Row, Store, Transaction, Value, le, ne, open_store

from .diff import Change, diff
from .records import build_id_of, build_records
from .tables import FEED_BATCHES, FEED_CHANGES, FEED_HEAD, FEED_TABLES, HEAD_NAME, PENDING, PUBLISHED, RECORDING

log = logging.getLogger("publish.feed")

CHUNK = 5000              # changes per write transaction
RETENTION_DAYS = 120      # published changes kept: the cursors' 90 days plus a margin
RECORDING_GRACE = dt.timedelta(days=1)   # a recording younger than this may still be running
MAX_ATTEMPTS = 3          # recomputations when other servers keep moving the feed meanwhile


def as_int(value: Value) -> int:
    if not isinstance(value, int):
        raise TypeError(f"an integer was expected in the feed's tables: {value!r}")
    return value


def open_feed(state_dir: Path) -> Store:
    return open_store(state_dir, FEED_TABLES)


def head(reader) -> Row:
    """The feed's head (a fresh one before the first build was made current)."""
    return reader.get(FEED_HEAD, {"name": HEAD_NAME}) or {
        "name": HEAD_NAME, "current_build_id": None, "end_seq": 0, "epoch": 1, "epoch_start": 0, "pruned_to": 0}


def _resolved(build_dir: Path) -> Path:
    resolved = current(Path(build_dir))
    if resolved is None or not resolved.is_dir():
        raise PublishError("build_missing", f"构建目录不存在：{build_dir}")
    return resolved


def _published(reader, build_id: str) -> Row | None:
    rows = reader.select(FEED_BATCHES, {"build_id": build_id, "state": PUBLISHED}, limit=1)
    return rows[0] if rows else None


def _record(store: Store, build_id: str, build_dir: Path, clock: Clock) -> Row:
    """Writes the build's changes against the feed's current build as a new pending batch."""
    started = time.monotonic()
    now = head(store)
    base_id = now["current_build_id"]
    base_path = None
    if base_id is not None:
        base = _published(store, str(base_id))
        base_path = Path(str(base["build_path"])) if base else None
    reset = base_id is not None and (base_path is None or not base_path.is_dir())
    if reset:
        log.warning("变更流的基准构建已不存在 (feed base gone)：%s；本次构建的记录全部记为新增，"
                    "此前的游标将失效 (cursor_expired)", base_id)
    old = build_records(base_path) if base_path is not None and not reset else iter(())
    batch: Row = {"batch": secrets.token_hex(8), "build_id": build_id, "build_path": str(build_dir),
                  "base_build_id": base_id, "reset": int(reset), "state": RECORDING,
                  "recorded_at": clock.now().isoformat(timespec="seconds")}
    with store.write() as tx:
        tx.insert(FEED_BATCHES, batch)
    counts: dict[str, dict[str, int]] = {}
    written = 0
    chunk: list[Change] = []
    for change in diff(old, build_records(build_dir)):
        op, kind = change[0], change[1]
        counts.setdefault(op, {})[kind] = counts.setdefault(op, {}).get(kind, 0) + 1
        chunk.append(change)
        if len(chunk) >= CHUNK:
            written = _write_chunk(store, str(batch["batch"]), written, chunk)
            chunk = []
    written = _write_chunk(store, str(batch["batch"]), written, chunk)
    done: Row = {"state": PENDING, "changes": written, "counts": json.dumps(counts, sort_keys=True)}
    with store.write() as tx:
        tx.update(FEED_BATCHES, {"batch": batch["batch"]}, done)
    log.info("变更已记录 (feed recorded) %s：%d 条，%.1f 秒", build_id, written, time.monotonic() - started)
    return {**batch, **done, "seconds": round(time.monotonic() - started, 3)}


def _write_chunk(store: Store, batch: str, written: int, chunk: Iterable[Change]) -> int:
    rows = [{"batch": batch, "ordinal": written + i, "op": op, "kind": kind, "record_key": key, "uscc": uscc}
            for i, (op, kind, key, uscc) in enumerate(chunk, start=1)]
    with store.write() as tx:
        tx.insert_many(FEED_CHANGES, rows)
    return written + len(rows)


def _summary(batch: Row) -> dict:
    return {"build_id": batch["build_id"], "base_build_id": batch["base_build_id"], "reset": bool(batch["reset"]),
            "changes": batch["changes"], "counts": json.loads(str(batch["counts"] or "{}")),
            **({"seconds": batch["seconds"]} if "seconds" in batch else {})}


def record_changes(state_dir: Path, build_dir: Path, clock: Clock) -> dict:
    """Called by the build once its directory is in place: records its changes against the
    build current in the feed, pending until a server makes the build current. Returns
    {"build_id", "base_build_id", "reset", "changes", "counts": {op: {kind: n}}, "seconds"}."""
    build_dir = _resolved(build_dir)
    build_id = build_id_of(build_dir)
    with open_feed(state_dir) as store:
        published = _published(store, build_id)
        if published is not None:   # already current: nothing to record again
            return _summary(published)
        return _summary(_record(store, build_id, build_dir, clock))


def _publish(tx: Transaction, batch: Row, now: Row, clock: Clock) -> Row:
    first = as_int(now["end_seq"]) + 1
    epoch = as_int(now["epoch"]) + (1 if batch["reset"] else 0)
    moved = {"current_build_id": batch["build_id"], "end_seq": first + as_int(batch["changes"]) - 1,
             "epoch": epoch, "epoch_start": first - 1 if batch["reset"] else now["epoch_start"]}
    tx.put(FEED_HEAD, {**now, **moved})
    tx.update(FEED_BATCHES, {"batch": batch["batch"]},
              {"state": PUBLISHED, "first_seq": first, "epoch": epoch,
               "published_at": clock.now().isoformat(timespec="seconds")})
    return {**now, **moved}


def _try_publish(store: Store, build_id: str, clock: Clock) -> bool:
    """Publishes the build's pending batch if it is based on the feed's current build; True
    when the build is current (now or already)."""
    with store.write() as tx:
        now = head(tx)
        if _published(tx, build_id) is not None:
            return True
        ready = [b for b in tx.select(FEED_BATCHES, {"build_id": build_id, "state": PENDING}, order_by="-recorded_at")
                 if b["base_build_id"] == now["current_build_id"]]
        if not ready:
            return False
        _publish(tx, ready[0], now, clock)
    log.info("变更已发布 (feed published) %s：%s 条", build_id, ready[0]["changes"])
    return True


def make_current(state_dir: Path, build_dir: Path, clock: Clock) -> None:
    """Called by a server at start: publishes the changes of the build it serves (so its
    API can answer up to them), drops batches that will never be published, prunes changes
    past the retention. Idempotent: a restart serving the same build adds nothing."""
    build_dir = _resolved(build_dir)
    build_id = build_id_of(build_dir)
    with open_feed(state_dir) as store:
        for attempt in range(MAX_ATTEMPTS + 1):
            if _try_publish(store, build_id, clock):
                break
            if attempt == MAX_ATTEMPTS:
                raise PublishError("feed_busy", f"变更流在发布构建 {build_id} 时被其他进程反复改动，请重启服务")
            # No pending batch (dropped, never written, killed half-way) or one based on a build
            # that is no longer the feed's current one (its diff would be wrong): computed again.
            log.info("重新计算变更 (feed recomputed) %s：基准为 %s", build_id, head(store)["current_build_id"])
            _record(store, build_id, build_dir, clock)
        _drop_unpublished(store, clock)
        _prune(store, clock)


def make_current_at_start(state_dir: Path, build_dir: Path, clock: Clock) -> bool:
    """What `serve` calls: `make_current`, except that a state directory that was never made
    (`keys init` not run) leaves the site serving without a feed (False, and a warning)
    instead of refusing to start: the public pages need no state, the API refuses anyway."""
    try:
        make_current(state_dir, build_dir, clock)
    except PublishError as exc:
        if exc.code != "state_missing":
            raise
        log.warning("变更流不可用 (feed unavailable)：%s", exc.message)
        print(f"注意：变更流不可用（{exc.message}）(feed_unavailable)", file=sys.stderr, flush=True)
        return False
    return True


def _delete_changes(store: Store, batch: str, count: int) -> None:
    """A batch's rows, deleted CHUNK at a time (the write lock is never held for long)."""
    for upto in range(CHUNK, count + CHUNK, CHUNK):
        with store.write() as tx:
            tx.delete(FEED_CHANGES, {"batch": batch, "ordinal": le(upto)})


def _drop_unpublished(store: Store, clock: Clock) -> None:
    """Batches of builds that never became current (and stale recordings) are dropped: a
    build served later is diffed again against what the feed has published by then."""
    for batch in store.select(FEED_BATCHES, {"state": ne(PUBLISHED)}):
        if batch["state"] == RECORDING:
            # A recording still being written (a build running now) is left to finish.
            recorded = dt.datetime.fromisoformat(str(batch["recorded_at"]))
            if abs(clock.now() - recorded) < RECORDING_GRACE:
                continue
        count = store.count(FEED_CHANGES, {"batch": batch["batch"]})
        _delete_changes(store, str(batch["batch"]), count)
        with store.write() as tx:
            tx.delete(FEED_BATCHES, {"batch": batch["batch"]})


def _prune(store: Store, clock: Clock) -> None:
    """Changes published more than RETENTION_DAYS ago are deleted; the feed's start moves past
    them (a cursor before it is then `cursor_expired`)."""
    horizon = (clock.now() - dt.timedelta(days=RETENTION_DAYS)).isoformat(timespec="seconds")
    for batch in store.select(FEED_BATCHES, {"state": PUBLISHED, "pruned": 0}, order_by="first_seq"):
        if str(batch["published_at"]) >= horizon:
            break
        _delete_changes(store, str(batch["batch"]), as_int(batch["changes"]))
        with store.write() as tx:
            tx.update(FEED_BATCHES, {"batch": batch["batch"]}, {"pruned": 1})
            now = head(tx)
            end = as_int(batch["first_seq"]) + as_int(batch["changes"]) - 1
            tx.put(FEED_HEAD, {**now, "pruned_to": max(as_int(now["pruned_to"]), end)})
