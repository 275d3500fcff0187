"""The world one sample shares: departments, people and market subjects, each unique, with
names that occur in no fixed text of the generator (so that masking a name damages nothing).
"""
from __future__ import annotations

import ast
import functools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from redaction.checkdigits import is_valid_id15

from . import names as N
from .codes import (
    make_bank_card,
    make_id15,
    make_id18,
    make_mobile,
    make_uscc,
    reg_no_check,
)


@dataclass(frozen=True)
class Department:
    key: str
    folder: str
    name: str
    uscc: str
    penalty_prefix: str | None
    licence_prefix: str | None


@dataclass(frozen=True)
class Person:
    name: str
    pinyin: str
    male: bool
    birth: date
    id_number: str  # 18 digits, or 15 for a legacy number
    phone: str
    address: str
    email: str
    bank_card: str


@dataclass(frozen=True)
class Subject:
    """A market subject, or a natural person standing as one."""

    kind: str            # company coop shop institution social person
    name: str
    category: str        # 行政相对人类别: 法人及非法人组织 / 个体工商户 / 自然人
    uscc: str = ""
    reg_no: str = ""     # 工商注册号 (when the file carries it)
    org_code: str = ""   # 组织机构代码, written 12345678-9
    tax_no: str = ""     # 税务登记号: a 个体工商户's is often the operator's ID number
    inst_cert: str = ""  # 事业单位证书号
    social_cert: str = ""  # 社会组织登记证号
    rep: Person | None = None     # 法定代表人 / 经营者
    person: Person | None = None  # the natural person, for kind == "person"
    division: str = "360200"
    address: str = ""    # where it operates
    trade: str = ""
    departments: tuple[str, ...] = ()


def _substrings(texts: list[str], longest: int = 4) -> dict[str, None]:
    """Every substring of 2..longest characters (person names are 2–4 characters long)."""
    out: dict[str, None] = {}
    for text in texts:
        for i in range(len(text)):
            for j in range(i + 2, min(len(text), i + longest) + 1):
                out[text[i:j]] = None
    return out


