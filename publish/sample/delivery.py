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
SCOPE = "信息使用范围"     # 0 公示, 1 仅政府部门内部共享, 2 仅可授权查询 (codes or words)
SECOND_NAME = "企业名称"   # beside 行政相对人名称 in some exports: the latter is the subject
PLATFORM_COLUMNS = ("ID", "RESOURCE_ID", "CHECK_FLAG")  # a platform's own columns, not the standard's

# The market regulators' 严重违法失信名单, the national 信用承诺 template, the register (DOMAIN.md).
BLACK_LIST_MARKET_COLUMNS = ("企业名称", "统一社会信用代码", "营业执照注册号", "列入严重违法失信企业名单原因",
                             "列入日期", "作出决定机关(列入)", "移出严重违法失信企业名单原因", "移出日期",
                             "作出决定机关(移出)")
COMMITMENT_NATIONAL_COLUMNS = (
    "承诺编码", "承诺人名称", "承诺人类别", "承诺人代码", "承诺类型", "承诺事由", "承诺内容", "违诺责任",
    "承诺作出日期", "承诺有效期", "承诺履行状态", "未履行的承诺内容", "违诺责任追究内容", "承诺履行状态认定日期",
    "承诺履行状态认定单位", "承诺履行状态认定单位代码", "承诺受理单位", "承诺受理单位代码", "公开类型", "备注",
)
REGISTRY_COLUMNS = ("主体名称", "统一社会信用代码", "主体类型", "法定代表人", "成立日期", "登记机关", "登记状态",
                    "住所")

# --- The standard's field codes (DOMAIN.md): systems exchange the same layouts under them ------
CURRENT_PENALTY_CODES = {
    "行政相对人名称": "CF_XDR_MC", "行政相对人类别": "CF_XDR_LB", USCC_CODE: "CF_XDR_SHXYM",
    "行政相对人代码_2(工商注册号)": "CF_XDR_GSZC", "行政相对人代码_3(组织机构代码)": "CF_XDR_ZZJG",
    "行政相对人代码_4(税务登记号)": "CF_XDR_SWDJ", "行政相对人代码_5(事业单位证书号)": "CF_XDR_SYDW",
    "行政相对人代码_6(社会组织登记证号)": "CF_XDR_SHZZ", "法定代表人": "CF_FRDB", "法定代表人证件类型": "CF_FR_ZJLX",
    "法定代表人证件号码": "CF_FR_ZJHM", "证件类型": "CF_XDR_ZJLX", "证件号码": "CF_XDR_ZJHM",
    "行政处罚决定书文号": "CF_WSH", "违法行为类型": "CF_WFXW", "违法事实": "CF_SY", "处罚依据": "CF_YJ",
    "处罚类别": "CF_CFLB", "处罚内容": "CF_NR", FINE: "CF_NR_FK", CONFISCATED: "CF_NR_WFFF",
    "暂扣或吊销证照名称及编号": "CF_NR_ZKDX", "处罚决定日期": "CF_JDRQ", "处罚有效期": "CF_YXQ",
    "公示截止期": "CF_GSJZQ", "处罚机关": "CF_CFJG", "处罚机关统一社会信用代码": "CF_CFJGDM",
    "数据来源单位": "CF_SJLY", "数据来源单位统一社会信用代码": "CF_SJLYDM", "备注": "BZ",
}
CURRENT_LICENCE_CODES = {
    **{c: code.replace("CF_", "XK_") for c, code in CURRENT_PENALTY_CODES.items() if c in SUBJECT_COLUMNS},
    "法定代表人": "XK_FRDB", "法定代表人证件类型": "XK_FR_ZJLX", "法定代表人证件号码": "XK_FR_ZJHM",
    "行政许可决定文书名称": "XK_XKWS", "行政许可决定文书号": "XK_WSH", "许可类别": "XK_XKLB",
    "许可证书名称": "XK_XKZS", "许可编号": "XK_XKBH", "许可内容": "XK_NR", "许可决定日期": "XK_JDRQ",
    # XK_YXQZ is 有效期自 but XK_YXQZI is 有效期至
    "有效期自": "XK_YXQZ", "有效期至": "XK_YXQZI", "许可机关": "XK_XKJG", "许可机关统一社会信用代码": "XK_XKJGDM",
    "当前状态": "XK_ZT", "数据来源单位": "XK_LYDW", "数据来源单位统一社会信用代码": "XK_LYDWDM", "备注": "BZ",
}
_CODES_2016_SHARED = {
    "行政相对人代码_2(组织机构代码)": "XDR_ZZJG", "行政相对人代码_4(税务登记号)": "XDR_SWDJ",
    "行政相对人代码_5(居民身份证号)": "XDR_SFZ",
}
PENALTY_2016_CODES = {
    "行政处罚决定书文号": "CF_WSH", "处罚类别1": "CF_CFLB1", "处罚类别2": "CF_CFLB2", "处罚事由": "CF_SY",
    "处罚依据": "CF_YJ", "行政相对人名称": "CF_XDR_MC", USCC_CODE_2016: "CF_XDR_SHXYM",
    **{c: "CF_" + code for c, code in _CODES_2016_SHARED.items()},
    "法定代表人姓名": "CF_FR", "处罚结果": "CF_JG", "处罚决定日期": "CF_JDRQ", "处罚机关": "CF_XZJG",
    "当前状态": "CF_ZT", "地方编码": "CF_AREACODE", "数据更新时间戳": "SJC", "备注": "BZ",
}
LICENCE_2016_CODES = {
    "行政许可决定书文号": "XK_WSH", "项目名称": "XK_XMMC", "审批类别": "XK_SPLB", "许可内容": "XK_NR",
    "行政相对人名称": "XK_XDR", USCC_CODE_2016: "XK_XDR_SHXYM",
    **{c: "XK_" + code for c, code in _CODES_2016_SHARED.items()},
    "法定代表人姓名": "XK_FR", "许可决定日期": "XK_JDRQ", "许可截止期": "XK_JZQ", "许可机关": "XK_XZJG",
    "当前状态": "XK_ZT", "地方编码": "XK_AREACODE", "数据更新时间戳": "SJC", "备注": "BZ",
}

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
    codes_2016: str = "codes"              # 2016 当前状态 / 处罚类别1/2: "codes", "words" or "mixed" (per row)
    scope_style: str = "codes"             # 信息使用范围: "codes" (0/1/2) or "words"
    blanks: tuple[str, ...] = ()           # what this department writes for an empty optional cell
    date_blanks: dict[str, str] = field(default_factory=dict)  # column → what it writes for an empty date
    notes: tuple[int, int] = (0, 0)        # XLSX note rows (表格说明…) below the header, after the data

    def header(self) -> list[str]:
        return [self.spelling.get(c, c) for c in self.columns]


