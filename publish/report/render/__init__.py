"""The renderings of a signed report (issue 15): printable HTML and a PDF, both from the
verified payload `{report_no, iat, exp, content}`, the verification code and the site's
settings, deterministically (the registry keeps the signed file; the renderings are made
again from it on request).

- `render_html(payload, *, code, settings) -> str`: an A4 page to print, in Chinese, with the
  QR code as inline SVG (publish/templates/report_print.html, publish/static/report.css);
- `render_pdf(payload, *, code, signed, settings) -> bytes`: the PDF, its CJK font embedded,
  the signed file attached as `report.jws`; `extract_signed(pdf) -> bytes | None` reads it back;
- `render_settings()`: the base URL, the city and the issuing office from the configuration.
"""
from .config import RenderSettings, render_settings
from .html import render_html
from .pdf import ATTACHMENT_NAME, extract_signed, render_pdf
from .view import report_view, verify_url

__all__ = ["ATTACHMENT_NAME", "RenderSettings", "extract_signed", "render_html", "render_pdf", "render_settings",
           "report_view", "verify_url"]
