"""Personal particulars beside names and numbers (DOMAIN.md "What counts as personal").

- `document_number`: a passport, a 港澳 / 台湾 permit, a 居住证 or another identity document's
  number after its label (护照号码：E12345678, 通行证（号码12345678）, 证件号码：H12345678);
- `account`: WeChat, QQ and other account names after their label (微信号：wxid_…, QQ：12345);
- `bank_account`: a personal account or passbook number after its label (账号、存折…), unless
  the words before it say whose it is not: the treasury a fine is paid into (户名：…财政局…,
  缴款账号, 代收机构) or a business (对公账户, 基本账户);
- `birth_date`: a full birth date (1985年3月12日出生, 1985.03.12生, 出生日期：1985-03-12): the
  year stays, month and day are hidden;
- `plate`: a vehicle's plate (赣H·A1234, 粤B12345, 粤BD12345): the province and the issuing
  letter stay. A company's vehicles are not personal, but which vehicle is whose the text does
  not say: in doubt, hidden (the safer reading);
- `address` without a label: an address standing alone as a clause of a person's particulars
  (当事人张三，男，…出生，江西省…12号，…; 租户李四（江西省…3室）), reduced to the district as a
  labelled one is; with `person_subject`, also where a natural person's own premises are said
  to be (位于…的门店: a shop registered under its operator's name is a natural person).

Every pattern starts at its label or at a character class, and most families are looked for
only in a text that holds their label's characters: most texts hold none. Every branch of a
label starts with a plain character (no look-behind, no group with flags of its own first):
then the regex engine skips to the characters that can start one instead of trying each
position (tests/redaction/test_fast_paths.py holds each to its first writing).
"""
from __future__ import annotations

import re

from .names import ORG_SUFFIXES

__all__ = ["find_particulars", "find_person_premises", "mask_birth_date", "mask_plate"]

_GAP = r"[：:\s\u3000]*(?:为|是|為)?[：:\s\u3000]*"

# --- Identity documents ------------------------------------------------------------------------
# The document's word, then what may stand between it and its number (号码, 号, a bracket and
# 号码 inside it: 通行证（号码12345678）, 证件号码：…). 许可证件 is a licence, never a person's.
# (Each branch starts with a character, not a look-behind: then the engine skips to the
# characters that can start one. 证件(?<!许可证件) is (?<!许可)证件.)
_DOCUMENT_WORDS = (
    "护照", "護照", "通行证", "通行證", "台胞证", "台胞證", "回乡证", "回鄉證", "居住证", "居住證",
    "证件(?<!许可证件)(?<!許可证件)", "證件(?<!许可證件)(?<!許可證件)", "军官证", "軍官證", "士兵证", "社会保障卡",
    "社保卡", "医保卡",
)
_DOCUMENT = re.compile(
    "(?:" + "|".join(_DOCUMENT_WORDS) + ")"
    r"(?:[（(]\s*)?(?:号码|號碼|编号|編號|号|號)?" + _GAP +
    # the number: letters and digits (a hyphen inside), at least one digit, 6 to 24 characters
    r"((?=[A-Za-z0-9\-]{0,23}[0-9])[A-Za-z][A-Za-z0-9\-]{5,23}|[0-9][A-Za-z0-9\-]{5,23})(?![A-Za-z0-9])"
)

# --- Accounts --------------------------------------------------------------------------------
# WeChat, QQ and other accounts: a name of Latin letters, digits, _ - . (wxid_…, zhangsan_88),
# or Chinese characters with digits in them (张伟1234) after an explicit 号 or mark.
# The labels: an app's name (then, maybe, 号, 账号, ID…) or a word for an account's name. Each
# branch starts with a character of its own (Q(?i:q) and q(?i:q) are (?i:qq)), so the engine
# skips to the characters that can start a label; (A|B)S written AS|BS matches the same.
_APP_NAMES = ("微信", "微信號", "抖音", "快手", "支付宝", "支付寶", "淘宝", "淘寶", "旺旺",
              "Q(?i:q)", "q(?i:q)", "W(?i:echat)", "w(?i:echat)")
