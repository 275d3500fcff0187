"""What the credit-report tests share: a small real build, fresh state directories made as
`keys init` makes them, offices on a clock the test moves, and hand-made contents."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from publish.build import build
from publish.clock import SHANGHAI, Clock
from publish.report.office import ReportOffice
from publish.signing_keys import initialise
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, penalty, uscc, write_csv

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)   # AS_OF, 10:00 in Beijing
NOW_ENV = NOW.isoformat()
SUBJECT = uscc(1)                                          # factories.penalty()'s subject
SUBJECT_NAME = "景德镇市昌南陶瓷有限公司"
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def clock(delta: dt.timedelta = dt.timedelta(0)) -> Clock:
    return Clock.at(NOW + delta)


def make_build(tmp: Path, as_of: dt.date = AS_OF) -> Path:
    """A build as of `as_of` with one penalised company (SUBJECT)."""
    write_csv(tmp / "raw" / "行政处罚.csv", [penalty()], PENALTY_HEADER)
    report = build(tmp / "raw", tmp / "out", as_of, progress=False)
    assert report["balanced"]
    return tmp / "out"


def fresh_state(tmp_path: Path) -> Path:
    """A state directory as `keys init` makes it."""
    path = tmp_path / "state"
    initialise(path, clock())
    return path


def office(state: Path, delta: dt.timedelta = dt.timedelta(0), **kw) -> ReportOffice:
    """An office whose clock stands at NOW + delta (a new one for each moment a test visits)."""
    return ReportOffice.open(state, clock(delta), **kw)


def hand_made(conn, uscc_, *, issue_day, years, fields):
    """A small content, shaped as report_content's, for tests that need no real one."""
    return {"format": "test", "title": "公共信用信息报告（无违法违规证明版）", "issue_day": issue_day.isoformat(),
            "period": {"years": years, "start": "2023-11-26", "end": issue_day.isoformat()},
            "subject": {"uscc": uscc_, "name": SUBJECT_NAME},
            "fields": [{"code": "market", "name": "市场监管", "status": "found", "conclusion": "发现以下违法违规记录",
                        "records": [{"decision_no": "景市监罚〔2026〕1号", "fine_wan": "5"}]},
                       {"code": "tax", "name": "税务", "status": "clean", "conclusion": "未发现违法违规记录",
                        "records": []}],
            "black_list": {"name": "严重失信主体名单", "status": "not_listed", "conclusion": "未列入严重失信主体名单"}}


def pdf_with(attachment: bytes | None, page_text: str = "") -> bytes:
    """A PDF as the renderer will make it: a page, and the signed file attached as report.jws."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if page_text:
        writer.add_metadata({"/Subject": page_text})
    if attachment is not None:
        writer.add_attachment("report.jws", attachment)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
