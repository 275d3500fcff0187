"""Properties that must hold for any text: hypothesis looks for a counter-example."""
import os
import re
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redaction.check import check_record
from redaction.detectors import detect, to_ascii
from redaction.mask import mask, mask_phone
from redaction.policy import redact_record
from redaction.scan import find_in_text
from redaction.spans import KINDS, Span
from redaction.synth import make_card, make_id15, make_id18

# The suite runs a fixed set of 300 examples (no flaky CI); HYPOTHESIS_EXAMPLES=5000 explores
# at random for longer.
_EXAMPLES = os.environ.get("HYPOTHESIS_EXAMPLES")
SETTINGS = settings(
    max_examples=int(_EXAMPLES or 300),
    derandomize=not _EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def id_numbers(draw):
    birth = f"{draw(st.integers(1920, 2020))}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"
    division = f"{draw(st.integers(110000, 659999))}"
    number = make_id18(division, birth, f"{draw(st.integers(0, 999)):03d}")
    if draw(st.booleans()):
        number = make_id15(division, birth[2:], f"{draw(st.integers(0, 999)):03d}")
    return draw(_writings(number))


@st.composite
def mobiles(draw):
    second = draw(st.sampled_from("3456789"))
    rest = draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9))
    number = "1" + second + "".join(rest)
    prefix = draw(st.sampled_from(["", "", "+86", "+86 ", "0086-", "86"]))
    return prefix + draw(_writings(number))


@st.composite
def cards(draw):
    """Card numbers as they are written: one block, groups of four, or six and the rest."""
    digits = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=18, max_size=18)))
    prefix = draw(st.sampled_from(["62", "4", "9", "35", "51", "55", "60", "65"]))
    number = make_card(prefix + digits[:4], draw(st.sampled_from([16, 17, 19])), digits[4:])  # 18: see _card_like
    style = draw(st.sampled_from(["plain", "fours", "six", "fullwidth"]))
    sep = draw(st.sampled_from([" ", "-", "－", "\u3000"]))
    if style == "fours":
        return sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    if style == "six":
        return number[:6] + sep + number[6:]
    if style == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in number)
    return number


_CN = str.maketrans("0123456789", "〇一二三四五六七八九")
_SPOKEN = str.maketrans("0123456789", "零幺二三四五六七八九")
_AS_DIGITS = str.maketrans("〇○零一幺二三四五六七八九", "0001123456789")


@st.composite
def _writings(draw, number):
    """The number as people type it: grouped by spaces, hyphens, dots (groups of three digits
    or more) or line breaks, full-width, lower-case x, in Chinese numerals."""
    style = draw(st.sampled_from(["plain", "groups", "fullwidth", "lower", "dots", "lines", "chinese"]))
    if style in ("groups", "lines"):
        sep = draw(st.sampled_from([" ", "-", "－", "\u3000"] if style == "groups" else ["\n", "\r\n", "\r"]))
        cuts = sorted(set(draw(st.lists(st.integers(1, len(number) - 1), max_size=4 if style == "groups" else 2))))
        pieces = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)], strict=True)]
        return sep.join(pieces)
    if style == "dots":
        sep = draw(st.sampled_from([".", "．", "·"]))
        cut = draw(st.integers(3, len(number) - 3 - (not number[-1].isdigit())))  # three digits each side
        return number[:cut] + sep + number[cut:]
    if style == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c == "X" else c for c in number)
    if style == "lower":
        return number.lower()
    if style == "chinese":
        return number.translate(draw(st.sampled_from([_CN, _SPOKEN])))
    return number


fillers = st.sampled_from(
    ["当事人", "，", "。", "电话", "身份证号", "（", "）", "(", ")", " ", "-", "Tel", "JY", "2024-03-05", "12345.67",
     "第3条", "罚款5000元", "某某有限公司", "于", "统一社会信用代码：", "a@b.cn", "号", "x",
     "〔2024〕12号", "0791", "86", "2026.03.12", "12.5万元", "1,234.56元", "第1.2.3条", "二〇二六年", "一百二十", "\n",
     "决定书编号：", "批号", "万"]
)
pieces = st.one_of(fillers, id_numbers(), mobiles(), cards(), st.text(alphabet="0123456789 -xX", max_size=6))
texts = st.lists(pieces, max_size=12).map("".join)


