"""Verifying a credit report: one structured answer for the command line and the web layer.

A `Verification` has a status — `valid`, `expired`, `revoked`, `tampered` or `unknown` — and
each check on its own line (signature; key known and of the report purpose; current key or a
rotated one; registered (online); not expired; not revoked, with the reason's sentence).

- A bad signature (or a file that is no JWS, or a payload that is not ours) is `tampered`,
  and shown alone: nothing else about that document can be trusted.
- A key the verifier does not know is `unknown` (offline: "unknown key, check online"; a
  retired key has left the published keys); a key of another purpose (a token key presented
  as a report key) is `unknown` too: whatever it signed is no report of ours.
- Online, a report signed with a retired key is `revoked`; a number the registry does not
  know is `unknown`; a file that differs from the one registered under its number is
  `tampered`; then the registry's revocation (`revoked`, with its sentence), then `exp`
  (`expired`).
- A look-up by number and code (`lookup`) answers a wrong code exactly as an unknown number:
  `unknown`, the same checks, the same words (no oracle). It is throttled per number
  (registry.py): a locked look-up raises `LookupLocked` (HTTP 429, Retry-After).
- Only a valid report shows its signed summary (subject, issue day, period, each field's
  outcome), with the sentence that this summary, not the pages of a file, is what the
  signature certifies.

A registered report's own signed file never changes, so a look-up remembers what checking it
found (`RegisteredChecks`: the signature under its key id, the payload, the summary), for the
last REMEMBERED_FILES files; the key's status, the registry's row (revocation) and the expiry
are read anew for every look-up. A file someone presents is always checked in full.

Functions: `verify_offline(data, jwks, now=…)`, `verify_online(data, ring, registry, now=…)`,
`lookup(no, code, client, ring, registry, now=…)`, `open_report(…)` (the file URLs: a look-up
too), `signed_summary(payload, kid)`; `Verification.as_json()` for `/verify.json`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import rfc8785

from ..errors import PublishError
from ..signing_keys import (
    CURRENT,
    JWKS_INVALID,
    JWS_UNKNOWN_KEY,
    JWS_WRONG_PURPOSE,
    RETIRED,
    ROTATED,
    JWSError,
    KeyRing,
    VerifiedJWS,
    verify_jws,
)
from ..times import beijing_display
from . import revocation
from .numbers import normalise_code, normalise_report_no
from .registry import LookupLocked, RegisteredReport, Registry
from .signing import PURPOSE, TYP, PayloadError, ReportPayload, load_signed, looks_compact, parse_payload

__all__ = ["Check", "LookupLocked", "OpenedReport", "RegisteredChecks", "Verification", "lookup", "open_report",
           "signed_summary", "text_lines", "verify_offline", "verify_online"]

VALID, EXPIRED, REVOKED, TAMPERED, UNKNOWN = "valid", "expired", "revoked", "tampered", "unknown"
STATUSES = (VALID, EXPIRED, REVOKED, TAMPERED, UNKNOWN)
OFFLINE, ONLINE, LOOKUP = "offline", "online", "lookup"

STATUS_NAMES = {VALID: "有效", EXPIRED: "已过期", REVOKED: "已撤销", TAMPERED: "已被篡改或不是本平台签发的文件",
                UNKNOWN: "无法确认"}
HEADLINES = {
    VALID: "报告有效：签名无误，报告未过期。",
    EXPIRED: "报告已过期：签名无误，但已超过有效期，不能再作为证明使用。",
    REVOKED: "报告已撤销：不能再作为证明使用。",
    TAMPERED: "文件已被篡改或不是本平台签发的：签名不符，文件中的任何内容都不可信。",
    UNKNOWN: "无法确认这份报告：本平台查无此报告，或无法核验其签名。",
}
UNKNOWN_LOOKUP = "查无此报告：报告编号或核验码有误。请核对后重新输入（多次输错将暂时锁定查询）。"
CERTIFIED = ("上述签名摘要是本平台签名证明的内容；所持文件（纸质或 PDF）的页面本身并不由签名证明。"
             "请将本摘要与手中的报告逐项核对：主体、出具日期、查询期间和各领域结论应完全一致，否则该报告不可信。")
OFFLINE_REVOCATION = "离线核验无法确认报告是否已被撤销：请用报告编号和核验码在线核验。"
LABELS = {"signature": "签名", "key": "签名密钥", "key_state": "密钥状态", "registry": "登记",
          "expiry": "有效期", "revocation": "撤销状态"}


@dataclass(frozen=True)
class Check:
    check: str            # signature, key, key_state, registry, expiry, revocation
    ok: bool | None       # None: not checked (offline revocation, say)
    message: str

    @property
    def label(self) -> str:
        return LABELS[self.check]

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "label": self.label, "ok": self.ok, "message": self.message}


@dataclass(frozen=True)
class Verification:
    status: str
    mode: str                                   # offline, online (a file) or lookup (number and code)
    checks: tuple[Check, ...]
    report_no: str | None = None
    summary: dict[str, Any] | None = None       # only when valid
    revocation: dict[str, str] | None = None    # code, sentence, revoked_at (online, revoked)
    notes: tuple[str, ...] = ()
    payload: ReportPayload | None = field(default=None, repr=False, compare=False)  # not for strangers

    @property
    def valid(self) -> bool:
        return self.status == VALID

    @property
    def headline(self) -> str:
        if self.mode == LOOKUP and self.status == UNKNOWN:
            return UNKNOWN_LOOKUP
        return HEADLINES[self.status]

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.check == name), None)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "status_name": STATUS_NAMES[self.status], "mode": self.mode,
                "message": self.headline, "report_no": self.report_no,
                "checks": [c.as_json() for c in self.checks], "summary": self.summary,
                "certified": CERTIFIED if self.summary is not None else None,
                "revocation": self.revocation, "notes": list(self.notes)}


# --- the summary -------------------------------------------------------------------------------

def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _instant(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def signed_summary(payload: ReportPayload, kid: str | None = None) -> dict[str, Any]:
    """What a verifier compares with the paper: number, times, subject, issue day, period and
    each field's outcome, read from the signed content (whatever of it is there)."""
    content = payload.content
    subject = _mapping(content.get("subject"))
    period = _mapping(content.get("period"))
    fields = []
    for item in content.get("fields") or ():
        item = _mapping(item)
        records = item.get("records")
        fields.append({"code": _text(item.get("code")), "name": _text(item.get("name")),
                       "status": _text(item.get("status")), "conclusion": _text(item.get("conclusion")),
                       "records": len(records) if isinstance(records, list) else 0})
    black = _mapping(content.get("black_list"))
    issued, expires = _instant(payload.iat), _instant(payload.exp)
    return {
        "report_no": payload.report_no,
        "title": _text(content.get("title")),
        "issued_at": issued.isoformat(), "issued_display": beijing_display(issued),
        "expires_at": expires.isoformat(), "expires_display": beijing_display(expires),
        "kid": kid,
        "subject": {"uscc": _text(subject.get("uscc")), "name": _text(subject.get("name"))},
        "issue_day": _text(content.get("issue_day")),
        "period": {"years": period.get("years") if isinstance(period.get("years"), int) else None,
                   "start": _text(period.get("start")), "end": _text(period.get("end"))},
        "fields": fields,
        "black_list": ({"name": _text(black.get("name")), "status": _text(black.get("status")),
                        "conclusion": _text(black.get("conclusion"))} if black else None),
        "content_sha256": hashlib.sha256(rfc8785.dumps(content)).hexdigest(),
    }


