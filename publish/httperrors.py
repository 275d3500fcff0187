"""The one error system of every route: `{"error": {"code", "message"}}` for clients that
want JSON, a Chinese HTML page for the others, never a stack trace (CONTRACT.md "HTTP").

One rule for who gets JSON: a `.json` path, any path under `/api/`, or an `Accept` header
that prefers `application/json` to `text/html`.
"""
from __future__ import annotations

import html
import json

ERROR_TITLES = {400: "请求有误", 401: "需要授权", 403: "无权访问", 404: "未找到", 405: "请求方法不允许",
                413: "请求内容过大", 429: "请求过于频繁", 500: "服务器出错", 503: "服务暂不可用"}


def _quality(accept: str, media: str) -> float:
    """The q-value `accept` gives `media` (0 when absent); `*/*` counts for anything."""
    best = 0.0
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        kind = pieces[0].lower()
        if kind not in (media, media.split("/")[0] + "/*", "*/*"):
            continue
        q = 1.0
        for p in pieces[1:]:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        # An exact match beats a wildcard with the same q.
        best = max(best, q if kind == media else q - 0.001)
    return best


def wants_json(path: str, accept: str | None = None) -> bool:
    path = path.split("?", 1)[0]
    if path.endswith(".json") or path.startswith("/api/"):
        return True
    if not accept:
        return False
    return _quality(accept, "application/json") > _quality(accept, "text/html")


def error_json(code: str, message: str, detail: str | None = None) -> bytes:
    error: dict = {"code": code, "message": message}
    if detail:
        error["detail"] = detail
    return json.dumps({"error": error}, ensure_ascii=False).encode("utf-8")


def error_html(status: int, code: str, message: str) -> bytes:
    """A plain Chinese page, for answers given before the site's templates are reachable."""
    title = ERROR_TITLES.get(status, "出错了")
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title></head><body><h1>{title}</h1><p>{html.escape(message)}</p>"
            f"<p>错误代码：{html.escape(code)}（HTTP {status}）</p><p><a href=\"/\">返回首页</a></p>"
            f"</body></html>").encode()


async def send_error(send, status: int, code: str, message: str, as_json: bool,
                     headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    """Answers an ASGI request with the error."""
    if as_json:
        body, content_type = error_json(code, message), b"application/json; charset=utf-8"
    else:
        body, content_type = error_html(status, code, message), b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
