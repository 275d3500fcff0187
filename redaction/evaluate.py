"""How well the detectors do: a seeded labelled corpus, precision and recall, throughput.

`python -m redaction.evaluate [N] [SEED]` prints the table. Every text is invented: names are
drawn from common surnames and given-name characters, numbers are random with valid check
digits (synth.py). Each example carries the spans that must be masked and the values that
must stay whole (business names, USCCs, decision and licence numbers, amounts, dates).
"""
from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from .check import check_record
from .checkdigits import is_valid_id18, luhn_valid
from .detectors import Context, detect
from .lexicon import lexicon
from .mask import mask
from .person_names import is_pseudonym
from .policy import redact_record
from .scan import find_in_text
from .spans import Span
from .synth import random_card, random_id15, random_id18, random_mobile, random_uscc

__all__ = [
    "Example", "PENALTY_ROLES", "generate_corpus", "evaluate", "throughput", "record_throughput",
    "penalty_records", "detection_throughput", "main",
]


@dataclass(frozen=True)
class Example:
    """One labelled text: what must be masked (with its writing) and what must stay whole."""

    text: str
    context: Context
    expected: tuple[tuple[Span, str], ...]  # (span, writing) e.g. (Span(.., "phone"), "plus86")
    must_keep: tuple[tuple[int, int, str], ...]  # (start, end, category)

    def __iter__(self):  # (text, context, expected spans, must-keep values)
        return iter((self.text, self.context, self.expected, self.must_keep))


# Surnames roughly by frequency (the first ones are the most common), then rarer and compound.
_COMMON = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_RARER = (
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬"
)
_COMPOUND = ("欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯")
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建文辉斌国林峰海波宇浩鹏晨欣怡婷雪琳萍莉燕凤梅春生德福荣志新龙"
    "成永亮俊飞鑫倩颖佳琪子轩涵睿博思雨晓云雷刚毅鸿振宏卫东南金水清光耀鹤松柏竹嘉慧欢乐安康和顺祥瑞庆喜"
)
# Characters that start ordinary words too, found first in given names (自强, 有才, 其昌,
# 立新, 家豪, 世杰, 向阳…).
_GIVEN_FIRST_ONLY = "自有其立家世天正大小之力中士保长学兴全得开发如意向"
_TRAD = str.maketrans(
    "张刘陈杨黄赵吴孙马许郑谢韩冯邓叶苏吕卢钟谭陆贾韦钱龚万严汤颜聂欧兰宁单骆蓝鲍华饶阳时"  # surnames
    "伟芳丽强军艳杰涛华兰红建辉国峰海波鹏晨欣婷琳莉凤龙亮飞颖轩涵睿晓云鸿振宏卫东乐顺庆",  # given names
    "張劉陳楊黃趙吳孫馬許鄭謝韓馮鄧葉蘇呂盧鍾譚陸賈韋錢龔萬嚴湯顏聶歐蘭寧單駱藍鮑華饒陽時"
    "偉芳麗強軍艷傑濤華蘭紅建輝國峰海波鵬晨欣婷琳莉鳳龍亮飛穎軒涵睿曉雲鴻振宏衛東樂順慶",
)
_ROLES_SIMPLIFIED = (
    "当事人", "负责人", "现场负责人", "经营者", "驾驶员", "员工",
    "证人", "受害人", "股东", "监护人", "法定代表人", "法人代表",
)
_ROLES_TRADITIONAL = (
    "當事人", "負責人", "現場負責人", "經營者", "駕駛員", "員工", "證人", "受害人", "股東", "監護人", "法定代表人",
)
_AFTER_NAME = (
    "，", "（", "于2024年3月5日", "在现场", "未按规定", "因", "称", "承认", "驾驶", "销售", "明知", "擅自", "于",
    "的行为", "。", "等人", "对此", "拒不", "涉嫌", "已", "，男，", "，女，", "（男，", "现年45岁", "系该店员工", "是",
    "作为", "负责", "经营", "向本局", "于当日", "带领", "组织", "指使", "与", "及其家属", "本人", " ", "1985年出生",
    "到场", "签字确认", "当场", "供述", "陈述", "无证", "持有", "；", "、",
)
# What follows a role word and is no name: must stay as written.
_ROLE_NOT_NAME = (
    "当事人陈述申辩", "当事人向本局提交", "当事人的违法行为", "相关负责人员", "经营者应当", "驾驶员未取得", "员工宿舍",
    "股东会决议", "证人证言", "当事人于次日", "经营者对", "当事人高价销售", "监护人应当", "法定代表人身份证明",
    "经营者在", "负责人未到场", "当事人安全意识", "当事人主动", "当事人如实", "当事人以", "当事人已", "驾驶员驾驶证",
    "负责人签字", "经营者名称", "当事人承认", "股东大会", "员工培训", "证人签名", "当事人未", "经营者的",
    "當事人陳述申辯", "經營者應當",
)
_CITIES = (
    ("江西省", "景德镇市", ("珠山区", "昌江区", "浮梁县", "乐平市")),
    ("江西省", "南昌市", ("东湖区", "西湖区", "新建区", "进贤县")),
    ("广东省", "中山市", ("石岐街道",)),
    ("湖南省", "永州市", ("冷水滩区", "祁阳县")),
    ("上海市", "", ("浦东新区", "徐汇区")),
)
_STREETS = ("新厂西路", "珠山中路", "昌南大道", "建设路", "人民街", "某某村", "某某小区", "瓷都大道")
_TRADES = ("食品", "水果", "五金", "建材", "百货", "烟酒", "餐饮", "药品", "汽车维修", "农资")
_KINDS = ("有限公司", "有限责任公司", "商行", "经营部", "超市", "水果店", "加工厂", "农民专业合作社", "酒店", "门市部")
_AUTHORITIES = (
    "景德镇市市场监督管理局", "乐平市生态环境局", "浮梁县应急管理局", "景德镇市交通运输局", "珠山区住房和城乡建设局",
)


