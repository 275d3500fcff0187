"""The report as one printable HTML page: `render_html(payload, code=…, settings=…)`.

The page stands alone (a saved file shows the same as the served one): its style sheet
(static/report.css) is inlined and the QR code is inline SVG, so it needs nothing from the site
and runs no script (the site's Content-Security-Policy allows inline styles, never inline
scripts without a hash). Printed, it is A4 with the report number on every page (a fixed
running header) and page numbers where the browser supports page-margin boxes.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import jinja2
import markupsafe
import segno

from ...resources import STATIC_DIR, TEMPLATES_DIR
from .config import RenderSettings
from .view import report_view

TEMPLATE = "report_print.html"
STYLE_SHEET = "report.css"
_CSS_UNSAFE = re.compile(r'[\\"\n\r<>]')


def css_string(value: object) -> markupsafe.Markup:
    """Text for a CSS string between double quotes inside <style> (raw text: HTML escapes would
    stay as they are, so what could end the string or the element is a CSS escape instead)."""
    return markupsafe.Markup(_CSS_UNSAFE.sub(lambda m: f"\\{ord(m.group()):x} ", str(value)))


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["css_string"] = css_string
    return env


@functools.cache
def _css() -> str:
    return (STATIC_DIR / STYLE_SHEET).read_text(encoding="utf-8")


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG that scales with its box (CSS sets the size)."""
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr-code", lineclass=None, title="核验二维码")


def render_html(payload: Mapping[str, Any], *, code: str, settings: RenderSettings) -> str:
    """The report's printable page. The same arguments give the same text."""
    view = report_view(payload, code=code, settings=settings)
    return _environment().get_template(TEMPLATE).render(view=view, css=_css(), qr_svg=qr_svg(view["verify_url"]))
