"""The delivery a sample imitates: the canonical columns of every dataset (DOMAIN.md), how each
department spells them, and PLAN, every file of the sample with its sheets, layouts and faults.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# --- Canonical headers (DOMAIN.md) ------------------------------------------------------------
USCC_CODE = "行政相对人代码_1(统一社会信用代码)"
SUBJECT_COLUMNS = (
    "行政相对人名称", "行政相对人类别", USCC_CODE, "行政相对人代码_2(工商注册号)",
    "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)",
    "行政相对人代码_5(事业单位证书号)", "行政相对人代码_6(社会组织登记证号)",
    "法定代表人", "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码",
)
FINE = "罚款金额（万元）"
CONFISCATED = "没收违法所得、没收非法财物的金额（万元）"
PENALTY_COLUMNS = SUBJECT_COLUMNS + (
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
    FINE, CONFISCATED, "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期",
    "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
)
LICENCE_COLUMNS = SUBJECT_COLUMNS + (
    "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容",
    "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注",
)
# The first national layout (2016): the code columns are numbered differently.
USCC_CODE_2016 = "行政相对人代码_1(统一社会信用代码)"
CODES_2016 = (
    USCC_CODE_2016, "行政相对人代码_2(组织机构代码)", "行政相对人代码_3(工商登记码)",
    "行政相对人代码_4(税务登记号)", "行政相对人代码_5(居民身份证号)",
)
PENALTY_2016_COLUMNS = (
    "行政处罚决定书文号", "处罚名称", "处罚类别1", "处罚类别2", "处罚事由", "处罚依据",
    "行政相对人名称", *CODES_2016, "法定代表人姓名", "处罚结果", "处罚决定日期", "处罚机关",
    "当前状态", "地方编码", "数据更新时间戳", "备注",
)
LICENCE_2016_COLUMNS = (
    "行政许可决定书文号", "项目名称", "审批类别", "许可内容", "行政相对人名称", *CODES_2016,
    "法定代表人姓名", "许可决定日期", "许可截止期", "许可机关", "当前状态", "地方编码",
    "数据更新时间戳", "备注",
)
REPAIR_COLUMNS = ("行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "处罚机关",
                  "修复决定日期", "修复机关", "修复方式")
OBJECTION_COLUMNS = ("行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "异议提出日期",
                     "异议状态", "处理日期", "受理单位")
BLACK_LIST_COLUMNS = ("行政相对人名称", "统一社会信用代码", "列入事由", "列入依据", "认定机关",
                      "列入日期", "移出日期")
RED_LIST_COLUMNS = ("行政相对人名称", "统一社会信用代码", "荣誉名称", "授予机关", "授予日期", "有效期至")
COMMITMENT_COLUMNS = ("行政相对人名称", "统一社会信用代码", "承诺类型", "承诺事项", "承诺日期",
                      "承诺受理单位", "履约状态")
EVALUATION_COLUMNS = ("行政相对人名称", "统一社会信用代码", "评价结果", "评价日期")
TAX_GRADE_COLUMNS = ("纳税人名称", "纳税人识别号", "评价年度", "信用等级")
ARREARS_COLUMNS = ("行政相对人名称", "统一社会信用代码", "欠缴类型", "欠缴金额（元）", "欠缴起始日期",
                   "统计日期", "数据来源单位")
# Optional columns some departments add.
STATUS, SEVERITY, SECRETS, UPDATED = "当前状态", "严重程度", "商业秘密", "数据更新时间戳"

# --- Header spellings departments use -------------------------------------------------------
_CODE_COLUMNS = SUBJECT_COLUMNS[2:8]
FULLWIDTH_HYPHEN = {c: c.replace("_", "-").replace("(", "（").replace(")", "）") for c in _CODE_COLUMNS}
HYPHEN = {c: c.replace("_", "-") for c in _CODE_COLUMNS}
FULLWIDTH = {c: c.replace("(", "（").replace(")", "）") for c in _CODE_COLUMNS}
HALFWIDTH_AMOUNTS = {FINE: "罚款金额(万元)", CONFISCATED: "没收违法所得、没收非法财物的金额(万元)"}


@dataclass(frozen=True)
class Sheet:
    """One dataset inside a file: its columns, how this department spells them, its dates."""

    dataset: str
    columns: tuple[str, ...]               # canonical names, in file order
    spelling: dict[str, str] = field(default_factory=dict)  # canonical → as written in this file
    name: str | None = None                # XLSX sheet name
    title_rows: int = 0                    # XLSX rows above the header
    dates: tuple[str, ...] = ("iso",)      # per-row choice: iso slash cn compact excel serial
    share: float | None = None             # of its dataset family's rows; None: the remainder
    faults: tuple[str, ...] = ()           # fault kinds injected here (about 3 % of rows)
    cover_faults: bool = False             # each of `faults` at least once, however few rows
    role: str = ""                         # "resubmission": copies and corrections of another file
    licence_status: str = "code"           # 当前状态 of licences: "code" (1/2) or "text" (有效/无效)

    def header(self) -> list[str]:
        return [self.spelling.get(c, c) for c in self.columns]


@dataclass(frozen=True)
class SourceFile:
    path: str                  # relative to the output directory
    container: str             # csv | xlsx | jsonl
    department: str            # key of names.DEPARTMENTS
    sheets: tuple[Sheet, ...]
    encoding: str = "utf-8"    # csv: utf-8, utf-8-sig, gb18030, gbk
    notes_sheet: bool = False  # XLSX: add a 填报说明 sheet (instructions, not a dataset)


PENALTY_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                  "missing_required", "bad_enum", "id_in_keep_field")
PENALTY_2016_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                       "missing_required", "id_in_keep_field")
LICENCE_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                  "validity_reversed", "missing_required", "bad_enum", "id_in_keep_field")


_P1_COLUMNS = PENALTY_COLUMNS + (STATUS, SECRETS, UPDATED)

# The delivery: every file of the sample, what it holds and how it is spelled.
PLAN: tuple[SourceFile, ...] = (
    # Penalties: `rows` in total over these sheets.
    SourceFile("市场监管局/2025-行政处罚.csv", "csv", "market", (
        Sheet("penalty", _P1_COLUMNS, faults=PENALTY_FAULTS, cover_faults=True),)),
    SourceFile("市场监管局/浮梁分局/行政处罚公示表.xlsx", "xlsx", "fuliang_market", (
        Sheet("penalty", PENALTY_COLUMNS, FULLWIDTH_HYPHEN, name="行政处罚", title_rows=2,
              dates=("excel",), share=0.14, faults=PENALTY_FAULTS),), notes_sheet=True),
    SourceFile("生态环境局/处罚公示_2024.csv", "csv", "ecology", (
        Sheet("penalty", PENALTY_COLUMNS + (SEVERITY, SECRETS),
              {**HALFWIDTH_AMOUNTS, "行政相对人名称": " 行政相对人名称 ", "处罚决定日期": "处罚决定日期 ",
               "行政处罚决定书文号": " 行政处罚决定书文号"},
              dates=("slash", "slash", "slash", "iso"), share=0.10, faults=PENALTY_FAULTS),),
        encoding="utf-8-sig"),
    SourceFile("交通运输局/xzcf_export.csv", "csv", "transport", (
        Sheet("penalty_2016", PENALTY_2016_COLUMNS + (SECRETS,), dates=("slash",), share=0.12,
              faults=PENALTY_2016_FAULTS, cover_faults=True),), encoding="gb18030"),
    SourceFile("税务局/导出数据.csv", "csv", "tax", (
        Sheet("penalty", PENALTY_COLUMNS, {USCC_CODE: "统一社会信用代码", "行政相对人名称": "主体名称"},
              dates=("compact",), share=0.10, faults=PENALTY_FAULTS),), encoding="gbk"),
    SourceFile("应急管理局/cf_data.jsonl", "jsonl", "emergency", (
        Sheet("penalty", PENALTY_COLUMNS + (STATUS, UPDATED), FULLWIDTH, dates=("cn",),
              share=0.10, faults=PENALTY_FAULTS),)),
    SourceFile("住建局/双公示数据.xlsx", "xlsx", "housing", (
        Sheet("penalty", PENALTY_COLUMNS, HYPHEN, name="行政处罚", dates=("excel",), share=0.10,
              faults=PENALTY_FAULTS),
        Sheet("licence", LICENCE_COLUMNS, HYPHEN, name="行政许可", dates=("serial",), share=0.15,
              faults=LICENCE_FAULTS, licence_status="text"))),
    SourceFile("市场监管局/行政处罚更正补报.csv", "csv", "market", (
        Sheet("penalty", _P1_COLUMNS, role="resubmission"),)),
    # Licences: about `rows` in total.
    SourceFile("市场监管局/许可信息2025.csv", "csv", "market", (
        Sheet("licence", LICENCE_COLUMNS + (SECRETS,), faults=LICENCE_FAULTS, cover_faults=True),)),
    SourceFile("交通运输局/xzxk_export.csv", "csv", "transport", (
        Sheet("licence_2016", LICENCE_2016_COLUMNS + ("行政许可编码", "信息使用范围"), share=0.15,
              faults=("uscc_check", "date_unparseable", "missing_required")),), encoding="gb18030"),
    SourceFile("生态环境局/排污许可.jsonl", "jsonl", "ecology", (
        Sheet("licence", LICENCE_COLUMNS, {"行政相对人名称": "企业名称"}, share=0.10,
              faults=LICENCE_FAULTS),)),
    SourceFile("应急管理局/安全生产许可.xlsx", "xlsx", "emergency", (
        Sheet("licence", LICENCE_COLUMNS, {**FULLWIDTH_HYPHEN, "许可编号": " 许可编号 "},
              name="Sheet1", title_rows=1, dates=("cn",), share=0.15, faults=LICENCE_FAULTS),)),
    # The credit office and the others.
    SourceFile("信用办/信用修复/信用中国修复结果.csv", "csv", "credit", (
        Sheet("repair", REPAIR_COLUMNS, faults=("date_unparseable",)),)),
    SourceFile("市场监管局/公示系统修复同步.xlsx", "xlsx", "market", (
        Sheet("repair", REPAIR_COLUMNS,
              {"行政相对人名称": "企业名称", "修复决定日期": "修复日期", "修复机关": "修复决定机关"},
              name="修复结果", title_rows=1, dates=("excel",), share=0.4),)),
    SourceFile("信用办/异议处理台账.csv", "csv", "credit", (
        Sheet("objection", OBJECTION_COLUMNS, {"行政相对人名称": "主体名称"}, faults=("bad_enum",)),),
        encoding="utf-8-sig"),
    SourceFile("信用办/名单/严重失信主体名单.csv", "csv", "credit", (
        Sheet("black_list", BLACK_LIST_COLUMNS, {"行政相对人名称": "单位名称"}, dates=("cn",),
              faults=("uscc_check", "date_future")),)),
    SourceFile("信用办/名单/守信激励对象.xlsx", "xlsx", "credit", (
        Sheet("red_list", RED_LIST_COLUMNS, {"统一社会信用代码": " 统一社会信用代码 "}, name="守信激励",
              dates=("excel",), faults=("uscc_length",)),)),
    SourceFile("信用办/信用承诺.jsonl", "jsonl", "credit", (
        Sheet("commitment", COMMITMENT_COLUMNS, faults=("missing_required", "date_unparseable")),)),
    SourceFile("信用办/公共信用综合评价结果.csv", "csv", "credit", (
        Sheet("evaluation", EVALUATION_COLUMNS, {"行政相对人名称": "主体名称"}, dates=("compact",),
              faults=("bad_enum",)),), encoding="utf-8-sig"),
    SourceFile("税务局/纳税信用等级评价结果.xlsx", "xlsx", "tax", (
        Sheet("tax_grade", TAX_GRADE_COLUMNS, name="评价结果", title_rows=1,
              faults=("bad_enum", "uscc_check")),)),
    SourceFile("人社局/社保公积金欠缴.csv", "csv", "hrss", (
        Sheet("arrears", ARREARS_COLUMNS, share=0.4, faults=("date_unparseable",)),)),
    SourceFile("公用事业/水电气欠费.xlsx", "xlsx", "water", (
        Sheet("arrears", ARREARS_COLUMNS,
              {"行政相对人名称": "单位名称", "欠缴金额（元）": "欠缴金额(元)"}, name="欠费明细",
              dates=("serial",), faults=("bad_enum",)),)),
)


def header_spellings() -> dict[str, dict[str, list[str]]]:
    spellings: dict[str, dict[str, list[str]]] = {}
    for source in PLAN:
        for sheet in source.sheets:
            per_column = spellings.setdefault(sheet.dataset, {})
            for column, written in zip(sheet.columns, sheet.header(), strict=True):
                if written not in per_column.setdefault(column, []):
                    per_column[column].append(written)
    return spellings


# dataset → canonical header → every spelling the sample writes (surrounding spaces included).
HEADER_SPELLINGS: dict[str, dict[str, list[str]]] = header_spellings()

# Dates that record an event: never after as_of in a valid row (validity ends may be).
EVENT_DATES = ("处罚决定日期", "许可决定日期", "有效期自", "修复决定日期", "异议提出日期", "处理日期",
               "列入日期", "授予日期", "承诺日期", "评价日期", "欠缴起始日期", "统计日期")
