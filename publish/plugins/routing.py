"""The route Datasette will dispatch a request to, as Datasette itself decodes it.

Every guard and header rule asks this module, never `scope["path"]`: Datasette 0.65 routes
on the raw (still percent-encoded) path, then tilde-decodes the database, table and
primary-key parts of its URL (`/~70ublic/<kind>~5Frecords/~31.json` is row 1 of
`<kind>_records` in `public`). A rule that reads the percent-decoded path sees
`/~70ublic/…` and lets it through. SQLite also accepts table names in any ASCII case, so
names are compared folded (`fold`).

The route table is Datasette's own (`Datasette._routes()`, the list its router walks, our
plugin routes first), resolved once per instance: when the move to Datasette 1.0 changes the
routes, only this module changes.
"""
from __future__ import annotations

import urllib.parse
import weakref
from dataclasses import dataclass
from typing import Any

from datasette.utils import resolve_routes, tilde_decode, urlsafe_components
from datasette.views.database import DatabaseDownload, DatabaseView
from datasette.views.row import RowView
from datasette.views.table import TableView

# What a route's view does, by Datasette's view class.
_KINDS = {DatabaseView: "database", TableView: "table", RowView: "row", DatabaseDownload: "download"}


@dataclass(frozen=True)
class Route:
    """A request's route: `kind` is database, table, row, download or other (our pages,
    Datasette's `/-/` pages, static files, or no route at all)."""
    raw_path: str
    kind: str = "other"
    database: str | None = None
    table: str | None = None
    pks: tuple[str, ...] = ()
    format: str | None = None


class UndecodablePath(ValueError):
    """A raw path Datasette cannot route (bytes that are not ASCII)."""


def raw_path(scope: dict[str, Any]) -> str:
    """The path Datasette's router matches: the raw path as ASCII, without a query string.

    Raises UndecodablePath for bytes outside ASCII (Datasette would fail with a 500)."""
    raw = scope.get("raw_path")
    if raw is None:
        return str(scope.get("path") or "/")
    try:
        text = bytes(raw).decode("ascii")
    except UnicodeDecodeError as exc:
        raise UndecodablePath(str(exc)) from exc
    return text.partition("?")[0]


_TABLES: weakref.WeakKeyDictionary[Any, list] = weakref.WeakKeyDictionary()


def _route_table(datasette) -> list:
    table = _TABLES.get(datasette)
    if table is None:
        table = datasette._routes()  # Datasette 0.65's own list, in the order its router tries it
        _TABLES[datasette] = table
    return table


# Where a request's resolved route is kept in its scope: every wrapper asks, one resolves.
_SCOPE_KEY = "publish.route"


def resolve(datasette, scope: dict[str, Any]) -> Route:
    """The route Datasette will dispatch `scope` to, its parts tilde-decoded as its views do."""
    path = raw_path(scope)
    known = scope.get(_SCOPE_KEY)
    if isinstance(known, Route) and known.raw_path == path:
        return known
    route = _resolve(datasette, path)
    scope[_SCOPE_KEY] = route
    return route


def _resolve(datasette, path: str) -> Route:
    match, view = resolve_routes(_route_table(datasette), path)
    if match is None:
        return Route(path)
    kind = _KINDS.get(getattr(view, "view_class", None), "other")
    if kind == "other":
        return Route(path)
    parts = match.groupdict()
    return Route(path, kind, database=tilde_decode(parts["database"]),
                 table=tilde_decode(parts["table"]) if parts.get("table") else None,
                 pks=tuple(urlsafe_components(parts["pks"])) if parts.get("pks") else (),
                 format=parts.get("format"))


def fold(name: str | None) -> str:
    """A table or database name as a guard compares it: a leftover percent-encoding decoded
    (a rule must not depend on which encoding a client chose) and ASCII case folded (SQLite
    resolves `<KIND>_RECORDS` to `<kind>_records`)."""
    return urllib.parse.unquote(name or "").lower()
