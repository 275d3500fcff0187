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
    "从事".split()
)
_NUMERALS = frozenset("一二三四五六七八九十两零〇百千")
_UNITS = frozenset("年月日天个名次号时点分秒岁元角件台辆间家条项处周期批箱瓶")
# A surname character followed within a few characters by one of these is a place
# (张家港市, 马鞍山市, 黄山区, 何家村, 安徽省), unless the character starts one of _NOT_PLACE.
_ADMIN = frozenset("省市区县镇乡村旗盟")
_NOT_PLACE = frozenset({"市场", "区域", "市民", "县城", "村民", "镇上", "乡下"})
# Surnames that are also prepositions: before one of these a name is taken short (向张三先生).
_PREPOSITIONS = frozenset("向于時时任连常经和与对给跟同被把将让叫请")

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
_AFTER_BUSINESS = frozenset("于在因未将擅自以及与和的（(等对向从被已系为是销经生使违拒涉无称现，。；;,、！？!?：: \n")
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
_STATUTE = re.compile("《[^《》\n]{1,60}》")
_SURNAME_FIRSTS = "".join(sorted(SINGLE_SURNAMES | {s[0] for s in COMPOUND_SURNAMES}))


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class _Finder:
    """The compiled patterns and word sets of one lexicon."""

    def __init__(self, lex: Lexicon, items: Memo[str, tuple[int, bool] | None]) -> None:
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
        self.trigger = self._trigger(lex)
        self.items = items  # what stands at a position, by the phrase read (item)

    def _trigger(self, lex: Lexicon) -> re.Pattern[str]:
        """One regex for every place a name may stand next to, starting with a character
        class (the engine skips to those characters); which branch matched is its group.

        role: the last character of a role word (which one, Python checks) and what may
        stand between it and a name, where a name may start. frame: the last character of a
        frame's opener where its first slot may hold a name. title, bracket, comma: a title
        or a person's particulars right after where a name would end. (Each piece is kept
        apart too: tests/redaction/test_fast_paths.py tries them at every position.)
        """
        name_start = f"(?=[{_SURNAME_FIRSTS}][{_CJK}*＊×]|[{_CJK}][*＊×])"
        role_titles = "(?:[（(【〔](?:" + _alternation(lex.role_words) + ")[）)】〕])?"
        self.role_tail = f"(?>{role_titles}{_LABELS}{_SEPARATORS}{_LINKS}{_OPENING}){name_start}"
        self.frame_ahead: dict[str, str] = {}
        for opener in self.openers:
            afters = {after for frame in self.frames[opener] if (after := frame.slots[0][1])}
            if any(frame.slots[0][0] == "names" for frame in self.frames[opener]):
                self.frame_ahead[opener] = f"(?=[{_SURNAME_FIRSTS}])"
            else:
                self.frame_ahead[opener] = f"(?=[{_SURNAME_FIRSTS}][{_CJK}]{{1,3}}?(?:{_alternation(afters)}))"
        sex = "[男女](?=性|[，,。；;、）)\\s:：])"
        bracket_words = [p for p in lex.particulars if p not in ("男", "女")]
        comma_words = [p for p in bracket_words if p in _COMMA_PARTICULARS]
        self.bracket_tail = f"(?:{_alternation(bracket_words)}|{sex})"
        self.comma_tail = f"\\s*(?:{_alternation(comma_words)}|{sex})"
        last_chars = "".join(sorted({w[-1] for w in self.introducers}))
        frames = "|".join(f"(?<={re.escape(o)}){ahead}" for o, ahead in self.frame_ahead.items())
        titles = "|".join(f"(?<={re.escape(t[0])}){re.escape(t[1:])}" for t in self.titles)
        branches = (
            f"(?<=[{last_chars}]){self.role_tail}(?P<role>)",
            f"(?:{frames})(?P<frame>)",
            f"(?:{titles})(?P<title>)",
            f"(?<=[（(]){self.bracket_tail}(?P<bracket>)",
            f"(?<=[，,]){self.comma_tail}(?P<comma>)",
        )
        firsts = set(last_chars) | {o[-1] for o in self.openers} | {t[0] for t in self.titles} | set("（(，,")
        return re.compile("[" + re.escape("".join(sorted(firsts))) + "](?:" + "|".join(branches) + ")")

    # ----------------------------------------------------------------------------------------
    # What stands at a position.

    def item(self, text: str, at: int) -> tuple[int, bool] | None:
        """(end, is a name) of what stands at `at`, or None when no person is named there.

        is a name False: a pseudonym (张某), a masked name (钱*) or a surname with a title
        (张先生), already safe but a member of a list. Reads the phrase from `at` and the
        character after it, no more: the answer is remembered for that piece of text.
        """
        phrase = _SEGMENT.match(text, at)
        assert phrase is not None, "_SEGMENT matches anywhere (it may match nothing)"
        key = text[at : phrase.end() + 1]
        try:
            found = self.items[key]
        except KeyError:
            found = self.items.remember(key, self._item(key, phrase.end() - at))
        if found is None:
            return None
        return at + found[0], found[1]

    def _item(self, key: str, segment_size: int) -> tuple[int, bool] | None:
        size = len(key)
        if size < 2:
            return None
        if size > 1 and key[1] in _MASK_CHARS and _is_cjk(key[0]):
            return _past_masks(key, 1), False
        if key[:2] in self.not_names or key[:3] in self.not_names or self._starts_with_role(key):
            return None  # (房东：…, 班长：…: the next role word, not a name of the list)
        pos = _surname_end(key)
        if not pos or pos >= size:
            return None
        ch = key[pos]
        if ch in _MASK_CHARS:
            return _past_masks(key, pos), False
        for pseudonym in self.pseudonyms:
            if key.startswith(pseudonym, pos):
                return pos + len(pseudonym), False
        for title in self.titles:
            if key.startswith(title, pos):
                return pos + len(title), False
        if not _is_cjk(ch) or ch in _GIVEN_FIRST_STOP:
            return None
        if ch in _NUMERALS and _counts_something(key, pos + 1):
            return None  # 于十月, 于三日, 于十一月
        if _is_place(key):
            return None
        first_end = pos + 1
        end = first_end
        if end < size:
            ch = key[end]
            if (
                _is_cjk(ch)
                and ch not in _GIVEN_SECOND_STOP
                and key[end : end + 2] not in _AFTER_NAME_WORDS
                and not (ch in _LIST_MARKS and self._name_follows(key, end + 1))
            ):
                end += 1  # (和 ends many given names: 陈云和承包; 钟燕和潘凤 is two people)
        if _business_name(key[:segment_size], first_end):
            return None
        return end, True

    def _starts_with_role(self, key: str) -> bool:
        for size in range(2, min(self.longest_introducer, len(key)) + 1):
            if key[:size] in self.introducers:
                return True
        return False

    def _name_follows(self, key: str, at: int) -> bool:
        """True when a name or a pseudonym starts at `at` of `key` (after 和: a list)."""
        found = self._item(key[at:], len(key) - at - 1) if at < len(key) - 1 else None
        return found is not None

    def names_at(self, text: str, at: int) -> tuple[list[tuple[int, int]], int]:
        """The names of the list starting at `at` (after a role word): their ranges, and
        where the list ends (at, if nothing stands there)."""
        names: list[tuple[int, int]] = []
        strict = False
        last_end = at
        for _ in range(_MAX_LIST):
            found = self.item(text, at) if at < len(text) else None
            if found is None:
                break
            end, is_name = found
            if strict and not _ends_an_item(text, end):
                break
            if is_name:
                names.append((at, end))
            last_end = end
            following = _next_item(text, end)
            if following is None:
                break
            at, strict = following
        return names, last_end

    def name_ending_at(self, text: str, start: int, end: int) -> tuple[int, int] | None | bool:
        """The name text[start:end] exactly, as a slot followed by fixed words reads it:
        its range, False when it is safe (a pseudonym…), None when it is no name."""
        found = self._item(text[start:end] + "。", end - start)
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
        if last in _MASK_CHARS:
            return None
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
        return all(_is_cjk(c) and c not in _NEVER_GIVEN for c in given) and given not in _AFTER_NAME_WORDS

    def _role_ends_at(self, text: str, end: int) -> bool:
        """True when a role word ends at `end` (保安王伟: 保安 + 王伟, not 安王伟)."""
        for size in range(2, self.longest_role + 1):
            if end - size < 0:
                break
            if text[end - size : end] in self.role_set:
                return True
        return False

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

    def find(self, text: str) -> list[tuple[int, int]]:
        """Every (start, end) of a person's name in `text` (unsorted, perhaps overlapping)."""
        found: list[tuple[int, int]] = []
        pos = 0
        while (m := self.trigger.search(text, pos)) is not None:
            names, pos = self.names_after(text, m.lastgroup or "", m.start(), m.end())
            found.extend(names)
        return found

    def names_after(self, text: str, kind: str, start: int, end: int) -> tuple[list[tuple[int, int]], int]:
        """The names a trigger of `kind` found at text[start:end] points at, and where the
        search goes on."""
        pos = start + 1
        names: list[tuple[int, int]] = []
        if kind == "role" and self._introducer_ends_at(text, start + 1):
            # A frame may start right after the role word: 当事人向张三购买 (向 is a surname
            # too). Where it names someone, both readings are masked (员工向文宏销售: 向文宏,
            # or 向 + 文宏?); where it holds a pseudonym (当事人向曹*出售), the frame stands.
            framed = self._frame_starting_at(text, end)
            if framed is None or framed:
                names, list_end = self.names_at(text, end)
                pos = max(pos, list_end)
            names.extend(framed or ())
        elif kind in ("role", "frame"):
            # (A frame's opener may end in a role word's last character: 交由, 由.)
            names = self.frame_names(text, start + 1)
        elif kind == "title":
            name = self.name_before(text, start, titled=True)
            names = [name] if name else []
        else:  # bracket or comma: particulars after a name
            sex = text[end - 1] in "男女"
            name = self.name_before(text, start) if kind == "bracket" else None
            name = name or self.delimited_name_before(text, start, sex)
            names = [name] if name else []
        return names, pos

    def _introducer_ends_at(self, text: str, end: int) -> bool:
        for size in range(1, self.longest_introducer + 1):
            if end - size < 0:
                break
            if text[end - size : end] in self.introducers:
                return True
        return False


