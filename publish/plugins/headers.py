"""Security headers on every response, whoever answered it (a page, Datasette, a guard's error):
- a Content-Security-Policy: scripts only from the site itself or inline scripts whose
  SHA-256 is listed, computed at start from the templates (Datasette's and ours) so an
  injected script never runs; styles from the site and inline (Datasette's templates carry
  `style="…"` attributes, which no hash can allow); nothing may frame a page
  (`frame-ancestors 'none'`, and X-Frame-Options for older browsers);
- `X-Content-Type-Options: nosniff`: a downloaded CSV or JSON is never run as a page;
- `Referrer-Policy: no-referrer`: a search term in the URL never leaves with a link.

An inline script in a template may hold template variables only from KNOWN_SCRIPT_VALUES
(every value is hashed); tests/test_headers.py checks every inline script of the served
pages against the header.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import re
import weakref
from typing import Any

import jinja2
from datasette import hookimpl

# Values a template variable inside an inline script can take (Datasette's table.html:
# `DATASETTE_ALLOW_FACET = {{ datasette_allow_facet }};`).
KNOWN_SCRIPT_VALUES: dict[str, tuple[str, ...]] = {"datasette_allow_facet": ("true", "false")}
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)
_VARIABLE = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}")
_JINJA = re.compile(r"{[{%#]")


def script_hash(body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline_script_bodies(source: str) -> list[str]:
    """What the inline scripts of a template's source can be, once rendered: the text as it
    stands, or one text per combination of its known variables' values. A script that is
    nothing but a template expression (a plugin's extra_body_script) cannot be known here."""
    bodies: list[str] = []
    plain = jinja2.Environment(autoescape=True)
    for body in _INLINE_SCRIPT.findall(source):
        if not _JINJA.search(body):
            bodies.append(body)
            continue
        names = sorted(set(_VARIABLE.findall(body)))
        if not names or any(name not in KNOWN_SCRIPT_VALUES for name in names):
            continue
        template = plain.from_string(body)
        for values in itertools.product(*(KNOWN_SCRIPT_VALUES[n] for n in names)):
            bodies.append(template.render(dict(zip(names, values, strict=True))))
    return bodies


def template_script_hashes(env: jinja2.Environment) -> list[str]:
    """The hashes of every inline script any template of `env` can render."""
    hashes: set[str] = set()
    loader = env.loader
    if loader is None:
        return []
    for name in env.list_templates(extensions=["html"]):
        try:
            source, _, _ = loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            continue
        hashes.update(script_hash(body) for body in inline_script_bodies(source))
    return sorted(hashes)


def content_security_policy(script_hashes: list[str]) -> str:
    directives = [
        "default-src 'self'",
        "script-src 'self' " + " ".join(script_hashes) if script_hashes else "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def security_headers(script_hashes: list[str]) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(script_hashes).encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
    ]


_HEADERS: weakref.WeakKeyDictionary[Any, list[tuple[bytes, bytes]]] = weakref.WeakKeyDictionary()


def headers_for(datasette) -> list[tuple[bytes, bytes]]:
    headers = _HEADERS.get(datasette)
    if headers is None:
        headers = _HEADERS[datasette] = security_headers(template_script_hashes(datasette.jinja_env))
    return headers


@hookimpl
def startup(datasette):
    headers_for(datasette)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_headers(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            extra = headers_for(datasette)
            names = {name for name, _ in extra}

            async def sender(message):
                if message["type"] == "http.response.start":
                    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                    message = dict(message, headers=[*kept, *extra])
                await send(message)

            await app(scope, receive, sender)

        return with_headers

    return wrap
