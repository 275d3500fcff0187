"""Places a company name may start with, and what a caller may write in `region`.

A name such as 景德镇市珠山区宏泰陶瓷有限公司 carries its place (GB/T 2260 division codes:
province ##0000, city ####00, county or district ######); screening splits it off so that
景德镇市宏泰陶瓷 and 宏泰陶瓷 meet, and keeps it as region evidence. Two places agree when
one contains the other (乐平市 360281 lies in 景德镇市 360200), judged by code.

The build's `entities.region` comes from publish/data/regions.yml (the USCC's division); this
table is wider because callers and names name places the register does not.
"""
from __future__ import annotations

import re
from functools import lru_cache

# code → (full name, short forms a name may start with). Short forms only for provinces and
# prefecture-level cities: a bare 珠山 or 浮梁 is as likely a trade name as a place.
PLACES: dict[str, tuple[str, tuple[str, ...]]] = {
    "360000": ("江西省", ("江西",)),
    "360100": ("南昌市", ("南昌",)),
    "360200": ("景德镇市", ("景德镇",)),
    "360202": ("昌江区", ()),
    "360203": ("珠山区", ()),
    "360222": ("浮梁县", ()),
    "360281": ("乐平市", ()),
    "360300": ("萍乡市", ("萍乡",)),
    "360400": ("九江市", ("九江",)),
    "360402": ("濂溪区", ()),
    "360482": ("共青城市", ()),
    "360500": ("新余市", ("新余",)),
    "360600": ("鹰潭市", ("鹰潭",)),
    "360700": ("赣州市", ("赣州",)),
    "360800": ("吉安市", ("吉安",)),
    "360900": ("宜春市", ("宜春",)),
    "361000": ("抚州市", ("抚州",)),
    "361100": ("上饶市", ("上饶",)),
    "440000": ("广东省", ("广东",)),
    "442000": ("中山市", ()),
    "230000": ("黑龙江省", ("黑龙江",)),
    "230800": ("佳木斯市", ("佳木斯",)),
    "230881": ("同江市", ()),
    "110000": ("北京市", ("北京",)),
    "310000": ("上海市", ("上海",)),
}
# Every spelling → code; matched longest first (江西省 before 江西).
_SPELLINGS = {spelling: code for code, (full, short) in PLACES.items() for spelling in (full, *short)}
_LEADING = re.compile("|".join(sorted(map(re.escape, _SPELLINGS), key=len, reverse=True)))
_CODE = re.compile(r"\d{6}")


def leading_places(key: str) -> tuple[tuple[str, ...], str]:
    """The division codes a (search-keyed) name starts with, and the rest of it:
    景德镇市珠山区宏泰陶瓷… → (("360200", "360203"), "宏泰陶瓷…")."""
    codes: list[str] = []
    while (found := _LEADING.match(key)) and found.end() < len(key):
        codes.append(_SPELLINGS[found.group()])
        key = key[found.end():]
    return tuple(codes), key


def place_code(region: str) -> str | None:
    """The most specific division a `region` names (a 6-digit code, or names such as
    江西省景德镇市珠山区, 珠山区, 景德镇); None if it names none this table knows."""
    if _CODE.fullmatch(region):
        return region
    codes, rest = leading_places(region + "\0")
    return codes[-1] if codes and rest == "\0" else None


def contains(outer: str, inner: str) -> bool:
    """Division `outer` is `inner` or contains it."""
    return outer in (inner, inner[:4] + "00", inner[:2] + "0000")


@lru_cache(maxsize=4096)
def agree(a: str, b: str) -> bool:
    """Two divisions agree when one contains the other."""
    return contains(a, b) or contains(b, a)
