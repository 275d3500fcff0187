"""The per-record check after masking (CONTRACT.md "Build outputs", first layer).

None of the record's own personal values (names, ID numbers) nor its declared secrets may
survive anywhere in what is loaded, nor anything `scan` would flag. A record that fails is
quarantined by the build with the problem's stable code.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .checkdigits import is_valid_uscc
from .memo import Memo
from .names import looks_like_person_name, mask_person_name
from .native import frozen_reduce
from .scan import _FOUND, KIND_CODES, SHORT, find_in_text_remembered, worth_searching

__all__ = ["Problem", "check_record"]

_KIND_LABELS = {
    "id_number": "身份证号码", "phone": "手机号码", "bank_card": "银行卡号", "email": "电子邮箱",
    "person_name": "自然人姓名", "document_number": "证件号码", "account": "个人账号",
    "birth_date": "出生日期", "plate": "车牌号码",
}


@dataclass(frozen=True)
class Problem:
    """Why a redacted record may not be loaded: field, kind, stable code, Chinese message."""

    field: str
    kind: str
    code: str
    message: str

    def __reduce__(self) -> tuple:
        return frozen_reduce(self)


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**10:
        return str(value)  # an ID number or phone read as a number is still one
    return None


def _inside(text: str, term: str, protected: Sequence[str]) -> bool:
    """True when every occurrence of `term` in `text` lies inside an occurrence of a protected name."""
    spans = []
    for name in protected:
        at = text.find(name)
        while at != -1:
            spans.append((at, at + len(name)))
            at = text.find(name, at + 1)
    at = text.find(term)
    while at != -1:
        if not any(a <= at and at + len(term) <= b for a, b in spans):
            return False
        at = text.find(term, at + 1)
    return True


def _hint(value: str) -> str:
    """A personal value as a message may show it: masked."""
    if any(c.isdigit() for c in value):
        return value[:3] + "*" * max(0, len(value) - 5) + value[-2:] if len(value) > 5 else "*" * len(value)
    return mask_person_name(value)


_ROLE_FIELDS: Memo[int, tuple] = Memo(64)  # id(roles) -> (roles, a copy, the fields)


def _role_fields(roles: Mapping[str, str]) -> tuple[frozenset, frozenset]:
    """(USCC fields, subject-name fields) of a roles mapping, remembered while it stays equal."""
    entry = _ROLE_FIELDS.get(id(roles))
    if entry is not None and entry[0] is roles and entry[1] == roles:
        return entry[2]
    fields = (
        frozenset(f for f, r in roles.items() if r == "uscc"),
        frozenset(f for f, r in roles.items() if r == "subject_name"),
    )
    if isinstance(roles, dict):
        _ROLE_FIELDS.remember(id(roles), (roles, dict(roles), fields))
    return fields


def check_record(
    values: Mapping[str, object],
    roles: Mapping[str, str],
    personal_values: Sequence[str],
    secrets: Sequence[str],
    subject_is_person: bool,
) -> list[Problem]:
    """Problems in a redacted record; an empty list means it may be loaded.

    Exemptions: a person's name inside the registered name of a non-person subject
    (张三水果店 stays whole, DOMAIN.md), wherever that name stands; a valid USCC in a USCC
    field (as in `scan`: whatever it would flag, this finds first).
    """
    uscc_fields, subject_fields = _role_fields(roles)
    texts = []
    for field, value in values.items():
        if value is None:
            continue
        if type(value) is str:
            # A valid USCC in a USCC field is exempt: leave it out of the search at once.
            if value and not (field in uscc_fields and is_valid_uscc(value)):
                texts.append((field, value))
        elif (text := _text(value)) is not None:
            texts.append((field, text))
    # Each value is searched alone (the same as one search over the values joined by "\x00",
    # which stops every pattern); the short ones, which recur, from memory; most values of
    # fewer than 11 characters need no search (scan.worth_searching).
    flagged = []  # (field, text, what find_in_text found in it)
    for field, text in texts:
        size = len(text)
        if size >= 11 or worth_searching(text, size):
            findings = _FOUND.get(text) if size <= SHORT else None
            if findings is None:
                findings = find_in_text_remembered(text)
            if findings:
                flagged.append((field, text, findings))
    if not texts:
        return []
    problems: list[Problem] = []

    if personal_values or secrets:
        joined = "\x00".join([t for _, t in texts])
        protected: tuple[str, ...] = ()
        if personal_values and not subject_is_person and subject_fields:
            protected = tuple(
                t.strip() for f, t in texts if f in subject_fields and not looks_like_person_name(t)
            )
        for value in personal_values:
            if len(value) < 2 or value not in joined:
                continue
            for field, text in texts:
                if value in text and not (protected and _inside(text, value, protected)):
                    problems.append(
                        Problem(
                            field,
                            "personal_value",
                            "personal_value_survived",
                            f"脱敏后仍含本记录的个人信息（{_hint(value)}）",
                        )
                    )

        for term in secrets:
            if not term or term not in joined:
                continue
            for field, text in texts:
                if term in text:
                    problems.append(Problem(field, "secret", "secret_survived", "脱敏后仍含申报的商业秘密"))

    # The rule of `scan` (one rule for both): a valid USCC is exempt in a USCC field alone. A
    # code field that held the record's own USCC was dropped as a copy by redact_record.
    for field, text, findings in flagged:
        if roles.get(field) == "uscc" and is_valid_uscc(text.strip()):
            continue
        for _, _, kind in findings:
            problems.append(Problem(field, kind, KIND_CODES[kind], f"脱敏后仍含{_KIND_LABELS[kind]}，不得公开"))
    return problems
