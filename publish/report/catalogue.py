"""The report's field catalogue (data/report_fields.yml): the 38 fields, the record kinds
that count as violations, and which authority belongs to which field.

A record belongs to the field whose `departments` pattern matches its deciding authority
(处罚机关), else its source department (数据来源单位), else, for a delivery that names neither
(a nil return, rows not loaded), its file's path; the longest match wins, then the field
listed first; nothing matched: `other` (其他). The same rule places records and deliveries,
so a field counts as delivered exactly when a record of it could have been.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from pathlib import Path

import yaml

from ..accounting import UNKNOWN_DEPARTMENT
from ..errors import PublishError
from ..kinds import kinds_by_table
from ..resources import data_file

CATALOGUE_FILE = "report_fields.yml"
CODE = re.compile(r"[a-z][a-z0-9_]*")
TOP_KEYS = frozenset({"kinds", "blacklist_kinds", "other", "fields"})
FIELD_KEYS = frozenset({"code", "name", "confirmed", "departments", "kinds"})
PLACED_MEMO = 100_000


@dataclass(frozen=True)
class Field:
    code: str
    name: str
    confirmed: bool
    kinds: tuple[str, ...]                  # the record kinds (tables) that count in it
    patterns: tuple[re.Pattern, ...]        # matched against authority names


@dataclass(frozen=True, eq=False)
class Catalogue:
    fields: tuple[Field, ...]               # in the report's order
    other: Field                            # what no field matches
    blacklist_kinds: tuple[str, ...]
    # field_of's answers: a build has few distinct (authority, department, file) triples.
    _placed: dict = dataclass_field(default_factory=dict, repr=False)

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return (*self.fields, self.other)

    def by_code(self) -> dict[str, Field]:
        return {f.code: f for f in self.all_fields}

    def match(self, text: str | None) -> Field | None:
        """The field whose pattern matches the longest part of `text` (ties: listed first)."""
        if not text:
            return None
        folded = _fold(text)
        best: Field | None = None
        best_length = 0
        for field in self.fields:
            for pattern in field.patterns:
                for m in pattern.finditer(folded):
                    if m.end() - m.start() > best_length:
                        best, best_length = field, m.end() - m.start()
        return best

    def field_of(self, authority: str | None, department: str | None = None, file: str | None = None) -> Field:
        """The field of a record or a delivery: by its deciding authority, else its department
        (数据来源单位), else (when it names no department) its file's path; else 其他."""
        key = (authority, department, file)
        placed = self._placed.get(key)
        if placed is None:
            if len(self._placed) >= PLACED_MEMO:
                self._placed.clear()
            placed = self._placed[key] = self._field_of(authority, department, file)
        return placed

    def _field_of(self, authority: str | None, department: str | None, file: str | None) -> Field:
        found = self.match(authority)
        if found is None and department and department != UNKNOWN_DEPARTMENT:
            found = self.match(department)
        if found is None and not authority and (not department or department == UNKNOWN_DEPARTMENT):
            found = self.match(file)
        return found or self.other


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _fail(source: str, message: str) -> PublishError:
    return PublishError("invalid_report_fields", f"{source}：{message}")


def _kinds(source: str, where: str, value: object, known: set[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(k, str) for k in value):
        raise _fail(source, f"{where} 应为非空的信息类别列表")
    unknown = [k for k in value if k not in known]
    if unknown:
        raise _fail(source, f"{where} 含未知的信息类别：{'、'.join(unknown)}（可用：{'、'.join(sorted(known))}）")
    return tuple(value)


def _field(source: str, index: int, raw: object, default_kinds: tuple[str, ...], known: set[str],
           other: bool = False) -> Field:
    where = "other" if other else f"第 {index + 1} 个领域"
    if not isinstance(raw, dict):
        raise _fail(source, f"{where} 应为映射（code、name、departments…）")
    code, name = raw.get("code"), raw.get("name")
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise _fail(source, f"{where} 缺少 code，或 code 不是小写英文标识（如 market、tax）：{code!r}")
    where = f"领域 {code}"
    extra = sorted(set(raw) - FIELD_KEYS)
    if extra:
        raise _fail(source, f"{where} 含未知的键：{'、'.join(map(str, extra))}")
    if not isinstance(name, str) or not name.strip():
        raise _fail(source, f"{where} 缺少中文名称 name")
    confirmed = raw.get("confirmed", True)
    if not isinstance(confirmed, bool):
        raise _fail(source, f"{where} 的 confirmed 应为 true 或 false")
    patterns: list[re.Pattern] = []
    departments = raw.get("departments", [] if other else None)
    if other:
        if departments:
            raise _fail(source, "other 匹配其余一切机关，不能有 departments")
    elif not isinstance(departments, list) or not departments:
        raise _fail(source, f"{where} 缺少 departments（匹配机关名称的正则表达式列表）")
    for pattern in departments or ():
        if not isinstance(pattern, str) or not pattern.strip():
            raise _fail(source, f"{where} 的 departments 含空的或非文本的模式：{pattern!r}")
        try:
            patterns.append(re.compile(_fold(pattern)))
        except re.error as exc:
            raise _fail(source, f"{where} 的模式“{pattern}”无法编译：{exc}") from exc
    kinds = _kinds(source, f"{where} 的 kinds", raw["kinds"], known) if "kinds" in raw else default_kinds
    return Field(code=code, name=name.strip(), confirmed=confirmed, kinds=kinds, patterns=tuple(patterns))


def parse_catalogue(raw: object, source: str = CATALOGUE_FILE, known_kinds: set[str] | None = None) -> Catalogue:
    """Validates the catalogue's YAML (already parsed); PublishError `invalid_report_fields`
    with the problem in Chinese otherwise."""
    known = set(kinds_by_table()) if known_kinds is None else known_kinds
    if not isinstance(raw, dict):
        raise _fail(source, "应为映射，含 kinds、blacklist_kinds、other、fields")
    extra = sorted(set(raw) - TOP_KEYS)
    if extra:
        raise _fail(source, f"含未知的键：{'、'.join(map(str, extra))}")
    default_kinds = _kinds(source, "kinds", raw.get("kinds"), known)
    blacklist_kinds = _kinds(source, "blacklist_kinds", raw.get("blacklist_kinds"), known)
    listed = raw.get("fields")
    if not isinstance(listed, list) or not listed:
        raise _fail(source, "fields 应为非空的领域列表")
    fields = tuple(_field(source, i, f, default_kinds, known) for i, f in enumerate(listed))
    other = _field(source, 0, raw.get("other"), default_kinds, known, other=True)
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    for field in (*fields, other):
        if field.code in seen_codes:
            raise _fail(source, f"领域代码重复：{field.code}")
        if field.name in seen_names:
            raise _fail(source, f"领域名称重复：{field.name}")
        seen_codes.add(field.code)
        seen_names.add(field.name)
    return Catalogue(fields=fields, other=other, blacklist_kinds=blacklist_kinds)


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """The catalogue (default: the package's data/report_fields.yml), validated."""
    return _load(str(path) if path else str(data_file(CATALOGUE_FILE)))


@lru_cache(maxsize=4)
def _load(path: str) -> Catalogue:
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except OSError as exc:
        raise _fail(path, f"无法读取：{exc}") from exc
    except yaml.YAMLError as exc:
        raise _fail(path, f"不是有效的 YAML：{exc}") from exc
    return parse_catalogue(raw, Path(path).name)
