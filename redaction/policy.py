"""The record-level policy: one input record and its fields' roles in, the redacted record out.

The build calls `redact_record` for every row, then `check.check_record` on the result.
Rules from DOMAIN.md "双公示: licences and penalties" and "Personal information and trade
secrets".
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from .checkdigits import is_valid_id, is_valid_uscc
from .detectors import EMPTY_CONTEXT, Context, detect, find_terms, to_ascii
from .mask import DEFAULT_MASKS, Masks, mask
from .names import looks_like_person_name, mask_person_name, surname_length
from .spans import resolve_overlaps

__all__ = ["ROLES", "Redacted", "redact_record", "looks_like_person_name", "split_secrets", "personal_id_in"]

ROLES = frozenset(
    {"subject_name", "person_name", "drop", "code", "uscc", "keep", "free_text", "secret_declaration", "secret", "text"}
)
_TEXT_ROLES = frozenset({"free_text", "text"})
_SECRET_SPLIT = re.compile(r"[；;]")
_NAME_TOKEN = re.compile(r"[^、,，;；/／\s]+")
_SEPARATORS = re.compile(r"[\s\-]")
# Placeholders departments put in empty cells: not a secret term.
_PLACEHOLDERS = frozenset({"无", "否", "是", "暂无", "不详", "/", "-", "—", "null", "NULL", "N/A", "n/a"})


@dataclass(frozen=True)
class Redacted:
    """A redacted record and what the after-check needs to know about the original."""

    values: dict[str, object]  # same keys as the input, redacted; dropped fields -> None
    personal_values: tuple[str, ...]  # raw personal values found (names, ID numbers)
    secrets: tuple[str, ...]  # declared secret terms
    dropped: tuple[str, ...]  # fields whose value was removed because it was personal


def split_secrets(value: object) -> tuple[str, ...]:
    """The terms of a `商业秘密` cell: separated by ； or ; (CONTRACT.md "Raw input")."""
    if value is None:
        return ()
    return tuple(t for t in (p.strip() for p in _SECRET_SPLIT.split(str(value))) if t)


def personal_id_in(value: object) -> str | None:
    """The resident ID number a code value holds (whole, or its first 18 or 15 characters).

    DOMAIN.md: a 个体工商户's 税务登记号 was often the operator's ID number, 15 or 18 digits,
    sometimes with 2 digits appended: look at the first 18.
    """
    if value is None:
        return None
    compact = str(value).strip()
    if len(compact) < 15:
        return None
    if not (compact.isascii() and compact.isalnum()):
        compact = _SEPARATORS.sub("", to_ascii(compact))
    compact = compact.upper()
    for candidate in (compact, compact[:18], compact[:15]):
        if len(candidate) in (15, 18) and is_valid_id(candidate):
            return candidate
    return None


def _mask_name_token(m: re.Match) -> str:
    token = m.group()
    return token if token in _PLACEHOLDERS else mask_person_name(token)


@lru_cache(maxsize=1 << 15)
def _detect_without_context(text: str) -> tuple:
    """Cached: legal bases, categories and decision texts repeat across many records."""
    return tuple(detect(text, EMPTY_CONTEXT))


def _detect(text: str, context: Context) -> list:
    """`detect`, served from the cache when none of the record's own terms occur in the text
    (the context then cannot change the result: every context detector looks for its terms)."""
    for terms in (context.personal_names, context.secrets, context.personal_numbers, context.keep_whole):
        for term in terms:
            if term in text:
                return detect(text, context)
    return list(_detect_without_context(text))


def _add_number(raw: str, found: str, personal: list[str], numbers: list[str]) -> None:
    personal.append(raw)
    numbers.append(raw)
    if found != raw:
        personal.append(found)
        numbers.append(found)


def redact_record(
    values: Mapping[str, object],
    roles: Mapping[str, str],
    subject_is_person: bool,
    masks: Masks = DEFAULT_MASKS,
) -> Redacted:
    """Redact one record: each field by its role (see ROLES), the context collected first.

    subject_is_person: the subject is a natural person (自然人); a subject name that is only a
    person's name is treated as one whatever this says (DOMAIN.md). Raises ValueError for a
    field without a known role.
    """
    names: list[str] = []
    keep_whole: list[str] = []
    secrets: list[str] = []
    personal: list[str] = []
    numbers: list[str] = []
    dropped: list[str] = []
    out: dict[str, object] = dict(values)
    person_subjects: list[str] = []
    texts: list[str] = []
    codes: list[str] = []
    usccs: set[str] = set()
    drop_ids: list[tuple[str, str]] = []

    # 1. Context from every field.
    for field, value in values.items():
        role = roles.get(field)
        if role not in ROLES:
            raise ValueError(f"field {field!r} has no known redaction role: {role!r}")
        if value is None or role == "keep":
            continue
        if role in _TEXT_ROLES:
            if isinstance(value, str) and value:
                texts.append(field)
        elif role == "uscc":
            usccs.add(str(value).strip())
        elif role == "code":
            codes.append(field)
        elif role == "subject_name":
            if isinstance(value, str) and value.strip():
                if subject_is_person or looks_like_person_name(value):
                    names.append(value.strip())
                    person_subjects.append(field)
                else:
                    keep_whole.append(value.strip())
        elif role == "person_name":
            names.extend(t for t in _NAME_TOKEN.findall(str(value)) if len(t) >= 2 and t not in _PLACEHOLDERS)
            out[field] = _NAME_TOKEN.sub(_mask_name_token, str(value))
        elif role == "secret_declaration":
            secrets.extend(split_secrets(value))
            out[field] = None
        elif role == "secret":
            raw = str(value).strip()
            if raw:
                out[field] = masks.secret
                if len(raw) >= 2 and raw not in _PLACEHOLDERS:
                    secrets.append(raw)
        elif role == "drop":
            out[field] = None
            raw = str(value).strip()
            if raw:
                dropped.append(field)
                found = personal_id_in(raw)
                if found:
                    drop_ids.append((raw, found))  # decided below, once the USCCs are known

    # ID numbers in never-published columns: personal, unless it is the record's own USCC
    # put in a 证件号码 column (a company's 证件号码 often is).
    for raw, found in drop_ids:
        if not (raw in usccs and is_valid_uscc(raw)):
            _add_number(raw, found, personal, numbers)
    for field in codes:
        raw = str(values[field]).strip()
        found = personal_id_in(raw)
        # DOMAIN.md: a code value that holds a valid ID and is not the valid USCC of the
        # record's USCC column is personal: never published. (About 1 in 31 ID numbers also
        # passes the USCC check, so passing it alone does not make a code public.)
        if found and not (raw in usccs and is_valid_uscc(raw)):
            out[field] = None
            dropped.append(field)
            _add_number(raw, found, personal, numbers)
    for field in person_subjects:
        out[field] = mask_person_name(values[field])

    personal = names + personal
    context = Context(
        personal_names=tuple(dict.fromkeys(names)),
        secrets=tuple(dict.fromkeys(secrets)),
        keep_whole=tuple(keep_whole),
        personal_numbers=tuple(dict.fromkeys(numbers)),
    )

    # 2. Text fields: detect with the context, then mask.
    text_spans = {field: _detect(values[field], context) for field in texts}

    # A name found after a role word (员工李四) is masked wherever else it appears too. A
    # three-character find may be a two-character name and the next word's first character
    # (李四明知): its first two characters are masked elsewhere too.
    found_names = {values[f][s.start : s.end] for f, spans in text_spans.items() for s in spans if s.kind == "person_name"}
    if found_names:
        found_names |= {n[:2] for n in found_names if len(n) == 3 and surname_length(n) == 1}
        found_names = tuple(n for n in found_names - set(context.personal_names) if len(n) >= 2)
    for field, spans in text_spans.items():
        text = values[field]
        if found_names:
            extra = find_terms(text, found_names, "person_name", context.keep_whole)
            if extra:
                spans = resolve_overlaps(spans + extra)
        if spans:
            out[field] = mask(text, spans, masks)

    # CONTRACT.md: a declared secret is removed wherever it appears in the record, must-keep
    # fields included (they are otherwise published as delivered).
    if context.secrets:
        for field, value in out.items():
            if isinstance(value, str) and field not in text_spans and roles[field] != "uscc":
                for term in context.secrets:
                    if term in value:
                        value = value.replace(term, masks.secret)
                out[field] = value

    return Redacted(
        values=out,
        personal_values=tuple(dict.fromkeys(personal)),
        secrets=context.secrets,
        dropped=tuple(dropped),
    )
