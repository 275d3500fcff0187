"""The credit report on the web (issue 15; CONTRACT.md "HTTP"), each page with a JSON twin:

    GET  /report/{uscc}[.json]               the preview and the button to issue; issues nothing
    POST /report/{uscc}[.json]               issues a report: the printable report, links to its files
    GET  /verify, /verify[.json]?no=&code=   the form; a look-up by number and verification code
    POST /verify[.json]                      a presented signed file or PDF (form field `file`, or the body)
    GET  /reports/{no}/{code}/report.{html,pdf,json,jws}   an issued report's files, never by number alone
    GET  /.well-known/jwks.json              the report keys (retired keys left out)

Thin: the office (publish/report/office.py: issuing, look-ups and their lockouts, the
registry), the renderings (report/renderings.py), the file checker (publish/filecheck.py:
a presented file is read in a child process with memory and time limits) and the pages'
helpers (report/pages.py) do the work. The state directory is the server's (`serve
--state`, PUBLISH_STATE); the build is the one the server resolved at start. Without keys
every report route answers 503 `keys_missing`; the rest of the site does not notice.

Limits (publish/settings.py): REPORT_ISSUE_LIMIT issues per client per 10 minutes and
VERIFY_LIMIT verifications (look-ups, presented files, the file URLs) per client per minute,
both counted in memory per process (a restart forgets them), 429 with Retry-After beyond;
the lockouts on wrong codes are the registry's, in the state store (429 with Retry-After);
request bodies are capped before they are read (413). A client is `limits.client_of`.

CSRF: issuing takes Datasette's token (the preview's form carries `csrftoken`, its cookie is
Datasette's `ds_csrftoken`, signed with the instance's secret). asgi-csrf lets a POST without
any cookie through and answers its refusals in English, so for these routes it is skipped
(`skip_csrf`) and the same check is made here, stricter: no token, no report (403
csrf_missing; a token that does not match, 403 csrf_invalid). `POST /verify` changes nothing
and machines post files to it: it takes no token.
"""
from __future__ import annotations

import asyncio
import re
import secrets
import threading
import urllib.parse
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from datasette import Response, hookimpl

from publish.clock import clock_of
from publish.errors import PublishError
from publish.filecheck import FileChecker
from publish.httperrors import send_error, wants_json
from publish.limits import WindowLimit, client_of
from publish.report.content import report_content
from publish.report.issue import report_days, report_files
from publish.report.numbers import normalise_code
from publish.report.pages import (
    RETRY_AFTER,
    STATE_CODES,
    file_links,
    http_status,
    parse_options,
    with_actions,
)
from publish.report.registry import LookupLocked
from publish.report.renderings import HTML, PDF, file_renderer, rendering
from publish.report.signing import signed_file_bytes
from publish.report.verify import EXPIRED, REVOKED, STATUS_NAMES, VALID
from publish.settings import (
    FORM_BODY_MAX_BYTES,
    REPORT_ISSUE_LIMIT,
    REPORT_ISSUE_LIMIT_ENV,
    REPORT_ISSUE_WINDOW_SECONDS,
    VERIFY_BODY_MAX_BYTES,
    VERIFY_LIMIT,
    VERIFY_LIMIT_ENV,
    VERIFY_UPLOAD_MAX_BYTES,
    VERIFY_WINDOW_SECONDS,
    read_environment,
)
from publish.textnorm import as_uscc, is_valid_uscc

from .errors import error_response
from .routing import UndecodablePath, raw_path
from .site import DATABASE, json_response, render

CSRF_COOKIE = "ds_csrftoken"          # Datasette's cookie (datasette/app.py)
CSRF_FIELD = "csrftoken"
CSRF_HEADER = "x-csrftoken"
CSRF_NAMESPACE = "csrftoken"          # asgi-csrf signs its token under this namespace
PRIVATE = {"cache-control": "private, no-store", "x-robots-tag": "noindex, noarchive"}
# POST routes (over the raw path) and the largest body each reads.
BODY_CAPS = ((re.compile(r"^/verify(\.json)?$"), VERIFY_BODY_MAX_BYTES),
             (re.compile(r"^/report/[^/]+$"), FORM_BODY_MAX_BYTES))
