"""Cell values as every container hands them on: control characters removed, nested JSON
values written out as text (so every detector of the redaction sees them)."""
from __future__ import annotations

import re

# C0 controls but TAB, LF and CR, DEL and the C1 controls: never data, and NUL breaks
# readers and SQLite text alike.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    """`text` without control characters (TAB, LF and CR are kept)."""
    if _CONTROL.search(text) is None:  # the common case: one scan, no copy
        return text
    return _CONTROL.sub("", text)


class TooDeep(ValueError):
    """A JSON value nested deeper than a record ever is."""


def flat_value(value: object, max_depth: int) -> object:
    """A JSON value as a cell: scalars as they are (text without controls, booleans as
    是/否), objects as `键：值；键：值`, arrays joined with `、`; never a Python repr."""
    if isinstance(value, str):
        return without_controls(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return _flat_text(value, max_depth)
    return value


def _flat_text(value: object, depth_left: int) -> str:
    if depth_left <= 0:
        raise TooDeep
    if isinstance(value, dict):
        return "；".join(f"{without_controls(str(k))}：{_flat_text(v, depth_left - 1)}"
                        for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_flat_text(v, depth_left - 1) for v in value)
    if value is None:
        return ""
    scalar = flat_value(value, depth_left)
    return scalar if isinstance(scalar, str) else str(scalar)
