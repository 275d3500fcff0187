"""Datasette's query parameters checked before Datasette reads them, so a malformed or
unknown one is a 400 naming it, not a 500 with a traceback in the log.

Datasette 0.65 turns `_sort=nope`, `_sort_desc=nope`, `_sort` with `_sort_desc`,
`_through={…}` naming no foreign key and `_facet={…}` without `simple` into a
DatasetteError without a status (a 500), and `int()`s `_next` on a view and `_timelimit`
unchecked (a ValueError, a 500). The rules below are Datasette's own conditions for each,
stated first; the other parameters (`_col`, `_nocol`, `_size`, `_search`, filters) Datasette
already answers with a 400.
"""
from __future__ import annotations

import json
import re
import urllib.parse
import weakref
from dataclasses import dataclass
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Request

from .errors import error_response
from .routing import Route, UndecodablePath, resolve

SHAPES = frozenset({"arrays", "objects", "array", "object", "arrayfirst"})
FACET_KEYS = ("_facet", "_facet_array", "_facet_date")
_DIGITS = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class BadParameter:
    name: str
    message: str


@dataclass(frozen=True)
class TableShape:
    """What the checks need to know of a table or view."""
    columns: frozenset[str]
    sortable: frozenset[str]
    is_view: bool
    linked_from: frozenset[str]   # tables with a foreign key to this one (for _through)


def query_args(query_string: bytes) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(query_string.decode("latin-1"), keep_blank_values=True)


def check_common(args: dict[str, list[str]]) -> BadParameter | None:
    """Parameters of every Datasette data page."""
    for value in args.get("_timelimit", []):
        if value and not (_DIGITS.fullmatch(value) and int(value) > 0):
            return BadParameter("_timelimit", f"_timelimit 应为正整数（毫秒）：{value[:40]}")
    for value in args.get("_shape", []):
        if value not in SHAPES:
            return BadParameter("_shape", f"_shape 只能是 {'、'.join(sorted(SHAPES))}：{value[:40]}")
    return None


def _facet_column(value: str) -> str | None:
    """The column a facet parameter names: plain, or Datasette's `{"simple": column}`."""
    if not value.startswith("{"):
        return value
    try:
        config = json.loads(value)
    except ValueError:
        return None
    simple = config.get("simple") if isinstance(config, dict) else None
    return simple if isinstance(simple, str) else None


def _through_table(value: str) -> str | None:
    try:
        through = json.loads(value)
    except ValueError:
        return None
    if not (isinstance(through, dict) and isinstance(through.get("table"), str)
            and isinstance(through.get("column"), str) and "value" in through):
        return None
    return through["table"]


def check_table(args: dict[str, list[str]], shape: TableShape) -> BadParameter | None:
    """Parameters of a table or view page, against what the table holds."""
    sorts, sorts_desc = args.get("_sort", []), args.get("_sort_desc", [])
    if any(sorts) and any(sorts_desc):
        return BadParameter("_sort", "_sort 与 _sort_desc 不能同时使用")
    for name, values in (("_sort", sorts), ("_sort_desc", sorts_desc)):
        for value in values:
            if value and value not in shape.sortable:
                return BadParameter(name, f"{name} 应为该表可排序的列名：{value[:40]}")
    for value in args.get("_next", []):
        if value and shape.is_view and not _DIGITS.fullmatch(value):
            return BadParameter("_next", f"_next 应为翻页链接给出的值：{value[:40]}")
    for key in FACET_KEYS:
        for value in args.get(key, []):
            if value and _facet_column(value) not in shape.columns:
                return BadParameter(key, f"{key} 应为该表的列名：{value[:40]}")
    for value in args.get("_through", []):
        if _through_table(value) not in shape.linked_from:
            return BadParameter("_through", f"_through 应为指向该表的关联表与列：{value[:60]}")
    return None


_SHAPES: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], TableShape]] = weakref.WeakKeyDictionary()


async def table_shape(datasette, database: str, table: str) -> TableShape | None:
    """The table's columns and what may sort and link it; None when there is no such table.
    Kept per instance: the served databases are immutable."""
    shapes = _SHAPES.setdefault(datasette, {})
    shape = shapes.get((database, table))
    if shape is None:
        try:
            db = datasette.get_database(route=database)
        except KeyError:
            return None
        shape = await _read_shape(datasette, db, table)
        if shape is not None:  # only tables that exist: a client's made-up names are not kept
            shapes[(database, table)] = shape
    return shape


async def _read_shape(datasette, db, table: str) -> TableShape | None:
    is_view = bool(await db.get_view_definition(table))
    if not is_view and not await db.table_exists(table):
        return None
    columns = frozenset(await db.table_columns(table))
    metadata = datasette.table_metadata(db.name, table)
    sortable = frozenset(metadata["sortable_columns"]) if "sortable_columns" in metadata else columns
    if not is_view and not await db.primary_keys(table):
        sortable |= {"rowid"}
    linked = set()
    for name in await db.table_names():
        if any(fk["other_table"] == table for fk in await db.foreign_keys_for_table(name)):
            linked.add(name)
    return TableShape(columns, sortable, is_view, frozenset(linked))


async def check_request(datasette, route: Route, args: dict[str, list[str]]) -> BadParameter | None:
    if route.kind not in ("database", "table", "row") or not args:
        return None
    problem = check_common(args)
    if problem or route.kind != "table" or route.database is None or route.table is None:
        return problem
    shape = await table_shape(datasette, route.database, route.table)
    return check_table(args, shape) if shape else None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def checked(scope, receive, send):
            if scope["type"] != "http" or not scope.get("query_string"):
                return await app(scope, receive, send)
            try:
                route = resolve(datasette, scope)
            except UndecodablePath:
                return await app(scope, receive, send)
            problem = await check_request(datasette, route, query_args(scope["query_string"]))
            if problem is None:
                return await app(scope, receive, send)
            response = await error_response(datasette, Request(scope, receive), 400, "bad_parameter",
                                            f"查询参数有误：{problem.message}")
            return await response.asgi_send(send)

        return checked

    return wrap