POST_PATTERNS = tuple(pattern for pattern, _ in BODY_CAPS)
MEDIA = {"report.html": "text/html; charset=utf-8", "report.pdf": "application/pdf",
         "report.jws": "application/jose", "report.json": "application/json; charset=utf-8"}


def _limit(text: str | None, default: int, name: str) -> int:
    if text is None:
        return default
    if not text.strip().isdigit() or int(text) < 1:
        raise PublishError("bad_setting", f"{name} 应为正整数：{text}")
    return int(text)


class ReportService:
    """What the report routes of one Datasette instance hold: the office (opened when first
    needed, again after a failure: `keys init` may come after the server's start), the rate
    limits, the file checker, and threads for the work that blocks (state-store writes,
    signing, rendering: one rendering at a time)."""

    def __init__(self, datasette) -> None:
        from publish.report.render import render_settings
        from publish.settings import state_dir

        environment = read_environment()
        self._datasette = weakref.ref(datasette)   # the service must not keep its instance alive
        self.state_dir = Path(getattr(datasette, "site_state_dir", None) or state_dir(None, environment))
        self.build_dir = getattr(datasette, "site_build_dir", None)
        site = datasette.plugin_config("site") or {}
        self.settings = replace(render_settings({"plugins": {"site": site}}, environment),
                                base_url=getattr(datasette, "site_base_url", None) or render_settings().base_url)
        self.days = report_days(environment)
        self.issue_limit = WindowLimit(_limit(environment.report_issue_limit, REPORT_ISSUE_LIMIT,
                                              REPORT_ISSUE_LIMIT_ENV), REPORT_ISSUE_WINDOW_SECONDS)
        self.verify_limit = WindowLimit(_limit(environment.verify_limit, VERIFY_LIMIT, VERIFY_LIMIT_ENV),
                                        VERIFY_WINDOW_SECONDS)
        self.checker = FileChecker(self.state_dir)
        # Look-ups are write transactions of one store: one thread runs them in turn (threads
        # that contend for SQLite's write lock wait in its busy handler's sleeps instead).
        self.lookup_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-lookups")
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="reports")
        self.render_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-render")
        self._office: Any = None
        self._lock = threading.Lock()

    @property
    def datasette(self):
        return self._datasette()

    @property
    def clock(self):
        return clock_of(self.datasette)

    def office(self):
        """The office, or the PublishError of opening it (keys_missing, state_missing…)."""
        from publish.report.office import ReportOffice

        with self._lock:
            if self._office is None or self._office.clock is not self.clock:
                if self._office is not None:
                    self._office.close()
                    self._office = None
                self._office = ReportOffice.open(self.state_dir, self.clock, days=self.days,
                                                 renderer=file_renderer(self.settings))
            return self._office

    async def run(self, call, *, render: bool = False, lookup: bool = False):
        pool = self.render_pool if render else self.lookup_pool if lookup else self.pool
        return await asyncio.get_running_loop().run_in_executor(pool, call)

    def close(self) -> None:
        self.checker.close()
        for pool in (self.lookup_pool, self.pool, self.render_pool):
            pool.shutdown(wait=False)
        with self._lock:
            if self._office is not None:
                self._office.close()
                self._office = None


_SERVICES: weakref.WeakKeyDictionary[Any, ReportService] = weakref.WeakKeyDictionary()
_SERVICES_LOCK = threading.Lock()


def service_of(datasette) -> ReportService:
    with _SERVICES_LOCK:
        service = _SERVICES.get(datasette)
        if service is None:
            service = _SERVICES[datasette] = ReportService(datasette)
            weakref.finalize(datasette, service.close)
    return service


