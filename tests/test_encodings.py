"""Encodings judged soundly (issue 14): the encoding is judged from a window of the file's
first SNIFF_BYTES (1 MiB), and a window that ends inside a character is never a reason to
refuse a file or to misjudge it, whatever the encoding and wherever the cut falls: in
either byte of a two-byte GBK character, in any of the four bytes of a four-byte GB18030
character, in any byte of a three- or four-byte UTF-8 character. Each file below is larger
than the window and is built, so the accounting identity is checked in each; a file that
is neither UTF-8 nor GB18030 is named with the offset of its first bad byte."""
from __future__ import annotations

import csv
import io
import json

import pytest

from publish.build import build
from publish.definitions import load_definitions, recognise
from publish.read import BadRecord, FileError, open_tables
from publish.read.lines import SNIFF_BYTES, sniff
from tests.conftest import AS_OF
from tests.factories import PENALTY_HEADER, penalty

DATASETS = load_definitions()

# The standard's field codes for PENALTY_HEADER, column by column: an all-ASCII header.
FIELD_CODES = ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_FRDB", "CF_FR_ZJLX", "CF_FR_ZJHM", "CF_WSH",
               "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_GSJZQ", "CF_CFJG",
               "CF_SJLY", "BZ"]

# (encoding, character, a subject name beginning with it): 铅 is two bytes in GBK (铅山县 is a
# county of Jiangxi), 𠮷 four in GB18030 and in UTF-8, 景 three in UTF-8.
CHARACTERS = [
    ("gb18030", "铅", "铅山县陶瓷有限公司"),
    ("gb18030", "𠮷", "𠮷野家餐饮有限公司"),
    ("utf-8", "景", "景德镇市昌南陶瓷有限公司"),
    ("utf-8", "𠮷", "𠮷野家餐饮有限公司"),
]
CUTS = [pytest.param(encoding, char, name, k, id=f"{encoding}-{len(char.encode(encoding))}byte-cut-after-{k}")
        for encoding, char, name in CHARACTERS for k in range(1, len(char.encode(encoding)) + 1)]
MARK = "样品编号AB"   # stands just before the character in 违法事实


def is_header(cells):
    return recognise(cells, DATASETS) is not None


def csv_line(cells: list) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def target(name: str, char: str) -> dict:
    return penalty(行政相对人名称=name, 违法事实=f"抽检{MARK}{char}不合格。", 行政处罚决定书文号="景市监罚〔2026〕W1号")


def placed(before: str, line: str, after: str, at: int, encoding: str, k: int, pad) -> bytes:
    """`before` + padding + `line` + `after`, encoded, padded (`pad(n)`: n ASCII characters)
    so that the character at `line[at]` has its k-th byte as the window's last byte."""
    head = before.encode(encoding)
    into_line = len(line[:at].encode(encoding))
    padding = SNIFF_BYTES - k - len(head) - into_line
    assert padding >= 0
    filler = pad(padding)
    assert filler.isascii() and len(filler) == padding
    data = head + filler.encode(encoding) + (line + after).encode(encoding)
    assert data[SNIFF_BYTES - k:SNIFF_BYTES - k + len(line[at].encode(encoding))] == line[at].encode(encoding)
    return data


ASCII_RECORD = penalty(行政相对人名称="ABC Ceramics Co Ltd", 行政相对人类别="", 法定代表人="", 法定代表人证件类型="",
                       法定代表人证件号码="", 违法行为类型="", 违法事实="Quality check failed", 处罚依据="Art. 49",
                       处罚类别="", 处罚内容="5", 处罚机关="JDZ AMR", 数据来源单位="JDZ AMR")