def _all_text(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [t for k, v in obj.items() for t in _all_text(k) + _all_text(v)]
    if isinstance(obj, (tuple, list)):
        return [t for v in obj for t in _all_text(v)]
    return []


# Share of natural persons among the subjects each department's penalties name.
PERSON_SHARE = {"market": 0.08, "fuliang_market": 0.08, "transport": 0.25, "ecology": 0.05,
                "tax": 0.05, "emergency": 0.03, "housing": 0.02, "police": 0.7}


class World:
    """Everything one sample shares: departments, people, subjects, the as-of day."""

    def __init__(self, seed: int, as_of: date, n_subjects: int) -> None:
        self.seed, self.as_of = seed, as_of
        self.rng = random.Random(f"{seed}/world")
        self.departments = self._departments()
        self._names: dict[str, None] = {}
        self._subject_parts: dict[str, None] = {}  # substrings of subject names
        self._id_numbers: dict[str, None] = {}
        self._usccs: dict[str, None] = {}
        self._subject_names: dict[str, None] = {}
        self._missing_cycle = 0
        # Person names must not occur in any fixed text, or masking them would damage it.
        self._fixed_parts = _substrings(_all_text([vars(N)[k] for k in dir(N) if k.isupper()])
                                        + list(literal_text()))
        self.subjects = [self._new_subject() for _ in range(n_subjects)]
        self.organisations = [s for s in self.subjects if s.kind != "person"]
        self.natural_persons = [s for s in self.subjects if s.kind == "person"]
        self.by_department: dict[str, list[Subject]] = {}
        for s in self.organisations:
            for key in s.departments:
                self.by_department.setdefault(key, []).append(s)
        self.bystanders = [self.new_person() for _ in range(max(30, n_subjects // 3))]
        self.shareholders = [self.new_person(compound=True) for _ in range(max(8, n_subjects // 40))]
        name, pinyin = N.RARE_PERSON
        self.rare_person = self.new_person(fixed=(name, pinyin))
        self.registered_only: list[Subject] = []  # subjects of the register no record names (add_registered)

    @property
    def all_subjects(self) -> list[Subject]:
        return self.subjects + self.registered_only

    @functools.cached_property
    def persons_with_id18(self) -> list[Subject]:
        """Natural persons whose ID number has 18 digits (the later templates' subjects)."""
        return [s for s in self.natural_persons if s.person and len(s.person.id_number) == 18]

    @functools.cached_property
    def operator_named_shops(self) -> list[Subject]:
        """个体工商户 registered under nothing but their operator's name (natural persons)."""
        return [s for s in self.organisations if s.kind == "shop" and s.rep and s.name == s.rep.name]

    def add_registered(self, n: int) -> list[Subject]:
        """n more market subjects registered in the city (companies, cooperatives, shops) that no
        record names: a city's register is much larger than its records."""
        new = [self._new_subject(market_only=True) for _ in range(n)]
        self.registered_only.extend(new)
        return new

    # departments never change with the seed: a department's code is a fact
    @staticmethod
    def _departments() -> dict[str, Department]:
        rng = random.Random("departments")
        out: dict[str, Department] = {}
        for key, (folder, name, head, penalty_prefix, licence_prefix) in N.DEPARTMENTS.items():
            out[key] = Department(key, folder, name, make_uscc(rng, head, "360200"),
                                  penalty_prefix, licence_prefix)
        return out

    # -- people
    def _name_ok(self, name: str) -> bool:
        # Unique, and in no fixed text or subject name: masking it must not damage those.
        return not (name in self._names or name in self._fixed_parts or name in self._subject_parts)

    def _take_name(self, name: str) -> None:
        self._names[name] = None

    def new_person(self, compound: bool | None = None, legacy_id: bool = False,
                   fixed: tuple[str, str] | None = None) -> Person:
        """A person with a unique name and ID number; compound surnames now and then."""
        rng = self.rng
        if compound is None:
            compound = rng.random() < 0.05
        if fixed:
            name, pinyin = fixed
            self._take_name(name)
        else:
            surnames = N.COMPOUND_SURNAMES if compound else N.SURNAMES
            while True:
                surname = rng.choice(list(surnames))
                given = [rng.choice(list(N.GIVEN_NAME_CHARS)) for _ in range(rng.choice((1, 2, 2)))]
                name = surname + "".join(given)
                if self._name_ok(name):
                    break
            self._take_name(name)
            pinyin = surnames[surname] + "".join(N.GIVEN_NAME_CHARS[g] for g in given)
        male = rng.random() < 0.55
        while True:
            division = rng.choice(N.ID_DIVISIONS)
            if legacy_id:
                birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 43))
                number = make_id15(rng, division, birth, male)
            else:
                birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 54))
                number = make_id18(rng, division, birth, male)
            if number not in self._id_numbers:
                break
        self._id_numbers[number] = None
        phone = make_mobile(rng)
        email = rng.choice((
            f"{pinyin}{birth.year}@163.com", f"{pinyin}{rng.randrange(10, 99)}@126.com",
            f"{pinyin}@sina.com", f"{rng.randrange(10 ** 5, 10 ** 9)}@qq.com",
        ))
        return Person(name, pinyin, male, birth, number, phone, self.address(), email,
                      make_bank_card(rng))

    def fresh_id18(self) -> str:
        """A valid ID number nobody in the sample holds (for the id_in_keep_field fault)."""
        while True:
            birth = date(1960, 1, 1) + timedelta(days=self.rng.randrange(365 * 40))
            number = make_id18(self.rng, self.rng.choice(N.ID_DIVISIONS), birth, True)
            if number not in self._id_numbers:
                self._id_numbers[number] = None
                return number

    def address(self, division: str = "") -> str:
        """A street address; near the registration area when a division code is given."""
        rng = self.rng
        areas = [a for a in N.ADDRESS_AREAS if a[2] == division[:4]] or N.ADDRESS_AREAS
        prefix, streets, _ = rng.choice(areas)
        if rng.random() < 0.15:
            return f"{prefix}{rng.choice(N.VILLAGES)}{rng.randint(1, 9)}组{rng.randint(1, 80)}号"
        return (f"{prefix}{rng.choice(streets)}{rng.randint(1, 399)}号{rng.randint(1, 20)}栋"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室")

    # -- codes
    def new_uscc(self, head: str, division: str) -> str:
        while True:
            code = make_uscc(self.rng, head, division)
            if code not in self._usccs:
                self._usccs[code] = None
                return code

    def _reg_no(self, division: str) -> str:
        while True:
            body = division + "0" + f"{self.rng.randrange(10 ** 7):07d}"
            number = body + reg_no_check(body)
            if not is_valid_id15(number):  # a registration number must not read as an ID
                return number

    # -- subjects
    def take_subject_name(self, name: str, operator: str = "") -> bool:
        """Reserve a subject name unless taken or holding someone's name (but its operator's)."""
        if name in self._subject_names:
            return False
        if any(part in self._names for part in _substrings(name.split(operator) if operator else [name])):
            return False
        self._subject_names[name] = None
        self._subject_parts.update(_substrings([name]))
        return True

    def _new_subject(self, market_only: bool = False) -> Subject:
        """A subject of any kind; `market_only`: a company, cooperative or shop registered in the city."""
        rng = self.rng
        roll = rng.random() * (0.80 if market_only else 1.0)
        division, prefix = _weighted_area(rng, market_only)
        if roll < 0.58:
            industry, suffixes, second, departments = rng.choice(N.INDUSTRIES)
            for attempt in range(10 ** 6):
                # the well-known trade names first; two-character coinages once they are used up
                trade = (rng.choice(N.TRADE_NAMES) if attempt < 5
                         else rng.choice(N.TRADE_SYLLABLES) + rng.choice(N.TRADE_SYLLABLES))
                name = f"{prefix}{trade}{industry}{rng.choice(suffixes)}"
                if self.take_subject_name(name):
                    break
                division, prefix = _weighted_area(rng, market_only)
            return self._organisation("coop" if second == "3" else "company", name, "9" + second,
                                      division, trade, departments)
        if roll < 0.80:
            return self._shop(division)
        if roll < 0.84:
            return self._institution()
        return self._natural_person()

    def _organisation(self, kind: str, name: str, head: str, division: str, trade: str,
                      departments: tuple[str, ...]) -> Subject:
        rng = self.rng
        uscc = self.new_uscc(head, division)
        org = uscc[8:17]
        tax_no = division + org
        return Subject(
            kind, name, "法人及非法人组织", uscc,
            reg_no=self._reg_no(division) if rng.random() < 0.5 else "",
            org_code=f"{org[:8]}-{org[8]}" if rng.random() < 0.4 else "",
            tax_no=tax_no if rng.random() < 0.3 and not is_valid_id15(tax_no) else "",
            rep=self.new_person(), division=division, address=self.address(division), trade=trade,
            departments=tuple(dict.fromkeys(departments + ("tax",))))

    def _shop(self, division: str) -> Subject:
        rng = self.rng
        operator = self.new_person(legacy_id=rng.random() < 0.1)
        kind, departments = rng.choice(N.SHOP_KINDS)
        name = operator.name  # some are registered under the operator's name alone
        if rng.random() >= 0.2:
            while True:
                area = rng.choice(("", "", "珠山区", "昌江区", "浮梁县", "乐平市"))
                name = f"{area}{operator.name}{kind}"
                if self.take_subject_name(name, operator.name):
                    break
                kind, departments = rng.choice(N.SHOP_KINDS)
        else:
            self.take_subject_name(name, operator.name)
        uscc = self.new_uscc("92", division)
        roll = rng.random()
        # A 个体工商户's 税务登记号 was often the operator's ID number, sometimes plus 2 digits.
        tax_no = (operator.id_number if roll < 0.35 else operator.id_number + "01" if roll < 0.5
                  else "")
        return Subject("shop", name, "个体工商户", uscc,
                       reg_no=self._reg_no(division) if rng.random() < 0.6 else "",
                       tax_no=tax_no, rep=operator, division=division, address=self.address(division),
                       trade=kind, departments=departments)

    def _institution(self) -> Subject:
        rng = self.rng
        name, head = rng.choice(N.INSTITUTIONS)
        if not self.take_subject_name(name):
            return self._shop("360200")
        uscc = self.new_uscc(head, "360200")
        n = rng.randrange(1, 10 ** 5)
        kind = {"1": "institution", "5": "social"}.get(head[0], "other")
        return Subject(kind, name, "法人及非法人组织", uscc,
                       inst_cert=f"事证第1360200{n:05d}号" if head[0] == "1" else "",
                       social_cert=f"景民证字第{n % 10000:04d}号" if head[0] == "5" else "",
                       rep=self.new_person(), address=self.address("3602"), trade=name[4:6],
                       departments=("market", "ecology"))

    def _natural_person(self) -> Subject:
        person = self.new_person(legacy_id=self.rng.random() < 0.15)
        return Subject("person", person.name, "自然人", person=person, address=person.address,
                       departments=("transport", "market", "ecology", "tax"))

    # -- picking
    def subject_for(self, rng: random.Random, department: str, person_share: float) -> Subject:
        """A subject a department of this kind would meet; sometimes anyone."""
        if rng.random() < person_share and self.natural_persons:
            return rng.choice(self.natural_persons)
        pool = self.by_department.get(department.removeprefix("fuliang_")) if rng.random() < 0.8 else None
        return rng.choice(pool or self.organisations)

    def missing_field(self, fields: list[str]) -> str:
        """Rotate over the required fields a missing_required fault blanks."""
        self._missing_cycle += 1
        return fields[self._missing_cycle % len(fields)]


def _weighted_area(rng: random.Random, local: bool = False) -> tuple[str, str]:
    """A registration area (division code, name prefix); `local`: one of the city's own."""
    areas = [a for a in N.REGISTRATION_AREAS if not local or a[0].startswith(CITY)]
    division, prefix, _ = rng.choices(areas, [w for *_, w in areas])[0]
    return division, prefix


CITY = "3602"  # the city whose credit office the sample imitates (景德镇市)


# Modules whose words never reach a file: the operator's messages about the output directory.
_NOT_IN_FILES = ("outdir.py",)


@functools.cache
def literal_text() -> tuple[str, ...]:
    """Every string literal of the generator's modules (the fixed words of its sentences and
    headers), read from their source files."""
    modules = [path for path in sorted(Path(__file__).parent.glob("*.py")) if path.name not in _NOT_IN_FILES]
    if Path(__file__) not in modules:
        raise RuntimeError(f"cannot read the sample generator's source in {Path(__file__).parent}")
    return tuple(node.value for path in modules for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Constant) and isinstance(node.value, str))

