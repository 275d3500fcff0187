"""The record-level policy: one input record and its fields' roles in, the redacted record out.

The build calls `redact_record` for every row, then `check.check_record` on the result.
Rules from DOMAIN.md "双公示: licences and penalties" and "Personal information and trade
secrets".
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from .checkdigits import is_valid_id, is_valid_id15, is_valid_id18, is_valid_uscc
from .detectors import EMPTY_CONTEXT, _terms, detect_spans, detect_with, to_ascii
from .mask import DEFAULT_MASKS, Masks, apply_masks
from .memo import Memo, memoized
from .names import looks_like_person_name, mask_person_name, surname_length
from .particulars import find_person_premises
from .person_names import is_pseudonym
from .spans import resolve

__all__ = ["ROLES", "Redacted", "looks_like_person_name", "personal_id_in", "redact_record", "split_secrets"]

ROLES = frozenset(
    {"subject_name", "person_name", "drop", "code", "uscc", "keep", "free_text", "secret_declaration", "secret", "text"}
)
_TEXT_ROLES = frozenset({"free_text", "text"})
_SECRET_SPLIT = re.compile(r"[；;]")
# Between the names of a person_name cell (张三、李四): these, and white space.
_BETWEEN_NAMES = "、,，;；/／"
# Brackets, quotation marks and punctuation beside a name (张三（经营者）, 法定代表人：李四)
# are no part of it: they stay as written, and the words between them are masked one by one.
_NAME_MARKS = "()（）【】〔〕[]{}<>《》〈〉「」『』\"'“”‘’:：。!！?？"
_NAME_TOKEN = re.compile("[^" + re.escape(_BETWEEN_NAMES + _NAME_MARKS) + r"\s]+")
_NAME_MARK = re.compile("[" + re.escape(_NAME_MARKS) + "]")
# What a number in a never-published column is written with (digits, X, separators): a value
# with more in it (360203…（旧）) is looked for in the texts as the number alone.
_NUMBER_WRITING = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff38\uff58\s\-\uff0d]+")
_SEPARATORS = re.compile(r"[\s\-]")
# Placeholders departments put in empty cells: not a secret term.
_PLACEHOLDERS = frozenset({"无", "否", "是", "暂无", "不详", "/", "-", "—", "null", "NULL", "N/A", "n/a"})


class Redacted(NamedTuple):
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
    if len(compact) == 18 and compact[:17].isdigit() and compact.isascii():
        # The usual value: 18 characters, 17 digits (an ID number, a USCC or a code).
        if is_valid_id18(compact.upper()):
            return compact.upper()
        return compact[:15] if is_valid_id15(compact[:15]) else None
    if not (compact.isascii() and compact.isalnum()):
        compact = _SEPARATORS.sub("", to_ascii(compact))
    compact = compact.upper()
    for candidate in (compact, compact[:18], compact[:15]):
        if len(candidate) in (15, 18) and is_valid_id(candidate):
            return candidate
    return None


# Remembered answers (memo.py): the same values recur across the rows of a build (legal
# bases, categories, repeat subjects and their representatives).
_MEMO_SIZE = 1 << 13
_personal_id = memoized(_MEMO_SIZE)(personal_id_in)


@memoized(_MEMO_SIZE)
def _detect_without_context(text: str) -> tuple[tuple, ...]:
    """The spans of a text that holds none of the record's own terms (legal bases,
    categories and decision texts repeat across many records)."""
    return tuple(detect_spans(text, EMPTY_CONTEXT))


@memoized(_MEMO_SIZE)
def _person_name_field(value: str) -> tuple[tuple[str, ...], str]:
    """A person_name cell: (its names, the cell with each name masked)."""
    if value in _PLACEHOLDERS or is_pseudonym(value):  # 张某 is already safe: kept whole
        return ((), value)
    if _NAME_TOKEN.fullmatch(value):  # one name (the usual cell)
        return ((value,) if len(value) >= 2 else (), mask_person_name(value))
    return _name_cell(value)


def _name_cell(value: str) -> tuple[tuple[str, ...], str]:
    """_person_name_field for a cell of several words (张三、李四; 张三（经营者）).

    Its names are the words that stand alone between separators, and the words beside a
    bracket or punctuation mark that look like a person's name (张三, not 经营者). Every word
    is masked, a name or not (in doubt); separators, brackets and punctuation stay.
    """
    names: list[str] = []
    parts: list[str] = []
    pos = 0
    size = len(value)
    for m in _NAME_TOKEN.finditer(value):
        a, b = m.span()
        word = m.group()
        parts.append(value[pos:a])
        pos = b
        if word in _PLACEHOLDERS or is_pseudonym(word):
            parts.append(word)
            continue
        parts.append(mask_person_name(word))
        alone = (a == 0 or value[a - 1] in _BETWEEN_NAMES or value[a - 1].isspace()) and (
            b == size or value[b] in _BETWEEN_NAMES or value[b].isspace()
        )
        if len(word) >= 2 and (alone or looks_like_person_name(word)):
            names.append(word)
    parts.append(value[pos:])
    return tuple(names), "".join(parts)


class _Plan(NamedTuple):
    """The fields of a record by role (each in the record's order), for one roles mapping."""

    texts: tuple[str, ...]
    names: tuple[tuple[str, bool], ...]  # (field, is the subject_name) for subject and person names
    secrets: tuple[tuple[str, bool], ...]  # (field, is a declaration) for secret fields
    usccs: tuple[str, ...]
    drops: tuple[str, ...]
    codes: tuple[str, ...]


_PLANS: Memo[int, tuple] = Memo(64)  # id(roles) -> (roles, a copy, the fields' order, the plan)


def _plan(values: Mapping[str, object], roles: Mapping[str, str]) -> _Plan:
    """The plan for a record with the fields of `values`, in their order.

    Raises ValueError for a field without a known role (the first such field in order).
    Remembered per roles mapping (while it stays equal) for the last order of fields seen.
    """
    keys = tuple(values)
    entry = _PLANS.get(id(roles))
    if entry is not None and entry[0] is roles and entry[2] == keys and entry[1] == roles:
        return entry[3]
    groups: dict[str, list] = {"texts": [], "names": [], "secrets": [], "usccs": [], "drops": [], "codes": []}
    for field in keys:
        role = roles.get(field)
        if role not in ROLES:
            raise ValueError(f"field {field!r} has no known redaction role: {role!r}")
        if role in _TEXT_ROLES:
            groups["texts"].append(field)
        elif role in ("subject_name", "person_name"):
            groups["names"].append((field, role == "subject_name"))
        elif role in ("secret_declaration", "secret"):
            groups["secrets"].append((field, role == "secret_declaration"))
        elif role == "uscc":
            groups["usccs"].append(field)
        elif role == "drop":
            groups["drops"].append(field)
        elif role == "code":
            groups["codes"].append(field)
    plan = _Plan(**{k: tuple(v) for k, v in groups.items()})
    if isinstance(roles, dict):  # another Mapping may not compare equal to its copy
        _PLANS.remember(id(roles), (roles, dict(roles), keys, plan))
    return plan


def _inside_names(text: str, names: Iterable[str], spans: Sequence[tuple]) -> bool:
    """True when every occurrence of every name lies inside a person_name span of `spans`.

    resolve() would then drop each such occurrence (a name span inside another of its kind;
    spans do not overlap one another, so an occurrence inside one overlaps no other).
    """
    for name in names:
        size = len(name)
        at = text.find(name)
        while at != -1:
            end = at + size
            for s in spans:
                if s[0] <= at and end <= s[1] and s[2] == "person_name":
                    break
            else:
                return False
            at = text.find(name, end)
    return True


def _add_number(raw: str, found: str, personal: list[str], numbers: list[str]) -> None:
    personal.append(raw)
    if (raw.isascii() and raw.isalnum()) or _NUMBER_WRITING.fullmatch(raw):
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
    plan = _plan(values, roles)
    out: dict[str, object] = dict(values)

    # 1. The context, from every field (the fields of each role in the record's order).
    names: list[str] = []
    keep_whole: list[str] = []
    person_subjects: list[tuple[str, str]] = []  # (field, its value masked)
    for field, is_subject in plan.names:
        value = values[field]
        if value is None:
            continue
        if is_subject:
            if isinstance(value, str) and (stripped := value.strip()):
                if is_pseudonym(stripped):
                    continue  # 张某: a person already written as a pseudonym, kept whole
                if subject_is_person or looks_like_person_name(value):
                    if _NAME_MARK.search(stripped):  # 张三（个体）: the marks stay
                        found_names, masked = _person_name_field(stripped)
                        names.extend(found_names)
                    else:
                        names.append(stripped)
                        masked = mask_person_name(value)
                    person_subjects.append((field, masked))
                else:
                    keep_whole.append(stripped)
        else:
            found_names, out[field] = _person_name_field(str(value))
            names.extend(found_names)
    secrets: list[str] = []
    for field, is_declaration in plan.secrets:
        value = values[field]
        if value is None:
            continue
        if is_declaration:
            secrets.extend(split_secrets(value))
            out[field] = None
        else:
            raw = str(value).strip()
            if raw:
                out[field] = masks.secret
                if len(raw) >= 2 and raw not in _PLACEHOLDERS:
                    secrets.append(raw)
    usccs = {str(v).strip() for f in plan.usccs if (v := values[f]) is not None} if plan.usccs else ()

    # ID numbers in never-published columns: personal, unless it is the record's own USCC
    # put in a 证件号码 column (a company's 证件号码 often is).
    personal: list[str] = []
    numbers: list[str] = []
    dropped: list[str] = []
    for field in plan.drops:
        value = values[field]
        if value is None:
            continue
        out[field] = None
        raw = str(value).strip()
        if raw:
            dropped.append(field)
            found = _personal_id(raw) if len(raw) >= 15 else None  # (personal_id_in: 15 or more)
            if found and not (raw in usccs and is_valid_uscc(raw)):
                _add_number(raw, found, personal, numbers)
    for field in plan.codes:
        value = values[field]
        if value is None:
            continue
        raw = str(value).strip()
        if raw in usccs and is_valid_uscc(raw):
            # A copy of the record's own valid USCC (the 2016 layout repeats it in 税务登记号):
            # dropped as a copy, not as personal. Published, an all-digit USCC that also
            # passes the ID check would be what `scan` flags, and the build would be lost.
            out[field] = None
            continue
        found = _personal_id(raw) if len(raw) >= 15 else None
        # DOMAIN.md: a code value that holds a valid ID and is not the valid USCC of the
        # record's USCC column is personal: never published. (About 1 in 31 ID numbers also
        # passes the USCC check, so passing it alone does not make a code public.)
        if found:
            out[field] = None
            dropped.append(field)
            _add_number(raw, found, personal, numbers)
    for field, masked in person_subjects:
        out[field] = masked

    personal = names + personal
    names_t = tuple(dict.fromkeys(names))
    secrets_t = tuple(dict.fromkeys(secrets))
    keep_t = tuple(keep_whole)
    numbers_t = tuple(dict.fromkeys(numbers))
    texts = {f: v for f in plan.texts if (v := values[f]) and isinstance(v, str)}

    # 2. Text fields: detect with the context, then mask. A text in which none of the
    # record's own terms occurs is detected without them (every context detector looks for
    # its terms), from the cache: legal bases and categories repeat across records.
    text_spans: dict[str, Sequence[tuple]] = {}
    terms = (*names_t, *secrets_t, *numbers_t, *keep_t)
    for field, text in texts.items():
        for term in terms:
            if term in text:
                text_spans[field] = detect_with(text, names_t, secrets_t, keep_t, numbers_t)
                break
        else:
            text_spans[field] = _detect_without_context(text)

    # A natural person's record: the addresses of the person's premises are personal too (a shop
    # registered under its operator's name is the operator: 位于…的门店).
    if subject_is_person or person_subjects:
        for field, text in texts.items():
            premises = find_person_premises(text)
            if premises:
                text_spans[field] = resolve([*text_spans[field], *premises])

    # A name found after a role word (员工李四) is masked wherever else it appears too. A
    # three-character find may be a two-character name and the next word's first character
    # (李四明知): its first two characters are masked elsewhere too.
    text_names: set[str] | None = None
    for field, spans in text_spans.items():
        for s in spans:
            if s[2] == "person_name":
                if text_names is None:
                    text_names = set()
                text_names.add(texts[field][s[0] : s[1]])
    found_names = ()
    if text_names:
        text_names |= {n[:2] for n in text_names if len(n) == 3 and surname_length(n) == 1}
        found_names = tuple(sorted(n for n in text_names - set(names_t) if len(n) >= 2))
        # The after-check looks for these too, in every field (CONTRACT.md "Build outputs").
        personal.extend(found_names)
    for field, spans in text_spans.items():
        text = texts[field]
        if found_names:
            for name in found_names:
                if name in text:
                    # Where every occurrence lies inside a name span already there (the
                    # name itself, found after its role word), nothing changes.
                    if not _inside_names(text, found_names, spans):
                        extra = _terms(text, found_names, "person_name", keep_t)
                        if extra:
                            spans = resolve([*spans, *extra])
                    break
        if spans:
            out[field] = apply_masks(text, spans, masks)

    # CONTRACT.md: a declared secret is removed wherever it appears in the record, must-keep
    # fields included (they are otherwise published as delivered).
    if secrets_t:
        for field, value in out.items():
            if isinstance(value, str) and field not in text_spans and roles[field] != "uscc":
                for term in secrets_t:
                    if term in value:
                        value = value.replace(term, masks.secret)
                out[field] = value

    return Redacted(out, tuple(dict.fromkeys(personal)), secrets_t, tuple(dropped))
