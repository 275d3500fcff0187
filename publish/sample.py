"""Synthetic raw files as departments deliver them: `python -m publish sample`.

`generate_sample(out_dir, rows, seed, as_of)` writes one realistic delivery of every dataset the
build reads (DOMAIN.md), in every container and encoding the contract names, with the personal
data, header spellings, duplicates and faults real files carry. `write_penalty_csv(...)` writes
one large current-layout penalty CSV quickly, for the benchmark.

Deterministic: the same seed and as-of day give byte-identical files. Every random choice comes
from a `random.Random` seeded with a string (hashed with SHA-512, so no PYTHONHASHSEED effect),
nothing iterates a set, and XLSX files get fixed timestamps (see `_save_xlsx`).
"""
from __future__ import annotations

import ast
import csv
import functools
import io
import json
import random
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from publish import sample_names as N
from publish.errors import PublishError
from redaction.checkdigits import (
    USCC_ALPHABET,
    id18_check_char,
    is_valid_id15,
    is_valid_id18,
    luhn_valid,
    uscc_check_char,
)

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
    spelling: dict = field(default_factory=dict)   # canonical → as written in this file
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
    department: str            # key of sample_names.DEPARTMENTS
    sheets: tuple[Sheet, ...]
    encoding: str = "utf-8"    # csv: utf-8, utf-8-sig, gb18030, gbk
    notes_sheet: bool = False  # XLSX: add a 填报说明 sheet (instructions, not a dataset)


PENALTY_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                  "missing_required", "bad_enum", "id_in_keep_field")
PENALTY_2016_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                       "missing_required", "id_in_keep_field")
LICENCE_FAULTS = ("uscc_check", "uscc_length", "date_unparseable", "date_future",
                  "validity_reversed", "missing_required", "bad_enum", "id_in_keep_field")
FAULT_KINDS = LICENCE_FAULTS
FAULT_SHARE = 0.03

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


def _header_spellings() -> dict[str, dict[str, list[str]]]:
    spellings: dict[str, dict[str, list[str]]] = {}
    for source in PLAN:
        for sheet in source.sheets:
            per_column = spellings.setdefault(sheet.dataset, {})
            for column, written in zip(sheet.columns, sheet.header()):
                if written not in per_column.setdefault(column, []):
                    per_column[column].append(written)
    return spellings


# dataset → canonical header → every spelling the sample writes (surrounding spaces included).
HEADER_SPELLINGS: dict[str, dict[str, list[str]]] = _header_spellings()

# Which field a fault kind damages, per dataset.
ROLES = {
    "penalty": dict(name="行政相对人名称", uscc=USCC_CODE, number="行政处罚决定书文号",
                    date="处罚决定日期", enum=("行政相对人类别", "外星人"), keep="行政处罚决定书文号"),
    "penalty_2016": dict(name="行政相对人名称", uscc=USCC_CODE_2016, number="行政处罚决定书文号",
                         date="处罚决定日期", keep="行政处罚决定书文号"),
    "licence": dict(name="行政相对人名称", uscc=USCC_CODE, number="行政许可决定文书号",
                    date="许可决定日期", enum=("许可类别", "随便"), keep="许可编号",
                    valid=("有效期自", "有效期至")),
    "licence_2016": dict(name="行政相对人名称", uscc=USCC_CODE_2016, number="行政许可决定书文号",
                         date="许可决定日期"),
    "repair": dict(name="行政相对人名称", uscc="统一社会信用代码", number="行政处罚决定书文号",
                   date="修复决定日期"),
    "objection": dict(name="行政相对人名称", uscc="统一社会信用代码", number="行政处罚决定书文号",
                      date="异议提出日期", enum=("异议状态", "不予理睬")),
    "black_list": dict(name="行政相对人名称", uscc="统一社会信用代码", date="列入日期"),
    "red_list": dict(name="行政相对人名称", uscc="统一社会信用代码", date="授予日期"),
    "commitment": dict(name="行政相对人名称", uscc="统一社会信用代码", date="承诺日期"),
    "evaluation": dict(name="行政相对人名称", uscc="统一社会信用代码", date="评价日期",
                       enum=("评价结果", "极好")),
    "tax_grade": dict(name="纳税人名称", uscc="纳税人识别号", enum=("信用等级", "E")),
    "arrears": dict(name="行政相对人名称", uscc="统一社会信用代码", date="统计日期",
                    enum=("欠缴类型", "话费")),
}
# Dates that record an event: never after as_of in a valid row (validity ends may be).
EVENT_DATES = ("处罚决定日期", "许可决定日期", "有效期自", "修复决定日期", "异议提出日期", "处理日期",
               "列入日期", "授予日期", "承诺日期", "评价日期", "欠缴起始日期", "统计日期")
UNPARSEABLE_DATES = ("2024-13-45", "2023年2月30日", "二〇二三年五月", "去年三月", "20231340", "待定")

# Severity classes of NDRC order No. 36 and how long each may be published at most.
MAX_PUBLICITY_MONTHS = {"轻微": 3, "一般": 12, "严重": 36}
MIN_PUBLICITY_MONTHS = {"轻微": 0, "一般": 3, "严重": 12}

# Outcome profiles of a penalty decision, with weights.
OUTCOMES = (
    (6, "simple"), (7, "warning"), (3, "criticism"), (18, "fine_small"), (20, "fine"),
    (4, "fine_huge"), (10, "fine_confiscate"), (3, "confiscate"), (4, "suspend"),
    (2, "downgrade"), (4, "revoke"), (4, "stop"), (2, "close"), (2, "ban"), (3, "warning_fine"),
)
PERSON_OUTCOMES = ("simple", "warning", "fine_small", "warning_fine", "confiscate", "ban")
MIN_ROWS = 30
CHINA = timezone(timedelta(hours=8))  # Asia/Shanghai has had no DST since 1991


# --- Small formatting helpers ----------------------------------------------------------------
_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _capital_section(n: int) -> str:
    out, zero = "", False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = n // 10 ** power % 10
        if digit == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + _CAPITAL_DIGITS[digit] + unit
            zero = False
    return out


def capital_yuan(n: int) -> str:
    """An amount in 大写 as written in decisions: 3500 → 叁仟伍佰, 20500 → 贰万零伍佰."""
    if n == 0:
        return "零"
    high, low = divmod(n, 10000)
    out = _capital_section(high) + "万" if high else ""
    if low:
        out += ("零" if high and low < 1000 else "") + _capital_section(low)
    return out


