"""What a name is compared on in screening: its parts once normalised.

The same subject is written 景德鎮市珠山區宏泰陶瓷有限公司, 宏泰陶瓷, ＡＢ陶瓷 or 宏泰 陶瓷有限
责任公司. `search_key` (publish/textnorm.py: NFKC, traditional → simplified, spaces and
punctuation removed) folds the writing; then the leading places (景德镇市, 珠山区…, kept as
region evidence) and the legal form (有限公司, 有限责任公司, 股份有限公司, 公司, kept apart, with
a branch such as 珠山分公司 after it) are split off, leaving the core a subject is matched on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..textnorm import as_uscc, search_key
from .places import leading_places, place_code

# The Company Law's two forms and their short writings (公司法 第二条), and 集团 wrappers.
LEGAL_FORMS = ("集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司",
               "有限公司", "公司")
_FORM = re.compile(f"^(.+?)({'|'.join(LEGAL_FORMS)})(.*(?:分公司|分店|分厂|营业部|办事处))?$")
MIN_CORE = 2


@dataclass(frozen=True)
class NameParts:
    """A name split for matching: `key` the whole folded name, `places` the division codes it
    starts with, `core` what is left without places and legal form, `form` the legal form,
    `branch` what follows the legal form (a branch's own name)."""
    key: str
    places: tuple[str, ...]
    core: str
    form: str
    branch: str

    @property
    def body(self) -> str:
        """What similarity is measured on: the core and any branch."""
        return self.core + self.branch


@lru_cache(maxsize=1 << 17)
def split_name(name: str) -> NameParts:
    """The parts of a name (see NameParts). A name that is nothing but a place or a legal
    form keeps its whole key as core."""
    key = search_key(name)
    places, rest = leading_places(key)
    form = branch = ""
    found = _FORM.match(rest)
    # 有限公司 alone is no core 有限 with the form 公司.
    if found and len(found.group(1)) >= MIN_CORE and found.group(1) + found.group(2) not in LEGAL_FORMS:
        rest, form, branch = found.group(1), found.group(2), found.group(3) or ""
    if len(rest) < MIN_CORE:
        return NameParts(key, places, key, "", "")
    return NameParts(key, places, rest, form, branch)


def region_code(region: str) -> str | None:
    """The division a caller's `region` names (see places.place_code), after folding."""
    return place_code(search_key(region))


def query_uscc(text: str) -> str | None:
    """A caller's USCC, folded (full-width, lower case, dashes and spaces), if it has the
    code's shape."""
    return as_uscc(text)
