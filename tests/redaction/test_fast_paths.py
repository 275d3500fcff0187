"""The shortcuts taken for speed give the answers of the long ways they stand in for."""
import datetime as dt
import random
import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redaction import checkdigits, detectors, memo, particulars, policy, scan
from redaction.check import check_record
from redaction.evaluate import PENALTY_ROLES, penalty_records, record_throughput
from redaction.particulars_corpus import generate_particulars_corpus
from redaction.person_names import names_finder
from redaction.spans import KINDS, _resolve_overlapping, resolve
from redaction.synth import (
    make_card,
    make_id18,
    random_card,
    random_id15,
    random_id18,
    random_mobile,
    random_uscc,
)

SETTINGS = settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- spans -------------------------------------------------------------------------------------
@st.composite
def span_lists(draw):
    spans = []
    for _ in range(draw(st.integers(0, 7))):
        a = draw(st.integers(0, 30))
        spans.append((a, a + draw(st.integers(0, 8)), draw(st.sampled_from(KINDS)), draw(st.sampled_from((1.0, 0.9)))))
    for s in draw(st.lists(st.sampled_from(spans), max_size=3)) if spans else ():
        # copies and spans inside others of their kind: the cases the quick path takes
        spans.append((s[0], s[1] - draw(st.integers(0, 1)), s[2], draw(st.sampled_from((1.0, 0.9)))))
    return spans


@SETTINGS
@given(span_lists())
def test_resolve_gives_the_full_resolution(spans):
    assert resolve(spans) == _resolve_overlapping(spans)


