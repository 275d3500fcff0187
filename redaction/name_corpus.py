"""A labelled corpus of the contexts in which decisions name natural persons (issue 13), and
the figures `python -m redaction.evaluate` prints for it: recall per context, must-keep damage
per category.

Contexts: after a role word (every role word of the lexicon, each way of writing what stands
between it and the name), lists after one role word, verb frames (every frame of the
lexicon), names before particulars and before titles, the decision's header block, officers
with their certificate numbers. Must-keep traps beside them: pseudonyms, places that begin
with a surname character, hometowns, words after a role word that begin with a surname
character, business names and brands, statute titles. Every name and number is invented.

The corpus was written beside the detectors: its figures are an upper bound. The committed
hand-written sentences (tests/redaction/test_real_sentences_names.py) are the check it was
not tuned on.
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator

from .detectors import Context, detect
from .evaluate import Example, _Builder, _covered, _name
from .lexicon import lexicon
from .names import surname_length
from .person_names import is_pseudonym
from .synth import random_id18, random_mobile

__all__ = ["evaluate_names", "generate_name_corpus", "print_name_figures"]

# What stands between a role word and its name, as departments write it ({} is the name).
_BETWEEN = (
    "{}", "{}", "：{}", ":{}", " {}", "为{}", "是{}", "：“{}”", "“{}”", "({})", "（{}）", "-{}", "姓名：{}", "【{}】",
    "：{}、",
)
# What follows a name (a clause, punctuation, a verb).
_AFTER = (
    "，", "。", "；", "（", "于2024年3月5日", "在现场", "未按规定", "因", "称", "承认", "驾驶", "销售", "明知",
    "擅自", "的行为", "等人", "对此", "拒不", "涉嫌", "已", "，男，", "，女，", "（男，", "现年45岁", "系该店员工",
    "作为", "负责", "向本局", "于当日", "带领", "组织", "与", "及其家属", "本人", " ", "签收", "反映", "出示", "证实",
    "到场", "签字确认", "当场", "供述", "陈述", "无证", "持有", "在场", "、", "均", "二人",
)
_LIST_MARKS = ("、", "、", "，", "和", "及", "与")
_SAFE_ITEMS = ("{s}某", "{s}某某", "{s}*", "{s}**")
_TITLES = ("先生", "女士", "同志")
_PARTICULARS = (
    "（身份证号码：{id}）", "（公民身份号码{id}）", "(电话：{phone})", "（联系电话{phone}）", "（男，1985年出生）",
    "（女，汉族）", "（手机：{phone}）",
)
_FRAME_BEFORE = ("经查，", "该车辆", "当事人", "日常经营", "", "其店内", "上述货物")
_FRAME_AFTER = ("，", "。", "的行为", "一批货物", "在店内从事销售", "23名劳动者工资", "")
_OFFICER_ROLES = ("执法人员", "办案人员", "执法人员：", "检查人员", "由执法人员")
# What must survive after a role word (DOMAIN.md "What must survive").
_PLACES = (
    "张家港市", "马鞍山市", "黄山区", "何家村", "石家庄市", "金华市", "江西省景德镇市", "安徽省", "黄山市屯溪区",
    "高新区", "杨家镇", "罗家乡", "白云区",
)
_HOMETOWNS = ("安徽省宿松县人", "江西省乐平市人", "湖南省祁阳县人", "广东省中山市人", "河南省固始县人")
_SURNAME_PHRASES = (
    "余下的货物", "连续两个月未申报", "符合从轻处罚情形", "于十月中旬", "于十一月三日", "陈述申辩", "向本局提交",
    "高价销售", "任何时候", "及时整改", "安全意识淡薄", "常年经营", "曾因同类违法行为", "全部货物", "关于整改",
    "方面的问题", "管理混乱", "申请听证", "时年45岁", "应当承担", "于次日", "于当日", "包装上未标注", "周边居民",
    "车辆停放", "房屋出租", "单位负责人",
)
_BUSINESSES = (
    "李宁体育用品专卖店", "王老吉饮料经营部", "张小泉刀剪店", "周大福珠宝店", "黄飞红食品商行", "马应龙大药房",
    "景德镇市某某有限公司", "乐平市恒达建材经营部", "江西某某科技有限公司", "浮梁县王记面馆",
)
_BRANDS = ("李宁", "王老吉", "张小泉", "周大福", "马应龙")
_STATUTES = (
    "《中华人民共和国食品安全法》", "《中华人民共和国广告法》", "《江西省食品小作坊小餐饮小食杂店管理条例》",
    "《王某某诉某某公司案判决书》", "《马鞍山市城市管理条例》",
)


# Names that begin with a role word (房东, 车主) read as the role word: not drawn.
_ROLE_HEADS = frozenset(w[:2] for w in lexicon().role_words if len(w) == 2)


def _real_name(rng: random.Random) -> str:
    """An invented name, not a pseudonym. Names whose first two characters are a word of
    not_names.yml (黄金, 文明, 付清, 于其…) or a role word (房东…) are not drawn: after a role
    word they read as that word (当事人黄金首饰…), a limit the README states."""
    not_names = lexicon().not_names
    while True:
        name = _name(rng)
        readable = name[:2] not in not_names and name[:3] not in not_names and name[:2] not in _ROLE_HEADS
        if readable and not is_pseudonym(name):
            return name


def _safe_item(rng: random.Random) -> str:
    name = _real_name(rng)
    return rng.choice(_SAFE_ITEMS).format(s=name[: surname_length(name) or 1])


def _person(b: _Builder, rng: random.Random, context: str, safe_share: float = 0.0) -> None:
    """A name to mask, or (safe_share of the time) a pseudonym or masked name to keep."""
    if rng.random() < safe_share:
        b.must_keep(_safe_item(rng), "pseudonym")
    else:
        b.sensitive(_real_name(rng), "person_name", context)


_JOINED = ("及时", "与时", "和谐", "及早")


def _no_joined_words(b: _Builder) -> None:
    """A list mark and the next name's surname that make a word (及 + 时倩红: 及时) are
    written 、 instead: the detectors read 及时 as the word (a limit the README states)."""
    for i, part in enumerate(b.parts[:-1]):
        if part in ("及", "与", "和") and (part + b.parts[i + 1][:1]) in _JOINED:
            b.parts[i] = "、"


def _role_clause(b: _Builder, rng: random.Random, roles: tuple[str, ...]) -> None:
    role = rng.choice(roles)
    between = rng.choice(_BETWEEN)
    if role == "法定代表人" and rng.random() < 0.3:
        between = "（负责人）：{}"
    head, tail = between.split("{}")
    b.add(role + head)
    b.sensitive(_real_name(rng), "person_name", "role_word" if head in ("", " ") else "role_word+marks")
    b.add(tail + rng.choice(_AFTER))


def _list_clause(b: _Builder, rng: random.Random, roles: tuple[str, ...]) -> None:
    b.add(rng.choice(roles) + rng.choice(("", "：", "为")))
    items = rng.randint(2, 4)
    for k in range(items):
        if k:
            b.add(rng.choice(_LIST_MARKS))
        _person(b, rng, "list", safe_share=0.25 if k == 0 else 0.1)
    _no_joined_words(b)
    b.add(rng.choice(("。", "，", "等人", "在场", "均未到场", "二人")))


def _frame_clause(b: _Builder, rng: random.Random) -> None:
    frame = rng.choice(lexicon().frames)
    b.add(rng.choice(_FRAME_BEFORE) + frame.opener)
    for kind, after in frame.slots:
        count = rng.randint(1, 3) if kind == "names" else 1
        for k in range(count):
            if k:
                b.add(rng.choice(("、", "、", "和")))
            _person(b, rng, "verb_frame", safe_share=0.1)
        b.add(after)
    b.add(rng.choice(_FRAME_AFTER) if frame.slots[-1][1] else rng.choice(("在店内从事销售", "，", "。", "从事送货")))


def _particulars_clause(b: _Builder, rng: random.Random) -> None:
    b.add(rng.choice(("经查，", "现场有", "其妻", "经营者之妻", "，", "顾客")))
    b.sensitive(_real_name(rng), "person_name", "before_particulars")
    particulars = rng.choice(_PARTICULARS).format(id=random_id18(rng), phone=random_mobile(rng))
    b.add(particulars + rng.choice(("在场", "，", "。")))


def _title_clause(b: _Builder, rng: random.Random) -> None:
    b.add(rng.choice(("经与", "现场", "，", "据")))
    if rng.random() < 0.25:
        b.must_keep(_real_name(rng)[:1] + rng.choice(_TITLES), "surname_with_title")
    else:
        b.sensitive(_real_name(rng), "person_name", "title")
        b.add(rng.choice(_TITLES))
    b.add(rng.choice(("核实", "反映", "到场", "，", "。")))


def _header_clause(b: _Builder, rng: random.Random) -> None:
    b.add(rng.choice(("当事人：", "当事人", "被处罚人：", "姓名：")))
    b.sensitive(_real_name(rng), "person_name", "header_block")
    b.add(f"，{rng.choice('男女')}，{rng.randint(1950, 2002)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日出生，"
          f"{rng.choice(('汉族，', ''))}住江西省景德镇市珠山区某某路{rng.randint(1, 99)}号。")


def _officer_clause(b: _Builder, rng: random.Random) -> None:
    b.add(rng.choice(_OFFICER_ROLES))
    for k in range(rng.randint(1, 3)):
        if k:
            b.add(rng.choice(("、", "，", "和")))
        b.sensitive(_real_name(rng), "person_name", "officer")
        if rng.random() < 0.6:
            b.add(f"（执法证号：{rng.randint(36000000, 36999999)}）")
    b.add(rng.choice(("出示执法证件", "。", "进行现场检查", "，")))


def _trap_clause(b: _Builder, rng: random.Random) -> None:
    kind = rng.random()
    if kind < 0.2:
        b.add(rng.choice(("当事人", "负责人", "经营者", "从")))
        b.must_keep(rng.choice(_PLACES), "place")
        b.add(rng.choice(("某某商行", "购进", "的经营场所", "，")))
    elif kind < 0.35:
        b.add(rng.choice(("经营者系", "当事人系", "负责人系")))
        b.must_keep(rng.choice(_HOMETOWNS), "hometown")
        b.add("，")
    elif kind < 0.6:
        b.add(rng.choice(("当事人", "负责人", "经营者", "驾驶员")))
        b.must_keep(rng.choice(_SURNAME_PHRASES), "surname_word")
        b.add("。")
    elif kind < 0.75:
        b.add(rng.choice(("当事人", "经营者", "当事人：")))
        b.must_keep(rng.choice(_BUSINESSES), "business_name")
        b.add(rng.choice(("于2024年", "，", "在", "销售", "。")))
    elif kind < 0.88:
        b.add(rng.choice(("销售假冒", "销售标注", "使用")))
        b.must_keep(rng.choice(_BRANDS), "brand")
        b.add(rng.choice(("牌运动鞋", "商标的商品", "字样的饮料")))
    else:
        b.add(rng.choice(("违反了", "依据", "根据")))
        b.must_keep(rng.choice(_STATUTES), "statute")
        b.add("的规定。")


def _name_example(rng: random.Random, roles: tuple[str, ...]) -> Example:
    b = _Builder()
    b.add("经查，")
    for _ in range(rng.randint(2, 5)):
        choice = rng.random()
        if choice < 0.26:
            _role_clause(b, rng, roles)
        elif choice < 0.38:
            _list_clause(b, rng, roles)
        elif choice < 0.52:
            _frame_clause(b, rng)
        elif choice < 0.59:
            _particulars_clause(b, rng)
        elif choice < 0.65:
            _title_clause(b, rng)
        elif choice < 0.70:
            _header_clause(b, rng)
        elif choice < 0.76:
            _officer_clause(b, rng)
        else:
            _trap_clause(b, rng)
    b.add("以上事实有现场检查笔录为证。")
    return Example(b.text(), Context(), tuple(b.expected), tuple(b.keep))


def generate_name_corpus(n: int, seed: int = 0) -> Iterator[Example]:
    """`n` labelled examples of the contexts names stand in, the same for the same seed."""
    rng = random.Random(seed)
    roles = lexicon().role_words
    for _ in range(n):
        yield _name_example(rng, roles)


def evaluate_names(n: int = 3000, seed: int = 0) -> dict:
    """Recall per context and must-keep damage per category on generate_name_corpus.

    Returns {"contexts": {context: {"expected", "recall"}}, "must_keep": {category:
    {"values", "damaged"}}, "errors": [the first misses and damages]}.
    """
    expected: dict[str, int] = defaultdict(int)
    found_n: dict[str, int] = defaultdict(int)
    keep: dict[str, int] = defaultdict(int)
    damaged: dict[str, int] = defaultdict(int)
    errors: list[str] = []
    for example in generate_name_corpus(n, seed):
        found = detect(example.text, example.context)
        for span, context in example.expected:
            expected[context] += 1
            if _covered(span, found, same_kind=True):
                found_n[context] += 1
            elif len(errors) < 30:
                errors.append(f"missed {context}: {example.text[span.start:span.end]!r} in "
                              f"…{example.text[max(0, span.start - 12):span.end + 8]}…")
        for start, end, category in example.must_keep:
            keep[category] += 1
            if any(s.start < end and start < s.end for s in found):
                damaged[category] += 1
                if len(errors) < 30:
                    errors.append(f"damaged {category}: {example.text[start:end]!r} in "
                                  f"…{example.text[max(0, start - 12):end + 8]}…")
    return {
        "n": n,
        "seed": seed,
        "contexts": {c: {"expected": expected[c], "recall": found_n[c] / expected[c]} for c in sorted(expected)},
        "must_keep": {c: {"values": keep[c], "damaged": damaged[c]} for c in sorted(keep)},
        "errors": errors,
    }


def print_name_figures(result: dict) -> None:
    print(f"\nnames in context: corpus {result['n']} (seed {result['seed']})")
    for context, row in result["contexts"].items():
        print(f"  {context:<22}{row['expected']:>7}{row['recall']:>9.2%}")
    print("  must-keep values damaged")
    for category, row in result["must_keep"].items():
        print(f"  {category:<22}{row['damaged']:>5} / {row['values']}")
    for line in result["errors"]:
        print("  " + line)
