"""Reading the feed: what the API's `/changes` and `/snapshot` answer (the routes, tokens and
audit are publish/plugins' business; this is the logic they call).

A process answers only up to the build it serves (`served_build_id`): two servers on two
builds during a restart each answer consistently with their own pages.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from publish.clock import Clock
from publish.errors import PublishError
from publish.state import Reader, Row, Store, gt, one_of

from .cursor import Cursor, cursor_key, decode, encode
from .recording import as_int, head, open_feed
from .records import MAX_USCCS, build_id_of, current_records
from .tables import FEED_BATCHES, FEED_CHANGES, PUBLISHED

CURSOR_DAYS = 90
MAX_LIMIT = 1000
SNAPSHOT_ROUTE = "/api/v1/snapshot?uscc="


def _expired(message: str) -> PublishError:
    return PublishError("cursor_expired", f"{message}：请用 {SNAPSHOT_ROUTE}<统一社会信用代码> 取得这些主体的当前记录"
                                          "及新的游标，再从该游标继续读取变更")


class ChangeFeed:
    """The feed as one server process sees it. Open it once; it reads the state store on
    every call (another process may have made a newer build current)."""

    def __init__(self, state_dir: Path, clock: Clock):
        self.clock = clock
        self.store: Store = open_feed(state_dir)
        self._key = cursor_key(state_dir)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- cursors -----------------------------------------------------------------------
    def _cursor(self, epoch: int, position: int) -> str:
        return encode(self._key, Cursor(epoch, position, self.clock.now()))

    def _position(self, after: str | None, now: Row) -> tuple[int, int]:
        """(epoch, position) a read starts after; refuses a cursor the feed cannot honour."""
        epoch = as_int(now["epoch"])
        start = max(as_int(now["pruned_to"]), as_int(now["epoch_start"]))
        if after is None:
            return epoch, start
        cursor = decode(self._key, after)
        if self.clock.now() - cursor.issued > dt.timedelta(days=CURSOR_DAYS):
            raise _expired(f"游标已超过 {CURSOR_DAYS} 天（发出于 {cursor.issued.date().isoformat()}）")
        if cursor.epoch != epoch or cursor.position > as_int(now["end_seq"]):
            raise _expired("变更流已重新开始，此游标之后的变更无法完整提供")
        if cursor.position < as_int(now["pruned_to"]):
            raise _expired("此游标之后的部分变更已超过保留期被删除")
        return epoch, cursor.position

    # --- reads -------------------------------------------------------------------------
    @staticmethod
    def _served_end(reader: Reader, served_build_id: str, now: Row) -> int:
        rows = reader.select(FEED_BATCHES, {"build_id": served_build_id, "state": PUBLISHED}, limit=1)
        if rows:
            return as_int(rows[0]["first_seq"]) + as_int(rows[0]["changes"]) - 1
        if now["current_build_id"] is None:
            return 0   # no build was made current yet: an empty feed
        raise PublishError("feed_build_unknown",
                           f"本服务提供的构建 {served_build_id} 未在变更流中发布（服务启动时应调用 make_current）")

    def changes(self, after: str | None, usccs: list[str] | None, served_build_id: str,
                limit: int = MAX_LIMIT) -> dict:
        """The changes after the cursor `after` (None: from the start of the retained feed), of
        these subjects only if `usccs` is given, up to the build this process serves:
        {"changes": [{"op", "kind", "key", "uscc", "build_id"}], "cursor", "more", "build_id"}."""
        if not 1 <= limit <= MAX_LIMIT:
            raise PublishError("bad_limit", f"每次返回的变更数应为 1–{MAX_LIMIT}：{limit}")
        if usccs is not None and len(usccs) > MAX_USCCS:
            raise PublishError("too_many_usccs",
                               f"一次最多按 {MAX_USCCS} 个统一社会信用代码筛选（收到 {len(usccs)} 个）")
        with self.store.read() as reader:
            now = head(reader)
            epoch, position = self._position(after, now)
            end = self._served_end(reader, served_build_id, now)
            found: list[dict] = []
            more = False
            last = position
            batches = reader.select(FEED_BATCHES, {"state": PUBLISHED, "epoch": epoch}, order_by="first_seq")
            for batch in batches:
                first = as_int(batch["first_seq"])
                batch_end = first + as_int(batch["changes"]) - 1
                if batch_end <= position or first > end:
                    continue
                where = {"batch": batch["batch"], "ordinal": gt(position - first + 1)}
                if usccs is not None:
                    where["uscc"] = one_of(*sorted(set(usccs)))
                rows = reader.select(FEED_CHANGES, where, order_by="ordinal", limit=limit - len(found) + 1)
                for row in rows:
                    if len(found) == limit:
                        more = True
                        break
                    found.append({"op": row["op"], "kind": row["kind"], "key": row["record_key"],
                                  "uscc": row["uscc"], "build_id": batch["build_id"]})
                    last = first + as_int(row["ordinal"]) - 1
                if more:
                    break
            if not more:
                last = max(position, end)   # everything up to the served build was read
        return {"changes": found, "cursor": self._cursor(epoch, last), "more": more, "build_id": served_build_id}

    def snapshot(self, build_dir: Path, usccs: list[str]) -> dict:
        """The records of these subjects the build publishes today, and a cursor from which
        the feed goes on: {"records": [{"kind", "key", "uscc"}], "cursor", "build_id"}."""
        build_id = build_id_of(build_dir)
        records = current_records(build_dir, usccs, self.clock.today())
        with self.store.read() as reader:
            now = head(reader)
            end = self._served_end(reader, build_id, now)
        position = max(end, as_int(now["epoch_start"]))
        return {"records": records, "cursor": self._cursor(as_int(now["epoch"]), position), "build_id": build_id}