_APP_SUFFIX = "(?:号码|號碼|账号|賬號|帐号|账户|帳戶|号|號|id|ID)?"
_NAME_WORDS = ("网名", "網名", "昵称", "暱稱", "用户名", "用戶名")
_ACCOUNT_LABEL = "|".join([*(app + _APP_SUFFIX for app in _APP_NAMES), *_NAME_WORDS])
_ACCOUNT = re.compile(
    "(?:" + _ACCOUNT_LABEL + ")"
    r"(?:[：:\s\u3000]*(?:为|是|為)?[：:\s\u3000]*)"
    r"([A-Za-z0-9_][A-Za-z0-9_\-.]{3,39}(?<![.\-])"
    r"|(?<=[号號：:\s为是])[\u4e00-\u9fff]{1,6}[0-9][0-9A-Za-z_]{1,20})(?![A-Za-z0-9_])"
)
# A number written after 微信 and the like that is a quantity or a day, not an account.
_NOT_ACCOUNT = re.compile(r"[0-9]{1,4}(?:年|月|日|元|个|條|条|次|人|万)")

# --- Bank accounts ---------------------------------------------------------------------------
_BANK_ACCOUNT = re.compile(
    r"(?:银行账号|银行帐号|銀行賬號|账号|帐号|賬號|帳號|账户|帐户|賬戶|帳戶|存折|存摺|卡号|卡號)"
    r"(?:号码|號碼|号|號)?(?:[（(]\s*)?" + _GAP +
    r"([0-9](?:[ \-]?[0-9]){7,29})(?![0-9])"
)
# Whose account it is not: the treasury's or an agent's a fine is paid into, a business's.
_NOT_PERSONAL_ACCOUNT = re.compile(
    r"财政|財政|国库|國庫|金库|金庫|非税|非稅|代收|汇缴|匯繳|缴款|繳款|缴至|繳至|缴入|繳入|收款|罚没|罰沒|指定银行|指定銀行"
    r"|对公|對公|基本户|基本戶|基本账户|基本帳戶|一般户|一般戶|公司账户|公司帳戶|单位账户|單位帳戶|企业账户|企業帳戶"
)
_ACCOUNT_LOOK_BACK = 40

# --- Birth dates -----------------------------------------------------------------------------
_NUM = "0-9\uff10-\uff19"
_CN = "〇○零一二三四五六七八九十"
# year, separator, month, separator, day; the month and day are what is hidden (group 1)
_DATE = (
    rf"(?:[{_NUM}]{{4}}(?:年|[.\-/．])([{_NUM}]{{1,2}}(?:月|[.\-/．])[{_NUM}]{{1,2}})日?"
    rf"|[{_CN}]{{4}}年([{_CN}]{{1,2}}月[{_CN}]{{1,3}})日)"
)
_BIRTH_AFTER = re.compile(
    _DATE + r"[）)]?\s*(?:出生|生(?![产產效活成意鮮鲜病长長存命态態物理源日]))"
)
_BIRTH_LABELS = ("出生日期", "出生年月日", "出生年月", "出生时间", "出生時間", "生日", "出生于", "出生於", "生于",
                 "生於")
_BIRTH_BEFORE = re.compile("(?:" + "|".join(_BIRTH_LABELS) + ")" + _GAP + _DATE)

# --- Plates ----------------------------------------------------------------------------------
_PROVINCES = "京津沪滬渝冀豫云雲辽遼黑湘皖鲁魯新苏蘇浙赣贛鄂桂甘晋晉蒙陕陝吉闽閩贵貴粤粵青藏川宁寧琼瓊"
_PLATE_LETTER = "A-HJ-NP-Z"
_PLATE = re.compile(
    rf"[{_PROVINCES}][{_PLATE_LETTER}]([·•・.\-\s]?)"
    rf"([{_PLATE_LETTER}0-9]{{5}}(?:(?<=[DF][0-9]{{4}})[0-9]|(?<=[0-9]{{5}})[DF])?)"
    r"[挂學学警]?(?![A-Za-z0-9号號])"
)

