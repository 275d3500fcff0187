"""redact_record: one record and its fields' roles in, the redacted record out."""
import pytest

from redaction.checkdigits import is_valid_id18, is_valid_uscc
from redaction.policy import ROLES, looks_like_person_name, redact_record, split_secrets
from redaction.synth import make_id15, make_id18, make_uscc

ID = make_id18("360203", "19900101", "123")
USCC = make_uscc("91360203MA35ABCD1")
# An all-digit USCC that also passes the ID check (about 1 in 31 IDs does).
USCC_AND_ID = next(
    make_id18("913602", "19900101", f"{n:03d}")
    for n in range(1000)
    if is_valid_uscc(make_id18("913602", "19900101", f"{n:03d}"))
)


def _redact(values, roles, subject_is_person=False):
    return redact_record(values, roles, subject_is_person)


def test_subject_name_of_a_person_is_masked():
    r = _redact({"name": "张三"}, {"name": "subject_name"}, subject_is_person=True)
    assert r.values == {"name": "张*"}
    assert r.personal_values == ("张三",)


def test_registered_business_name_is_kept_whole():
    r = _redact(
        {"name": "张三水果店", "rep": "张三", "facts": "张三水果店经营者张三销售过期食品"},
        {"name": "subject_name", "rep": "person_name", "facts": "free_text"},
    )
    assert r.values == {"name": "张三水果店", "rep": "张*", "facts": "张三水果店经营者张*销售过期食品"}
    assert r.personal_values == ("张三",)


def test_bare_person_name_subject_is_a_person_even_if_not_declared():
    r = _redact({"name": "欧阳修", "facts": "欧阳修未按规定"}, {"name": "subject_name", "facts": "free_text"})
    assert r.values == {"name": "欧阳*", "facts": "欧阳*未按规定"}


@pytest.mark.parametrize(
    "name, person",
    [("张三", True), ("欧阳修", True), ("李小龙", True), ("张三水果店", False), ("王记面馆", False),
     ("景德镇市某某有限公司", False), ("某某超市", False), ("Apple", False), ("", False), (None, False),
     ("张三丰餐饮店", False), ("刘氏商行", False)],
)
def test_looks_like_person_name(name, person):
    assert looks_like_person_name(name) is person


def test_person_name_field_masks_each_name():
    r = _redact({"rep": "张三、欧阳修"}, {"rep": "person_name"})
    assert r.values == {"rep": "张*、欧阳*"}
    assert set(r.personal_values) == {"张三", "欧阳修"}


def test_drop_fields_are_removed_and_ids_remembered():
    r = _redact({"id": ID, "id_type": "居民身份证"}, {"id": "drop", "id_type": "drop"})
    assert r.values == {"id": None, "id_type": None}
    assert r.dropped == ("id", "id_type")
    assert r.personal_values == (ID,)


def test_empty_drop_field_is_not_listed():
    r = _redact({"id": "", "id2": None}, {"id": "drop", "id2": "drop"})
    assert r.values == {"id": None, "id2": None} and r.dropped == ()


@pytest.mark.parametrize(
    "code, personal",
    [
        (ID, True),  # the operator's ID as 税务登记号
        (ID + "01", True),  # with 2 digits appended: look at the first 18
        (make_id15(), True),
        (ID.lower(), True),
        ("360203000012345", False),  # an old 注册号 with no birth date in it
        ("70551234-5", False),  # 组织机构代码
        (USCC, False),
    ],
)
def test_code_field_holding_an_id_is_dropped(code, personal):
    r = _redact({"uscc": USCC, "tax": code}, {"uscc": "uscc", "tax": "code"})
    assert (r.values["tax"] is None) is (personal or code == USCC)  # the record's USCC: a copy
    assert (r.dropped == ("tax",)) is personal
    assert (code in r.personal_values) is personal