@SETTINGS
@given(texts)
def test_masked_text_holds_no_complete_id_phone_or_card(text):
    masked = mask(text, detect(text))
    assert find_in_text(masked) == []


# What may stand between two numbers: not a digit (a number glued to other digits is a
# longer number, which by design is not taken apart).
joiners = st.sampled_from(["，", "。", " 电话", "（", "）", "当事人", "身份证号", " ", "-", "Tel:", "a@b.cn "])


@SETTINGS
@given(
    st.lists(st.one_of(id_numbers(), mobiles(), cards()), min_size=1, max_size=3),
    st.lists(joiners, min_size=3, max_size=3),
)
def test_no_inserted_number_survives_even_partly_regrouped(numbers, glue):
    text = glue[0] + glue[1].join(numbers) + glue[2]
    masked = to_ascii(mask(text, detect(text))).translate(_AS_DIGITS)
    runs = ["".join(c for c in run if c.isdigit()) for run in re.findall(r"[0-9][0-9 \-\r\n.．·]*", masked)]
    for number in numbers:
        # the number without a country code
        digits = "".join(c for c in to_ascii(number).translate(_AS_DIGITS) if c.isdigit())[-11:]
        assert not any(digits in run for run in runs)


@st.composite
def text_and_spans(draw):
    text = draw(st.text(min_size=0, max_size=40))
    points = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=8))))
    spans = []
    for a, b in zip(points[::2], points[1::2], strict=False):  # an odd last point starts no span
        if a < b:
            spans.append(Span(a, b, draw(st.sampled_from(KINDS))))
    return text, spans


def _replacements(text: str, spans: list[Span], masked: str) -> list[str]:
    """Each span's mask as `masked` holds it, asserting that `masked` is: the text before the
    first span, its mask, the text up to the next span…

    Each span's mask depends on the span alone (a phone next to other digits is hidden whole).
    """
    out, pos, found = 0, 0, []
    for span in spans:
        gap = text[pos : span.start]
        assert masked.startswith(gap, out)
        out += len(gap)
        piece = text[span.start : span.end]
        options = {mask(piece, [Span(0, len(piece), span.kind)])}
        if span.kind == "phone":
            options.add(mask_phone(piece, keep_digits=False))
        replacement = next((r for r in options if masked.startswith(r, out)), None)
        assert replacement is not None
        found.append(replacement)
        out += len(replacement)
        pos = span.end
    assert masked[out:] == text[pos:]
    return found


@SETTINGS
@given(text_and_spans())
def test_mask_never_alters_text_outside_a_span(case):
    text, spans = case
    _replacements(text, spans, mask(text, spans))


@SETTINGS
@given(texts)
def test_detected_spans_are_ordered_and_disjoint(text):
    spans = detect(text)
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(a.end <= b.start for a, b in pairwise(spans))


@SETTINGS
@given(texts, texts, st.sampled_from(["张三", "欧阳修", "李四"]))
def test_redacted_text_always_passes_the_check(facts, remarks, name):
    values = {
        "subject_name": "某某有限公司", "legal_rep": name, "facts": f"法定代表人{name}{facts}", "remarks": remarks
    }
    roles = {"subject_name": "subject_name", "legal_rep": "person_name", "facts": "free_text", "remarks": "text"}
    r = redact_record(values, roles, False)
    assert check_record(r.values, roles, r.personal_values, r.secrets, False) == []


# --------------------------------------------------------------------------------------------
# Masking keeps the text around a personal value: nothing outside the detected spans changes,
# and no span takes a bracket or punctuation mark of the text around it.

BRACKETS = "()（）【】〔〕[]"
_OPENING = {")": "(", "）": "（", "】": "【", "〕": "〔", "]": "["}
# The text's own marks: brackets, quotation marks, punctuation (a mask's ［…］ are none of them).
MARKS = frozenset(BRACKETS + "，。；：、！？“”‘’《》,;:!?\"'")


