"""Errors on every route as the project's one error system (publish/httperrors.py): JSON
`{"error": {"code", "message"}}` or a Chinese page from the site's templates; never a stack
trace (the trace of an unexpected error goes to the server's log; a request that broke a
limit is answered without one)."""
from __future__ import annotations

import sys
import traceback

from datasette import Response, hookimpl
from datasette.utils.asgi import Base400, Forbidden, NotFound
from datasette.views.base import DatasetteError

from publish.httperrors import ERROR_TITLES, error_html, error_json, wants_json

from .connections import ResultTooLarge
from .site import render

# Datasette's title for a query stopped by the time limit (its message is an HTML page
# fragment with a script: not a detail to show).
INTERRUPTED_TITLE = "SQL Interrupted"


async def error_response(datasette, request, status: int, code: str, message: str,
                         detail: str | None = None) -> Response:
    """An error as JSON (`{"error": {"code", "message"}}`) or as a Chinese HTML page; never a
    stack trace."""
    path = request.path if request is not None else ""
    accept = request.headers.get("accept") if request is not None else None
    if wants_json(path, accept):
        return Response(error_json(code, message, detail).decode("utf-8"), status=status,
                        content_type="application/json; charset=utf-8")
    error = {"status": status, "code": code, "message": message, "title": ERROR_TITLES.get(status, "出错了")}
    try:
        return await render(datasette, request, "site_error.html", {"error": error, "noindex": True, "q": ""},
                            status=status)
    except Exception:  # the error page itself failed: a plain page, still no trace
        traceback.print_exc(file=sys.stderr)
        return Response.html(error_html(status, code, message).decode("utf-8"), status=status)


def describe_exception(exception: Exception) -> tuple[int, str, str, str | None]:
    """(status, stable code, Chinese message, detail for 4xx) for any exception."""
    if isinstance(exception, NotFound):
        return 404, "not_found", "页面不存在，或该信息已不再公示。", None
    if isinstance(exception, Forbidden):
        return 403, "forbidden", "无权访问该页面。", None
    if isinstance(exception, Base400):
        status = getattr(exception, "status", 400)
        code = {405: "method_not_allowed", 404: "not_found", 403: "forbidden"}.get(status, "bad_request")
        detail = str(exception.args[0] if exception.args else "")
        return status, code, f"{ERROR_TITLES.get(status, '请求有误')}。", detail
    if isinstance(exception, MemoryError):
        # The SQL worker's heap ceiling (publish/sqlworker.py): this query, not the server.
        return 503, "out_of_memory", "该查询所需内存超过上限，已中止：请缩小查询范围后再试。", None
    if isinstance(exception, ResultTooLarge):
        return 400, "result_too_large", str(exception.message), None
    if isinstance(exception, DatasetteError) and exception.title == INTERRUPTED_TITLE:
        return 400, "sql_time_limit", "查询超过时间上限，已中止：请缩小查询范围，或下载整库在本地查询。", None
    if isinstance(exception, DatasetteError):
        status = exception.status or 500
        if status >= 500:
            return status, "internal_error", "服务器内部错误，请稍后再试。", None
        code = {404: "not_found", 403: "forbidden"}.get(status, "bad_request")
        return status, code, f"{ERROR_TITLES.get(status, '请求有误')}：请检查链接或查询参数。", str(exception.message)
    return 500, "internal_error", "服务器内部错误，请稍后再试。", None


DEFAULT_HANDLER_PLUGIN = "datasette.handle_exception"


def disable_default_handler(pm) -> None:
    """Datasette awaits every handle_exception hook, its own too, though only the first answer
    is sent: ours answers every exception, and Datasette's would render a page nobody sees (and,
    with `rich` installed, fail on a 404 that was never raised: a 500)."""
    plugin = pm.get_plugin(DEFAULT_HANDLER_PLUGIN)
    if plugin is not None:
        pm.unregister(plugin)


@hookimpl
def handle_exception(datasette, request, exception):
    async def inner():
        status, code, message, detail = describe_exception(exception)
        if code == "internal_error":  # a bug: its trace goes to the log
            traceback.print_exception(exception, file=sys.stderr)
        return await error_response(datasette, request, status, code, message, detail)
    return inner


@hookimpl
def forbidden(datasette, request, message):
    async def inner():
        return await error_response(datasette, request, 403, "forbidden", "无权访问该页面。")
    return inner


