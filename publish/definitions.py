"""Dataset definitions: one YAML file per dataset and layout (publish/datasets/*.yml).

A definition says which headers a dataset has (with aliases), their types, which are
required, each field's redaction role and the publicity rule. Adding a dataset or an alias
is a new or edited YAML file, never new code.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import yaml

from .errors import PublishError
from .resources import DATASETS_DIR

BUILTIN_DIR = DATASETS_DIR

ROLES = {"subject_name", "person_name", "drop", "code", "uscc", "keep", "free_text",
         "text", "secret_declaration", "secret", "business_address"}
# A business's address is public; a natural person's is not (DOMAIN.md): the role stands for
# `text` in an organisation's record and for `drop` in a person's (publish/process.py).
BUSINESS_ADDRESS = {False: "text", True: "drop"}
# uscc_or_id: a code column that holds the USCC, or for a 自然人 the resident ID number (信用承诺's
# 承诺人代码): the ID is moved to the dataset's dropped `id_number` field, never published.
TYPES = {"text", "uscc", "uscc_or_id", "date", "datetime", "decimal", "integer", "enum"}
Tier = Literal["public", "authorized"]
TIERS: frozenset[str] = frozenset(get_args(Tier))
# The publicity rules publish/rules.py implements (DOMAIN.md "Publicity windows and repair").
Rule = Literal["penalty", "licence", "repair", "objection", "blacklist", "redlist", "always",
               "latest_per_subject"]
RULES: frozenset[str] = frozenset(get_args(Rule))

# Numbered code columns (行政相对人代码_N(名称)) are matched by the bracketed name alone: the
# 2016 layout numbers them differently from the current one (DOMAIN.md).
_NUMBERED_CODE = re.compile(r"行政相对人代码_?\d*\((.+)\)")
# A numbered code column without its bracketed name: read by the layout's own numbering, and
# only when the other headers fixed the layout (DOMAIN.md: the layouts number differently).
BARE_CODE = re.compile(r"行政相对人代码_?(\d+)")
_SPACES = re.compile(r"\s+")


def normalise_header(header: object) -> str:
    """The form headers are compared in: NFKC (full-width brackets), no spaces, `-` as `_`."""
    text = unicodedata.normalize("NFKC", str(header if header is not None else ""))
    text = _SPACES.sub("", text).replace("-", "_").replace("—", "_")
    if text.isascii():
        text = text.upper()   # the standard's field codes arrive in either case (CF_WSH, cf_wsh)
    match = _NUMBERED_CODE.fullmatch(text)
    return match.group(1) if match else text


PERSONAL_CODE_FIELD = "id_number"   # where a bare 行政相对人代码_5 goes: a dropped field


@dataclass(frozen=True)
class Field:
    name: str
    header: str
    role: str
    type: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    enum: dict[str, str] | None = None
    not_after_as_of: bool = False
    not_before: str | None = None
    label_en: str | None = None
    # An open enumeration maps the codes it knows (处罚类别1: "1" → 罚款) and keeps any other
    # value as written: departments send the words as often as the codes (DOMAIN.md).
    enum_open: bool = False

    def enum_value(self, raw: str) -> str | None:
        """The canonical enumeration value for a raw cell (None when not allowed)."""
        if self.enum is None:
            return raw
        value = self.enum.get(raw)
        if value is None:
            value = self.enum.get(unicodedata.normalize("NFKC", raw).strip())
        if value is None and self.enum_open:
            return raw.strip()
        return value


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    title_en: str
    rule: str
    fields: tuple[Field, ...]
    signature: tuple[str, ...]
    identity: tuple[str, ...]
    table: str | None = None
    tier: Tier | None = None  # checked against TIERS when loaded
    person_when_id_without_uscc: bool = False
    newest_by: tuple[str, ...] = ("updated_at",)
    source: str = ""
    # The register of market subjects: its name for a subject is the registered one.
    register: bool = False
    # The layout's numbering of 行政相对人代码_N, for bare numbered columns (N → field).
    numbered_codes: dict[int, str] = field(default_factory=dict, compare=False, repr=False)
    # What pages show of the kind's records (publish/kinds.py): one layout of a kind has it.
    display: dict | None = field(default=None, compare=False, repr=False)
    header_index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def roles(self) -> dict[str, str]:
        return {f.name: f.role for f in self.fields}

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def require_field(self, name: str) -> Field:
        """The field called `name`, for names this dataset gave out (its header mapping)."""
        f = self.field(name)
        if f is None:
            raise KeyError(f"dataset {self.name} has no field {name}")
        return f

    def match_header(self, header: list[object]) -> dict[int, str]:
        """Column index → field name for the columns of `header` this dataset knows.

        A field's canonical header beats an alias for it whatever the column order (企业名称
        beside 行政相对人名称: the latter is the subject); then aliases and field codes; then
        bare numbered code columns by this layout's numbering (a bare `_5` is always read as
        the personal number: never published)."""
        normalised = [normalise_header(cell) for cell in header]
        mapping: dict[int, str] = {}

        def take(index: int, name: str | None) -> None:
            if name and index not in mapping and name not in mapping.values() and self.field(name) is not None:
                mapping[index] = name

        canonical = {normalise_header(f.header): f.name for f in self.fields}
        for index, key in enumerate(normalised):
            take(index, canonical.get(key))
        for index, key in enumerate(normalised):
            take(index, self.header_index.get(key))
        for index, key in enumerate(normalised):
            bare = BARE_CODE.fullmatch(key)
            if bare:
                number = int(bare.group(1))
                take(index, PERSONAL_CODE_FIELD if number == 5 else self.numbered_codes.get(number))
        return mapping

    def shadowed(self, header: list[object], mapping: dict[int, str]) -> dict[int, str]:
        """Columns left unread because another column holds the same field (an alias beside
        its canonical header): column index → the field it spells. A difference is a finding."""
        return {index: self.header_index[key] for index, key in enumerate(map(normalise_header, header))
                if index not in mapping and key in self.header_index}

    def known_fields(self, normalised: set[str]) -> set[str]:
        return {self.header_index[h] for h in normalised if h in self.header_index}


def _parse(path: Path, data: dict) -> Dataset:
    def bad(msg: str) -> PublishError:
        return PublishError("invalid_dataset_definition", f"数据集定义文件 {path.name} 有误：{msg}")

    for key in ("name", "title", "rule", "fields", "signature", "identity"):
        if key not in data:
            raise bad(f"缺少 {key}")
    if data["rule"] not in RULES:
        raise bad(f"未知的公示规则 {data['rule']}")
    if data.get("tier") is not None and data["tier"] not in TIERS:
        raise bad(f"未知的开放层级 {data['tier']}")
    fields = []
    index: dict[str, str] = {}
    for name, spec in data["fields"].items():
        spec = dict(spec)
        enum = spec.get("enum")
        f = Field(
            name=name, header=spec["header"], role=spec.get("role", "keep"),
            type=spec.get("type", "text"), aliases=tuple(spec.get("aliases", ())),
            required=bool(spec.get("required", False)),
            enum={str(k): str(v) for k, v in enum.items()} if enum else None,
            not_after_as_of=bool(spec.get("not_after_as_of", False)),
            not_before=spec.get("not_before"), label_en=spec.get("label_en"),
            enum_open=bool(spec.get("enum_open", False)),
        )
        if f.role not in ROLES:
            raise bad(f"字段 {name} 的脱敏角色 {f.role} 未知")
        if f.type not in TYPES:
            raise bad(f"字段 {name} 的类型 {f.type} 未知")
        for header in (f.header, *f.aliases):
            key = normalise_header(header)
            if index.setdefault(key, name) != name:
                raise bad(f"表头 {header} 同时对应 {index[key]} 和 {name}")
        fields.append(f)
    names = {f.name for f in fields}
    # The standard's field codes (DOMAIN.md): another spelling of a field's header.
    for code, name in (data.get("field_codes") or {}).items():
        if name not in names:
            raise bad(f"field_codes 中的 {code} 对应不存在的字段 {name}")
        key = normalise_header(code)
        if index.setdefault(key, name) != name:
            raise bad(f"字段代码 {code} 同时对应 {index[key]} 和 {name}")
    try:
        # Stored as field names: any spelling or alias of a signature field counts.
        signature = tuple(index[normalise_header(h)] for h in data["signature"])
    except KeyError as exc:
        raise bad("signature 中的表头必须是某个字段的表头或别名") from exc
    for key in data["identity"]:
        if key != "subject_key" and key not in names:
            raise bad(f"identity 引用了不存在的字段 {key}")
    if data.get("table") and not data.get("tier"):
        raise bad("有 table 时必须给出 tier")
    return Dataset(
        name=data["name"], title=data["title"], title_en=data.get("title_en", data["name"]),
        rule=data["rule"], fields=tuple(fields), signature=signature,
        identity=tuple(data["identity"]), table=data.get("table"), tier=data.get("tier"),
        person_when_id_without_uscc=bool(data.get("person_when_id_without_uscc", False)),
        newest_by=tuple(data.get("newest_by", ("updated_at",))),
        source=str(path), display=data.get("display"), header_index=index,
        register=bool(data.get("register", False)),
        numbered_codes={int(k): str(v) for k, v in (data.get("numbered_codes") or {}).items()},
    )


def load_definitions(directory: Path | str | None = None) -> tuple[Dataset, ...]:
    """Every dataset definition of a directory (the built-in one by default)."""
    return _load(str(directory or BUILTIN_DIR))


@lru_cache(maxsize=8)
def _load(directory: str) -> tuple[Dataset, ...]:
    datasets = []
    for path in sorted(Path(directory).glob("*.yml")):
        with open(path, encoding="utf-8") as fh:
            datasets.append(_parse(path, yaml.safe_load(fh)))
    if not datasets:
        raise PublishError("no_dataset_definitions", f"目录 {directory} 中没有数据集定义")
    return tuple(datasets)


def recognise(header: list[object], datasets: tuple[Dataset, ...]) -> Dataset | None:
    """The dataset a header row belongs to: every signature header present, most columns known."""
    normalised = {normalise_header(cell) for cell in header if cell not in (None, "")}
    best, best_score = None, 0
    for dataset in datasets:
        known = dataset.known_fields(normalised)
        if all(sig in known for sig in dataset.signature):
            score = len(known)
            if score > best_score:
                best, best_score = dataset, score
    return best


def tables(datasets: tuple[Dataset, ...]) -> dict[str, list[Dataset]]:
    """Output table name → the datasets (layouts) that load into it."""
    out: dict[str, list[Dataset]] = {}
    for dataset in datasets:
        if dataset.table:
            out.setdefault(dataset.table, []).append(dataset)
    return out
