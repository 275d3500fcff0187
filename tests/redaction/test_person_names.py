"""Names of natural persons wherever they stand (issue 13), and what must survive beside them.

Each table is (text as a department writes it, the text as published). Leak tables hold every
form issue 13 found published unmasked; trap tables hold what DOMAIN.md says must survive
("What must survive"): pseudonyms, business names, places, hometowns, words after a role word
that begin with a surname character, statute titles.
"""
import pytest

from redaction.check import check_record
from redaction.detectors import Context, detect
from redaction.lexicon import lexicon, parse_frame, read_lexicon
from redaction.mask import mask
from redaction.person_names import find_person_names, is_pseudonym
from redaction.policy import redact_record
from redaction.scan import find_in_text

NO_CONTEXT = Context()


def published(text: str, context: Context = NO_CONTEXT) -> str:
    return mask(text, detect(text, context))


def _check(table):
    for text, expected in table:
        assert published(text) == expected, text


# --- role words the first edition lacked ----------------------------------------------------
NEW_ROLE_WORDS = [
    ("经办人：张伟，电话159****6975", "经办人：张*，电话159****6975"),
    ("法人：李强", "法人：李*"),
    ("店主王芳称", "店主王*称"),
    ("户主刘洋", "户主刘*"),
    ("承包人陈刚未取得资质", "承包人陈*未取得资质"),
    ("实际控制人杨帆", "实际控制人杨*"),
    ("被检查人赵磊在场", "被检查人赵*在场"),
    ("收货人黄敏签收", "收货人黄*签收"),
    ("送货人周涛", "送货人周*"),
    ("承租人吴静", "承租人吴*"),
    ("出租人徐杰", "出租人徐*"),
    ("驾驶员孙浩驾驶赣H·12345号车辆", "驾驶员孙*驾驶赣H·12345号车辆"),
    ("雇员马超", "雇员马*"),
    ("员工朱丽在收银台", "员工朱*在收银台"),
    ("租户胡军", "租户胡*"),
    ("患者郭晓明就诊", "患者郭*就诊"),
    ("乘客何婷婷", "乘客何*"),
    ("店员高翔销售", "店员高*销售"),
    ("项目经理林峰", "项目经理林*"),
    ("班组长罗斌", "班组长罗*"),
    ("证人梁丽丽证实", "证人梁*证实"),
    ("家属宋佳", "家属宋*"),
    ("其妻唐娟", "其妻唐*"),
    ("监护人韩梅", "监护人韩*"),
    ("执法人员冯涛", "执法人员冯*"),
    ("办案人员邓超", "办案人员邓*"),
    ("记录人曹颖", "记录人曹*"),
    ("厨师彭亮", "厨师彭*"),
    ("保安曾志伟", "保安曾*"),
    ("司机田野", "司机田*"),
    ("投诉人董洁反映", "投诉人董*反映"),
    ("受害人袁野", "受害人袁*"),
    ("消费者潘晓婷购买", "消费者潘*购买"),
    ("持卡人蒋欣", "持卡人蒋*"),
    ("户名：蔡明", "户名：蔡*"),
    ("當事人張三於", "當事人張*於"),
    ("經辦人：陳大文", "經辦人：陳*"),
]


@pytest.mark.parametrize("text, expected", NEW_ROLE_WORDS)
def test_names_after_the_new_role_words(text, expected):
    assert published(text) == expected


# --- labels: 姓名, 名叫, 名字叫 -------------------------------------------------------------
LABELS = [
    ("姓名：孙丽，性别：女", "姓名：孙*，性别：女"),
    ("姓名:孙丽", "姓名:孙*"),
    ("一名男子名叫李小龙", "一名男子名叫李*"),
    ("其名字叫王大锤", "其名字叫王*"),
    ("联系人姓名：余华", "联系人姓名：余*"),
]


@pytest.mark.parametrize("text, expected", LABELS)
def test_names_after_labels(text, expected):
    assert published(text) == expected


# --- what stands between a role word and its name -------------------------------------------
BETWEEN = [
    ("联系人：“李娜”", "联系人：“李*”"),
    ("联系人:\"李娜\"", "联系人:\"李*\""),
    ("联系人「李娜」", "联系人「李*」"),
    ("联系人(王强)", "联系人(王*)"),
    ("联系人（王强）", "联系人（王*）"),
    ("联系人【王强】", "联系人【王*】"),
    ("联系人-赵敏", "联系人-赵*"),
    ("联系人—赵敏", "联系人—赵*"),
    ("联系人 赵敏", "联系人 赵*"),
    ("负责人为李四", "负责人为李*"),
    ("负责人是李四", "负责人是李*"),
    ("法定代表人（负责人）：赵六", "法定代表人（负责人）：赵*"),
    ("法定代表人(负责人):赵六", "法定代表人(负责人):赵*"),
    ("经营者【业主】钱多多", "经营者【业主】钱*"),
]


