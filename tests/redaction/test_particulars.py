"""Personal particulars beside names and numbers (DOMAIN.md "What counts as personal", issue 13):
identity documents, WeChat / QQ and other accounts, personal bank accounts, full birth dates,
plates, home addresses without a label and a natural person's premises; and beside them what
must survive (treasury accounts, a business's accounts and address, licence and enforcement
certificate numbers, production dates, years of birth, hometowns, place names).

Hand-written sentences (not produced by redaction/particulars_corpus.py); every person and
number is invented. Pure functions: no day is involved.
"""
import pytest

from redaction.check import check_record
from redaction.detectors import detect
from redaction.mask import mask
from redaction.policy import redact_record
from redaction.scan import find_in_text

DOC, ACCOUNT, BANK = "［证件号码已隐藏］", "［账号已隐藏］", "［银行账号已隐藏］"


def published(text: str) -> str:
    return mask(text, detect(text))


# (kind, the sentence as delivered, the sentence as published)
LEAKS = [
    # identity documents
    ("document_number", "证人韦青（护照号码：E39517260）对上述事实予以证实。",
     f"证人韦*（护照号码：{DOC}）对上述事实予以证实。"),
    ("document_number", "该员工持往来港澳通行证（号码C60318274）出境采购。",
     f"该员工持往来港澳通行证（号码{DOC}）出境采购。"),
    ("document_number", "经营者出示台胞证，证件号码为08726615，系台湾居民。",
     f"经营者出示台胞证，证件号码为{DOC}，系台湾居民。"),
    ("document_number", "外籍员工护照号 G4412908 已过期。", f"外籍员工护照号 {DOC} 已过期。"),
    ("document_number", "当事人持有居住证（编号：360203-2024-118722）。", f"当事人持有居住证（编号：{DOC}）。"),
    # accounts
    ("account", "当事人通过微信号：lyh_fruit2019招揽顾客。", f"当事人通过微信号：{ACCOUNT}招揽顾客。"),
    ("account", "店主以QQ 284417093与买家联系。", f"店主以QQ {ACCOUNT}与买家联系。"),
    ("account", "广告页面留有微信：jdz-tea-88及qq号码：76320915。",
     f"广告页面留有微信：{ACCOUNT}及qq号码：{ACCOUNT}。"),
    ("account", "其抖音号为jdzmeishi666，粉丝约两万人。", f"其抖音号为{ACCOUNT}，粉丝约两万人。"),
    ("account", "当事人使用微信号陈丽2019发布售卖信息。", f"当事人使用微信号{ACCOUNT}发布售卖信息。"),
    # personal bank accounts (not card numbers: no issuer's prefix or no Luhn)
    ("bank_account", "货款打入当事人个人账号：1207 0844 0912 3378 55。", f"货款打入当事人个人账号：{BANK}。"),
    ("bank_account", "货款存入其本人存折（存折号3602 1033 8870 12）。", f"货款存入其本人存折（存折号{BANK}）。"),
    # full birth dates: the year may stay
    ("birth_date", "当事人：邱敏，女，1979年11月3日出生，汉族。", "当事人：邱*，女，1979年**月**日出生，汉族。"),
    ("birth_date", "受害人邹某，1990.02.28生，无业。", "受害人邹某，1990.**.**生，无业。"),
    ("birth_date", "出生日期：1966-07-19；文化程度：初中。", "出生日期：1966-**-**；文化程度：初中。"),
    ("birth_date", "当事人，一九八二年五月十六日出生。", "当事人，一九八二年**月**日出生。"),
    ("birth_date", "监护人生于1958年4月2日，现年六十七岁。", "监护人生于1958年**月**日，现年六十七岁。"),
    # plates
    ("plate", "由驾驶员罗*驾驶号牌为赣H·K3718的私家车运送货物。", "由驾驶员罗*驾驶号牌为赣H·*****的私家车运送货物。"),
    ("plate", "执法人员在路口拦停车牌号粤B7G21P的小型轿车。", "执法人员在路口拦停车牌号粤B*****的小型轿车。"),
    ("plate", "新能源车（号牌：沪AD18830）停放于店门口。", "新能源车（号牌：沪A******）停放于店门口。"),
    # addresses without a label
    ("address", "当事人：孔一，男，1980年出生，江西省景德镇市珠山区瓷都大道188号3栋2单元502室，无业。",
     "当事人：孔*，男，1980年出生，江西省景德镇市珠山区***，无业。"),
    ("address", "租户温秀（江西省乐平市塔山街道东湖村3组45号）称其不知情。",
     "租户温*（江西省乐平市***）称其不知情。"),
    ("address", "其亲属梅强，浮梁县洪源镇寒溪村7组12号，到场协助调查。",
     "其亲属梅*，浮梁县***，到场协助调查。"),
]

