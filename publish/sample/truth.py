"""The sample's truth file: every personal value the generator planted, with the file, row and
column it stands in and the form it takes, so that a test can look for each one in what the
build publishes (tests/test_sample_truth.py), as the redaction evaluation does with its labelled
corpus.

The file is `.publish-sample-truth.json` beside the raw files: a dot file, so the build never
reads it, and listed in the sample's marker, so `sample --out` replaces it with the rest. It
holds unmasked personal values (invented ones): like the raw files, it is never published.

Values are collected while the text is written (`Plant`s on each decision, see text.py and
decisions.py) and from the columns of each finished row (names, ID numbers, tax numbers that
are ID numbers), then located: a planted value that a fault removed from its row is not listed.
Nothing here draws a random number, so the raw files are the same with or without it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from redaction.checkdigits import is_valid_id

from . import names as N
from .exports import is_placeholder
from .faults import ROLES
from .plan import Part, line_of
from .world import Subject, World

TRUTH = ".publish-sample-truth.json"
FORMAT = 1

# What a planted value is.
KINDS = ("person_name", "id_number", "phone", "bank_card", "email", "address")

# Where each form of a planted value stands (the stable codes of the truth file).
FORMS = {
    # names of natural persons
    "subject_person": "行政相对人名称 of a 自然人",
    "subject_operator_name": "行政相对人名称 of a 个体工商户 registered under its operator's name alone",
    "representative_column": "法定代表人 / 法定代表人姓名 column",
    "facts_person_header": "当事人X，男，…: a natural person's header block in the facts",
    "facts_operator": "经营者X (a shop's operator) in the facts",
    "facts_representative": "当事人法定代表人X in the facts",
    "facts_site_manager": "现场负责人：X in the facts",
    "facts_driver": "驾驶员X（…） in the facts",
    "facts_shareholder": "当事人股东X in the facts",
    "facts_finance_staff": "财务人员X in the facts",
    "content_ban": "对当事人X / 对其法定代表人X处以…限制从业 in the decision",
    "remark_contact": "联系人：X in a penalty's 备注",
    "licence_content_role": "负责人 / 联系人 / 经办人 / 管理员：X（phone） in a licence's 许可内容",
    "licence_remark_clerk": "经办人：X，电话… in a licence's 备注",
    "registry_operator_name": "主体名称 of a 个体工商户 the register lists under its operator's name alone",
    "commitment_person_name": "承诺人名称 of a 自然人 (or of a 个体工商户 under its operator's name alone) in the "
                              "national commitment template",
    # numbers and other details
    "id_column": "an ID number column (法定代表人证件号码, 证件号码, 居民身份证号)",
    "tax_number_id": "税务登记号 that is the operator's ID number",
    "tax_number_id_appended": "税务登记号 that is the operator's ID number with 2 digits appended",
    "id_in_number_field": "an ID number where a decision or licence number belongs (a fault)",
    "commitment_code_id": "承诺人代码 that is a 自然人's ID number (the national commitment template)",
    "text_details": "身份证号码 / 联系电话 / 住址 of a person named in the facts",
    "text_driver": "the driver's ID number and phone",
    "text_card": "a personal bank card in the facts (卡号：…)",
    "text_email": "a person's e-mail address in the facts (联系邮箱…)",
    "text_remark": "a phone in a penalty's or licence's 备注",
    "text_licence_content": "a phone in a licence's 许可内容",
    "registry_person_address": "住所 of a 个体工商户 the register lists under its operator's name alone (a natural "
                               "person's: only its district may be shown)",
}

# The record's text fields, per layout: where a Plant's `field` is written.
TEXT_COLUMNS = {
    "penalty": {"facts": "违法事实", "content": "处罚内容", "remark": "备注"},
    "penalty_2016": {"facts": "处罚事由", "content": "处罚结果", "remark": "备注"},
    "licence": {"content": "许可内容", "remark": "备注"},
    "licence_2016": {"content": "许可内容", "remark": "备注"},
}
# Columns (canonical names, any dataset) that hold a natural person's value as a whole cell, with
# the form it is listed under: a new layout with such a column adds it here.
NAME_COLUMNS = {"法定代表人": "representative_column", "法定代表人姓名": "representative_column"}
ID_COLUMNS = {"法定代表人证件号码": "id_column", "证件号码": "id_column", "行政相对人代码_5(居民身份证号)": "id_column"}
# Code columns that hold an ID number only sometimes (a 个体工商户's 税务登记号 was often its
# operator's, perhaps with 2 digits appended): listed when the value passes the ID check.
ID_LIKE_COLUMNS = {"行政相对人代码_4(税务登记号)": "tax_number_id", "承诺人代码": "commitment_code_id"}
# The form of a subject name that is a natural person's, where a dataset has its own.
SUBJECT_NAME_FORMS = {
    "registry": {"subject_operator_name": "registry_operator_name"},
    "commitment_national": {"subject_person": "commitment_person_name",
                            "subject_operator_name": "commitment_person_name"},
}
# Whole-cell addresses of a natural person: (dataset, column), listed when the row's subject is one.
PERSON_ADDRESS_COLUMNS = {("registry", "住所"): "registry_person_address"}
_BEFORE = 4  # characters of context kept before a value (what a reader of the output sees next to it)


@dataclass(frozen=True)
class Plant:
    """A personal value written into one of a record's text fields."""

    kind: str     # one of KINDS
    form: str     # a key of FORMS
    writing: str  # how it is written: "plain", "spaced", "dash", "fullwidth"…
    written: str  # exactly as in the file
    value: str    # the value itself: the name, the digits, the home beyond its district
    field: str    # "facts", "content" or "remark" (TEXT_COLUMNS)