def _decimal_text(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _wan(yuan: int | Decimal) -> Decimal:
    return (Decimal(yuan) / 10000).quantize(Decimal("0.000001")).normalize()


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def format_date(d: date, style: str) -> str:
    """A date as departments write it: iso 2024-03-05, slash 2024/3/5, cn 2024年3月5日, compact 20240305."""
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "cn":
        return _cn_date(d)
    if style == "compact":
        return d.strftime("%Y%m%d")
    return d.isoformat()


def excel_serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


def _months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    day = min(d.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                      31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return date(year, month, day)


# --- Numbers with valid check characters -----------------------------------------------------
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body8: str) -> str:
    """GB 11714-1997 check character of an organisation code."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def reg_no_check(body14: str) -> str:
    """ISO 7064 MOD 11,10 check digit of a 15-digit 工商注册号."""
    p = 10
    for c in body14:
        s = (p + int(c)) % 10 or 10
        p = s * 2 % 11
    return str((11 - p) % 10)


def make_id18(rng: random.Random, division: str, birth: date, male: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{division}{birth:%Y%m%d}{seq:03d}"
    return body + id18_check_char(body)


def make_id15(rng: random.Random, division: str, birth: date, male: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    return f"{division}{birth:%y%m%d}{seq:03d}"


def make_bank_card(rng: random.Random) -> str:
    prefix = rng.choice(("622202", "621700", "622848", "621661", "622588", "623058"))
    length = rng.choice((16, 19, 19, 17))
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def format_id(number: str, style: str) -> str:
    if style == "spaced" and len(number) == 18:
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    if style == "grouped" and len(number) == 18:
        return " ".join(number[i:i + 4] for i in range(0, 18, 4))
    return number


def format_phone(number: str, style: str) -> str:
    if style == "dash":
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == "intl":
        return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
    if style == "space":
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style == "fullwidth":
        return number.translate(_FULLWIDTH_DIGITS)
    return number


PHONE_STYLES = ("plain", "plain", "dash", "intl", "space", "fullwidth")
ID_STYLES = ("plain", "plain", "plain", "spaced", "grouped")


# --- The world: departments, people and market subjects --------------------------------------
@dataclass(frozen=True)
class Department:
    key: str
    folder: str
    name: str
    uscc: str
    penalty_prefix: str | None
    licence_prefix: str | None


@dataclass(frozen=True)
class Person:
    name: str
    pinyin: str
    male: bool
    birth: date
    id_number: str  # 18 digits, or 15 for a legacy number
    phone: str
    address: str
    email: str
    bank_card: str


@dataclass(frozen=True)
class Subject:
    """A market subject, or a natural person standing as one."""

    kind: str            # company coop shop institution social person
    name: str
    category: str        # 行政相对人类别: 法人及非法人组织 / 个体工商户 / 自然人
    uscc: str = ""
    reg_no: str = ""     # 工商注册号 (when the file carries it)
    org_code: str = ""   # 组织机构代码, written 12345678-9
    tax_no: str = ""     # 税务登记号: a 个体工商户's is often the operator's ID number
    inst_cert: str = ""  # 事业单位证书号
    social_cert: str = ""  # 社会组织登记证号
    rep: Person | None = None     # 法定代表人 / 经营者
    person: Person | None = None  # the natural person, for kind == "person"
    division: str = "360200"
    address: str = ""    # where it operates
    trade: str = ""
    departments: tuple[str, ...] = ()


def _substrings(texts: list[str], longest: int = 4) -> dict[str, None]:
    """Every substring of 2..longest characters (person names are 2–4 characters long)."""
    out: dict[str, None] = {}
    for text in texts:
        for i in range(len(text)):
            for j in range(i + 2, min(len(text), i + longest) + 1):
                out[text[i:j]] = None
    return out


def _all_text(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [t for k, v in obj.items() for t in _all_text(k) + _all_text(v)]
    if isinstance(obj, (tuple, list)):
        return [t for v in obj for t in _all_text(v)]
    return []


class World:
    """Everything one sample shares: departments, people, subjects, the as-of day."""

    def __init__(self, seed: int, as_of: date, n_subjects: int):
        self.seed, self.as_of = seed, as_of
        self.rng = random.Random(f"{seed}/world")
        self.departments = self._departments()
        self._names: dict[str, None] = {}
        self._subject_parts: dict[str, None] = {}  # substrings of subject names
        self._id_numbers: dict[str, None] = {}
        self._usccs: dict[str, None] = {}
        self._subject_names: dict[str, None] = {}
        self._missing_cycle = 0
        # Person names must not occur in any fixed text, or masking them would damage it.
        self._fixed_parts = _substrings(_all_text([vars(N)[k] for k in dir(N) if k.isupper()])
                                        + list(_literal_text()))
        self.subjects = [self._new_subject() for _ in range(n_subjects)]
        self.organisations = [s for s in self.subjects if s.kind != "person"]
        self.natural_persons = [s for s in self.subjects if s.kind == "person"]
        self.by_department: dict[str, list[Subject]] = {}
        for s in self.organisations:
            for key in s.departments:
                self.by_department.setdefault(key, []).append(s)
        self.bystanders = [self.new_person() for _ in range(max(30, n_subjects // 3))]
        self.shareholders = [self.new_person(compound=True) for _ in range(max(8, n_subjects // 40))]
        name, pinyin = N.RARE_PERSON
        self.rare_person = self.new_person(fixed=(name, pinyin))

    # departments never change with the seed: a department's code is a fact
    @staticmethod
    def _departments() -> dict[str, Department]:
        rng = random.Random("departments")
        out = {}
        for key, (folder, name, head, penalty_prefix, licence_prefix) in N.DEPARTMENTS.items():
            out[key] = Department(key, folder, name, _uscc(rng, head, "360200"),
                                  penalty_prefix, licence_prefix)
        return out

    # -- people
    def _name_ok(self, name: str) -> bool:
        # Unique, and in no fixed text or subject name: masking it must not damage those.
        return not (name in self._names or name in self._fixed_parts or name in self._subject_parts)

    def _take_name(self, name: str) -> None:
        self._names[name] = None

    def new_person(self, compound: bool | None = None, legacy_id: bool = False,
                   fixed: tuple[str, str] | None = None) -> Person:
        """A person with a unique name and ID number; compound surnames now and then."""
        rng = self.rng
        if compound is None:
            compound = rng.random() < 0.05
        if fixed:
            name, pinyin = fixed
            self._take_name(name)
        else:
            surnames = N.COMPOUND_SURNAMES if compound else N.SURNAMES
            while True:
                surname = rng.choice(list(surnames))
                given = [rng.choice(list(N.GIVEN_NAME_CHARS)) for _ in range(rng.choice((1, 2, 2)))]
                name = surname + "".join(given)
                if self._name_ok(name):
                    break
            self._take_name(name)
            pinyin = surnames[surname] + "".join(N.GIVEN_NAME_CHARS[g] for g in given)
        male = rng.random() < 0.55
        while True:
            division = rng.choice(N.ID_DIVISIONS)
            if legacy_id:
                birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 43))
                number = make_id15(rng, division, birth, male)
            else:
                birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 54))
                number = make_id18(rng, division, birth, male)
            if number not in self._id_numbers:
                break
        self._id_numbers[number] = None
        phone = rng.choice(("138", "139", "135", "137", "150", "152", "158", "159", "177",
                            "180", "186", "189", "191", "199")) + f"{rng.randrange(10 ** 8):08d}"
        email = rng.choice((
            f"{pinyin}{birth.year}@163.com", f"{pinyin}{rng.randrange(10, 99)}@126.com",
            f"{pinyin}@sina.com", f"{rng.randrange(10 ** 5, 10 ** 9)}@qq.com",
        ))
        return Person(name, pinyin, male, birth, number, phone, self.address(), email,
                      make_bank_card(rng))

    def fresh_id18(self) -> str:
        """A valid ID number nobody in the sample holds (for the id_in_keep_field fault)."""
        while True:
            birth = date(1960, 1, 1) + timedelta(days=self.rng.randrange(365 * 40))
            number = make_id18(self.rng, self.rng.choice(N.ID_DIVISIONS), birth, True)
            if number not in self._id_numbers:
                self._id_numbers[number] = None
                return number

    def address(self, division: str = "") -> str:
        """A street address; near the registration area when a division code is given."""
        rng = self.rng
        areas = [a for a in N.ADDRESS_AREAS if a[2] == division[:4]] or N.ADDRESS_AREAS
        prefix, streets, _ = rng.choice(areas)
        if rng.random() < 0.15:
            return f"{prefix}{rng.choice(N.VILLAGES)}{rng.randint(1, 9)}组{rng.randint(1, 80)}号"
        return (f"{prefix}{rng.choice(streets)}{rng.randint(1, 399)}号{rng.randint(1, 20)}栋"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室")

    # -- codes
    def new_uscc(self, head: str, division: str) -> str:
        while True:
            code = _uscc(self.rng, head, division)
            if code not in self._usccs:
                self._usccs[code] = None
                return code

    def _reg_no(self, division: str) -> str:
        while True:
            body = division + "0" + f"{self.rng.randrange(10 ** 7):07d}"
            number = body + reg_no_check(body)
            if not is_valid_id15(number):  # a registration number must not read as an ID
                return number

    # -- subjects
    def _take_subject_name(self, name: str, operator: str = "") -> bool:
        """Reserve a subject name unless taken or holding someone's name (but its operator's)."""
        if name in self._subject_names:
            return False
        if any(part in self._names for part in _substrings(name.split(operator) if operator else [name])):
            return False
        self._subject_names[name] = None
        self._subject_parts.update(_substrings([name]))
        return True

    def _new_subject(self) -> Subject:
        rng = self.rng
        roll = rng.random()
        division, prefix = _weighted_area(rng)
        if roll < 0.58:
            industry, suffixes, second, departments = rng.choice(N.INDUSTRIES)
            for attempt in range(10 ** 6):
                # the well-known trade names first; two-character coinages once they are used up
                trade = (rng.choice(N.TRADE_NAMES) if attempt < 5
                         else rng.choice(N.TRADE_SYLLABLES) + rng.choice(N.TRADE_SYLLABLES))
                name = f"{prefix}{trade}{industry}{rng.choice(suffixes)}"
                if self._take_subject_name(name):
                    break
                division, prefix = _weighted_area(rng)
            return self._organisation("coop" if second == "3" else "company", name, "9" + second,
                                      division, trade, departments)
        if roll < 0.80:
            return self._shop(division)
        if roll < 0.84:
            return self._institution()
        return self._natural_person()

    def _organisation(self, kind: str, name: str, head: str, division: str, trade: str,
                      departments: tuple[str, ...]) -> Subject:
        rng = self.rng
        uscc = self.new_uscc(head, division)
        org = uscc[8:17]
        tax_no = division + org
        return Subject(
            kind, name, "法人及非法人组织", uscc,
            reg_no=self._reg_no(division) if rng.random() < 0.5 else "",
            org_code=f"{org[:8]}-{org[8]}" if rng.random() < 0.4 else "",
            tax_no=tax_no if rng.random() < 0.3 and not is_valid_id15(tax_no) else "",
            rep=self.new_person(), division=division, address=self.address(division), trade=trade,
            departments=tuple(dict.fromkeys(departments + ("tax",))))

    def _shop(self, division: str) -> Subject:
        rng = self.rng
        operator = self.new_person(legacy_id=rng.random() < 0.1)
        kind, departments = rng.choice(N.SHOP_KINDS)
        name = operator.name  # some are registered under the operator's name alone
        if rng.random() >= 0.2:
            while True:
                area = rng.choice(("", "", "珠山区", "昌江区", "浮梁县", "乐平市"))
                name = f"{area}{operator.name}{kind}"
                if self._take_subject_name(name, operator.name):
                    break
                kind, departments = rng.choice(N.SHOP_KINDS)
        else:
            self._take_subject_name(name, operator.name)
        uscc = self.new_uscc("92", division)
        roll = rng.random()
        # A 个体工商户's 税务登记号 was often the operator's ID number, sometimes plus 2 digits.
        tax_no = (operator.id_number if roll < 0.35 else operator.id_number + "01" if roll < 0.5
                  else "")
        return Subject("shop", name, "个体工商户", uscc,
                       reg_no=self._reg_no(division) if rng.random() < 0.6 else "",
                       tax_no=tax_no, rep=operator, division=division, address=self.address(division),
                       trade=kind, departments=departments)

    def _institution(self) -> Subject:
        rng = self.rng
        name, head = rng.choice(N.INSTITUTIONS)
        if not self._take_subject_name(name):
            return self._shop("360200")
        uscc = self.new_uscc(head, "360200")
        n = rng.randrange(1, 10 ** 5)
        kind = {"1": "institution", "5": "social"}.get(head[0], "other")
        return Subject(kind, name, "法人及非法人组织", uscc,
                       inst_cert=f"事证第1360200{n:05d}号" if head[0] == "1" else "",
                       social_cert=f"景民证字第{n % 10000:04d}号" if head[0] == "5" else "",
                       rep=self.new_person(), address=self.address("3602"), trade=name[4:6],
                       departments=("market", "ecology"))

    def _natural_person(self) -> Subject:
        person = self.new_person(legacy_id=self.rng.random() < 0.15)
        return Subject("person", person.name, "自然人", person=person, address=person.address,
                       departments=("transport", "market", "ecology", "tax"))

    # -- picking
    def subject_for(self, rng: random.Random, department: str, person_share: float) -> Subject:
        """A subject a department of this kind would meet; sometimes anyone."""
        if rng.random() < person_share and self.natural_persons:
            return rng.choice(self.natural_persons)
        pool = self.by_department.get(department.removeprefix("fuliang_")) if rng.random() < 0.8 else None
        return rng.choice(pool or self.organisations)

    def missing_field(self, fields: list[str]) -> str:
        """Rotate over the required fields a missing_required fault blanks."""
        self._missing_cycle += 1
        return fields[self._missing_cycle % len(fields)]


def _uscc(rng: random.Random, head: str, division: str) -> str:
    """A USCC (GB 32100-2015) whose positions 9–17 are a valid organisation code (GB 11714)."""
    while True:
        if rng.random() < 0.4:  # codes issued after 2015 start MA…
            body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
        else:
            body = f"{rng.randrange(10 ** 8):08d}"
        first17 = head + division + body + org_code_check(body)
        code = first17 + uscc_check_char(first17)
        # ~1 in 31 valid ID numbers passes the USCC check, and the other way round: a USCC that
        # reads as an ID would be masked outside a USCC field, so a sample never issues one.
        if not is_valid_id18(code):
            return code


def _weighted_area(rng: random.Random) -> tuple[str, str]:
    division, prefix, _ = rng.choices(N.REGISTRATION_AREAS, [w for *_, w in N.REGISTRATION_AREAS])[0]
    return division, prefix


# --- Free text ---------------------------------------------------------------------------------
@functools.cache
def _literal_text() -> tuple[str, ...]:
    """Every string literal of this module (the fixed words of its sentences and headers)."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    return tuple(node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str))


