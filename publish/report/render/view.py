"""What both renderings of a signed report show, as plain text: one view of the verified
payload `{report_no, iat, exp, content}`, so that the HTML and the PDF say the same things in
the same order. Everything in it comes from the payload, the verification code and the site's
settings; nothing is looked up elsewhere (the content passed redaction's after-check: a
rendering adds labels, never data).
"""
from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from ...times import beijing_display
from .. import texts
from .config import RenderSettings

# Labels of the printed report (its fixed sentences are the content's: texts.py).
HEADING_ISSUER = "出具单位"
SUBJECT_LABELS = {"name": "主体名称", "uscc": "统一社会信用代码", "type": "主体类型",
                  "registration_status": "登记状态", "registrar": "登记机关"}
NOT_REGISTERED = "本平台无该主体的登记信息"
LABEL_REPORT_NO = "报告编号"
LABEL_CODE = "核验码"
LABEL_PERIOD = "查询期间"
LABEL_SELECTION = "查询领域"
LABEL_ISSUED = "出具时间"
LABEL_EXPIRES = "有效期至"
ALL_FIELDS = "全部领域"
SECTION_STATEMENTS = "报告说明"
SECTION_SUMMARY = "查询结果摘要"
SECTION_FIELDS = "各领域查询结果"
SECTION_RECORDS = "发现的违法违规记录"
SECTION_BLACKLIST = "严重失信主体名单"
SECTION_OBJECTIONS = "异议处理中的记录"
SECTION_SOURCES = "数据来源"
SECTION_VERIFY = "核验方式"
FIELD_COLUMNS = ("序号", "领域", "查询结果", "数据更新至", "数据来源单位")
RECORD_COUNT = "{n} 条"
SOURCE_ROWS = "{department}（{rows} 条）"
NIL_RETURN = "{department}（零报告）"
LABEL_AS_OF = "本平台数据归集日期"
LABEL_BUILD = "数据版本"
LABEL_DEPARTMENTS = "本报告依据的数据来源单位"
LABEL_NEWEST = "最新数据更新时间戳"
END_MARK = "（以下无正文）"
CHINESE_NUMERALS = "一二三四五六七八九十"


def verify_page(settings: RenderSettings) -> str:
    return f"{settings.base_url}/verify"


def verify_url(report_no: str, code: str, settings: RenderSettings) -> str:
    """What the QR code opens: the verification page with number and code filled in."""
    return f"{verify_page(settings)}?{urllib.parse.urlencode({'no': report_no, 'code': code})}"


def _instant(epoch: int) -> str:
    return beijing_display(dt.datetime.fromtimestamp(epoch, dt.UTC))


def _present(value: object) -> bool:
    return value is not None and value != "" and value is not False