# Where a document's, an account's or a birth date's label or a plate may begin, in one scan:
# every match of _DOCUMENT, _ACCOUNT, _BIRTH_BEFORE and _PLATE starts with one of these (each
# branch starts with a character: the engine skips to them). Most texts hold none: then the four
# are not looked for.
_LABEL_STARTS = re.compile(
    "|".join(
        [*_DOCUMENT_WORDS, *_APP_NAMES, *_NAME_WORDS, *_BIRTH_LABELS, *(f"{p}[{_PLATE_LETTER}]" for p in _PROVINCES)]
    )
)

# --- Addresses without a label ---------------------------------------------------------------
# Where a bare address may begin: right after a clause's mark (not after ： — a labelled address
# is detectors._addresses' to find, and 住所地：… of a business stays), before a place name.
_CLAUSE_START = re.compile(r"[，,、（(；;\n](?=[\u4e00-\u9fff]{1,5}(?:省|自治区|市|县|縣))")
_CLAUSE_END = "，,。；;）)、\n"
# A place name first (a province, a city or a county: 江西省…, 景德镇市…, 浮梁县…), then what
# an address is written with, holding a number and the unit it numbers, up to a clause's end.
_ADDRESS_SHAPE = re.compile(
    r"(?:[\u4e00-\u9fff]{2,3}(?:省|自治区)|[\u4e00-\u9fff]{2,4}市|[\u4e00-\u9fff]{2,4}[县縣])"
    r"[\u3007\u4e00-\u9fff0-9\uff10-\uff19A-Za-z#\-]{0,70}?[0-9\uff10-\uff19]+(?:号|號|组|組|室|栋|棟|幢|楼|樓|单元|單元|户|戶)"
    r"[\u3007\u4e00-\u9fff0-9\uff10-\uff19A-Za-z#\-]{0,30}?(?=[" + re.escape(_CLAUSE_END) + r"的]|$)"
)
# Street-level words: the district is looked for before the first of them. 镇 and 乡 are not
# among them since city names contain them (景德镇市, 萍乡市). detectors.py's labelled addresses
# use the same rule.
_STREET_LEVEL = re.compile(r"[路街道巷弄号號栋棟楼樓室村组組]|小区|社区|大道|花园|广场|大厦|公寓|园区")
_DISTRICT = re.compile(r"[区县旗區縣]")
# A business named earlier in the sentence, with no person's particulars after it: the bare
# address is the business's (当事人某某有限公司（…），江西省…号，: public).
_BUSINESS = re.compile("(?:" + "|".join(sorted(set(ORG_SUFFIXES), key=len, reverse=True)) + ")")
_PERSON_CUE = re.compile(r"[，,（(][男女][，,）)]|出生|[0-9]岁|族[，,]|身份证|身份證|公民身份")
# Where a natural person's own premises or address are said to be (with person_subject only).
_SITE_WORDS = ("位于", "位於", "地址为", "地址為", "地址：", "地址:", "地点为", "地點為", "地点：", "经营场所：",
               "经营场所为", "經營場所：", "经营地址：", "经营地址为", "經營地址：", "送达地址：", "送達地址：")


def _district_end(head: str) -> int:
    """Where the district part of an address ends (after 区/县/旗, else 市, else 省, else 0)."""
    m = _DISTRICT.search(head, 1)
    if m:
        return m.end()
    for mark in "市省":
        at = head.find(mark, 1)
        if at != -1:
            return at + 1
    return 0


def _address_span(text: str, start: int, end: int) -> tuple | None:
    """The part of the address at [start, end) beyond its district, as a span."""
    address = text[start:end]
    street = _STREET_LEVEL.search(address)
    head = address[: street.start()] if street else address
    cut = start + _district_end(head)
    return (cut, end, "address", 0.8) if cut < end else None


def _a_business_s(text: str, start: int) -> bool:
    """True when the sentence before `start` names a business after the last person's particulars."""
    sentence = max(text.rfind("。", 0, start), text.rfind("；", 0, start)) + 1
    last_business = -1
    for m in _BUSINESS.finditer(text, sentence, start):
        last_business = m.end()
    if last_business == -1:
        return False
    return _PERSON_CUE.search(text, last_business, start) is None