def _person_details(rng: random.Random, person: Person) -> str:
    parts = []
    if rng.random() < 0.7:
        parts.append(f"身份证号码：{format_id(person.id_number, rng.choice(ID_STYLES))}")
    if rng.random() < 0.6:
        parts.append(f"联系电话{format_phone(person.phone, rng.choice(PHONE_STYLES))}")
    if rng.random() < 0.25:
        parts.append(f"{rng.choice(('住址：', '家住'))}{person.address}")
    return "，".join(parts)


def _secret_terms(rng: random.Random, subject: Subject) -> list[str]:
    trade = subject.trade if subject.kind in ("company", "coop") else rng.choice(N.TRADE_NAMES)
    templates = rng.sample(N.SECRET_TEMPLATES, rng.choice((1, 1, 2)))
    return [t.format(trade=trade, n=rng.randint(2, 60), temp=rng.randint(1180, 1380),
                     price=rng.randrange(800, 9000)) for t in templates]


def facts_text(world: World, rng: random.Random, department: str, subject: Subject,
               violation: tuple[str, str, str], inspected: date | None,
               with_secrets: bool) -> tuple[str, list[str]]:
    """违法事实: what the inspectors found, with the personal details departments leave in."""
    _, found, basis = violation
    found = found.format(n=rng.randint(2, 60))
    lead = f"{_cn_date(inspected)}，" if inspected else ""
    site = rng.choice(N.SITES[department])
    sentences = []
    if subject.kind == "person":
        p = subject.person
        sentences.append(
            f"当事人{p.name}，{'男' if p.male else '女'}，{p.birth.year}年{p.birth.month}月出生，"
            f"身份证号码{format_id(p.id_number, rng.choice(ID_STYLES))}，"
            f"{rng.choice(('住址：', '家住'))}{p.address}，联系电话{format_phone(p.phone, rng.choice(PHONE_STYLES))}。")
        sentences.append(f"{lead}本机关执法人员检查发现{found}。")
    else:
        code = f"（统一社会信用代码：{subject.uscc}）" if rng.random() < 0.3 else ""
        sentences.append(f"{lead}本机关执法人员依法对当事人{subject.name}{code}位于"
                         f"{subject.address.split('号')[0]}号的{site}进行现场检查，发现{found}。")
        sentences.extend(_third_parties(world, rng, department, subject))
    secrets: list[str] = []
    if with_secrets:
        secrets = _secret_terms(rng, subject)
        sentences.append(rng.choice(N.SECRET_SENTENCES).format(secrets="、".join(secrets)))
    if rng.random() < 0.4:
        sentences.append(f"经查，当事人违法所得共计人民币{rng.randint(300, 90000)}元。")
    if rng.random() < 0.6:
        sentences.append(f"当事人的上述行为违反了{basis[:basis.index('》') + 1]}的有关规定。")
    sentences.append(rng.choice(N.CLOSINGS))
    return "".join(sentences), secrets


def _third_parties(world: World, rng: random.Random, department: str, subject: Subject) -> list[str]:
    """The people a department's text names besides the subject."""
    out = []
    rep = subject.rep
    if subject.kind == "shop" and rep and rng.random() < 0.8:
        details = _person_details(rng, rep)
        out.append(f"经营者{rep.name}" + (f"（{details}）" if details else "") + "在场。")
    elif rep and rng.random() < 0.4:
        out.append(f"当事人法定代表人{rep.name}对上述事实予以确认。")
    if subject.kind != "shop" and rng.random() < 0.45:
        q = rng.choice(world.bystanders)
        details = _person_details(rng, q)
        out.append(f"现场负责人：{q.name}" + (f"（{details}）" if details else "") + "。")
    if department == "transport" and rng.random() < 0.6:
        q = rng.choice(world.bystanders)
        out.append(f"驾驶员{q.name}（身份证号码{q.id_number}）驾驶车牌号为赣H{rng.randrange(10 ** 5):05d}"
                   f"的重型货车，联系电话{format_phone(q.phone, rng.choice(PHONE_STYLES))}。")
    if rng.random() < 0.12:
        q = rng.choice(world.shareholders)
        shown = q.name if rng.random() < 0.7 else q.name[:2] + "某某"
        out.append(f"当事人股东{shown}负责日常经营。")
    if rng.random() < 0.1:
        q = rng.choice(world.bystanders)
        card = q.bank_card
        if rng.random() < 0.4:
            card = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
        out.append(f"财务人员{q.name}通过其个人银行卡（卡号：{card}）收取货款{rng.randint(2, 90) * 100}元。")
    if rng.random() < 0.08:
        q = rep or rng.choice(world.bystanders)
        out.append(f"当事人通过联系邮箱{q.email}向客户发送报价单。")
    if rng.random() < 0.1:
        out.append(f"单位座机0798-{rng.choice('2345678')}{rng.randrange(10 ** 6):06d}。")
    return out


# --- Penalties ----------------------------------------------------------------------------------
@dataclass
class Penalty:
    department: Department
    subject: Subject
    number: str
    decided: date
    violation: str
    basis: str
    facts: str
    kinds: tuple[str, ...]
    content: str
    severity: str
    fine_yuan: int | None = None
    fine_column: Decimal | None = None      # 罚款金额（万元） as entered (sometimes in 元)
    confiscated: Decimal | None = None      # in 元
    licence_ref: str = ""
    validity: date | None = None
    publicity_end: date | None = None
    secrets: tuple[str, ...] = ()
    secret_sep: str = "；"
    remark: str = ""
    updated: datetime | None = None
    status: str = "正常"
    explicit_end_earlier: bool = False


def _fine_text(rng: random.Random, yuan: int) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"罚款{yuan}元"
    if style == 1 and yuan % 100 == 0:
        return f"罚款{capital_yuan(yuan)}元"
    if style == 2 and yuan % 100 == 0:
        return f"处罚款人民币{capital_yuan(yuan)}元整"
    if style == 3:
        return f"罚款人民币{yuan}元"
    return f"罚款人民币{_decimal_text(_wan(yuan))}万元"


def _licence_ref(rng: random.Random, world: World, department: str, subject: Subject) -> str:
    kinds = N.LICENCE_KINDS.get(department) or N.LICENCE_KINDS["market"]
    cert, *_ = rng.choice([k for k in kinds if k[5]] or kinds)
    return f"《{cert}》（编号：{licence_number(rng, world, department, cert, subject, 2023)}）"


def outcome(rng: random.Random, world: World, department: str, subject: Subject) -> dict:
    """处罚类别, 处罚内容 and the amounts of one decision, with its severity class."""
    outcomes = [o for o in OUTCOMES if subject.kind != "person" or o[1] in PERSON_OUTCOMES]
    profile = rng.choices([p for _, p in outcomes], [w for w, _ in outcomes])[0]
    if department == "housing" and profile == "suspend":
        profile = "downgrade"
    if profile == "downgrade" and department != "housing":
        profile = "fine"
    out = dict(kinds=(), content="", severity="一般", fine_yuan=None, confiscated=None,
               licence_ref="", remark="")
    if profile == "simple":
        if rng.random() < 0.5:
            out.update(kinds=("警告",), content="依照简易程序当场给予警告")
        else:
            yuan = rng.choice((50, 100, 200))
            out.update(kinds=("罚款",), content=f"适用简易程序，当场{_fine_text(rng, yuan)}", fine_yuan=yuan)
        out.update(severity="轻微", remark="简易程序")
    elif profile == "warning":
        out.update(kinds=("警告",), content="给予警告", severity="轻微")
    elif profile == "criticism":
        out.update(kinds=("通报批评",), content="予以通报批评", severity="轻微")
    elif profile in ("fine_small", "warning_fine"):
        yuan = rng.randrange(5, 100) * 100
        text = _fine_text(rng, yuan)
        if profile == "warning_fine":
            out.update(kinds=("警告", "罚款"), content=f"给予警告，并处{text.removeprefix('处')}")
        else:
            out.update(kinds=("罚款",), content=text)
        out.update(fine_yuan=yuan, severity="轻微")
    elif profile in ("fine", "fine_confiscate", "stop", "ban"):
        yuan = rng.choice((rng.randrange(1, 100) * 10000, rng.randrange(10, 990) * 1000))
        text = _fine_text(rng, yuan)
        out.update(kinds=("罚款",), content=text, fine_yuan=yuan)
        if profile == "fine_confiscate":
            gains = Decimal(rng.randrange(30000, 9000000)) / 100
            out.update(kinds=("罚款", "没收违法所得"), confiscated=gains,
                       content=f"没收违法所得人民币{gains}元，并处{text.removeprefix('处')}")
        elif profile == "stop":
            out.update(kinds=("责令停产停业", "罚款"), severity="严重",
                       content=f"责令停产停业整顿{rng.randint(1, 6)}个月，并处{text.removeprefix('处')}")
        elif profile == "ban":
            who = subject.person or subject.rep
            role = "当事人" if subject.kind == "person" else "其法定代表人"
            out.update(kinds=("罚款", "限制从业"), severity="严重",
                       content=f"{text}；对{role}{who.name}处以{rng.randint(3, 5)}年内不得从事相关"
                               f"生产经营管理活动的限制从业")
    elif profile == "fine_huge":
        yuan = rng.randrange(100, 500) * 10000
        out.update(kinds=("罚款",), content=f"罚款人民币{_decimal_text(_wan(yuan))}万元", fine_yuan=yuan,
                   severity="严重")
    elif profile == "confiscate":
        gains = Decimal(rng.randrange(5000, 3000000)) / 100
        out.update(kinds=("没收违法所得",), content=f"没收违法所得人民币{gains}元", confiscated=gains)
    elif profile == "suspend":
        ref = _licence_ref(rng, world, department, subject)
        out.update(kinds=("暂扣许可证件",), content=f"暂扣{ref}{rng.randint(1, 6)}个月", licence_ref=ref)
    elif profile == "downgrade":
        out.update(kinds=("降低资质等级",), content="降低建筑业企业资质等级，由施工总承包二级降为三级")
    elif profile == "revoke":
        ref = _licence_ref(rng, world, department, subject)
        out.update(kinds=("吊销许可证件",), content=f"吊销{ref}", licence_ref=ref, severity="严重")
    elif profile == "close":
        out.update(kinds=("责令关闭",), content="责令关闭", severity="严重")
    return out


