"""Chinese personal names: surnames, masking (张*, 欧阳*) and telling a person from a business.

DOMAIN.md "Personal information and trade secrets": a natural person's name is published as
the surname followed by one asterisk. "A subject name that is only a person's name (no trade
name) is a natural person's name."
"""
from __future__ import annotations

from .memo import Memo

# Compound surnames (复姓), simplified and traditional.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 司徒 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 夏侯 令狐 轩辕 端木 南宫 西门 "  # noqa: SIM905
    "独孤 呼延 澹台 万俟 闻人 申屠 太史 公羊 淳于 单于 钟离 宗政 濮阳 仲孙 赫连 拓跋 百里 东郭 "
    "左丘 谷梁 第五 公冶 乐正 壤驷 漆雕 巫马 司空 司寇 梁丘 "
    "歐陽 司馬 諸葛 上官 司徒 東方 皇甫 尉遲 公孫 慕容 長孫 宇文 夏侯 令狐 軒轅 端木 南宮 西門 "
    "獨孤 呼延 澹臺 萬俟 聞人 申屠 太史 公羊 淳于 單于 鍾離 宗政 濮陽 仲孫 赫連 拓跋 百里 東郭".split()
)

# Common single surnames (the few hundred that cover almost everyone), simplified, then
# traditional forms. Characters that are far more often a function word than a surname in
# an administrative text (在, 将, 所, 经, 能, 通, 后, 家, 山, 东, 国, 公, 平, 明, 自…) are
# left out on purpose: "当事人经营…" must not become a name.
_SINGLE = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧"
    "耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍"
    "华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏"
    "宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝官封谈匡"
    "鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练"
    "廉禹井祖漆巴丰支卿狄计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰"
    "赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智"
    "幸奉植衡富尧闭由洪赖凤贝薛臧滑荀麴羿汲邴糜松弓牧隗宓蓬郗仰秋暴钮鈄蓟懷怀咸籍韶鄂扶堵宰"
    "郦郤璩濮寿冯习宦鱼庾终暨弘禄殳沃蔚越夔厍融訾毋乜须巢蒯竺益桓邵贲"
    # traditional forms
    "張劉陳楊黃趙吳孫馬許鄭謝韓馮鄧蕭葉蘇呂盧鍾譚陸賈韋錢龔萬嚴湯溫顏聶歐蘭寧單塗駱藍遊鮑"
    "華饒陽時穆農繆簡車項連蘆麥婁竇黨宮費衛應閔鄔邊師欒榮巫桑叢鞏遲鄺談荊樂儲勞諶藺樓盤滿聞"
    "厲區闞權強帥樸蓋練豐計晉門雲來闕烏況鮮諸戰銀賓陰堯閉鳳貝龍齊喬莊畢鄒孟羅賀顧倪覃閻廖"
    "魯韋詹紀舒熊龐賴鄒滕薛"
)
# Rare surnames that are everyday words at the head of a clause (原, 来, 相关…): left out.
_FUNCTION_CHARS = (
    "和原来都但相初门位区海花豆盖井支计索宣普薄母修那印危银利呼居干斯元衣展阴幸奉植由习终益须师满战鲜隆诸练况容敬"
    "來門區計銀陰況鮮戰諸滿師"
)
SINGLE_SURNAMES = frozenset(_SINGLE) - frozenset(_FUNCTION_CHARS)

CJK_LO, CJK_HI = "\u4e00", "\u9fff"