# --- checks ------------------------------------------------------------------------------------

def _token(data: bytes | str) -> str:
    return load_signed(data) if isinstance(data, bytes) else data.strip()


def _signature_failure(message: str, mode: str) -> Verification:
    """A bad signature, alone."""
    return Verification(TAMPERED, mode, (Check("signature", False, message),))


def _refused(exc: JWSError, mode: str, online: bool) -> Verification:
    if exc.code == JWKS_INVALID:
        raise PublishError(exc.code, exc.message) from exc
    if exc.code == JWS_UNKNOWN_KEY:
        message = ("签名密钥不是本平台的密钥" if online else
                   "未知密钥，请在线核验：签名密钥不在所用的公钥集中（它可能已停用，或公钥集不是本平台最新的）")
        return Verification(UNKNOWN, mode, (Check("signature", None, "未核验：没有可用的签名公钥"),
                                            Check("key", False, message)))
    if exc.code == JWS_WRONG_PURPOSE:
        return Verification(UNKNOWN, mode, (Check("signature", None, "未核验：签名密钥不是信用报告的密钥"),
                                            Check("key", False, f"{exc.message}：它签的不是本平台的信用报告")))
    return _signature_failure(f"无效：{exc.message}", mode)


def _verified(token: str, verify: Any, mode: str, online: bool) -> tuple[VerifiedJWS, ReportPayload] | Verification:
    if not looks_compact(token):
        return _signature_failure("无效：这不是签名报告文件（紧凑 JWS）", mode)
    try:
        verified: VerifiedJWS = verify(token)
    except JWSError as exc:
        return _refused(exc, mode, online)
    try:
        payload = parse_payload(verified.payload)
    except PayloadError:
        return _signature_failure("无效：签名内容不是本平台的报告格式", mode)
    return verified, payload


def _expiry(payload: ReportPayload, now: dt.datetime) -> Check:
    expires = beijing_display(_instant(payload.exp))
    if now >= _instant(payload.exp):
        return Check("expiry", False, f"已于 {expires} 过期")
    return Check("expiry", True, f"有效期至 {expires}")


