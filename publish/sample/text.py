"""Free text: the facts of a penalty decision as inspectors write them, with the people, phone
and ID numbers and business secrets that departments leave in.
"""
from __future__ import annotations

import random
from datetime import date

from . import names as N
from .codes import ID_STYLES, PHONE_STYLES, PHONE_WRITINGS, format_id, format_phone
from .formats import cn_date
from .truth import Plant, card_plant, email_plant, home_plant, id_plant, name_plant, phone_plant
from .world import Person, Subject, World


def _person_details(rng: random.Random, person: Person, plants: list[Plant]) -> str:
    parts = []
    if rng.random() < 0.7:
        style = rng.choice(ID_STYLES)
        written = format_id(person.id_number, style)
        # (an ID number with digits appended is a certificate's number: 残疾人证号)
        parts.append(f"{'残疾人证号' if style == 'appended' else '身份证号码'}：{written}")
        plants.append(id_plant(written, person.id_number, style, "text_details", "facts"))
    if rng.random() < 0.6:
        style = rng.choice(PHONE_WRITINGS)
        written = format_phone(person.phone, style)
        parts.append(f"联系电话{written}")
        plants.append(phone_plant(written, person.phone, style, "text_details", "facts"))
    if rng.random() < 0.25:
        parts.append(f"{rng.choice(('住址：', '家住'))}{person.address}")
        plants.append(home_plant(person.address, "text_details", "facts"))
    return "，".join(parts)


def secret_terms(rng: random.Random, subject: Subject) -> list[str]:
    trade = subject.trade if subject.kind in ("company", "coop") else rng.choice(N.TRADE_NAMES)
    templates = rng.sample(N.SECRET_TEMPLATES, rng.choice((1, 1, 2)))
    return [t.format(trade=trade, n=rng.randint(2, 60), temp=rng.randint(1180, 1380),
                     price=rng.randrange(800, 9000)) for t in templates]


def facts_text(world: World, rng: random.Random, department: str, subject: Subject,
               violation: tuple[str, str, str], inspected: date | None,
               with_secrets: bool, plants: list[Plant] | None = None) -> tuple[str, list[str]]:
    """违法事实: what the inspectors found, with the personal details departments leave in (each
    added to `plants`)."""
    if plants is None:
        plants = []  # (the benchmark's writer keeps none)
    _, found, basis = violation
    found = found.format(n=rng.randint(2, 60))
    lead = f"{cn_date(inspected)}，" if inspected else ""
    site = rng.choice(N.SITES[department])
    sentences = []
    if subject.kind == "person":
        p = subject.person
        if p is None:
            raise ValueError(f"natural person {subject.name} has no Person")
        id_style = rng.choice(ID_STYLES)
        label = rng.choice(("住址：", "家住"))
        phone_style = rng.choice(PHONE_STYLES)
        written_id, written_phone = format_id(p.id_number, id_style), format_phone(p.phone, phone_style)
        sentences.append(
            f"当事人{p.name}，{'男' if p.male else '女'}，{p.birth.year}年{p.birth.month}月出生，"
            f"身份证号码{written_id}，{label}{p.address}，联系电话{written_phone}。")
        plants += [name_plant(p.name, "facts_person_header", "facts"),
                   id_plant(written_id, p.id_number, id_style, "text_details", "facts"),
                   home_plant(p.address, "text_details", "facts"),
                   phone_plant(written_phone, p.phone, phone_style, "text_details", "facts")]
        sentences.append(f"{lead}本机关执法人员检查发现{found}。")
    else:
        code = f"（统一社会信用代码：{subject.uscc}）" if rng.random() < 0.3 else ""
        sentences.append(f"{lead}本机关执法人员依法对当事人{subject.name}{code}位于"
                         f"{subject.address.split('号')[0]}号的{site}进行现场检查，发现{found}。")
        sentences.extend(_third_parties(world, rng, department, subject, plants))
    secrets: list[str] = []
    if with_secrets:
        secrets = secret_terms(rng, subject)
        sentences.append(rng.choice(N.SECRET_SENTENCES).format(secrets="、".join(secrets)))
    if rng.random() < 0.4:
        sentences.append(f"经查，当事人违法所得共计人民币{rng.randint(300, 90000)}元。")
    if rng.random() < 0.6:
        sentences.append(f"当事人的上述行为违反了{basis[:basis.index('》') + 1]}的有关规定。")
    sentences.append(rng.choice(N.CLOSINGS))
    return "".join(sentences), secrets


def _third_parties(world: World, rng: random.Random, department: str, subject: Subject,
                   plants: list[Plant]) -> list[str]:
    """The people a department's text names besides the subject."""
    out = []
    rep = subject.rep
    if subject.kind == "shop" and rep and rng.random() < 0.8:
        plants.append(name_plant(rep.name, "facts_operator", "facts"))
        details = _person_details(rng, rep, plants)
        out.append(f"经营者{rep.name}" + (f"（{details}）" if details else "") + "在场。")
    elif rep and rng.random() < 0.4:
        out.append(f"当事人法定代表人{rep.name}对上述事实予以确认。")
        plants.append(name_plant(rep.name, "facts_representative", "facts"))
    if subject.kind != "shop" and rng.random() < 0.45:
        q = rng.choice(world.bystanders)
        plants.append(name_plant(q.name, "facts_site_manager", "facts"))
        details = _person_details(rng, q, plants)
        out.append(f"现场负责人：{q.name}" + (f"（{details}）" if details else "") + "。")
    if department == "transport" and rng.random() < 0.6:
        q = rng.choice(world.bystanders)
        plate = rng.randrange(10 ** 5)
        style = rng.choice(PHONE_STYLES)
        written_phone = format_phone(q.phone, style)
        out.append(f"驾驶员{q.name}（身份证号码{q.id_number}）驾驶车牌号为赣H{plate:05d}"
                   f"的重型货车，联系电话{written_phone}。")
        plants += [name_plant(q.name, "facts_driver", "facts"),
                   id_plant(q.id_number, q.id_number, "plain", "text_driver", "facts"),
                   phone_plant(written_phone, q.phone, style, "text_driver", "facts")]
    if rng.random() < 0.12:
        q = rng.choice(world.shareholders)
        shown = q.name if rng.random() < 0.7 else q.name[:2] + "某某"
        out.append(f"当事人股东{shown}负责日常经营。")
        if shown == q.name:  # (a pseudonym, 欧阳某某, is no one's name)
            plants.append(name_plant(q.name, "facts_shareholder", "facts"))
    if rng.random() < 0.1:
        q = rng.choice(world.bystanders)
        card = q.bank_card
        if rng.random() < 0.4:
            card = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
        out.append(f"财务人员{q.name}通过其个人银行卡（卡号：{card}）收取货款{rng.randint(2, 90) * 100}元。")
        plants += [name_plant(q.name, "facts_finance_staff", "facts"),
                   card_plant(card, q.bank_card, "text_card", "facts")]
    if rng.random() < 0.08:
        q = rep or rng.choice(world.bystanders)
        out.append(f"当事人通过联系邮箱{q.email}向客户发送报价单。")
        plants.append(email_plant(q.email, "text_email", "facts"))
    if rng.random() < 0.1:
        out.append(f"单位座机0798-{rng.choice('2345678')}{rng.randrange(10 ** 6):06d}。")
    return out