class Numbering:
    """Decision and licence numbers: unique per prefix and year, as each authority counts."""

    def __init__(self):
        self._next: dict[tuple[str, int], int] = {}

    def take(self, prefix: str, year: int) -> int:
        n = self._next.get((prefix, year), 0) + 1
        self._next[(prefix, year)] = n
        return n

    def number_records(self, records: list) -> list:
        """Sort a file's decisions by date and number them as their authority would."""
        records.sort(key=lambda r: r.decided)
        for r in records:
            if isinstance(r, Penalty):
                prefix = r.department.penalty_prefix
                r.number = f"{prefix}〔{r.decided.year}〕{self.take(prefix, r.decided.year)}号"
            else:
                prefix = r.department.licence_prefix
                r.doc_number = f"{prefix}〔{r.decided.year}〕{self.take(prefix, r.decided.year)}号"
        return records


def decision_day(rng: random.Random, as_of: date) -> date:
    """A decision day within the last ~4 years: half in the last year (inside most publicity
    windows, so a fresh sample shows data), the rest older (many past their windows)."""
    if rng.random() < 0.5:
        return as_of - timedelta(days=rng.randrange(0, 366))
    return as_of - timedelta(days=rng.randrange(366, 4 * 365 + 1))


def _update_stamp(rng: random.Random, decided: date, as_of: date) -> datetime:
    day = min(decided + timedelta(days=rng.randint(1, 7)), as_of)
    return datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randrange(60), rng.randrange(60))


def make_penalty(world: World, rng: random.Random, department: str, subject: Subject,
                 secrets_share: float = 0.0) -> Penalty:
    """One penalty decision; its number is given later, in date order (`number_records`)."""
    dept = world.departments[department]
    as_of = world.as_of
    decided = decision_day(rng, as_of)
    violation = rng.choice(N.VIOLATIONS[department])
    inspected = decided - timedelta(days=rng.randint(10, 90))
    facts, secrets = facts_text(world, rng, department, subject, violation, inspected,
                                rng.random() < secrets_share)
    o = outcome(rng, world, department, subject)
    p = Penalty(dept, subject, "", decided, violation[0], violation[2], facts, o["kinds"],
                o["content"], o["severity"], o["fine_yuan"], None, o["confiscated"],
                o["licence_ref"], secrets=tuple(secrets), secret_sep=rng.choice(("；", ";")),
                remark=o["remark"], updated=_update_stamp(rng, decided, as_of))
    if p.fine_yuan:
        p.fine_column = _wan(p.fine_yuan)
        if p.fine_yuan > 10000 and rng.random() < 0.01:  # entered in 元 in a 万元 column
            p.fine_column = Decimal(p.fine_yuan)
    if secrets and rng.random() < 0.3:
        p.content += f"（{secrets[0]}不予公开）"
    if rng.random() < 0.1 and not p.remark:
        q = rng.choice(world.bystanders)
        p.remark = f"联系人：{q.name}，联系电话：{format_phone(q.phone, rng.choice(PHONE_STYLES))}"
    _publicity(rng, p)
    return p


