"""Penalty and licence decisions: who decided what, when and for how long, their numbering, and
their rows in the current (2021) and the first national (2016) layouts.
"""
from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from redaction.checkdigits import is_valid_id18

from . import names as N
from .codes import PHONE_WRITINGS, format_phone
from .delivery import (
    CONFISCATED,
    FINE,
    SCOPE,
    SECOND_NAME,
    SECRETS,
    SEVERITY,
    STATUS,
    UPDATED,
    USCC_CODE,
    USCC_CODE_2016,
    Sheet,
)
from .formats import add_months, capital_yuan, decimal_text, wan
from .text import facts_text, secret_terms
from .truth import Plant, name_plant, phone_plant
from .world import Department, Subject, World

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

# The 2016 layout's codes (DOMAIN.md "2016 codes"): 处罚类别1/2, and 当前状态 of both layouts.
CATEGORY_WORDS_2016 = {"0": "警告", "1": "罚款", "2": "没收违法所得、没收非法财物", "3": "责令停产停业",
                       "4": "暂扣或者吊销许可证、暂扣或者吊销执照", "5": "行政拘留", "6": "其他"}
_CATEGORY_CODE_OF_KIND = {"警告": "0", "罚款": "1", "没收违法所得": "2", "没收非法财物": "2", "责令停产停业": "3",
                          "暂扣许可证件": "4", "吊销许可证件": "4", "行政拘留": "5"}
STATUS_CODES_2016 = {"正常": "0", "撤销": "1", "异议": "2", "其他": "3"}
# 信息使用范围: who may use a record (a record's own scope can only narrow its dataset's tier).
SCOPE_CODES = {"公示": "0", "仅政府部门内部共享": "1", "仅可授权查询": "2"}


def category_code_2016(kind: str) -> str:
    """The 2016 处罚类别 code of one kind of penalty (通报批评, 责令关闭… are 6 其他)."""
    return _CATEGORY_CODE_OF_KIND.get(kind, "6")


def writes_codes(sheet: Sheet, number: str) -> bool:
    """Whether a 2016 row of this sheet writes codes (a "mixed" export: the rows of two systems)."""
    if sheet.codes_2016 == "mixed":
        return zlib.crc32(number.encode()) % 2 == 0
    return sheet.codes_2016 == "codes"


def scope_cell(sheet: Sheet, scope: str, number: str) -> str:
    """信息使用范围 as this sheet writes it; 公示 is often left blank."""
    if not scope or (scope == "公示" and zlib.crc32(number.encode()) % 3 == 0):
        return ""
    return SCOPE_CODES[scope] if sheet.scope_style == "codes" else scope


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
    status: str = "正常"        # 正常 / 撤销, and in the 2016 layout 异议 / 其他 too
    scope: str = "公示"         # 信息使用范围, where the file has it
    explicit_end_earlier: bool = False
    plants: list[Plant] = field(default_factory=list)  # the personal values its text holds (truth.py)


def fine_text(rng: random.Random, yuan: int) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"罚款{yuan}元"
    if style == 1 and yuan % 100 == 0:
        return f"罚款{capital_yuan(yuan)}元"
    if style == 2 and yuan % 100 == 0:
        return f"处罚款人民币{capital_yuan(yuan)}元整"
    if style == 3:
        return f"罚款人民币{yuan}元"
    return f"罚款人民币{decimal_text(wan(yuan))}万元"


def _licence_ref(rng: random.Random, world: World, department: str, subject: Subject) -> str:
    kinds = N.LICENCE_KINDS.get(department) or N.LICENCE_KINDS["market"]
    cert, *_ = rng.choice([k for k in kinds if k[5]] or kinds)
    return f"《{cert}》（编号：{licence_number(rng, world, department, cert, subject, 2023)}）"


class Outcome(TypedDict):
    """What a penalty decided: 处罚类别, 处罚内容, the amounts (元) and the severity class."""
    kinds: tuple[str, ...]
    content: str
    severity: str              # a key of MAX_PUBLICITY_MONTHS
    fine_yuan: int | None
    confiscated: Decimal | None
    licence_ref: str
    remark: str