# What must come out as delivered.
KEPT = [
    # treasury and business accounts
    "罚没款缴至指定银行（户名：景德镇市财政局非税收入汇缴结算户，账号：1503 0212 0904 4711 302）。",
    "当事人应于十五日内将罚款缴至代收机构（账号：1503021209044711302）。",
    "罚款由其代为缴纳，缴款账号：36050161510000000176。",
    "当事人对公账户（账号：1503 0212 0900 0188 765）流水显示收入二十万元。",
    # documents that are a licence's or an officer's
    "暂扣其许可证件（编号：012345678901）。",
    "本机关执法人员（执法证号：赣A123456、36020012345）依法检查。",
    "当事人持有的食品经营许可证编号为JY13602030012345，有效期至2027年3月1日。",
    # dates that are no birth
    "该批产品于2025年3月12日生产，批号为20250312A。",
    "本决定自2026年1月1日生效。",
    "当事人系1985年出生的个体经营者。",
    "当事人的出生地为江西省景德镇市。",
    # words with 微信 and QQ that hold no account
    "当事人通过微信转账5000元收取货款。",
    "当事人在微信朋友圈发布广告。",
    "店内销售的QQ糖未标注生产日期。",
    # places and a business's address
    "当事人景德镇市瓷韵陶瓷有限公司，江西省景德镇市珠山区新厂路12号，法定代表人李*。",
    "依法对当事人景德镇市兴旺建材有限公司位于江西省景德镇市昌江区迎宾大道56号的仓库进行检查。",
    "经营者系安徽省宿松县人，三年前来本市经营。",
    "该批货物发往马鞍山市、黄山市黄山区及何家村等地。",
    # codes that look like plates
    "网站备案号沪ICP备12345678号。",
    "当事人的电信业务经营许可证编号为粤B2-20090059。",
]


@pytest.mark.parametrize("kind, text, expected", LEAKS, ids=[f"{k}:{t[:12]}" for k, t, _ in LEAKS])
def test_each_particular_is_masked(kind, text, expected):
    assert published(text) == expected
    assert kind in {s.kind for s in detect(text)}


@pytest.mark.parametrize("text", KEPT, ids=[t[:14] for t in KEPT])
def test_what_must_survive_is_published_as_delivered(text):
    assert published(text) == text
    assert find_in_text(text) == [] or all(k == "person_name" for *_, k in find_in_text(text))


# The scanner looks for each kind but bank accounts and addresses (whose they are takes the words
# around them: the detectors' alone), with patterns of its own.
SCANNED = {"document_number", "account", "birth_date", "plate"}
# Writings the scanner's stricter patterns leave to the detectors: an account in Chinese
# characters, a date in Chinese numerals, a number after 编号 in a bracket.
SCANNER_LEAVES = ("微信号陈", "一九八二", "居住证（编号")


@pytest.mark.parametrize("kind, text, expected", [c for c in LEAKS if c[0] in SCANNED],
                         ids=[f"{k}:{t[:12]}" for k, t, _ in LEAKS if k in SCANNED])
def test_the_scanner_sees_what_the_detectors_mask_and_nothing_after(kind, text, expected):
    raw = {k for *_, k in find_in_text(text)}
    if not any(w in text for w in SCANNER_LEAVES):
        assert kind in raw
    assert not [f for f in find_in_text(expected) if f[2] != "person_name"]


def test_a_record_whose_particulars_survive_is_quarantined_alone():
    roles = {"name": "subject_name", "facts": "free_text"}
    raw = {"name": "某某商行", "facts": "店员丁一（微信号：dingyi_2020）负责接单。"}
    redacted = redact_record(raw, roles, False)
    assert redacted.values["facts"] == "店员丁*（微信号：［账号已隐藏］）负责接单。"
    assert check_record(redacted.values, roles, redacted.personal_values, (), False) == []
    problems = check_record(raw, roles, (), (), False)
    assert {p.code for p in problems} >= {"account_in_output"}


def test_a_plate_alone_in_a_short_cell_is_checked():
    roles = {"name": "subject_name", "plate": "keep"}
    problems = check_record({"name": "某某物流有限公司", "plate": "赣H·K3718"}, roles, (), (), False)
    assert [p.code for p in problems] == ["plate_in_output"]


PREMISES = [
    # a shop registered under its operator's name alone is a natural person (DOMAIN.md)
    ("当事人熊一位于江西省景德镇市珠山区新华路23号的门店未悬挂营业执照。",
     "当事人熊*位于江西省景德镇市珠山区***的门店未悬挂营业执照。"),
    ("经营场所：景德镇市昌江区西郊街道8号，未办理登记。", "经营场所：景德镇市昌江区***，未办理登记。"),
    ("当事人熊一，江西省景德镇市浮梁县湘湖镇进坑村5组21号，经营早餐店。",
     "当事人熊*，江西省景德镇市浮梁县***，经营早餐店。"),
]


@pytest.mark.parametrize("text, expected", PREMISES, ids=[t[:10] for t, _ in PREMISES])
def test_a_natural_persons_premises_are_reduced_to_the_district(text, expected):
    roles = {"name": "subject_name", "facts": "free_text"}
    assert redact_record({"name": "熊一", "facts": text}, roles, True).values["facts"] == expected
    # The same words in a business's record name the business's premises: public.
    company = "景德镇市熊氏早餐有限公司"
    business = text.replace("熊一", company)
    assert redact_record({"name": company, "facts": business}, roles, False).values["facts"] == business