# --- answers -----------------------------------------------------------------------------------

async def refusal(datasette, request, exc: PublishError, *, status: int | None = None,
                  retry_after: int | None = None) -> Response:
    """A refusal in the one error system; the state directory's refusals are keys_missing."""
    code = "keys_missing" if exc.code in STATE_CODES else exc.code
    response = await error_response(datasette, request, status or http_status(exc.code), code, exc.message)
    wait = retry_after if retry_after is not None else RETRY_AFTER.get(exc.code)
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    response.headers.update(PRIVATE)
    return response


async def refused(datasette, request, code: str, message: str, *, retry_after: int | None = None) -> Response:
    return await refusal(datasette, request, PublishError(code, message), retry_after=retry_after)


def _now(service: ReportService) -> float:
    return service.clock.now().timestamp()


async def _rate_limited(service: ReportService, request, limit: WindowLimit, code: str, what: str) -> Response | None:
    wait = limit.hit(client_of(request.scope), _now(service))
    if wait is None:
        return None
    minutes = "1 分钟" if limit.window <= 60 else f"{int(limit.window // 60)} 分钟"
    return await refused(service.datasette, request, code,
                         f"{what}过于频繁：同一来源每 {minutes}内最多 {limit.limit} 次，请 {wait} 秒后再试。",
                         retry_after=wait)


def _private(response: Response) -> Response:
    response.headers.update(PRIVATE)
    return response


def _as_json(request) -> bool:
    return bool(request.url_vars.get("format")) or wants_json(request.path, request.headers.get("accept"))


# --- the preview and issuing -------------------------------------------------------------------

def _subject_code(raw: str) -> str | None:
    code = as_uscc(raw)
    return code if code is not None and is_valid_uscc(code) else None


async def report_page(request, datasette):
    raw = urllib.parse.unquote(request.url_vars["uscc"])
    suffix = ".json" if request.url_vars.get("format") else ""
    code = _subject_code(raw)
    if request.method == "POST":
        return await issue(request, datasette, code or raw)
    if code is not None and code != raw:
        return Response.redirect(f"/report/{code}{suffix}" + (f"?{request.query_string}" if request.query_string
                                                              else ""), status=301)
    return await preview(request, datasette, code or raw)


async def preview(request, datasette, code: str):
    service = service_of(datasette)
    today = service.clock.today()
    try:
        service.office().ring.current_key("report")   # no button that cannot work
        years, fields = parse_options(request.args.get("years"), request.args.getlist("fields"))
        content = await datasette.get_database(DATABASE).execute_fn(
            lambda conn: report_content(conn, code, issue_day=today, years=years, fields=fields))
    except PublishError as exc:
        return await refusal(datasette, request, exc)
    if _as_json(request):
        csrftoken = request.scope[CSRF_FIELD]() if CSRF_FIELD in request.scope else ""
        return _private(json_response({
            "preview": content, "issued": False, "today": today.isoformat(),
            "issue": {"method": "POST", "url": f"/report/{code}.json", "fields": {"years": years, "fields": fields},
                      "csrftoken": csrftoken, "csrf": "send Datasette's ds_csrftoken cookie with the token as the "
                                                      "csrftoken form field or the X-CSRFToken header"},
            "links": {"html": f"/report/{code}", "entity": f"/entity/{code}"}}))
    from publish.report.catalogue import load_catalogue

    catalogue = load_catalogue()
    chosen = set(fields or ())
    choices = [{"code": f.code, "name": f.name, "checked": f.code in chosen} for f in catalogue.fields]
    return _private(await render(datasette, request, "site_report_preview.html", {
        "c": content, "code": code, "years": years, "fields": fields or [], "choices": choices,
        "year_choices": list(range(1, 6)), "noindex": True, "q": "",
        "limit": service.issue_limit.limit, "days": service.days,
        "json_url": f"/report/{code}.json" + (f"?{request.query_string}" if request.query_string else "")}))


