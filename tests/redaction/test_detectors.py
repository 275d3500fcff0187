"""Recognizers: tables of texts and what must (and must not) be found in them."""
import pytest

from redaction.detectors import (
    Context,
    detect,
    find_addresses,
    find_emails,
    find_numbers,
    find_role_names,
    find_terms,
)
from redaction.mask import mask
from redaction.synth import make_card, make_id15, make_id18, make_uscc

ID = make_id18("360203", "19900101", "123")  # 360203199001011231
USCC = make_uscc("91360203MA35ABCD1")
CARD19 = make_card("622202", 19)
CARD16 = make_card("622848", 16)


def _found(spans, text):
    return [(text[s.start : s.end], s.kind) for s in spans]


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in s)


# (text, the substring that must be found, kind)
POSITIVES = [
    (f"身份证号{ID}，", ID, "id_number"),
    (f"身份证号：{ID[:6]} {ID[6:14]} {ID[14:]}。", f"{ID[:6]} {ID[6:14]} {ID[14:]}", "id_number"),
    (f"身份证号{ID[:6]}-{ID[6:14]}-{ID[14:]}", f"{ID[:6]}-{ID[6:14]}-{ID[14:]}", "id_number"),
    (f"证号{_fullwidth(ID)}。", _fullwidth(ID), "id_number"),
    (f"旧证{make_id15()}号", make_id15(), "id_number"),
    ("电话13812345678。", "13812345678", "phone"),
    ("电话138-1234-5678。", "138-1234-5678", "phone"),
    ("电话138 1234 5678。", "138 1234 5678", "phone"),
    ("电话+86 138 1234 5678", "138 1234 5678", "phone"),
    ("电话+8613812345678", "13812345678", "phone"),
    ("电话0086-13812345678", "13812345678", "phone"),
    ("电话８６１３８１２３４５６７８", "１３８１２３４５６７８", "phone"),
    ("电话１３８－１２３４－５６７８", "１３８－１２３４－５６７８", "phone"),
    ("Tel13812345678", "13812345678", "phone"),
    ("办公室0791-8888888", "0791-8888888", "phone"),
    ("座机（0798）1234567", "（0798）1234567", "phone"),
    ("座机(0798)12345678，", "(0798)12345678", "phone"),
    ("座机010-12345678", "010-12345678", "phone"),
    (f"卡号{CARD19}", CARD19, "bank_card"),
    (f"卡号{CARD16[:4]} {CARD16[4:8]} {CARD16[8:12]} {CARD16[12:]}",
     f"{CARD16[:4]} {CARD16[4:8]} {CARD16[8:12]} {CARD16[12:]}", "bank_card"),
    (f"卡号{CARD16[:4]}-{CARD16[4:8]}-{CARD16[8:12]}-{CARD16[12:]}",
     f"{CARD16[:4]}-{CARD16[4:8]}-{CARD16[8:12]}-{CARD16[12:]}", "bank_card"),
    ("邮箱zhang.san@example.com。", "zhang.san@example.com", "email"),
]


@pytest.mark.parametrize("text, expected, kind", POSITIVES)
def test_detect_finds(text, expected, kind):
    assert (expected, kind) in _found(detect(text), text)


def test_lower_case_x_check_character():
    number = next(
        make_id18("360203", "19800101", f"{n:03d}")
        for n in range(1000)
        if make_id18("360203", "19800101", f"{n:03d}").endswith("X")
    )
    text = f"身份证{number.lower()}，"
    assert _found(detect(text), text) == [(number.lower(), "id_number")]


def test_two_numbers_side_by_side_are_both_found():
    text = "电话13812345678 13912345678"
    assert _found(detect(text), text) == [("13812345678", "phone"), ("13912345678", "phone")]


