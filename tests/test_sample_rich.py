"""The rich bench corpus (publish/sample/rich.py): penalty rows whose free text is as long and
varied as real decisions, for `make bench` (bench/run.py, part `rich`).

Read back with the csv module, independently of the build's reader.
"""
from __future__ import annotations

import ast
import csv
import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest

import publish.sample
from publish.sample import PENALTY_COLUMNS, write_rich_penalty_csv
from publish.sample import names as N
from redaction.checkdigits import is_valid_id15, is_valid_id18, is_valid_uscc, luhn_valid
from tests.conftest import AS_OF

ROWS = 3000
FREE_TEXT = ("违法事实", "处罚内容", "备注")


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    path = tmp_path_factory.mktemp("rich") / "penalties.csv"
    written = write_rich_penalty_csv(path, ROWS, seed=1, as_of=AS_OF, faulty_share=0.03)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return path, written, rows


def free_text(rows: list[dict]) -> str:
    return "\n".join(r[c] for r in rows for c in FREE_TEXT)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:  # (a faulty row)
        return None


def test_it_writes_the_rows_asked_for_in_the_current_layout(rich):
    _, written, rows = rich
    assert written == len(rows) == ROWS
    assert list(rows[0]) == list(PENALTY_COLUMNS)
    numbers = [r["行政处罚决定书文号"] for r in rows if "〔" in r["行政处罚决定书文号"]]
    assert len(numbers) > 0.95 * ROWS and len(set(numbers)) == len(numbers)
    decided = [_day(r["处罚决定日期"]) for r in rows]
    assert sum(d is not None and AS_OF - timedelta(days=4 * 365) <= d <= AS_OF for d in decided) > 0.95 * ROWS