def _name(rng: random.Random, traditional: bool = False) -> str:
    r = rng.random()
    if r < 0.04:
        surname = rng.choice(_COMPOUND)
    elif r < 0.80:
        surname = rng.choice(_COMMON)
    else:
        surname = rng.choice(_RARER)
    if rng.random() < 0.12:
        given = rng.choice(("某", "某某"))
    else:
        size = rng.choice((1, 2, 2))
        first = rng.choice(_GIVEN + _GIVEN_FIRST_ONLY) if size == 2 else rng.choice(_GIVEN)
        given = first + (rng.choice(_GIVEN) if size == 2 else "")
    name = surname + given
    return name.translate(_TRAD) if traditional else name


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c in "+-()Xx" else c for c in s)


_CN_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")
_SPOKEN_NUMERALS = str.maketrans("0123456789", "零幺二三四五六七八九")  # as a reader says a number
# The writings of issue 13 (dots, line breaks, Chinese numerals, digits appended…): drawn in the
# labelled corpus; the throughput rows keep the former writings, so that their figures compare.
_ID_WRITINGS = ("plain", "spaced", "hyphenated", "fullwidth", "lower_x", "id15")
_ID_WRITINGS_NEW = ("dots", "fullwidth_dots", "line_break", "crlf", "appended", "chinese")
_PHONE_WRITINGS = (
    "plain", "hyphen_344", "space_344", "plus86_space", "plus86", "0086", "fullwidth", "fullwidth_hyphen",
    "landline", "landline_paren", "landline_fullwidth_paren",
)
_PHONE_WRITINGS_NEW = (
    "dots", "middle_dots", "line_break", "chinese", "spoken", "chinese_spaced", "landline_dots", "landline_chinese",
    "landline_extension", "landline_local",
)
_CARD_WRITINGS = ("plain", "space4", "hyphen4")
_CARD_WRITINGS_NEW = ("dots4", "line_break")


def _id_writing(rng: random.Random, writings: tuple[str, ...] = _ID_WRITINGS) -> tuple[str, str]:
    writing = rng.choice(writings)
    if writing == "id15":
        return random_id15(rng), writing
    number = random_id18(rng)
    if writing == "lower_x":
        while not number.endswith("X"):
            number = random_id18(rng)
        return number.lower(), writing
    if writing == "spaced":
        return f"{number[:6]} {number[6:14]} {number[14:]}", writing
    if writing == "hyphenated":
        return f"{number[:6]}-{number[6:14]}-{number[14:]}", writing
    if writing == "fullwidth":
        return _fullwidth(number), writing
    if writing in ("dots", "fullwidth_dots"):
        dot = "." if writing == "dots" else "．"
        return f"{number[:6]}{dot}{number[6:14]}{dot}{number[14:]}", writing
    if writing in ("line_break", "crlf"):
        cut = rng.randrange(1, 18)
        return number[:cut] + ("\n" if writing == "line_break" else "\r\n") + number[cut:], writing
    if writing == "appended":  # 残疾人证号, an old 税务登记号: the ID and two digits
        while number.endswith("X"):
            number = random_id18(rng)
        return number + f"{rng.randrange(100):02d}", writing
    if writing == "chinese":
        return number.translate(rng.choice((_CN_NUMERALS, _SPOKEN_NUMERALS))), writing
    return number, writing


def _phone_writing(rng: random.Random, writings: tuple[str, ...] = _PHONE_WRITINGS) -> tuple[str, str, str]:
    """(text, the part to mask, writing)."""
    m = random_mobile(rng)
    writing = rng.choice(writings)
    if writing == "plain":
        return m, m, writing
    if writing == "hyphen_344":
        return (s := f"{m[:3]}-{m[3:7]}-{m[7:]}"), s, writing
    if writing == "space_344":
        return (s := f"{m[:3]} {m[3:7]} {m[7:]}"), s, writing
    if writing == "plus86_space":
        return f"+86 {m[:3]} {m[3:7]} {m[7:]}", f"{m[:3]} {m[3:7]} {m[7:]}", writing
    if writing == "plus86":
        return f"+86{m}", m, writing
    if writing == "0086":
        return f"0086-{m}", m, writing
    if writing == "fullwidth":
        return (s := _fullwidth(m)), s, writing
    if writing == "fullwidth_hyphen":
        return (s := _fullwidth(f"{m[:3]}-{m[3:7]}-{m[7:]}").replace("-", "－")), s, writing
    if writing in ("dots", "middle_dots"):
        dot = "." if writing == "dots" else "·"
        return (s := f"{m[:3]}{dot}{m[3:7]}{dot}{m[7:]}"), s, writing
    if writing == "line_break":
        cut = rng.randrange(1, 11)
        return (s := m[:cut] + "\n" + m[cut:]), s, writing
    if writing in ("chinese", "spoken"):
        return (s := m.translate(_CN_NUMERALS if writing == "chinese" else _SPOKEN_NUMERALS)), s, writing
    if writing == "chinese_spaced":
        return (s := f"{m[:3]} {m[3:7]} {m[7:]}".translate(_CN_NUMERALS)), s, writing
    area = rng.choice(("0798", "0791", "010", "020", "0760"))
    # Three-digit area codes (010, 020…) go with 8-digit numbers, four-digit ones with 7 or 8.
    local = str(rng.randint(2, 8)) + "".join(
        str(rng.randint(0, 9)) for _ in range(7 if len(area) == 3 else rng.choice((6, 7)))
    )
    if writing == "landline":
        return (s := f"{area}-{local}"), s, writing
    if writing == "landline_paren":
        return (s := f"({area}){local}"), s, writing
    if writing == "landline_dots":
        return (s := f"{area}.{local}"), s, writing
    if writing == "landline_chinese":
        return (s := f"{area}{local}".translate(_CN_NUMERALS)), s, writing
    if writing == "landline_extension":
        return (s := f"{area}-{local}转{rng.randint(1, 999)}"), s, writing
    if writing == "landline_local":  # without its area code: _example writes a phone's label before it
        return local, local, writing
    return (s := f"（{area}）{local}"), s, writing