def padding_records(n: int) -> str:
    """n characters of CSV: ASCII records with long 备注 (so that the window is made of a
    few dozen records, not a million lines), the rest blank lines (not records)."""
    out = []
    base = len(csv_line([ASCII_RECORD[h] for h in PENALTY_HEADER]))
    number = 0
    while n >= base + 1:
        spaces = min(30_000, n - base)
        number += 1
        record = dict(ASCII_RECORD, 行政处罚决定书文号=f"JDZ-2026-{number}", 备注="x" * spaces)
        line = csv_line([record[h] for h in PENALTY_HEADER])
        out.append(line)
        n -= len(line)
    return "".join(out) + "\n" * n


def records_in(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("ABC Ceramics"))


def lines_layout(encoding, char, name, k):
    """A Chinese header and records; the window ends in its last line, mid-line."""
    good = [penalty(行政处罚决定书文号=f"景市监罚〔2026〕V{i}号") for i in range(2)]
    before = csv_line(PENALTY_HEADER) + "".join(csv_line([r[h] for h in PENALTY_HEADER]) for r in good)
    line = csv_line([target(name, char)[h] for h in PENALTY_HEADER])
    data = placed(before, line, "", line.index(MARK + char) + len(MARK), encoding, k, padding_records)
    return data, "f.csv", 3 + records_in(data.decode(encoding))


def ascii_head_layout(encoding, char, name, k):
    """Field codes as the header, blank lines: the cut character is the first non-ASCII
    byte of the file, so the window holds nothing else to judge by."""
    line = csv_line([target(name, char)[h] for h in PENALTY_HEADER])
    after = csv_line([penalty(行政处罚决定书文号="景市监罚〔2026〕V9号")[h] for h in PENALTY_HEADER])
    data = placed(csv_line(FIELD_CODES), line, after, 0, encoding, k, padding_records)
    return data, "f.csv", 2 + records_in(data.decode(encoding))


def one_line_layout(encoding, char, name, k):
    """A JSON array on one line (no line break in the window at all)."""
    first = json.dumps(penalty(行政处罚决定书文号="景市监罚〔2026〕V0号"), ensure_ascii=False)
    element = json.dumps(target(name, char), ensure_ascii=False)
    at = element.index(MARK + char) + len(MARK)
    return placed(f"[{first},", element, "]", at, encoding, k, lambda n: " " * n), "f.json", 2


def one_line_ascii_layout(encoding, char, name, k):
    """A JSON array on one line keyed by field codes: the cut character is the first
    non-ASCII byte of the file."""
    record = target(name, char)
    element = json.dumps({code: record[h] for code, h in zip(FIELD_CODES, PENALTY_HEADER, strict=True)},
                         ensure_ascii=False)
    return placed("[", element, "]", element.index(char), encoding, k, lambda n: " " * n), "f.json", 1


LAYOUTS = {"lines": lines_layout, "ascii-head": ascii_head_layout, "one-line": one_line_layout,
           "one-line-ascii": one_line_ascii_layout}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("encoding, char, name, k", CUTS)
def test_a_window_that_ends_inside_a_character_never_refuses_or_misjudges_a_file(tmp_path, layout, encoding,
                                                                                  char, name, k):
    data, file, records = LAYOUTS[layout](encoding, char, name, k)
    assert len(data) > SNIFF_BYTES
    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / file
    path.write_bytes(data)
    with open(path, "rb") as fh:
        assert sniff(fh) == encoding

    [table] = open_tables(path, file, is_header)
    got = list(table.rows)
    assert not [c for _, c in got if isinstance(c, BadRecord)]
    assert name in [c[0] for _, c in got]

    report = build(raw, tmp_path / "out", AS_OF, progress=False)
    assert report["balanced"] and report["files_failed"]["count"] == 0
    assert report["files"][file]["read"] == records


# --- files that are neither ---------------------------------------------------------------------