def outcome(rng: random.Random, world: World, department: str, subject: Subject,
            plants: list[Plant] | None = None) -> Outcome:
    """处罚类别, 处罚内容 and the amounts of one decision, with its severity class; the names it
    writes are added to `plants`."""
    if department == "police" and subject.kind == "person" and rng.random() < 0.35:
        return _detention(rng)
    outcomes = [o for o in OUTCOMES if subject.kind != "person" or o[1] in PERSON_OUTCOMES]
    profile = rng.choices([p for _, p in outcomes], [w for w, _ in outcomes])[0]
    if department == "housing" and profile == "suspend":
        profile = "downgrade"
    if profile == "downgrade" and department != "housing":
        profile = "fine"
    out: Outcome = {"kinds": (), "content": "", "severity": "一般", "fine_yuan": None, "confiscated": None,
                    "licence_ref": "", "remark": ""}
    if profile == "simple":
        if rng.random() < 0.5:
            out.update({"kinds": ("警告",), "content": "依照简易程序当场给予警告"})
        else:
            yuan = rng.choice((50, 100, 200))
            out.update({"kinds": ("罚款",), "content": f"适用简易程序，当场{fine_text(rng, yuan)}",
                        "fine_yuan": yuan})
        out.update({"severity": "轻微", "remark": "简易程序"})
    elif profile == "warning":
        out.update({"kinds": ("警告",), "content": "给予警告", "severity": "轻微"})
    elif profile == "criticism":
        out.update({"kinds": ("通报批评",), "content": "予以通报批评", "severity": "轻微"})
    elif profile in ("fine_small", "warning_fine"):
        yuan = rng.randrange(5, 100) * 100
        text = fine_text(rng, yuan)
        if profile == "warning_fine":
            out.update({"kinds": ("警告", "罚款"), "content": f"给予警告，并处{text.removeprefix('处')}"})
        else:
            out.update({"kinds": ("罚款",), "content": text})
        out.update({"fine_yuan": yuan, "severity": "轻微"})
    elif profile in ("fine", "fine_confiscate", "stop", "ban"):
        yuan = rng.choice((rng.randrange(1, 100) * 10000, rng.randrange(10, 990) * 1000))
        text = fine_text(rng, yuan)
        out.update({"kinds": ("罚款",), "content": text, "fine_yuan": yuan})
        if profile == "fine_confiscate":
            gains = Decimal(rng.randrange(30000, 9000000)) / 100
            out.update({"kinds": ("罚款", "没收违法所得"), "confiscated": gains,
                        "content": f"没收违法所得人民币{gains}元，并处{text.removeprefix('处')}"})
        elif profile == "stop":
            out.update({"kinds": ("责令停产停业", "罚款"), "severity": "严重",
                        "content": f"责令停产停业整顿{rng.randint(1, 6)}个月，并处{text.removeprefix('处')}"})
        elif profile == "ban":
            who = subject.person or subject.rep
            if who is None:
                raise ValueError(f"{subject.name} has neither a person nor a representative to ban")
            role = "当事人" if subject.kind == "person" else "其法定代表人"
            out.update({"kinds": ("罚款", "限制从业"), "severity": "严重",
                        "content": f"{text}；对{role}{who.name}处以{rng.randint(3, 5)}年内不得从事相关"
                                   f"生产经营管理活动的限制从业"})
            if plants is not None:
                plants.append(name_plant(who.name, "content_ban", "content"))
    elif profile == "fine_huge":
        yuan = rng.randrange(100, 500) * 10000
        out.update({"kinds": ("罚款",), "content": f"罚款人民币{decimal_text(wan(yuan))}万元",
                    "fine_yuan": yuan, "severity": "严重"})
    elif profile == "confiscate":
        gains = Decimal(rng.randrange(5000, 3000000)) / 100
        out.update({"kinds": ("没收违法所得",), "content": f"没收违法所得人民币{gains}元",
                    "confiscated": gains})
    elif profile == "suspend":
        ref = _licence_ref(rng, world, department, subject)
        out.update({"kinds": ("暂扣许可证件",), "content": f"暂扣{ref}{rng.randint(1, 6)}个月",
                    "licence_ref": ref})
    elif profile == "downgrade":
        out.update({"kinds": ("降低资质等级",), "content": "降低建筑业企业资质等级，由施工总承包二级降为三级"})
    elif profile == "revoke":
        ref = _licence_ref(rng, world, department, subject)
        out.update({"kinds": ("吊销许可证件",), "content": f"吊销{ref}", "licence_ref": ref,
                    "severity": "严重"})
    elif profile == "close":
        out.update({"kinds": ("责令关闭",), "content": "责令关闭", "severity": "严重"})
    return out


