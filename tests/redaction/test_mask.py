"""Operators: spans in, masked text out; nothing outside a span changes."""
import pytest

from redaction.mask import DEFAULT_MASKS, Masks, mask, mask_person_name, mask_phone
from redaction.spans import Span, resolve_overlaps


@pytest.mark.parametrize(
    "name, masked",
    [
        ("张三", "张*"),
        ("张三丰", "张*"),
        ("欧阳修", "欧阳*"),
        ("司马相如", "司马*"),
        ("歐陽修", "歐陽*"),
        ("欧阳", "欧*"),  # only the compound surname: masked as a two-character name
        ("王", "*"),
        ("", ""),
        (" 李四 ", "李*"),
    ],
)
def test_mask_person_name(name, masked):
    assert mask_person_name(name) == masked


@pytest.mark.parametrize(
    "number, masked",
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("0791-8888888", "0791-*******"),
        ("07918888888", "0791*******"),
        ("010-12345678", "010-********"),
        ("（0798）1234567", "（0798）*******"),
        ("(0798) 1234567", "(0798) *******"),
    ],
)
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


def test_mask_replaces_each_kind():
    text = "A张三B360203199001011231C13812345678D配方E珠山区某路1号F"
    spans = [
        Span(1, 3, "person_name"),
        Span(4, 22, "id_number"),
        Span(23, 34, "phone"),
        Span(35, 37, "secret"),
        Span(41, 45, "address"),
    ]
    assert mask(text, spans) == "A张*B［身份证号已隐藏］C138****5678D［商业秘密，不予公开］E珠山区***F"


def test_masks_are_configurable():
    masks = Masks(id_number="[ID]", address="")
    assert mask("x360203199001011231y", [Span(1, 19, "id_number")], masks) == "x[ID]y"
    assert mask("珠山区某路", [Span(3, 5, "address")], masks) == "珠山区"
    assert DEFAULT_MASKS.bank_card == "［银行卡号已隐藏］"


def test_mask_without_spans_returns_the_text():
    assert mask("原文", []) == "原文"


def test_overlaps_resolved_by_precedence():
    spans = [Span(0, 10, "address"), Span(3, 5, "person_name"), Span(4, 8, "secret")]
    assert resolve_overlaps(spans) == [Span(0, 4, "address"), Span(4, 8, "secret"), Span(8, 10, "address")]


@pytest.mark.parametrize(
    "text, masked",
    [
        ("电话+86 138 1234 5678，", "电话+86 138****5678，"),
        ("0086-13812345678", "0086-138****5678"),
        ("8613812345678", "86138****5678"),
        # Kept digits would join the neighbouring 4 digits into a new number: all hidden.
        ("编号1234 13812345678", "编号1234 ***********"),
    ],
)
def test_phone_mask_in_context(text, masked):
    from redaction.detectors import detect

    assert mask(text, detect(text)) == masked
