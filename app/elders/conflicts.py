"""Conflict-of-interest check between an elder and the parties of a case.
Pure: reads attributes of the elder (name, address, grid_id, relations) and
of the parties (name, kind, id_number, phone, address), so it works on the
ORM rows and on plain test objects alike.

An elder is flagged when
- the elder *is* a party: the same ID number when both are known (and then
  only that decides); otherwise the same phone; otherwise the same name and
  the same address;
- a declared relation is a party: the same ID number when both are known
  (an ID number tells two people of the same name apart); otherwise the same
  phone; otherwise the same name; or the relation lives at the party's
  address (the address declared on the relation);
- the elder lives at a party's address;
- the elder has a party's surname and lives in the case's grid (in a small
  grid a shared surname often means a family).
Two addresses are the same when, written without spaces, punctuation and
full-width forms, one contains the other: "莱阳市城厢街道幸福路12号院3号楼"
and "幸福路12号院3号楼" are one flat, whoever left out the city and street.
Names, ID numbers and phones are compared in the normal forms of app/matching.py
(the legal opinions' check uses the same).
A flag does not forbid the invitation: the mediator gives a reason to go
ahead, which is audited.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..matching import normal_id, same_name, same_phone

# Two-character surnames, so that 欧阳明 and 欧阳华 share 欧阳, not just 欧.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 澹台 呼延 南宫 独孤 "
    "西门 申屠 太史 闻人 东郭 赫连 百里 万俟 钟离 宗政 濮阳 公冶 单于 仲孙".split()
)
_ADDRESS_NOISE = re.compile(r"[\s,，、.。·\-－—_#()（）]")


@dataclass(frozen=True)
class Conflict:
    kind: str            # "self", "relation", "address" or "surname_grid"
    party: str           # the party's name
    relation: str | None = None   # the relation's code (codes.RELATIONS), for "relation"
    basis: str | None = None      # what matched: "id_number", "phone", "name", "address" or "name_address"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "party": self.party, "relation": self.relation, "basis": self.basis}


def normal_address(value: str | None) -> str:
    return _ADDRESS_NOISE.sub("", unicodedata.normalize("NFKC", value or "")).lower()


# Shorter than this, a written address ("12号", "3楼") names no one place, so
# it is not allowed to match by being contained in a longer one.
MIN_CONTAINED_ADDRESS = 5


def same_address(one: str | None, other: str | None) -> bool:
    a, b = normal_address(one), normal_address(other)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= MIN_CONTAINED_ADDRESS and shorter in longer


def surname(name: str | None) -> str:
    name = re.sub(r"\s", "", unicodedata.normalize("NFKC", name or ""))
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def relation_matches(relation, party) -> str | None:
    """What shows that a declared relation is this party, or None."""
    rel_id, party_id = normal_id(relation.id_number), normal_id(party.id_number)
    if rel_id and party_id:
        return "id_number" if rel_id == party_id else None
    else:
        if same_phone(relation.phone, party.phone):
            return "phone"
        if same_name(relation.name, party.name):
            return "name"
    # Another ID number is another person, but one who lives at the party's
    # address is still of the party's household.
    if same_address(getattr(relation, "address", None), party.address):
        return "address"
    return None


def elder_is_party(elder, party) -> str | None:
    """What shows that the elder is this party, or None."""
    elder_id, party_id = normal_id(getattr(elder, "id_number", None)), normal_id(party.id_number)
    if elder_id and party_id:
        return "id_number" if elder_id == party_id else None
    if same_phone(getattr(elder, "phone", None), party.phone):
        return "phone"
    # A name alone is too common to say "this is the elder"; with the address it is.
    if same_name(elder.name, party.name) and same_address(elder.address, party.address):
        return "name_address"
    return None


def find(elder, parties, case_grid_id) -> list[Conflict]:
    found = []
    home = normal_address(elder.address)
    elder_surname = surname(elder.name)
    for party in parties:
        basis = elder_is_party(elder, party)
        if basis:
            # The elder is this party: nothing else about them needs saying.
            found.append(Conflict("self", party.name, basis=basis))
            continue
        for relation in elder.relations:
            basis = relation_matches(relation, party)
            if basis:
                found.append(Conflict("relation", party.name, relation.relation, basis))
        if home and same_address(home, party.address):
            found.append(Conflict("address", party.name))
        if (case_grid_id is not None and elder.grid_id == case_grid_id and getattr(party, "kind", "person") == "person"
                and elder_surname and elder_surname == surname(party.name)):
            found.append(Conflict("surname_grid", party.name))
    return found
