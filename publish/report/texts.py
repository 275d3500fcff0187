"""Every fixed sentence of the credit report, in one place (the renderers and the web pages
read them from here; the content carries them, so a signed report says them itself)."""
from __future__ import annotations

from ..profile import NOTICES

TITLE = "公共信用信息报告（无违法违规证明版）"

# The report's own statements, printed on its face in this order.
PUBLIC_ONLY = "本报告仅依据可向社会公开的信用信息出具。"
NOT_SHOWN = "已超过公示期限或已完成信用修复的信息不在本报告中展示。"
AS_OF_ISSUE = "本报告所载信息以出具之日的公示状态为准，各领域数据截至本平台最近一次归集。"
NO_DATA_NOTE = "标注“本平台未归集该领域数据”的领域，本平台未收到相关部门报送的数据，本报告不对该领域作出证明。"
STATEMENTS = (PUBLIC_ONLY, NOT_SHOWN, AS_OF_ISSUE, NO_DATA_NOTE)

# A field's conclusion.
NO_RECORD = "未发现违法违规记录"
NO_DATA = "本平台未归集该领域数据"
FOUND = "发现以下违法违规记录"
CONCLUSIONS = {"clean": NO_RECORD, "no_data": NO_DATA, "found": FOUND}

# The black-list status (严重失信主体名单), today.
BLACKLIST_NAME = "严重失信主体名单"
BLACKLIST_LISTED = "列入严重失信主体名单"
BLACKLIST_NOT_LISTED = "未列入严重失信主体名单"
BLACKLIST_CONCLUSIONS = {"listed": BLACKLIST_LISTED, "not_listed": BLACKLIST_NOT_LISTED, "no_data": NO_DATA}

# A record under objection (异议状态 处理中): the site's own wording.
OBJECTION_PENDING = NOTICES["objection_pending"]

# Where a field's "data updated" comes from.
UPDATED_FROM_ROWS = "数据更新时间戳"
UPDATED_FROM_BUILD = "本平台归集日期"

# What each key of a record in the content means (for renderers).
RECORD_LABELS = {
    "kind": "信息类别", "decision_no": "决定书文号", "decision_date": "决定日期", "authority": "决定机关",
    "source_dept": "数据来源单位", "category": "处罚类别", "severity": "严重程度", "decided": "处罚内容",
    "fine_wan": "罚款金额（万元）", "publicity_end": "公示截止日期", "objection_pending": "异议处理中",
}
BLACKLIST_LABELS = {
    "reason": "列入事由", "authority": "认定机关", "listed_date": "列入日期", "removal_date": "移出日期",
    "publicity_end": "公示截止日期",
}

# Errors: stable code → Chinese sentence (publish.report.content.ReportError).
ERRORS = {
    "invalid_uscc": "统一社会信用代码无效（应为 18 位，校验位须正确）",
    "natural_person": "自然人不出具公共信用信息报告",
    "unknown_subject": "本平台无该主体的登记信息或信用记录，无法出具报告",
    "invalid_period": "查询期间应为 1 至 5 年的整数",
    "period_too_long": "查询期间最长为 5 年",
    "unknown_field": "所选领域不在报告的领域目录中",
    "no_fields": "至少应选择一个领域",
    "build_stale": "本平台数据早于昨日，暂不出具报告（报告从不依据过期数据出具）",
    "issue_day_before_build": "出具日期早于本平台数据的归集日期，不能倒签报告",
    "content_not_clean": "报告内容未通过个人信息检查，未出具",
}
