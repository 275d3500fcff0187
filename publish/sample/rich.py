"""write_rich_penalty_csv: a current-layout penalty CSV whose free text is as long and varied as
real decisions, for the build benchmark (bench/run.py, part `rich`).

About 600 characters a row across 违法事实, 处罚内容 and 备注, written the way published decisions
are written (issue 13): people after role words, in lists, after verbs, in the decision's header
block, enforcement officers with their certificate numbers; ID numbers, phones and cards with
separators of every kind, line breaks, full-width and Chinese numerals, IDs with digits
appended; birth dates, WeChat and QQ ids, passports and permits, private plates, home addresses
with and without a label; and beside them what must be kept: words after a role word that
begin with a surname character, pseudonyms, hometowns, a company's registered address, place
names and brands that begin with a surname, statute titles, long licence, batch and traffic
decision numbers, treasury accounts.

Sentences are templates parsed once into fixed pieces and slots; each slot is filled with a
fresh value (a new name, a new ID number with a valid check character…) drawn from one seeded
`random.Random`, so the same seed and day give the same bytes and a million rows take about a
minute. No value is reused from a pool: redaction's memos must not see the same name twice more
often than real files make them.

The fixed words here hold no possible person name (a surname followed by a given-name
character of names.py; tests/test_sample_truth.py checks it), so the sample's names, drawn to
avoid every fixed word of the generator, do not change because this text exists.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from string import Formatter
from typing import TypeVar

from redaction.checkdigits import id18_check_char, luhn_valid

from . import names as N
from .bulk import _csv_field, _csv_line
from .decisions import MAX_PUBLICITY_MONTHS, outcome, subject_fields
from .delivery import PENALTY_COLUMNS, PENALTY_FAULTS, SUBJECT_COLUMNS
from .faults import apply_fault, fault_applies
from .formats import FULLWIDTH_DIGITS, add_months, cn_date, decimal_text, wan
from .world import PERSON_SHARE, Subject, World
from .writers import cell_text

# --- Sentences ----------------------------------------------------------------------------------
# Slots: {p} {q} {r} a fresh person's name (q and r: the second and third of a list), {o} an
# officer's name, {cert} an enforcement certificate number, {id} an ID number in any writing,
# {id_plain} one written plainly, {id_plus} one with two digits appended, {phone} a phone in any
# writing, {card} a personal bank card, {home} a home address ({at_home}: with a word before it,
# 家住, 现住, 租住于…, or none), {birth} a full birth date, {years} {months} a short period,
# {sex}, {plate} a private car's plate, {wx} {qq} {passport} {hk} {tw} account and document
# numbers, {email}, {n} a small count, {money} an amount in 元, {day} a date, {company} a
# business's name, {site} its premises, {biz_home} its registered address, {batch} a long batch
# number, {traffic_no} a traffic decision number, {licence0} a 12-digit licence number starting
# with 0, {treasury} the treasury account fines are paid into, {goods} what was sold.

# The decision's opening, for a business and for a natural person (the header block).
BUSINESS_OPENINGS = (
    "{day}，本机关执法人员{o}（执法证号：{cert}）、{o}（执法证号：{cert}）依法对当事人{company}位于{biz_home}的"
    "{site}进行现场检查，发现当事人{found}。",
    "经查，当事人{company}（住所地：{biz_home}，法定代表人：{self}）自{day}起{found}。本机关执法人员{o}、{o}于次日"
    "对其{site}进行了检查，执法证号分别为{cert}、{cert}。",
    "根据群众举报，{day}，执法人员{o}、{o}出示执法证件（证号{cert}、{cert}）后，对当事人{company}的{site}"
    "进行检查。经查，当事人{found}。",
    "{day}，本局接到{p}（联系电话：{phone}）的投诉，反映当事人{company}{found}。经立案调查，执法人员{o}"
    "（执法证号：{cert}）调取了相关证据。",
)
PERSON_OPENINGS = (
    "当事人：{self}，{self_sex}，{self_birth}出生，汉族，住{home}，公民身份号码{self_id}，联系电话{phone}。{day}，"
    "执法人员{o}、{o}（执法证号：{cert}、{cert}）检查发现当事人{found}。",
    "当事人{self}（{self_sex}，{self_birth}生，身份证号码：{self_id}，户籍地：{home}，现住{home}），于{day}{found}。",
    "姓名：{self}；性别：{self_sex}；出生日期：{self_birth}；身份证号：{self_id}；住址：{home}；联系电话：{phone}。"
    "经查，当事人于{day}{found}。",
    "当事人{self}，{self_sex}，{self_birth}出生，{home}，身份证号码{self_id}。{day}，本机关执法人员{o}检查发现，"
    "当事人{found}。",
)
# The same for a shop: its operator is named.
SHOP_OPENINGS = (
    "{day}，执法人员{o}、{o}对当事人{company}（经营者：{self}，身份证号码{self_id}）的门店进行检查，"
    "发现当事人{found}。",
    "当事人{company}，经营者{self}，{self_sex}，{self_birth}出生，住{home}，联系电话{phone}。{day}，"
    "本机关执法人员检查发现当事人{found}。",
)

# People named beside the subject: after role words (with and without punctuation, brackets,
# quotation marks), in lists, after verbs, with 先生 / 女士 / 同志, with their numbers.
PEOPLE = (
    "现场负责人：“{p}”，联系电话{phone}。",
    "当事人的联系人（{p}）称对此不知情。",
    "联系人-{p}，电话{phone}，对检查结果无异议。",
    "经办人{p}于当日到场配合调查。",
    "法人{p}对上述事实签字确认。",
    "店主{p}（身份证号码：{id}）称该批货物系从{q}处购进。",
    "户主{p}、承包人{q}均未能提供合法手续。",
    "实际控制人{p}通过其个人银行卡（卡号：{card}）收取货款{money}元。",
    "被检查人{p}拒绝在现场笔录上签字，由见证人{q}（联系电话{phone}）签字见证。",
    "收货人{p}、送货人{q}均在现场。",
    "承租人{p}（联系电话：{phone}）承认擅自改变房屋用途，出租人{q}对此知情。",
    "一名名叫{p}的店员称，该批商品由老板{q}统一采购。",
    "据姓名：{p}的员工陈述，店内无进货台账。",
    "法定代表人（负责人）：{p}，委托代理人：{q}，{r}。",
    "{p}（身份证号码：{id}）系当事人雇佣的驾驶员。",
    "{p}先生与{q}女士系当事人的股东。",
    "当事人已安排{p}同志负责整改。",
    "驾驶员{p}和{q}轮流驾驶该车辆。",
    "委托代理人：{p}，{q}。",
    "由{p}驾驶号牌为{plate}的私家车运送货物。",
    "当事人雇佣{p}、{q}从事焊接作业，二人均未取得特种作业操作证。",
    "当事人拖欠{p}、{q}等{n}名劳动者工资共计{money}元。",
    "当事人从{p}处购进{goods}{n}箱，未查验供货者的许可证和产品合格证明。",
    "当事人的负责人由{p}变更为{q}，未按规定办理变更登记。",
    "租户{p}、{q}的房间内发现大量库存商品。",
    "租户{p}（{at_home}）称其不知情。",
    "其亲属{p}，{at_home}，联系电话{phone}，到场协助调查。",
    "患者{p}（{sex}，{n}岁）于当日在该诊所接受输液治疗。",
    "乘客{p}、{q}及{r}均未系安全带。",
    "店员{p}（微信号：{wx}）通过微信朋友圈发布广告。",
    "项目经理{p}（注册建造师证书编号：{id_plain}）、班组长{q}均未到岗履职。",
    "员工{p}（QQ：{qq}）负责网店的日常运营。",
    "雇员{p}持港澳居民来往内地通行证（证件号码：{hk}）在店内工作。",
    "证人{p}（护照号码：{passport}）对上述事实予以证实。",
    "{p}持台湾居民来往大陆通行证（号码{tw}）参与经营。",
    "当事人的妻子{p}、儿子{q}在店内协助经营。",
    "驾驶员{p}的驾驶证号为{id}，从业资格证号：{id_plain}。",
    "残疾人{p}（残疾人证号：{id_plus}）在该店从业。",
    "车主{p}的小型轿车（号牌：{plate}）停放于厂区内。",
    "{p}，{sex}，{birth}出生，{home}，系当事人的员工。",
    "当事人的送达地址：{home}，收件人{p}，电话{phone}。",
    "据{p}（电子邮箱：{email}）反映，其于当日购买的商品存在质量问题。",
    "监护人{p}（身份证号码{id}，家住{home}）到场。",
    "受害人{p}，{sex}，{birth}生，现住{home}。",
    "员工{p}、{q}、{r}等{n}人未参加安全生产教育培训。",
    "其中{p}、{q}二人未签订劳动合同。",
)
# Numbers alone, in the writings departments type.
NUMBERS = (
    "经核实，当事人身份证号码为{id}。",
    "当事人联系电话：{phone}。",
    "当事人提供的联系方式为{phone}、{phone}。",
    "当事人通过其个人账户（{card}）收取款项。",
    "当事人微信号{wx}、QQ号{qq}均用于联系客户。",
    "当事人的税务登记号为{id_plus}。",
)
# What must survive (DOMAIN.md "What must survive").
KEPT = (
    "当事人余下的货物已由执法人员依法登记保存。",
    "当事人连续两个月未按规定报送相关数据。",
    "当事人符合从轻处罚情形，依法从轻处罚。",
    "负责人于十月中旬将整改报告报送本机关。",
    "经营者系安徽省宿松县人，{years}年前来本市经营。",
    "据刘某、张某某陈述，该批产品系其从外地购进。",
    "当事人曾因同类违法行为被张家港市市场监督管理局处罚。",
    "该批货物发往马鞍山市、黄山市黄山区及何家村等地。",
    "当事人销售的标有“李宁”商标的运动鞋系从李宁体育用品专卖店购进。",
    "当事人违反了《中华人民共和国行政处罚法》第三十三条和《中华人民共和国产品质量法》第四十九条的规定。",
    "涉案产品批号为{batch}，生产许可证编号为{licence0}。",
    "当事人所属车辆曾被处以交通违法处罚（决定书编号：{traffic_no}）。",
    "当事人持有的许可证编号为{licence0}，有效期至{day}。",
    "经抽样检验，批号为{batch}的产品不合格。",
    "王某、李某某二人均为当事人的临时雇员。",
)
# The law broken and how the penalty was weighed ({basis}: the record's 处罚依据).
REASONING = (
    "当事人的上述行为违反了{basis}的规定，构成{violation}的违法行为。",
    "当事人的行为违反了{basis}之规定。鉴于当事人能够积极配合调查，主动消除违法行为危害后果，依据《中华人民共和国"
    "行政处罚法》第三十二条第（一）项的规定，本机关决定对其从轻处罚。",
    "依据{basis}的规定，结合《景德镇市行政处罚裁量基准》，综合考虑当事人违法行为的事实、性质、情节及社会危害程度，"
    "本机关决定对当事人作出如下行政处罚。",
)
# What must survive in a business's record: its registered address is public.
BUSINESS_KEPT = (
    "当事人住所地：{biz_home}。",
    "当事人的注册地址为{biz_home}，实际经营地址与登记地址一致。",
)
CLOSINGS = (
    "以上事实有现场检查笔录、询问调查笔录、现场照片、当事人的营业执照复印件、身份证复印件及相关票据等证据为证。",
    "上述事实有现场笔录、当事人陈述申辩材料、证人证言、视听资料等证据证实，当事人对上述事实无异议。",
    "本机关于{day}向当事人送达了行政处罚告知书，当事人在法定期限内未提出陈述、申辩意见，也未要求听证。",
    "当事人在规定期限内提出了陈述申辩，经复核，其陈述申辩理由不能成立，本机关不予采纳。",
)
CONTENTS = (
    "1.责令当事人改正违法行为；2.没收违法所得{money}元；3.罚款{money}元。罚没款合计{money}元，限于收到本决定书"
    "之日起十五日内缴至指定银行（户名：景德镇市财政局非税收入汇缴结算户，账号：{treasury}）。逾期不缴纳的，本机关"
    "将依法申请人民法院强制执行。",
    "{outcome}。当事人如不服本处罚决定，可在收到本决定书之日起六十日内向景德镇市人民政府申请行政复议，或者在六个月"
    "内向人民法院提起行政诉讼。",
    "给予警告，并处罚款{money}元。当事人应自收到本决定书之日起十五日内将罚款缴至代收机构（账号：{treasury}），"
    "到期不缴纳的，每日按罚款数额的百分之三加处罚款。",
    "没收违法所得{money}元，并处罚款{money}元；对{self}处以{years}年内不得从事相关生产经营管理活动的限制从业。",
    "责令停产停业整顿{months}个月，并处罚款{money}元；暂扣其许可证件（编号：{licence0}）。",
    "罚款{money}元，由{p}（身份证号码：{id}）代为缴纳，缴款账号：{treasury}。",
    "{outcome}；没收涉案{goods}{n}箱，由执法人员{o}、{o}监督销毁。当事人应于收到本决定书之日起十五日内履行。",
)
# What a decision says after the penalty: the subject's rights, how to pay.
RIGHTS = (
    "当事人如不服本处罚决定，可在收到本决定书之日起六十日内向景德镇市人民政府申请行政复议，也可以在六个月内依法向"
    "人民法院提起行政诉讼。",
    "当事人应当自收到本决定书之日起十五日内，持本决定书到指定银行缴纳罚款。逾期不缴纳罚款的，每日按罚款数额的百分之三"
    "加处罚款。",
    "申请行政复议或者提起行政诉讼期间，本处罚决定不停止执行。",
)
REMARKS = (
    "经办人：{p}，电话{phone}；执法人员：{o}、{o}",
    "执法人员：{o}（执法证号：{cert}）、{o}（执法证号：{cert}）；案件来源：日常检查",
    "联系人：“{p}”（{phone}），送达方式：直接送达",
    "承办人：{o}，审核人：{o}，批准人：{o}；当事人已于{day}缴清罚款",
    "送达地址：{home}，收件人：{p}",
    "简易程序；当场处罚；执法人员{o}（执法证号：{cert}）",
    "当事人已于{day}缴清罚款，经办人{p}",
    "案件已结案，履行方式：自觉履行；联系人：{p}（{phone}）",
)

# Premises, goods and what was found, per kind of business.
SITES = ("经营场所", "门店", "仓库", "生产车间", "施工现场", "办公场所")
GOODS = ("预包装食品", "日用陶瓷", "白酒", "化妆品", "电线电缆", "儿童玩具", "食用油")
FOUND = (
    "销售超过保质期的{goods}{n}箱",
    "未取得许可从事经营活动，违法经营额{money}元",
    "在经营场所使用“国家级”“最佳”等用语进行虚假宣传",
    "未按规定明码标价，涉及商品{n}种",
    "超标排放大气污染物，颗粒物浓度超过排放标准{n}%",
    "未按规定对从业人员进行安全生产教育和培训，涉及{n}人",
    "未取得施工许可证擅自施工，建筑面积约{n}平方米",
    "所属货车超限{n}%在公路上行驶",
    "未按规定期限办理纳税申报，逾期{n}日",
)


# --- Values -------------------------------------------------------------------------------------
T = TypeVar("T")
_PIECES = tuple[tuple[str, str | None], ...]


def _parse(template: str) -> _PIECES:
    """A template as (fixed text, slot) pieces, parsed once."""
    return tuple((literal, field) for literal, field, _, _ in Formatter().parse(template))


_CN_DIGITS = "〇一二三四五六七八九"
_SPOKEN_DIGITS = "零幺二三四五六七八九"  # as a reader says a number aloud: 0 零, 1 幺
_LATIN = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_MOBILE_HEADS = ("138", "139", "135", "137", "150", "152", "158", "159", "177", "180", "186", "189", "191", "199")
_BANK_HEADS = ("622202", "621700", "622848", "621661", "622588", "623058", "621226", "625965")
_ID_WRITINGS = ("plain",) * 8 + ("spaced", "spaced", "grouped", "dots", "dashes", "line_break", "fullwidth",
                                  "legacy15", "legacy15")
_PHONE_WRITINGS = ("plain",) * 6 + ("dash", "dash", "space", "dots", "intl", "fullwidth", "chinese", "spoken",
                                    "line_break", "landline", "landline", "extension")
_HOME_LABELS = ("", "", "住", "家住", "户籍地：", "现住", "租住于")


class _Fresh:
    """Fresh values for the slots, from one seeded generator."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        self.rng = rng
        self.random = rng.random
        self.as_of = as_of
        self.surnames = tuple(N.SURNAMES) * 19 + tuple(N.COMPOUND_SURNAMES)  # one in about 150 compound
        self.given = tuple(N.GIVEN_NAME_CHARS)
        first = date(1950, 1, 1)
        self.births = tuple(first + timedelta(days=k) for k in range((date(2005, 12, 31) - first).days))
        # 15-digit numbers were issued until the 1990s: to people born before 1985
        self.legacy_births = self.births[: (date(1985, 1, 1) - first).days]
        self.days = tuple(as_of - timedelta(days=k) for k in range(4 * 365 + 1))
        self.areas = tuple((prefix, streets) for prefix, streets, _ in N.ADDRESS_AREAS)
        self.slots: dict[str, Callable[[], str]] = {
            "p": self.name, "q": self.name, "r": self.name, "o": self.name, "cert": self.certificate,
            "id": self.id_number, "id_plain": self.id_plain, "id_plus": self.id_plus, "phone": self.phone,
            "card": self.card, "home": self.home, "birth": self.birth, "sex": self.sex, "plate": self.plate,
            "wx": self.wechat, "qq": self.qq, "passport": self.passport, "hk": self.hk_permit,
            "tw": self.tw_permit, "email": self.email, "n": self.count, "money": self.money, "day": self.day,
            "years": self.years, "months": self.months, "at_home": self.at_home,
            # a record's own (its subject's), where a subject has none
            "self": self.name, "self_id": self.id_plain, "self_sex": self.sex, "self_birth": self.birth,
            "batch": self.batch, "traffic_no": self.traffic_number, "licence0": self.licence_number,
            "treasury": self.treasury, "goods": self.goods,
        }

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def digits(self, n: int) -> str:
        return f"{self.rng.randrange(10 ** n):0{n}d}"

    # people
    def name(self) -> str:
        pick = self.pick
        given = pick(self.given) if self.random() < 0.3 else pick(self.given) + pick(self.given)
        return pick(self.surnames) + given

    def sex(self) -> str:
        return "男" if self.random() < 0.55 else "女"

    def birth(self) -> str:
        d = self.pick(self.births)
        style = self.random()
        if style < 0.6:
            return cn_date(d)
        if style < 0.85:
            return f"{d.year}.{d.month:02d}.{d.day:02d}"
        return d.isoformat()

    def id_raw(self) -> str:
        d = self.pick(self.births)
        first17 = f"{self.pick(N.ID_DIVISIONS)}{d:%Y%m%d}{self.digits(3)}"
        return first17 + id18_check_char(first17)

    def id_number(self) -> str:
        writing = self.pick(_ID_WRITINGS)
        if writing == "legacy15":
            d = self.pick(self.legacy_births)
            return f"{self.pick(N.ID_DIVISIONS)}{d:%y%m%d}{self.rng.randrange(1, 1000):03d}"
        number = self.id_raw()
        if writing == "spaced":
            return f"{number[:6]} {number[6:14]} {number[14:]}"
        if writing == "grouped":
            return " ".join(number[i:i + 4] for i in range(0, 18, 4))
        if writing == "dots":
            return f"{number[:6]}.{number[6:14]}.{number[14:]}"
        if writing == "dashes":
            return f"{number[:6]}-{number[6:14]}-{number[14:]}"
        if writing == "line_break":
            cut = self.rng.randrange(4, 15)
            return number[:cut] + self.pick(("\n", "\r\n")) + number[cut:]
        if writing == "fullwidth":
            return number.translate(FULLWIDTH_DIGITS)
        return number

    def id_plain(self) -> str:
        return self.id_raw()

    def id_plus(self) -> str:
        return self.id_raw() + self.digits(2)  # 残疾人证号, an old 税务登记号

    def phone(self) -> str:
        writing = self.pick(_PHONE_WRITINGS)
        if writing in ("landline", "extension"):
            local = f"0798-{self.pick('2345678')}{self.digits(6)}"
            if writing == "extension":
                return f"{local}转{self.digits(3)}"
            return local if self.random() < 0.6 else f"（0798）{local[5:]}"
        number = self.pick(_MOBILE_HEADS) + self.digits(8)
        if writing == "dash":
            return f"{number[:3]}-{number[3:7]}-{number[7:]}"
        if writing == "space":
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        if writing == "dots":
            return f"{number[:3]}.{number[3:7]}.{number[7:]}"
        if writing == "intl":
            return f"+86 {number}" if self.random() < 0.5 else f"0086-{number}"
        if writing == "fullwidth":
            return number.translate(FULLWIDTH_DIGITS)
        if writing == "chinese":
            return "".join(_CN_DIGITS[int(c)] for c in number)
        if writing == "spoken":
            return "".join(_SPOKEN_DIGITS[int(c)] for c in number)
        if writing == "line_break":
            return number[:7] + "\n" + number[7:]
        return number

    def card(self) -> str:
        body = self.pick(_BANK_HEADS) + self.digits(self.pick((9, 12, 12, 10)))
        number = next(body + d for d in "0123456789" if luhn_valid(body + d))
        roll = self.random()
        if roll < 0.3:
            return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
        if roll < 0.4:
            return f"{number[:6]} {number[6:]}"
        if roll < 0.5:
            return f"存折账号{number}"
        return number

    def home(self) -> str:
        prefix, streets = self.pick(self.areas)
        if self.random() < 0.2:
            return f"{prefix}{self.pick(N.VILLAGES)}{self.rng.randint(1, 9)}组{self.rng.randint(1, 80)}号"
        return (f"{prefix}{self.pick(streets)}{self.rng.randint(1, 399)}号{self.rng.randint(1, 20)}栋"
                f"{self.rng.randint(1, 4)}单元{self.rng.randint(1, 18)}0{self.rng.randint(1, 4)}室")

    def at_home(self) -> str:
        """A home address with the word before it, or none (…，江西省…)."""
        return self.pick(_HOME_LABELS) + self.home()

    def plate(self) -> str:
        return f"赣H{'·' if self.random() < 0.5 else ''}{self.pick(_LATIN)}{self.digits(4)}"

    def wechat(self) -> str:
        pick = self.pick
        if self.random() < 0.5:
            return "wxid_" + "".join(pick("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(12))
        return pick(tuple(N.SURNAMES.values())) + pick(tuple(N.GIVEN_NAME_CHARS.values())) + self.digits(4)

    def qq(self) -> str:
        return str(self.rng.randrange(10 ** 5, 10 ** 10))

    def passport(self) -> str:
        return self.pick(("E", "EA", "EB", "G")) + self.digits(8 if self.random() < 0.5 else 7)

    def hk_permit(self) -> str:
        return self.pick(("H", "M", "C")) + self.digits(8 if self.random() < 0.7 else 10)

    def tw_permit(self) -> str:
        return self.digits(8)

    def email(self) -> str:
        user = self.pick(tuple(N.SURNAMES.values())) + self.pick(tuple(N.GIVEN_NAME_CHARS.values()))
        return f"{user}{self.digits(2)}@{self.pick(('163.com', '126.com', 'qq.com', 'sina.com'))}"

    # numbers and words that must survive
    def certificate(self) -> str:
        return f"3602{self.digits(7)}" if self.random() < 0.6 else f"赣{self.pick('AHB')}{self.digits(6)}"

    def count(self) -> str:
        return str(self.rng.randint(2, 60))

    def years(self) -> str:
        return str(self.rng.randint(1, 5))

    def months(self) -> str:
        return str(self.rng.randint(1, 6))

    def money(self) -> str:
        return str(self.rng.randrange(2, 2000) * 50)

    def day(self) -> str:
        return cn_date(self.pick(self.days))

    def batch(self) -> str:
        return f"{self.pick(self.days):%Y%m%d}{self.digits(self.pick((12, 14, 16)))}"

    def traffic_number(self) -> str:
        # 中山市's division code starts with 4, like a Visa card: a 16-digit run that is no card.
        return f"442000{self.digits(10)}"

    def licence_number(self) -> str:
        return "0" + self.digits(11)

    def treasury(self) -> str:
        return f"1503 {self.digits(4)} {self.digits(4)} {self.digits(4)} {self.digits(3)}"

    def goods(self) -> str:
        return self.pick(GOODS)


class _Writer:
    """Fills templates: fixed pieces and fresh values, plus the record's own (subject) slots."""

    def __init__(self, fresh: _Fresh) -> None:
        self.fresh = fresh
        self.parsed: dict[str, _PIECES] = {}

    def fill(self, template: str, own: dict[str, str]) -> str:
        pieces = self.parsed.get(template)
        if pieces is None:
            pieces = self.parsed[template] = _parse(template)
        slots = self.fresh.slots
        out = []
        for literal, slot in pieces:
            out.append(literal)
            if slot is not None:
                value = own.get(slot)
                out.append(value if value is not None else slots[slot]())
        return "".join(out)


def _own_slots(fresh: _Fresh, s: Subject) -> dict[str, str]:
    """The slots a record fills with its own subject: its name, its person's or operator's name
    and ID number, its registered address."""
    own = {"company": s.name, "biz_home": s.address.split("号")[0] + "号", "site": fresh.pick(SITES)}
    person = s.person or s.rep
    if person is not None:
        own.update({"self": person.name, "self_id": person.id_number, "self_sex": "男" if person.male else "女",
                    "self_birth": cn_date(person.birth) if fresh.random() < 0.7 else f"{person.birth:%Y.%m.%d}"})
    return own


def _facts(fresh: _Fresh, writer: _Writer, own: dict[str, str], kind: str) -> str:
    """违法事实: opening, people, numbers, what must be kept, the law, closing: about 430 characters."""
    own["found"] = writer.fill(fresh.pick(FOUND), own)
    openings = PERSON_OPENINGS if kind == "person" else SHOP_OPENINGS if kind == "shop" else BUSINESS_OPENINGS
    parts = [writer.fill(fresh.pick(openings), own)]
    random_ = fresh.random
    for _ in range(2 + int(random_() * 4)):
        parts.append(writer.fill(fresh.pick(PEOPLE), own))
    if random_() < 0.6:
        parts.append(writer.fill(fresh.pick(NUMBERS), own))
    for _ in range(1 + int(random_() * 2)):
        parts.append(writer.fill(fresh.pick(KEPT), own))
    if kind != "person" and random_() < 0.3:
        parts.append(writer.fill(fresh.pick(BUSINESS_KEPT), own))
    parts.append(writer.fill(fresh.pick(REASONING), own))
    parts.append(writer.fill(fresh.pick(CLOSINGS), own))
    return "".join(parts)


def _outcome_columns(rng: random.Random, world: World, key: str, s: Subject) -> tuple[list[str], int]:
    """处罚依据 … 暂扣或吊销证照名称及编号 of the current layout, from the sample's outcomes, and the
    longest publicity in months."""
    o = outcome(rng, world, key, s)
    fine = decimal_text(wan(o["fine_yuan"])) if o["fine_yuan"] else ""
    gains = decimal_text(wan(o["confiscated"])) if o["confiscated"] else ""
    violation = rng.choice(N.VIOLATIONS[key])
    return ([violation[0], violation[2], "；".join(o["kinds"]), o["content"], fine, gains, o["licence_ref"]],
            MAX_PUBLICITY_MONTHS[o["severity"]])


def _rich_world(seed: int, as_of: date, rows: int) -> World:
    """The subjects, departments and people of one rich file (the same for the same arguments)."""
    return World(seed, as_of, n_subjects=min(20000, max(60, rows // 20)))


def write_rich_registry_csv(path: Path, files: Sequence[tuple[int, int]], subjects: int, as_of: date) -> int:
    """A city-sized register of market subjects (registry.yml's layout) beside the rich penalty
    files written with `files` = [(seed, rows), …]: every market subject of the city they name,
    then subjects no record names up to `subjects` in all (a real register is mostly those).
    Returns the number of data rows written."""
    from .delivery import REGISTRY_COLUMNS
    from .entries import registered_named, registry_rows

    worlds = [_rich_world(seed, as_of, rows) for seed, rows in files]
    named = sum(len(registered_named(w)) for w in worlds)
    extra, rest = divmod(max(0, subjects - named), len(worlds))
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(_csv_line(REGISTRY_COLUMNS))
        for k, world in enumerate(worlds):
            rng = random.Random(f"{files[k][0]}/rich-registry")
            lines = [_csv_line(cell_text(r[c], "iso") for c in REGISTRY_COLUMNS)
                     for r in registry_rows(world, rng, extra + (rest if k == 0 else 0))]
            handle.write("".join(lines))
            written += len(lines)
    return written


def write_rich_penalty_csv(path: Path, rows: int, seed: int, as_of: date, faulty_share: float = 0.0) -> int:
    """One current-layout penalty CSV (UTF-8) of `rows` rows with rich free text; returns the number
    of data rows written. About `faulty_share` of them carry a fault (cycling through
    PENALTY_FAULTS). Deterministic per seed and day."""
    world = _rich_world(seed, as_of, rows)
    rng = random.Random(f"{seed}/rich")
    fresh = _Fresh(rng, as_of)
    writer = _Writer(fresh)
    keys = ("market", "ecology", "emergency", "housing", "transport", "tax")
    # Per department: outcome columns drawn from the sample's decisions (a pool: they are short
    # and repeat in real files too), its subjects, its name and code.
    outcomes = {key: [_outcome_columns(rng, world, key, world.subject_for(rng, key, 0.0)) for _ in range(300)]
                for key in keys}
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(_csv_line(PENALTY_COLUMNS))
        batch: list[str] = []
        for i in range(rows):
            key = fresh.pick(keys)
            dept = world.departments[key]
            s = world.subject_for(rng, key, PERSON_SHARE[key])
            middle, months = fresh.pick(outcomes[key])
            day = fresh.pick(fresh.days)
            own = _own_slots(fresh, s)
            own.update(basis=middle[1], violation=middle[0], outcome=middle[3])
            facts = _facts(fresh, writer, own, s.kind)
            content = writer.fill(fresh.pick(CONTENTS), own)
            if fresh.random() < 0.7 and "复议" not in content:
                content += fresh.pick(RIGHTS)
            remark = writer.fill(fresh.pick(REMARKS), own)
            if fresh.random() < 0.3:
                remark += "；" + writer.fill(fresh.pick(REMARKS), own)
            values = ([subject_fields(s)[c] for c in SUBJECT_COLUMNS]
                      + [f"{dept.penalty_prefix}〔{day.year}〕{i + 1}号", middle[0], facts, middle[1], middle[2],
                         content, middle[4], middle[5], middle[6], day.isoformat(), "",
                         add_months(day, months).isoformat() if rng.random() < 0.5 else "",
                         dept.name, dept.uscc, dept.name, dept.uscc, remark])
            if faulty_share and rng.random() < faulty_share:
                batch.append(_faulty_line(values, written, rng, world))
            else:
                batch.append(",".join(map(_csv_field, values)) + "\r\n")
            written += 1
            if len(batch) >= 5000:
                handle.write("".join(batch))
                batch.clear()
        handle.write("".join(batch))
    return written


def _faulty_line(values: list[str], i: int, rng: random.Random, world: World) -> str:
    record = dict(zip(PENALTY_COLUMNS, values, strict=True))
    kind = PENALTY_FAULTS[i % len(PENALTY_FAULTS)]
    if fault_applies(record, "penalty", kind):
        apply_fault(record, "penalty", kind, rng, world)
    return _csv_line(cell_text(record[c], "iso") for c in PENALTY_COLUMNS)
