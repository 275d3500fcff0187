"""Rows of the datasets that are not decisions: repairs and objections (pointing at penalties),
black and red lists, commitments, evaluations, tax grades and arrears.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from . import names as N
from .decisions import MIN_PUBLICITY_MONTHS, Penalty
from .formats import FULLWIDTH_DIGITS, add_months
from .world import CITY, Subject, World

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
    return number.translate(FULLWIDTH_DIGITS)


def _dangling_number(world: World, rng: random.Random) -> str:
    dept = world.departments[rng.choice(("market", "ecology", "tax"))]
    return f"{dept.penalty_prefix}〔{world.as_of.year - 9}〕{rng.randint(1, 999)}号"


def repair_row(world: World, rng: random.Random, p: Penalty | None, office: str) -> dict:
    as_of = world.as_of
    if p is None:  # points at no record of the build
        s = rng.choice(world.organisations)
        return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc,
                "行政处罚决定书文号": _dangling_number(world, rng),
                "处罚机关": "", "修复决定日期": as_of - timedelta(days=rng.randint(1, 200)),
                "修复机关": office, "修复方式": rng.choice(N.REPAIR_METHODS)}
    earliest = add_months(p.decided, MIN_PUBLICITY_MONTHS[p.severity])
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
        return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc,
                "行政处罚决定书文号": _dangling_number(world, rng),
                "异议提出日期": raised, "异议状态": state,
                "处理日期": None if state == "处理中" else raised + timedelta(days=7),
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
            "有效期至": add_months(granted, rng.choice((12, 24, 36))) - timedelta(days=1)}


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


def black_list_market_row(world: World, rng: random.Random) -> dict:
    """An entry of the market regulators' 严重违法失信名单, in their own layout."""
    s = rng.choice([s for s in world.organisations if s.kind in ("company", "coop")])
    office = world.departments[rng.choice(("market", "market", "fuliang_market"))].name
    listed = _past_day(rng, world.as_of, 5 * 365)
    row = {"企业名称": s.name, "统一社会信用代码": s.uscc, "营业执照注册号": s.reg_no,
           "列入严重违法失信企业名单原因": rng.choice(N.MARKET_BLACK_LIST_REASONS), "列入日期": listed,
           "作出决定机关(列入)": office, "移出严重违法失信企业名单原因": "", "移出日期": None, "作出决定机关(移出)": ""}
    if (world.as_of - listed).days > 3 * 365 + 30 and rng.random() < 0.6:  # removed after three years
        row.update({"移出严重违法失信企业名单原因": rng.choice(N.MARKET_BLACK_LIST_REMOVALS),
                    "移出日期": add_months(listed, 36) + timedelta(days=rng.randint(1, 25)),
                    "作出决定机关(移出)": office})
    return row


# Who makes commitments in the national template: organisations, and natural persons (with an
# 18-digit ID number: the template came after the 15-digit numbers were replaced).
_PERSON_COMMITMENT_SHARE, _OPERATOR_NAME_SHARE = 0.15, 0.08
OPEN_TYPES = (("可向社会公开", 85), ("特定范围内公开", 10), ("不可公开", 5))


def _committer(world: World, rng: random.Random) -> Subject:
    roll = rng.random()
    persons, operators = world.persons_with_id18, world.operator_named_shops
    if roll < _PERSON_COMMITMENT_SHARE and persons:
        return rng.choice(persons)
    if roll < _PERSON_COMMITMENT_SHARE + _OPERATOR_NAME_SHARE and operators:
        return rng.choice(operators)
    return rng.choice(world.organisations)


def commitment_national_row(world: World, rng: random.Random) -> dict:
    """A commitment in the national 信用承诺 template: 承诺人代码 is the USCC, or a 自然人's ID number."""
    s = _committer(world, rng)
    person = s.kind == "person"
    kind, cause, content, liability, key, _ = rng.choice(
        [c for c in N.NATIONAL_COMMITMENTS if c[5] == person] or N.NATIONAL_COMMITMENTS)
    dept = world.departments[key]
    made = _past_day(rng, world.as_of, 3 * 365)
    state = rng.choice(N.NATIONAL_COMMITMENT_STATES)
    kept = state == "全部履行"
    found = min(made + timedelta(days=rng.randint(30, 300)), world.as_of)
    open_type = rng.choices([t for t, _ in OPEN_TYPES], [w for _, w in OPEN_TYPES])[0]
    return {
        "承诺编码": f"CN-{CITY}00-{made:%Y%m%d}-{rng.randrange(10 ** 4):04d}", "承诺人名称": s.name,
        "承诺人类别": {"person": "自然人", "shop": "个体工商户"}.get(s.kind, "法人及非法人组织"),
        "承诺人代码": s.person.id_number if person and s.person else s.uscc, "承诺类型": kind, "承诺事由": cause,
        "承诺内容": content, "违诺责任": liability, "承诺作出日期": made,
        "承诺有效期": "长期" if rng.random() < 0.2 else add_months(made, 12 * rng.randint(1, 3)) - timedelta(days=1),
        "承诺履行状态": state, "未履行的承诺内容": "" if kept else "未在承诺期限内补齐相关材料",
        "违诺责任追究内容": "" if kept else liability, "承诺履行状态认定日期": None if kept else found,
        "承诺履行状态认定单位": "" if kept else dept.name, "承诺履行状态认定单位代码": "" if kept else dept.uscc,
        "承诺受理单位": dept.name, "承诺受理单位代码": dept.uscc, "公开类型": open_type, "备注": "",
    }