def balanced(text: str) -> bool:
    """Each bracket of BRACKETS closed by its own kind, in order (（…) is not balanced)."""
    stack = []
    for c in text:
        if c in "(（【〔[":
            stack.append(c)
        elif c in _OPENING and (not stack or stack.pop() != _OPENING[c]):
            return False
    return not stack


@st.composite
def addresses(draw):
    label = draw(
        st.sampled_from(["住址：", "住址:", "家住", "户籍地", "现住", "居住地：", "住", "住所：", "租住于", "现住址为"])
    )
    place = draw(st.sampled_from(
        ["江西省景德镇市珠山区", "景德镇市昌江区", "江西省乐平市", "上海市浦东新区", "浮梁县", "江西省"]
    ))
    street = draw(st.sampled_from(["新厂路", "某某村", "瓷都大道", "塔山街道某路", "某某小区", "人民街"]))
    number = draw(st.sampled_from(["12号", "12-3号", "3组", "5#楼", "１２号", "3栋201室", "A座"]))
    return label + place + draw(st.sampled_from(["", "\u3000"])) + street + number


names = st.sampled_from(["张三", "欧阳修", "李四", "王小明", "張三"])
roles = st.sampled_from(["当事人", "联系人：", "经营者", "现场负责人：", "股东", "法定代表人"])
surroundings = st.sampled_from(
    [*BRACKETS, "，", "。", "；", "：", ":", "、", "“", "”", "《", "》", ".", "-", "—", " ", "\u3000", "于", "在场",
     "经查", "当事人", "电话", "邮箱", "某某有限公司", "罚款5000元", "〔2024〕12号", "abc@example.com", "...", "号"]
)
bracket_pieces = st.one_of(
    surroundings, surroundings, addresses(), st.tuples(roles, names).map("".join), id_numbers(), mobiles(),
    st.text(alphabet=BRACKETS + "，。：:住址家号路区市", max_size=4),
)
bracketed_texts = st.lists(bracket_pieces, max_size=14).map("".join)


@SETTINGS
@given(bracketed_texts)
def test_masking_changes_nothing_outside_the_detected_spans(text):
    spans = detect(text)
    masked = mask(text, spans)
    replacements = _replacements(text, spans, masked)
    for span, replacement in zip(spans, replacements, strict=True):
        marks = [c for c in text[span.start : span.end] if c in MARKS]
        if span.kind == "phone":  # a landline's bracketed area code: its mask keeps the brackets
            # (a dot between a phone's digits is its separator: 138.0013.8000 → 138****8000)
            assert [c for c in marks if c != "."] == [c for c in replacement if c in MARKS and c != "."]
        else:
            assert marks == [], (span, text)


@SETTINGS
@given(bracketed_texts)
def test_brackets_that_balance_before_masking_balance_after(text):
    masked = mask(text, detect(text))
    assert [c for c in masked if c in BRACKETS] == [c for c in text if c in BRACKETS]
    if balanced(text):
        assert balanced(masked)


beside_a_name = st.sampled_from(["", "（经营者）", "(股东)", "、李四", "【负责人】", "：", "（曾用名：王五）"])


@SETTINGS
@given(names, beside_a_name, bracketed_texts, bracketed_texts)
def test_redact_record_keeps_every_bracket_of_its_texts(name, beside, facts, remarks):
    cell = name + beside  # a legal representative's cell: 张三（经营者）
    values = {
        "subject_name": "某某有限公司", "legal_rep": cell,
        "facts": f"法定代表人{cell}{facts}", "remarks": remarks + name,
    }
    roles = {"subject_name": "subject_name", "legal_rep": "person_name", "facts": "free_text", "remarks": "text"}
    r = redact_record(values, roles, False)
    for field in ("legal_rep", "facts", "remarks"):
        assert [c for c in r.values[field] if c in BRACKETS] == [c for c in values[field] if c in BRACKETS]
        assert name not in r.values[field]  # the person is still masked
    assert check_record(r.values, roles, r.personal_values, r.secrets, False) == []
