"""The public pages: home, search and entity profiles, each with a JSON twin.

Thin on purpose: each view parses the request, calls a function in `publish/`
(search.search, profile.entity_profile, overview.site_overview) on the public database's
connection and renders a template or returns its JSON. Routes:

    /  /.json                  home: search box, what the site holds, the build's dates
    /search  /search.json      entities by any 2+ character part of a name, or a USCC
    /entity/{uscc}[.json]      an entity's public credit profile (400 bad code, 404 unknown)
    /-/index[.json]            Datasette's own index page, moved from /

Errors are plugins/errors.py's; the guards on Datasette's own pages are plugins/guards.py's.
"""
from __future__ import annotations

import urllib.parse

from datasette import Response, hookimpl
from datasette.views.index import IndexView

from publish import search as site_search
from publish.clock import clock_of
from publish.kinds import load_kinds
from publish.overview import site_overview
from publish.profile import NOTICES, InvalidUSCC, entity_profile
from publish.textnorm import as_uscc, is_valid_uscc
from publish.times import beijing_display

from .errors import error_response
from .site import DATABASE, json_response, render, site_context, site_state

SEARCH_TABLES = {
    "search_entities": "查询索引：主体（按名称规范化）",
    "search_facts": "查询索引：主体的地区、来源单位与信息类别",
    "search_facet_values": "查询索引：筛选项",
    "search_kinds": "查询索引：信息类别",
    "search_fts": "查询索引：名称二元组全文索引",
    "screening_subjects": "筛查索引：主体",
    "screening_keys": "筛查索引：名称核心与一字之差的键",
}


@hookimpl
def get_metadata(datasette, key, database, table):
    # The search and screening indexes are for the pages and the API, not for browsing.
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
    state = await site_state(datasette)
    today = clock_of(datasette).today_iso()
    overview = state.overview.get(today)
    if overview is None:
        overview = await datasette.get_database(DATABASE).execute_fn(lambda conn: site_overview(conn, today))
        state.overview = {today: overview}
    site = site_context(datasette)
    if request.url_vars.get("format"):
        return json_response({"title": site["short_title"], "license": site["license"],
                      "license_url": site["license_url"], "source": site["source"], **overview,
                      "search": "/search.json?q=", "entity": "/entity/{uscc}.json",
                      "databases": [{"name": DATABASE, "url": f"/{DATABASE}", "json": f"/{DATABASE}.json",
                                     "download": "/downloads/latest/public.db"}],
                      "downloads": "/downloads", "downloads_json": "/downloads.json",
                      "datasette_index": "/-/index.json", "notices": NOTICES})
    built = beijing_display(overview.get("built_at"))
    return await render(datasette, request, "site_home.html", {
        "overview": overview, "built_at_display": built, "q": "", "notices": NOTICES,
        "json_url": "/.json"})


def _search_url(base: str, params: dict, **changes) -> str:
    """The search URL with `changes` applied (None removes a parameter; page 1 is implied)."""
    merged = {**params, **changes}
    merged = {k: v for k, v in merged.items() if v not in (None, "") and not (k == "page" and v == 1)}
    return base + "?" + urllib.parse.urlencode(merged)


def _page_links(base: str, params: dict, page: int, pages: int) -> list[dict]:
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[dict[str, object]] = []
    last = 0
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
    state = await site_state(datasette)
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
        return json_response({**result, "links": links, "today": today}, headers=headers)
    facets = [{"name": f, "title": site_search.FACETS[f], "values": result["facets"][f]} for f in site_search.FACETS]
    return await render(datasette, request, "site_search.html", {
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
                                    f"“{raw[:40]}”不是统一社会信用代码："
                                    "代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）。")
    if not is_valid_uscc(code):
        return await error_response(datasette, request, 400, "invalid_uscc",
                                    f"“{code}”不是有效的统一社会信用代码：校验位不正确，请核对后重新输入。")
    if code != raw:
        return Response.redirect(f"/entity/{code}{suffix}", status=301)
    state = await site_state(datasette)
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
        return json_response({**profile, "as_of": as_of, "today": today,
                      "links": {"html": f"/entity/{code}", "datasette": f"/{DATABASE}/entities/{code}",
                                "report": f"/report/{code}", "report_json": f"/report/{code}.json"}})
    return await render(datasette, request, "site_entity.html", {
        "p": profile, "as_of": as_of, "today": today, "notices": NOTICES, "noindex": True, "q": "",
        "json_url": f"/entity/{code}.json"})


async def health(request, datasette):
    """Which build this server reads, and that it answers (CONTRACT.md: `/-/health`)."""
    state = await site_state(datasette)
    info = state.build_info
    return json_response({"status": "ok", "build_id": info.get("build_id"), "as_of": info.get("as_of"),
                          "built_at": info.get("built_at"),
                          "today": clock_of(datasette).today_iso()})


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/health$", health),
        (r"^/(?P<format>\.json)?$", home),
        (r"^/search(?P<format>\.json)?$", search_page),
        (r"^/entity/(?P<uscc>[^/]+?)(?P<format>\.json)?$", entity_page),
        # Datasette's own index, moved from / (the site's home took its place).
        (r"^/-/index(\.(?P<format>jsono?))?$", IndexView.as_view(datasette)),
    ]
