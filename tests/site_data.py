"""A small build for the public pages' tests: one entity with every kind of record, names
for each normalisation (traditional characters, full-width letters, brackets), a natural
person, a repaired penalty, a pending objection and a window that ends after the build.

As of 2026-11-25 (tests.conftest.AS_OF):
- CHANGNAN 景德镇市昌南陶瓷有限公司: penalty 1 (一般, public through 2027-05-31), penalty 2
  (public through 2026-11-30, so hidden from 2026-12-01), penalty 3 (repaired: absent),
  penalty 4 (objection 处理中), a valid and an expired licence, a black-list entry, a red-list
  entry, a commitment and an evaluation grade.
- HUACI 中山市華瓷貿易有限公司 (delivered in traditional characters), found by 华瓷贸易.
- HONGYUN 景德镇市鸿运物流有限公司, found by 鴻運物流 (a traditional query).
- ABC 景德镇市ABC科技有限公司, found by ＡＢＣ and abc.
- PARTNERS 景德镇市昌南瓷业（普通合伙）, found by 瓷业(普通合伙).
- ONLY_ENDING 乐平市晚秋建材有限公司: its only penalty ends on 2026-11-30.
- PERSON 张三丰 (自然人, name masked to 张*), with a USCC of a 个体工商户: no profile, not found.
"""
from __future__ import annotations

from pathlib import Path

from publish.build import build
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, penalty, uscc, write_csv

CHANGNAN = uscc(1)
HUACI = uscc(2, division="442000")
HONGYUN = uscc(3)
ABC = uscc(4)
PARTNERS = uscc(5)
ONLY_ENDING = uscc(6, division="360281")
PERSON = uscc(7, prefix="92")
UNKNOWN = uscc(99)
MARKET = "景德镇市市场监督管理局"
ECOLOGY = "景德镇市生态环境局"

LICENCE_HEADER = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "行政许可决定文书名称",
                  "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容", "许可决定日期",
                  "有效期自", "有效期至", "许可机关", "当前状态", "数据来源单位"]


def licence(**overrides) -> dict:
    row = {"行政相对人名称": "景德镇市昌南陶瓷有限公司", "行政相对人类别": "法人及非法人组织",
           "统一社会信用代码": CHANGNAN, "法定代表人": "王小明", "行政许可决定文书名称": "食品经营许可决定书",
           "行政许可决定文书号": "景市监许〔2025〕7号", "许可类别": "普通", "许可证书名称": "食品经营许可证",
           "许可编号": "JY13602000001234", "许可内容": "预包装食品销售", "许可决定日期": "2025-03-01",
           "有效期自": "2025-03-01", "有效期至": "2030-02-28", "许可机关": MARKET, "当前状态": "1",
           "数据来源单位": MARKET}
    row.update(overrides)
    return row


def write_raw(raw: Path) -> None:
    penalties = [
        penalty(),
        penalty(行政处罚决定书文号="景市监罚〔2025〕9号", 处罚决定日期="2025-12-01"),
        penalty(行政处罚决定书文号="景市监罚〔2025〕3号", 处罚决定日期="2025-05-10"),
        penalty(行政处罚决定书文号="景环罚〔2026〕4号", 处罚决定日期="2026-03-02", 处罚机关=ECOLOGY,
                数据来源单位=ECOLOGY, 违法行为类型="大气污染", 违法事实="窑炉废气超标排放。"),
        penalty(行政相对人名称="中山市華瓷貿易有限公司", **{"行政相对人代码_1(统一社会信用代码)": HUACI},
                行政处罚决定书文号="景市监罚〔2026〕21号"),
        penalty(行政相对人名称="景德镇市鸿运物流有限公司", **{"行政相对人代码_1(统一社会信用代码)": HONGYUN},
                行政处罚决定书文号="景市监罚〔2026〕22号"),
        penalty(行政相对人名称="景德镇市ABC科技有限公司", **{"行政相对人代码_1(统一社会信用代码)": ABC},
                行政处罚决定书文号="景市监罚〔2026〕23号"),
        penalty(行政相对人名称="景德镇市昌南瓷业（普通合伙）", **{"行政相对人代码_1(统一社会信用代码)": PARTNERS},
                行政处罚决定书文号="景市监罚〔2026〕24号"),
        penalty(行政相对人名称="乐平市晚秋建材有限公司", **{"行政相对人代码_1(统一社会信用代码)": ONLY_ENDING},
                行政处罚决定书文号="景市监罚〔2025〕30号", 处罚决定日期="2025-12-01"),
        penalty(行政相对人名称="张三丰", 行政相对人类别="自然人", **{"行政相对人代码_1(统一社会信用代码)": PERSON},
                法定代表人="", 行政处罚决定书文号="景市监罚〔2026〕25号", 违法事实="张三丰无照经营。"),
    ]
    write_csv(raw / "市场监管局" / "处罚.csv", penalties, PENALTY_HEADER)
    write_csv(raw / "市场监管局" / "许可.csv", [
        licence(),
        licence(行政许可决定文书号="景市监许〔2020〕2号", 许可证书名称="旧食品流通许可证", 许可编号="SP3602000000001",
                许可决定日期="2020-01-10", 有效期自="2020-01-10", 有效期至="2025-01-09"),
    ], LICENCE_HEADER)
    write_csv(raw / "信用办" / "修复.csv", [{
        "行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": CHANGNAN,
        "行政处罚决定书文号": "景市监罚〔2025〕3号", "修复决定日期": "2026-09-01", "修复机关": MARKET}])
    write_csv(raw / "信用办" / "异议.csv", [{
        "行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": CHANGNAN,
        "行政处罚决定书文号": "景环罚〔2026〕4号", "异议提出日期": "2026-10-08", "异议状态": "处理中",
        "处理日期": "", "受理单位": "景德镇市发展和改革委员会"}])
    write_csv(raw / "信用办" / "黑名单.csv", [{
        "行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": CHANGNAN, "列入事由": "拒不履行行政处罚决定",
        "列入依据": "《市场监督管理严重违法失信名单管理办法》第十条", "认定机关": MARKET,
        "列入日期": "2026-06-15", "移出日期": ""}])
    write_csv(raw / "信用办" / "红名单.csv", [{
        "行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": CHANGNAN, "荣誉名称": "守合同重信用企业",
        "授予机关": MARKET, "授予日期": "2026-01-10", "有效期至": "2027-12-31"}])
    write_csv(raw / "信用办" / "承诺.csv", [{
        "行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": CHANGNAN, "承诺类型": "审批替代型",
        "承诺事项": "食品经营许可告知承诺", "承诺日期": "2025-02-20", "承诺受理单位": MARKET, "履约状态": "履约"}])
    write_csv(raw / "信用办" / "评价.csv", [{
        "行政相对人名称": "景德镇市昌南陶瓷有限公司", "统一社会信用代码": CHANGNAN, "评价结果": "良",
        "评价日期": "2026-09-30"}])


def build_site(tmp: Path) -> Path:
    raw, out = tmp / "raw", tmp / "out"
    write_raw(raw)
    build(raw, out, AS_OF, progress=False)
    return out