def test_free_text_is_about_600_characters_a_row(rich):
    _, _, rows = rich
    lengths = sorted(sum(len(r[c]) for c in FREE_TEXT) for r in rows)
    assert 560 <= sum(lengths) / len(lengths) <= 660
    assert lengths[len(lengths) // 10] >= 400 and lengths[-1] <= 1200  # varied, not one length
    assert len({r["违法事实"] for r in rows}) == ROWS  # no two rows alike


def test_faulty_rows_are_about_the_share_asked_for(rich):
    _, _, rows = rich
    bad = [r for r in rows if r["行政相对人代码_1(统一社会信用代码)"]
           and not is_valid_uscc(r["行政相对人代码_1(统一社会信用代码)"])]
    assert 0 < len(bad) < 0.03 * ROWS


@pytest.mark.parametrize("what, pattern", [
    # people after role words, with punctuation and brackets between, in lists, after verbs
    ("name in quotation marks", r"现场负责人：“[^”]{2,4}”"),
    ("name in brackets", r"联系人（[^）]{2,4}）"),
    ("name after a dash", r"联系人-[^，]{2,4}，"),
    ("经办人", r"经办人[：]?[^，（]{2,4}"),
    ("法定代表人（负责人）", r"法定代表人（负责人）：\S{2,4}，"),
    ("a list after one role word", r"委托代理人：[^，]{2,4}，[^。]{2,4}。"),
    ("a list with 和", r"驾驶员\S{2,4}和\S{2,4}轮流"),
    ("a list with 、 and 等", r"拖欠\S{2,4}、\S{2,4}等\d+名劳动者"),
    ("after 由…驾驶", r"由\S{2,4}驾驶号牌为"),
    ("after 雇佣", r"雇佣\S{2,4}、"),
    ("after 从…处购进", r"从\S{2,4}处购进"),
    ("after 由…变更为", r"由\S{2,4}变更为\S{2,4}，"),
    ("先生 and 女士", r"\S{2,4}先生与\S{2,4}女士"),
    ("同志", r"安排\S{2,4}同志"),
    ("a name before its ID in brackets", r"[^。]{2,4}（身份证号码：[\d X.\-\n\r０-９]{15,22}）系"),
    ("the header block of a natural person", r"当事人：\S{2,4}，[男女]，\d{4}年\d{1,2}月\d{1,2}日出生，汉族，住"),
    ("officers with their certificates", r"执法人员\S{2,4}（执法证号：(3602\d{7}|赣[AHB]\d{6})）"),
    # numbers and accounts in their writings
    ("ID split by a line break", r"\d{4,14}\r?\n\d{4,14}"),
    ("ID with dots", r"\d{6}\.\d{8}\.\d{3}[\dX]"),
    ("ID with spaces", r"\d{6} \d{8} \d{3}[\dX]"),
    ("ID in full-width digits", r"[０-９]{17}[０-９X]"),
    ("ID with 2 digits appended", r"残疾人证号：\d{20}）"),
    ("legacy 15-digit ID", r"(?<!\d)\d{15}(?!\d)"),
    ("phone with dots", r"1[3-9]\d\.\d{4}\.\d{4}"),
    ("phone in Chinese numerals", r"一[三五七八九][〇一二三四五六七八九]{9}"),
    ("phone as a reader says it", r"幺[三五七八九][零幺二三四五六七八九]{9}"),
    ("phone after +86 or 0086", r"(\+86 |0086-)1[3-9]\d{9}"),
    ("landline with an extension", r"0798-\d{7}转\d{3}"),
    ("card in fours", r"62\d\d \d{4} \d{4} \d{4}"),
    ("passbook", r"存折账号\d{16,19}"),
    ("WeChat id", r"微信号[：]?(wxid_[a-z0-9]{12}|[a-z]+\d{4})"),
    ("QQ id", r"QQ[号：]*\d{5,10}"),
    ("passport", r"护照号码：(E|EA|EB|G)\d{7,8}"),
    ("Hong Kong and Macau permit", r"港澳居民来往内地通行证（证件号码：[HMC]\d{8,10}）"),
    ("Taiwan permit", r"台湾居民来往大陆通行证（号码\d{8}）"),
    ("private plate", r"号牌[为：]*赣H·?[A-Z]\d{4}"),
    ("e-mail", r"[a-z]+\d\d@(163|126|qq|sina)\.com"),
    ("full birth date", r"(\d{4}年\d{1,2}月\d{1,2}日出生|\d{4}\.\d\d\.\d\d生)"),
    ("home address without a label", r"，[男女]，[^，]+出生，江西省"),
    ("home address after 租住于", r"租住于江西省"),
    # what must survive
    ("words after a role word that begin with a surname", r"当事人余下的货物|负责人于十月中旬"),
    ("pseudonyms", r"刘某、张某某"),
    ("hometown", r"系安徽省宿松县人"),
    ("a company's registered address", r"住所地：江西省"),
    ("place names beginning with a surname", r"张家港市|马鞍山市|黄山区|何家村"),
    ("a brand and a business named like a person", r"李宁体育用品专卖店"),
    ("statute titles", r"《中华人民共和国行政处罚法》"),
    ("a 16-digit run in a traffic decision number", r"决定书编号：442000\d{10}）"),
    ("a 12-digit licence number starting with 0", r"许可证编号为0\d{11}"),
    ("long batch numbers", r"批号为\d{20,24}"),
    ("the treasury account fines are paid into", r"账号：1503 \d{4} \d{4} \d{4} \d{3}"),
])
def test_free_text_carries_the_writings_of_real_decisions(rich, what, pattern):
    _, _, rows = rich
    assert re.search(pattern, free_text(rows)), what


# Role words the detectors' list lacked (issue 13), and the roles DOMAIN.md names.
ROLE_WORDS = tuple("经办人 法人 店主 户主 承包人 实际控制人 被检查人 收货人 送货人 承租人 出租人 "
                   "驾驶员 员工 雇员 姓名： 名叫 租户 患者 乘客 店员 项目经理 班组长 证人 监护人 "
                   "受害人 委托代理人 妻子 儿子 亲属 执法人员 承办人 审核人 收件人".split())


def test_people_stand_after_every_role_word(rich):
    _, _, rows = rich
    text = free_text(rows)
    assert [w for w in ROLE_WORDS if not re.search(re.escape(w) + r"[：:“（(\-]?[\u4e00-\u9fff]{2,4}", text)] == []


def test_personal_numbers_are_real_ones(rich):
    """ID numbers have a real birth date and check character, cards pass Luhn."""
    _, _, rows = rich
    text = unicodedata.normalize("NFKC", free_text(rows))
    ids = re.findall(r"身份证号码[:为]?([0-9X]{15,18})(?![0-9X])", text)  # (NFKC: ： is :)
    assert len(ids) > 100 and all(is_valid_id18(n) if len(n) == 18 else is_valid_id15(n) for n in ids)
    assert {len(n) for n in ids} == {15, 18}
    appended = re.findall(r"残疾人证号:([0-9]{20})\)", text)
    assert appended and all(is_valid_id18(n[:18]) for n in appended)
    cards = [re.sub(r"\D", "", c) for c in re.findall(r"卡号:([0-9 ]{16,24})\)", text)]
    assert cards and all(luhn_valid(c) for c in cards)


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    paths = [tmp_path / f"{k}.csv" for k in "abc"]
    for path, seed in zip(paths, (5, 5, 6), strict=True):
        write_rich_penalty_csv(path, 300, seed=seed, as_of=AS_OF, faulty_share=0.03)
    assert paths[0].read_bytes() == paths[1].read_bytes() != paths[2].read_bytes()
    assert write_rich_penalty_csv(tmp_path / "empty.csv", 0, seed=5, as_of=AS_OF) == 0


def _possible_names(text: str) -> set[str]:
    """Every surname of names.py followed by one or two of its given-name characters in text."""
    found = set()
    for surname in (*N.SURNAMES, *N.COMPOUND_SURNAMES):
        for m in re.finditer(re.escape(surname), text):
            given = text[m.end():m.end() + 2]
            if given[:1] in N.GIVEN_NAME_CHARS:
                found.add(surname + given[:1])
                if given[1:] in N.GIVEN_NAME_CHARS:
                    found.add(surname + given)
    return found


def test_no_fixed_text_of_the_generator_holds_a_possible_name():
    """The sample's people are drawn to occur in no fixed text of the generator (world.py): with no
    possible name in that text, adding sentences (rich.py's) changes none of the sample's files."""
    for module in sorted(Path(publish.sample.__file__).parent.glob("*.py")):
        strings = [node.value for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        assert not set().union(*map(_possible_names, strings)), module.name