def _key_state(status: str | None) -> Check:
    if status == CURRENT:
        return Check("key_state", True, "当前签名密钥")
    if status == ROTATED:
        return Check("key_state", True, "已轮换的签名密钥：它签发的报告仍然有效")
    if status == RETIRED:
        return Check("key_state", False, revocation.KEY_RETIRED)
    return Check("key_state", None, "离线核验不区分当前密钥和已轮换的密钥；已停用的密钥不在公钥集中")


def _result(mode: str, verified: VerifiedJWS, payload: ReportPayload, now: dt.datetime,
            report: RegisteredReport | None, token: str, *, summarise: bool = True) -> Verification:
    online = mode != OFFLINE
    checks = [Check("signature", True, "有效：文件签名后未被改动"),
              Check("key", True, f"{verified.kid} 是本平台信用报告的密钥"),
              _key_state(verified.key_status if online else None)]
    status = VALID
    revoked_by: dict[str, str] | None = None
    if online:
        if report is None:
            checks.append(Check("registry", False, "本平台没有登记这个报告编号"))
            status = UNKNOWN
        elif report.signed != token:
            checks.append(Check("registry", False, "与本平台登记的该编号报告文件不一致"))
            status = TAMPERED
        else:
            checks.append(Check("registry", True, f"本平台已登记报告编号 {report.no}"))
    expiry = _expiry(payload, now)
    checks.append(expiry)
    if not online:
        checks.append(Check("revocation", None, OFFLINE_REVOCATION))
    elif report is not None and report.revoked:
        when = beijing_display(report.revoked_at)
        checks.append(Check("revocation", False, f"已于 {when} 撤销：{report.revocation_sentence}"))
        revoked_by = {"code": report.revoke_reason or "", "sentence": report.revocation_sentence,
                      "revoked_at": report.revoked_at or ""}
    elif report is not None:
        checks.append(Check("revocation", True, "未撤销"))
    if status == VALID:
        if verified.key_status == RETIRED:
            status = REVOKED
            revoked_by = revoked_by or {"code": "key_retired", "sentence": revocation.KEY_RETIRED, "revoked_at": ""}
        elif revoked_by is not None:
            status = REVOKED
        elif expiry.ok is False:
            status = EXPIRED
    notes = (OFFLINE_REVOCATION,) if not online and status == VALID else ()
    return Verification(status, mode, tuple(checks), payload.report_no,
                        signed_summary(payload, verified.kid) if status == VALID and summarise else None,
                        revoked_by if status == REVOKED else None, notes, payload)


# --- the three ways in -------------------------------------------------------------------------

def verify_offline(data: bytes | str, jwks: Mapping[str, Any] | Sequence[Mapping[str, Any]], *,
                   now: dt.datetime) -> Verification:
    """A signed file (or a PDF carrying one) against a JWKS in hand; revocation is not known
    offline (its check is None, and a valid answer says to check online)."""
    token = _token(data)
    outcome = _verified(token, lambda t: verify_jws(t, PURPOSE, TYP, jwks), OFFLINE, online=False)
    if isinstance(outcome, Verification):
        return outcome
    verified, payload = outcome
    return _result(OFFLINE, verified, payload, now, None, token)


def verify_online(data: bytes | str, ring: KeyRing, registry: Registry, *, now: dt.datetime) -> Verification:
    """A presented signed file (or PDF) with the state at hand: every key this state ever had
    (retired ones: `revoked`), the registry (the stored file must be this one), revocation.
    Never throttled: it needs the signed file itself."""
    token = _token(data)
    outcome = _verified(token, lambda t: ring.verify_jws(t, PURPOSE, TYP), ONLINE, online=True)
    if isinstance(outcome, Verification):
        return outcome
    verified, payload = outcome
    return _result(ONLINE, verified, payload, now, registry.get(payload.report_no), token)


def _unknown_lookup(no: str | None) -> Verification:
    return Verification(UNKNOWN, LOOKUP, (Check("registry", False, UNKNOWN_LOOKUP),), no)


def _find(no: str, code: str, client: str | None, registry: Registry) -> tuple[str | None, RegisteredReport | None]:
    number = normalise_report_no(no)
    if number is None:   # cannot be a number: nothing to guess, nothing to count
        return None, None
    return number, registry.attempt(number, normalise_code(code), client)


# Registered files whose checks a look-up remembers (a signed file is about 20 KB).
REMEMBERED_FILES = 512