def name_plant(person_name: str, form: str, field: str) -> Plant:
    return Plant("person_name", form, "plain", person_name, person_name, field)


def id_plant(written: str, number: str, style: str, form: str, field: str) -> Plant:
    writing = "legacy15" if len(number) == 15 else style
    return Plant("id_number", form, writing, written, number, field)


def phone_plant(written: str, number: str, style: str, form: str, field: str) -> Plant:
    return Plant("phone", form, style, written, number, field)


def card_plant(written: str, number: str, form: str, field: str) -> Plant:
    return Plant("bank_card", form, "grouped" if " " in written else "plain", written, number, field)


def email_plant(address: str, form: str, field: str) -> Plant:
    return Plant("email", form, "plain", address, address, field)


def home_plant(address: str, form: str, field: str) -> Plant:
    return Plant("address", form, "labelled", address, home_beyond_district(address), field)


def district_of(address: str) -> str:
    """The part of an address the public may see: province, city and district (DOMAIN.md)."""
    for prefix, _, _ in N.ADDRESS_AREAS:
        if address.startswith(prefix):
            # A 街道 is below the district (中山市 has no districts: its towns and 街道 are next).
            return prefix[: prefix.index("市") + 1] if prefix.endswith("街道") else prefix
    raise ValueError(f"not an address of the sample: {address}")


def home_beyond_district(address: str) -> str:
    """What identifies a home beyond its district: the street or village and the house number."""
    rest = address[len(district_of(address)):]
    return rest[: rest.index("号") + 1] if "号" in rest else rest


# --- Locating the values in the finished rows --------------------------------------------------
def _entry(part: Part, index: int, column: str, cell: str, at: int, plant: Plant, spans: list[tuple[int, int]],
           business_homes: set[str]) -> dict:
    """One planted value as the truth file lists it."""
    end = at + len(plant.written)
    # The context before the value, but none of another planted value (that one may be masked).
    start = max([0, at - _BEFORE] + [b for _, b in spans if b <= at])
    entry = {
        "path": part.source.path, "sheet": part.sheet.name, "row": line_of(part, index),
        "column": part.sheet.spelling.get(column, column), "kind": plant.kind, "form": plant.form,
        "writing": plant.writing, "written": plant.written, "value": plant.value,
        "before": cell[start:at], "whole_cell": at == 0 and end == len(cell),
    }
    if plant.kind == "address" and district_of(plant.written) + plant.value in business_homes:
        entry["also_a_business_address"] = True  # a company at the same number: its address is public
    return entry


def _name_column(dataset: str) -> str:
    """The column that names a dataset's subject (faults.ROLES), or none."""
    roles = ROLES.get(dataset)
    return roles["name"] if roles else ""


def _id_inside(code: str) -> str | None:
    """The ID number a code is, or begins with when 2 digits are appended to it."""
    if len(code) == 20 and is_valid_id(code[:18]):
        return code[:18]
    return code if len(code) in (15, 18) and is_valid_id(code) else None


def _column_plants(dataset: str, row: dict, people: dict[str, str]) -> list[tuple[str, Plant]]:
    """(column, plant) of the personal values a row's own columns hold."""
    out: list[tuple[str, Plant]] = []
    name_column = _name_column(dataset)
    subject_name = row.get(name_column)
    if isinstance(subject_name, str) and subject_name in people:
        form = people[subject_name]
        out.append((name_column, name_plant(subject_name, SUBJECT_NAME_FORMS.get(dataset, {}).get(form, form), "")))
        for (where, column), address_form in PERSON_ADDRESS_COLUMNS.items():
            if where == dataset and row.get(column):
                out.append((column, home_plant(row[column], address_form, "")))
    for column, value in row.items():
        if not isinstance(value, str) or not value or is_placeholder(value):
            continue
        if column in NAME_COLUMNS:
            out.append((column, name_plant(value, NAME_COLUMNS[column], "")))
        elif column in ID_COLUMNS:
            out.append((column, id_plant(value, value, "plain", ID_COLUMNS[column], "")))
        elif column in ID_LIKE_COLUMNS and (number := _id_inside(value)) is not None:
            form = ID_LIKE_COLUMNS[column] + ("_appended" if number != value else "")
            out.append((column, id_plant(value, number, "plain", form, "")))
    return out