def _card_writing(rng: random.Random, writings: tuple[str, ...] = _CARD_WRITINGS) -> tuple[str, str]:
    number = random_card(rng)
    writing = rng.choice(writings)
    if writing == "plain":
        return number, writing
    if writing == "line_break":
        cut = rng.randrange(1, len(number))
        return number[:cut] + "\n" + number[cut:], writing
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    return {"space4": " ", "hyphen4": "-", "dots4": "."}[writing].join(groups), writing


def _traffic_decision_number(rng: random.Random) -> str:
    """A traffic decision's 16 digits (中山 442000 and a serial), Luhn-valid: a card look-alike."""
    body = f"442000{rng.randrange(10 ** 9):09d}"
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def _number_trap(rng: random.Random, b: _Builder) -> None:
    """A sentence with what must survive beside the number writings (DOMAIN.md "What must
    survive"): dates and amounts with dots, enumerations, long batch and licence numbers, a
    licence's 12 digits starting with 0, a decision's 16 digits, Chinese text with numerals."""
    kind = rng.randrange(8)
    if kind == 0:
        b.add("处罚决定日期")
        b.must_keep(f"{rng.randint(2020, 2026)}.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}", "date_dots")
    elif kind == 1:
        b.add("罚款")
        amount = rng.choice((
            f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}元",
            f"{rng.randint(1, 99)}.{rng.randint(1, 9)}万元", f"{rng.randint(100, 999999)}.{rng.randint(0, 99):02d}元",
        ))
        b.must_keep(amount, "amount_dots")
    elif kind == 2:
        b.add("依据")
        b.must_keep(rng.choice(("第1.2.3条", "附件1.2.3.4.5.6.7.8.9.10.11.12", "第3.1.2款")), "enumeration")
    elif kind == 3:
        b.add(rng.choice(("涉案产品批号为", "批号", "许可证编号")))
        number = f"{rng.randint(2020, 2026)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + "".join(
            str(rng.randrange(10)) for _ in range(rng.randint(12, 16))
        )
        if len(number) == 20 and is_valid_id18(number[:18]):
            # An ID with two digits appended, by chance: masked (DOMAIN.md), counted apart.
            start = b.length
            b.sensitive(number, "id_number", "batch_passing_id_check")
            b.keep.append((start, start + len(number), "batch_number_id_shaped"))
        else:
            b.must_keep(number, "batch_number")
    elif kind == 4:
        b.add(rng.choice(("生产许可证编号为", "许可证编号：", "暂扣其许可证件（编号：")))
        b.must_keep("0" + "".join(str(rng.randrange(10)) for _ in range(11)), "licence_number_0")
    elif kind == 5:
        number = _traffic_decision_number(rng)
        if rng.random() < 0.5:
            b.add("当事人所属车辆曾被处以交通违法处罚（决定书编号：")
            b.must_keep(number, "traffic_decision_number")
            b.add("）")
        else:
            b.add(f"处罚决定书文号：公交决字〔{rng.randint(2020, 2026)}〕")
            b.must_keep(number, "traffic_decision_number")
            b.add("号")
    else:
        b.add(rng.choice(("经查，", "本局于", "依据")))
        b.must_keep(rng.choice((
            "二〇二六年三月十二日", "二〇二四年至二〇二六年", "第一百二十二条第一款",
            "罚款一百二十三万四千五百六十七元", "一二三四五六七八九十", "三三两两", "二〇二五年十二月三十一日",
        )), "chinese_numerals")
    b.add("。")


class _Builder:
    """Appends pieces of text, remembering where labelled and must-keep pieces went."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.expected: list[tuple[Span, str]] = []
        self.keep: list[tuple[int, int, str]] = []

    def add(self, text: str) -> int:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start

    def sensitive(self, text: str, kind: str, writing: str, masked_part: str | None = None) -> None:
        start = self.add(text)
        offset = text.index(masked_part) if masked_part else 0
        size = len(masked_part) if masked_part else len(text)
        self.expected.append((Span(start + offset, start + offset + size, kind), writing))

    def must_keep(self, text: str, category: str) -> None:
        start = self.add(text)
        self.keep.append((start, start + len(text), category))

    def text(self) -> str:
        return "".join(self.parts)


# Names that begin with a role word (房东, 车主) read as the role word: not drawn.
_ROLE_HEADS = frozenset(w[:2] for w in lexicon().role_words if len(w) == 2)


def _plantable_name(rng: random.Random, traditional: bool = False) -> str:
    """_name, but not one whose first two characters are a word of not_names.yml (白天志,
    安全瑞): after a role word they read as that word (当事人白天…), a limit the README states."""
    not_names = lexicon().not_names
    while True:
        name = _name(rng, traditional)
        if name[:2] not in not_names and name[:3] not in not_names and name[:2] not in _ROLE_HEADS:
            return name


def _plant_name(b: _Builder, person: str, writing: str) -> None:
    """A person's name to be masked; a pseudonym (张某) is already safe and must stay whole."""
    if is_pseudonym(person):
        b.must_keep(person, "pseudonym")
    else:
        b.sensitive(person, "person_name", writing)