# --- check digits ------------------------------------------------------------------------------
def _real_date(year, month, day):
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def test_check_digit_arithmetic_matches_the_standards():
    rng = random.Random(3)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for _ in range(20000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        id_check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]
        assert checkdigits.id18_check_char(first17) == id_check
        digits = first17[: rng.randint(0, 17)] + rng.choice(("", "5", "x"))
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = ord(ch) - 48
            if not 0 <= d <= 9:
                total = None
                break
            total += (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
        assert checkdigits.luhn_valid(digits) == (total is not None and total % 10 == 0)
        uscc17 = "".join(rng.choice(checkdigits.USCC_ALPHABET + "IOZ") for _ in range(17))
        values = [checkdigits.USCC_ALPHABET.find(c) for c in uscc17]
        expected = (
            None
            if -1 in values
            else checkdigits.USCC_ALPHABET[(31 - sum(v * pow(3, i, 31) for i, v in enumerate(values)) % 31) % 31]
        )
        assert checkdigits.uscc_check_char(uscc17) == expected
    for year in (1899, 1900, 1904, 2000, 2023, 2024, 2100, 2101):
        for month in range(14):
            for day in (0, 1, 28, 29, 30, 31, 32):
                number = f"360203{year}{month:02d}{day:02d}123"
                number += checkdigits.id18_check_char(number) if len(number) == 17 else ""
                expected = len(number) == 18 and 1900 <= year <= 2100 and _real_date(year, month, day)
                assert checkdigits.is_valid_id18(number) == expected, number
                short = f"360203{year % 100:02d}{month:02d}{day:02d}123"
                if len(short) == 15:
                    assert checkdigits.is_valid_id15(short) == _real_date(1900 + year % 100, month, day), short


# --- number runs -------------------------------------------------------------------------------
_CN = str.maketrans("0123456789", "〇一二三四五六七八九")
_SPOKEN = str.maketrans("0123456789", "零幺二三四五六七八九")


def _writings(digits: str, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.3:
        sep = rng.choice(" -\u3000\uff0d" + ".．·\t" + "\n" * 2 + "\r")
        if sep == "\r" and rng.random() < 0.5:
            sep = "\r\n"
        sizes = rng.choice(((6, 8, 4), (4, 4, 4, 4, 4), (3, 4, 4), (6, 13), (2, 9), (1, 17), (17, 1)))
        parts, at = [], 0
        for size in sizes:
            if at < len(digits):
                parts.append(digits[at : at + size])
                at += size
        if at < len(digits):
            parts.append(digits[at:])
        digits = sep.join(parts)
    if rng.random() < 0.2:
        digits = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() and rng.random() < 0.8 else c for c in digits)
    elif rng.random() < 0.1:
        digits = digits.translate(rng.choice((_CN, _SPOKEN)))
    return digits


def _number_texts(n: int, seed: int):
    rng = random.Random(seed)
    makers = (random_id18, random_id15, random_mobile, random_card, lambda r: random_uscc(r, all_digits=True),
              lambda r: "".join(r.choice("0123456789") for _ in range(r.randint(10, 22))),
              lambda r: random_id18(r) + str(r.randrange(10 ** r.randint(1, 2))))  # digits appended
    for _ in range(n):
        number = rng.choice(makers)(rng)
        if rng.random() < 0.15:
            number = number[:-1] + rng.choice("Xx")
        if rng.random() < 0.1:
            number = rng.choice(("86", "0086", "2024 ", "1 ")) + number
        before = rng.choice(
            ("", "号", "：", "Tel", "JY", "统一社会信用代码：", "a", " ", "决定书编号：", "〔2024〕", "十")
        )
        after = rng.choice(("", "。", "X2001P", "TEL", "年", " 5", "Y", "号", ".5", "\n12", "万"))
        yield before + _writings(number, rng) + after


def test_a_whole_run_is_classified_as_every_group_sequence_would_be():
    for text in _number_texts(20000, 5):
        numerals = text.translate(detectors._CN_TO_ASCII)
        runs = [(text, m) for m in detectors._NUMBER_RUN.finditer(text)]
        runs += [(numerals, m) for m in detectors._CN_NUMBER_RUN.finditer(text)]
        for where, m in runs:
            a, b = m.span()
            run = where[a:b].translate(detectors._RUN_TO_ASCII)
            assert detectors._classify_run(where, a, b) == detectors._classify_groups(where, a, b, run), text


_LOCAL_LABELS = ("电话", "座机", "固话", "传真", "電話", "座機", "傳真")


def _local_landlines_the_long_way(text: str) -> list[int]:
    """Where a landline without its area code starts: after every label (and 号码, and one mark
    between), whatever the scan found."""
    starts = []
    for label in _LOCAL_LABELS:
        for m in re.finditer(label, text):
            at = m.end() + 2 if text.startswith(("号码", "號碼"), m.end()) else m.end()
            for k in (at, at + 1) if at < len(text) and text[at] in detectors._AFTER_LABEL else (at,):
                if detectors._LOCAL_LANDLINE.match(text, k):
                    starts.append(k)
    return sorted(set(starts))


def test_runs_brackets_and_local_landlines_are_found_in_one_scan():
    rng = random.Random(8)
    pieces = [
        "(0798)1234567", "（0798）123 4567", "(０791)7654321", "（", "(", "0", "13812345678", "2024年", "号", "(1",
        "一三八〇〇一三八〇〇〇", "二〇二六年", "一", "138.0013.8000", "2026.03.12", "\n", "电话", "座机", "：", " ",
        "号码", "8888888", "28888888", "5", "为", "机关", "码", "传真", "電話", "一三八", "〇〇一三", "八〇〇〇", "-",
        "一三八.〇〇一三.八〇〇〇", "三", "代码：",
    ]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        matches = list(detectors._NUMBER_RUN_OR_BRACKET.finditer(text))
        runs = [m.span() for m in detectors._NUMBER_RUN.finditer(text)]
        assert [m.span() for m in matches if m.end() - m.start() > 1] == runs
        ones = [m.start() for m in matches if m.end() - m.start() == 1]
        # Runs of Chinese numerals are looked for where the scan saw five of them in a row.
        assert not list(detectors._CN_NUMBER_RUN.finditer(text)) or any(text[k] in detectors._CN_DIGITS for k in ones)
        ones = [k for k in ones if text[k] not in detectors._CN_DIGITS]
        assert any(text[k] in "(\uff08" for k in ones) == any(
            p in text for p in ("(0", "\uff080", "(\uff10", "\uff08\uff10"))
        local = [k for k in ones if text[k] not in "(\uff08" and detectors._local_landline(text, k)]
        assert local == _local_landlines_the_long_way(text), text


def _number_scan_first_writing():
    """_NUMBER_RUN_OR_BRACKET as first written: the four branches one after the other."""
    d = detectors
    gap, last, digit = d._LABEL_GAP, d._LABEL_LAST, r"[2-9\uff12-\uff19]"
    return re.compile(
        rf"[{d._DIGIT}{d._CN_DIGIT}(\uff08](?:(?<=[{d._DIGIT}]){d._run_after_first(d._DIGIT)}|(?<=[(\uff08])(?=[0\uff10])"
        rf"|{d._CN_FIVE}"
        rf"|(?<=[{last}{gap}码碼]{digit})"
        rf"(?:(?<=[{last}]{digit})|(?<=[{last}][{gap}]{digit})|(?<=号码{digit})|(?<=號碼{digit})"
        rf"|(?<=号码[{gap}]{digit})|(?<=號碼[{gap}]{digit})))"
    )


def test_the_number_scan_matches_as_its_first_writing():
    first = _number_scan_first_writing()
    rng = random.Random(13)
    pieces = ["13812345678", "2024年", "一三八〇〇一三八〇〇〇", "电话", "座机：", "号码", "號碼 ", "28888888",
              "(0798)", "（０７９８）", "5", "代码：9", "传真为8", "-", " ", "\n", "138.0013.8000", "一", "〇",
              "话", "机"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(20000)]
    texts += [v[k] for v, _ in penalty_records(500, 7) for k in ("facts", "content", "basis") if v[k]]
    for text in texts:
        assert [m.span() for m in detectors._NUMBER_RUN_OR_BRACKET.finditer(text)] == [
            m.span() for m in first.finditer(text)
        ], text


_BETWEEN = "[" + re.escape("".join(detectors._AFTER_LABEL)) + "]*$"
_DOCUMENT_WORDS = re.compile("(?:" + detectors._DOCUMENT_LABEL_BEFORE.pattern.removesuffix("$") + ")" + _BETWEEN)
_PHONE_WORDS = re.compile("(?:" + detectors._PHONE_LABEL_BEFORE.pattern.removesuffix("$") + ")" + _BETWEEN)


def test_a_documents_number_is_known_as_the_label_regex_alone_would_know_it():
    rng = random.Random(10)
    heads = ["", "决定书编号", "处罚决定书文号", "许可证编号", "许可证号", "许可号", "批号", "批次号", "卡号",
             "银行卡编号", "账号", "身份证号", "驾驶证号", "编号", "登记号", "案号", "文号", "〔2024〕", "第", "电话",
             "联系电话号码", "Tel", "手机", "注册号", "許可證編號"]
    gaps = ["", "：", ":", " ", "为", "）：", "是", "（", "，"]
    for _ in range(20000):
        text = rng.choice(heads) + rng.choice(gaps) + rng.choice(gaps)
        a = len(text)
        digits = rng.choice(("4420001234567891", "079812345678", "07981234567", "6222021234567890128"))
        after = rng.choice(("", "号", "）"))
        full = text + digits + after
        kind = "phone" if digits[0] == "0" else "bank_card"
        for block in (True, False):
            long_way = (
                (a > 0 and full[a - 1] in "〕]］第" and after == "号")
                or _DOCUMENT_WORDS.search(text) is not None
                or (block and kind == "phone" and len(digits) == 12 and _PHONE_WORDS.search(text) is None)
            )
            assert detectors._document_number(full, a, a + len(digits), digits, kind, block) == long_way, full


def test_a_block_of_digits_is_searched_with_the_patterns_that_can_match_it():
    for text in _number_texts(20000, 6):
        for run in scan._RUN.finditer(text):
            digits = run.group()
            x_tail = digits[-1] in "Xx\uff38\uff58"
            body = digits[:-1] if x_tail else digits
            if not body.isdigit():
                continue
            lo = max(0, run.start() - 6)
            window = text[lo : run.end() + 1].translate(scan._FOLD_TABLE)
            short, full = {}, {}
            scan._find_numbers(text, window, lo, len(body), short, x_tail, True)
            scan._find_numbers(text, window, lo, len(body), full, x_tail, False)
            assert short == full, text


# --- names ------------------------------------------------------------------------------------
def _hits_the_long_way(finder, text: str) -> list[tuple]:
    """Every position tried: a role word ending there (any of them), a frame's opener, a
    title, particulars after a bracket or a comma."""
    found = []
    for pos in range(len(text)):
        if any(text.startswith(w, pos + 1 - len(w)) for w in finder.introducers if pos + 1 >= len(w)):
            if (tail := finder.role_tail.match(text, pos + 1)) is not None:
                found.append(("role", pos, tail.end()))
        for opener, ahead in finder.frame_ahead.items():
            if pos + 1 >= len(opener) and text.startswith(opener, pos + 1 - len(opener)):
                if re.compile(ahead).match(text, pos + 1):
                    found.append(("frame", pos, pos + 1))
                    break
        for title in sorted(finder.titles, key=len, reverse=True):
            if text.startswith(title, pos):
                found.append(("title", pos, pos + len(title)))
                break
        if text[pos] in "（(" and (tail := finder.bracket_tail.match(text, pos + 1)) is not None:
            found.append(("bracket", pos, tail.end()))
        if text[pos] in "，," and (tail := finder.comma_tail.match(text, pos + 1)) is not None:
            found.append(("comma", pos, tail.end()))
    return found


def test_the_trigger_scans_find_every_place_a_name_may_stand():
    finder = names_finder(None)
    rng = random.Random(9)
    pieces = [
        "当事人", "负责人", "现场负责人", "驾驶员工", "股东", "法定代表人", "為", "是", "：", " ", "、", "，", "。",
        "张三", "欧阳修", "欧阳", "李四明知", "王某某", "陈述", "景德", "于", "本", "的", "水果店", "有限公司",
        "经营", "在", "张", "明", "在场", "（", "某某超市", "员工", "由", "驾驶", "向", "购买", "拖欠", "等", "先生",
        "（身份证号：", "，电话", "，男，", "（负责人）", "“", "钱*", "雇佣", "变更为", "处", "黄山区", "余下",
        "登记在", "名下", "女士", "（男", "(电话", "从", "执法人员", "交由", "保管",
    ]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        assert sorted(finder.find(text)) == sorted(finder.find(text, _hits_the_long_way(finder, text))), text


# --- particulars ------------------------------------------------------------------------------
# The labels as first written: a look-behind or a group with flags first, so the engine tried
# every position (particulars.py now starts each branch with a character).
_DOCUMENT_FIRST = re.compile(
    r"(?:护照|護照|通行证|通行證|台胞证|台胞證|回乡证|回鄉證|居住证|居住證|(?<!许可)(?<!許可)证件|(?<!许可)(?<!許可)證件"
    r"|军官证|軍官證|士兵证|社会保障卡|社保卡|医保卡)"
    + particulars._DOCUMENT.pattern.split("|社保卡|医保卡)", 1)[1]
)
_ACCOUNT_FIRST = re.compile(
    r"(?:(?:微信|微信號|抖音|快手|支付宝|支付寶|淘宝|淘寶|旺旺|(?i:qq|wechat))"
    r"(?:号码|號碼|账号|賬號|帐号|账户|帳戶|号|號|id|ID)?"
    r"|(?:网名|網名|昵称|暱稱|用户名|用戶名))"
    + particulars._ACCOUNT.pattern.split("|用户名|用戶名)", 1)[1]
)
_PARTICULARS_PIECES = [
    "许可证件", "許可證件", "证件", "證件", "许可", "證", "护照", "通行证", "社保卡", "号码", "號碼", "编号", "号",
    "（", "(", "：", ":", " ", "\u3000", "为", "是", "E1234567", "H12345678", "1234567", "A-12", "x9", "微信", "微信號",
    "QQ", "qQ", "Qq", "qq", "WeChat", "WECHAT", "wechat", "weChaT", "id", "ID", "账号", "网名", "昵称", "用户名",
    "wxid_ab12", "zhang.san", "张伟1234", "12", "年", "1985", "1985年", "3月12日", "03.12", "-", ".", "．",
    "一九八五年", "三月十二日", "日", "1985年3月12日", "1985.3.12", "一九八五年三月十二日", "1990-01-02", "）", ")",
    "出生", "出", "生", "生产", "生于", "出生日期", "\n", "，", "。", "赣H·A1234", "粤B12345", "粤BD12345", "京", "A",
    "津A", "B", "生日", "出生年月", "社会保障卡", "医保卡",
]


def _particulars_texts(n, seed):
    rng = random.Random(seed)
    for _ in range(n):
        yield "".join(rng.choice(_PARTICULARS_PIECES) for _ in range(rng.randint(1, 12)))


def _spans(pattern, text):
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


def test_each_label_regex_matches_as_its_first_writing():
    texts = [*_particulars_texts(20000, 11), *(ex.text for ex in generate_particulars_corpus(3000, 5))]
    for text in texts:
        assert _spans(particulars._DOCUMENT, text) == _spans(_DOCUMENT_FIRST, text), text
        assert _spans(particulars._ACCOUNT, text) == _spans(_ACCOUNT_FIRST, text), text


def test_documents_accounts_birth_dates_and_plates_are_looked_for_only_after_a_label_start():
    texts = [*_particulars_texts(20000, 14), *(ex.text for ex in generate_particulars_corpus(3000, 6))]
    texts += [v[k] for v, _ in penalty_records(500, 8) for k in ("facts", "content", "remarks") if v[k]]
    labelled = 0
    for text in texts:
        if particulars._LABEL_STARTS.search(text) is None:
            for pattern in (particulars._DOCUMENT, particulars._ACCOUNT, particulars._BIRTH_BEFORE, particulars._PLATE):
                assert pattern.search(text) is None, (pattern.pattern[:20], text)
        else:
            labelled += 1
    assert 0 < labelled < len(texts)


def test_a_birth_date_before_sheng_is_looked_for_only_where_one_may_end():
    texts = [*_particulars_texts(20000, 12), *(ex.text for ex in generate_particulars_corpus(3000, 5))]
    for text in texts:
        if not particulars._date_before_sheng(text):
            assert particulars._BIRTH_AFTER.search(text) is None, text


# --- records -----------------------------------------------------------------------------------
def test_remembered_answers_change_no_record():
    records = penalty_records(300, seed=4)
    memo.clear_all()
    cold = [redact_record_and_check(v, p) for v, p in records]
    warm = [redact_record_and_check(v, p) for v, p in records]
    assert cold == warm


def redact_record_and_check(values, person):
    r = policy.redact_record(values, PENALTY_ROLES, person)
    return r, check_record(r.values, PENALTY_ROLES, r.personal_values, r.secrets, person)


def test_the_roles_are_read_again_when_they_change():
    roles = {"name": "subject_name", "note": "text"}
    values = {"name": "张三", "note": "张三到场"}
    assert policy.redact_record(values, roles, True).values["note"] == "张*到场"
    roles["note"] = "keep"
    assert policy.redact_record(values, roles, True).values["note"] == "张三到场"
    roles["other"] = "keep"
    with pytest.raises(ValueError):
        policy.redact_record({**values, "x": 1}, roles, True)


def test_realistic_rows_pass_the_check_and_are_timed():
    for values, person in penalty_records(200, seed=2):
        r, problems = redact_record_and_check(values, person)
        assert problems == []
        assert values["legal_rep_id"] is None or values["legal_rep_id"] not in str(r.values)
    rates = record_throughput(100)
    assert rates["redact_record"] > rates["redact_and_check"] > 0


# --- the database scan -------------------------------------------------------------------------
def test_a_big_table_read_by_several_processes_gives_the_same_findings(tmp_path, monkeypatch):
    path = tmp_path / "out.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, uscc TEXT, facts TEXT, n, blob BLOB)")
    rng = random.Random(1)
    rows = []
    for i in range(1, 3001):
        facts = rng.choice(
            ("当事人张*到场。", f"电话{random_mobile(rng)}", f"身份证{make_id18()}", f"卡号{make_card()}", "无")
        )
        rows.append((i * 3, random_uscc(rng), facts, rng.choice((None, 13812345678, 1.3812345678e10, 5)),
                     rng.choice((None, b"\xff13812345678", "邮箱a@b.cn".encode()))))
    con.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", rows)
    con.execute("CREATE TABLE pairs (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID")
    con.execute("INSERT INTO pairs VALUES ('a', '13912345678')")
    con.commit()
    con.close()
    one = scan.scan_database(path, workers=1)
    monkeypatch.setattr(scan, "PARALLEL_ROWS", 100)
    many = scan.scan_database(path, workers=3)
    assert many == one
    assert len(one) > 1000 and {f.kind for f in one} == {"phone", "id_number", "bank_card", "email"}