@pytest.mark.parametrize("text, expected", BETWEEN)
def test_punctuation_and_brackets_between_a_role_word_and_its_name(text, expected):
    assert published(text) == expected


# --- lists after one role word ---------------------------------------------------------------
LISTS = [
    ("驾驶员钱某和欧阳娜娜", "驾驶员钱某和欧阳*"),
    ("委托代理人：钱*，欧阳娜娜", "委托代理人：钱*，欧阳*"),
    ("委托代理人：钱*，欧阳娜娜。", "委托代理人：钱*，欧阳*。"),
    ("股东张三、李四和王五", "股东张*、李*和王*"),
    ("股东张三、李四及王五", "股东张*、李*及王*"),
    ("股东张三与李四合伙经营", "股东张*与李*合伙经营"),
    ("股东：张三，李四，王五。", "股东：张*，李*，王*。"),
    ("当事人张三、李四等人", "当事人张*、李*等人"),
    ("执法人员张三、李四", "执法人员张*、李*"),
    ("执法人员张三，李四", "执法人员张*，李*"),
    ("股东张三（持股60%）、李四", "股东张*（持股60%）、李*"),
]


@pytest.mark.parametrize("text, expected", LISTS)
def test_every_name_of_a_list(text, expected):
    assert published(text) == expected


# --- names before particulars in brackets, and with titles ---------------------------------
PARTICULARS = [
    ("张三丰（身份证号码：略）", "张*（身份证号码：略）"),
    ("经营者之妻王芳（身份证号：略）在场", "经营者之妻王*（身份证号：略）在场"),
    ("欧阳娜娜（公民身份号码：略）", "欧阳*（公民身份号码：略）"),
    ("现场有李明(电话：略)", "现场有李*(电话：略)"),
    ("李明（手机：略）", "李*（手机：略）"),
    ("李四（男，1985年3月出生）", "李*（男，1985年3月出生）"),
    ("，禤文（男，汉族）", "，禤*（男，汉族）"),
    ("顾客，王小明，电话：略", "顾客，王*，电话：略"),
    ("保安王伟（身份证号：略）", "保安王*（身份证号：略）"),
    ("黄某（身份证号：略）", "黄某（身份证号：略）"),
]


@pytest.mark.parametrize("text, expected", PARTICULARS)
def test_names_before_particulars(text, expected):
    assert published(text) == expected


TITLES = [
    ("李四先生到场", "李*先生到场"),
    ("王五女士", "王*女士"),
    ("赵小六同志", "赵*同志"),
    ("欧阳娜娜女士", "欧阳*女士"),
    ("经与王小明先生核实", "经与王*先生核实"),
    # A surname and a title say no more than a masked name: kept.
    ("联系人张先生", "联系人张先生"),
    ("据张先生反映", "据张先生反映"),
    ("王女士反映", "王女士反映"),
    # In doubt the longer name: 向成先生 may be 向 + 成先生 or 向成 + 先生.
    ("现场向成先生核实", "现场向*先生核实"),
    ("据向松福先生反映", "据向*先生反映"),
]


@pytest.mark.parametrize("text, expected", TITLES)
def test_names_with_titles(text, expected):
    assert published(text) == expected


# --- verb frames -----------------------------------------------------------------------------
FRAMES = [
    ("该车由张伟驾驶", "该车由张*驾驶"),
    ("日常经营由李娜负责", "日常经营由李*负责"),
    ("雇佣李强在店内从事销售", "雇佣李*在店内从事销售"),
    ("雇佣李强、王刚在店内", "雇佣李*、王*在店内"),
    ("拖欠张三、李四等23名劳动者工资", "拖欠张*、李*等23名劳动者工资"),
    ("拖欠张三工资", "拖欠张*工资"),
    ("从王五处购进", "从王*处购进"),
    ("向王五购买", "向王*购买"),
    ("法定代表人由张三变更为李四", "法定代表人由张*变更为李*"),
    ("将车辆出租给周强", "将车辆出租给周*"),
    ("款项支付给冯小刚", "款项支付给冯*"),
    ("登记在刘洋名下", "登记在刘*名下"),
    ("经王五介绍", "经王*介绍"),
    ("伙同李四", "伙同李*"),
]