def _example(rng: random.Random) -> Example:
    b = _Builder()
    city = rng.choice(_CITIES)
    district = rng.choice(city[2])
    operator = _plantable_name(rng)
    sole_trader = rng.random() < 0.3
    if sole_trader:
        business = f"{district}{operator}{rng.choice(_TRADES)}{rng.choice(('店', '经营部', '商行'))}"
    else:
        business = (
            f"{city[1]}{rng.choice(('某某', '恒达', '瓷都', '昌南', '鑫源', '华达'))}"
            f"{rng.choice(_TRADES)}{rng.choice(_KINDS)}"
        )
    uscc = random_uscc(rng, all_digits=rng.random() < 0.3)
    secret = rng.choice(("配方甲", "工艺参数乙", "客户名单丙", "进货渠道丁")) if rng.random() < 0.2 else None

    b.add("经查，")
    b.must_keep(rng.choice(("2024年3月5日", "2024-03-05", "20240305")), "date")
    b.add("，当事人")
    b.must_keep(business, "business_name")
    b.add("（统一社会信用代码：")
    b.must_keep(uscc, "uscc")
    b.add("）")
    if sole_trader:
        b.add("经营者")
        _plant_name(b, operator, "role:经营者")
        b.add(rng.choice(_AFTER_NAME))
    b.add("在经营场所销售不合格产品，货值金额")
    b.must_keep(f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}", "amount")
    b.add("元，持有许可证")
    b.must_keep(
        rng.choice((
            f"JY1{rng.randint(3600000000000, 3699999999999)}",
            f"SC1{rng.randint(3600000000000, 3699999999999)}",
            f"赣{rng.randint(10000, 99999)}号",
        )),
        "licence_number",
    )
    b.add("。")
    if rng.random() < 0.3:
        # Permit numbers people mistake for cards or IDs: 排污许可证 (USCC + 001P, or
        # division-year-serial-P) and 施工许可证 (division, date, serial: 18 digits).
        kind = rng.random()
        if kind < 0.35:
            b.add("排污许可证编号：")
            b.must_keep(f"{random_uscc(rng)}{rng.randint(1, 3):03d}{rng.choice('PVQ')}", "licence_number")
        elif kind < 0.7:
            b.add("排污许可证编号：")
            b.must_keep(
                f"36{rng.randint(1000, 9999)}-{rng.randint(2018, 2025)}-{rng.randint(0, 999999):06d}-P",
                "licence_number",
            )
        else:
            b.add("施工许可证编号")
            number = (
                f"36{rng.randint(1000, 9999)}{rng.randint(2018, 2025)}"
                f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"
            )
            # About 1 in 11 of these also passes the ID check: DOMAIN.md makes it an ID, so it
            # is expected to be masked, and counted apart from the must-keep damage.
            if is_valid_id18(number):
                start = b.length
                b.sensitive(number, "id_number", "permit_passing_id_check")
                b.keep.append((start, start + len(number), "licence_number_id_shaped"))
            else:
                b.must_keep(number, "licence_number")
        b.add("。")

    names = [operator] if sole_trader else []
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.08:
            b.must_keep(rng.choice(_ROLE_NOT_NAME), "role_word_phrase")
            b.add("。")
        elif choice < 0.12:
            role = rng.choice(("当事人", "经营者", "负责人为", "当事人：", "股东"))
            other = (
                f"{rng.choice(('景德镇市', '乐平市', '江西'))}{rng.choice(('某某', '恒达', '鑫源'))}"
                f"{rng.choice(_TRADES)}{rng.choice(_KINDS)}"
                if rng.random() < 0.6
                else f"{_name(rng)}{rng.choice(_TRADES)}店"
            )
            b.add(role)
            b.must_keep(other, "business_name")
            b.add(rng.choice(("于2024年", "，", "在", "销售", "。")))
        elif choice < 0.50:
            traditional = rng.random() < 0.15
            role = rng.choice(_ROLES_TRADITIONAL if traditional else _ROLES_SIMPLIFIED)
            person = _plantable_name(rng, traditional)
            b.add(role + rng.choice(("", "", "：", " ", "为")))
            _plant_name(b, person, f"role:{role}")
            b.add(rng.choice(_AFTER_NAME))
            names.append(person)
        elif choice < 0.60:
            text, writing = _id_writing(rng, _ID_WRITINGS + _ID_WRITINGS_NEW)
            if writing == "appended":
                b.add(rng.choice(("残疾人证号：", "（残疾人证号", "税务登记号")))
            else:
                b.add(rng.choice(("身份证号码：", "身份证号", "（公民身份号码", "证件号 ")))
            b.sensitive(text, "id_number", writing)
            b.add(rng.choice(("）", "，", "。", " ")))
        elif choice < 0.78:
            text, part, writing = _phone_writing(rng, _PHONE_WRITINGS + _PHONE_WRITINGS_NEW)
            if writing == "landline_local":  # a number without its area code is known by its label
                b.add(rng.choice(("联系电话", "，电话：", "，座机 ", "（电话号码：")))
            else:
                b.add(rng.choice(("联系电话", "，电话：", "手机 ", "Tel:", "（联系方式")))
            b.sensitive(text, "phone", writing, part)
            b.add(rng.choice(("）", "，", "。", " ")))
        elif choice < 0.86:
            text, writing = _card_writing(rng, _CARD_WRITINGS + _CARD_WRITINGS_NEW)
            b.add(rng.choice(("银行卡号", "，收款账号：", "卡号 ")))
            b.sensitive(text, "bank_card", writing)
            b.add(rng.choice(("，", "。", " ")))
        elif choice < 0.91:
            user = rng.choice(("zhangsan", "li.si", "wang_wu88", "shop2024"))
            b.add("邮箱")
            b.sensitive(f"{user}@{rng.choice(('example.com', 'mail.example.cn', 'qq.example.net'))}", "email", "email")
            b.add("，")
        else:
            label = rng.choice(("家住", "住址：", "户籍地", "现住"))
            b.add(label)
            head = f"{city[0]}{city[1]}{district}"
            b.add(head)
            tail = f"{rng.choice(_STREETS)}{rng.randint(1, 300)}号"
            b.sensitive(tail, "address", label.rstrip("："))
            b.add("。")
    if rng.random() < 0.35:
        _number_trap(rng, b)
    if secret:
        b.add("其使用的")
        b.sensitive(secret, "secret", "declared")
        b.add("系商业秘密。")
    b.add("以上事实有")
    b.must_keep(rng.choice(_AUTHORITIES), "authority")
    b.add("现场检查笔录为证，决定书文号")
    b.must_keep(rng.choice((f"景市监罚〔2024〕{rng.randint(1, 999)}号", f"赣环罚字[2025]{rng.randint(1, 99):04d}号",
                            f"乐应急罚〔2024〕{rng.randint(1, 99)}号")), "decision_number")
    b.add("。")
    context = Context(
        personal_names=(operator,) if sole_trader and not is_pseudonym(operator) else (),
        secrets=(secret,) if secret else (),
        keep_whole=(business,),
    )
    return Example(b.text(), context, tuple(b.expected), tuple(b.keep))


