"""Issuing a credit report: content → signed file → registry row → files.

1. The purpose `report`'s current key must exist (`keys_missing`: no command but `keys init`
   and `keys rotate` makes one), and so must the state's record-key secret and store.
2. The build must be fresh: its as-of day no older than yesterday (`build_stale`), read from
   its public.db (`build_info`); a server passes the build it serves.
3. The content: `report_content(conn, uscc, issue_day=…, years=…, fields=…)` over that
   public.db, the issue day being the project clock's today (Asia/Shanghai).
4. `{report_no, iat, exp, content}` signed (signing.py); `exp` is `iat` + the report's days
   (30 by default, PUBLISH_REPORT_DAYS).
5. Registered in one write transaction; a number already taken (two issuers drew the same)
   is a ConflictError of the registry's primary key: a new number is drawn and signed again.
6. The signed file is written to `<state>/reports/<no>/report.jws` (0600); `report.html` and
   `report.pdf` beside it are the renderer's (`render`, a hook: called with the signed file,
   the paths and the verification code, which the renderings print and the registry keeps
   only as a hash; HTML and PDF are rendered from the signed file and the code, so the
   registry's copy and the code in hand are enough to make them again: renderings.py).
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from ..clock import SHANGHAI, Clock
from ..errors import PublishError
from ..settings import DEFAULT_REPORT_DAYS, MAX_REPORT_DAYS, REPORT_DAYS_ENV, REPORT_NO_ATTEMPTS, Environment
from ..signing_keys import KeyRing
from ..state import ConflictError
from ..times import beijing_display
from .content import report_content
from .numbers import SymbolSource, new_code, new_report_no
from .registry import RegisteredReport, Registry, from_epoch, iso
from .signing import PURPOSE, SIGNED_FILE, sign_report, signed_file_bytes

REPORTS_DIR = "reports"
HTML_FILE = "report.html"
PDF_FILE = "report.pdf"
DEFAULT_YEARS = 3

ContentFunction = Callable[..., dict[str, Any]]   # (conn, uscc, *, issue_day, years, fields) -> content


@dataclass(frozen=True)
class ReportFiles:
    directory: Path
    signed: Path
    html: Path
    pdf: Path


# A renderer writes `files.html` and `files.pdf` from the signed file and the verification
# code (embedding the signed file in the PDF as the attachment `report.jws`,
# signing.PDF_ATTACHMENT): render(signed, files, code).
Renderer = Callable[[str, ReportFiles, str], None]


def report_files(state_dir: Path, report_no: str) -> ReportFiles:
    directory = state_dir / REPORTS_DIR / report_no
    return ReportFiles(directory, directory / SIGNED_FILE, directory / HTML_FILE, directory / PDF_FILE)


@dataclass(frozen=True)
class IssuedReport:
    report: RegisteredReport
    code: str                 # shown once, to the one who issued it; the registry keeps its hash
    files: ReportFiles

    @property
    def report_no(self) -> str:
        return self.report.no

    def as_json(self) -> dict[str, Any]:
        """What `report issue` prints."""
        return {"report_no": self.report.no, "code": self.code, "path": str(self.files.signed),
                "pdf": str(self.files.pdf), "html": str(self.files.html),
                "expires": self.report.expires_at, "expires_display": beijing_display(self.report.expires_at),
                "issued": self.report.issued_at, "uscc": self.report.uscc, "subject_name": self.report.subject_name,
                "kid": self.report.kid, "build_id": self.report.build_id,
                "rendered": {"html": self.files.html.exists(), "pdf": self.files.pdf.exists()}}


def report_days(environment: Environment) -> int:
    """PUBLISH_REPORT_DAYS, else 30: whole days, 1 to MAX_REPORT_DAYS."""
    text = environment.report_days
    if text is None:
        return DEFAULT_REPORT_DAYS
    try:
        days = int(text.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_REPORT_DAYS:
        raise PublishError("invalid_report_days", f"{REPORT_DAYS_ENV} 应为 1–{MAX_REPORT_DAYS} 的整数（天）：{text}")
    return days


def public_db(build_dir: Path) -> Path:
    path = Path(build_dir).resolve() / "public.db"
    if not path.is_file():
        raise PublishError("build_missing",
                           f"构建目录中没有 public.db：{build_dir}（先运行 build，或用 --build 指定构建目录）")
    return path


def connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def build_info(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM build_info")}
    except sqlite3.Error:
        return {}


def check_fresh(info: dict[str, str], today: dt.date) -> dt.date:
    """The build's as-of day; `build_stale` when it is older than yesterday (or unknown)."""
    try:
        as_of = dt.date.fromisoformat(info.get("as_of") or "")
    except ValueError:
        raise PublishError("build_stale", "构建没有数据日期（build_info.as_of），不出具报告") from None
    if as_of < today - dt.timedelta(days=1):
        raise PublishError("build_stale", f"本平台数据截至 {as_of.isoformat()}，早于昨日（今天是 {today.isoformat()}，"
                                          "北京时间）：暂不出具报告，请先完成当日构建")
    return as_of




