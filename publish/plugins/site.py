"""What the site's plugins share: per-instance state (the build never changes while a
server runs; "today" does), the site's template context, and rendering helpers."""
from __future__ import annotations

import hashlib
import json
import weakref

from datasette import Response

from publish import search as site_search
from publish.profile import NOTICES
from publish.resources import STATIC_DIR

DATABASE = "public"


class SiteState:
    """Per-instance caches: the build never changes while the server runs (restart to
    pick up a new one), but "today" does, so the overview is cached per day."""

    def __init__(self) -> None:
        self.storages: dict[str, str] | None = None
        self.windowed: set[str] = set()
        self.build_info: dict[str, str] = {}
        self.kind_labels: dict[str, str] = {}
        self.overview: dict[str, dict] = {}
        self.search_cache = site_search.ResultCache()


_STATES: weakref.WeakKeyDictionary[object, SiteState] = weakref.WeakKeyDictionary()


async def site_state(datasette) -> SiteState:
    state = _STATES.get(datasette)
    if state is None:
        state = SiteState()
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


def site_context(datasette) -> dict:
    metadata = datasette.metadata() or {}
    css = STATIC_DIR / "site.css"
    css_hash = hashlib.sha1(css.read_bytes()).hexdigest()[:8] if css.exists() else ""
    title = metadata.get("title") or "公共信用信息公示"
    return {"title": title, "short_title": title.split(" (")[0],
            "license": metadata.get("license") or "CC BY 4.0",
            "license_url": metadata.get("license_url") or "https://creativecommons.org/licenses/by/4.0/",
            "source": metadata.get("source") or "", "css_hash": css_hash,
            "authority_notice": NOTICES["authority"]}


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), status=status,
                    headers=headers or {}, content_type="application/json; charset=utf-8")


async def render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    context = {"site": site_context(datasette), **context}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