# Texts in which nothing may be found (must-keep values and look-alikes).
NEGATIVES = [
    "景市监罚〔2024〕123号",
    "赣环罚字[2025]0012号",
    "许可证编号JY13602010012345",
    "食品生产许可证SC10536020300123",
    "JY13812345678",  # letters + 11 digits: a code, not a phone
    "罚款12345.67元",
    "2024-03-05 处罚决定",
    "20240305",
    "2024年3月5日",
    f"统一社会信用代码：{USCC}",
    "12345678901234567890",  # 20 digits: no ID, no card
    f"{ID[:17]}{'0' if ID[17] != '0' else '1'}",  # wrong check digit
    "360203199013011234",  # month 13: no birth date
    "货值金额人民币356.50元，违法所得人民币120.00元",
    "第一百二十四条第一款第（五）项",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_detect_leaves_alone(text):
    assert detect(text) == []


# --- Number writings (issue 13) -------------------------------------------------------------
_CN = str.maketrans("0123456789", "〇一二三四五六七八九")
_SPOKEN = str.maketrans("0123456789", "零幺二三四五六七八九")
CARD16 = make_card("622202", 16)  # 6222021234567894
ID_X = next(n for n in (make_id18("360203", "19800101", f"{k:03d}") for k in range(1000)) if n.endswith("X"))
TRAFFIC = "4420001234567891"  # a traffic decision's number: 中山 442000, 10 digits, and Luhn-valid

# (writing, the text as delivered, as published): one row per writing of a number.
NUMBER_WRITINGS = [
    ("id_dots", f"身份证号{ID[:6]}.{ID[6:14]}.{ID[14:]}，", "身份证号［身份证号已隐藏］，"),
    ("id_fullwidth_dots", f"身份证号{ID[:6]}．{ID[6:14]}．{ID[14:]}。", "身份证号［身份证号已隐藏］。"),
    ("id_middle_dots", f"证件号码{ID[:6]}·{ID[6:14]}·{ID[14:]}", "证件号码［身份证号已隐藏］"),
    ("id_line_break", f"身份证号码：{ID[:10]}\n{ID[10:]}。", "身份证号码：［身份证号已隐藏］。"),
    ("id_crlf", f"身份证号码：{ID[:4]}\r\n{ID[4:]}，", "身份证号码：［身份证号已隐藏］，"),
    ("id_line_break_in_groups", f"身份证号 {ID[:6]} {ID[6:14]}\n{ID[14:]} 到场", "身份证号 ［身份证号已隐藏］ 到场"),
    ("id_tab", f"证号{ID[:6]}\t{ID[6:]}", "证号［身份证号已隐藏］"),
    ("id_appended_2", f"残疾人证号：{ID}12）", "残疾人证号：［身份证号已隐藏］）"),
    ("id_appended_1", f"其证号为{ID}7。", "其证号为［身份证号已隐藏］。"),
    ("id_chinese", f"身份证号{ID.translate(_CN)}。", "身份证号［身份证号已隐藏］。"),
    ("id_chinese_x", f"身份证号{ID_X[:17].translate(_CN)}X，", "身份证号［身份证号已隐藏］，"),
    ("phone_dots", "电话138.0013.8000。", "电话138****8000。"),
    ("phone_fullwidth_dots", "电话１３８．００１３．８０００", "电话138****8000"),
    ("phone_middle_dots", "手机138·0013·8000", "手机138****8000"),
    ("phone_line_break", "电话1380013\n8000，", "电话138****8000，"),
    ("phone_crlf", "电话138\r\n00138000", "电话138****8000"),
    ("phone_plus86_dots", "电话+86 138.0013.8000", "电话+86 138****8000"),
    ("phone_chinese", "联系电话一三八〇〇一三八〇〇〇。", "联系电话一三八****八〇〇〇。"),
    ("phone_spoken", "联系电话幺三八零零幺三八零零零。", "联系电话幺三八****八零零零。"),
    ("phone_chinese_circle", "电话一三八○○一三八○○○，", "电话一三八****八○○○，"),
    ("phone_chinese_spaced", "电话一三八 〇〇一三 八〇〇〇", "电话一三八****八〇〇〇"),
    ("phone_chinese_dashes", "电话幺三八-零零幺三-八零零零", "电话幺三八****八零零零"),
    ("landline_dots", "座机0798.8888888。", "座机0798.*******。"),
    ("landline_line_break", "座机0798\n8888888", "座机0798\n*******"),
    ("landline_chinese", "电话〇七九八八八八八八八八", "电话〇七九八*******"),
    ("landline_extension", "座机0798-8888888转123，", "座机0798-*******转***，"),
    ("landline_extension_fenji", "电话0791-88888888分机12", "电话0791-********分机**"),
    ("landline_local", "联系电话：8888888，", "联系电话：*******，"),
    ("landline_local_8", "电话号码 28888888。", "电话号码 ********。"),
    ("landline_12_after_label", "联系电话：079812345678", "联系电话：0798********"),
    ("card_dots", f"卡号{'.'.join(CARD16[i:i + 4] for i in range(0, 16, 4))}", "卡号［银行卡号已隐藏］"),
    ("card_line_break", f"卡号{CARD19[:10]}\n{CARD19[10:]}", "卡号［银行卡号已隐藏］"),
]


@pytest.mark.parametrize("writing, text, published", NUMBER_WRITINGS, ids=[w for w, _, _ in NUMBER_WRITINGS])
def test_every_writing_of_a_number_is_masked(writing, text, published):
    assert mask(text, detect(text)) == published


# What must survive beside them (DOMAIN.md "What must survive"): dates, amounts, decimal
# numbers and enumerations written with dots; decision, licence and batch numbers; Chinese text
# with numerals.
MUST_KEEP = [
    "处罚决定日期2026.03.12",
    "于2026.03.12 作出决定，2026.04.01送达",
    "罚款1,234.56元",
    "罚款12.5万元，没收违法所得3.456万元",
    "货值金额人民币123456.78元",
    "依据第1.2.3条及附件1.2.3.4.5.6.7.8.9.10.11.12",
    "经度115.123456，纬度28.123456",
    "批号为20240305123456789012",  # 22 digits: a batch number
    "批号20240305123456789",  # 21
    "许可证编号2024030512345678901234",  # 24
    "生产许可证编号为012345678901。",  # 12 digits starting with 0: no landline
    "许可证编号为079812345678，有效期至2029年",
    "暂扣其许可证件（编号：079812345678）",
    f"（决定书编号：{TRAFFIC}）",  # a 16-digit run in a traffic decision number: no card
    f"公交决字〔2024〕{TRAFFIC}号",
    f"处罚决定书文号：第{TRAFFIC}号",
    "二〇二六年三月十二日",
    "二〇二四年至二〇二六年",
    "罚款一百二十三万四千五百六十七元",
    "第一百二十二条第一款",
    "一二三四五六七八九十",
    "三三两两的顾客",
    "编号一二三四五六七八九〇一二三",  # 13 numerals that make no number
]


@pytest.mark.parametrize("text", MUST_KEEP)
def test_what_must_survive_beside_the_number_writings(text):
    assert detect(text) == []


def test_chinese_numerals_beside_a_counting_word_are_a_quantity():
    assert detect("共计十一三八〇〇一三八〇〇〇") == []
    assert detect("一三八〇〇一三八〇〇〇万元") == []
    assert [s.kind for s in detect("电话一三八〇〇一三八〇〇〇，")] == ["phone"]


def test_an_id_with_digits_appended_is_masked_whole_in_one_block_only():
    # With a separator, the ID alone is the number (the 2 digits after it are other text).
    text = f"身份证号{ID} 12月5日"
    assert _found(detect(text), text) == [(ID, "id_number")]
    assert _found(detect(f"{ID}123"), f"{ID}123") == []  # 21 digits: a longer number
    assert _found(detect(f"证号{ID_X}12"), f"证号{ID_X}12") == [(ID_X, "id_number")]


def test_a_card_after_a_persons_document_label_is_still_a_card():
    for label in ("卡号：", "银行卡编号：", "账号", "身份证号", "存折号："):
        assert [s.kind for s in detect(label + CARD19)] == ["bank_card"], label


def test_all_digit_uscc_after_its_label_is_not_an_id():
    # Find an all-digit USCC that also passes the ID check: after its label it stays.
    from redaction.checkdigits import is_valid_id18, is_valid_uscc

    number = next(
        make_id18("913602", "19900101", f"{n:03d}")
        for n in range(1000)
        if is_valid_uscc(make_id18("913602", "19900101", f"{n:03d}"))
    )
    assert is_valid_uscc(number) and is_valid_id18(number)
    assert detect(f"统一社会信用代码：{number}") == []
    # DOMAIN.md: anywhere else a string that passes the ID check is an ID.
    assert [s.kind for s in detect(f"编号{number}")] == ["id_number"]


def test_id_next_to_letters_is_still_an_id():
    text = f"证号NO{ID}"
    assert _found(find_numbers(text), text) == [(ID, "id_number")]


def test_email():
    assert find_emails("无") == []
    assert len(find_emails("a.b@c.cn 与 x@y.com")) == 2


ROLE_NAMES = [
    ("当事人张三于2024年3月5日", ["张三"]),
    ("当事人：李四，男，", ["李四"]),
    ("负责人 王五在现场", ["王五"]),
    ("现场负责人赵六六称", ["赵六六"]),
    ("经营者欧阳修在店内", ["欧阳修"]),
    ("法定代表人：司马光", ["司马光"]),
    ("法人代表诸葛亮", ["诸葛亮"]),
    ("驾驶员上官婉儿驾驶车辆", ["上官婉儿"]),
    ("员工刘某某明知", []),  # a pseudonym is already safe: kept whole
    ("证人陈小明证实", ["陈小明"]),
    ("受害人周某", []),
    ("股东张三、李四", ["张三", "李四"]),
    ("监护人吴一", ["吴一"]),
    ("當事人張三於", ["張三"]),
    ("負責人：陳大文", ["陳大文"]),
    ("經營者歐陽修", ["歐陽修"]),
    ("駕駛員黃明", ["黃明"]),
    ("負責人為李四", ["李四"]),
]


@pytest.mark.parametrize("text, names", ROLE_NAMES)
def test_role_word_names(text, names):
    assert [text[s.start : s.end] for s in find_role_names(text)] == names


ROLE_NOT_NAMES = [
    "当事人景德镇市某某有限公司于2024年",
    "当事人景德镇市昌江区某某水果店，",
    "经营者张三水果店销售",
    "当事人乐平市某某农民专业合作社",
    "负责人陈述申辩",
    "当事人向本局提交",
    "当事人于2024年3月5日",
    "当事人的行为",
    "当事人江西某某科技有限公司",
    "股东会决议",
    "员工宿舍",
    "证人证言",
]


@pytest.mark.parametrize("text", ROLE_NOT_NAMES)
def test_role_word_without_name(text):
    assert find_role_names(text) == []


def test_keep_whole_business_name_is_not_cut():
    ctx = Context(personal_names=("张三",), keep_whole=("张三水果店",))
    text = "张三水果店经营者张三销售过期食品"
    assert _found(detect(text, ctx), text) == [("张三", "person_name")]
    assert detect(text, ctx)[0].start == 8


def test_terms_and_secrets():
    text = "配方A含糖；配方A的比例"
    assert [(s.start, s.end) for s in find_terms(text, ("配方A",), "secret")] == [(0, 3), (6, 9)]
    ctx = Context(secrets=("配方A",))
    assert {s.kind for s in detect(text, ctx)} == {"secret"}


ADDRESSES = [
    ("家住江西省景德镇市珠山区新厂西路123号5栋，", "新厂西路123号5栋"),
    ("住址：景德镇市浮梁县洪源镇某村12号。", "洪源镇某村12号"),
    ("户籍地江西省乐平市塔山街道某路8号", "塔山街道某路8号"),
    ("现住某某小区3栋201室", "某某小区3栋201室"),
    ("居住地：上海市浦东新区某路1弄2号", "某路1弄2号"),
]


@pytest.mark.parametrize("text, hidden", ADDRESSES)
def test_addresses_keep_only_the_district(text, hidden):
    spans = find_addresses(text)
    assert [text[s.start : s.end] for s in spans] == [hidden]


def test_company_registered_address_is_public():
    assert find_addresses("当事人景德镇市某某有限公司，住所地景德镇市珠山区某路1号") == []


def _luhn_valid_variant(template: str) -> str:
    """The first number of the form template[:-1] + d that passes Luhn (a look-alike)."""
    from redaction.checkdigits import luhn_valid

    return next(template[:-1] + d for d in "0123456789" if luhn_valid(template[:-1] + d))


def _uscc_with_x_before_check() -> str:
    return next(make_uscc(f"913604000753781{n}X") for n in range(10) if make_uscc(f"913604000753781{n}X")[-1] != "X")


LICENCE_LOOKALIKES = [
    _luhn_valid_variant("440300202205117110"),  # 施工许可证: division, date, serial
    _luhn_valid_variant("360203202303058802"),
    ("排污许可证编号：" + _luhn_valid_variant("3602032023058802")[:6]
     + "-2023-" + _luhn_valid_variant("3602032023058802")[10:] + "-P"),
    _uscc_with_x_before_check(),  # a USCC whose 17th character is X: 16 digits, then letters
    _uscc_with_x_before_check() + "001P",  # 排污许可证 number: USCC + 001P
    "9136020318927918" + "T",  # 16 digits then a letter, not a valid USCC here but no card prefix issue
]


@pytest.mark.parametrize("text", LICENCE_LOOKALIKES)
def test_licence_numbers_that_look_like_cards_stay(text):
    assert [s for s in detect(text) if s.kind == "bank_card"] == []
    from redaction.scan import find_in_text

    assert [f for f in find_in_text(text) if f[2] == "bank_card"] == []