class BodyTooLarge(Exception):
    """The request body is larger than its route's cap (raised by the capped receive)."""


async def _form(request) -> dict[str, list[str]]:
    body = await request.post_body()
    return urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def csrf_refusal(datasette, request, form: dict[str, list[str]]) -> tuple[str, str] | None:
    """Why a POST's CSRF token is refused, or None: Datasette's cookie must be there, carry
    its signature, and equal the token the form (or the X-CSRFToken header) sent."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    sent = (form.get(CSRF_FIELD) or [""])[0] or request.headers.get(CSRF_HEADER) or ""
    if not cookie or not sent:
        return "csrf_missing", "请从报告预览页面点击“出具报告”：请求缺少防跨站伪造令牌（CSRF），未出具报告。"
    try:
        datasette.unsign(cookie, CSRF_NAMESPACE)
    except Exception:  # noqa: BLE001 - itsdangerous' BadSignature, or a cookie that is not one
        return "csrf_invalid", "防跨站伪造令牌（CSRF）无效或已过期：请重新打开报告预览页面后再出具。"
    if not secrets.compare_digest(sent.encode("utf-8", "replace"), cookie.encode("utf-8", "replace")):
        return "csrf_invalid", "防跨站伪造令牌（CSRF）无效或已过期：请重新打开报告预览页面后再出具。"
    return None


async def issue(request, datasette, code: str):
    service = service_of(datasette)
    try:
        form = await _form(request)
    except BodyTooLarge:
        return await refused(datasette, request, "request_too_large", "请求内容过大。")
    why = csrf_refusal(datasette, request, form)
    if why is not None:
        return await refused(datasette, request, *why)
    try:
        office = service.office()
        office.ring.current_key("report")
        if service.build_dir is None:
            raise PublishError("build_missing", "服务器没有可出具报告的构建")
        years, fields = parse_options((form.get("years") or [""])[0], form.get("fields") or [])
    except PublishError as exc:
        return await refusal(datasette, request, exc)
    limited = await _rate_limited(service, request, service.issue_limit, "report_rate_limited", "出具报告")
    if limited is not None:
        return limited
    try:
        issued = await service.run(lambda: office.issue(service.build_dir, code, years=years, fields=fields),
                                   render=True)
    except PublishError as exc:
        return await refusal(datasette, request, exc)
    links = file_links(issued.report_no, issued.code)
    if _as_json(request):
        return _private(json_response({**issued.as_json(), "path": None, "pdf": None, "html": None,
                                       "links": links, "verify_page": "/verify"}))
    page = await service.run(lambda: rendering(issued.files, HTML, issued.report.signed, issued.code,
                                               service.settings), render=True)
    actions = await datasette.render_template("_report_actions.html", {
        "no": issued.report_no, "code": issued.code, "links": links, "uscc": issued.report.uscc,
        "expires": issued.as_json()["expires_display"], "issued_now": True}, request=request)
    return _private(Response.html(with_actions(page.decode("utf-8"), actions)))


# --- verification ------------------------------------------------------------------------------

def _verification_json(result: dict[str, Any], no: str | None, code: str | None) -> dict[str, Any]:
    links = file_links(result["report_no"], code) if no and code and result.get("status") in (VALID, EXPIRED) \
        and result.get("report_no") else None
    return {**result, "links": links}


async def _verification_answer(datasette, request, result: dict[str, Any], *, no: str | None = None,
                               code: str | None = None, presented: bool = False) -> Response:
    data = _verification_json(result, no, code)
    if _as_json(request):
        return _private(json_response(data))
    return _private(await render(datasette, request, "site_verify.html", {
        "result": data, "no": no or "", "code": code or "", "presented": presented, "noindex": True, "q": "",
        "max_mb": VERIFY_UPLOAD_MAX_BYTES // (1024 * 1024), "json_url": None}))


async def verify_page(request, datasette):
    if request.method == "POST":
        return await verify_file(request, datasette)
    no, code = (request.args.get("no") or "").strip(), (request.args.get("code") or "").strip()
    service = service_of(datasette)
    if not no and not code and not _as_json(request):
        return _private(await render(datasette, request, "site_verify.html", {
            "result": None, "no": "", "code": "", "noindex": True, "q": "",
            "max_mb": VERIFY_UPLOAD_MAX_BYTES // (1024 * 1024), "json_url": None}))
    if not no or not code:
        return await refused(datasette, request, "missing_parameter",
                             "请同时输入报告编号（no）和核验码（code）；或提交签名文件、PDF 核验。")
    limited = await _rate_limited(service, request, service.verify_limit, "verify_rate_limited", "核验")
    if limited is not None:
        return limited
    client = client_of(request.scope)
    try:
        office = service.office()
        result = await service.run(lambda: office.lookup(no[:64], code[:64], client), lookup=True)
    except LookupLocked as exc:
        return await refusal(datasette, request, exc, retry_after=exc.retry_after)
    except PublishError as exc:
        return await refusal(datasette, request, exc)
    return await _verification_answer(datasette, request, result.as_json(), no=no, code=code)


async def _presented(request) -> bytes | None:
    """The presented file: the form's `file` field (multipart), or the body itself."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        from starlette.requests import Request as StarletteRequest

        form = await StarletteRequest(request.scope, request.receive).form(
            max_files=1, max_fields=8, max_part_size=FORM_BODY_MAX_BYTES)
        try:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                return None
            data = await upload.read(VERIFY_UPLOAD_MAX_BYTES + 1)
        finally:
            await form.close()
        return data
    if content_type == "application/x-www-form-urlencoded":
        return None
    return await request.post_body()


