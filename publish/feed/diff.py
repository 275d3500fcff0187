"""The changes between two builds, from their record streams (publish/feed/records.py),
both ordered by (key, kind), in one pass: memory stays flat whatever the builds' size.

- `added`: a (key, kind) the new build has and the old one has not;
- `withdrawn`: one the old build had and the new one has not — a window that ended, a
  repair, a revocation, an objection resolved as 原记录撤销: all the same here, the reason is
  never known to the feed, so it can never be published;
- `changed`: the same (key, kind) with another content digest (a correction, 已更正).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from .records import Record

ADDED, WITHDRAWN, CHANGED = "added", "withdrawn", "changed"
OPS = (ADDED, WITHDRAWN, CHANGED)
# (op, kind, key, uscc)
Change = tuple[str, str, str, str | None]


def _distinct(records: Iterable[Record]) -> Iterator[Record]:
    """The stream without a repeated (key, kind) (one record in both databases counts once)."""
    last = None
    for record in records:
        ident = (record[0], record[1])
        if ident != last:
            last = ident
            yield record


def diff(old: Iterable[Record], new: Iterable[Record]) -> Iterator[Change]:
    """The changes from `old` to `new`, in (key, kind) order."""
    olds, news = _distinct(old), _distinct(new)
    a = next(olds, None)
    b = next(news, None)
    while a is not None or b is not None:
        if b is None or (a is not None and (a[0], a[1]) < (b[0], b[1])):
            assert a is not None
            yield WITHDRAWN, a[1], a[0], a[3]
            a = next(olds, None)
        elif a is None or (b[0], b[1]) < (a[0], a[1]):
            yield ADDED, b[1], b[0], b[3]
            b = next(news, None)
        else:
            if a[2] != b[2]:
                yield CHANGED, b[1], b[0], b[3]
            a, b = next(olds, None), next(news, None)
