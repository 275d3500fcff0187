"""The signed report file: a compact JWS (EdDSA, `kid`, `typ` credit-report+jws) over the
canonical JSON (RFC 8785) of `{report_no, iat, exp, content}`.

- `iat` and `exp` are integers (seconds since the epoch), as JWT readers expect; the content
  is plain JSON data with no floats (amounts are strings), so its canonical form is the
  same in every language.
- The file is the JWS and a line break (`report.jws`); a PDF carries the same bytes as an
  attachment of that name, so `load_signed` takes either (the renderer only has to embed it).
- `sign_report` needs the state's KeyRing (the purpose `report`'s current key); `parse_payload`
  reads what a verified JWS carried, refusing anything that is not exactly what
  `canonical_payload` makes.
"""
from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785

from ..errors import PublishError
from ..signing_keys import KeyRing
from .numbers import normalise_report_no

TYP = "credit-report+jws"
PURPOSE = "report"
SIGNED_FILE = "report.jws"          # the signed file's name, and the PDF attachment's
PDF_ATTACHMENT = SIGNED_FILE
PAYLOAD_KEYS = frozenset({"report_no", "iat", "exp", "content"})
MAX_SIGNED_BYTES = 8 << 20          # a signed file (the content of one report) is far smaller
MAX_PDF_BYTES = 64 << 20
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class PayloadError(ValueError):
    """A payload that is not one this module makes."""


@dataclass(frozen=True)
class ReportPayload:
    report_no: str
    iat: int
    exp: int
    content: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"report_no": self.report_no, "iat": self.iat, "exp": self.exp, "content": self.content}


def _check_plain(value: object, path: str = "content") -> None:
    """JSON data without floats (they have no single written form), booleans and None allowed."""
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise PayloadError(f"{path}: an integer beyond JSON's safe range: {value}")
        return
    if isinstance(value, float):
        raise PayloadError(f"{path}: a float ({value!r}); amounts are strings in a signed report")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_plain(item, f"{path}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise PayloadError(f"{path}: a key that is not a string: {key!r}")
            _check_plain(item, f"{path}.{key}")
        return
    raise PayloadError(f"{path}: not JSON data ({type(value).__name__})")


def canonical_payload(report_no: str, iat: int, exp: int, content: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: RFC 8785 canonical JSON (UTF-8, members sorted)."""
    if normalise_report_no(report_no) != report_no:
        raise PayloadError(f"not a report number in its written form: {report_no!r}")
    if type(iat) is not int or type(exp) is not int or exp <= iat:
        raise PayloadError("iat and exp must be integers, exp after iat")
    if not isinstance(content, Mapping):
        raise PayloadError("the content must be a JSON object")
    _check_plain(content)
    return rfc8785.dumps({"report_no": report_no, "iat": iat, "exp": exp, "content": content})


def parse_payload(payload: bytes) -> ReportPayload:
    """The payload of a verified JWS, refused (PayloadError) unless it is exactly the canonical
    form of `{report_no, iat, exp, content}`."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"the payload is not JSON: {exc}") from exc
    if not isinstance(data, dict) or set(data) != PAYLOAD_KEYS:
        raise PayloadError("the payload must hold report_no, iat, exp and content, nothing else")
    try:
        canonical = canonical_payload(data["report_no"], data["iat"], data["exp"], data["content"])
    except (PayloadError, rfc8785.CanonicalizationError) as exc:
        raise PayloadError(str(exc)) from exc
    if canonical != payload:
        raise PayloadError("the payload is not in canonical form (RFC 8785)")
    return ReportPayload(data["report_no"], data["iat"], data["exp"], data["content"])


def sign_report(ring: KeyRing, report_no: str, iat: int, exp: int, content: Mapping[str, Any]) -> str:
    """The compact JWS of the report under the purpose `report`'s current key (`keys_missing`
    without one)."""
    return ring.sign_jws(canonical_payload(report_no, iat, exp, content), PURPOSE, TYP)


def signed_file_bytes(token: str) -> bytes:
    """What `report.jws` holds: the JWS and a line break."""
    return token.encode("ascii") + b"\n"


def looks_compact(text: str) -> bool:
    return bool(_COMPACT.fullmatch(text))


def load_signed(data: bytes) -> str:
    """The JWS a presented file carries: a signed file as it is (white space around it
    ignored), or a PDF's attachment `report.jws`. Anything else comes back as text for the
    verifier to find malformed (`tampered`): a file with one altered byte is a verification
    result, not an input error. Raises PublishError only for a PDF that carries no signed
    file (pdf_unreadable, pdf_without_signed_file) or a file too large to be a report
    (file_too_large)."""
    if data[:5] == b"%PDF-":
        return _from_pdf(data)
    if len(data) > MAX_SIGNED_BYTES:
        raise PublishError("file_too_large", f"文件过大（{len(data)} 字节），不是本平台签发的报告文件")
    return data.decode("latin-1").strip()


def _from_pdf(data: bytes) -> str:
    if len(data) > MAX_PDF_BYTES:
        raise PublishError("file_too_large", f"PDF 文件过大（{len(data)} 字节），不是本平台签发的报告")
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
        found = attachments.get(PDF_ATTACHMENT) if PDF_ATTACHMENT in attachments else None
    except Exception as exc:   # noqa: BLE001 (pypdf raises many kinds on a broken file)
        raise PublishError("pdf_unreadable", f"PDF 文件无法读取（{type(exc).__name__}）：请核验签名文件 "
                                             f"{SIGNED_FILE}，或重新下载报告") from exc
    if not found:
        raise PublishError("pdf_without_signed_file", f"PDF 中没有内嵌的签名文件 {PDF_ATTACHMENT}：无法核验；"
                                                      f"请核验签名文件，或用报告编号和核验码在线核验")
    if len(set(found)) > 1:
        raise PublishError("pdf_several_signed_files", f"PDF 中有多个不同的内嵌签名文件 {PDF_ATTACHMENT}：无法核验")
    if len(found[0]) > MAX_SIGNED_BYTES:
        raise PublishError("file_too_large", "PDF 内嵌的签名文件过大，不是本平台签发的报告文件")
    return found[0].decode("latin-1").strip()