def _bare_addresses(text: str, person_subject: bool, spans: list) -> None:
    for m in _CLAUSE_START.finditer(text):
        start = m.end()
        address = _ADDRESS_SHAPE.match(text, start)
        if address is None:
            continue
        end = address.end()
        if not person_subject and (text[end : end + 1] == "的" or _a_business_s(text, start)):
            continue  # (…，景德镇市…12号的门店; 当事人某某公司，江西省…号: the business's)
        if span := _address_span(text, start, end):
            spans.append(span)
    if person_subject:
        for word in _SITE_WORDS:
            at = text.find(word)
            while at != -1:
                address = _ADDRESS_SHAPE.match(text, at + len(word))
                if address and (span := _address_span(text, address.start(), address.end())):
                    spans.append(span)
                at = text.find(word, at + len(word))


_DATE_LAST = frozenset("0123456789\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19日")  # (_NUM and 日)


def _date_before_sheng(text: str) -> bool:
    """True when a 生 stands where _BIRTH_AFTER's match would end: after a digit or 日, then
    maybe a closing bracket, white space and 出 (a date's last character, then
    [）)]?\\s*出?生). Digits and Chinese numerals are everywhere in decisions, 生 after one
    rarely: the regex, which tries every digit, runs only then."""
    at = text.find("生")
    while at != -1:
        before = at
        if before and text[before - 1] == "出":
            before -= 1
        while before and text[before - 1].isspace():  # (what \\s matches in a str pattern)
            before -= 1
        if before and text[before - 1] in "）)":
            before -= 1
        if before and text[before - 1] in _DATE_LAST:
            return True
        at = text.find("生", at + 1)
    return False


def find_particulars(text: str) -> list[tuple]:
    """(start, end, kind, confidence) of every particular above in `text` (for a natural
    person's record, find_person_premises adds the addresses of its premises)."""
    spans: list[tuple] = []
    labelled = _LABEL_STARTS.search(text) is not None
    if labelled:
        for m in _DOCUMENT.finditer(text):
            spans.append((m.start(1), m.end(1), "document_number", 0.9))
        for m in _ACCOUNT.finditer(text):
            value = m.group(1)
            if not (value.isdigit() and len(value) < 5) and not _NOT_ACCOUNT.fullmatch(value):
                spans.append((m.start(1), m.end(1), "account", 0.9))
    if "账" in text or "帐" in text or "賬" in text or "帳" in text or "折" in text or "摺" in text or "卡" in text:
        for m in _BANK_ACCOUNT.finditer(text):
            # (the words before it in its own sentence)
            since = max(m.start() - _ACCOUNT_LOOK_BACK, text.rfind("。", 0, m.start()) + 1, 0)
            if not _NOT_PERSONAL_ACCOUNT.search(text, since, m.start(1)):
                spans.append((m.start(1), m.end(1), "bank_account", 0.9))
    if "生" in text:
        patterns = ((_BIRTH_AFTER,) if _date_before_sheng(text) else ()) + ((_BIRTH_BEFORE,) if labelled else ())
        for pattern in patterns:
            for m in pattern.finditer(text):
                group = 1 if m.group(1) is not None else 2
                spans.append((m.start(group), m.end(group), "birth_date", 0.9))
    if labelled:
        for m in _PLATE.finditer(text):
            spans.append((m.start(2), m.end(2), "plate", 0.9))
    if "号" in text or "號" in text or "组" in text or "室" in text or "户" in text or "楼" in text:
        _bare_addresses(text, False, spans)
    return spans


def find_person_premises(text: str) -> list[tuple]:
    """The addresses a natural person's record gives without a label, the business words beside
    them notwithstanding (位于…的门店 of a shop registered under its operator's name), as spans."""
    spans: list[tuple] = []
    if "号" in text or "號" in text or "组" in text or "室" in text or "户" in text or "楼" in text:
        _bare_addresses(text, True, spans)
    return spans


def mask_birth_date(written: str) -> str:
    """The month and day of a birth date hidden, its separators kept (3月12 → **月**)."""
    return re.sub(rf"[{_NUM}{_CN}]+", "**", written)


def mask_plate(written: str) -> str:
    """A plate's serial hidden, one mark per character (A1234 → *****)."""
    return "*" * len(written)
