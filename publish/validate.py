"""Validation: one raw row → typed canonical values, or the reason it goes to quarantine.

Every rejection carries a stable English code, a Chinese sentence and the field, so the
credit office can send the row back to its department.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from redaction.checkdigits import USCC_ALPHABET, is_valid_id, is_valid_uscc

from .dates import DateError, parse_date, parse_datetime
from .definitions import Dataset, Field

_USCC_SYMBOLS = frozenset(USCC_ALPHABET)

# Stable codes and their Chinese sentences (the quarantine and the build report use both).
REASONS = {
    "missing_required": "必填字段为空",
    "malformed_uscc": "统一社会信用代码格式错误（应为 18 位数字或大写字母）",
    "invalid_uscc": "统一社会信用代码校验位错误（GB 32100-2015）",
    "invalid_date": "日期无法识别",
    "future_date": "日期晚于数据截止日",
    "date_order": "日期先后顺序错误",
    "invalid_enum": "取值不在允许范围内",
    "invalid_number": "数值无法识别",
    "malformed_row": "该行无法解析（列数多于表头，或 CSV 格式错误）",
    "malformed_json": "该行不是合法的 JSON 对象",
    "undecodable_row": "该行的字节不符合文件的编码，无法解码",
    "oversized_field": "该行有单元格超过 32,767 个字符（Excel 单元格上限）",
    "duplicate_header": "文件表头有重名的列，无法确定取哪一列",
    "personal_data_in_output": "脱敏后仍含个人信息或商业秘密，不予发布",
}


# The safer reading (issue 13): a repair that points at a record withholds it even when its
# date cannot be read; the row is applied and a finding tells the credit office. Keyed by
# the dataset's publicity rule: field names whose unreadable value does not reject the row.
APPLIED_WHEN_UNREADABLE: dict[str, frozenset[str]] = {"repair": frozenset({"repair_date"})}
APPLIED_WHEN_UNREADABLE["objection"] = frozenset({"filed_date", "handled_date"})
# Findings (build-report.json, per file and row) for the values read that way.
FINDINGS = {
    "unreadable_repair_date": "信用修复决定日期无法识别，仍按修复处理（对应记录不予公示）",
    "unreadable_filed_date": "异议提出日期无法识别，仍按异议处理",
    "unreadable_handled_date": "异议处理日期无法识别，仍按异议处理",
    "optional_field_dropped": "选填字段无法识别，已留空（该行照常处理）",
}


# Fields that decide who may see a record, or until when: a value that cannot be read
# quarantines the row even where the field is optional, since leaving it empty could publish
# what must not be (a withdrawn record, a government-only one, a natural person as a company,
# a window past the department's end). The safer reading (DOMAIN.md).
DECIDING = frozenset({"subject_class", "status", "scope", "severity", "publicity_until", "removal_date",
                      "valid_to", "valid_until"})

# Dates that stand for "none" or "open end" whatever their writing (also when a spreadsheet
# stores them as date cells): 1900-01-01 (and Excel's day zero), 2099-12-31, 9999-12-31.
PLACEHOLDER_DAYS = frozenset({"1899-12-30", "1899-12-31", "1900-01-01", "2099-12-31", "9999-12-31"})


PLACEHOLDER_MAX_CHARS = 24


@lru_cache(maxsize=2)
def placeholders(path: str | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(any field, date fields): what stands for an empty cell (data/placeholders.yml)."""
    import yaml

    from .resources import data_file

    with open(path or data_file("placeholders.yml"), encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    def spellings(values) -> frozenset[str]:
        # Each as written, in lower and in upper case, and capitalised (null, NULL, Null): a
        # set lookup per cell, no case folding on the hot path.
        out = set()
        for v in values:
            v = str(v).strip()
            out |= {v, v.lower(), v.upper(), v.capitalize()}
        return frozenset(out)

    any_field = spellings(raw.get("any") or ())
    return any_field, any_field | spellings(raw.get("dates") or ())


@dataclass(frozen=True, slots=True)
class Rejection:
    code: str
    field: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Note:
    """A value the row was accepted without: reported as a finding, never silently dropped."""
    kind: str
    field: str
    message: str


def oversized_cell(cells: list, limit: int) -> int | None:
    """The index of the first text cell longer than `limit` characters, if any."""
    try:
        if max(map(len, cells), default=0) <= limit:   # every cell text (CSV): one C-level pass
            return None
    except TypeError:
        pass   # numbers or empty cells (spreadsheets): look cell by cell
    for index, cell in enumerate(cells):
        if type(cell) is str and len(cell) > limit:
            return index
    return None


def duplicated_headers(header: list, mapping: dict[int, str]) -> dict[str, list[int]]:
    """Header names (as written) that name a known field and occur more than once, with the
    1-based column numbers where they stand: which column a department meant is unknowable."""
    from .definitions import normalise_header

    columns: dict[str, list[int]] = {}
    for index, cell in enumerate(header):
        if cell not in (None, ""):
            columns.setdefault(normalise_header(cell), []).append(index)
    known = {normalise_header(header[i]) for i in mapping}
    return {str(header[indexes[0]]): [i + 1 for i in indexes]
            for name, indexes in columns.items() if len(indexes) > 1 and name in known}


class RowValidator:
    """Checks the rows of one source table against its dataset definition."""

    def __init__(self, dataset: Dataset, mapping: dict[int, str], as_of: dt.date):
        self.dataset = dataset
        self.as_of = as_of
        self.as_of_iso = as_of.isoformat()
        self.columns = [(index, dataset.require_field(name)) for index, name in sorted(mapping.items())]
        self.converters = [(index, f.name, f, self._converter(f)) for index, f in self.columns]
        self.width = max(mapping) + 1 if mapping else 0
        present = set(mapping.values())
        self.missing_required = [f for f in dataset.fields if f.required and f.name not in present]
        self.order_checks = [(f.name, f.not_before) for f in dataset.fields
                             if f.not_before and f.name in present and f.not_before in present]
        self.applied_when_unreadable = APPLIED_WHEN_UNREADABLE.get(dataset.rule, frozenset())
        # The subject's class, read raw: it decides what a uscc_or_id code is.
        self.class_index = next((i for i, name in mapping.items() if name == "subject_class"), None)
        # Required and identifying fields quarantine a row they cannot read; any other field
        # is left empty with a finding (DOMAIN.md).
        identifying = set(dataset.identity) | {"uscc", "subject_name"}
        self.optional = {f.name for f in dataset.fields
                         if not f.required and f.name not in identifying and f.name not in DECIDING}
        any_field, in_dates = placeholders()
        self.placeholders = {f.name: in_dates if f.type in ("date", "datetime") else any_field
                             for f in dataset.fields}

    def validate(self, cells: list, notes: list[Note] | None = None,
                 empty: list[str] | None = None) -> dict | Rejection:
        """Typed values by field name (absent or empty cells are None), or a Rejection.
        A field read the safer way (APPLIED_WHEN_UNREADABLE) and an optional field are None
        when they cannot be read, and a Note is added to `notes`; a placeholder (`/`, `无`,
        1900-1-1…) is None, and its field is added to `empty`."""
        if self.missing_required:
            f = self.missing_required[0]
            return self._reject("missing_required", f, f"缺少必填列“{f.header}”")
        values: dict[str, object] = {}
        ncells = len(cells)
        for index, name, f, convert in self.converters:
            raw = cells[index] if index < ncells else None
            if raw is None:
                values[name] = None
                continue
            if type(raw) is str:
                raw = raw.strip()
                if not raw:
                    values[name] = None
                    continue
                if len(raw) <= PLACEHOLDER_MAX_CHARS and raw in self.placeholders[name]:
                    values[name] = None
                    if empty is not None:
                        empty.append(name)
                    continue
                if convert is None:  # plain text: the common case, no call
                    values[name] = raw
                    continue
            if f.type == "uscc_or_id":
                person_id = _person_id(raw, cells, self.class_index)
                if person_id is not None:
                    # A natural person's ID number where the USCC would stand: kept only in the
                    # dropped id_number field (the subject is then a natural person).
                    values[name], values["id_number"] = None, person_id
                    continue
            try:
                value = values[name] = convert(raw) if convert else _cell_text(raw)
                if f.type in ("date", "datetime") and isinstance(value, str) and value[:10] in PLACEHOLDER_DAYS:
                    values[name] = None   # a spreadsheet's date cell holding 1900-01-01 or 2099-12-31
                    if empty is not None:
                        empty.append(name)
            except _Invalid as exc:
                message = f"“{f.header}”{REASONS[exc.code]}：{raw}"
                if name in self.applied_when_unreadable:
                    values[name] = None
                    self._note(notes, f, message)
                elif name in self.optional:
                    values[name] = None
                    if notes is not None:
                        notes.append(Note("optional_field_dropped", name,
                                          f"{FINDINGS['optional_field_dropped']}：{message}"))
                else:
                    return self._reject(exc.code, f, message)
        for f in self.dataset.fields:
            if f.required and values.get(f.name) is None:
                if f.name in self.applied_when_unreadable:
                    if f.name in values and not _noted(notes, f):
                        self._note(notes, f, f"“{f.header}”为空")
                    continue
                return self._reject("missing_required", f, f"必填字段“{f.header}”为空")
        for later, earlier in self.order_checks:
            a, b = values.get(later), values.get(earlier)
            if a is not None and b is not None and _earlier(a, b):
                f = self.dataset.require_field(later)
                before = self.dataset.require_field(earlier)
                return self._reject("date_order", f, f"“{f.header}”（{a}）早于“{before.header}”（{b}）")
        return values

    def _note(self, notes: list[Note] | None, f: Field, message: str) -> None:
        if notes is not None:
            notes.append(Note(f"unreadable_{f.name}", f.name, f"{FINDINGS.get(f'unreadable_{f.name}', '')}：{message}"))

    @staticmethod
    def _reject(code: str, f: Field | None, message: str) -> Rejection:
        return Rejection(code, f.name if f else None, message)

    def _converter(self, f: Field):
        """The function turning a non-empty cell into the field's typed value (None: text)."""
        return None if f.type == "text" else (lambda raw, f=f: self._convert(f, raw))

    def _convert(self, f: Field, raw: object) -> object:
        kind = f.type
        if kind == "text":
            return raw if isinstance(raw, str) else _cell_text(raw)
        if kind in ("uscc", "uscc_or_id"):
            return _uscc(raw)
        if kind == "date":
            try:
                day = parse_date(raw).isoformat()
            except DateError:
                raise _Invalid("invalid_date") from None
            if f.not_after_as_of and day > self.as_of_iso:
                raise _Invalid("future_date")
            return day
        if kind == "datetime":
            try:
                return parse_datetime(raw)
            except (DateError, ValueError):
                raise _Invalid("invalid_date") from None
        if kind == "enum":
            value = f.enum_value(raw if isinstance(raw, str) else _cell_text(raw))
            if value is None:
                raise _Invalid("invalid_enum")
            return value
        if kind == "decimal":
            return _number(raw, float)
        if kind == "integer":
            return _number(raw, int)
        raise AssertionError(kind)


def _noted(notes: list[Note] | None, f: Field) -> bool:
    return notes is not None and any(n.field == f.name for n in notes)


def _earlier(a: object, b: object) -> bool:
    """a < b for two converted values of ordered fields: ISO text for dates, or numbers."""
    if isinstance(a, str) and isinstance(b, str):
        return a < b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a < b
    raise TypeError(f"cannot order {type(a).__name__} against {type(b).__name__}")


class _Invalid(Exception):
    def __init__(self, code: str):
        self.code = code


def _cell_text(raw: object) -> str:
    """Text of a non-string cell (XLSX numbers: 12.0 → "12")."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    return str(raw)


ORGANISATION_CLASSES = frozenset({"法人及非法人组织", "法人", "非法人组织", "个体工商户"})


def _person_id(raw: object, cells: list, class_index: int | None) -> str | None:
    """The resident ID number a code cell holds, if that is what it is. About one valid ID in
    31 also passes the USCC check (DOMAIN.md): such a value is an ID unless the row's own class
    says an organisation stands there (the safer reading: a company taken for a person is
    published with less, a person taken for a company would publish an ID)."""
    text = (_cell_text(raw) if not isinstance(raw, str) else raw).strip().upper()
    if not (text.isascii() and len(text) in (15, 18) and is_valid_id(text)):
        return None
    if is_valid_uscc(text) and class_index is not None and class_index < len(cells):
        declared = cells[class_index]
        if isinstance(declared, str) and declared.strip() in ORGANISATION_CLASSES:
            return None
    return text


def _uscc(raw: object) -> str:
    return _uscc_text(_cell_text(raw) if not isinstance(raw, str) else raw)


@lru_cache(maxsize=1 << 16)
def _uscc_text(raw: str) -> str:
    """Cached: authorities' and departments' codes repeat on every row."""
    code = unicodedata.normalize("NFKC", raw)
    code = code.replace(" ", "").upper()
    if len(code) != 18 or not _USCC_SYMBOLS.issuperset(code):
        raise _Invalid("malformed_uscc")
    if not is_valid_uscc(code):
        raise _Invalid("invalid_uscc")
    return code


def _number(raw: object, kind: type) -> object:
    if isinstance(raw, bool):
        raise _Invalid("invalid_number")
    if isinstance(raw, (int, float)):
        return kind(raw) if kind is float or float(raw).is_integer() else _fail()
    text = unicodedata.normalize("NFKC", str(raw)).replace(",", "").replace(" ", "")
    if kind is int:
        text = text.removesuffix("年")
    try:
        return kind(float(text)) if kind is int and float(text).is_integer() else kind(text)
    except ValueError:
        raise _Invalid("invalid_number") from None


def _fail():
    raise _Invalid("invalid_number")


def normalise_decision_no(number: str) -> str:
    """Decision numbers compared normalised: NFKC, brackets 〔〕[]【】() unified, spaces removed."""
    text = unicodedata.normalize("NFKC", number)
    return text.translate(_BRACKETS).replace(" ", "").replace("\u3000", "")


_BRACKETS = str.maketrans({"〔": "[", "〕": "]", "【": "[", "】": "]", "(": "[", ")": "]",
                           "（": "[", "）": "]", "［": "[", "］": "]", "{": "[", "}": "]"})


def normalise_name(name: str) -> str:
    """Names compared normalised (NFKC, no spaces, unified brackets)."""
    return normalise_decision_no(name)
