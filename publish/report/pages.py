"""What the credit report's web pages need besides the office, as plain functions (the plugin,
publish/plugins/reports.py, parses requests, calls these and renders):

- `http_status(code)`: the HTTP status of a refusal's stable code;
- `parse_options(years, fields)`: the subject's choices as typed in a form or a query
  string (the national rule lets the subject narrow the period and the fields);
- `file_links(no, code)`: an issued report's URLs, always with its code (never by number
  alone: CONTRACT.md);
- `with_actions(page, actions)`: the printable page with the screen-only links above it.
"""
from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable

from .content import DEFAULT_YEARS, ReportError

# Refusals and the status each is answered with. build_stale is the server's state (its build
# is older than yesterday), not the request's: 503, like a service not ready, until the next
# build and restart; keys_missing likewise (no report key in the server's state directory).
STATUSES = {
    "invalid_uscc": 400, "invalid_period": 400, "period_too_long": 400, "unknown_field": 400, "no_fields": 400,
    "missing_parameter": 400, "bad_request": 400, "pdf_unreadable": 400, "pdf_without_signed_file": 400,
    "pdf_several_signed_files": 400, "file_unreadable": 400, "file_check_memory": 400, "file_check_timeout": 400,
    "file_missing": 400,
    "csrf_missing": 403, "csrf_invalid": 403,
    "natural_person": 404, "unknown_subject": 404, "report_not_found": 404,
    "report_revoked": 410,
    "file_too_large": 413, "request_too_large": 413,
    "report_rate_limited": 429, "verify_rate_limited": 429, "lookup_locked": 429,
    "content_not_clean": 500,
    "build_stale": 503, "issue_day_before_build": 503, "keys_missing": 503, "state_missing": 503,
    "state_busy": 503, "report_font_missing": 503, "report_no_exhausted": 503, "file_check_busy": 503,
    "file_check_failed": 503, "key_file_missing": 503, "key_file_insecure": 503, "key_file_unreadable": 503,
    "key_file_mismatch": 503, "state_unreadable": 503, "state_unwritable": 503,
}
# Refusals of the state directory (no keys, no store) answered as one code: keys_missing.
STATE_CODES = frozenset({"keys_missing", "state_missing", "key_file_missing", "key_file_insecure",
                         "key_file_unreadable", "key_file_mismatch", "state_unreadable"})
RETRY_AFTER = {"state_busy": 2, "file_check_busy": 5, "file_check_failed": 5}
FILE_NAMES = ("report.html", "report.pdf", "report.json", "report.jws")
_SPLIT = re.compile(r"[,，、\s]+")


def http_status(code: str) -> int:
    return STATUSES.get(code, 500)


def parse_options(years: str | None, fields: Iterable[str]) -> tuple[int, list[str] | None]:
    """(years, fields) from a form: years a whole number (DEFAULT_YEARS when absent), fields
    catalogue codes, repeated or separated by commas (None when none is chosen: every field).
    Raises ReportError(invalid_period) for years that are not a number; the content checks
    the rest (period_too_long, unknown_field)."""
    text = (years or "").strip()
    if not text:
        chosen_years = DEFAULT_YEARS
    elif text.isdigit() and len(text) <= 3:
        chosen_years = int(text)
    else:
        raise ReportError("invalid_period", text[:20])
    chosen = [code for value in fields for code in _SPLIT.split(value) if code]
    return chosen_years, (list(dict.fromkeys(chosen)) if chosen else None)


def file_links(no: str, code: str) -> dict[str, str]:
    """The URLs of an issued report's files and its verification, each carrying the code."""
    base = f"/reports/{urllib.parse.quote(no)}/{urllib.parse.quote(code)}"
    return {"html": f"{base}/report.html", "pdf": f"{base}/report.pdf", "json": f"{base}/report.json",
            "jws": f"{base}/report.jws",
            "verify": "/verify?" + urllib.parse.urlencode({"no": no, "code": code})}


def with_actions(page: str, actions: str) -> str:
    """The printable page (a whole document) with `actions` first in its body."""
    head, found, rest = page.partition("<body>")
    if not found:
        return actions + page
    return f"{head}<body>\n{actions}{rest}"