async def verify_file(request, datasette):
    service = service_of(datasette)
    limited = await _rate_limited(service, request, service.verify_limit, "verify_rate_limited", "核验")
    if limited is not None:
        return limited
    too_large = f"文件超过 {VERIFY_UPLOAD_MAX_BYTES // (1024 * 1024)} MB 的上限：本平台签发的报告文件远小于此。"
    try:
        service.office()   # keys_missing before the upload is read
        data = await _presented(request)
    except BodyTooLarge:
        return await refused(datasette, request, "file_too_large", too_large)
    except PublishError as exc:
        return await refusal(datasette, request, exc)
    except Exception:  # noqa: BLE001 - starlette's MultiPartException and kin: a malformed form
        return await refused(datasette, request, "bad_request", "上传的表单无法读取：请重新选择文件后提交。")
    if not data:
        return await refused(datasette, request, "file_missing", "请选择要核验的签名文件（report.jws）或报告 PDF。")
    if len(data) > VERIFY_UPLOAD_MAX_BYTES:
        return await refused(datasette, request, "file_too_large", too_large)
    now = service.clock.now()
    try:
        result = await service.run(lambda: service.checker.check(data, now))
    except PublishError as exc:
        return await refusal(datasette, request, exc)
    return await _verification_answer(datasette, request, result, presented=True)


# --- the files ---------------------------------------------------------------------------------