# --- the name finder's pre-checks --------------------------------------------------------------
@SETTINGS
@given(st.text(alphabet="张黄山区市省县村镇乡旗盟家港安徽店公司有限厂，。 a1", max_size=14), st.integers(0, 14))
def test_a_place_or_a_business_name_is_looked_for_only_where_its_last_character_may_stand(text, at):
    from redaction import person_names as pn

    if pn._PLACE_LAST.isdisjoint(text[at + 2 : at + 5]):
        assert pn._PLACE.match(text, at) is None
    if pn._SUFFIX_LAST_CHARS.isdisjoint(text[at : at + 40]):
        phrase = pn._SEGMENT.match(text, at)
        assert phrase is None or pn._SUFFIX_LAST_CHARS.isdisjoint(text[at : phrase.end()])


def test_digests_from_copied_keyed_states_are_the_plain_ones():
    import hashlib
    import hmac
    import json
    import marshal

    from publish import recordkeys

    for secret in (b"k" * 32, b"x" * 80, b"other"):
        for values in (("决字〔2026〕1号", "张三", None, 3, 1.5), (), ("a",)):
            plain = json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            assert recordkeys.canonical(values) == plain
            assert recordkeys.record_key(secret, values) == hmac.new(secret, plain, hashlib.sha256).hexdigest()
            data = marshal.dumps(tuple(values), 2)
            assert recordkeys.raw_digest(secret, values) == hashlib.blake2b(
                data, key=secret[:64], digest_size=16).digest()