def coded(columns: tuple[str, ...], codes: dict[str, str], lower: bool = False,
          platform: bool = True) -> tuple[tuple[str, ...], dict[str, str]]:
    """(columns, spelling) of a file whose headers are the standard's field codes: the columns
    that have a code, in order, and a platform's own columns around them."""
    kept = tuple(c for c in columns if c in codes)
    spelling = {c: codes[c].lower() if lower else codes[c] for c in kept}
    if not platform:
        return kept, spelling
    first, *rest = PLATFORM_COLUMNS
    spelling.update({c: c.lower() if lower else c for c in PLATFORM_COLUMNS})
    return (first, *kept, *rest), spelling


@dataclass(frozen=True)
class SourceFile:
    path: str                  # relative to the output directory
    container: str             # csv | xlsx | xls | jsonl | json
    department: str            # key of names.DEPARTMENTS
    sheets: tuple[Sheet, ...]
    encoding: str = "utf-8"    # csv: utf-8, utf-8-sig, gb18030, gbk
    notes_sheet: bool = False  # XLSX: add a 填报说明 sheet (instructions, not a dataset)
    wrapper: str = ""          # json: "" (an array of objects) or the key of a platform's answer: rows, data, list


PENALTY_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                  "missing_required", "bad_enum", "id_in_keep_field")
PENALTY_2016_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                       "missing_required", "id_in_keep_field")
LICENCE_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                  "validity_reversed", "missing_required", "bad_enum", "id_in_keep_field")


_P1_COLUMNS = PENALTY_COLUMNS + (STATUS, SECRETS, UPDATED)
_CF_COLUMNS, _CF_SPELLING = coded(PENALTY_COLUMNS, CURRENT_PENALTY_CODES)
_XK_COLUMNS, _XK_SPELLING = coded(LICENCE_COLUMNS, CURRENT_LICENCE_CODES, lower=True)
_CF_2016_COLUMNS, _CF_2016_SPELLING = coded(PENALTY_2016_COLUMNS, PENALTY_2016_CODES, lower=True, platform=False)
_XK_2016_COLUMNS, _XK_2016_SPELLING = coded(LICENCE_2016_COLUMNS, LICENCE_2016_CODES, platform=False)
# 行政相对人代码_N without its bracketed name: read by the numbering of the layout the other headers fix.
BARE_NUMBERED = {USCC_CODE_2016: "行政相对人代码_1", "行政相对人代码_5(居民身份证号)": "行政相对人代码_5"}
_NOTES_BELOW_HEADER_AND_AFTER = (1, 2)

