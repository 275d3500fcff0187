"""A screening request, checked: `{"queries": [{"key", "name", "uscc", "region"}…],
"algorithm"?}`. Everything a caller can get wrong is refused with a stable code and a Chinese
sentence naming the item and field, before any work is done."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import PublishError
from .matcher import ALGORITHMS, DEFAULT_ALGORITHM
from .normalise import query_uscc

MAX_KEY = 100
MAX_LENGTH = {"name": 200, "uscc": 40, "region": 100}
FIELDS = ("key", "name", "uscc", "region")


@dataclass(frozen=True)
class ScreenQuery:
    """One subject to screen: the caller's key, and a name and/or USCC (and a region)."""
    key: str
    name: str | None = None
    uscc: str | None = None
    region: str | None = None


def requested_algorithm(payload: object) -> str:
    """The algorithm version a request names, or the default; an unknown one is refused."""
    version = payload.get("algorithm") if isinstance(payload, dict) else None
    if version is None:
        return DEFAULT_ALGORITHM
    if not isinstance(version, str) or version not in ALGORITHMS:
        known = "、".join(sorted(ALGORITHMS))
        raise PublishError("screen_unknown_algorithm",
                           f"算法版本 {version!r} 不存在（可用：{known}；不指定则用默认版本 {DEFAULT_ALGORITHM}）")
    return version


def parse_queries(payload: object, max_items: int) -> list[ScreenQuery]:
    """The request's queries, checked (see the module docstring); raises PublishError."""
    if not isinstance(payload, dict):
        raise PublishError("screen_bad_request", "请求体须为 JSON 对象：{\"queries\": [...]}")
    unknown = sorted(set(payload) - {"queries", "algorithm"})
    if unknown:
        raise PublishError("screen_bad_request", f"请求体含未知字段：{'、'.join(map(str, unknown))}")
    requested_algorithm(payload)
    items = payload.get("queries")
    if not isinstance(items, list):
        raise PublishError("screen_bad_request", "请求体须含 queries 数组")
    if not items:
        raise PublishError("screen_no_queries", "queries 为空：至少需要一项")
    if len(items) > max_items:
        raise PublishError("screen_too_many", f"queries 共 {len(items)} 项，超过每次上限 {max_items} 项")
    seen: set[str] = set()
    return [_item(i, item, seen) for i, item in enumerate(items)]


def _item(index: int, item: object, seen: set[str]) -> ScreenQuery:
    where = f"queries[{index}]"
    if not isinstance(item, dict):
        raise PublishError("screen_bad_item", f"{where} 须为对象，含 key 与 name 或 uscc")
    unknown = sorted(set(item) - set(FIELDS))
    if unknown:
        raise PublishError("screen_bad_field", f"{where} 含未知字段：{'、'.join(map(str, unknown))}")
    key = item.get("key")
    if not isinstance(key, str) or not key.strip():
        raise PublishError("screen_bad_key", f"{where}.key 缺失或不是非空字符串")
    if len(key) > MAX_KEY:
        raise PublishError("screen_too_long", f"{where}.key 长 {len(key)} 字符，超过上限 {MAX_KEY}")
    if key in seen:
        raise PublishError("screen_duplicate_key", f"{where}.key 与前面的一项重复：{key}")
    seen.add(key)
    values: dict[str, str | None] = {}
    for field, limit in MAX_LENGTH.items():
        value = item.get(field)
        if value is not None and not isinstance(value, str):
            raise PublishError("screen_bad_field", f"{where}.{field} 须为字符串或 null")
        if value is not None and len(value) > limit:
            raise PublishError("screen_too_long", f"{where}.{field} 长 {len(value)} 字符，超过上限 {limit}")
        values[field] = (value.strip() or None) if value is not None else None
    if values["name"] is None and values["uscc"] is None:
        raise PublishError("screen_nothing_to_match", f"{where} 须含 name 或 uscc（至少一项）")
    if values["uscc"] is not None and query_uscc(values["uscc"]) is None:
        raise PublishError("screen_bad_uscc",
                           f"{where}.uscc 不是统一社会信用代码（18 位，GB 32100-2015）：{values['uscc']}")
    return ScreenQuery(key=key, name=values["name"], uscc=values["uscc"], region=values["region"])