def _detention(rng: random.Random) -> Outcome:
    """行政拘留 (public security only), sometimes with a fine."""
    days = rng.choice((3, 5, 7, 10, 15))
    out: Outcome = {"kinds": ("行政拘留",), "content": f"行政拘留{days}日", "severity": "一般", "fine_yuan": None,
                    "confiscated": None, "licence_ref": "", "remark": ""}
    if rng.random() < 0.4:
        yuan = rng.choice((200, 500, 1000))
        out.update({"kinds": ("行政拘留", "罚款"), "content": f"行政拘留{days}日，并处罚款{yuan}元", "fine_yuan": yuan})
    return out


class Numbering:
    """Decision and licence numbers: unique per prefix and year, as each authority counts."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, int], int] = {}

    def take(self, prefix: str, year: int) -> int:
        n = self._next.get((prefix, year), 0) + 1
        self._next[(prefix, year)] = n
        return n

    def number_records(self, records: list[Penalty] | list[Licence]) -> list:
        """Sort a file's decisions by date and number them as their authority would."""
        records.sort(key=lambda r: r.decided)
        for r in records:
            if isinstance(r, Penalty):
                prefix = _prefix(r.department.penalty_prefix, r.department, "penalty")
                r.number = f"{prefix}〔{r.decided.year}〕{self.take(prefix, r.decided.year)}号"
            else:
                prefix = _prefix(r.department.licence_prefix, r.department, "licence")
                r.doc_number = f"{prefix}〔{r.decided.year}〕{self.take(prefix, r.decided.year)}号"
        return records


def _prefix(prefix: str | None, department: Department, what: str) -> str:
    """A department's number prefix; departments without one never issue such decisions."""
    if prefix is None:
        raise ValueError(f"{department.name} issues no {what} decisions")
    return prefix


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
    plants: list[Plant] = []
    facts, secrets = facts_text(world, rng, department, subject, violation, inspected,
                                rng.random() < secrets_share, plants)
    o = outcome(rng, world, department, subject, plants)
    p = Penalty(dept, subject, "", decided, violation[0], violation[2], facts, o["kinds"],
                o["content"], o["severity"], o["fine_yuan"], None, o["confiscated"],
                o["licence_ref"], secrets=tuple(secrets), secret_sep=rng.choice(("；", ";")),
                remark=o["remark"], updated=_update_stamp(rng, decided, as_of), plants=plants)
    if p.fine_yuan:
        p.fine_column = wan(p.fine_yuan)
        if p.fine_yuan > 10000 and rng.random() < 0.01:  # entered in 元 in a 万元 column
            p.fine_column = Decimal(p.fine_yuan)
    if secrets and rng.random() < 0.3:
        p.content += f"（{secrets[0]}不予公开）"
    if rng.random() < 0.1 and not p.remark:
        q = rng.choice(world.bystanders)
        style = rng.choice(PHONE_WRITINGS)
        p.remark = f"联系人：{q.name}，联系电话：{format_phone(q.phone, style)}"
        plants += [name_plant(q.name, "remark_contact", "remark"),
                   phone_plant(format_phone(q.phone, style), q.phone, style, "text_remark", "remark")]
    _publicity(rng, p)
    return p