async def report_file(request, datasette):
    service = service_of(datasette)
    no, code, name = (urllib.parse.unquote(request.url_vars[k]) for k in ("no", "code", "name"))
    limited = await _rate_limited(service, request, service.verify_limit, "verify_rate_limited", "查看报告")
    if limited is not None:
        return limited
    client = client_of(request.scope)
    try:
        office = service.office()
        opened = await service.run(lambda: office.open_report(no[:64], code[:64], client), lookup=True)
    except LookupLocked as exc:
        return await refusal(datasette, request, exc, retry_after=exc.retry_after)
    except PublishError as exc:
        return await refusal(datasette, request, exc)
    if opened is None:
        return await refused(datasette, request, "report_not_found",
                             "查无此报告：报告编号或核验码有误。请核对后重新输入（多次输错将暂时锁定查询）。")
    verification = opened.verification
    number, typed = opened.report.no, normalise_code(code) or code
    links = file_links(number, typed)
    if name == "report.json":
        payload = verification.payload.as_json() if verification.payload is not None else None
        return _private(json_response({"report_no": number, "status": verification.status,
                                       "verification": verification.as_json(), "signed": opened.report.signed,
                                       "payload": payload, "links": links}))
    if verification.status not in (VALID, EXPIRED):
        state = "已撤销" if verification.status == REVOKED else f"未通过核验（{STATUS_NAMES[verification.status]}）"
        return await refused(datasette, request, "report_revoked",
                             f"该报告{state}，不再提供它的文件：核验结果见 {links['verify']}。")
    files = report_files(service.state_dir, number)
    headers = dict(PRIVATE)
    if name == "report.jws":
        body = signed_file_bytes(opened.report.signed)
        headers["content-disposition"] = f'attachment; filename="report-{number}.jws"'
    else:
        kind = HTML if name == "report.html" else PDF
        try:
            body = await service.run(lambda: rendering(files, kind, opened.report.signed, typed, service.settings),
                                     render=True)
        except PublishError as exc:
            return await refusal(datasette, request, exc)
        if kind == PDF:
            headers["content-disposition"] = f'inline; filename="report-{number}.pdf"'
    return Response(body, status=200, headers=headers, content_type=MEDIA[name])


async def jwks(request, datasette):
    service = service_of(datasette)
    try:
        keys = await service.run(lambda: service.office().jwks())
    except PublishError as exc:
        return await refusal(datasette, request, exc)
    return json_response(keys, headers={"cache-control": "public, max-age=300"})


@hookimpl
def register_routes(datasette):
    return [
        (r"^/report/(?P<uscc>[^/]+?)(?P<format>\.json)?$", report_page),
        (r"^/verify(?P<format>\.json)?$", verify_page),
        (r"^/reports/(?P<no>[^/]+)/(?P<code>[^/]+)/(?P<name>report\.(?:html|pdf|json|jws))$", report_file),
        (r"^/\.well-known/jwks\.json$", jwks),
    ]


def _raw_path(scope) -> str:
    try:
        return raw_path(scope)
    except UndecodablePath:
        return ""


@hookimpl
def skip_csrf(datasette, scope):
    # These routes check Datasette's token themselves (see the module's docstring).
    path = _raw_path(scope)
    return any(pattern.match(path) for pattern in POST_PATTERNS)


def body_cap(scope) -> int | None:
    """The largest body a POST to this path may carry (None: not one of these routes)."""
    if scope.get("method") != "POST":
        return None
    path = _raw_path(scope)
    return next((cap for pattern, cap in BODY_CAPS if pattern.match(path)), None)


@hookimpl
def asgi_wrapper(datasette):
    """Request bodies of the report routes are capped before anything reads them: a declared
    length beyond the cap is refused at once (413), and a body that grows past it while it is
    read stops the reading (the view answers 413)."""
    def wrap(app):
        async def capped(scope, receive, send):
            cap = body_cap(scope) if scope["type"] == "http" else None
            if cap is None:
                return await app(scope, receive, send)
            headers = dict(scope.get("headers") or [])
            declared = headers.get(b"content-length", b"").decode("latin-1").strip()
            if declared.isdigit() and int(declared) > cap:
                as_json = wants_json(str(scope.get("path") or ""), headers.get(b"accept", b"").decode("latin-1"))
                return await send_error(send, 413, "request_too_large",
                                        f"请求内容超过上限（{cap // 1024} KiB）：核验文件最大 "
                                        f"{VERIFY_UPLOAD_MAX_BYTES // (1024 * 1024)} MB。", as_json)
            seen = 0

            async def limited_receive():
                nonlocal seen
                message = await receive()
                if message.get("type") == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > cap:
                        raise BodyTooLarge
                return message

            return await app(scope, limited_receive, send)

        return capped

    return wrap

