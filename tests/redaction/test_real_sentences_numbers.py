"""Hand-written sentences as published decisions are written (issue 13), not produced by the
evaluation generator and not used to tune it: ID numbers, phones and cards in the writings the
detectors did not know (dots, line breaks, Chinese numerals, digits appended, landlines with an
extension or without their area code), beside the numbers that must survive (dates and amounts
with dots, decision, licence and batch numbers, Chinese text with numerals). Every person and
number here is invented; the ID numbers have a real birth date and a valid check character.

Each row: (the sentence as delivered, the sentence as published).
"""
import pytest

from redaction.check import check_record
from redaction.detectors import Context, detect
from redaction.mask import mask
from redaction.policy import redact_record
from redaction.scan import find_in_text
from redaction.synth import make_card, make_id18

ID_A = make_id18("362201", "19780614", "215")  # 362201197806142159
ID_A_CN = "三六二二〇一一九七八〇六一四二一五九"  # the same in Chinese numerals
ID_B = make_id18("360281", "19920307", "062")
ID_C = make_id18("360222", "19650930", "008")
CARD = make_card("621700", 19, "4512903378120456")
HIDDEN_ID, HIDDEN_CARD = "［身份证号已隐藏］", "［银行卡号已隐藏］"

SENTENCES = [
    # ID numbers
    (f"经查，当事人身份证号码为{ID_A[:6]}.{ID_A[6:14]}.{ID_A[14:]}，系该店实际经营者。",
     f"经查，当事人身份证号码为{HIDDEN_ID}，系该店实际经营者。"),
    (f"询问笔录记载：被询问人公民身份号码{ID_B[:11]}\n{ID_B[11:]}，联系地址详见附件。",
     f"询问笔录记载：被询问人公民身份号码{HIDDEN_ID}，联系地址详见附件。"),
    (f"该员工持有残疾人证（证号：{ID_C}43），享受相关税收优惠。",
     f"该员工持有残疾人证（证号：{HIDDEN_ID}），享受相关税收优惠。"),
    (f"当事人原税务登记号为{ID_A}01，现已换领营业执照。",
     f"当事人原税务登记号为{HIDDEN_ID}，现已换领营业执照。"),
    (f"举报人称其身份证号是{ID_A_CN}，要求对其信息保密。",
     f"举报人称其身份证号是{HIDDEN_ID}，要求对其信息保密。"),
    # Phones
    ("当事人在店招上标注订货电话138.7980.2261，未标明经营者名称。",
     "当事人在店招上标注订货电话138****2261，未标明经营者名称。"),
    ("据举报人陈述，对方留下的联系电话为一五九七九八二〇三一六。",
     "据举报人陈述，对方留下的联系电话为一五九****〇三一六。"),
    ("现场笔录记录其手机号码幺三九零七九八五五幺二，经电话核实无误。",
     "现场笔录记录其手机号码幺三九****五五幺二，经电话核实无误。"),
    ("送达回证载明收件人电话为1867982\n4410，已签收。",
     "送达回证载明收件人电话为186****4410，已签收。"),
    ("当事人办公室座机0798-8562317转806，传真0798-8562318。",
     "当事人办公室座机0798-*******转***，传真0798-*******。"),
    ("联系电话：8462915，联系人已到场。", "联系电话：*******，联系人已到场。"),
    ("其提供的固定电话为〇七九八八五六二三一七。", "其提供的固定电话为〇七九八*******。"),
    # Cards
    (f"当事人通过其个人银行卡（卡号：{'.'.join(CARD[i:i + 4] for i in range(0, 19, 4))}）收取货款。",
     f"当事人通过其个人银行卡（卡号：{HIDDEN_CARD}）收取货款。"),
    # What must survive beside them
    ("本机关于2026.03.12作出处罚决定，并于2026.03.16送达当事人。",
     "本机关于2026.03.12作出处罚决定，并于2026.03.16送达当事人。"),
    ("当事人违法所得1,234.56元，货值金额12.5万元，罚款人民币3.75万元。",
     "当事人违法所得1,234.56元，货值金额12.5万元，罚款人民币3.75万元。"),
    ("依据《江西省食品小作坊管理规定》第3.1.2项及附表1.2.3的要求。",
     "依据《江西省食品小作坊管理规定》第3.1.2项及附表1.2.3的要求。"),
    ("涉案白酒批号为20250611083017254963，生产许可证编号为036021100457。",
     "涉案白酒批号为20250611083017254963，生产许可证编号为036021100457。"),
    ("经核查，该车辆此前已被处以罚款（处罚决定书编号：4420006012794385）。",
     "经核查，该车辆此前已被处以罚款（处罚决定书编号：4420006012794385）。"),
    ("赣州市公安局交通警察支队公交决字〔2025〕4420006012794385号决定书已送达。",
     "赣州市公安局交通警察支队公交决字〔2025〕4420006012794385号决定书已送达。"),
    ("暂扣其《食品经营许可证》（编号：036020200118），期限三个月。",
     "暂扣其《食品经营许可证》（编号：036020200118），期限三个月。"),
    ("二〇二六年三月十二日，当事人一次性缴纳罚款一万二千元。",
     "二〇二六年三月十二日，当事人一次性缴纳罚款一万二千元。"),
    ("依据《中华人民共和国食品安全法》第一百二十四条第一款第（三）项之规定。",
     "依据《中华人民共和国食品安全法》第一百二十四条第一款第（三）项之规定。"),
    ("当事人自二〇二四年至二〇二六年连续三年未按规定报送年度报告。",
     "当事人自二〇二四年至二〇二六年连续三年未按规定报送年度报告。"),
]


def test_the_fixture_holds_what_it_says():
    from redaction.checkdigits import is_valid_id18, luhn_valid

    assert all(map(is_valid_id18, (ID_A, ID_B, ID_C))) and luhn_valid(CARD)
    assert ID_A_CN == ID_A.translate(str.maketrans("0123456789", "〇一二三四五六七八九"))
    assert luhn_valid("4420006012794385")  # the decision number looks like a card, and is none


@pytest.mark.parametrize("text, expected", SENTENCES)
def test_real_sentences(text, expected):
    assert mask(text, detect(text, Context())) == expected


@pytest.mark.parametrize("text, expected", SENTENCES)
def test_the_scanner_sees_every_number_and_none_is_left(text, expected):
    numbers = [s for s in detect(text) if s.kind in ("id_number", "bank_card")
               or (s.kind == "phone" and text[s.start] in "1一幺")]  # (the scanner knows mobiles)
    found = find_in_text(text)
    for span in numbers:
        assert any(a < span.end and span.start < b for a, b, _ in found), text[span.start:span.end]
    assert find_in_text(expected) == []


def test_a_record_of_these_sentences_passes_its_check():
    roles = {"subject_name": "subject_name", "facts": "free_text"}
    for text, expected in SENTENCES:
        r = redact_record({"subject_name": "景德镇市某某有限公司", "facts": text}, roles, False)
        assert r.values["facts"] == expected
        assert check_record(r.values, roles, r.personal_values, r.secrets, False) == [], text