# A business name ends in one of these (DOMAIN.md: 张三水果店 is a registered business name).
# Only suffixes of two or more characters: a single 所, 行, 场, 部 or 处 ends too many
# ordinary words (所在, 行为, 现场, 全部, 处罚) to mark a business by itself.
ORG_SUFFIXES = (
    "有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "集团", "合作社", "联合社",
    "经营部", "门市部", "营业部", "服务部", "经销部", "销售部", "商行", "商店", "商场", "超市",
    "便利店", "酒店", "饭店", "宾馆", "旅馆", "旅社", "餐厅", "餐馆", "酒楼", "食堂", "面馆",
    "药房", "药店", "诊所", "医院", "卫生院", "卫生室", "门诊部", "学校", "幼儿园", "中心",
    "工作室", "事务所", "研究所", "加工厂", "农场", "养殖场", "林场", "车队", "车行", "协会",
    "商会", "学会", "委员会", "银行", "支行", "分行", "信用社", "大学", "学院", "庄园", "会所",
    "俱乐部", "加油站", "服务站", "办事处", "市场", "网吧", "影院", "工厂", "厂部", "经营店",
    "农家乐", "民宿", "客栈", "酒家", "大排档", "山庄", "度假村", "茶楼", "茶馆", "茶庄", "工作坊", "专卖店",
    "專賣店", "有限責任公司", "股份有限公司", "有限公司", "公司", "合作社", "經營部", "門市部",
    "商行", "超市", "酒店", "醫院", "學校", "中心", "診所", "藥房", "藥店", "餐廳", "飯店",
)
# Single-character suffixes that end a business name only where the name ends too
# (followed by punctuation or a clause word): 张三水果店，… but not 张三店内….
ORG_SINGLE_SUFFIXES = frozenset("店厂社馆坊铺局廠館舖")

# Words inside a name that only a business name contains.
ORG_KEYWORDS = (
    "公司", "中心", "商行", "经营", "门市", "合作", "超市", "酒店", "医院", "学校", "工作室",
    "事务所", "农场", "养殖", "种植", "加工", "维修", "批发", "零售", "餐饮", "商贸", "贸易",
    "科技", "有限", "集团", "银行", "服务", "建筑", "工程", "物流", "运输", "水果", "蔬菜",
    "食品", "烟酒", "百货", "五金", "建材", "家具", "服装", "美容", "美发", "理发", "汽修",
    "小吃", "快餐", "烧烤", "网吧", "宾馆", "旅馆", "药房", "诊所", "门诊",
)

# Last characters that mark a two-to-four character name as a business (王记面馆 → 馆),
# chosen so that no common given name ends in them.
_ORG_LAST_CHARS = frozenset("店厂部社所站场院馆铺摊吧队局司处厅")


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (the characters Chinese names are written in)."""
    return CJK_LO <= ch <= CJK_HI


def surname_length(name: str) -> int:
    """1 or 2: how many leading characters of `name` are its surname (0 if none is known)."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return 2
    if name[:1] in SINGLE_SURNAMES:
        return 1
    if name[:2] in COMPOUND_SURNAMES:
        return 2
    return 0


def mask_person_name(name: str) -> str:
    """Surname followed by one asterisk: 张三→张*, 欧阳修→欧阳*, 张三丰→张*.

    DOMAIN.md: 张*, 欧阳*. A name of one character becomes "*"; a name with no known surname
    keeps its first character (the usual reading of a Chinese name).
    """
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    keep = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "*"


def has_org_marker(name: str) -> bool:
    """True when `name` contains a business word or ends like a business (店, 厂, 公司…)."""
    if any(word in name for word in ORG_KEYWORDS):
        return True
    return name[-1:] in _ORG_LAST_CHARS or any(name.endswith(s) for s in ORG_SUFFIXES)


_PERSON_LIKE: Memo[str, bool] = Memo(8192)  # remembered answers: subject names recur across rows


def looks_like_person_name(name: str | None) -> bool:
    """True for a bare natural person's name: 2–4 CJK characters, a common surname, no trade name.

    DOMAIN.md: "A subject name that is only a person's name (no trade name) is a natural
    person's name." In doubt we answer True: masking a business name loses little, publishing
    a person's name cannot be undone.
    """
    if not name:
        return False
    answer = _PERSON_LIKE.get(name)
    if answer is None:
        answer = _PERSON_LIKE.remember(name, _looks_like_person_name(name))
    return answer


def _looks_like_person_name(name: str) -> bool:
    name = name.strip().replace("·", "").replace("•", "")
    if not 2 <= len(name) <= 4 or not all(is_cjk(c) for c in name):
        return False
    if surname_length(name) == 0:
        return False
    return not has_org_marker(name)