def _publicity(rng: random.Random, p: Penalty) -> None:
    """公示截止期 and 处罚有效期 as departments fill them: blank, old rules' values, or earlier."""
    roll = rng.random()
    if roll < 0.15 and p.severity != "轻微":
        p.publicity_end = _months(p.decided, MAX_PUBLICITY_MONTHS[p.severity] // 2)
        p.explicit_end_earlier = True
    elif roll < 0.6:
        # the 2019 and 2023 rules allowed up to 3 years for ordinary decisions too
        p.publicity_end = _months(p.decided, rng.choice((12, 36)) if p.severity != "轻微" else 3)
    if "暂扣许可证件" in p.kinds or "责令停产停业" in p.kinds:
        p.validity = _months(p.decided, rng.randint(1, 6))
    elif rng.random() < 0.3:
        p.validity = date(2099, 12, 31)


def subject_fields(s: Subject) -> dict:
    """The 13 subject columns of the current 双公示 layouts."""
    rep, person = s.rep, s.person
    return {
        "行政相对人名称": s.name, "行政相对人类别": s.category, USCC_CODE: s.uscc,
        "行政相对人代码_2(工商注册号)": s.reg_no, "行政相对人代码_3(组织机构代码)": s.org_code,
        "行政相对人代码_4(税务登记号)": s.tax_no, "行政相对人代码_5(事业单位证书号)": s.inst_cert,
        "行政相对人代码_6(社会组织登记证号)": s.social_cert,
        "法定代表人": rep.name if rep else "", "法定代表人证件类型": "身份证" if rep else "",
        "法定代表人证件号码": rep.id_number if rep else "",
        "证件类型": "身份证" if person else "", "证件号码": person.id_number if person else "",
    }


def penalty_row(p: Penalty) -> dict:
    """A penalty in the current (2021) layout, every optional column included."""
    d = p.department
    row = subject_fields(p.subject)
    row.update({
        "行政处罚决定书文号": p.number, "违法行为类型": p.violation, "违法事实": p.facts,
        "处罚依据": p.basis, "处罚类别": "；".join(p.kinds), "处罚内容": p.content,
        FINE: p.fine_column, CONFISCATED: _wan(p.confiscated) if p.confiscated else None,
        "暂扣或吊销证照名称及编号": p.licence_ref, "处罚决定日期": p.decided, "处罚有效期": p.validity,
        "公示截止期": p.publicity_end, "处罚机关": d.name, "处罚机关统一社会信用代码": d.uscc,
        "数据来源单位": d.name, "数据来源单位统一社会信用代码": d.uscc, "备注": p.remark,
        STATUS: p.status, SEVERITY: p.severity, SECRETS: p.secret_sep.join(p.secrets), UPDATED: p.updated,
    })
    return row


def penalty_2016_row(p: Penalty) -> dict:
    """A penalty in the first national layout: the fine only in 处罚结果, no 行政相对人类别."""
    s = p.subject
    return {
        "行政处罚决定书文号": p.number, "处罚名称": p.violation, "处罚类别1": p.kinds[0],
        "处罚类别2": p.kinds[1] if len(p.kinds) > 1 else "", "处罚事由": p.facts, "处罚依据": p.basis,
        "行政相对人名称": s.name, USCC_CODE_2016: s.uscc,
        "行政相对人代码_2(组织机构代码)": s.org_code, "行政相对人代码_3(工商登记码)": s.reg_no,
        "行政相对人代码_4(税务登记号)": s.tax_no,
        "行政相对人代码_5(居民身份证号)": s.person.id_number if s.person else "",
        "法定代表人姓名": s.rep.name if s.rep else "", "处罚结果": p.content, "处罚决定日期": p.decided,
        "处罚机关": p.department.name, "当前状态": p.status, "地方编码": p.subject.division,
        "数据更新时间戳": p.updated, "备注": p.remark, SECRETS: p.secret_sep.join(p.secrets),
    }


# --- Licences -----------------------------------------------------------------------------------
@dataclass
class Licence:
    department: Department
    subject: Subject
    doc_name: str
    doc_number: str
    category: str
    cert_name: str
    number: str
    content: str
    decided: date
    valid_from: date
    valid_to: date | None
    valid: bool = True
    remark: str = ""
    secrets: tuple[str, ...] = ()
    updated: datetime | None = None


def licence_number(rng: random.Random, world: World, department: str, cert: str,
                   subject: Subject, year: int) -> str:
    """A licence number in the style of its certificate; none ever reads as an ID number."""
    kinds = N.LICENCE_KINDS.get(department, N.LICENCE_KINDS["market"])
    style = next((k[3] for k in kinds if k[0] == cert), "JY")
    n = rng.randrange(1, 10 ** 5)
    if style == "JY":
        return f"JY1{subject.division}{rng.randrange(10 ** 6):06d}{rng.randrange(10)}"
    if style == "YJ":
        return f"赣CB798{n % 10000:04d}"
    if style == "REG":
        return subject.uscc or f"赣景登字{n:05d}号"
    if style == "TS":
        return f"容15赣H{n:05d}({year % 100:02d})"
    if style == "PW":
        if subject.uscc and not subject.uscc.isdigit():
            return subject.uscc + "001P"
        return f"{subject.division}-{year}-{n:06d}-P"
    if style == "HP":
        return f"景环评字〔{year}〕{n % 300 + 1}号"
    if style in ("AQ", "WH", "YH"):
        return {"AQ": "（赣）JZ安许证字", "WH": "赣景危化经字", "YH": "（赣）YH经许"}[style] + f"〔{year}〕{n:06d}"
    if style == "SG":
        while True:  # 18 digits with a date inside: exactly what an ID number looks like
            number = f"{subject.division}{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randrange(10 ** 4):04d}"
            if not is_valid_id18(number):
                return number
    if style == "ZZ":
        return f"D336{n:05d}"
    if style == "YS":
        return f"景房预售证第{year}{n % 1000:03d}号"
    if style in ("YY", "YZ"):
        return f"赣交运管许可景字360200{n:06d}号"
    if style == "CZ":
        return f"赣景出租{n:05d}"
    return f"赣景小餐饮备字{year}{n % 10000:04d}"


def make_licence(world: World, rng: random.Random, department: str, subject: Subject,
                 secrets_share: float = 0.0) -> Licence:
    """One licence decision; its 文书号 is given later, in date order (`number_records`)."""
    dept = world.departments[department]
    cert, category, doc_name, _, content, years = rng.choice(N.LICENCE_KINDS[department])
    decided = decision_day(rng, world.as_of)
    content = content.format(n=rng.randint(1, 30), area=rng.randrange(2000, 60000),
                             trade=subject.trade or "景城", plate=f"{rng.randrange(10 ** 5):05d}")
    secrets: list[str] = []
    if rng.random() < secrets_share:
        secrets = _secret_terms(rng, subject)
        content += f"；生产工艺：{'、'.join(secrets)}"
    if rng.random() < 0.2:
        q = subject.rep or subject.person or rng.choice(world.bystanders)
        role = rng.choice(("负责人", "联系人", "经办人",
                           "食品安全管理员" if cert.startswith("食品") else "安全管理人员"))
        content += f"；{role}：{q.name}（{format_phone(q.phone, rng.choice(PHONE_STYLES))}）"
    valid_to = _months(decided, 12 * years) - timedelta(days=1) if years else None
    if valid_to is None and rng.random() < 0.3:
        valid_to = date(2099, 12, 31)
    lic = Licence(dept, subject, doc_name, "", category, cert,
                  licence_number(rng, world, department, cert, subject, decided.year), content,
                  decided, decided, valid_to, secrets=tuple(secrets),
                  updated=_update_stamp(rng, decided, world.as_of))
    if rng.random() < 0.08:
        lic.valid, lic.remark = False, rng.choice(("已注销", "依申请撤回", "被依法撤销"))
    elif rng.random() < 0.1:
        q = subject.rep or rng.choice(world.bystanders)
        lic.remark = f"经办人：{q.name}，电话{format_phone(q.phone, rng.choice(PHONE_STYLES))}"
    return lic


def licence_row(lic: Licence, status_style: str) -> dict:
    d = lic.department
    row = subject_fields(lic.subject)
    status = ("1" if lic.valid else "2") if status_style == "code" else ("有效" if lic.valid else "无效")
    row.update({
        "行政许可决定文书名称": lic.doc_name, "行政许可决定文书号": lic.doc_number, "许可类别": lic.category,
        "许可证书名称": lic.cert_name, "许可编号": lic.number, "许可内容": lic.content,
        "许可决定日期": lic.decided, "有效期自": lic.valid_from, "有效期至": lic.valid_to,
        "许可机关": d.name, "许可机关统一社会信用代码": d.uscc, "当前状态": status,
        "数据来源单位": d.name, "数据来源单位统一社会信用代码": d.uscc, "备注": lic.remark,
        SECRETS: "；".join(lic.secrets),
    })
    return row


def licence_2016_row(lic: Licence) -> dict:
    s = lic.subject
    return {
        "行政许可决定书文号": lic.doc_number, "项目名称": f"{lic.cert_name}核发", "审批类别": lic.category,
        "许可内容": lic.content, "行政相对人名称": s.name, USCC_CODE_2016: s.uscc,
        "行政相对人代码_2(组织机构代码)": s.org_code, "行政相对人代码_3(工商登记码)": s.reg_no,
        "行政相对人代码_4(税务登记号)": s.tax_no,
        "行政相对人代码_5(居民身份证号)": s.person.id_number if s.person else "",
        "法定代表人姓名": s.rep.name if s.rep else "", "许可决定日期": lic.decided,
        "许可截止期": lic.valid_to, "许可机关": lic.department.name,
        "当前状态": "有效" if lic.valid else "无效", "地方编码": s.division, "数据更新时间戳": lic.updated,
        "备注": lic.remark, "行政许可编码": f"360200-XK-{zlib.crc32(lic.cert_name.encode()) % 10000:04d}",
        "信息使用范围": "社会公开",
    }


# --- Repairs and objections ---------------------------------------------------------------------
_BRACKETS = {"square": ("[", "]"), "lenticular": ("【", "】"), "paren": ("（", "）")}


def respell_number(rng: random.Random, number: str) -> str:
    """The same decision number as another office types it (NFKC, brackets, spaces)."""
    style = rng.choice(("square", "lenticular", "paren", "spaces", "fullwidth"))
    if style in _BRACKETS:
        left, right = _BRACKETS[style]
        return number.replace("〔", left).replace("〕", right)
    if style == "spaces":
        return number.replace("〔", " 〔").replace("〕", "〕 ")
    return number.translate(_FULLWIDTH_DIGITS)


def _dangling_number(world: World, rng: random.Random) -> str:
    dept = world.departments[rng.choice(("market", "ecology", "tax"))]
    return f"{dept.penalty_prefix}〔{world.as_of.year - 9}〕{rng.randint(1, 999)}号"


def repair_row(world: World, rng: random.Random, p: Penalty | None, office: str) -> dict:
    as_of = world.as_of
    if p is None:  # points at no record of the build
        s = rng.choice(world.organisations)
        return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "行政处罚决定书文号": _dangling_number(world, rng),
                "处罚机关": "", "修复决定日期": as_of - timedelta(days=rng.randint(1, 200)),
                "修复机关": office, "修复方式": rng.choice(N.REPAIR_METHODS)}
    earliest = _months(p.decided, MIN_PUBLICITY_MONTHS[p.severity])
    repaired = earliest + timedelta(days=rng.randrange(max(1, (as_of - earliest).days + 1)))
    number = respell_number(rng, p.number) if rng.random() < 0.35 else p.number
    return {"行政相对人名称": p.subject.name, "统一社会信用代码": p.subject.uscc, "行政处罚决定书文号": number,
            "处罚机关": p.department.name if rng.random() < 0.8 else "", "修复决定日期": repaired,
            "修复机关": office, "修复方式": rng.choice(N.REPAIR_METHODS)}


def objection_row(world: World, rng: random.Random, p: Penalty | None, state: str) -> dict:
    as_of = world.as_of
    if p is None:
        s = rng.choice(world.organisations)
        raised = as_of - timedelta(days=rng.randint(10, 300))
        return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "行政处罚决定书文号": _dangling_number(world, rng),
                "异议提出日期": raised, "异议状态": state, "处理日期": None if state == "处理中" else raised + timedelta(days=7),
                "受理单位": world.departments["credit"].name}
    raised = min(p.decided + timedelta(days=rng.randint(5, 60)), as_of)
    handled = None if state == "处理中" else min(raised + timedelta(days=rng.randint(5, 30)), as_of)
    number = respell_number(rng, p.number) if rng.random() < 0.2 else p.number
    office = rng.choice((world.departments["credit"].name, p.department.name))
    return {"行政相对人名称": p.subject.name, "统一社会信用代码": p.subject.uscc, "行政处罚决定书文号": number,
            "异议提出日期": raised, "异议状态": state, "处理日期": handled, "受理单位": office}


# --- Lists, commitments, evaluations, tax grades, arrears ---------------------------------------
def _past_day(rng: random.Random, as_of: date, max_days: int, min_days: int = 0) -> date:
    return as_of - timedelta(days=rng.randint(min_days, max_days))


def black_list_row(world: World, rng: random.Random) -> dict:
    s = rng.choice(world.organisations)
    reason, basis, key = rng.choice(N.BLACK_LIST_REASONS)
    listed = _past_day(rng, world.as_of, 4 * 365)
    roll, listed_for = rng.random(), (world.as_of - listed).days
    if roll < 0.3 and listed_for > 91:  # removed already
        removed = listed + timedelta(days=rng.randint(90, min(900, listed_for - 1)))
    elif roll < 0.5:  # removal date set in advance
        removed = listed + timedelta(days=rng.randint(max(365, listed_for + 1), 3 * 365 + listed_for))
    else:
        removed = None
    return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "列入事由": reason, "列入依据": basis,
            "认定机关": world.departments[key].name, "列入日期": listed, "移出日期": removed}


def red_list_row(world: World, rng: random.Random) -> dict:
    s = rng.choice(world.organisations)
    honour, key = rng.choice(N.RED_LIST_HONOURS)
    granted = _past_day(rng, world.as_of, 4 * 365)
    return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "荣誉名称": honour,
            "授予机关": world.departments[key].name, "授予日期": granted,
            "有效期至": _months(granted, rng.choice((12, 24, 36))) - timedelta(days=1)}


def commitment_row(world: World, rng: random.Random) -> dict:
    s = rng.choice(world.organisations)
    kind, matter, key = rng.choice(N.COMMITMENT_KINDS)
    return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "承诺类型": kind, "承诺事项": matter,
            "承诺日期": _past_day(rng, world.as_of, 3 * 365), "承诺受理单位": world.departments[key].name,
            "履约状态": rng.choice(N.COMMITMENT_STATES)}


def evaluation_rows(world: World, rng: random.Random, s: Subject, count: int) -> list[dict]:
    """Several grades of one subject, one per half year: only the latest is public."""
    latest = _past_day(rng, world.as_of, 120, 1)
    return [{"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "评价结果": rng.choice(N.EVALUATION_GRADES),
             "评价日期": latest - timedelta(days=182 * k)} for k in range(count)]