class RegisteredChecks:
    """What checking a registered signed file found, remembered per file: the signature is a
    pure function of the file and its key (a key id is its public key's thumbprint), the
    payload and the summary of the file. Only a good signature is remembered."""

    def __init__(self, size: int = REMEMBERED_FILES) -> None:
        self.size = size
        self._found: OrderedDict[str, tuple[VerifiedJWS, ReportPayload]] = OrderedDict()
        self._summaries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def verified(self, token: str, ring: KeyRing) -> tuple[VerifiedJWS, ReportPayload] | Verification:
        with self._lock:
            known = self._found.get(token)
            if known is not None:
                self._found.move_to_end(token)
        if known is not None:
            verified, payload = known
            status = ring.key_status(verified.kid, PURPOSE)
            if status in (CURRENT, ROTATED, RETIRED):
                return replace(verified, key_status=status), payload
        outcome = _verified(token, lambda t: ring.verify_jws(t, PURPOSE, TYP), LOOKUP, online=True)
        if not isinstance(outcome, Verification):
            with self._lock:
                self._found[token] = (replace(outcome[0], key_status=None), outcome[1])
                while len(self._found) > self.size:
                    dropped, _ = self._found.popitem(last=False)
                    self._summaries.pop(dropped, None)
        return outcome

    def summary(self, token: str, payload: ReportPayload, kid: str) -> dict[str, Any]:
        with self._lock:
            known = self._summaries.get(token)
        if known is None:
            known = signed_summary(payload, kid)
            with self._lock:
                if token in self._found:
                    self._summaries[token] = known
        return known


_REGISTERED = RegisteredChecks()


def _registered_result(report: RegisteredReport, ring: KeyRing, now: dt.datetime,
                       checks: RegisteredChecks) -> Verification:
    outcome = checks.verified(report.signed, ring)
    if isinstance(outcome, Verification):
        return outcome
    verified, payload = outcome
    result = _result(LOOKUP, verified, payload, now, report, report.signed, summarise=False)
    if result.status == VALID:
        result = replace(result, summary=checks.summary(report.signed, payload, verified.kid))
    return result


def lookup(no: str, code: str, client: str | None, ring: KeyRing, registry: Registry, *,
           now: dt.datetime, checks: RegisteredChecks | None = None) -> Verification:
    """`/verify?no=&code=`: the registered report's own signed file, verified online. A wrong
    code answers exactly as an unknown number; `LookupLocked` when the number is locked."""
    number, report = _find(no, code, client, registry)
    if report is None:
        return _unknown_lookup(number)
    return _registered_result(report, ring, now, checks or _REGISTERED)


@dataclass(frozen=True)
class OpenedReport:
    """An issued report for `/reports/{no}/{code}/…`: the registered row (its signed file), and
    its verification (a renderer may mark an expired or revoked one)."""
    report: RegisteredReport
    verification: Verification


def open_report(no: str, code: str, client: str | None, ring: KeyRing, registry: Registry, *,
                now: dt.datetime, checks: RegisteredChecks | None = None) -> OpenedReport | None:
    """The file URLs count as look-ups: None for a wrong code or an unknown number (404),
    `LookupLocked` when locked (429)."""
    number, report = _find(no, code, client, registry)
    if report is None:
        return None
    return OpenedReport(report, _registered_result(report, ring, now, checks or _REGISTERED))


# --- text, for the command line ----------------------------------------------------------------

def text_lines(result: Verification) -> list[str]:
    marks = {True: "通过", False: "未通过", None: "未核验"}
    lines = [f"核验结果 (status)：{result.status}（{STATUS_NAMES[result.status]}）", result.headline]
    if result.report_no:
        lines.append(f"报告编号：{result.report_no}")
    for check in result.checks:
        lines.append(f"  [{marks[check.ok]}] {check.label}：{check.message}")
    if result.revocation:
        lines.append(f"撤销原因：{result.revocation['sentence']}")
    summary = result.summary
    if summary is not None:
        lines.append("签名摘要 (signed summary)：")
        subject = summary["subject"]
        lines.append(f"  主体：{subject['name'] or ''}（统一社会信用代码 {subject['uscc'] or ''}）")
        lines.append(f"  出具日期：{summary['issue_day'] or ''}；签发时间：{summary['issued_display']}；"
                     f"有效期至：{summary['expires_display']}")
        period = summary["period"]
        if period["start"] or period["end"]:
            lines.append(f"  查询期间：{period['start'] or ''} 至 {period['end'] or ''}"
                         + (f"（{period['years']} 年）" if period["years"] else ""))
        for item in summary["fields"]:
            found = f"（{item['records']} 条记录）" if item["records"] else ""
            lines.append(f"  {item['name'] or item['code'] or ''}：{item['conclusion'] or item['status'] or ''}{found}")
        if summary["black_list"]:
            black = summary["black_list"]
            lines.append(f"  {black['name'] or '严重失信主体名单'}：{black['conclusion'] or black['status'] or ''}")
        lines.append(f"  内容摘要 (SHA-256)：{summary['content_sha256']}")
        lines.append(CERTIFIED)
    lines.extend(result.notes)
    return lines