@pytest.mark.parametrize("text, expected", FRAMES)
def test_names_in_verb_frames(text, expected):
    assert published(text) == expected


# --- the decision's header block pasted into the text, and officers -------------------------
HEADERS = [
    ("当事人：周杰，男，1985年3月12日出生，住", "当事人：周*，男，1985年**月**日出生，住"),
    ("当事人：禤文，男，汉族", "当事人：禤*，男，汉族"),
    ("当事人周杰，女，汉族，", "当事人周*，女，汉族，"),
    ("被处罚人：马丽，女，", "被处罚人：马*，女，"),
]


@pytest.mark.parametrize("text, expected", HEADERS)
def test_header_blocks(text, expected):
    assert published(text) == expected


OFFICERS = [
    ("执法人员张三（执法证号：36010001）、李四", "执法人员张*（执法证号：36010001）、李*"),
    ("执法人员张三、李四（执法证号分别为36010001、36010002）", "执法人员张*、李*（执法证号分别为36010001、36010002）"),
    ("由执法人员张三、李四出示执法证件", "由执法人员张*、李*出示执法证件"),
    ("办案人员：王五、赵六", "办案人员：王*、赵*"),
    ("执法人员：张三（执法证号36010001），李四（执法证号36010002）",
     "执法人员：张*（执法证号36010001），李*（执法证号36010002）"),
]


@pytest.mark.parametrize("text, expected", OFFICERS)
def test_officers_with_their_certificate_numbers(text, expected):
    assert published(text) == expected


# --- what must survive ----------------------------------------------------------------------
PSEUDONYMS = [
    "当事人张某、李某某",
    "刘某",
    "员工刘某某明知",
    "受害人周某",
    "驾驶员王某甲",
    "当事人欧阳某",
    "由张某驾驶",
    "拖欠王某、李某等5名劳动者",
    "委托代理人：钱*",
]

PLACES = [
    "当事人张家港市某某商行",
    "负责人马鞍山市",
    "当事人黄山区",
    "当事人何家村",
    "经营者系安徽省宿松县人",
    "当事人系江西省乐平市人",
    "负责人黄山市某某公司",
    "从张家港市购进",
]

SURNAME_WORDS = [
    "当事人余下的货物",
    "当事人连续两个月未申报",
    "当事人符合从轻处罚情形",
    "负责人于十月中旬",
    "负责人于十一月",
    "当事人于三日内",
    "当事人陈述申辩",
    "当事人向本局提交",
    "当事人高价销售",
    "当事人任何时候",
    "当事人及时整改",
    "负责人安全意识淡薄",
    "当事人常年经营",
    "当事人曾因同类违法行为",
]

BUSINESSES_AND_BRANDS = [
    "当事人李宁体育用品专卖店",
    "当事人景德镇市某某有限公司于2024年",
    "经营者张三水果店销售",
    "当事人王老吉饮料经营部",
    "销售假冒李宁牌运动鞋",
    "销售标注“王老吉”字样的饮料",
]

STATUTES = [
    "依据《中华人民共和国食品安全法》第一百二十二条",
    "违反《江西省食品小作坊小餐饮小食杂店管理条例》",
    "《王某某条例》",
]


@pytest.mark.parametrize("text", PSEUDONYMS + PLACES + SURNAME_WORDS + BUSINESSES_AND_BRANDS + STATUTES)
def test_what_must_survive(text):
    assert published(text) == text


def test_pseudonyms_are_told_apart():
    assert [is_pseudonym(n) for n in ("张某", "李某某", "欧阳某", "王某甲", "张三", "张*", "某某")] == [
        True, True, True, True, False, False, False,
    ]


def test_a_kept_business_name_holds_no_name():
    text = "张三水果店经营者张三销售"
    assert find_person_names(text, ("张三水果店",)) == [(8, 10, "person_name", 0.9)]


# --- the data ---------------------------------------------------------------------------------
def test_the_lexicon_is_data():
    lex = lexicon()
    for word in ("经办人", "法人", "店主", "户主", "承包人", "实际控制人", "被检查人", "收货人", "送货人", "承租人",
                 "出租人", "驾驶员", "员工", "雇员", "姓名", "名叫", "名字叫", "租户", "患者", "乘客", "店员",
                 "项目经理", "班组长", "执法人员", "办案人员", "证人", "家属"):
        assert word in lex.role_words, word
    assert parse_frame("由{name}变更为{name}") in lex.frames
    assert {"余下", "连续", "符合"} <= lex.not_names