def _publicity(rng: random.Random, p: Penalty) -> None:
    """公示截止期 and 处罚有效期 as departments fill them: blank, old rules' values, or earlier."""
    roll = rng.random()
    if roll < 0.15 and p.severity != "轻微":
        p.publicity_end = add_months(p.decided, MAX_PUBLICITY_MONTHS[p.severity] // 2)
        p.explicit_end_earlier = True
    elif roll < 0.6:
        # the 2019 and 2023 rules allowed up to 3 years for ordinary decisions too
        p.publicity_end = add_months(p.decided, rng.choice((12, 36)) if p.severity != "轻微" else 3)
    if "暂扣许可证件" in p.kinds or "责令停产停业" in p.kinds:
        p.validity = add_months(p.decided, rng.randint(1, 6))
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
        FINE: p.fine_column, CONFISCATED: wan(p.confiscated) if p.confiscated else None,
        "暂扣或吊销证照名称及编号": p.licence_ref, "处罚决定日期": p.decided, "处罚有效期": p.validity,
        "公示截止期": p.publicity_end, "处罚机关": d.name, "处罚机关统一社会信用代码": d.uscc,
        "数据来源单位": d.name, "数据来源单位统一社会信用代码": d.uscc, "备注": p.remark,
        STATUS: p.status, SEVERITY: p.severity, SECRETS: p.secret_sep.join(p.secrets), UPDATED: p.updated,
        SECOND_NAME: p.subject.name if p.subject.kind in ("company", "coop") else "",
    })
    return row


def penalty_2016_row(p: Penalty, sheet: Sheet) -> dict:
    """A penalty in the first national layout: the fine only in 处罚结果, no 行政相对人类别, 处罚类别1/2
    and 当前状态 as codes or as words."""
    s = p.subject
    codes = writes_codes(sheet, p.number)
    categories = [category_code_2016(k) for k in p.kinds]
    if not codes:
        categories = [CATEGORY_WORDS_2016[c] for c in categories]
    return {
        "行政处罚决定书文号": p.number, "处罚名称": p.violation, "处罚类别1": categories[0],
        "处罚类别2": categories[1] if len(categories) > 1 else "", "处罚事由": p.facts, "处罚依据": p.basis,
        "行政相对人名称": s.name, USCC_CODE_2016: s.uscc,
        "行政相对人代码_2(组织机构代码)": s.org_code, "行政相对人代码_3(工商登记码)": s.reg_no,
        "行政相对人代码_4(税务登记号)": s.tax_no,
        "行政相对人代码_5(居民身份证号)": s.person.id_number if s.person else "",
        "法定代表人姓名": s.rep.name if s.rep else "", "处罚结果": p.content, "处罚决定日期": p.decided,
        "处罚机关": p.department.name, "当前状态": _status_2016(p.status, codes, p.number),
        "地方编码": p.subject.division, "数据更新时间戳": p.updated, "备注": p.remark,
        SECRETS: p.secret_sep.join(p.secrets), SCOPE: scope_cell(sheet, p.scope, p.number),
    }


def _status_2016(status: str, codes: bool, number: str) -> str:
    """当前状态 in the 2016 layout: a code (正常 often blank) or the word."""
    if not codes:
        return status
    code = STATUS_CODES_2016[status]
    return "" if code == "0" and zlib.crc32(number.encode()) % 4 == 0 else code


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
    status: str = "正常"   # the 2016 layout's 当前状态 beside validity: 正常, 撤销, 异议 or 其他
    scope: str = "公示"    # 信息使用范围, where the file has it
    plants: list[Plant] = field(default_factory=list)  # the personal values its text holds (truth.py)


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
            month, day = rng.randint(1, 12), rng.randint(1, 28)  # drawn in this order: samples stay the same
            number = f"{subject.division}{year}{month:02d}{day:02d}{rng.randrange(10 ** 4):04d}"
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
    plants: list[Plant] = []
    if rng.random() < secrets_share:
        secrets = secret_terms(rng, subject)
        content += f"；生产工艺：{'、'.join(secrets)}"
    if rng.random() < 0.2:
        q = subject.rep or subject.person or rng.choice(world.bystanders)
        role = rng.choice(("负责人", "联系人", "经办人",
                           "食品安全管理员" if cert.startswith("食品") else "安全管理人员"))
        style = rng.choice(PHONE_WRITINGS)
        content += f"；{role}：{q.name}（{format_phone(q.phone, style)}）"
        plants += [name_plant(q.name, "licence_content_role", "content"),
                   phone_plant(format_phone(q.phone, style), q.phone, style, "text_licence_content", "content")]
    valid_to = add_months(decided, 12 * years) - timedelta(days=1) if years else None
    if valid_to is None and rng.random() < 0.3:
        valid_to = date(2099, 12, 31)
    lic = Licence(dept, subject, doc_name, "", category, cert,
                  licence_number(rng, world, department, cert, subject, decided.year), content,
                  decided, decided, valid_to, secrets=tuple(secrets),
                  updated=_update_stamp(rng, decided, world.as_of), plants=plants)
    if rng.random() < 0.08:
        lic.valid, lic.remark = False, rng.choice(("已注销", "依申请撤回", "被依法撤销"))
    elif rng.random() < 0.1:
        q = subject.rep or rng.choice(world.bystanders)
        style = rng.choice(PHONE_WRITINGS)
        lic.remark = f"经办人：{q.name}，电话{format_phone(q.phone, style)}"
        plants += [name_plant(q.name, "licence_remark_clerk", "remark"),
                   phone_plant(format_phone(q.phone, style), q.phone, style, "text_remark", "remark")]
    return lic