@pytest.mark.parametrize("uscc", [USCC, USCC_AND_ID])
def test_code_field_copying_the_records_uscc_is_dropped_as_a_copy_not_as_personal(uscc):
    # The 2016 layout repeats the USCC in 税务登记号; an all-digit USCC that also passes the
    # ID check would be what `scan` flags in the built database (the build would be lost).
    r = _redact({"uscc": uscc, "tax": uscc}, {"uscc": "uscc", "tax": "code"})
    assert r.values == {"uscc": uscc, "tax": None}
    assert r.personal_values == () and r.dropped == ()


def test_code_field_with_another_valid_uscc_that_passes_the_id_check_is_personal():
    r = _redact({"uscc": USCC, "tax": USCC_AND_ID}, {"uscc": "uscc", "tax": "code"})
    assert r.values["tax"] is None and USCC_AND_ID in r.personal_values


def test_uscc_is_never_masked():
    assert is_valid_id18(USCC_AND_ID)
    r = _redact({"uscc": USCC_AND_ID}, {"uscc": "uscc"})
    assert r.values == {"uscc": USCC_AND_ID}


def test_keep_fields_are_untouched():
    values = {"no": "景市监罚〔2024〕123号", "licence": "JY13602010012345", "fine": 1.5, "date": "2024-03-05"}
    r = _redact(values, dict.fromkeys(values, "keep"))
    assert r.values == values


def test_free_text_is_detected_and_masked():
    r = _redact(
        {"name": "某某公司", "facts": f"员工李四（身份证号{ID}，电话13812345678）在场。李四称"},
        {"name": "subject_name", "facts": "free_text"},
    )
    assert r.values["facts"] == "员工李*（身份证号［身份证号已隐藏］，电话138****5678）在场。李*称"


def test_text_role_masks_the_records_names():
    r = _redact({"rep": "王五", "category": "王五罚款"}, {"rep": "person_name", "category": "text"})
    assert r.values["category"] == "王*罚款"


def test_secret_declaration_and_secret_fields():
    r = _redact(
        {"secrets": "配方A； 工艺B;;", "facts": "使用配方A和工艺B生产", "formula": "秘方123"},
        {"secrets": "secret_declaration", "facts": "free_text", "formula": "secret"},
    )
    assert r.values == {
        "secrets": None,
        "facts": "使用［商业秘密，不予公开］和［商业秘密，不予公开］生产",
        "formula": "［商业秘密，不予公开］",
    }
    assert r.secrets == ("配方A", "工艺B", "秘方123")
    assert r.dropped == ()


def test_split_secrets():
    assert split_secrets(" a；b ;; c ") == ("a", "b", "c")
    assert split_secrets(None) == ()


def test_non_strings_pass_through():
    r = _redact({"fine": 12345.67, "count": 3, "none": None}, {"fine": "free_text", "count": "keep", "none": "text"})
    assert r.values == {"fine": 12345.67, "count": 3, "none": None}


def test_id_from_a_dropped_column_is_masked_in_text_in_any_writing_it_has():
    r = _redact({"id": ID, "facts": f"证件号{ID}"}, {"id": "drop", "facts": "free_text"})
    assert r.values["facts"] == "证件号［身份证号已隐藏］"


def test_unknown_role_is_an_error():
    with pytest.raises(ValueError):
        _redact({"x": "1"}, {"x": "nonsense"})
    with pytest.raises(ValueError):
        _redact({"x": "1"}, {})


def test_roles_are_the_documented_set():
    assert ROLES == {
        "subject_name", "person_name", "drop", "code", "uscc", "keep",
        "free_text", "secret_declaration", "secret", "text",
    }


def test_declared_secret_is_removed_from_must_keep_fields_too():
    r = _redact(
        {"secrets": "工艺B", "licence_name": "工艺B生产许可证", "no": "景市监罚〔2024〕1号"},
        {"secrets": "secret_declaration", "licence_name": "keep", "no": "keep"},
    )
    assert r.values == {
        "secrets": None, "licence_name": "［商业秘密，不予公开］生产许可证", "no": "景市监罚〔2024〕1号"
    }


def test_placeholder_in_a_person_name_field_is_kept():
    r = _redact({"rep": "无"}, {"rep": "person_name"})
    assert r.values == {"rep": "无"} and r.personal_values == ()