def _write_signed(files: ReportFiles, token: str) -> None:
    """report.jws, 0600, in place only once complete."""
    files.directory.parent.mkdir(mode=0o700, exist_ok=True)
    files.directory.mkdir(mode=0o700, exist_ok=True)
    tmp = files.signed.with_name(f".{SIGNED_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, signed_file_bytes(token))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, files.signed)


def _subject(content: dict[str, Any], uscc: str) -> tuple[str, str | None]:
    raw = content.get("subject")
    subject: dict[str, Any] = raw if isinstance(raw, dict) else {}
    code = subject.get("uscc") if isinstance(subject.get("uscc"), str) else None
    name = subject.get("name") if isinstance(subject.get("name"), str) else None
    return code or "".join(unicodedata.normalize("NFKC", uscc).split()).upper(), name


def issue_report(ring: KeyRing, registry: Registry, state_dir: Path, build_dir: Path, uscc: str, *,
                 clock: Clock, years: int = DEFAULT_YEARS, fields: Iterable[str] | None = None,
                 days: int = DEFAULT_REPORT_DAYS, numbers: SymbolSource | None = None,
                 content: ContentFunction | None = None, render: Renderer | None = None) -> IssuedReport:
    """Issues one report (see the module's docstring); `numbers` draws the number's symbols
    (secrets by default), `content` makes the content (report_content by default)."""
    ring.current_key(PURPOSE)   # keys_missing before any work
    now = clock.now()
    today = clock.day or now.astimezone(SHANGHAI).date()   # the day of this very instant
    path = public_db(build_dir)
    conn = connect_read_only(path)
    try:
        info = build_info(conn)
        check_fresh(info, today)
        made = (content or report_content)(conn, uscc, issue_day=today, years=years,
                                              fields=list(fields) if fields is not None else None)
    finally:
        conn.close()
    code_of_subject, name = _subject(made, uscc)
    iat = int(now.timestamp())
    exp = iat + days * 86400
    for _ in range(REPORT_NO_ATTEMPTS):
        no = new_report_no(today, numbers)
        code = new_code()
        token = sign_report(ring, no, iat, exp, made)
        report = RegisteredReport(
            no=no, uscc=code_of_subject, subject_name=name,
            issued_at=iso(from_epoch(iat)), expires_at=iso(from_epoch(exp)),
            kid=str(jwt.get_unverified_header(token)["kid"]), build_id=info.get("build_id") or None, signed=token,
            revoked_at=None, revoke_reason=None)
        try:
            with registry.store.write() as tx:
                registry.insert(tx, report, code)
        except ConflictError:
            continue
        break
    else:
        raise PublishError("report_no_exhausted",
                           f"连续 {REPORT_NO_ATTEMPTS} 个报告编号均已被占用，未出具报告（请重试）")
    files = report_files(state_dir, no)
    _write_signed(files, token)
    if render is not None:
        render(token, files, code)
    return IssuedReport(report, code, files)