def licence_row(lic: Licence, sheet: Sheet) -> dict:
    status_style = sheet.licence_status
    d = lic.department
    row = subject_fields(lic.subject)
    status = ("1" if lic.valid else "2") if status_style == "code" else ("有效" if lic.valid else "无效")
    row.update({
        "行政许可决定文书名称": lic.doc_name, "行政许可决定文书号": lic.doc_number, "许可类别": lic.category,
        "许可证书名称": lic.cert_name, "许可编号": lic.number, "许可内容": lic.content,
        "许可决定日期": lic.decided, "有效期自": lic.valid_from, "有效期至": lic.valid_to,
        "许可机关": d.name, "许可机关统一社会信用代码": d.uscc, "当前状态": status,
        "数据来源单位": d.name, "数据来源单位统一社会信用代码": d.uscc, "备注": lic.remark,
        SECRETS: "；".join(lic.secrets), SCOPE: scope_cell(sheet, lic.scope, lic.doc_number),
    })
    return row


def _licence_status_2016(lic: Licence, codes: bool) -> str:
    """当前状态 of a 2016 licence: the codes have no 无效, so an invalid licence is 3 其他 (see 备注)."""
    if lic.status != "正常":
        return STATUS_CODES_2016[lic.status] if codes else lic.status
    if not lic.valid:
        return "3" if codes else "无效"
    return "0" if codes else "有效"


def licence_2016_row(lic: Licence, sheet: Sheet) -> dict:
    s = lic.subject
    codes = writes_codes(sheet, lic.doc_number)
    return {
        "行政许可决定书文号": lic.doc_number, "项目名称": f"{lic.cert_name}核发", "审批类别": lic.category,
        "许可内容": lic.content, "行政相对人名称": s.name, USCC_CODE_2016: s.uscc,
        "行政相对人代码_2(组织机构代码)": s.org_code, "行政相对人代码_3(工商登记码)": s.reg_no,
        "行政相对人代码_4(税务登记号)": s.tax_no,
        "行政相对人代码_5(居民身份证号)": s.person.id_number if s.person else "",
        "法定代表人姓名": s.rep.name if s.rep else "", "许可决定日期": lic.decided,
        "许可截止期": lic.valid_to, "许可机关": lic.department.name,
        "当前状态": _licence_status_2016(lic, codes), "地方编码": s.division, "数据更新时间戳": lic.updated,
        "备注": lic.remark, "行政许可编码": f"360200-XK-{zlib.crc32(lic.cert_name.encode()) % 10000:04d}",
        SCOPE: scope_cell(sheet, lic.scope, lic.doc_number),
    }



def decision_row(sheet: Sheet, record: Penalty | Licence) -> dict:
    """A decision as a row of `sheet`, in the layout of its dataset."""
    dataset = sheet.dataset
    if isinstance(record, Penalty):
        if dataset == "penalty":
            return penalty_row(record)
        if dataset == "penalty_2016":
            return penalty_2016_row(record, sheet)
    else:
        if dataset == "licence":
            return licence_row(record, sheet)
        if dataset == "licence_2016":
            return licence_2016_row(record, sheet)
    raise ValueError(f"{dataset}: no such layout for a {type(record).__name__}")