def _pairs(record: Mapping[str, Any], labels: Mapping[str, str], skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    skipped = set(skip)
    return [(label, str(record[key])) for key, label in labels.items()
            if key not in skipped and _present(record.get(key))]


def _updated(section: Mapping[str, Any]) -> str:
    value = section.get("data_updated")
    if not value:
        return ""
    basis = section.get("data_updated_basis")
    return f"{value}（{basis}）" if basis == texts.UPDATED_FROM_BUILD else str(value)


def _sources(section: Mapping[str, Any]) -> list[str]:
    return [(SOURCE_ROWS if s.get("rows") else NIL_RETURN).format(department=s.get("department") or "",
                                                                    rows=s.get("rows") or 0)
            for s in section.get("sources") or ()]


def _summary(summary: Mapping[str, Any]) -> str:
    return (f"本次查询 {summary.get('fields', 0)} 个领域：{summary.get('found', 0)} 个领域发现违法违规记录，"
            f"共 {summary.get('records', 0)} 条；{summary.get('clean', 0)} 个领域未发现违法违规记录；"
            f"{summary.get('no_data', 0)} 个领域本平台未归集数据。")


def _verify_text(report_no: str, code: str, settings: RenderSettings, signed_name: str) -> list[str]:
    return [f"扫描二维码，或访问 {verify_page(settings)}，输入报告编号 {report_no} 和核验码 {code}，"
            "可查验本报告的真伪、有效期和状态（有效、已过期或已撤销）。",
            f"本报告的 PDF 文件内嵌签名文件 {signed_name}（JWS，EdDSA 签名），"
            f"可用 {settings.base_url}/.well-known/jwks.json 公布的公钥离线核验，也可在核验页面提交本 PDF 或签名文件："
            "报告内容一经改动，签名即不成立。"]


def report_view(payload: Mapping[str, Any], *, code: str, settings: RenderSettings,
                signed_name: str = "report.jws") -> dict[str, Any]:
    """The view of a verified payload: plain strings and lists, in the order printed."""
    content = payload["content"]
    report_no = str(payload["report_no"])
    subject = content.get("subject") or {}
    period = content.get("period") or {}
    selection = content.get("selection") or {}
    by_code = {f["code"]: f for f in content.get("fields") or ()}

    subject_rows = _pairs(subject, SUBJECT_LABELS)
    if not subject.get("registered"):
        subject_rows.append((SUBJECT_LABELS["registration_status"], NOT_REGISTERED))
    fields = []
    for index, section in enumerate(content.get("fields") or (), start=1):
        records = [{"title": f"（{n}）{r.get('kind') or ''}",
                    "rows": _pairs(r, texts.RECORD_LABELS, skip=("kind", "objection_pending")),
                    "notice": r.get("objection_notice") or ""}
                   for n, r in enumerate(section.get("records") or (), start=1)]
        conclusion = str(section.get("conclusion") or "")
        if records:
            conclusion += f"（{RECORD_COUNT.format(n=len(records))}）"
        fields.append({"index": index, "code": section.get("code"), "name": section.get("name"),
                       "status": section.get("status"), "conclusion": conclusion, "updated": _updated(section),
                       "sources": _sources(section), "records": records})
    black_list = content.get("black_list") or {}
    data_sources = content.get("data_sources") or {}
    build = data_sources.get("build") or {}

    sections = [SECTION_STATEMENTS, SECTION_SUMMARY, SECTION_FIELDS]
    if any(f["records"] for f in fields):
        sections.append(SECTION_RECORDS)
    sections.append(SECTION_BLACKLIST)
    if content.get("objections"):
        sections.append(SECTION_OBJECTIONS)
    sections += [SECTION_SOURCES, SECTION_VERIFY]
    numbered = {name: f"{CHINESE_NUMERALS[i]}、{name}" for i, name in enumerate(sections)}

    years = period.get("years")
    return {
        "title": content.get("title") or texts.TITLE,
        "city": settings.city,
        "office": settings.office,
        "report_no": report_no,
        "code": code,
        "verify_page": verify_page(settings),
        "verify_url": verify_url(report_no, code, settings),
        "issue_day": content.get("issue_day") or "",
        "issued_at": _instant(int(payload["iat"])),
        "expires_at": _instant(int(payload["exp"])),
        "subject_name": subject.get("name") or "",
        "subject": subject_rows,
        "report": [
            (LABEL_REPORT_NO, report_no), (LABEL_CODE, code),
            (LABEL_PERIOD, f"{period.get('start', '')} 至 {period.get('end', '')}（{years} 年）"),
            (LABEL_SELECTION, ALL_FIELDS if selection.get("all_fields")
             else "、".join(str(by_code[c]["name"]) for c in selection.get("fields") or () if c in by_code)),
            (LABEL_ISSUED, _instant(int(payload["iat"]))), (LABEL_EXPIRES, _instant(int(payload["exp"]))),
            (HEADING_ISSUER, settings.office),
        ],
        "statements": [str(s) for s in content.get("statements") or ()],
        "summary": _summary(content.get("summary") or {}),
        "black_list_summary": str(black_list.get("conclusion") or ""),
        "field_columns": FIELD_COLUMNS,
        "fields": fields,
        "found": [f for f in fields if f["records"]],
        "black_list": {"name": black_list.get("name") or texts.BLACKLIST_NAME,
                       "status": black_list.get("status"), "conclusion": str(black_list.get("conclusion") or ""),
                       "entries": [_pairs(e, texts.BLACKLIST_LABELS) for e in black_list.get("entries") or ()],
                       "updated": _updated(black_list), "sources": _sources(black_list)},
        "objections": [{"field": (by_code.get(o.get("field")) or {}).get("name") or o.get("field") or "",
                        "decision_no": o.get("decision_no") or "", "notice": o.get("notice") or ""}
                       for o in content.get("objections") or ()],
        "build": [(LABEL_AS_OF, str(build.get("as_of") or "")), (LABEL_BUILD, str(build.get("build_id") or ""))],
        "departments": [(d.get("department") or "", d.get("newest_update") or "")
                        for d in data_sources.get("departments") or ()],
        "verify_text": _verify_text(report_no, code, settings, signed_name),
        "sections": numbered,
        "end_mark": END_MARK,
    }