# The delivery: every file of the sample, what it holds and how it is spelled.
PLAN: tuple[SourceFile, ...] = (
    # Penalties: `rows` in total over these sheets.
    SourceFile("市场监管局/2025-行政处罚.csv", "csv", "market", (
        Sheet("penalty", _P1_COLUMNS, faults=PENALTY_FAULTS, cover_faults=True),)),
    SourceFile("市场监管局/浮梁分局/行政处罚公示表.xlsx", "xlsx", "fuliang_market", (
        Sheet("penalty", PENALTY_COLUMNS, FULLWIDTH_HYPHEN, name="行政处罚", title_rows=2,
              dates=("excel",), share=0.12, faults=PENALTY_FAULTS, notes=_NOTES_BELOW_HEADER_AND_AFTER),),
        notes_sheet=True),
    SourceFile("生态环境局/处罚公示_2024.csv", "csv", "ecology", (
        Sheet("penalty", PENALTY_COLUMNS + (SEVERITY, SECRETS),
              {**HALFWIDTH_AMOUNTS, "行政相对人名称": " 行政相对人名称 ", "处罚决定日期": "处罚决定日期 ",
               "行政处罚决定书文号": " 行政处罚决定书文号"},
              dates=("slash", "slash", "slash", "iso"), share=0.08, faults=PENALTY_FAULTS),),
        encoding="utf-8-sig"),
    SourceFile("交通运输局/xzcf_export.csv", "csv", "transport", (
        Sheet("penalty_2016", PENALTY_2016_COLUMNS + (SCOPE, SECRETS), dates=("slash",), share=0.10,
              faults=PENALTY_2016_FAULTS, cover_faults=True),), encoding="gb18030"),
    SourceFile("税务局/导出数据.csv", "csv", "tax", (
        Sheet("penalty", PENALTY_COLUMNS, {USCC_CODE: "统一社会信用代码", "行政相对人名称": "主体名称"},
              dates=("compact",), share=0.08, faults=PENALTY_FAULTS,
              blanks=("/",), date_blanks={"公示截止期": "1900-1-1", "处罚有效期": "无处罚期限"}),), encoding="gbk"),
    SourceFile("应急管理局/cf_data.jsonl", "jsonl", "emergency", (
        Sheet("penalty", (SECOND_NAME,) + PENALTY_COLUMNS + (STATUS, UPDATED), FULLWIDTH, dates=("cn",),
              share=0.08, faults=PENALTY_FAULTS),)),
    SourceFile("住建局/双公示数据.xlsx", "xlsx", "housing", (
        Sheet("penalty", PENALTY_COLUMNS, HYPHEN, name="行政处罚", dates=("excel",), share=0.08,
              faults=PENALTY_FAULTS),
        Sheet("licence", LICENCE_COLUMNS + (SCOPE,), HYPHEN, name="行政许可", dates=("serial",), share=0.12,
              faults=LICENCE_FAULTS, licence_status="text", scope_style="words"))),
    SourceFile("住建局/平台导出/CF_XZCF.csv", "csv", "housing", (
        Sheet("penalty", _CF_COLUMNS, _CF_SPELLING, share=0.04, faults=PENALTY_FAULTS),)),
    SourceFile("生态环境局/xzcf_2016_export.csv", "csv", "ecology", (
        Sheet("penalty_2016", _CF_2016_COLUMNS, _CF_2016_SPELLING, dates=("iso",), share=0.03,
              faults=PENALTY_2016_FAULTS, codes_2016="words", blanks=("无", "暂无")),)),
    SourceFile("公安局/治安管理处罚.csv", "csv", "police", (
        Sheet("penalty_2016", PENALTY_2016_COLUMNS + (SCOPE,), dates=("iso", "slash"), share=0.04,
              faults=PENALTY_2016_FAULTS, codes_2016="mixed", scope_style="words"),), encoding="utf-8-sig"),
    SourceFile("应急管理局/行政处罚台账.xls", "xls", "emergency", (
        Sheet("penalty", PENALTY_COLUMNS, name="行政处罚", title_rows=1, dates=("excel",), share=0.04,
              faults=PENALTY_FAULTS, blanks=("-", "——"),
              date_blanks={"公示截止期": "1900-01-01 0:00:00", "处罚有效期": "长期"}),)),
    SourceFile("市场监管局/平台接口/xzcf_page1.json", "json", "market", (
        Sheet("penalty", PENALTY_COLUMNS, share=0.04, faults=PENALTY_FAULTS),), wrapper="rows"),
    SourceFile("市场监管局/行政处罚更正补报.csv", "csv", "market", (
        Sheet("penalty", _P1_COLUMNS, role="resubmission"),)),
    # Licences: about `rows` in total.
    SourceFile("市场监管局/许可信息2025.csv", "csv", "market", (
        Sheet("licence", LICENCE_COLUMNS + (SECRETS,), faults=LICENCE_FAULTS, cover_faults=True),)),
    SourceFile("交通运输局/xzxk_export.csv", "csv", "transport", (
        Sheet("licence_2016", LICENCE_2016_COLUMNS + ("行政许可编码", SCOPE), BARE_NUMBERED, share=0.12,
              faults=("uscc_check", "date_unparseable", "missing_required")),), encoding="gb18030"),
    SourceFile("市场监管局/浮梁分局/XZXK_2016.csv", "csv", "fuliang_market", (
        Sheet("licence_2016", _XK_2016_COLUMNS, _XK_2016_SPELLING, share=0.05, codes_2016="words",
              faults=("uscc_check", "date_unparseable", "missing_required"), date_blanks={"许可截止期": "长期"}),),
        encoding="gb18030"),
    SourceFile("生态环境局/排污许可.jsonl", "jsonl", "ecology", (
        Sheet("licence", LICENCE_COLUMNS, {"行政相对人名称": "企业名称"}, share=0.08,
              faults=LICENCE_FAULTS),)),
    SourceFile("应急管理局/安全生产许可.xlsx", "xlsx", "emergency", (
        Sheet("licence", LICENCE_COLUMNS, {**FULLWIDTH_HYPHEN, "许可编号": " 许可编号 "},
              name="Sheet1", title_rows=1, dates=("cn",), share=0.12, faults=LICENCE_FAULTS),)),
    SourceFile("应急管理局/xk_export.csv", "csv", "emergency", (
        Sheet("licence", _XK_COLUMNS, _XK_SPELLING, share=0.05, faults=LICENCE_FAULTS,
              blanks=("null",)),)),
    SourceFile("市场监管局/平台接口/xzxk_list.json", "json", "market", (
        Sheet("licence", LICENCE_COLUMNS, share=0.05, faults=LICENCE_FAULTS),)),
    SourceFile("生态环境局/平台接口/排污许可_分页.json", "json", "ecology", (
        Sheet("licence", LICENCE_COLUMNS, share=0.04, faults=("uscc_check", "date_future")),), wrapper="list"),
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
    SourceFile("市场监管局/严重违法失信名单.csv", "csv", "market", (
        Sheet("black_list_market", BLACK_LIST_MARKET_COLUMNS, dates=("iso",),
              faults=("uscc_check", "date_future")),), encoding="gb18030"),
    SourceFile("信用办/名单/守信激励对象.xlsx", "xlsx", "credit", (
        Sheet("red_list", RED_LIST_COLUMNS, {"统一社会信用代码": " 统一社会信用代码 "}, name="守信激励",
              dates=("excel",), faults=("uscc_length",)),)),
    SourceFile("信用办/平台接口/守信激励对象_接口返回.json", "json", "credit", (
        Sheet("red_list", RED_LIST_COLUMNS, share=0.3, faults=("uscc_length",)),), wrapper="data"),
    SourceFile("信用办/信用承诺.jsonl", "jsonl", "credit", (
        Sheet("commitment", COMMITMENT_COLUMNS, faults=("missing_required", "date_unparseable")),)),
    SourceFile("信用办/信用承诺/信用承诺信息（国家模板）.xlsx", "xlsx", "credit", (
        Sheet("commitment_national", COMMITMENT_NATIONAL_COLUMNS, name="信用承诺", title_rows=1,
              dates=("iso",), share=0.4, faults=("date_unparseable",), notes=(0, 3)),)),
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
    # The register: every market subject registered in the city, most with no record at all.
    SourceFile("市场监管局/市场主体登记信息.csv", "csv", "market", (
        Sheet("registry", REGISTRY_COLUMNS, dates=("iso", "slash"), faults=("uscc_check", "uscc_length")),),
        encoding="utf-8-sig"),
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
               "列入日期", "授予日期", "承诺日期", "评价日期", "欠缴起始日期", "统计日期", "承诺作出日期",
               "承诺履行状态认定日期")