def _surname_end(key: str) -> int:
    """Where the surname at the start of `key` ends (compound first), 0 if none starts it."""
    if key[:2] in COMPOUND_SURNAMES and len(key) >= 3:
        return 2
    if key[:1] in SINGLE_SURNAMES:
        return 1
    return 0


def _counts_something(key: str, at: int) -> bool:
    """True when a unit follows at `at`, perhaps after one more numeral (十月, 十一月, 两个)."""
    after = key[at : at + 2]
    return after[:1] in _UNITS or (after[:1] in _NUMERALS and after[1:] in _UNITS and after[1:] != "")


def _past_masks(key: str, at: int) -> int:
    while at < len(key) and key[at] in _MASK_CHARS:
        at += 1
    return at


def _is_place(key: str) -> bool:
    """True when `key` starts with a place name (张家港市, 黄山区, 何家村, 安徽省)."""
    for k in (2, 3, 4):
        if k >= len(key) or not _is_cjk(key[k - 1]):
            return False
        if key[k] in _ADMIN and key[k : k + 2] not in _NOT_PLACE:
            return True
    return False


def _business_name(segment: str, name_end: int) -> bool:
    """True when a business name (…有限公司, …水果店) starts the phrase `segment`.

    `name_end` is where the shortest person's name would end (surname and one given
    character): the business name must go on past it with no clause word (张三在某某超市… is
    a person, then a place), and end where the phrase ends or before what may follow a
    business name (某某银行卡号 is no bank).
    """
    for m in _SUFFIX_END.finditer(segment):
        stop = m.end()
        for size in _SUFFIX_SIZES:
            if size > stop or segment[stop - size : stop] not in _SUFFIX_SET:
                continue
            head = segment[: stop - size]
            if size == 1 and len(head) < 4 and not any(word in head for word in ORG_KEYWORDS):
                continue  # 张三店 is too short to tell; 张三水果店 is a shop
            # 和 and 为 end many given names (余云和食品店): not a clause right after the name.
            skip = name_end + (name_end < len(head) and head[name_end] in "和为")
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
    for pos in range(at + 1, min(at + 61, len(text))):
        ch = text[pos]
        if ch in "）)":
            return pos + 1
        if ch in "（(\n":
            return 0
    return 0


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