def generate_corpus(n: int, seed: int = 0) -> Iterator[Example]:
    """`n` labelled examples, the same for the same seed (each about 150–300 characters)."""
    rng = random.Random(seed)
    for _ in range(n):
        yield _example(rng)


_SCANNED = frozenset({"id_number", "phone", "bank_card", "email"})  # what scan.py looks for (names apart)


def _covered(span: Span, found: list[Span], same_kind: bool) -> bool:
    """True when every character of `span` lies inside found spans (of its kind if asked)."""
    pos = span.start
    for s in found:
        if same_kind and s.kind != span.kind:
            continue
        if s.start <= pos < s.end:
            pos = s.end
            if pos >= span.end:
                return True
    return pos >= span.end


def evaluate(n: int = 5000, seed: int = 0, show: bool = True) -> dict:
    """Precision and recall per kind (and recall per writing), and must-keep damage.

    Returns {"kinds": {kind: {"expected", "found", "recall", "detected", "precision"}},
    "writings": {(kind, writing): {"expected", "recall", "scan_recall"}}, "must_keep":
    {"values", "damaged", "share", "by_category"}, "scan_after_masking": texts}; also prints
    the table unless show=False.

    scan_recall: the share of a writing's numbers in which the scanner (scan.find_in_text, the
    per-record check's and the final scan's) finds a number, in part or whole, in the text as
    delivered; None for the writings it does not look for (landlines). scan_after_masking: the
    texts in which it still finds a number (an ID, a mobile, a card, an e-mail) once masked
    (the per-record check would quarantine them).
    """
    expected_n: dict[str, int] = defaultdict(int)
    recalled: dict[str, int] = defaultdict(int)
    detected_n: dict[str, int] = defaultdict(int)
    correct: dict[str, int] = defaultdict(int)
    writing_n: dict[tuple[str, str], int] = defaultdict(int)
    writing_ok: dict[tuple[str, str], int] = defaultdict(int)
    keep_n: dict[str, int] = defaultdict(int)
    keep_damaged: dict[str, int] = defaultdict(int)
    scan_n: dict[tuple[str, str], int] = defaultdict(int)
    scan_ok: dict[tuple[str, str], int] = defaultdict(int)
    scan_after = 0
    misses: list[str] = []

    for example in generate_corpus(n, seed):
        found = detect(example.text, example.context)
        scanned = [Span(a, b, kind) for a, b, kind in find_in_text(example.text)]
        for span, writing in example.expected:
            ok = _covered(span, found, same_kind=True)
            expected_n[span.kind] += 1
            writing_n[(span.kind, writing)] += 1
            if span.kind in _SCANNED and not writing.startswith("landline"):
                scan_n[(span.kind, writing)] += 1
                # (a number found in it, in part or whole: the per-record check then holds the
                # record back; the scanner may read part of a card in fours as a phone)
                if any(s.kind in _SCANNED and s.start < span.end and span.start < s.end for s in scanned):
                    scan_ok[(span.kind, writing)] += 1
                elif len(misses) < 30:
                    misses.append(f"scan: {example.text[span.start:span.end]!r}")
            if ok:
                recalled[span.kind] += 1
                writing_ok[(span.kind, writing)] += 1
            elif len(misses) < 20:
                misses.append(
                    f"{span.kind}: {example.text[span.start:span.end]!r}"
                    f" in …{example.text[max(0, span.start - 12):span.end + 8]}…"
                )
        for s in found:
            detected_n[s.kind] += 1
            if any(e.kind == s.kind and e.start < s.end and s.start < e.end for e, _ in example.expected):
                correct[s.kind] += 1
            elif len(misses) < 40:
                misses.append(
                    f"false {s.kind}: {example.text[s.start:s.end]!r}"
                    f" in …{example.text[max(0, s.start - 12):s.end + 8]}…"
                )
        for start, end, category in example.must_keep:
            keep_n[category] += 1
            if any(s.start < end and start < s.end for s in found):
                keep_damaged[category] += 1
        masked = mask(example.text, found)
        left = [f for f in find_in_text(masked) if f[2] in _SCANNED]
        if left:
            scan_after += 1
            if len(misses) < 40:
                misses.append(f"scan after masking: {left[0][2]} {masked[left[0][0]:left[0][1]]!r}")

    kinds = {
        kind: {
            "expected": expected_n[kind],
            "found": recalled[kind],
            "recall": recalled[kind] / expected_n[kind] if expected_n[kind] else 1.0,
            "detected": detected_n[kind],
            "precision": correct[kind] / detected_n[kind] if detected_n[kind] else 1.0,
        }
        for kind in sorted(set(expected_n) | set(detected_n))
    }
    writings = {
        key: {
            "expected": writing_n[key],
            "recall": writing_ok[key] / writing_n[key],
            "scan_recall": scan_ok[key] / scan_n[key] if scan_n[key] else None,
        }
        for key in sorted(writing_n)
    }
    # Values that pass the ID check are IDs wherever they stand (DOMAIN.md): not counted.
    counted = [c for c in keep_n if not c.endswith("_id_shaped")]
    total_keep = sum(keep_n[c] for c in counted)
    total_damaged = sum(keep_damaged[c] for c in counted)
    result = {
        "n": n,
        "seed": seed,
        "kinds": kinds,
        "writings": writings,
        "must_keep": {
            "values": total_keep,
            "damaged": total_damaged,
            "share": total_damaged / total_keep if total_keep else 0.0,
            "by_category": {c: {"values": keep_n[c], "damaged": keep_damaged[c]} for c in sorted(keep_n)},
        },
        "scan_after_masking": scan_after,
        "examples_of_errors": misses,
    }
    if show:
        _print(result)
    return result


