"""The one memo behind every cache of the package: a dict emptied when it is full.

Why remember at all: the build redacts and checks every row, and the same values recur across
rows (legal bases, categories, authorities, repeat subjects and their representatives, the
numbers of a person named in many records). Each memo maps one key to what a pure function
gives for it, so a remembered answer is the answer (tests/redaction/test_fast_paths.py runs
records cold and warm and compares).

Why bounded: a build reads millions of different texts. An unbounded memo would grow with the
input, and hold every personal value it has seen for as long as the process lives.

Why emptied rather than trimmed one entry at a time: keeping an order of use
(functools.lru_cache, OrderedDict.move_to_end) costs on every hit, and hits are the common
case. Emptying a full memo costs one `clear()` per `size` misses, and the values that recur
are back after a few rows.

A Memo is a dict: `memo.get(key)` in a hot loop costs what it costs on a dict. `remember` is
the way in; `memoized` wraps a one-argument function in one.
"""
from __future__ import annotations

import functools
import itertools
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

__all__ = ["Memo", "clear_all", "memoized"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Every live memo, for clear_all (a dict is unhashable: numbered, held weakly).
_ALL: weakref.WeakValueDictionary[int, Memo] = weakref.WeakValueDictionary()
_NUMBERS = itertools.count()
_MISSING = object()


class Memo(dict[K, V]):
    """A dict of at most `size` remembered answers, emptied when a new one would not fit."""

    __slots__ = ("__weakref__", "size")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a memo holds at least one answer, not {size}")
        super().__init__()
        self.size = size
        _ALL[next(_NUMBERS)] = self

    def remember(self, key: K, value: V) -> V:
        """Store `value` for `key` (emptying the memo first if it is full); returns `value`."""
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


def memoized(size: int) -> Callable[[Callable[[K], V]], Callable[[K], V]]:
    """Decorator: a pure one-argument function whose answers a Memo of `size` remembers.

    The memo is the wrapper's `memo` attribute. Answers may be None.
    """

    def decorate(function: Callable[[K], V]) -> Callable[[K], V]:
        memo: Memo[K, V] = Memo(size)
        recall = memo.get
        remember = memo.remember

        @functools.wraps(function)
        def remembered(key: K) -> V:
            found = recall(key, _MISSING)
            if found is _MISSING:
                return remember(key, function(key))
            return found  # type: ignore[return-value]

        remembered.memo = memo  # type: ignore[attr-defined]
        return remembered

    return decorate


def clear_all() -> None:
    """Empty every memo (tests compare answers given cold and warm)."""
    for memo in list(_ALL.values()):
        memo.clear()
