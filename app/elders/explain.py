"""Scores and conflicts in words, in the reader's language."""
from flask_babel import gettext as _

from ..dates import days_ago_text
from ..disputes import codes as dispute_codes
from ..i18n import DEFAULT_LOCALE, current_locale
from . import codes


def _type(code) -> str:
    return dispute_codes.label(dispute_codes.DISPUTE_TYPES, code, current_locale())


def factor_words(factor: dict) -> str:
    """One part of a score (ranking.Factor.as_dict()) as a sentence."""
    code, value = factor["code"], factor.get("value")
    if code == "expertise":
        return _("Good at %(type)s disputes", type=_type(value))
    if code == "category":
        kind = dispute_codes.label(codes.CATEGORIES, value, current_locale())
        return _("A %(kind)s suits this type of dispute", kind=kind)
    if code == "same_community":
        return _("Lives in the case's community")
    if code == "same_street":
        return _("Lives in the case's street, another community")
    if code == "load":
        return _("%(n)s open invitations or cases now", n=value) if value else _("No open case now")
    if code == "never_asked":
        return _("Never asked before")
    if code == "days_since_asked":
        return _("Last asked %(when)s", when=days_ago_text(value))  # 今天, 昨天, 3天前
    return code


def conflict_words(conflict: dict) -> str:
    party = conflict["party"]
    kind = conflict["kind"]
    basis = {"id_number": _("same ID number"), "phone": _("same phone"), "name": _("same name"),
             "address": _("lives at the party's address"),
             "name_address": _("same name and address")}.get(conflict.get("basis"), "")
    if kind == "self":
        return _("The elder is the party %(party)s: %(basis)s", party=party, basis=basis)
    if kind == "relation":
        relation = dispute_codes.label(codes.RELATIONS, conflict.get("relation"), current_locale())
        return _("Declared relation (%(relation)s) to the party %(party)s: %(basis)s",
                 relation=relation, party=party, basis=basis)
    if kind == "address":
        return _("Lives at the same address as the party %(party)s", party=party)
    if kind == "surname_grid":
        return _("Same surname as the party %(party)s and lives in the case's grid", party=party)
    return kind


# The audit record keeps the conflicts as the centre's own record reads them, in Chinese.
_ZH_KIND = {"self": "本人即当事人", "relation": "申报的利害关系人", "address": "与当事人同一住址", "surname_grid": "与当事人同姓且同网格"}
_ZH_BASIS = {"id_number": "证件号码相同", "phone": "电话相同", "name": "姓名相同", "address": "住址相同",
             "name_address": "姓名和住址相同"}


def conflicts_for_record(conflicts: list[dict]) -> str:
    parts = []
    for c in conflicts:
        text = f"{_ZH_KIND.get(c['kind'], c['kind'])}：{c['party']}"
        if c["kind"] == "relation":
            relation = dispute_codes.label(codes.RELATIONS, c.get("relation"), DEFAULT_LOCALE)
            text += f"（{relation}，{_ZH_BASIS.get(c.get('basis'), '')}）"
        elif c["kind"] == "self":
            text += f"（{_ZH_BASIS.get(c.get('basis'), '')}）"
        parts.append(text)
    return "；".join(parts)