def _print(result: dict) -> None:
    print(f"语料 {result['n']} 条（seed {result['seed']}）")
    print(f"{'kind':<12}{'expected':>9}{'recall':>9}{'detected':>9}{'precision':>10}")
    for kind, row in result["kinds"].items():
        print(f"{kind:<12}{row['expected']:>9}{row['recall']:>9.2%}{row['detected']:>9}{row['precision']:>10.2%}")
    print(f"\nrecall by writing{'':>28}{'recall':>9}{'scan':>9}")
    for (kind, writing), row in result["writings"].items():
        scan = "—" if row["scan_recall"] is None else f"{row['scan_recall']:.2%}"
        print(f"  {kind:<12}{writing:<28}{row['expected']:>6}{row['recall']:>9.2%}{scan:>9}")
    print(f"texts in which the scanner still finds a number once masked: {result['scan_after_masking']}")
    keep = result["must_keep"]
    print(f"\nmust-keep values damaged: {keep['damaged']} / {keep['values']} = {keep['share']:.3%}"
          " (not counting *_id_shaped: values that pass the ID check are IDs, DOMAIN.md)")
    for category, row in keep["by_category"].items():
        print(f"  {category:<18}{row['damaged']:>5} / {row['values']}")
    if result["examples_of_errors"]:
        print("\nerrors (first ones):")
        for line in result["examples_of_errors"]:
            print("  " + line)


_LAWS = (
    "中华人民共和国食品安全法", "中华人民共和国产品质量法", "中华人民共和国安全生产法", "中华人民共和国大气污染防治法",
    "中华人民共和国道路运输条例", "中华人民共和国广告法",
)
_GOODS = ("超过保质期的食品", "不合格的电线电缆", "未标明生产日期的预包装食品", "无中文标签的进口化妆品", "过期药品")
_PENALTIES = (
    "警告，并处罚款人民币5000元", "没收违法所得，并处罚款人民币2万元", "罚款人民币3.5万元", "责令停产停业整顿",
)


def _typical_text(rng: random.Random, business: str) -> tuple[str, str]:
    """A penalty narrative as departments write it, about 200 characters; (text, a name in it)."""
    law = rng.choice(_LAWS)
    person = _name(rng)
    text = (
        f"经查，{rng.randint(2022, 2025)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日，"
        f"当事人{business}在其经营场所销售{rng.choice(_GOODS)}共计{rng.randint(2, 90)}件，"
        f"货值金额人民币{rng.randint(100, 9999)}.{rng.randint(0, 99):02d}元，"
        f"违法所得人民币{rng.randint(10, 999)}.00元。上述行为违反了《{law}》第{rng.randint(20, 60)}条的规定。"
    )
    extra = rng.random()
    if extra < 0.4:
        text += f"现场负责人{person}在场并签字确认，联系电话{random_mobile(rng)}。"
    elif extra < 0.6:
        text += f"当事人法定代表人{person}（身份证号{random_id18(rng)}）到场接受询问。"
    text += "以上事实有现场检查笔录、询问笔录、照片等证据为证。"
    text += f"本局依据《{law}》第{rng.randint(100, 140)}条之规定，决定给予{rng.choice(_PENALTIES)}的行政处罚。"
    return text, person


def _throughput_records(n: int, seed: int, dense: bool = False) -> list[tuple[dict, dict]]:
    """Records shaped like a penalty row with one free-text field of about 200 characters.

    dense=False: a typical narrative (four in ten name a person with a phone, two in ten an
    ID number); dense=True: the evaluation corpus, with two or three personal items each.
    """
    roles = {
        "subject_name": "subject_name", "uscc": "uscc", "legal_rep": "person_name", "legal_rep_id": "drop",
        "decision_no": "keep", "facts": "free_text", "category": "text", "authority": "keep",
        "decision_date": "keep", "secrets": "secret_declaration",
    }
    rng = random.Random(seed)
    records = []
    for example in generate_corpus(n, seed):
        business = example.context.keep_whole[0]
        if dense:
            text = example.text[:220]
        else:
            text, _ = _typical_text(rng, business)
        values = {
            "subject_name": business,
            "uscc": random_uscc(rng),
            "legal_rep": _name(rng),
            "legal_rep_id": random_id18(rng),
            "decision_no": f"景市监罚〔2024〕{rng.randint(1, 999)}号",
            "facts": text,
            "category": "罚款；没收违法所得",
            "authority": rng.choice(_AUTHORITIES),
            "decision_date": "2024-03-05",
            "secrets": ";".join(example.context.secrets) or None,
        }
        records.append((values, roles))
    return records


