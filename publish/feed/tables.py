"""The change feed's tables in the state store (publish/state), declared once.

- `feed_batches`: one row per recording of a build's changes against a base build. A batch
  is `recording` while its rows are written, `pending` once complete, `published` when its
  build was made current (it then owns the positions `first_seq` … `first_seq + changes - 1`
  of the feed); batches that will never be published are deleted.
- `feed_changes`: a batch's changes, numbered from 1 (`ordinal`); a change's position in
  the feed is its batch's `first_seq + ordinal - 1`, so making a build current writes one
  row, whatever the number of its changes.
- `feed_head`: one row (`name` = "feed"): the current build, the last position given out,
  the epoch (raised when the feed had to start again, see publish/feed/__init__.py) and where
  the retained feed starts.
"""
from __future__ import annotations

from publish.state import Column, Index, Table

RECORDING, PENDING, PUBLISHED = "recording", "pending", "published"
HEAD_NAME = "feed"

FEED_BATCHES = Table("feed_batches", (
    Column("batch", nullable=False),
    Column("build_id", nullable=False),
    Column("build_path", nullable=False),
    Column("base_build_id"),                       # None: the feed had no current build
    Column("reset", "integer", nullable=False, default=0),   # 1: the base's directory was gone
    Column("state", nullable=False),
    Column("changes", "integer", nullable=False, default=0),
    Column("counts"),                              # JSON {op: {kind: n}}
    Column("first_seq", "integer"),
    Column("epoch", "integer"),
    Column("recorded_at", nullable=False),
    Column("published_at"),
    Column("pruned", "integer", nullable=False, default=0),
), primary_key=("batch",), indexes=(Index(("build_id",)), Index(("state",))))

FEED_CHANGES = Table("feed_changes", (
    Column("batch", nullable=False),
    Column("ordinal", "integer", nullable=False),
    Column("op", nullable=False),
    Column("kind", nullable=False),
    Column("record_key", nullable=False),
    Column("uscc"),
), primary_key=("batch", "ordinal"), indexes=(Index(("batch", "uscc", "ordinal")),))

FEED_HEAD = Table("feed_head", (
    Column("name", nullable=False),
    Column("current_build_id"),
    Column("end_seq", "integer", nullable=False, default=0),
    Column("epoch", "integer", nullable=False, default=1),
    Column("epoch_start", "integer", nullable=False, default=0),
    Column("pruned_to", "integer", nullable=False, default=0),
), primary_key=("name",))

FEED_TABLES = (FEED_BATCHES, FEED_CHANGES, FEED_HEAD)
