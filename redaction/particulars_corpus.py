"""A labelled corpus of the particulars of particulars.py (issue 13) and the figures
`python -m redaction.evaluate` prints for it: recall per kind and writing (the detectors', and
the scanner's where it looks for the kind), must-keep damage per category.

Kinds: identity documents (passports, 港澳 and 台湾 permits), accounts (WeChat in Latin letters
or Chinese characters, QQ, 抖音), personal bank accounts and passbooks, full birth dates (in
digits, dots, dashes after a label, Chinese numerals, 生于), plates (plain, with a middle dot,
new-energy), addresses without a label (in a header block, in brackets after a name, a natural
person's premises). Must-keep traps beside them: treasury and business accounts, officers'
certificate numbers, licence numbers, production and effective dates, a year of birth alone,
words with 微信 that hold no account, a business's address, ICP and telecom licence numbers,
hometowns. Every value is invented.

Written beside the detectors: its figures are an upper bound; tests/redaction/test_particulars.py
holds hand-written sentences it was not tuned on.
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator

from .checkdigits import is_valid_id18
from .detectors import Context, detect
from .evaluate import Example, _Builder, _covered, _name
from .particulars import find_person_premises
from .scan import find_in_text
from .spans import Span, resolve

__all__ = ["evaluate_particulars", "generate_particulars_corpus", "print_particulars_figures"]

SCANNED = frozenset({"document_number", "account", "birth_date", "plate"})
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_AREAS = (("江西省景德镇市珠山区", ("新厂路", "珠山中路", "瓷都大道")), ("江西省乐平市", ("塔山街道东湖村", "洎阳路")),
          ("景德镇市昌江区", ("西郊街道", "迎宾大道")), ("浮梁县洪源镇", ("寒溪村", "洪源村")))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _home(rng: random.Random) -> tuple[str, str]:
    """(the address, the part beyond the district that must be hidden)."""
    area, streets = rng.choice(_AREAS)
    street = rng.choice(streets)
    rest = f"{rng.randint(1, 399)}号" + (f"{rng.randint(1, 20)}栋{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
                                          if rng.random() < 0.5 else "")
    if street.endswith("村"):
        rest = f"{rng.randint(1, 9)}组{rng.randint(1, 80)}号"
    return area + street + rest, street + rest


def _birth(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)


_CN = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN[n]
    return ("" if n < 20 else _CN[n // 10]) + "十" + ("" if n % 10 == 0 else _CN[n % 10])


# Each writing: a function adding the sentence with the value marked as sensitive.
def _passport(b: _Builder, rng: random.Random) -> None:
    value = rng.choice(("E", "EA", "G")) + _digits(rng, rng.choice((7, 8)))
    b.add(rng.choice(("证人", "外籍员工", "经营者")) + rng.choice(("（护照号码：", "持护照（号码", "，护照号 ")))
    b.sensitive(value, "document_number", "passport")
    b.add("）对上述事实予以证实。")


def _hk_permit(b: _Builder, rng: random.Random) -> None:
    value = rng.choice("HMC") + _digits(rng, rng.choice((8, 10)))
    b.add(rng.choice(("雇员持港澳居民来往内地通行证（证件号码：", "该员工持往来港澳通行证（号码", "其通行证号码为")))
    b.sensitive(value, "document_number", "hk_permit")
    b.add("）在店内工作。")


def _tw_permit(b: _Builder, rng: random.Random) -> None:
    value = _digits(rng, 8)
    b.add(rng.choice(("经营者持台湾居民来往大陆通行证（号码", "其台胞证号：", "当事人出示台胞证，证件号码为")))
    b.sensitive(value, "document_number", "tw_permit")
    b.add("，系台湾居民。")


def _wechat(b: _Builder, rng: random.Random) -> None:
    value = rng.choice(("wxid_", "jdz_", "")) + "".join(rng.choice("abcdefghkmnpqrstuvwxyz") for _ in range(5)) \
        + _digits(rng, rng.randint(2, 6))
    b.add(rng.choice(("店员（微信号：", "当事人通过微信号", "广告页面留有微信：", "其微信号为")))
    b.sensitive(value, "account", "wechat")
    b.add("，用于招揽顾客。")


def _wechat_cjk(b: _Builder, rng: random.Random) -> None:
    value = _name(rng) + _digits(rng, 4)
    b.add(rng.choice(("当事人使用微信号", "其微信号：")))
    b.sensitive(value, "account", "wechat_chinese")
    b.add("发布售卖信息。")


def _qq(b: _Builder, rng: random.Random) -> None:
    value = str(rng.randrange(10 ** 5, 10 ** 10))
    b.add(rng.choice(("员工（QQ：", "店主以QQ ", "其QQ号", "联系人qq号码：")))
    b.sensitive(value, "account", "qq")
    b.add("，负责网店的日常运营。")


def _douyin(b: _Builder, rng: random.Random) -> None:
    value = "".join(rng.choice("abcdefghkmnpqrstuvwxyz") for _ in range(6)) + _digits(rng, 3)
    b.add(rng.choice(("其抖音号为", "当事人抖音号：")))
    b.sensitive(value, "account", "douyin")
    b.add("，粉丝约两万人。")


def _grouped(rng: random.Random, n: int, first: str) -> str:
    """An account number of `n` digits starting with `first`, in one block or in fours. Not one
    whose first 18 digits pass the ID check: that is an ID with digits appended (DOMAIN.md), and
    the number corpus counts those apart."""
    digits = first + _digits(rng, n - len(first))
    while is_valid_id18(digits[:18]):
        digits = first + _digits(rng, n - len(first))
    return " ".join(digits[i:i + 4] for i in range(0, n, 4)) if rng.random() < 0.5 else digits


def _bank_account(b: _Builder, rng: random.Random) -> None:
    value = _grouped(rng, rng.choice((18, 19, 21)), rng.choice(("12", "13", "36", "20")))
    b.add(rng.choice(("货款打入当事人个人账号：", "其本人银行账号为", "经查，经营者个人帐户（账号：")))
    b.sensitive(value, "bank_account", "personal_account")
    b.add("）收取货款。")


def _passbook(b: _Builder, rng: random.Random) -> None:
    value = _grouped(rng, rng.choice((14, 16)), "36")
    b.add(rng.choice(("货款存入其本人存折（存折号", "其存折账号：")))
    b.sensitive(value, "bank_account", "passbook")
    b.add("）。")


def _birth_cn(b: _Builder, rng: random.Random) -> None:
    y, m, d = _birth(rng)
    b.add(f"当事人：{_name(rng)}，{rng.choice('男女')}，{y}年")
    b.sensitive(f"{m}月{d}", "birth_date", "year_month_day")
    b.add(rng.choice(("日出生，汉族。", "日生，无业。")))


def _birth_dots(b: _Builder, rng: random.Random) -> None:
    y, m, d = _birth(rng)
    b.add(f"受害人{_name(rng)[0]}某，{y}.")
    b.sensitive(f"{m:02d}.{d:02d}", "birth_date", "dots")
    b.add(rng.choice(("生，无业。", "出生，现住本市。")))


def _birth_label(b: _Builder, rng: random.Random) -> None:
    y, m, d = _birth(rng)
    b.add(rng.choice(("出生日期：", "出生年月日：", "生日：")) + f"{y}-")
    b.sensitive(f"{m:02d}-{d:02d}", "birth_date", "after_label")
    b.add("；文化程度：初中。")


def _birth_numerals(b: _Builder, rng: random.Random) -> None:
    y, m, d = _birth(rng)
    b.add("当事人，" + "".join(_CN[int(c)] for c in str(y)) + "年")
    b.sensitive(f"{_cn_number(m)}月{_cn_number(d)}", "birth_date", "chinese_numerals")
    b.add("日出生。")


def _born_on(b: _Builder, rng: random.Random) -> None:
    y, m, d = _birth(rng)
    b.add(f"监护人生于{y}年")
    b.sensitive(f"{m}月{d}", "birth_date", "born_on")
    b.add("日，现年六十余岁。")


def _plate(b: _Builder, rng: random.Random, writing: str) -> None:
    province = rng.choice("赣粤沪浙苏皖湘鄂闽")
    letter = rng.choice(_LETTERS)
    if writing == "new_energy":
        serial = rng.choice("DF") + _digits(rng, 5)
    else:
        serial = rng.choice(_LETTERS) + _digits(rng, 4) if rng.random() < 0.5 else _digits(rng, 5)
    b.add(rng.choice(("由驾驶员驾驶号牌为", "执法人员拦停车牌号", "车主的小型轿车（号牌：")) + province + letter
          + ("·" if writing == "middle_dot" else ""))
    b.sensitive(serial, "plate", writing)
    b.add("）停放于店门口。")


def _header_address(b: _Builder, rng: random.Random) -> None:
    home, hidden = _home(rng)
    b.add(f"当事人：{_name(rng)}，{rng.choice('男女')}，{rng.randint(1950, 2000)}年出生，")
    b.sensitive(home, "address", "header_block", hidden)
    b.add("，无业。")


def _bracket_address(b: _Builder, rng: random.Random) -> None:
    home, hidden = _home(rng)
    b.add(rng.choice(("租户", "其亲属", "证人")) + _name(rng) + rng.choice(("（", "，")))
    b.sensitive(home, "address", "after_a_name", hidden)
    b.add("）称其不知情。")


_WRITINGS: tuple[tuple[str, Callable], ...] = (
    ("passport", _passport), ("hk_permit", _hk_permit), ("tw_permit", _tw_permit),
    ("wechat", _wechat), ("wechat_chinese", _wechat_cjk), ("qq", _qq), ("douyin", _douyin),
    ("personal_account", _bank_account), ("passbook", _passbook),
    ("year_month_day", _birth_cn), ("dots", _birth_dots), ("after_label", _birth_label),
    ("chinese_numerals", _birth_numerals), ("born_on", _born_on),
    ("plain", lambda b, r: _plate(b, r, "plain")), ("middle_dot", lambda b, r: _plate(b, r, "middle_dot")),
    ("new_energy", lambda b, r: _plate(b, r, "new_energy")),
    ("header_block", _header_address), ("after_a_name", _bracket_address),
)


# What must survive beside them.
def _trap(b: _Builder, rng: random.Random) -> None:
    choice = rng.randrange(12)
    if choice == 0:
        b.add("罚没款缴至指定银行（户名：景德镇市财政局非税收入汇缴结算户，账号：")
        b.must_keep(_grouped(rng, 19, "1503"), "treasury_account")
        b.add("）。")
    elif choice == 1:
        b.add(rng.choice(("当事人应将罚款缴至代收机构（账号：", "罚款由其代为缴纳，缴款账号：")))
        b.must_keep(_grouped(rng, rng.choice((19, 20)), "1503"), "treasury_account")
        b.add("）。")
    elif choice == 2:
        b.add(rng.choice(("当事人对公账户（账号：", "该公司基本账户（账号")))
        b.must_keep(_grouped(rng, 19, "1503"), "business_account")
        b.add("）流水显示收入二十万元。")
    elif choice == 3:
        b.add("执法人员（执法证号：")
        b.must_keep(rng.choice((f"赣{rng.choice('AHB')}{_digits(rng, 6)}", f"3602{_digits(rng, 7)}")),
                    "officer_certificate")
        b.add("）依法检查。")
    elif choice == 4:
        b.add(rng.choice(("暂扣其许可证件（编号：", "食品经营许可证编号为", "网站备案号")))
        b.must_keep(rng.choice((f"JY1{_digits(rng, 13)}", f"0{_digits(rng, 11)}", f"沪ICP备{_digits(rng, 8)}号",
                                f"粤B2-{_digits(rng, 8)}")), "licence_number")
        b.add("）。")
    elif choice == 5:
        y, m, d = _birth(rng)
        b.add("该批产品于")
        b.must_keep(f"{y + 20}年{m}月{d}日", "production_date")
        b.add(rng.choice(("生产。", "生效。", "生产，批号为A01。")))
    elif choice == 6:
        b.add("当事人系")
        b.must_keep(f"{rng.randint(1950, 2000)}年", "year_of_birth")
        b.add(rng.choice(("出生的个体经营者。", "生人。")))
    elif choice == 7:
        b.must_keep(rng.choice(("通过微信转账5000元", "在微信朋友圈发布广告", "店内销售的QQ糖", "通过微信支付收款")),
                    "words_with_wechat")
        b.add("。")
    elif choice == 8:
        home, _ = _home(rng)
        b.add(f"当事人景德镇市{rng.choice(('瓷韵陶瓷', '兴旺建材', '恒达'))}有限公司，")
        b.must_keep(home, "business_address")
        b.add("，法定代表人李*。")
    elif choice == 9:
        home, _ = _home(rng)
        b.add("依法对当事人景德镇市兴旺建材有限公司位于")
        b.must_keep(home, "business_address")
        b.add("的仓库进行检查。")
    elif choice == 10:
        b.add("经营者系")
        b.must_keep(rng.choice(("安徽省宿松县人", "江西省乐平市人", "湖南省祁阳县人")), "hometown")
        b.add("，三年前来本市经营。")
    else:
        b.add("该批货物发往")
        b.must_keep(rng.choice(("马鞍山市、黄山市黄山区及何家村等地", "景德镇市珠山区及乐平市")), "places")
        b.add("。")


def _example(rng: random.Random) -> Example:
    b = _Builder()
    b.add("经查，")
    for _ in range(rng.randint(2, 4)):
        if rng.random() < 0.6:
            rng.choice(_WRITINGS)[1](b, rng)
        else:
            _trap(b, rng)
    b.add("以上事实有现场检查笔录为证。")
    return Example(b.text(), Context(), tuple(b.expected), tuple(b.keep))


def generate_particulars_corpus(n: int, seed: int = 0) -> Iterator[Example]:
    """`n` labelled examples, the same for the same seed."""
    rng = random.Random(seed)
    for _ in range(n):
        yield _example(rng)


def _premises(rng: random.Random) -> tuple[str, Span]:
    """A natural person's premises (位于…的门店, 经营场所：…) and the part to hide."""
    home, hidden = _home(rng)
    head = rng.choice(("当事人位于", "经营场所：", "当事人经营地址为"))
    text = head + home + rng.choice(("的门店未悬挂营业执照。", "，未办理登记。"))
    start = len(head) + home.index(hidden)
    return text, Span(start, start + len(hidden), "address")