def tax_grade_rows(world: World, rng: random.Random, s: Subject, count: int) -> list[dict]:
    return [{"纳税人名称": s.name, "纳税人识别号": s.uscc, "评价年度": str(world.as_of.year - 1 - k),
             "信用等级": rng.choice(N.TAX_GRADES)} for k in range(count)]


def arrears_row(world: World, rng: random.Random, kinds: tuple[tuple[str, str], ...]) -> dict:
    s = rng.choice(world.organisations)
    kind, creditor = rng.choice(kinds)
    since = _past_day(rng, world.as_of, 2 * 365, 60)
    return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "欠缴类型": kind,
            "欠缴金额（元）": Decimal(rng.randrange(10000, 5000000)) / 100, "欠缴起始日期": since,
            "统计日期": _past_day(rng, world.as_of, 30), "数据来源单位": world.departments[creditor].name}


# --- Faults -------------------------------------------------------------------------------------
def _fault_applies(row: dict, dataset: str, kind: str) -> bool:
    roles = ROLES[dataset]
    if kind in ("uscc_check", "uscc_length"):
        return len(row.get(roles["uscc"]) or "") == 18
    if kind == "validity_reversed":
        return "valid" in roles and isinstance(row.get(roles["valid"][0]), date)
    if kind == "bad_enum":
        return "enum" in roles
    if kind == "id_in_keep_field":
        return "keep" in roles
    if kind in ("date_unparseable", "date_future"):
        return "date" in roles
    return True


