"""The memo behind every cache: bounded, emptied when full, never changing an answer."""
import pytest

from redaction import check, checkdigits, detectors, names, policy, scan
from redaction.memo import Memo, clear_all, memoized


def test_a_full_memo_is_emptied_before_the_next_answer():
    m = Memo(3)
    for key in "abc":
        assert m.remember(key, key.upper()) == key.upper()
    assert m == {"a": "A", "b": "B", "c": "C"}
    m.remember("d", "D")
    assert m == {"d": "D"}


def test_a_memo_holds_at_least_one_answer():
    with pytest.raises(ValueError):
        Memo(0)


def test_memoized_remembers_none_too_and_calls_once_per_key():
    calls = []

    @memoized(2)
    def square_or_none(n):
        calls.append(n)
        return None if n < 0 else n * n

    assert [square_or_none(n) for n in (-1, -1, 3, 3)] == [None, None, 9, 9]
    assert calls == [-1, 3]
    assert square_or_none(4) == 16  # full: emptied, then remembered
    assert square_or_none.memo == {4: 16}
    assert square_or_none.__name__ == "square_or_none"


def test_clear_all_empties_every_cache_of_the_package():
    caches = [
        detectors._number_kind.memo, detectors._NAMES_AT, names._PERSON_LIKE, policy._personal_id.memo,
        policy._detect_without_context.memo, policy._person_name_field.memo, policy._PLANS, scan._FOUND,
        checkdigits._uscc_valid.memo, check._ROLE_FIELDS,
    ]
    assert all(isinstance(c, Memo) for c in caches)
    roles = {"name": "subject_name", "rep": "person_name", "rep_id": "drop", "facts": "free_text"}
    r = policy.redact_record(
        {"name": "张三", "rep": "李四", "rep_id": "360203199001011231", "facts": "当事人王五，电话13812345678"},
        roles,
        True,
    )
    check.check_record(r.values, roles, r.personal_values, r.secrets, True)
    names.looks_like_person_name("赵六")
    checkdigits.is_valid_uscc("91360203MA35ABCD1X")
    scan.find_in_text_remembered("电话13812345678")
    assert all(caches)  # each holds an answer
    clear_all()
    assert not any(caches)