def _fault_plants(part: Part, index: int, row: dict) -> list[tuple[str, Plant]]:
    """The ID number an id_in_keep_field fault put where a decision or licence number belongs."""
    if part.faults.get(index) != "id_in_keep_field":
        return []
    column = ROLES[part.sheet.dataset]["keep"]
    value = row[column]
    return [(column, id_plant(value, value, "plain", "id_in_number_field", ""))]


def _plants_of_row(part: Part, index: int, row: dict, people: dict[str, str]) -> list[tuple[str, Plant]]:
    """(column, plant) of everything planted in a row: its own columns, its fault, its record's text."""
    dataset = part.sheet.dataset
    planted = _column_plants(dataset, row, people) + _fault_plants(part, index, row)
    record = part.records[index] if index < len(part.records) else None
    text_columns = TEXT_COLUMNS.get(dataset, {})
    planted += [(text_columns[p.field], p) for p in getattr(record, "plants", ()) if p.field in text_columns]
    return planted


def _located(row: dict, planted: list[tuple[str, Plant]]) -> dict[str, list[tuple[int, Plant]]]:
    """Column → (offset, plant) of the plants still in the row (a fault may have removed one); a
    value written twice in one cell is found at each of its places in turn."""
    by_column: dict[str, list[tuple[int, Plant]]] = {}
    searched_from: dict[tuple[str, str], int] = {}
    for column, plant in planted:
        cell = row.get(column)
        if not isinstance(cell, str):
            continue
        if plant.field:
            at = cell.find(plant.written, searched_from.get((column, plant.written), 0))
        else:  # a column's value: the whole cell
            at = 0 if cell == plant.written else -1
        if at >= 0:
            searched_from[(column, plant.written)] = at + 1
            by_column.setdefault(column, []).append((at, plant))
    return by_column


def _row_entries(part: Part, index: int, row: dict, people: dict[str, str], business_homes: set[str]) -> list[dict]:
    entries: list[dict] = []
    seen: set[tuple] = set()
    for column, found in _located(row, _plants_of_row(part, index, row, people)).items():
        spans = [(at, at + len(p.written)) for at, p in found]
        for at, plant in sorted(found, key=lambda f: f[0]):
            key = (column, at, plant.kind, plant.form, plant.written)
            if key not in seen:
                seen.add(key)
                entries.append(_entry(part, index, column, row[column], at, plant, spans, business_homes))
    return entries


def _people(world: World) -> dict[str, str]:
    """Subject names that are a natural person's name, with their form."""
    people = {s.name: "subject_person" for s in world.natural_persons}
    people.update({s.name: "subject_operator_name" for s in world.all_subjects if _under_operator_name(s)})
    return people


def _under_operator_name(s: Subject) -> bool:
    """A 个体工商户 registered under nothing but its operator's name: a natural person (DOMAIN.md)."""
    return s.kind == "shop" and s.rep is not None and s.name == s.rep.name


def _kept_business_name(s: Subject) -> bool:
    """A shop's registered name that holds its operator's name beside a trade (张三水果店)."""
    return s.kind == "shop" and s.rep is not None and s.rep.name in s.name and s.name != s.rep.name


def collect_truth(world: World, parts: list[Part], about: dict) -> dict:
    """Every personal value of the sample where it stands, and the business names that hold a
    person's name and are kept whole (DOMAIN.md: 张三水果店 is published as written)."""
    people = _people(world)
    business_homes = {s.address.split("号")[0] + "号" for s in world.all_subjects
                      if s.kind != "person" and not _under_operator_name(s)}
    shops = {s.name: s for s in world.all_subjects if s.kind == "shop"}
    planted: list[dict] = []
    kept: dict[str, str] = {}
    for part in parts:
        name_column = _name_column(part.sheet.dataset)
        for index, row in enumerate(part.rows):
            planted.extend(_row_entries(part, index, row, people, business_homes))
            shop = shops.get(row.get(name_column) or "")
            if shop is not None and shop.rep is not None and _kept_business_name(shop):
                kept.setdefault(shop.name, shop.rep.name)
    return {
        "format": FORMAT, **about,
        "about": "Every personal value the sample planted (invented people), where it stands in the raw "
                 "files; never published. kept: registered business names that hold their operator's name "
                 "and are published whole.",
        "forms": FORMS,
        "kept": [{"value": business, "contains": person} for business, person in kept.items()],
        "planted": planted,
    }


def write_truth(out_dir: Path, content: dict) -> None:
    """The truth file, one planted value a line (readable, and diffs stay small)."""
    head = {k: v for k, v in content.items() if k != "planted"}
    lines = [json.dumps(entry, ensure_ascii=False) for entry in content["planted"]]
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    text += ',\n "planted": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"
    (out_dir / TRUTH).write_text(text, encoding="utf-8")


def truth_summary(content: dict) -> dict:
    """What the summary printed by `sample` says about the truth file."""
    per_kind: dict[str, int] = dict.fromkeys(KINDS, 0)
    for entry in content["planted"]:
        per_kind[entry["kind"]] += 1
    return {"path": TRUTH, "planted": len(content["planted"]), "per_kind": per_kind, "kept": len(content["kept"])}
