"""The public pages: home, search and entity profiles, each with a JSON twin; Chinese error
pages; and guards on Datasette's pages for request-time publicity windows.

Thin on purpose: each view parses the request, calls a function in `publish/`
(search.search, profile.entity_profile, overview.site_overview) on the public database's
connection and renders a template or returns its JSON. Routes:

    /  /.json                  home: search box, what the site holds, the build's dates
    /search  /search.json      entities by any 2+ character part of a name, or a USCC
    /entity/{uscc}[.json]      an entity's public credit profile (400 bad code, 404 unknown)
    /-/index[.json]            Datasette's own index page, moved from /

Guards (one ASGI wrapper): a row page of a hidden `<kind>_records` table whose publicity
window has ended since the build answers 404; pages under /search, /entity and /public send
`X-Robots-Tag: noindex, noarchive` (they show penalties; CONTRACT.md).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
import traceback
import urllib.parse
import weakref
from pathlib import Path

from datasette import Response, hookimpl
from datasette.utils.asgi import Base400, Forbidden, NotFound
from datasette.views.base import DatasetteError
from datasette.views.index import IndexView

from publish import search as site_search
from publish.clock import clock_of
from publish.kinds import load_kinds
from publish.resources import STATIC_DIR
from publish.overview import site_overview
from publish.profile import NOTICES, InvalidUSCC, entity_profile
from publish.textnorm import as_uscc, is_valid_uscc

DATABASE = "public"
NOINDEX_PREFIXES = ("/search", "/entity/", f"/{DATABASE}")
ROBOTS = (b"x-robots-tag", b"noindex, noarchive")
# The table page (HTML, JSON, CSV) of a hidden `<kind>_records` snapshot table.
_RECORD_TABLE = re.compile(rf"^/{DATABASE}/(?P<view>[A-Za-z0-9_]+)_records(?P<suffix>\.\w+)?$")
_RECORD_ROW = re.compile(rf"^/{DATABASE}/(?P<table>[A-Za-z0-9_]+_records)/(?P<pk>[0-9]+)(?:\.(?P<format>\w+))?$")
ERROR_TITLES = {400: "请求有误", 401: "需要授权", 403: "无权访问", 404: "未找到", 405: "请求方法不允许",
                500: "服务器出错"}
SEARCH_TABLES = {
    "search_entities": "查询索引：主体（按名称规范化）",
    "search_facts": "查询索引：主体的地区、来源单位与信息类别",
    "search_facet_values": "查询索引：筛选项",
    "search_kinds": "查询索引：信息类别",
    "search_fts": "查询索引：名称二元组全文索引",
}


class _State:
    """Per-instance caches: the build never changes while the server runs (restart to
    pick up a new one), but "today" does, so the overview is cached per day."""

    def __init__(self):
        self.storages: dict[str, str] | None = None
        self.windowed: set[str] = set()
        self.build_info: dict[str, str] = {}
        self.kind_labels: dict[str, str] = {}
        self.overview: dict[str, dict] = {}
        self.search_cache = site_search.ResultCache()


_STATES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


async def _state(datasette) -> _State:
    state = _STATES.get(datasette)
    if state is None:
        state = _State()
        _STATES[datasette] = state
    if state.storages is None:
        def load(conn):
            found = site_search.kinds(conn)
            info = {k: v for k, v in conn.execute("SELECT key, value FROM build_info")}
            return found, info, site_search.kind_labels(conn)
        found, info, labels = await datasette.get_database(DATABASE).execute_fn(load)
        state.kind_labels = labels
        state.windowed = {storage for _, storage, windowed in found if windowed}
        state.build_info = info
        state.storages = {kind: storage for kind, storage, _ in found}
    return state


def _site(datasette) -> dict:
    metadata = datasette.metadata() or {}
    css = STATIC_DIR / "site.css"
    css_hash = hashlib.sha1(css.read_bytes()).hexdigest()[:8] if css.exists() else ""
    title = metadata.get("title") or "公共信用信息公示"
    return {"title": title, "short_title": title.split(" (")[0],
            "license": metadata.get("license") or "CC BY 4.0",
            "license_url": metadata.get("license_url") or "https://creativecommons.org/licenses/by/4.0/",
            "source": metadata.get("source") or "", "css_hash": css_hash,
            "authority_notice": NOTICES["authority"]}


def _json(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), status=status,
                    headers=headers or {}, content_type="application/json; charset=utf-8")


def _wants_json(path: str) -> bool:
    return path.split("?")[0].endswith(".json")


async def _render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    context = {"site": _site(datasette), **context}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


async def error_response(datasette, request, status: int, code: str, message: str,
                         detail: str | None = None) -> Response:
    """An error as JSON (`{"error": {"code", "message"}}`) or as a Chinese HTML page; never a
    stack trace."""
    path = request.path if request is not None else ""
    if _wants_json(path):
        body = {"ok": False, "status": status, "error": {"code": code, "message": message}}
        if detail:
            body["error"]["detail"] = detail
        return _json(body, status=status)
    error = {"status": status, "code": code, "message": message, "title": ERROR_TITLES.get(status, "出错了")}
    try:
        return await _render(datasette, request, "site_error.html", {"error": error, "noindex": True, "q": ""},
                             status=status)
    except Exception:  # the error page itself failed: a plain page, still no trace
        traceback.print_exc(file=sys.stderr)
        html = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{status}</title></head>'
                f"<body><h1>{error['title']}</h1><p>{message}</p><p>错误代码：{code}</p></body></html>")
        return Response.html(html, status=status)


def describe_exception(exception: Exception) -> tuple[int, str, str, str | None]:
    """(status, stable code, Chinese message, detail for 4xx) for any exception."""
    if isinstance(exception, NotFound):
        return 404, "not_found", "页面不存在，或该信息已不再公示。", None
    if isinstance(exception, Forbidden):
        return 403, "forbidden", "无权访问该页面。", None
    if isinstance(exception, Base400):
        status = getattr(exception, "status", 400)
        code = {405: "method_not_allowed", 404: "not_found", 403: "forbidden"}.get(status, "bad_request")
        return status, code, f"{ERROR_TITLES.get(status, '请求有误')}。", str(exception.args[0] if exception.args else "")
    if isinstance(exception, DatasetteError):
        status = exception.status or 500
        if status >= 500:
            return status, "internal_error", "服务器内部错误，请稍后再试。", None
        code = {404: "not_found", 403: "forbidden"}.get(status, "bad_request")
        return status, code, f"{ERROR_TITLES.get(status, '请求有误')}：请检查链接或查询参数。", str(exception.message)
    return 500, "internal_error", "服务器内部错误，请稍后再试。", None


@hookimpl
def handle_exception(datasette, request, exception):
    async def inner():
        status, code, message, detail = describe_exception(exception)
        if status >= 500:
            traceback.print_exception(exception, file=sys.stderr)
        return await error_response(datasette, request, status, code, message, detail)
    return inner


@hookimpl
def forbidden(datasette, request, message):
    async def inner():
        return await error_response(datasette, request, 403, "forbidden", "无权访问该页面。")
    return inner


@hookimpl
def get_metadata(datasette, key, database, table):
    # The search index's tables are for the pages, not for browsing.
    return {"databases": {DATABASE: {"tables": {
        name: {"hidden": True, "title": title} for name, title in SEARCH_TABLES.items()}}}}


@hookimpl
def extra_template_vars():
    # Datasette's pages of kinds with objections show the objection and repair notice
    # (templates/base.html).
    paths = tuple(f"/{DATABASE}/{k.table}" for k in load_kinds() if k.display.notices)
    return {"site_notices": NOTICES, "notice_paths": paths}


@hookimpl
def extra_css_urls():
    return ["/static/datasette-extra.css"]


# --- Views ------------------------------------------------------------------------------------

async def home(request, datasette):
    state = await _state(datasette)
    today = clock_of(datasette).today_iso()
    overview = state.overview.get(today)
    if overview is None:
        overview = await datasette.get_database(DATABASE).execute_fn(lambda conn: site_overview(conn, today))
        state.overview = {today: overview}
    site = _site(datasette)
    if request.url_vars.get("format"):
        return _json({"title": site["short_title"], "license": site["license"], "license_url": site["license_url"],
                      "source": site["source"], **overview,
                      "search": "/search.json?q=", "entity": "/entity/{uscc}.json",
                      "databases": [{"name": DATABASE, "url": f"/{DATABASE}", "json": f"/{DATABASE}.json",
                                     "download": f"/{DATABASE}.db"}],
                      "datasette_index": "/-/index.json", "notices": NOTICES})
    built = (overview.get("built_at") or "").replace("T", " ")[:16]
    return await _render(datasette, request, "site_home.html", {
        "overview": overview, "built_at_display": built, "q": "", "notices": NOTICES,
        "json_url": "/.json"})


def _search_url(base: str, params: dict, **changes) -> str:
    """The search URL with `changes` applied (None removes a parameter; page 1 is implied)."""
    merged = {**params, **changes}
    merged = {k: v for k, v in merged.items() if v not in (None, "") and not (k == "page" and v == 1)}
    return base + "?" + urllib.parse.urlencode(merged)


def _page_links(base: str, params: dict, page: int, pages: int) -> list[dict]:
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links, last = [], 0
    for n in numbers:
        if n - last > 1:
            links.append({"gap": True})
        links.append({"number": n, "current": n == page, "url": _search_url(base, params, page=n)})
        last = n
    return links


async def search_page(request, datasette):
    as_json = bool(request.url_vars.get("format"))
    request_args = request.args  # parsed on each access
    args = {k: request_args.get(k) for k in ("q", "region", "dept", "kind", "page") if request_args.get(k)}
    query = site_search.parse_query(args)
    today = clock_of(datasette).today_iso()
    state = await _state(datasette)
    result = await datasette.get_database(DATABASE).execute_fn(
        lambda conn: site_search.search(conn, query, today, cache=state.search_cache))
    base = "/search.json" if as_json else "/search"
    params = {"q": query.text, **query.filters}
    for facet, values in result["facets"].items():
        for value in values:
            toggled = None if value["selected"] else value["value"]
            value["url"] = _search_url(base, params, **{facet: toggled})
    links = {
        "next": _search_url(base, params, page=result["page"] + 1) if result["page"] < result["pages"] else None,
        "prev": _search_url(base, params, page=result["page"] - 1) if result["page"] > 1 else None,
    }
    headers = {}
    if as_json:
        for row in result["results"]:
            row["json_url"] = row["url"] + ".json"
        return _json({**result, "links": links, "today": today}, headers=headers)
    facets = [{"name": f, "title": site_search.FACETS[f], "values": result["facets"][f]} for f in site_search.FACETS]
    return await _render(datasette, request, "site_search.html", {
        "result": result, "q": query.text, "facets": facets, "cap": site_search.CAP,
        "kind_labels": state.kind_labels, "noindex": True,
        "prev_url": links["prev"], "next_url": links["next"],
        "page_links": _page_links(base, params, result["page"], result["pages"]) if result["pages"] > 1 else [],
        "clear_filters_url": _search_url(base, {"q": query.text}),
        "json_url": _search_url("/search.json", params, page=result["page"])})


async def entity_page(request, datasette):
    raw = urllib.parse.unquote(request.url_vars["uscc"])
    suffix = ".json" if request.url_vars.get("format") else ""
    code = as_uscc(raw)
    if code is None:
        return await error_response(datasette, request, 400, "invalid_uscc",
                                    f"“{raw[:40]}”不是统一社会信用代码：代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）。")
    if not is_valid_uscc(code):
        return await error_response(datasette, request, 400, "invalid_uscc",
                                    f"“{code}”不是有效的统一社会信用代码：校验位不正确，请核对后重新输入。")
    if code != raw:
        return Response.redirect(f"/entity/{code}{suffix}", status=301)
    state = await _state(datasette)
    try:
        profile = await datasette.get_database(DATABASE).execute_fn(
            lambda conn: entity_profile(conn, code, storages=state.storages))
    except InvalidUSCC:  # pragma: no cover - checked above
        profile = None
    if profile is None:
        return await error_response(datasette, request, 404, "entity_not_found",
                                    f"未找到统一社会信用代码为 {code} 的主体的公开信用信息：本站可能尚未收录，"
                                    f"或其信息已不在公示期内。")
    today = clock_of(datasette).today_iso()
    as_of = state.build_info.get("as_of")
    if suffix:
        return _json({**profile, "as_of": as_of, "today": today,
                      "links": {"html": f"/entity/{code}", "datasette": f"/{DATABASE}/entities/{code}"}})
    return await _render(datasette, request, "site_entity.html", {
        "p": profile, "as_of": as_of, "today": today, "notices": NOTICES, "noindex": True, "q": "",
        "json_url": f"/entity/{code}.json"})


@hookimpl
def register_routes(datasette):
    return [
        (r"^/(?P<format>\.json)?$", home),
        (r"^/search(?P<format>\.json)?$", search_page),
        (r"^/entity/(?P<uscc>[^/]+?)(?P<format>\.json)?$", entity_page),
        # Datasette's own index, moved from / (the site's home took its place).
        (r"^/-/index(\.(?P<format>jsono?))?$", IndexView.as_view(datasette)),
    ]


# --- Guards -----------------------------------------------------------------------------------

async def _ended_record(datasette, path: str) -> bool:
    """True for a row page of a windowed `<kind>_records` table whose row's window has
    ended today (the build still holds it; the view hides it)."""
    match = _RECORD_ROW.match(path)
    if not match:
        return False
    state = await _state(datasette)
    table = match["table"]
    if table not in state.windowed:
        return False
    rows = await datasette.get_database(DATABASE).execute(
        f"SELECT publicity_end FROM [{table}] WHERE id = ?", [int(match["pk"])])
    row = rows.first()
    return bool(row and row[0] and row[0] < clock_of(datasette).today_iso())


_LANG = b'<html lang="zh-CN">'


def _with_chinese_lang(send):
    """Datasette's own pages open with a bare <html>: declare them Chinese (screen readers,
    fonts). Holds the response start until the first body chunk to fix Content-Length."""
    held = None

    async def sender(message):
        nonlocal held
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers") or [])
            if headers.get(b"content-type", b"").startswith(b"text/html"):
                held = message
                return
            return await send(message)
        if held is not None:
            start, held = held, None
            body = message.get("body", b"")
            head = body[:200]
            if b"<html>" in head:
                body = body.replace(b"<html>", _LANG, 1)
                message = dict(message, body=body)
                start = dict(start, headers=[
                    (k, str(int(v) + len(_LANG) - 6).encode() if k == b"content-length" else v)
                    for k, v in start.get("headers", [])])
            await send(start)
        await send(message)

    return sender


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            path = scope.get("path", "")
            send = _with_chinese_lang(send)
            if not path.startswith(NOINDEX_PREFIXES):
                return await app(scope, receive, send)

            async def send_noindex(message):
                if message["type"] == "http.response.start":
                    message = dict(message, headers=[*message.get("headers", []), ROBOTS])
                await send(message)

            table_page = _RECORD_TABLE.match(path)
            if table_page and f"{table_page['view']}_records" in (await _state(datasette)).windowed:
                # The snapshot table would list records whose window ended after the build:
                # its table pages are served by the view that hides them (CONTRACT.md).
                query = scope.get("query_string", b"")
                target = f"/{DATABASE}/{table_page['view']}{table_page['suffix'] or ''}"
                target += f"?{query.decode('latin-1')}" if query else ""
                await send_noindex({"type": "http.response.start", "status": 302,
                                    "headers": [(b"location", target.encode("latin-1")),
                                                (b"content-length", b"0")]})
                return await send_noindex({"type": "http.response.body", "body": b""})
            if path.startswith(f"/{DATABASE}/") and await _ended_record(datasette, path):
                from datasette.utils.asgi import Request
                response = await error_response(
                    datasette, Request(scope, receive), 404, "not_found",
                    "该记录已不在公示期内，不再公示。")
                return await response.asgi_send(send_noindex)
            return await app(scope, receive, send_noindex)

        return guarded

    return wrap