# The fields of a penalty row as the build hands them to redact_record (the 2021 双公示
# layout: 34 fields, five of them text), with their redaction roles.
PENALTY_ROLES = {
    "subject_name": "subject_name", "subject_class": "keep", "uscc": "uscc", "registration_no": "code",
    "org_code": "code", "tax_no": "code", "institution_cert": "code", "social_org_cert": "code",
    "legal_rep": "person_name", "legal_rep_id_type": "drop", "legal_rep_id": "drop", "id_type": "drop",
    "id_number": "drop", "decision_no": "keep", "violation_type": "text", "facts": "free_text",
    "basis": "free_text", "category": "text", "content": "free_text", "fine_wan": "keep",
    "confiscated_wan": "keep", "licence_affected": "keep", "decision_date": "keep", "valid_until": "keep",
    "publicity_until": "keep", "authority": "keep", "authority_uscc": "uscc", "source_dept": "keep",
    "source_dept_uscc": "uscc", "status": "keep", "severity": "keep", "remarks": "free_text",
    "secrets": "secret_declaration", "updated_at": "keep",
}
_VIOLATIONS = (
    ("未明码标价", "发现其销售的{n}种商品未按规定明码标价", "《中华人民共和国价格法》第四十二条"),
    ("销售不合格产品", "发现其销售的{n}件电线电缆经抽检不合格", "《中华人民共和国产品质量法》第四十九条"),
    ("未取得许可从事食品经营", "发现其未取得食品经营许可证擅自从事热食类食品制售",
     "《中华人民共和国食品安全法》第一百二十二条第一款"),
    ("偷税", "发现其通过个人账户收取货款未申报收入，少缴税款{n}万元", "《中华人民共和国税收征收管理法》第六十三条"),
    ("车辆超限运输", "发现其所属重型货车超限{n}%在公路上行驶", "《公路安全保护条例》第六十四条"),
    ("安全生产隐患", "发现其窑炉车间存在燃气管道未设置泄漏报警装置等{n}处隐患",
     "《中华人民共和国安全生产法》第一百零二条"),
)
_SITES = ("经营场所", "办公场所", "仓库", "施工现场", "停车场", "生产车间")
_CLOSINGS = ("以上事实有现场检查笔录、询问笔录、现场照片及相关票据等证据证实。", "当事人对上述事实无异议。",
             "上述事实有现场笔录、当事人陈述申辩材料、证人证言等证据为证。")


def _address(rng: random.Random) -> str:
    province, city, districts = rng.choice(_CITIES)
    return f"{province}{city}{rng.choice(districts)}{rng.choice(_STREETS)}{rng.randint(1, 300)}号" + (
        f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
        if rng.random() < 0.5
        else ""
    )


def _details(rng: random.Random) -> str:
    """A person's particulars as departments leave them in a text (ID, phone, address)."""
    parts = []
    if rng.random() < 0.7:
        parts.append("身份证号码：" + _id_writing(rng)[0])
    if rng.random() < 0.6:
        parts.append("联系电话" + _phone_writing(rng)[0])
    if rng.random() < 0.25:
        parts.append(rng.choice(("住址：", "家住")) + _address(rng))
    return "，".join(parts)