def test_a_lexicon_is_read_from_its_directory(tmp_path):
    (tmp_path / "role_words.yml").write_text("role_words: [看门人]\ntitles: [先生]\n", encoding="utf-8")
    (tmp_path / "name_frames.yml").write_text("frames: ['由{name}看管']\n", encoding="utf-8")
    (tmp_path / "not_names.yml").write_text("not_names: {a: [余下]}\n", encoding="utf-8")
    lex = read_lexicon(tmp_path)
    assert lex.role_words == ("看门人",) and lex.not_names == frozenset({"余下"})
    assert lex.frames == (parse_frame("由{name}看管"),)


def test_a_frame_needs_an_opener_and_a_slot():
    with pytest.raises(ValueError):
        parse_frame("{name}驾驶")
    with pytest.raises(ValueError):
        parse_frame("由")


# --- names written with middle dots ---------------------------------------------------------
DOTTED = [
    ("翻译人员艾力·买买提在场", "翻译人员艾*在场"),
    ("当事人阿依古丽·吐尔逊，女，", "当事人阿*，女，"),
    ("联系人：买买提·艾力·吐尔逊。", "联系人：买*。"),
    ("现场有热依拉·艾买提（身份证号：略）", "现场有热*（身份证号：略）"),
    ("位于碧桂园·十里江湾小区", "位于碧桂园·十里江湾小区"),
    ("《中国·景德镇陶瓷》", "《中国·景德镇陶瓷》"),
]


@pytest.mark.parametrize("text, expected", DOTTED)
def test_names_with_middle_dots(text, expected):
    assert published(text) == expected


# --- the record policy ------------------------------------------------------------------------
ROLES = {"name": "subject_name", "rep": "person_name", "facts": "free_text", "authority": "keep"}


def test_a_pseudonym_in_a_name_field_is_kept_whole():
    r = redact_record({"name": "李某某", "rep": "张某", "facts": "当事人李某某"}, ROLES, True)
    assert r.values == {"name": "李某某", "rep": "张某", "facts": "当事人李某某"}
    assert r.personal_values == ()


def test_a_name_found_in_the_text_is_one_the_check_looks_for_everywhere():
    values = {"name": "景德镇市某某有限公司", "rep": None, "facts": "经办人：黄琪，电话略", "authority": "黄琪"}
    r = redact_record(values, ROLES, False)
    assert r.values["facts"] == "经办人：黄*，电话略"
    assert "黄琪" in r.personal_values
    assert [p.code for p in check_record(r.values, ROLES, r.personal_values, r.secrets, False)] == [
        "personal_value_survived"
    ]


# --- the scanner ------------------------------------------------------------------------------
SCANNED = [
    ("经办人：黄琪，电话150****6503", ["黄琪"]),
    ("联系人“李娜”。", ["李娜"]),
    ("法定代表人（负责人）：赵六", ["赵六"]),
    ("股东为欧阳娜娜，", ["欧阳娜娜"]),
    ("联系人李四先生到场", ["李四"]),
    # what the scanner leaves: masked names, pseudonyms, titles, places, times, not-names
    ("经办人：黄*，电话150****6503", []),
    ("当事人张某，", []),
    ("联系人张先生，", []),
    ("当事人黄山区，", []),
    ("负责人于十月，", []),
    ("当事人陈述，", []),
    ("当事人余下的货物", []),
    ("当事人李宁体育用品专卖店，", []),
]


@pytest.mark.parametrize("text, names", SCANNED)
def test_the_scanner_sees_names_after_role_words(text, names):
    assert [text[a:b] for a, b, kind in find_in_text(text) if kind == "person_name"] == names


def test_a_name_the_scanner_sees_quarantines_its_record_alone():
    roles = {"facts": "keep"}  # published as delivered: the check must stop it
    problems = check_record({"facts": "现场负责人：窦洋凤，电话略。"}, roles, (), (), False)
    assert [(p.field, p.code) for p in problems] == [("facts", "person_name_in_output")]


def test_masked_texts_hold_nothing_the_scanner_sees():
    from redaction.name_corpus import generate_name_corpus

    for example in generate_name_corpus(300, seed=5):
        masked = published(example.text)
        assert [f for f in find_in_text(masked) if f[2] == "person_name"] == [], masked


def test_the_name_contexts_meet_their_targets():
    from redaction.name_corpus import evaluate_names

    result = evaluate_names(1500, seed=11)
    assert {c: row["recall"] for c, row in result["contexts"].items()} == dict.fromkeys(result["contexts"], 1.0)
    assert {c: row["damaged"] for c, row in result["must_keep"].items()} == dict.fromkeys(result["must_keep"], 0)