# What stands after a role word, to the end of its phrase → (name size, is a name) or None.
# The package's lexicon only; a finder of another lexicon has a memo of its own.
_ITEMS: Memo[str, tuple[int, bool] | None] = Memo(8192)


@memoized(4)
def names_finder(directory: str | None) -> _Finder:
    """The finder built from the lexicon in `directory` (None: the package's data)."""
    return _Finder(lexicon(directory), _ITEMS if directory is None else Memo(8192))


def is_pseudonym(name: str) -> bool:
    """True for a name already written as a pseudonym (张某, 李某某, 欧阳某, 王某甲): safe as it is."""
    found = names_finder(None)._item(name.strip() + "。", len(name.strip()))
    return found is not None and not found[1] and found[0] == len(name.strip()) and "某" in name


def _protected_ranges(text: str, keep_whole: tuple[str, ...]) -> list[tuple[int, int]]:
    ranges = [(m.start(), m.end()) for m in _STATUTE.finditer(text)] if "《" in text else []
    for name in keep_whole:
        if name:
            at = text.find(name)
            while at != -1:
                ranges.append((at, at + len(name)))
                at = text.find(name, at + len(name))
    return ranges


def find_person_names(
    text: str, keep_whole: tuple[str, ...] = (), protected: Sequence[tuple[int, int]] | None = None
) -> list[tuple]:
    """Spans (start, end, "person_name", 0.9) of the natural persons' names in `text`,
    sorted, without copies; none inside a statute title or a name of `keep_whole`.

    protected: where the keep_whole names stand, when the caller knows it already.
    """
    if not text:
        return []
    found = names_finder(None).find(text)
    if not found:
        return []
    if protected is None or "《" in text:
        protected = _protected_ranges(text, keep_whole)
    else:
        protected = list(protected)
    spans: list[tuple] = []
    for start, end in sorted(set(found)):
        if protected and any(p <= start and end <= q for p, q in protected):
            continue
        if spans and start < spans[-1][1]:
            # Two readings of one place overlap (向阮飞 and 阮飞萍): mask them as one.
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]), "person_name", 0.9)
        else:
            spans.append((start, end, "person_name", 0.9))
    return spans