# The field that, with the subject's code, tells one entry from another (no accidental duplicates).
ENTRY_KEYS = {"black_list": "列入事由", "red_list": "荣誉名称", "commitment": "承诺事项", "arrears": "欠缴类型",
              "black_list_market": "列入严重违法失信企业名单原因", "commitment_national": "承诺编码"}
_ENTRY_CODES = {"commitment_national": "承诺人代码", "black_list_market": "统一社会信用代码"}


def _entries(world: World, dataset: str, department: str, n: int, rng: random.Random) -> list[dict]:
    """List entries, commitments or arrears: n rows, no two for the same subject and key."""
    creditors = ("hrss", "fund") if department == "hrss" else ("water", "power", "gas")
    kinds = tuple(k for k in N.ARREARS_KINDS if k[1] in creditors)
    row_of = {"black_list": black_list_row, "red_list": red_list_row, "commitment": commitment_row,
              "black_list_market": black_list_market_row,
              "commitment_national": commitment_national_row}.get(dataset)
    if row_of is None and dataset != "arrears":
        raise ValueError(f"no entry rows for dataset {dataset}")
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    while len(rows) < n:
        row = arrears_row(world, rng, kinds) if row_of is None else row_of(world, rng)
        key = (row[_ENTRY_CODES.get(dataset, "统一社会信用代码")], row[ENTRY_KEYS[dataset]])
        if key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


def other_rows(world: World, dataset: str, department: str, n: int, rng: random.Random) -> list[dict]:
    """The n rows of a list, commitment, evaluation, tax grade or arrears sheet of `department`."""
    if dataset in ENTRY_KEYS:
        return _entries(world, dataset, department, n, rng)
    make = evaluation_rows if dataset == "evaluation" else tax_grade_rows
    rows: list[dict] = []
    subjects = rng.sample(world.organisations, min(len(world.organisations), n))
    for s in subjects:
        rows.extend(make(world, rng, s, min(rng.choice((1, 2, 3)), n - len(rows))))
        if len(rows) >= n:
            break
    return rows



# --- The register ---------------------------------------------------------------------------------
def _subject_type(rng: random.Random, s: Subject) -> str:
    if s.kind == "shop":
        return "个体工商户"
    if s.kind == "coop":
        return "农民专业合作社"
    if s.name.endswith("股份有限公司"):
        return "股份有限公司（非上市、自然人投资或控股）"
    return rng.choice(N.COMPANY_TYPES[:4])


def registry_row(world: World, rng: random.Random, s: Subject) -> dict:
    """A market subject as the register lists it (its 法定代表人 is the operator for a shop)."""
    founded = world.as_of - timedelta(days=rng.randint(4 * 365 + 30, 25 * 365))
    state = rng.choices([t for t, _ in N.REGISTRATION_STATES], [w for _, w in N.REGISTRATION_STATES])[0]
    return {"主体名称": s.name, "统一社会信用代码": s.uscc, "主体类型": _subject_type(rng, s),
            "法定代表人": s.rep.name if s.rep else "", "成立日期": founded,
            "登记机关": N.REGISTRARS.get(s.division, N.REGISTRARS[CITY + "00"]), "登记状态": state, "住所": s.address}


def registered_named(world: World) -> list[Subject]:
    """The subjects the records name that the city's register lists (its market subjects)."""
    return [s for s in world.subjects if s.kind in ("company", "coop", "shop") and s.division.startswith(CITY)]


def registry_rows(world: World, rng: random.Random, extra: int) -> list[dict]:
    """The city's register: every market subject registered here that a record names, and `extra`
    more that none does (most subjects of a real city have no record at all), in no order."""
    subjects = registered_named(world) + world.add_registered(extra)
    rng.shuffle(subjects)
    return [registry_row(world, rng, s) for s in subjects]
