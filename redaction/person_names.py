"""Names of natural persons, wherever decisions write them.

DOMAIN.md "What counts as personal": the name of every natural person a record mentions.
A name is found where the text says a person is named:

- after a role word (当事人张三, 经办人：李四, 联系人“王五”, 法定代表人（负责人）：赵六), and every
  further name of a list after it (驾驶员钱某和欧阳娜娜, 执法人员张三（执法证号：…）、李四);
- in a verb frame (由张三驾驶, 雇佣李四, 拖欠张三、李四等23名劳动者, 从王五处购进,
  由张三变更为李四);
- before a person's particulars (张三（身份证号码：…）, 李四（男，1985年…）, 王五，电话…) and
  before a title (张三先生, 李四女士).

Role words and frames are data (lexicon.py). What stands there is no name when it is a
pseudonym (张某, 李某某: already safe, kept whole), a masked name (钱*), a surname with a title
(张先生), a business name (当事人李宁体育用品专卖店), a place (当事人张家港市…, 经营者系安徽省
宿松县人), a number or a time (负责人于十月中旬) or a word of not_names.yml (当事人余下的货物).
Nothing inside a statute title (《…》) or a registered business name kept whole is a name.

Spans are plain (start, end, "person_name", confidence) tuples (detectors.py's convention).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .lexicon import Frame, Lexicon, lexicon
from .memo import Memo, memoized
from .names import COMPOUND_SURNAMES, ORG_KEYWORDS, ORG_SINGLE_SUFFIXES, ORG_SUFFIXES, SINGLE_SURNAMES

__all__ = ["find_person_names", "is_pseudonym", "names_finder"]

_CJK = "\u4e00-\u9fff"
# What departments write for a masked or unknown character: 钱*, 张××.
_MASK_CHARS = frozenset("*＊×✕")
# A given name's first character is never one of these (they start the next clause).
_GIVEN_FIRST_STOP = frozenset(
    "本该此这那们当今次年月日的了在于与及或并而但因被将把对从到等所以也都就还又再已未不没无些每各消顾购执"
    "該這們當於與並從對將無購執"
)
# A given name's second character is rarely one of these, which often follow a name.
_GIVEN_SECOND_STOP = frozenset(
    "于在因未的等系是与及称说驾擅将对向从到被已所涉违拒不并携以把让由自现男女无持销购使经曾也都就还又再其该此这那"
    "均处名下手"
    "於為與從對將說稱駕無銷購經係違現曾這"
)
# Characters no given name holds: a word ending in one is a role, a place or a business.
_NEVER_GIVEN = frozenset("人者员县市区省镇乡村局所司店厂场部站队号的了在于与及等为是系该本此这那们个位某")
# Words that start right after a two-character name (李四明知 is 李四 + 明知).
_AFTER_NAME_WORDS = frozenset(
    "明知 明显 知道 承认 同意 表示 认为 供述 陈述 交代 签字 签名 确认 负责 经营 驾驶 销售 购买 "  # noqa: SIM905
    "使用 未经 擅自 拒绝 自行 作为 担任 先生 女士 同志 小姐 老师 师傅 本人 一人 二人 夫妇 夫妻 父子 "
    "母子 辩称 声称 主动 如实 现年 出生 居住 户籍 身份 名下 个人 处购 处进 处收 手中 变更 实际 代为 "
    "工资 劳动 购进 出售 介绍 签订 合伙 共同 签收 反映 出示 证实 证明 提供 提出 提交 报告 到达 前往 "
    "进入 离开 逃离 接受 接收 收取 支付 领取 进货 发现 看到 告知 要求 申请 办理 管理 经手 操作 上班 "
    "值班 在岗 多次 长期 一直 同时 分别 电话 手机 联系 住址 家住 年龄 性别 籍贯 证件 拥有 所有 私自 "
    "私下 故意 伙同 雇佣 授意 委托 代理 代表 出资 投资 控制 收货 送货 发货 就诊 乘坐 租赁 租用 承租 "
    "出租 借款 汇款 转账 收款 付款 办案 检查 询问 调查 记录 核实 送达 陈述 申辩 听证 复议 诉讼 进行 "
    "从事 通过 经过 位于 位於 属于 屬於 对于 對於 由于 由於 处于 處於".split()
)
# Between the parts of a name written in the Uyghur or another non-Han way (艾力·买买提); what
# may stand between a role word and such a name.
_NAME_DOTS = frozenset("·•・‧")
_DOTS = re.compile("[·•・‧]")
_TAIL_CHARS = frozenset("：: “\"「『（(【为是系")
_NUMERALS = frozenset("一二三四五六七八九十两零〇百千")
_UNITS = frozenset("年月日天个名次号时点分秒岁元角件台辆间家条项处周期批箱瓶")
# A surname character followed within a few characters by one of these is a place
# (张家港市, 马鞍山市, 黄山区, 何家村, 安徽省), unless the character starts one of _NOT_PLACE.
_PLACE = re.compile("[\u4e00-\u9fff]{2,4}?(?:省|市(?![场民])|区(?!域)|县(?!城)|镇(?!上)|乡(?!下)|村(?!民)|旗|盟)")
# A match of _PLACE at `at` ends in one of these at at+2, at+3 or at+4: where none stands
# there, the regex is not asked (most surnames start no place).
_PLACE_LAST = frozenset("省市区县镇乡村旗盟")
# Surnames that are also prepositions: before one of these a name is taken short (向张三先生).
_PREPOSITIONS = frozenset("向于時时任连常经和与对给跟同被把将让叫请")
# Words right before a person (据张先生, 经与王五): what stands before them ends another word.
# (向, 和, 同 are left out: they end many given names, 侯向鹏, 刘和琪.)
_BEFORE_A_PERSON = frozenset("据与对给请问找让叫跟把被将")

# Between a role word and its name (联系人：“张三”, 联系人(张三), 联系人-张三, 联系人姓名：张三,
# 负责人为张三). A title in brackets comes first (法定代表人（负责人）：张三): see _tail.
_SEPARATORS = r"[：:\s\-—–－~]*"
_LINKS = r"(?:(?:为|是|系|為|係)[：:\s]*)?"
_OPENING = "[“\"「『‘'（(【\\[〔]?"
_LABELS = "(?:姓名|名字叫|名字|名叫|名为|叫做)?"

# Between two names of a list: 、 and the conjunctions; a comma too, more strictly (the next
# name must end where a list's names end: 委托代理人：钱*，欧阳娜娜。).
_LIST_MARKS = frozenset("、和及与")
_COMMAS = frozenset("，,")
# What may follow a name of a list: a list mark, a comma, 以及, particulars in brackets.
_LIST_STARTS = frozenset("、和及与，,以（(")
# Particulars that mark the word before a comma as a name (王五，电话…; 禤文，男，).
_COMMA_PARTICULARS = frozenset({"身份证", "公民身份", "居民身份", "电话", "手机", "联系电话", "联系方式"})
_JOINED_WORDS = frozenset({"及时", "与时", "和谐", "及早"})
_ITEM_ENDS = frozenset("，,。；;、：:（()）\u3000 \n\r\t“”\"'》】]」』")
_ITEM_END_WORDS = ("等", "均", "分别", "二人", "两人", "三人", "共同", "在场", "到场", "和", "及", "与")
_LEFT_DELIMITERS = frozenset("：:，,。；;、（(【[「“\"' \u3000\n\r\t")
_MAX_LIST = 30

# A business name (…有限公司, …水果店) after a role word is no person's name.
_SEGMENT_END = frozenset("，。；;,、！？!?：:\n\r\t “”\"'（(")
_SEGMENT = re.compile("[^" + "".join(re.escape(c) for c in sorted(_SEGMENT_END)) + "]{0,40}")
_SUFFIX_SET = frozenset(ORG_SUFFIXES) | ORG_SINGLE_SUFFIXES
_SUFFIX_SIZES = tuple(sorted({len(x) for x in _SUFFIX_SET}, reverse=True))
_AFTER_BUSINESS = frozenset("于在因未将擅自以及与和的（(等对向从被已系为是销经生使违拒涉无称现位，。；;,、！？!?：: \n")
_SUFFIX_LAST_CHARS = frozenset(x[-1] for x in _SUFFIX_SET)
_SUFFIX_END = re.compile(
    "[" + "".join(sorted({x[-1] for x in _SUFFIX_SET})) + "]"
    "(?=[" + "".join(re.escape(c) for c in sorted(_AFTER_BUSINESS)) + r"]|\Z)"
)
# The role words of the first edition (a clause word inside what follows a role word: then it
# is no business name). The full list is data; these few are the ones that start a clause.
_CLAUSE_ROLES = (
    "现场负责人", "法定代表人", "法人代表", "委托代理人", "当事人", "负责人", "经营者", "驾驶员", "驾驶人", "员工",
    "证人", "受害人", "被害人", "股东", "监护人", "联系人", "投资人", "业主", "财务人员", "出纳", "收款人",
)
_CLAUSE = re.compile(
    "[在于因未将擅驾持称已被向对从把让的了和与为是拒]|销售|经营|生产|使用|提供|购进|存在|涉嫌|承认|以上|事实|等人|明知|对此"
    "|签字|签名|确认|到场|当场|组织|指使|带领|供述|陈述|现年|本人|家属|负责|无证|持有|出生|[0-9０-９]"
    "|" + "|".join(_CLAUSE_ROLES)
)
# Particulars in brackets after a name hold no bracket, line or sentence end of their own.
_CLOSING = re.compile("[^（()）\n。]{0,59}[）)]")
_SURNAME_FIRSTS = "".join(sorted(SINGLE_SURNAMES | {s[0] for s in COMPOUND_SURNAMES}))


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# What a character the trigger stops at may be (bits of _Finder.mark_kinds).
_ENDS_ROLE, _ENDS_OPENER, _STARTS_TITLE, _BRACKET, _COMMA = 1, 2, 4, 8, 16


def _chars(chars: Iterable[str]) -> str:
    """The characters of a regex character class, escaped."""
    return re.escape("".join(sorted(set(chars))))


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class _Finder:
    """The compiled patterns and word sets of one lexicon."""

    def __init__(self, lex: Lexicon) -> None:
        self.not_names = lex.not_names
        self.pseudonyms = tuple(sorted(lex.pseudonyms, key=len, reverse=True))
        self.titles = tuple(sorted(lex.titles, key=len, reverse=True))
        # Frames whose only slot ends them read like role words (雇佣张三…).
        self.frames: dict[str, list[Frame]] = {}
        introducers = set(lex.role_words)
        for frame in lex.frames:
            if len(frame.slots) == 1 and not frame.slots[0][1]:
                introducers.add(frame.opener)
            else:
                self.frames.setdefault(frame.opener, []).append(frame)
        self.introducers = frozenset(introducers)
        self.longest_introducer = max(map(len, introducers))
        self.openers = tuple(sorted(self.frames, key=len, reverse=True))
        self.role_set = frozenset(lex.role_words)
        self.longest_role = max(map(len, lex.role_words))
        self._triggers(lex)

    def _triggers(self, lex: Lexicon) -> None:
        """The scans that find where a name may stand, each a regex starting with a short
        character class or literal words (the engine skips to those characters) and checked
        in Python where it hits (hits(); tests/redaction/test_fast_paths.py tries every
        position instead).

        role: the last character of a role word followed by what may follow one; then the
        role word itself and what stands between it and the name (role_tail, the name's
        start included). frame: a frame's opener where its first slot may hold a name.
        title: 先生, 女士…. particulars: a bracket or a comma before 身份证, 电话, 男….
        """
        singles = "".join(sorted(SINGLE_SURNAMES))
        name_start = f"(?=[{singles}][{_CJK}*＊×]|(?:{_alternation(COMPOUND_SURNAMES)})[{_CJK}*＊×])"
        role_titles = "(?:[（(【〔](?:" + _alternation(lex.role_words) + ")[）)】〕])?"
        self.role_tail = re.compile(f"(?>{role_titles}{_LABELS}{_SEPARATORS}{_LINKS}{_OPENING}){name_start}")
        sex = "[男女](?=性|[，,。；;、）)\\s:：])"
        bracket_words = [p for p in lex.particulars if p not in ("男", "女")]
        comma_words = [p for p in bracket_words if p in _COMMA_PARTICULARS]
        self.bracket_tail = re.compile(f"(?:{_alternation(bracket_words)}|{sex})")
        self.comma_tail = re.compile(f"\\s*(?:{_alternation(comma_words)}|{sex})")
        # Where a frame's first slot may hold a name: a surname, then (a slot followed by
        # words) those words within four characters (由张三驾驶, 由史**变更为…).
        self.frame_ahead: dict[str, re.Pattern[str]] = {}
        for opener in self.openers:
            afters = {after for frame in self.frames[opener] if (after := frame.slots[0][1])}
            if any(frame.slots[0][0] == "names" for frame in self.frames[opener]):
                pattern = f"[{_SURNAME_FIRSTS}]"
            else:
                pattern = f"[{_SURNAME_FIRSTS}][{_CJK}*＊×]{{1,3}}?(?:{_alternation(afters)})"
            self.frame_ahead[opener] = re.compile(pattern)
        self.role_last = frozenset(w[-1] for w in self.introducers)
        sizes: dict[str, set[int]] = {}
        for word in self.introducers:
            sizes.setdefault(word[-2:], set()).add(len(word))
        self.sizes_by_pair = {pair: tuple(sorted(n)) for pair, n in sizes.items()}
        self.opener_firsts = frozenset(o[0] for o in self.openers)
        self.introducer_heads = frozenset(w[:2] for w in self.introducers)
        # What may follow a surname in a name that is already safe: 张某, 李某某, 张先生, 钱*.
        self.safe_givens = tuple(sorted({*self.pseudonyms, *self.titles}, key=len, reverse=True))
        if any(len(w) > 2 for w in self.safe_givens):
            raise ValueError("pseudonyms and titles after a surname are one or two characters")
        self.safe_givens_set = frozenset(self.safe_givens)
        self.safe_firsts = frozenset(w[0] for w in self.safe_givens) | _MASK_CHARS
        self.long_not_name_heads = frozenset(w[:2] for w in lex.not_names if len(w) > 2)
        self.opener_last = frozenset(o[-1] for o in self.openers)
        self.frames_by_last: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        for opener, ahead in self.frame_ahead.items():
            self.frames_by_last.setdefault(opener[-1], []).append((opener, ahead))
        if any(len(t) != 2 for t in self.titles) or len({t[0] for t in self.titles}) < len(self.titles):
            raise ValueError("titles are two characters, each with a first character of its own")
        self.titles_by_first = {t[0]: t for t in self.titles}
        self.title_firsts = frozenset(self.titles_by_first)
        self.mark_kinds: dict[str, int] = {}
        for chars, kind in (
            (self.role_last, _ENDS_ROLE), (self.opener_last, _ENDS_OPENER), (self.title_firsts, _STARTS_TITLE),
            ("（(", _BRACKET), ("，,", _COMMA),
        ):
            for c in chars:
                self.mark_kinds[c] = self.mark_kinds.get(c, 0) | kind
        # One scan: the last character of a role word or an opener, the first of a title, a
        # bracket or a comma, followed by what may follow one of them.
        marks = self.role_last | self.opener_last | self.title_firsts | frozenset("（(，,")
        followers = (
            "：:-—–－~“\"「『‘'（(【[〔为是系為係姓名叫"
            + "".join({w[0] for w in lex.particulars})
            + "".join(t[1] for t in self.titles)
            + _SURNAME_FIRSTS
        )
        # (A character that only ends role words is taken where one of them may end: its
        # second-to-last character before it. 本机关 is no 司机.)
        only_roles = self.role_last - self.opener_last - self.title_firsts - frozenset("（(，,")
        seconds = {w[-2] for w in self.introducers}
        self.trigger = re.compile(
            "[" + _chars(marks) + "]"
            "(?:(?<=[" + _chars(marks - only_roles) + "])|(?<=[" + _chars(seconds) + "].))"
            "(?=[\\s" + _chars(set(followers)) + "])"
        )

    def hits(self, text: str) -> list[tuple[str, int, int]]:
        """(kind, start, end) of every place a name may stand next to, in the order of
        their starts: role (start: the role word's last character; end: where its name
        starts), frame (start: the opener's last character; end: where its slot starts),
        title (the title), bracket and comma (the mark and the particulars' word)."""
        found: list[tuple[str, int, int]] = []
        sizes_by_pair, introducers, kinds = self.sizes_by_pair, self.introducers, self.mark_kinds
        surnames, not_names = SINGLE_SURNAMES, self.not_names
        size = len(text)
        for m in self.trigger.finditer(text):
            at = m.start()
            end = at + 1
            mark = text[at]
            kind = kinds[mark]
            if kind & _ENDS_ROLE and (sizes := sizes_by_pair.get(text[at - 1 : end])) is not None:
                for n in sizes:  # a role word ends here (which one does not matter)
                    if end >= n and text[end - n : end] in introducers:
                        if end + 1 < size and text[end] in surnames and "\u4e00" <= text[end + 1] <= "\u9fff":
                            # (the name right after: no tail to read; 当事人陈述… stops here)
                            if text[end : end + 2] not in not_names:
                                found.append(("role", at, end))
                        elif tail := self.role_tail.match(text, end):
                            found.append(("role", at, tail.end()))
                        break
            if kind & _ENDS_OPENER:
                for opener, ahead in self.frames_by_last[mark]:
                    if text.startswith(opener, end - len(opener)) and ahead.match(text, end):
                        found.append(("frame", at, end))
                        break
            if kind & _STARTS_TITLE:  # (师 ends 厨师 and starts 师傅)
                if text.startswith(self.titles_by_first[mark], at):
                    found.append(("title", at, at + 2))
            elif kind & _BRACKET:
                if (tail := self.bracket_tail.match(text, end)) is not None:
                    found.append(("bracket", at, tail.end()))
            elif kind & _COMMA and (tail := self.comma_tail.match(text, end)) is not None:
                found.append(("comma", at, tail.end()))
        return found  # (in the order of their starts: each is appended at its match's start)

    # ----------------------------------------------------------------------------------------
    # What stands at a position.

    def item(self, text: str, at: int) -> tuple[int, bool] | None:
        """(end, is a name) of what stands at `at`, or None when no person is named there.

        is a name False: a pseudonym (张某), a masked name (钱*) or a surname with a title
        (张先生), already safe but a member of a list. Reads the phrase from `at` to the next
        punctuation mark (40 characters at most) and the character after it, no more.
        """
        size = len(text)
        pos = at + 1
        if pos >= size:
            return None
        ch = text[pos]
        if ch in _MASK_CHARS:
            return (_past_masks(text, pos), False) if "\u4e00" <= text[at] <= "\u9fff" else None
        first_two = text[at:pos + 1]
        not_names = self.not_names
        if first_two in not_names or (first_two in self.long_not_name_heads and text[at : at + 3] in not_names):
            return None
        if first_two in self.introducer_heads and self._starts_with_role(text, at):
            return None  # (房东：…, 班长：…: the next role word, not a name of the list)
        if first_two in COMPOUND_SURNAMES and pos + 1 < size:
            pos += 1
            ch = text[pos]
        elif text[at] not in SINGLE_SURNAMES:
            return None
        if ch in self.safe_firsts:  # a masked name (钱*), a pseudonym (张某), a title (张先生)
            if ch in _MASK_CHARS:
                return _past_masks(text, pos), False
            if text[pos : pos + 2] in self.safe_givens_set:
                return pos + 2, False
            if ch in self.safe_givens_set:
                return pos + 1, False
        if not "\u4e00" <= ch <= "\u9fff" or ch in _GIVEN_FIRST_STOP:
            return None
        if ch in _NUMERALS and _counts_something(text, pos + 1):
            return None  # 于十月, 于三日, 于十一月
        if not _PLACE_LAST.isdisjoint(text[at + 2 : at + 5]) and _PLACE.match(text, at) is not None:
            return None  # 张家港市, 黄山区, 何家村, 安徽省
        first_end = end = pos + 1
        if end < size:
            ch = text[end]
            if (
                "\u4e00" <= ch <= "\u9fff"
                and ch not in _GIVEN_SECOND_STOP
                and text[end : end + 2] not in _AFTER_NAME_WORDS
                and not (ch in _LIST_MARKS and self.item(text, end + 1) is not None)
            ):
                end += 1  # (和 ends many given names: 陈云和承包; 钟燕和潘凤 is two people)
        if (end == size or text[end] in _SEGMENT_END) and _SUFFIX_LAST_CHARS.isdisjoint(text[at:end]):
            return end, True  # the phrase is the name alone, and no suffix ends in it
        if _business_name(text, at, first_end, end):
            return None
        return end, True

    def _starts_with_role(self, text: str, at: int) -> bool:
        introducers = self.introducers
        for size in range(2, self.longest_introducer + 1):
            if text[at : at + size] in introducers:
                return True
        return False

    def names_at(self, text: str, at: int) -> tuple[list[tuple[int, int]], int]:
        """The names of the list starting at `at` (after a role word): their ranges, and
        where the list ends (at, if nothing stands there)."""
        names: list[tuple[int, int]] = []
        strict = False
        last_end = at
        for count in range(_MAX_LIST):
            # (…，向范某处: a frame holding a pseudonym, not the list's next name; the first
            # name is read so by _role_names.)
            if count and text[at : at + 1] in self.opener_firsts and self._frame_starting_at(text, at) == []:
                break
            found = self.item(text, at) if at < len(text) else None
            if found is None:
                break
            end, is_name = found
            if strict and not _ends_an_item(text, end):
                break
            if is_name:
                names.append((at, end))
            last_end = end
            if text[end : end + 1] not in _LIST_STARTS:
                break  # (the common case: one name)
            following = _next_item(text, end)
            if following is None:
                break
            at, strict = following
        return names, last_end

    def name_ending_at(self, text: str, start: int, end: int) -> tuple[int, int] | None | bool:
        """The name text[start:end] exactly, as a slot followed by fixed words reads it:
        its range, False when it is safe (a pseudonym…), None when it is no name."""
        found = self.item(text[start:end] + "。", 0)
        if found is None or found[0] != end - start:
            return None
        return (start, end) if found[1] else False

    # ----------------------------------------------------------------------------------------
    # Frames.

    def frame_names(self, text: str, at: int) -> list[tuple[int, int]]:
        """Names in the first frame whose opener ends at `at` and whose every slot holds one."""
        for opener in self.openers:
            if text.startswith(opener, at - len(opener)):
                for frame in self.frames[opener]:
                    found = self._frame_at(text, at, frame)
                    if found is not None:
                        return found
        return []

    def _frame_starting_at(self, text: str, at: int) -> list[tuple[int, int]] | None:
        """Names in a frame whose opener starts at `at`, or None when no frame holds there."""
        if text[at : at + 1] not in self.opener_firsts:
            return None
        for opener in self.openers:
            if text.startswith(opener, at):
                for frame in self.frames[opener]:
                    found = self._frame_at(text, at + len(opener), frame)
                    if found is not None:
                        return found
        return None

    def _frame_at(self, text: str, at: int, frame: Frame) -> list[tuple[int, int]] | None:
        names: list[tuple[int, int]] = []
        for kind, after in frame.slots:
            if not after:
                found, end = self.names_at(text, at)
                if end == at:
                    return None
                names.extend(found if kind == "names" else found[:1])
                return names
            slot_end = self._slot_before(text, at, after, kind, names)
            if slot_end is None:
                return None
            at = slot_end + len(after)
        return names

    def _slot_before(
        self, text: str, at: int, after: str, kind: str, names: list[tuple[int, int]]
    ) -> int | None:
        """Where a slot starting at `at` and followed by `after` ends (its names added to
        `names`), or None when the frame does not hold there."""
        for _ in range(_MAX_LIST if kind == "names" else 1):
            for end in range(at + 2, min(at + 5, len(text)) + 1):
                if text.startswith(after, end):
                    found = self.name_ending_at(text, at, end)
                    if found is not None:
                        if found:
                            names.append(found)  # type: ignore[arg-type]
                        return end
            if kind != "names":
                return None
            item = self.item(text, at)
            if item is None:
                return None
            if item[1]:
                names.append((at, item[0]))
            following = _next_item(text, item[0])
            if following is None:
                return None
            at = following[0]
        return None

    # ----------------------------------------------------------------------------------------
    # Names before a title or a person's particulars.

    def name_before(self, text: str, end: int, titled: bool = False) -> tuple[int, int] | None:
        """The name ending at `end` (before 先生, before （身份证…), found by its surname."""
        if end < 2:
            return None
        last = text[end - 1]
        if not "\u4e00" <= last <= "\u9fff" or last in _NEVER_GIVEN:
            return None  # (a number, a masked name 钱*, a pseudonym 王某, 当事人（…)
        for size in (4, 3):
            start = end - size
            if start >= 0 and text[start : start + 2] in COMPOUND_SURNAMES and self._given(text, start + 2, end):
                return start, end
        # In doubt the longer name (向松福先生 or 向 + 松福先生: masking one character too many
        # loses less than leaving one), unless a role word ends before it (保安王伟).
        start = end - 3
        if (
            start >= 0
            and text[start] in SINGLE_SURNAMES
            and text[start + 1] not in _BEFORE_A_PERSON  # (…检查据田先生: 据 + 田先生)
            and not self._role_ends_at(text, start + 1)
            and self._given(text, start + 1, end)
            and self.name_ending_at(text, start, end)
        ):
            return start, end
        if titled and last in SINGLE_SURNAMES and text[end - 2] not in SINGLE_SURNAMES:
            return None  # 张先生: a surname and a title, as safe as 张*
        return self._two_before(text, end)

    def _two_before(self, text: str, end: int) -> tuple[int, int] | None:
        """A name of a surname and one given character ending at `end`, if one can."""
        start = end - 2
        if text[start] in SINGLE_SURNAMES and self._given(text, start + 1, end):
            found = self.name_ending_at(text, start, end)
            if found:
                return found  # type: ignore[return-value]
        return None

    def _given(self, text: str, start: int, end: int) -> bool:
        """True when text[start:end] can be a given name (魏强明知（…: 明知 is no given name)."""
        given = text[start:end]
        for c in given:
            if not "\u4e00" <= c <= "\u9fff" or c in _NEVER_GIVEN:
                return False
        return given not in _AFTER_NAME_WORDS

    def _role_ends_at(self, text: str, end: int) -> bool:
        """True when a role word ends at `end` (保安王伟: 保安 + 王伟, not 安王伟)."""
        return end >= 2 and self._introducer_ends_at(text, end) and any(
            text[end - size : end] in self.role_set for size in range(2, min(self.longest_role, end) + 1)
        )

    def delimited_name_before(self, text: str, end: int, sex: bool) -> tuple[int, int] | None:
        """The word right before `end` when punctuation stands before it (…：禤文，男，), as a
        name: 2–4 characters, a known surname unless the particulars are a sex."""
        start = end
        while start > 0 and end - start < 5 and _is_cjk(text[start - 1]):
            start -= 1
        if not 2 <= end - start <= 4 or (start > 0 and text[start - 1] not in _LEFT_DELIMITERS):
            return None
        word = text[start:end]
        if word in self.introducers or word[:2] in self.not_names or word[-1] in _NEVER_GIVEN:
            return None
        if _surname_end(word + "。"):
            found = self.name_ending_at(text, start, end)
            return found if found else None  # type: ignore[return-value]
        return (start, end) if sex else None

    # ----------------------------------------------------------------------------------------

    def find(self, text: str, hits: list[tuple[str, int, int]] | None = None) -> list[tuple[int, int]]:
        """Every (start, end) of a person's name in `text` (unsorted, perhaps overlapping).

        hits: where names may stand (default: self.hits(text); a test passes others)."""
        # (four `in` tests scan faster than a regex of the four characters: most texts hold none)
        dotted = "·" in text or "•" in text or "・" in text or "‧" in text
        found: list[tuple[int, int]] = self.dotted_names(text) if dotted else []
        listed_to = 0  # where the last list after a role word ended: no role word inside it
        for kind, start, end in self.hits(text) if hits is None else hits:
            if kind == "role":
                if start >= listed_to:
                    if text[end] in self.opener_firsts:
                        names, list_end = self._role_names(text, end)
                    else:  # (no frame can start there: the list alone)
                        names, list_end = self.names_at(text, end)
                    found.extend(names)
                    # 机主任鹤春: 机主 + 任鹤春, or 主任 + 鹤春? Both are read (and masked as one),
                    # unless the second holds a pseudonym (场主任窦**: 主任 + 窦**).
                    if not (end == start + 1 and self._introducer_ends_at(text, end + 1)):
                        listed_to = list_end
                    elif (after := self.item(text, end + 1)) is not None and not after[1]:
                        found[len(found) - len(names) :] = []
            elif kind == "frame":
                found.extend(self.frame_names(text, end))
            elif kind == "title":
                if found and found[-1][1] == start:
                    continue
                name = self.name_before(text, start, titled=True)
                if name:
                    found.append(name)
            elif found and found[-1][1] == start:
                continue  # (a name found after its role word ends there: nothing more to find)
            else:  # bracket or comma: particulars after a name
                sex = text[end - 1] in "男女"
                name = self.name_before(text, start) if kind == "bracket" else None
                name = name or self.delimited_name_before(text, start, sex)
                if name:
                    found.append(name)
        return found

    def dotted_names(self, text: str) -> list[tuple[int, int]]:
        """Names written with middle dots (艾力·买买提, 阿依古丽·吐尔逊) after a role word or
        before particulars, whatever their first character (no surname list holds them)."""
        found = []
        for m in _DOTS.finditer(text):
            dot = m.start()
            if dot + 1 >= len(text) or not "\u4e00" <= text[dot + 1] <= "\u9fff":
                continue
            run = dot
            while run > 0 and dot - run < 12 and "\u4e00" <= text[run - 1] <= "\u9fff":
                run -= 1
            start = self._after_role_in(text, run, dot)
            end = _past_dotted_parts(text, dot)
            if start is None and end < len(text) and text[end] in "（(" and self.bracket_tail.match(text, end + 1):
                # Before particulars: the word before the dot, or its last three characters.
                delimited = run == 0 or text[run - 1] in _LEFT_DELIMITERS
                start = run if delimited and dot - run <= 4 else max(run, dot - 3)
            if start is not None and start < dot:
                found.append((start, end))
        return found

    def _after_role_in(self, text: str, run: int, dot: int) -> int | None:
        """Where a name starts after a role word ending in text[run:dot] or right before it
        (punctuation between), or None."""
        before = run
        while before > 0 and text[before - 1] in _TAIL_CHARS:
            before -= 1
        if before < run and self._introducer_ends_at(text, before) or self._introducer_ends_at(text, run):
            return run
        for k in range(run + 2, dot):
            if self._introducer_ends_at(text, k):
                return k + (text[k] in "为是系")
        return None

    def _role_names(self, text: str, at: int) -> tuple[list[tuple[int, int]], int]:
        """The names after a role word, its name starting at `at`; where they end.

        A frame may start right after the role word: 当事人向张三购买 (向 is a surname too).
        Where it names someone, both readings are masked (员工向文宏销售: 向文宏, or 向 +
        文宏?); where it holds a pseudonym (当事人向曹*出售), the frame stands.
        """
        framed = self._frame_starting_at(text, at) if text[at : at + 1] in self.opener_firsts else None
        if framed is not None and not framed:
            return [], at
        names, end = self.names_at(text, at)
        return (names + framed) if framed else names, end

    def _introducer_ends_at(self, text: str, end: int) -> bool:
        """True when a role word (or a frame that ends in its slot) ends at `end`."""
        introducers = self.introducers
        for size in self.sizes_by_pair.get(text[end - 2 : end], ()):
            if end >= size and text[end - size : end] in introducers:
                return True
        return False


def _surname_end(key: str) -> int:
    """Where the surname at the start of `key` ends (compound first), 0 if none starts it."""
    if key[:2] in COMPOUND_SURNAMES and len(key) >= 3:
        return 2
    if key[:1] in SINGLE_SURNAMES:
        return 1
    return 0


def _counts_something(text: str, at: int) -> bool:
    """True when a unit follows at `at`, perhaps after one more numeral (十月, 十一月, 两个)."""
    after = text[at : at + 2]
    return after[:1] in _UNITS or (after[:1] in _NUMERALS and after[1:] in _UNITS and after[1:] != "")


def _past_dotted_parts(text: str, at: int) -> int:
    """The end of the parts of a name joined by middle dots from `at` (·买买提, ·吐尔逊)."""
    while at + 1 < len(text) and text[at] in _NAME_DOTS and "\u4e00" <= text[at + 1] <= "\u9fff":
        at += 2
        stop = min(len(text), at + 6)
        while (
            at < stop
            and "\u4e00" <= text[at] <= "\u9fff"
            and text[at] not in _GIVEN_SECOND_STOP
            and text[at : at + 2] not in _AFTER_NAME_WORDS
        ):
            at += 1
    return at


def _past_masks(text: str, at: int) -> int:
    while at < len(text) and text[at] in _MASK_CHARS:
        at += 1
    return at


def _is_place(text: str, at: int) -> bool:
    """True when a place name starts at `at` (张家港市, 黄山区, 何家村, 安徽省)."""
    return not _PLACE_LAST.isdisjoint(text[at + 2 : at + 5]) and _PLACE.match(text, at) is not None


def _business_name(text: str, at: int, name_end: int, end: int | None = None) -> bool:
    """True when a business name (…有限公司, …水果店) starts at `at`, the phrase from `at` to
    the next punctuation mark (40 characters at most).

    `name_end` is where the shortest person's name would end (surname and one given
    character): the business name must go on past it with no clause word (张三在某某超市… is
    a person, then a place), and end where the phrase ends or before what may follow a
    business name (某某银行卡号 is no bank).
    """
    if end is not None and (end == len(text) or text[end] in _SEGMENT_END):
        segment_end = end  # the phrase is the name alone (the common case)
    elif _SUFFIX_LAST_CHARS.isdisjoint(text[at : at + 40]):
        return False  # (the phrase is 40 characters at most: no suffix can end in it)
    else:
        phrase = _SEGMENT.match(text, at)
        assert phrase is not None, "_SEGMENT matches anywhere (it may match nothing)"
        segment_end = phrase.end()
    if _SUFFIX_LAST_CHARS.isdisjoint(text[at:segment_end]):
        return False  # no suffix can end in the phrase
    for m in _SUFFIX_END.finditer(text, at, segment_end):
        stop = m.end()
        for size in _SUFFIX_SIZES:
            if size > stop - at or text[stop - size : stop] not in _SUFFIX_SET:
                continue
            head = text[at : stop - size]
            if size == 1 and len(head) < 4 and not any(word in head for word in ORG_KEYWORDS):
                continue  # 张三店 is too short to tell; 张三水果店 is a shop
            # 和 and 为 end many given names (余云和食品店): not a clause right after the name.
            skip = name_end - at
            skip += skip < len(head) and head[skip] in "和为"
            return not _CLAUSE.search(head, min(skip, len(head)))
    return False


def _next_item(text: str, end: int) -> tuple[int, bool] | None:
    """Where the next name of a list starts after a name ending at `end`, and whether it
    must end as a list's names end (after a comma); None when the list ends there.

    Particulars in brackets right after a name are passed over (执法人员张三（执法证号：…）、
    李四).
    """
    size = len(text)
    if end < size and text[end] in "（(":
        close = _closing(text, end)
        if close:
            end = close
    if end + 1 >= size:
        return None
    mark = text[end]
    if mark in _LIST_MARKS:
        if text[end : end + 2] in _JOINED_WORDS:
            return None
        return _skip_spaces(text, end + 1), False
    if mark in _COMMAS:
        return _skip_spaces(text, end + 1), True
    if text.startswith("以及", end):
        return _skip_spaces(text, end + 2), False
    return None


def _closing(text: str, at: int) -> int:
    """The position after the bracket closing the one at `at` (within 60 characters), or 0."""
    m = _CLOSING.match(text, at + 1)
    return m.end() if m else 0


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \u3000":
        at += 1
    return at


def _ends_an_item(text: str, end: int) -> bool:
    """True when a name ending at `end` is followed as a list's names are (委托代理人：钱*，
    欧阳娜娜。; 执法人员张三，李四等)."""
    if end >= len(text) or text[end] in _ITEM_ENDS or text[end] in _GIVEN_SECOND_STOP:
        return True
    return text.startswith(_ITEM_END_WORDS, end) or text[end : end + 2] in _AFTER_NAME_WORDS


@memoized(4)
def names_finder(directory: str | None) -> _Finder:
    """The finder built from the lexicon in `directory` (None: the package's data)."""
    return _Finder(lexicon(directory))


# Built when the module is imported, as compiled patterns are: the first record of a build
# does not wait for it (after memo.clear_all() it is built again when next asked for).
names_finder(None)


def is_pseudonym(name: str) -> bool:
    """True for a name already written as a pseudonym (张某, 李某某, 欧阳某, 王某甲): safe as it is."""
    if "某" not in name:
        return False  # (every pseudonym holds one: the common answer at once)
    found = names_finder(None).item(name.strip() + "。", 0)
    return found is not None and not found[1] and found[0] == len(name.strip()) and "某" in name


def _in_statute_title(text: str, start: int, end: int) -> bool:
    """True when text[start:end] lies inside 《…》 (60 characters at most, on one line)."""
    opening = text.rfind("《", max(0, start - 60), start)
    if opening == -1 or text.rfind("》", opening, start) != -1:
        return False
    closing = text.find("》", end, opening + 62)
    return closing != -1 and "\n" not in text[opening:closing] and "《" not in text[opening + 1 : closing]


def _protected_ranges(text: str, keep_whole: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the names of `keep_whole` stand in `text`."""
    ranges = []
    for name in keep_whole:
        if name:
            at = text.find(name)
            while at != -1:
                ranges.append((at, at + len(name)))
                at = text.find(name, at + len(name))
    return ranges


# The names in a short text (categories, contents, remarks recur across records; memo.py).
SHORT = 80
_SHORT_TEXTS: Memo[str, list[tuple[int, int]]] = Memo(8192)


def find_person_names(
    text: str, keep_whole: tuple[str, ...] = (), protected: Sequence[tuple[int, int]] | None = None
) -> list[tuple]:
    """Spans (start, end, "person_name", 0.9) of the natural persons' names in `text`,
    sorted, without copies; none inside a statute title or a name of `keep_whole`.

    protected: where the keep_whole names stand, when the caller knows it already.
    """
    if not text:
        return []
    finder = names_finder.memo.get(None) or names_finder(None)  # type: ignore[attr-defined]
    if len(text) <= SHORT:
        found = _SHORT_TEXTS.get(text)
        if found is None:
            found = _SHORT_TEXTS.remember(text, sorted(set(finder.find(text))))
    else:
        found = finder.find(text)
        if len(found) > 1:
            found = sorted(set(found))
    if not found:
        return []
    if protected is None:
        protected = _protected_ranges(text, keep_whole)
    statutes = "《" in text
    spans: list[tuple] = []
    for start, end in found:
        if protected and any(p <= start and end <= q for p, q in protected):
            continue
        if statutes and _in_statute_title(text, start, end):
            continue
        if spans and start < spans[-1][1]:
            # Two readings of one place overlap (向阮飞 and 阮飞萍): mask them as one.
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]), "person_name", 0.9)
        else:
            spans.append((start, end, "person_name", 0.9))
    return spans