def test_a_file_in_neither_encoding_is_named_with_the_offset_of_its_first_bad_byte(tmp_path):
    head = csv_line(FIELD_CODES).encode()
    # Latin-1 bytes that neither UTF-8 nor GB18030 can read: 0xFF never starts a character.
    path = tmp_path / "latin.csv"
    path.write_bytes(head + b"abc\xff\xfe\xfd,caf\xe9\n" * 3)
    with pytest.raises(FileError) as exc:
        list(open_tables(path, path.name, is_header))
    at = len(head) + 3
    assert exc.value.code == "unknown_encoding"
    assert f"偏移 {at}（第 {at + 1} 个字节，0xFF）" in exc.value.message
    assert "UTF-8" in exc.value.message and "GB18030" in exc.value.message


def test_the_offset_counts_from_the_start_of_the_file_past_an_ascii_head(tmp_path):
    head = csv_line(FIELD_CODES).encode() + b"\n" * (3 * SNIFF_BYTES // 2)
    path = tmp_path / "late.csv"
    path.write_bytes(head + b"xy\x80\xff\n")
    with pytest.raises(FileError) as exc:
        list(open_tables(path, path.name, is_header))
    at = len(head) + 2
    assert f"偏移 {at:,}（第 {at + 1:,} 个字节，0x80）" in exc.value.message


def test_a_refused_file_is_a_failed_file_named_with_its_offset_and_the_build_goes_on(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.csv").write_text(csv_line(PENALTY_HEADER) + csv_line([penalty()[h] for h in PENALTY_HEADER]),
                                  encoding="utf-8")
    (raw / "binary.csv").write_bytes(bytes(range(128, 256)) * 10)
    report = build(raw, tmp_path / "out", AS_OF, progress=False)
    assert report["balanced"] and report["files"]["good.csv"]["published"]["public"] == 1
    [failed] = report["files_failed"]["items"]
    assert failed["file"] == "binary.csv" and failed["code"] == "unknown_encoding"
    assert "偏移 0（第 1 个字节，0x80）" in failed["message"]


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16_is_named_as_such(tmp_path, bom):
    path = tmp_path / "unicode.txt"
    codec = "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"
    path.write_bytes(bom + "\t".join(PENALTY_HEADER).encode(codec))
    with pytest.raises(FileError) as exc:
        list(open_tables(path, path.name, is_header))
    assert exc.value.code == "unknown_encoding" and "UTF-16" in exc.value.message


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_an_ascii_head_longer_than_the_window_says_nothing_the_first_non_ascii_window_decides(tmp_path, encoding):
    """Over 1 MiB of ASCII (field codes, numbers) before the first Chinese character."""
    ascii_line = csv_line([dict(ASCII_RECORD, 行政处罚决定书文号="JDZ-2026-1")[h] for h in PENALTY_HEADER])
    assert ascii_line.isascii()
    count = SNIFF_BYTES // len(ascii_line) + 10
    text = csv_line(FIELD_CODES) + ascii_line * count + csv_line([penalty()[h] for h in PENALTY_HEADER]) * 3
    path = tmp_path / "late.csv"
    path.write_bytes(text.encode(encoding))
    with open(path, "rb") as fh:
        assert sniff(fh) == encoding
    [table] = open_tables(path, path.name, is_header)
    got = list(table.rows)
    assert len(got) == count + 3 and not [c for _, c in got if isinstance(c, BadRecord)]
    assert got[-1][1][0] == "景德镇市昌南陶瓷有限公司"


def test_a_cut_lead_byte_alone_is_no_evidence(tmp_path):
    """C7 begins a character in UTF-8 and in GBK alike: a window whose only non-ASCII byte
    is the lead byte of 铅 (C7 A6 in GBK) must read on before judging."""
    data, _, _ = ascii_head_layout("gb18030", "铅", "铅山县陶瓷有限公司", 1)
    assert data[SNIFF_BYTES - 1] == 0xC7 and data[:SNIFF_BYTES - 1].isascii()
    fh = io.BytesIO(data)
    assert sniff(fh) == "gb18030" and fh.tell() == 0
