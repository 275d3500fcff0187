"""Masking keeps the text around a personal value: brackets and punctuation outside it stay.

Each span covers the personal value alone (the street part of an address, a name, a number,
an e-mail address): a closing bracket, a quotation mark or a full stop after it belongs to the
sentence and is never masked with it.
"""
import pytest

from redaction.detectors import detect
from redaction.mask import mask
from redaction.policy import redact_record
from redaction.synth import make_id18

ID = make_id18("360203", "19900101", "123")  # 360203199001011231

# (text, the text masked)
MASKED = [
    # Addresses inside brackets of every kind and width.
    ("当事人（住所：江西省景德镇市珠山区新厂路12号）于2024年3月5日",
     "当事人（住所：江西省景德镇市珠山区***）于2024年3月5日"),
    ("（住江西省景德镇市昌江区新厂路12号），", "（住江西省景德镇市昌江区***），"),
    ("（家住江西省景德镇市昌江区新厂路12号），", "（家住江西省景德镇市昌江区***），"),
    ("经营者张三（住址：江西省景德镇市珠山区新厂路12号）在场。", "经营者张*（住址：江西省景德镇市珠山区***）在场。"),
    ("【户籍地江西省乐平市塔山街道某路8号】", "【户籍地江西省乐平市***】"),
    ("〔现住江西省景德镇市昌江区某某小区3栋201室〕", "〔现住江西省景德镇市昌江区***〕"),
    ("[居住地:上海市浦东新区某路1弄2号]", "[居住地:上海市浦东新区***]"),
    ("(家住江西省景德镇市珠山区新厂路12-3号)", "(家住江西省景德镇市珠山区***)"),
    # Mixed widths: the brackets stay as written.
    ("当事人（住址:江西省景德镇市珠山区新厂路12号)于", "当事人（住址:江西省景德镇市珠山区***)于"),
    ("(家住江西省景德镇市珠山区新厂路12号），", "(家住江西省景德镇市珠山区***），"),
    # Quotation marks, colons, full stops and dashes after an address.
    ("“家住江西省景德镇市珠山区新厂路12号”", "“家住江西省景德镇市珠山区***”"),
    ("家住江西省景德镇市珠山区新厂路12号：经查", "家住江西省景德镇市珠山区***：经查"),
    ("家住江西省景德镇市珠山区新厂路12号.", "家住江西省景德镇市珠山区***."),
    ("家住江西省景德镇市珠山区新厂路12号—当事人称", "家住江西省景德镇市珠山区***—当事人称"),
    ("家住江西省景德镇市珠山区新厂路12号-", "家住江西省景德镇市珠山区***-"),
    # A full-width space after the district stays; the street is still hidden.
    ("家住江西省景德镇市珠山区\u3000新厂路12号）", "家住江西省景德镇市珠山区\u3000***）"),
    # Names inside brackets.
    ("（联系人：张三）", "（联系人：张*）"),
    ("(联系人:张三)", "(联系人:张*)"),
    ("【当事人张三丰】", "【当事人张*】"),
    ("〔股东张三、李四〕", "〔股东张*、李*〕"),
    ("（现场负责人：欧阳修）。", "（现场负责人：欧阳*）。"),
    # Numbers and e-mail addresses inside brackets.
    (f"（身份证号码：{ID}）", "（身份证号码：［身份证号已隐藏］）"),
    ("（电话：13812345678）", "（电话：138****5678）"),
    ("（电话：（0798)1234567）", "（电话：（0798)*******）"),
    ("（邮箱：abc@example.com）", "（邮箱：［电子邮箱已隐藏］）"),
    ("邮箱...abc@example.com。", "邮箱...［电子邮箱已隐藏］。"),
    ("邮箱-abc@example.com", "邮箱-［电子邮箱已隐藏］"),
]


@pytest.mark.parametrize("text, masked", MASKED)
def test_text_around_a_personal_value_stays(text, masked):
    assert mask(text, detect(text)) == masked


# Words with 住 in them that are no address, and a company's registered address.
UNCHANGED = [
    "珠山区住房和城乡建设局（住建局）",
    "住宿费（住院期间）共计300元",
    "暂住证（编号见附件）",
    "当事人景德镇市某某有限公司（住所：景德镇市珠山区某路1号）",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_no_address_there(text):
    assert mask(text, detect(text)) == text


# A person_name cell: (cell, cell masked, the names in it, a text, the text masked)
NAME_CELLS = [
    ("张三（经营者）", "张*（经*）", {"张三"}, "经营者张三（经营者）在场，张三称", "经营者张*（经营者）在场，张*称"),
    ("法定代表人：李四", "法*：李*", {"李四"}, "李四到场", "李*到场"),
    ("张三(曾用名:李四)", "张*(曾*:李*)", {"张三", "曾用名", "李四"}, "（李四）", "（李*）"),
    ("【张三】", "【张*】", {"张三"}, "张三。", "张*。"),
    ("张三、李四", "张*、李*", {"张三", "李四"}, "张三、李四", "张*、李*"),
    ("N/A", "N/A", set(), "N/A", "N/A"),
]


@pytest.mark.parametrize("cell, masked_cell, names, text, masked_text", NAME_CELLS)
def test_name_cell_keeps_its_brackets_and_names_each_person(cell, masked_cell, names, text, masked_text):
    r = redact_record({"rep": cell, "facts": text}, {"rep": "person_name", "facts": "free_text"}, False)
    assert r.values == {"rep": masked_cell, "facts": masked_text}
    assert set(r.personal_values) == names


def test_person_subject_with_brackets_keeps_them():
    r = redact_record(
        {"name": "张三（个体）", "facts": "当事人张三（个体）于"}, {"name": "subject_name", "facts": "free_text"}, True
    )
    assert r.values == {"name": "张*（个*）", "facts": "当事人张*（个体）于"}
    assert r.personal_values == ("张三",)


def test_number_with_a_note_is_masked_as_the_number_alone():
    r = redact_record(
        {"id": f"{ID}（旧）", "facts": f"证件号{ID}（旧）。"}, {"id": "drop", "facts": "free_text"}, False
    )
    assert r.values == {"id": None, "facts": "证件号［身份证号已隐藏］（旧）。"}
