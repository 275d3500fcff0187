"""`/downloads`: the bulk files of the release made from the build this server serves
(CONTRACT.md `/downloads`, issue 17). Routes:

    /downloads  /downloads.json     the current release's files, the deltas, the releases taken off
    /downloads/latest/<file>        a file of the current release (404 when there is none)
    /downloads/deltas/<file>        a delta listed by some release's index.json
    /downloads…  anything else      404 (but /downloads/live/, another plugin's)
    /public.db (any spelling)       redirected to /downloads/latest/public.db

A request's name is only ever looked up among the names the index lists
(publish/downloads/catalog.py); nothing from the request reaches the file system. Datasette's
own whole-file download is off (publish/serve.py SETTINGS); `/downloads/live/` is another
plugin's.
"""
from __future__ import annotations

import asyncio
import os
import urllib.parse
import weakref

from datasette import hookimpl

from publish.downloads import Catalog, CatalogCache, open_listed, send_file
from publish.downloads.listing import LATEST, listing

from .errors import error_response
from .routing import UndecodablePath, fold, resolve
from .site import DATABASE, json_response, render, site_context, site_state

LATEST_CACHE = "public, max-age=300"                 # replaced nightly
DELTA_CACHE = "public, max-age=31536000, immutable"   # its name is its version
PAGE_CACHE = "public, max-age=60"

_CACHES: weakref.WeakKeyDictionary[object, CatalogCache] = weakref.WeakKeyDictionary()


async def catalog_of(datasette) -> Catalog:
    cache = _CACHES.get(datasette)
    if cache is None:
        state = await site_state(datasette)
        cache = _CACHES[datasette] = CatalogCache(datasette.site_releases_dir, state.build_info.get("build_id"))
    return await asyncio.to_thread(cache.get)


async def downloads_page(request, datasette):
    shown = listing(await catalog_of(datasette))
    if request.url_vars.get("format"):
        site = site_context(datasette)
        return json_response({**shown, "license": site["license"], "license_url": site["license_url"],
                              "source": site["source"]}, headers={"cache-control": PAGE_CACHE})
    response = await render(datasette, request, "site_downloads.html",
                            {"d": shown, "q": "", "json_url": "/downloads.json"})
    response.headers["cache-control"] = PAGE_CACHE
    return response


async def _not_listed(datasette, request, updating: bool = False):
    if updating:
        return await error_response(datasette, request, 404, "release_updating",
                                    "正在更新：本站当前数据的下载文件尚未生成，请稍后再来（见 /downloads）。")
    return await error_response(datasette, request, 404, "download_not_found",
                                "没有这个下载文件：请从 /downloads 页面选择（文件名须与列表完全一致）。")


async def _send_listed(request, datasette, send, receive, catalog: Catalog, listed, cache_control: str):
    fd = await asyncio.to_thread(open_listed, catalog.releases_dir, listed.release, listed.name, listed.size)
    if fd is None:   # listed but not there as listed (removed, replaced by a link, resized)
        return await _not_listed(datasette, request)
    try:
        await send_file(send, receive, fd, filename=listed.basename, size=listed.size, sha256=listed.sha256,
                        cache_control=cache_control, headers={k.lower(): v for k, v in request.headers.items()},
                        head=request.method == "HEAD")
    finally:
        os.close(fd)
    return None


def _name(request) -> str:
    # Decoded once, then compared with the listed names exactly: `..`, `%2e%2e`, `a%2fb` and
    # `%00` decode to names no index lists.
    return urllib.parse.unquote(request.url_vars["name"], errors="strict")


async def latest_file(request, datasette, send, receive):
    catalog = await catalog_of(datasette)
    try:
        listed = catalog.latest(_name(request))
    except UnicodeDecodeError:
        listed = None
    if listed is None:
        return await _not_listed(datasette, request, updating=catalog.current is None)
    return await _send_listed(request, datasette, send, receive, catalog, listed, LATEST_CACHE)


async def delta_file(request, datasette, send, receive):
    catalog = await catalog_of(datasette)
    try:
        listed = catalog.delta(_name(request))
    except UnicodeDecodeError:
        listed = None
    if listed is None:
        return await _not_listed(datasette, request)
    return await _send_listed(request, datasette, send, receive, catalog, listed, DELTA_CACHE)


async def not_listed(request, datasette):
    return await _not_listed(datasette, request)


@hookimpl
def register_routes(datasette):
    return [
        (r"^/downloads(?P<format>\.json)?$", downloads_page),
        (r"^/downloads/latest/(?P<name>[^/]*)$", latest_file),
        (r"^/downloads/deltas/(?P<name>[^/]*)$", delta_file),
        # Anything else under /downloads (but the live CSV's own routes) is not a file:
        # Datasette's 404 would redirect `%`-encoded paths and trailing slashes instead.
        (r"^/downloads(?!/live/)[/%~.].+$", not_listed),
    ]


@hookimpl
def asgi_wrapper(datasette):
    """`/public.db` in any spelling Datasette routes (`/~70ublic.db`) goes to the release's copy."""
    def wrap(app):
        async def redirected(scope, receive, send):
            if scope["type"] == "http":
                try:
                    route = resolve(datasette, scope)
                except UndecodablePath:
                    route = None
                if route is not None and route.kind == "download" and fold(route.database) == DATABASE:
                    location = f"{LATEST}public.db".encode("ascii")
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [(b"location", location), (b"content-length", b"0"),
                                            (b"cache-control", b"public, max-age=300")]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)

        return redirected

    return wrap