def _penalty_record(rng: random.Random, n: int) -> tuple[dict, bool]:
    """One penalty row with personal data in its 违法事实, new people and numbers each time."""
    kind = rng.random()
    operator = _name(rng)
    operator_id = random_id18(rng)
    city = rng.choice(_CITIES)
    if kind < 0.12:  # a natural person
        subject, subject_class, uscc, person = operator, "自然人", None, True
    elif kind < 0.45:  # a sole trader
        subject = f"{rng.choice(city[2])}{operator}{rng.choice(_TRADES)}{rng.choice(('店', '经营部', '商行'))}"
        subject_class, uscc, person = "个体工商户", random_uscc(rng, all_digits=rng.random() < 0.3), False
    else:
        subject = (
            f"{city[1]}{rng.choice(('恒达', '瓷都', '昌南', '鑫源', '华达', '诚达'))}"
            f"{rng.choice(_TRADES)}{rng.choice(_KINDS)}"
        )
        subject_class, uscc, person = "法人及非法人组织", random_uscc(rng, all_digits=rng.random() < 0.3), False
    violation, found, basis = rng.choice(_VIOLATIONS)
    found = found.format(n=rng.randint(2, 60))
    date = f"{rng.randint(2022, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日，"
    if person:
        facts = (f"当事人{operator}，{rng.choice('男女')}，{rng.randint(1950, 2000)}年{rng.randint(1, 12)}月出生，"
                 f"身份证号码{_id_writing(rng)[0]}，{rng.choice(('住址：', '家住'))}{_address(rng)}，"
                 f"联系电话{_phone_writing(rng)[0]}。{date}本机关执法人员检查{found}。")
    else:
        code = f"（统一社会信用代码：{uscc}）" if rng.random() < 0.3 else ""
        facts = (
            f"{date}本机关执法人员依法对当事人{subject}{code}"
            f"位于{_address(rng).split('号')[0]}号的{rng.choice(_SITES)}进行现场检查，{found}。"
        )
        if subject_class == "个体工商户" and rng.random() < 0.8:
            details = _details(rng)
            facts += f"经营者{operator}" + (f"（{details}）" if details else "") + "在场。"
        elif rng.random() < 0.4:
            facts += f"当事人法定代表人{operator}对上述事实予以确认。"
        if subject_class != "个体工商户" and rng.random() < 0.45:
            details = _details(rng)
            facts += f"现场负责人：{_name(rng)}" + (f"（{details}）" if details else "") + "。"
        if rng.random() < 0.12:
            facts += f"当事人股东{_name(rng)}负责日常经营。"
        if rng.random() < 0.1:
            card, _ = _card_writing(rng)
            facts += f"财务人员通过其个人银行卡（卡号：{card}）收取货款{rng.randint(2, 90) * 100}元。"
    if rng.random() < 0.4:
        facts += f"经查，当事人违法所得共计人民币{rng.randint(300, 90000)}元。"
    if rng.random() < 0.6:
        facts += f"当事人的上述行为违反了{basis[: basis.index('》') + 1]}的有关规定。"
    facts += rng.choice(_CLOSINGS)
    fine = rng.randint(1, 500) / 10
    authority = rng.choice(_AUTHORITIES)
    authority_uscc = random_uscc(random.Random(authority))
    values = {
        "subject_name": subject, "subject_class": subject_class, "uscc": uscc,
        "registration_no": f"3602000{rng.randrange(10 ** 8):08d}" if not person and rng.random() < 0.5 else None,
        "org_code": f"{rng.randrange(10 ** 8):08d}-{rng.randrange(10)}" if not person and rng.random() < 0.25 else None,
        "tax_no": operator_id if subject_class == "个体工商户" and rng.random() < 0.5 else None,
        "institution_cert": None, "social_org_cert": None,
        "legal_rep": None if person else operator, "legal_rep_id_type": None if person else "身份证",
        "legal_rep_id": None if person else operator_id,
        "id_type": "身份证" if person else None, "id_number": operator_id if person else None,
        "decision_no": f"景市监处罚〔{rng.randint(2022, 2026)}〕{n}号", "violation_type": violation, "facts": facts,
        "basis": basis, "category": "罚款", "content": f"罚款人民币{fine:g}万元", "fine_wan": fine,
        "confiscated_wan": rng.randint(1, 90) / 100 if rng.random() < 0.15 else None,
        "licence_affected": None, "decision_date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "valid_until": None, "publicity_until": None, "authority": authority, "authority_uscc": authority_uscc,
        "source_dept": authority, "source_dept_uscc": authority_uscc, "status": None, "severity": None,
        "remarks": None, "secrets": None, "updated_at": None,
    }
    return values, person


def penalty_records(n: int, seed: int = 1) -> list[tuple[dict, bool]]:
    """`n` penalty rows as the build hands them to redact_record (PENALTY_ROLES), with
    (subject_is_person); about 200 characters of 违法事实 with personal data in each, the
    people and numbers new in every row (the build's sample reuses its texts: less work)."""
    rng = random.Random(seed)
    return [_penalty_record(rng, k) for k in range(n)]


def record_throughput(n: int = 20000, seed: int = 1) -> dict[str, float]:
    """Records per second on one core through redact_record alone and redact_record +
    check_record, on realistic penalty rows (penalty_records)."""
    records = penalty_records(n, seed)
    start = time.perf_counter()
    redacted = [redact_record(values, PENALTY_ROLES, person) for values, person in records]
    redact_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for r, (_, person) in zip(redacted, records, strict=True):
        check_record(r.values, PENALTY_ROLES, r.personal_values, r.secrets, person)
    check_seconds = time.perf_counter() - start
    return {"redact_record": n / redact_seconds, "redact_and_check": n / (redact_seconds + check_seconds)}


def throughput(n: int = 20000, seed: int = 1, dense: bool = False) -> float:
    """Records per second on one core through redact_record, on realistic penalty rows (34
    fields, about 200 characters of 违法事实 with personal data; bench/run.py reports it).

    dense=True: the smaller 10-field records of _throughput_records with the evaluation
    corpus's denser texts, through redact_record + check_record (the former measure).
    """
    if not dense:
        return record_throughput(n, seed)["redact_record"]
    records = _throughput_records(n, seed, dense)
    start = time.perf_counter()
    for values, roles in records:
        redacted = redact_record(values, roles, False)
        check_record(redacted.values, roles, redacted.personal_values, redacted.secrets, False)
    return len(records) / (time.perf_counter() - start)


def detection_throughput(n: int = 20000, seed: int = 1, dense: bool = False) -> float:
    """Texts per second through detect + mask alone, on ~200-character texts."""
    texts = [(values["facts"], Context(personal_names=(values["legal_rep"],), keep_whole=(values["subject_name"],)))
             for values, _ in _throughput_records(n, seed, dense)]
    start = time.perf_counter()
    for text, context in texts:
        mask(text, detect(text, context))
    return len(texts) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m redaction.evaluate [N] [SEED]."""
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 5000
    seed = int(args[1]) if len(args) > 1 else 0
    evaluate(n, seed, show=True)
    from .name_corpus import evaluate_names, print_name_figures  # (it builds on this module)

    print_name_figures(evaluate_names(n, seed))
    from .particulars_corpus import evaluate_particulars, print_particulars_figures

    print_particulars_figures(evaluate_particulars(n, seed))
    print("\nthroughput, one core, ~200-character free text:")
    rows = record_throughput()
    print(f"  penalty rows (34 fields)  redact_record {rows['redact_record']:>8,.0f} records/s   "
          f"redact_record+check_record {rows['redact_and_check']:>8,.0f} records/s")
    for label, dense in (("typical narrative", False), ("dense corpus text", True)):
        print(f"  {label:<18} detect+mask {detection_throughput(dense=dense):>8,.0f} texts/s")
    print(f"  dense corpus, 10-field records: redact_record+check_record {throughput(dense=True):>8,.0f} records/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