def choose_faults(rows: list[dict], sheet: Sheet, rng: random.Random) -> dict[int, str]:
    """Row index → fault kind: about 3 % of the rows, each kind of the sheet at least once if asked."""
    kinds = sheet.faults
    if not kinds or not rows:
        return {}
    k = round(FAULT_SHARE * len(rows))
    if sheet.cover_faults:
        k = max(k, len(kinds))
    k = min(k, len(rows) // 2)
    pending = [kinds[i % len(kinds)] for i in range(k)]
    order = list(range(len(rows)))
    rng.shuffle(order)
    chosen: dict[int, str] = {}
    for index in order:
        if not pending:
            break
        for j, kind in enumerate(pending):
            if _fault_applies(rows[index], sheet.dataset, kind):
                chosen[index] = pending.pop(j)
                break
    return chosen


def apply_fault(row: dict, dataset: str, kind: str, rng: random.Random, world: World) -> None:
    """Damage one row the way real files are damaged."""
    roles = ROLES[dataset]
    if kind == "uscc_check":
        code = row[roles["uscc"]]
        wrong = [c for c in USCC_ALPHABET if c != code[17]]
        row[roles["uscc"]] = code[:17] + rng.choice(wrong)
    elif kind == "uscc_length":
        code = row[roles["uscc"]]
        row[roles["uscc"]] = code[:17] if rng.random() < 0.5 else code + rng.choice("0123456789")
    elif kind == "date_unparseable":
        row[roles["date"]] = rng.choice(UNPARSEABLE_DATES)
    elif kind == "date_future":
        row[roles["date"]] = world.as_of + timedelta(days=rng.randint(3, 400))
    elif kind == "validity_reversed":
        start, end = roles["valid"]
        row[end] = row[start] - timedelta(days=rng.randint(30, 700))
    elif kind == "missing_required":
        row[world.missing_field([roles[r] for r in ("number", "name", "date") if r in roles])] = ""
    elif kind == "bad_enum":
        column, value = roles["enum"]
        row[column] = value
    elif kind == "id_in_keep_field":
        row[roles["keep"]] = world.fresh_id18()
    else:
        raise ValueError(kind)


# --- Writers -----------------------------------------------------------------------------------
def _cell_text(value, style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return format_date(value, "iso" if style in ("excel", "serial") else style)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    return str(value)


def _json_value(value, style: str):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return float(value)
    return _cell_text(value, style)


def _xlsx_value(value, style: str):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        if style == "excel":
            return value
        if style == "serial":
            return excel_serial(value)
        return format_date(value, style)
    if isinstance(value, Decimal):
        return float(value)
    return None if value == "" else value


def _row_styles(sheet: Sheet, count: int, rng: random.Random) -> list[str]:
    return [rng.choice(sheet.dates) for _ in range(count)]


def write_csv(path: Path, sheet: Sheet, rows: list[dict], encoding: str, rng: random.Random) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(sheet.header())
    for row, style in zip(rows, _row_styles(sheet, len(rows), rng)):
        writer.writerow([_cell_text(row.get(c), style) for c in sheet.columns])
    path.write_bytes(out.getvalue().encode(encoding))  # strict: a GBK file must really be GBK


def write_jsonl(path: Path, sheet: Sheet, rows: list[dict], rng: random.Random) -> None:
    header = sheet.header()
    lines = []
    for row, style in zip(rows, _row_styles(sheet, len(rows), rng)):
        obj = {h: _json_value(row.get(c), style) for h, c in zip(header, sheet.columns)}
        lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
    path.write_text("".join(lines), encoding="utf-8")


DATASET_TITLES = {
    "penalty": "行政处罚信息公示表", "licence": "行政许可信息公示表", "repair": "信用修复结果",
    "tax_grade": "纳税信用等级评价结果", "arrears": "欠费信息明细表", "red_list": "守信激励对象名单",
}
NOTES = (
    "填报说明",
    "1. 本表按照国家“双公示”数据标准填报，带*号的为必填项。",
    "2. 行政相对人类别填写：法人及非法人组织、自然人、个体工商户。",
    "3. 行政相对人为自然人的，统一社会信用代码不填，证件号码不予公开。",
    "4. 处罚决定日期格式为YYYY/MM/DD，罚款金额以万元为单位。",
    "5. 本表数据于每月5日前报送市发展改革委（信用办）。",
)


def write_xlsx(path: Path, source: SourceFile, sheets: list[tuple[Sheet, list[dict]]],
               world: World, rng: random.Random) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    dept = world.departments[source.department]
    for sheet, rows in sheets:
        ws = wb.create_sheet(sheet.name)
        width = len(sheet.columns)
        if sheet.title_rows >= 1:
            ws.cell(1, 1, f"{dept.name}{DATASET_TITLES.get(sheet.dataset, '信息表')}")
            ws.cell(1, 1).font = Font(bold=True, size=14)
            ws.cell(1, 1).alignment = Alignment(horizontal="center")
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        if sheet.title_rows >= 2:
            ws.cell(2, 1, f"填报单位：{dept.name}（盖章）        填报日期：{_cn_date(world.as_of)}")
        top = sheet.title_rows + 1
        for col, name in enumerate(sheet.header(), start=1):
            ws.cell(top, col, name).font = Font(bold=True)
        for r, (row, style) in enumerate(zip(rows, _row_styles(sheet, len(rows), rng)), start=top + 1):
            for col, column in enumerate(sheet.columns, start=1):
                value = _xlsx_value(row.get(column), style)
                if value is not None:
                    cell = ws.cell(r, col, value)
                    if isinstance(value, date):
                        cell.number_format = "yyyy/m/d" if r % 2 else 'yyyy"年"m"月"d"日"'
    if source.notes_sheet:
        ws = wb.create_sheet("填报说明")
        for r, line in enumerate(NOTES, start=1):
            ws.cell(r, 1, line)
    wb.properties.creator = dept.name
    wb.properties.lastModifiedBy = dept.name
    _save_xlsx(wb, path, datetime(world.as_of.year, world.as_of.month, world.as_of.day, 9, 0, 0))


def _save_xlsx(wb: Workbook, path: Path, stamp: datetime) -> None:
    """Save with fixed timestamps: openpyxl stamps docProps/core.xml's modified time and every
    zip entry with the current time, so the archive is rewritten with `stamp` instead."""
    wb.properties.created = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    fixed = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + fixed + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)


# --- The whole sample --------------------------------------------------------------------------
_PENALTY_FAMILY = ("penalty", "penalty_2016")
_LICENCE_FAMILY = ("licence", "licence_2016")
PERSON_SHARE = {"market": 0.08, "fuliang_market": 0.08, "transport": 0.25, "ecology": 0.05,
                "tax": 0.05, "emergency": 0.03, "housing": 0.02}


@dataclass
class _Part:
    """One sheet of one file while it is being generated."""

    source: SourceFile
    sheet: Sheet
    records: list = field(default_factory=list)   # Penalty / Licence objects, where there are
    rows: list = field(default_factory=list)      # canonical column → value
    faults: dict = field(default_factory=dict)    # row index → fault kind

    @property
    def label(self) -> str:
        return f"{self.source.path}#{self.sheet.name or ''}"


def _family(dataset: str) -> str:
    return "penalty" if dataset in _PENALTY_FAMILY else "licence" if dataset in _LICENCE_FAMILY else dataset


def dataset_sizes(rows: int) -> dict[str, int]:
    """Rows per dataset family, scaled on the number of penalty rows."""
    return {
        "penalty": rows, "licence": rows, "black_list": max(4, rows // 20), "red_list": max(4, rows // 20),
        "commitment": max(5, rows // 4), "evaluation": max(6, rows // 4), "tax_grade": max(5, rows // 4),
        "arrears": max(6, rows // 10), "repair": max(6, rows // 20), "objection": max(7, rows // 40),
    }


def resubmission_counts(rows: int) -> tuple[int, int]:
    """(exact re-submissions, corrected re-submissions)."""
    return max(2, rows // 200), max(2, rows // 200)


def _allocate(parts: list[_Part], sizes: dict[str, int], rows: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    exact, corrected = resubmission_counts(rows)
    for family, total in sizes.items():
        members = [p for p in parts if _family(p.sheet.dataset) == family]
        used = 0
        for p in members:
            if p.sheet.role == "resubmission":
                counts[p.label] = exact + corrected
            elif p.sheet.share is not None:
                counts[p.label] = max(1, int(total * p.sheet.share))
            else:
                continue
            used += counts[p.label]
        rest = [p for p in members if p.label not in counts]
        assert len(rest) == 1, family
        counts[rest[0].label] = total - used
        if counts[rest[0].label] < (8 if family == "penalty" else 2):
            raise PublishError("sample_rows_too_few", f"样例数据的处罚记录数至少为 {MIN_ROWS} 行")
    return counts


def generate_sample(out_dir: Path, as_of: date, rows: int = 2000, seed: int = 0) -> dict:
    """Write a realistic raw delivery into out_dir; return what was written and what is wrong in it."""
    if rows < MIN_ROWS:
        raise PublishError("sample_rows_too_few", f"样例数据的处罚记录数至少为 {MIN_ROWS} 行")
    world = World(seed, as_of, n_subjects=min(20000, max(60, rows // 3)))
    parts = [_Part(source, sheet) for source in PLAN for sheet in source.sheets]
    counts = _allocate(parts, dataset_sizes(rows), rows)

    def rng_for(part: _Part, purpose: str) -> random.Random:
        return random.Random(f"{seed}/{part.label}/{purpose}")

    numbering = Numbering()
    for p in parts:  # penalties and licences first: the rest points at them
        _decisions(world, p, counts[p.label], rng_for(p, "records"), numbering)
        p.faults = choose_faults(p.rows, p.sheet, rng_for(p, "faults"))
    revoked = _revoke(parts, rng_for)
    taken = {(p.label, i) for p, i in revoked}  # rows nothing else may point at
    exact_ix, corrections = _resubmissions(parts, rows, as_of, taken, rng_for)
    quality = _quality_pairs(world, parts, taken)
    penalties = [(p, i) for p in parts if p.sheet.dataset in _PENALTY_FAMILY and p.sheet.role != "resubmission"
                 for i in range(len(p.records)) if i not in p.faults and (p.label, i) not in taken]
    repair_stats = _repairs(world, parts, counts, penalties, taken, rng_for)
    objection_stats = _objections(world, parts, counts, penalties, taken, corrections, rng_for)
    for p in parts:
        if p.sheet.dataset in ("black_list", "red_list", "commitment", "evaluation", "tax_grade", "arrears"):
            p.rows = _other_rows(world, p, counts[p.label], rng_for(p, "records"))
            p.faults = choose_faults(p.rows, p.sheet, rng_for(p, "faults"))
    for p in parts:  # damage the faulty rows last, so that nothing above points at them
        rng = rng_for(p, "damage")
        for i in sorted(p.faults):
            apply_fault(p.rows[i], p.sheet.dataset, p.faults[i], rng, world)
    files = _write_all(Path(out_dir), world, parts, rng_for)
    return _summary(world, rows, seed, parts, files, revoked, len(exact_ix), len(corrections), quality,
                    repair_stats, objection_stats)


def _decisions(world: World, p: _Part, n: int, rng: random.Random, numbering: Numbering) -> None:
    """The penalty or licence records of one sheet, and their rows."""
    dept = p.source.department
    if p.sheet.dataset in _PENALTY_FAMILY and p.sheet.role != "resubmission":
        secrets = 0.15 if SECRETS in p.sheet.columns else 0.0
        p.records = numbering.number_records(
            [make_penalty(world, rng, dept, world.subject_for(rng, dept, PERSON_SHARE[dept]), secrets)
             for _ in range(n)])
        companies = [r for r in p.records if r.subject.kind == "company"]
        if p.sheet.dataset == "penalty_2016" and companies:  # the GB18030 file: a name outside GBK
            lucky = rng.choice(companies)
            lucky.subject = replace(lucky.subject, rep=world.rare_person)
            lucky.facts += f"当事人法定代表人{world.rare_person.name}对上述事实予以确认。"
    elif p.sheet.dataset in _LICENCE_FAMILY:
        secrets = 0.1 if SECRETS in p.sheet.columns else 0.0
        p.records = numbering.number_records(
            [make_licence(world, rng, dept, world.subject_for(rng, dept, 0.03), secrets) for _ in range(n)])
    p.rows = [_render(p, r) for r in p.records]


def _revoke(parts: list[_Part], rng_for) -> list[tuple[_Part, int]]:
    """Mark about 2 % of the penalties 撤销 where the file has a 当前状态 column."""
    revoked = []
    for p in parts:
        if p.sheet.dataset in _PENALTY_FAMILY and STATUS in p.sheet.columns and p.records:
            free = [i for i in range(len(p.rows)) if i not in p.faults]
            for i in rng_for(p, "revoked").sample(free, max(1, len(free) // 50)):
                p.records[i].status = p.rows[i][STATUS] = "撤销"
                revoked.append((p, i))
    return revoked


def _resubmissions(parts: list[_Part], rows: int, as_of: date, taken: set, rng_for):
    """Exact copies and corrections of rows of the main market file, in a later file.

    A correction keeps authority, decision number and subject, changes the fine in 处罚内容 and
    carries a later 数据更新时间戳. Returns (indices copied exactly, the corrected originals).
    """
    main = parts[0]
    resub = next(p for p in parts if p.sheet.role == "resubmission")
    rng = rng_for(resub, "records")
    exact_n, corrected_n = resubmission_counts(rows)
    pool = [i for i in range(len(main.rows)) if i not in main.faults and (main.label, i) not in taken]
    fined = [i for i in pool if main.records[i].kinds in (("罚款",), ("罚款", "没收违法所得"))
             and main.records[i].decided <= as_of - timedelta(days=90)]
    corrected_ix = rng.sample(fined, min(corrected_n, len(fined)))
    exact_ix = rng.sample(sorted(set(pool) - set(corrected_ix)), exact_n)
    for i in exact_ix:
        resub.rows.append(dict(main.rows[i]))
    corrections = []
    for i in corrected_ix:
        original = main.records[i]
        fixed = replace(original, fine_yuan=max(100, original.fine_yuan * 6 // 10 // 100 * 100),
                        remark="更正：原处罚内容罚款金额有误",
                        updated=original.updated + timedelta(days=rng.randint(10, 60)))
        fixed.fine_column = _wan(fixed.fine_yuan)
        fixed.content = _fine_text(rng, fixed.fine_yuan)
        if "没收违法所得" in original.kinds:
            fixed.content = f"没收违法所得人民币{original.confiscated}元，并处{fixed.content.removeprefix('处')}"
        resub.records.append(fixed)
        resub.rows.append(_render(resub, fixed))
        corrections.append(original)
    taken.update((main.label, i) for i in exact_ix + corrected_ix)
    return exact_ix, corrections


def _render(part: _Part, record) -> dict:
    dataset = part.sheet.dataset
    if dataset == "penalty":
        return penalty_row(record)
    if dataset == "penalty_2016":
        return penalty_2016_row(record)
    if dataset == "licence":
        return licence_row(record, part.sheet.licence_status)
    if dataset == "licence_2016":
        return licence_2016_row(record)
    raise ValueError(dataset)


def _quality_pairs(world: World, parts: list[_Part], taken: set) -> dict:
    """Rename one company in one licence row (same USCC), give another a second USCC elsewhere."""
    licences = next(p for p in parts if p.sheet.dataset == "licence" and p.sheet.share is None)
    rng = random.Random(f"{world.seed}/quality")
    candidates = [i for i, r in enumerate(licences.records)
                  if r.subject.kind in ("company", "coop") and i not in licences.faults]
    if len(candidates) < 2:
        return {"uscc_two_names": [], "name_two_usccs": []}
    first, second = rng.sample(candidates, 2)
    s = licences.records[first].subject
    renamed = "江西" + s.name[s.name.index(s.trade):]
    if not world._take_subject_name(renamed):
        renamed = s.name + "（原）"
    licences.rows[first]["行政相对人名称"] = renamed
    t = licences.records[second].subject
    other = world.new_uscc("9" + t.uscc[1], t.division)
    licences.rows[second][USCC_CODE] = other
    taken.update({(licences.label, first), (licences.label, second)})
    return {"uscc_two_names": [{"uscc": s.uscc, "names": [s.name, renamed]}],
            "name_two_usccs": [{"name": t.name, "usccs": [t.uscc, other]}]}


def _in_window(p: Penalty, as_of: date) -> bool:
    return p.severity != "轻微" and _months(p.decided, MIN_PUBLICITY_MONTHS[p.severity]) <= as_of \
        < _months(p.decided, MAX_PUBLICITY_MONTHS[p.severity])


def _repairs(world, parts, counts, penalties, taken, rng_for) -> dict:
    repair_parts = [p for p in parts if p.sheet.dataset == "repair"]
    stats = {"matching": 0, "respelled": 0, "no_match": 0}
    for part in repair_parts:
        rng = rng_for(part, "records")
        n = counts[part.label]
        market_only = part.source.department == "market"
        office = world.departments["market" if market_only else "credit"].name
        eligible = [(q, i) for q, i in penalties if (q.label, i) not in taken
                    and _in_window(q.records[i], world.as_of)
                    and (not market_only or q.source.department in ("market", "fuliang_market"))
                    and (q.records[i].subject.uscc or not market_only)]
        dangling = max(1, n // 20)
        chosen = rng.sample(eligible, min(n - dangling, len(eligible)))
        for q, i in chosen:
            taken.add((q.label, i))
            row = repair_row(world, rng, q.records[i], office)
            stats["respelled"] += row["行政处罚决定书文号"] != q.records[i].number
            part.rows.append(row)
        stats["matching"] += len(chosen)
        for _ in range(n - len(chosen)):
            part.rows.append(repair_row(world, rng, None, office))
            stats["no_match"] += 1
        part.faults = choose_faults(part.rows, part.sheet, rng_for(part, "faults"))
        stats["matching"] -= sum(1 for i in part.faults if i < len(chosen))
        stats["no_match"] -= sum(1 for i in part.faults if i >= len(chosen))
    return stats


OBJECTION_STATES = ("处理中", "维持", "原记录撤销", "已撤销")


def _objections(world, parts, counts, penalties, taken, corrections, rng_for) -> dict:
    part = next(p for p in parts if p.sheet.dataset == "objection")
    rng = rng_for(part, "records")
    n = counts[part.label]
    stats: dict[str, int] = {}
    # 已更正: the corrected record arrives as a correction in the re-submission file.
    for original in corrections[:max(1, n // 8)]:
        part.rows.append(objection_row(world, rng, original, "已更正"))
        stats["已更正"] = stats.get("已更正", 0) + 1
    eligible = [(q, i) for q, i in penalties if (q.label, i) not in taken and _in_window(q.records[i], world.as_of)]
    dangling = max(1, n // 20)
    want = max(0, n - len(part.rows) - dangling)
    for k, (q, i) in enumerate(rng.sample(eligible, min(want, len(eligible)))):
        state = OBJECTION_STATES[k % len(OBJECTION_STATES)]
        taken.add((q.label, i))
        part.rows.append(objection_row(world, rng, q.records[i], state))
        stats[state] = stats.get(state, 0) + 1
    matching = len(part.rows)
    while len(part.rows) < n:
        part.rows.append(objection_row(world, rng, None, rng.choice(OBJECTION_STATES)))
        stats["no_match"] = stats.get("no_match", 0) + 1
    part.faults = choose_faults(part.rows, part.sheet, rng_for(part, "faults"))
    for i in part.faults:
        key = "no_match" if i >= matching else part.rows[i]["异议状态"]
        stats[key] -= 1
    return stats


# The field that, with the USCC, tells one entry from another (no accidental duplicates).
ENTRY_KEYS = {"black_list": "列入事由", "red_list": "荣誉名称", "commitment": "承诺事项", "arrears": "欠缴类型"}


def _entries(world: World, part: _Part, n: int, rng: random.Random) -> list[dict]:
    """List entries, commitments or arrears: n rows, no two for the same subject and key."""
    dataset = part.sheet.dataset
    creditors = ("hrss", "fund") if part.source.department == "hrss" else ("water", "power", "gas")
    kinds = tuple(k for k in N.ARREARS_KINDS if k[1] in creditors)
    row_of = {"black_list": black_list_row, "red_list": red_list_row, "commitment": commitment_row}.get(dataset)
    rows, seen = [], set()
    while len(rows) < n:
        row = arrears_row(world, rng, kinds) if dataset == "arrears" else row_of(world, rng)
        key = (row["统一社会信用代码"], row[ENTRY_KEYS[dataset]])
        if key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


def _other_rows(world: World, part: _Part, n: int, rng: random.Random) -> list[dict]:
    dataset = part.sheet.dataset
    if dataset in ENTRY_KEYS:
        return _entries(world, part, n, rng)
    make = evaluation_rows if dataset == "evaluation" else tax_grade_rows
    rows: list[dict] = []
    subjects = rng.sample(world.organisations, min(len(world.organisations), n))
    for s in subjects:
        rows.extend(make(world, rng, s, min(rng.choice((1, 2, 3)), n - len(rows))))
        if len(rows) >= n:
            break
    return rows


def _write_all(out_dir: Path, world: World, parts: list[_Part], rng_for) -> list[dict]:
    files = []
    for source in PLAN:
        members = [p for p in parts if p.source is source]
        path = out_dir / source.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if source.container == "csv":
            write_csv(path, source.sheets[0], members[0].rows, source.encoding, rng_for(members[0], "dates"))
        elif source.container == "jsonl":
            write_jsonl(path, source.sheets[0], members[0].rows, rng_for(members[0], "dates"))
        else:
            write_xlsx(path, source, [(p.sheet, p.rows) for p in members], world,
                       rng_for(members[0], "dates"))
        files.append({
            "path": source.path, "container": source.container, "department": world.departments[source.department].name,
            "encoding": source.encoding if source.container == "csv" else "utf-8" if source.container == "jsonl" else None,
            "sheets": [{"name": p.sheet.name, "dataset": p.sheet.dataset, "rows": len(p.rows),
                        "title_rows": p.sheet.title_rows} for p in members]
                      + ([{"name": "填报说明", "dataset": None, "rows": len(NOTES), "title_rows": 0}]
                         if source.notes_sheet else []),
        })
    return files


def _line_of(part: _Part, index: int) -> int:
    """The 1-based row a person opening the file sees (CSV line, JSONL line, XLSX row)."""
    if part.source.container == "jsonl":
        return index + 1
    return part.sheet.title_rows + index + 2


def _summary(world, rows, seed, parts, files, revoked, exact, corrected, quality,
             repair_stats, objection_stats) -> dict:
    per_dataset: dict[str, int] = {}
    faults = {kind: 0 for kind in FAULT_KINDS}
    fault_rows = []
    for p in parts:
        per_dataset[p.sheet.dataset] = per_dataset.get(p.sheet.dataset, 0) + len(p.rows)
        for i in sorted(p.faults):
            faults[p.faults[i]] += 1
            fault_rows.append({"path": p.source.path, "sheet": p.sheet.name, "dataset": p.sheet.dataset,
                               "index": i, "row": _line_of(p, i), "kind": p.faults[i]})
    penalty_records = [r for p in parts if p.sheet.dataset in _PENALTY_FAMILY and p.sheet.role != "resubmission"
                       for i, r in enumerate(p.records) if i not in p.faults]
    return {
        "as_of": world.as_of.isoformat(), "seed": seed, "rows": rows,
        "files": files,
        "rows_per_dataset": per_dataset,
        "faults": faults,
        "faulty_rows": sum(faults.values()),
        "fault_rows": fault_rows,
        "duplicates": {"exact": exact, "corrected": corrected},
        "revoked": len(revoked),
        # 罚款金额（万元） above 10,000: entered in 元 by mistake (exact re-submissions included)
        "suspect_fine_unit": sum(1 for p in parts if p.sheet.dataset == "penalty" for r in p.rows
                                 if r.get(FINE) is not None and r[FINE] > 10000),
        "explicit_end_earlier": sum(r.explicit_end_earlier for r in penalty_records),
        "quality": quality,
        "repairs": repair_stats,
        "objections": objection_stats,
    }


# --- The benchmark file ------------------------------------------------------------------------
def _csv_field(value: str) -> str:
    """One CSV field as csv.writer's QUOTE_MINIMAL writes it."""
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_line(values) -> str:
    return ",".join(_csv_field(v) for v in values) + "\r\n"


def write_penalty_csv(path: Path, rows: int, seed: int, as_of: date, encoding: str = "utf-8",
                      faulty_share: float = 0.0) -> int:
    """One plain current-layout penalty CSV of `rows` rows, fast: the rows are assembled from
    pools of ready-made CSV fragments (subject, facts, outcome), varied by department, day and
    decision number. Returns the number of data rows written; about `faulty_share` of them
    carry a fault (cycling through PENALTY_FAULTS).
    """
    world = World(seed, as_of, n_subjects=min(3000, max(60, rows // 20)))
    rng = random.Random(f"{seed}/bench")
    keys = ("market", "ecology", "emergency", "housing", "transport", "tax")
    pool_size = 400
    # Per department: (subject columns, 违法行为类型, 违法事实 without its date, the columns from
    # 处罚依据 to 暂扣…, 备注, longest publicity in months), raw and as CSV text.
    pools = []
    for key in keys:
        dept = world.departments[key]
        entries = []
        for _ in range(pool_size):
            s = world.subject_for(rng, key, PERSON_SHARE[key])
            violation = rng.choice(N.VIOLATIONS[key])
            facts, _ = facts_text(world, rng, key, s, violation, None, False)
            o = outcome(rng, world, key, s)
            fine = _decimal_text(_wan(o["fine_yuan"])) if o["fine_yuan"] else ""
            gains = _decimal_text(_wan(o["confiscated"])) if o["confiscated"] else ""
            subject = [subject_fields(s)[c] for c in SUBJECT_COLUMNS]
            middle = [violation[2], "；".join(o["kinds"]), o["content"], fine, gains, o["licence_ref"]]
            tail = [dept.name, dept.uscc, dept.name, dept.uscc, o["remark"]]
            entries.append((subject, violation[0], facts, middle, tail, MAX_PUBLICITY_MONTHS[o["severity"]],
                            _csv_line(subject)[:-2] + ",", "," + _csv_field(violation[0]) + ",",
                            _csv_field(facts) != facts, "," + _csv_line(middle)[:-2] + ",",
                            "," + _csv_line(tail)))
        pools.append((dept, entries))
    days = [as_of - timedelta(days=k) for k in range(4 * 365 + 1)]
    iso = [d.isoformat() for d in days]
    spoken = [_cn_date(d - timedelta(days=14)) + "，" for d in days]
    ends = {m: [_months(d, m).isoformat() for d in days] for m in (3, 12, 36)}
    written = 0
    with open(path, "w", encoding=encoding, newline="") as handle:
        handle.write(_csv_line(PENALTY_COLUMNS))
        batch: list[str] = []
        rand, randrange, n_days = rng.random, rng.randrange, len(days)
        for i in range(rows):
            dept, entries = pools[randrange(6)]
            entry = entries[randrange(pool_size)]
            day = randrange(n_days)
            number = f"{dept.penalty_prefix}〔{days[day].year}〕{i + 1}号"
            end = ends[entry[5]][day] if rand() < 0.5 else ""
            if faulty_share and rand() < faulty_share:
                batch.append(_faulty_bench_line(entry, number, spoken[day], iso[day], end, written, rng, world))
            else:
                facts = spoken[day] + entry[2]
                if entry[8]:
                    facts = _csv_field(facts)
                batch.append(f"{entry[6]}{number}{entry[7]}{facts}{entry[9]}{iso[day]},,{end}{entry[10]}")
            written += 1
            if len(batch) >= 20000:
                handle.write("".join(batch))
                batch.clear()
        handle.write("".join(batch))
    return written


def _faulty_bench_line(entry, number, spoken, decided, end, i, rng, world) -> str:
    subject, violation, facts, middle, tail = entry[:5]
    values = subject + [number, violation, spoken + facts] + middle + [decided, "", end] + tail
    record = dict(zip(PENALTY_COLUMNS, values))
    kind = PENALTY_FAULTS[i % len(PENALTY_FAULTS)]
    if _fault_applies(record, "penalty", kind):
        apply_fault(record, "penalty", kind, rng, world)
    return _csv_line(_cell_text(record[c], "iso") for c in PENALTY_COLUMNS)
