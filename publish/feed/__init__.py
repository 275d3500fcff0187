"""The change feed: what was added, withdrawn or changed since a cursor, for banks and
guarantors monitoring a portfolio (issue 16, `GET /api/v1/changes` and `/snapshot`).

What the feed says, and what it never says
- A change names a record by its record key (publish/recordkeys.py: stable across builds,
  opaque), its kind (the name of the kind's table, derived from the build's tables), the
  subject's USCC (so a bank can filter its portfolio) and the build that made it. Never a
  record's content, never a reason.
- `added`: a record the previous build did not publish. `changed`: the same record with
  other published content (a correction, or an objection resolved as 已更正). `withdrawn`:
  a record no longer published, whatever the reason — its window ended, it was repaired
  (信用修复), revoked, or an objection was resolved as 原记录撤销. One op for all of them on
  purpose: a "repaired" flag would itself publish the repair (DOMAIN.md). An objection
  resolved as 维持 changes nothing.

When changes appear
- Each build, once moved into place, diffs its records against the build that is current
  in the feed and records the changes as pending under its build id (`record_changes`).
- A server makes the build it serves current at start (`make_current`): its changes get
  the next positions of the feed and become visible; pending changes of builds that never
  became current are dropped. A restart serving the same build adds nothing.
- If the pending changes were computed against a build that is no longer the feed's
  current one (e.g. two builds ran and the older was served in between), or are missing,
  `make_current` computes them again against the feed's current build: the feed never
  publishes a diff against a base its readers were not told about.
- If the feed's current build's directory is gone (pruned: more builds ran than are kept
  while no server made any of them current), there is nothing to diff against: the build's
  records are all `added`, the feed starts a new epoch, and every earlier cursor gets
  `cursor_expired` (410 with the snapshot link) instead of silently missing withdrawals.
- A process answers only up to the build it serves.
- **A window that ends between builds reaches the feed with the next build**: the feed is
  a diff of builds, and a build is a snapshot of one day. The pages hide such a record at
  request time already; `snapshot` leaves it out too (it reads with today's date).

Cursors (publish/feed/cursor.py)
- Opaque, HMAC'd with a key derived from the record-key secret, carrying the position and
  the instant issued. A forged or garbled cursor is `bad_cursor` (400); one issued more than
  CURSOR_DAYS = 90 days ago, from before the retained feed or from an earlier epoch is
  `cursor_expired` (410, naming `/api/v1/snapshot?uscc=…`). Every answer carries a fresh
  cursor. `after` omitted reads from the start of the retained feed; a cursor taken before
  the first build (an empty feed) reads every change since.
- Published changes are kept RETENTION_DAYS = 120 days (90 plus a margin), then pruned.

Size: both builds are streamed sorted by key (never held in memory) and changes are
written in transactions of a few thousand rows (publish/feed/recording.py says why).
"""
from __future__ import annotations

from .diff import ADDED, CHANGED, OPS, WITHDRAWN
from .reading import CURSOR_DAYS, ChangeFeed
from .recording import RETENTION_DAYS, make_current, make_current_at_start, record_changes

__all__ = ["ADDED", "CHANGED", "CURSOR_DAYS", "OPS", "RETENTION_DAYS", "WITHDRAWN", "ChangeFeed", "make_current",
           "make_current_at_start", "record_changes"]