def evaluate_particulars(n: int = 3000, seed: int = 0) -> dict:
    """Recall per kind and writing, the scanner's recall, must-keep damage per category.

    Returns {"writings": {(kind, writing): {"expected", "recall", "scanner"}}, "must_keep":
    {category: {"values", "damaged"}}, "errors": [the first misses and damages]}.
    """
    expected: dict[tuple, int] = defaultdict(int)
    found_n: dict[tuple, int] = defaultdict(int)
    scanned: dict[tuple, int] = defaultdict(int)
    keep: dict[str, int] = defaultdict(int)
    damaged: dict[str, int] = defaultdict(int)
    errors: list[str] = []
    for example in generate_particulars_corpus(n, seed):
        found = detect(example.text)
        scanner = find_in_text(example.text)
        for span, writing in example.expected:
            key = (span.kind, writing)
            expected[key] += 1
            if _covered(span, found, same_kind=True):
                found_n[key] += 1
            elif len(errors) < 30:
                errors.append(f"missed {key}: {example.text[span.start:span.end]!r} in "
                              f"…{example.text[max(0, span.start - 12):span.end + 8]}…")
            if span.kind in SCANNED and any(a < span.end and span.start < b for a, b, k in scanner if k == span.kind):
                scanned[key] += 1
        for start, end, category in example.must_keep:
            keep[category] += 1
            if any(s.start < end and start < s.end for s in found):
                damaged[category] += 1
                if len(errors) < 30:
                    errors.append(f"damaged {category}: {example.text[start:end]!r} in "
                                  f"…{example.text[max(0, start - 12):end + 8]}…")
    rng = random.Random(seed + 1)
    key = ("address", "premises_of_a_person")
    for _ in range(max(1, n // 10)):
        text, span = _premises(rng)
        expected[key] += 1
        spans = [Span._make(s) for s in resolve([*detect(text), *find_person_premises(text)])]
        if _covered(span, spans, same_kind=True):
            found_n[key] += 1
    return {
        "n": n,
        "seed": seed,
        "writings": {k: {"expected": expected[k], "recall": found_n[k] / expected[k],
                         "scanner": scanned[k] / expected[k] if k[0] in SCANNED else None}
                     for k in sorted(expected)},
        "must_keep": {c: {"values": keep[c], "damaged": damaged[c]} for c in sorted(keep)},
        "errors": errors,
    }


def print_particulars_figures(result: dict) -> None:
    print(f"\nparticulars: corpus {result['n']} (seed {result['seed']})")
    print(f"  {'kind':<16}{'writing':<22}{'planted':>8}{'recall':>9}{'scanner':>9}")
    for (kind, writing), row in result["writings"].items():
        scanner = "—" if row["scanner"] is None else f"{row['scanner']:.0%}"
        print(f"  {kind:<16}{writing:<22}{row['expected']:>8}{row['recall']:>9.2%}{scanner:>9}")
    print("  must-keep values damaged")
    for category, row in result["must_keep"].items():
        print(f"  {category:<22}{row['damaged']:>5} / {row['values']}")
    for line in result["errors"]:
        print("  " + line)
