"""The ranking and the conflict-of-interest rules, as pure functions."""
from datetime import datetime, timedelta
from types import SimpleNamespace as NS

from app.elders import conflicts
from app.elders.ranking import Candidate, CaseFacts, rank, score

NOW = datetime(2026, 11, 27, 12, 0)
CASE = CaseFacts("neighbour", community_id=1, street_id=10)


def cand(elder_id, name, category, expertise, community_id, load, last_days):
    last = None if last_days is None else NOW - timedelta(days=last_days, hours=1)
    return Candidate(elder_id, name, category, tuple(expertise), community_id, 10, load, last)


def test_a_hand_computed_ranking():
    elders = [
        # expertise 40 + teacher suits neighbours 15 + same community 25 - 1 open x 10 + 7 days = 77
        cand(1, "甲", "teacher", ["neighbour", "marriage_family"], 1, 1, 7),
        # nothing fits; other community of the street 10, no load, never asked 20 = 30
        cand(2, "乙", "cadre", ["housing_land"], 2, 0, None),
        # 40 + veteran suits 15 + street 10 - 2 open x 10 + 40 days capped at 20 = 65
        cand(3, "丙", "veteran", ["neighbour"], 2, 2, 40),
        # community 25 + asked 3 days ago 3 = 28
        cand(4, "丁", "expert", [], 1, 0, 3),
        # 40 + an expert does not suit a neighbour quarrel 0 + 25 + 0 + asked today 0 = 65: ties with 丙,
        # and goes first with the lighter load
        cand(5, "戊", "expert", ["neighbour"], 1, 0, 0),
    ]
    ranked = rank(elders, CASE, NOW)
    assert [(r.candidate.name, r.score) for r in ranked] == [("甲", 77), ("戊", 65), ("丙", 65), ("乙", 30), ("丁", 28)]
    first = {f.code: (f.points, f.value) for f in ranked[0].factors}
    assert first == {"expertise": (40, "neighbour"), "category": (15, "teacher"), "same_community": (25, None),
                     "load": (-10, 1), "days_since_asked": (7, 7)}
    assert {f.code: f.points for f in ranked[3].factors} == {"same_street": 10, "load": 0, "never_asked": 20}
    assert sum(f.points for f in ranked[2].factors) == ranked[2].score


def test_ties_with_equal_load_go_to_whoever_waited_longer():
    a = cand(1, "甲", "teacher", ["neighbour"], 1, 0, 20)
    b = cand(2, "乙", "teacher", ["neighbour"], 1, 0, 30)  # both capped at +20
    assert [r.candidate.name for r in rank([a, b], CASE, NOW)] == ["乙", "甲"]


def test_an_elder_of_another_street_gets_no_place_points():
    far = Candidate(9, "远", "teacher", ("neighbour",), 99, 77, 0, None)
    assert {f.code for f in score(far, CASE, NOW).factors} == {"expertise", "category", "load", "never_asked"}


# --- conflicts -------------------------------------------------------------

def person(name, **kw):
    return NS(name=name, kind=kw.pop("kind", "person"), id_number=kw.pop("id_number", None),
              phone=kw.pop("phone", None), address=kw.pop("address", None), **kw)


def relation(name, rel="relative", **kw):
    return NS(name=name, relation=rel, id_number=kw.get("id_number"), phone=kw.get("phone"),
              address=kw.get("address"))


def elder(name="张德厚", *, address=None, grid_id=None, relations=(), id_number=None, phone=None):
    return NS(name=name, address=address, grid_id=grid_id, relations=list(relations), id_number=id_number,
              phone=phone)


def kinds(found):
    return [(c.kind, c.party, c.basis) for c in found]


def test_a_declared_relation_with_the_same_name_is_flagged():
    found = conflicts.find(elder(relations=[relation("李秀英")]), [person("李秀英"), person("王强")], None)
    assert kinds(found) == [("relation", "李秀英", "name")]
    assert found[0].relation == "relative"


def test_an_id_number_decides_between_two_people_of_the_same_name():
    rel = relation("李秀英", id_number="11010519491231002X")
    same = person("李秀英", id_number="11010519491231002x")
    namesake = person("李秀英", id_number="370682198001011234")
    assert kinds(conflicts.find(elder(relations=[rel]), [same], None)) == [("relation", "李秀英", "id_number")]
    assert conflicts.find(elder(relations=[rel]), [namesake], None) == []
    # The same ID under another name (a typo, a changed name) is the same person.
    renamed = person("李秀华", id_number="11010519491231002X")
    assert kinds(conflicts.find(elder(relations=[rel]), [renamed], None)) == [("relation", "李秀华", "id_number")]


def test_a_declared_relation_with_the_same_phone_is_flagged():
    rel = relation("老李", phone="138 1234 5678")
    assert kinds(conflicts.find(elder(relations=[rel]), [person("李建国", phone="13812345678")], None)) == [
        ("relation", "李建国", "phone")]


def test_living_at_a_partys_address_is_flagged_whatever_the_spacing_or_width():
    e = elder(address="幸福路12号院 3号楼-2单元")
    found = conflicts.find(e, [person("王强", address="幸福路１２号院3号楼2单元")], None)
    assert kinds(found) == [("address", "王强", None)]
    assert conflicts.find(e, [person("王强", address="幸福路12号院4号楼2单元")], None) == []


def test_same_surname_in_the_same_grid_is_flagged_but_not_elsewhere():
    e = elder("王德厚", grid_id=7)
    assert kinds(conflicts.find(e, [person("王强")], 7)) == [("surname_grid", "王强", None)]
    assert conflicts.find(e, [person("王强")], 8) == []          # the case is in another grid
    assert conflicts.find(e, [person("李强")], 7) == []          # another surname
    assert conflicts.find(e, [person("王氏物业有限公司", kind="organisation")], 7) == []


def test_compound_surnames_are_compared_whole():
    e = elder("欧阳明", grid_id=7)
    assert conflicts.find(e, [person("欧建国")], 7) == []
    assert kinds(conflicts.find(e, [person("欧阳华")], 7)) == [("surname_grid", "欧阳华", None)]


def test_no_relation_no_address_no_grid_means_no_flag():
    assert conflicts.find(elder(address="幸福路1号", grid_id=1), [person("王强", address="幸福路2号")], 2) == []


# --- the elder who is a party ---------------------------------------------

def test_an_elder_with_a_partys_id_number_is_that_party():
    e = elder("张德厚", id_number="11010519491231002x")
    found = conflicts.find(e, [person("王强"), person("张德厚", role="respondent", id_number="11010519491231002X")], None)
    assert kinds(found) == [("self", "张德厚", "id_number")]


def test_an_id_number_tells_the_elder_from_a_namesake_at_the_same_address():
    e = elder("张德厚", id_number="11010519491231002X", address="幸福路12号院3号楼2单元")
    namesake = person("张德厚", id_number="370682198001011234", address="幸福路12号院3号楼2单元")
    assert [c.kind for c in conflicts.find(e, [namesake], None)] == ["address"]


def test_an_elder_with_a_partys_phone_is_that_party():
    e = elder("张德厚", phone="+86 138-1234-5678")
    assert kinds(conflicts.find(e, [person("张老", phone="13812345678")], None)) == [("self", "张老", "phone")]


def test_same_name_and_address_is_the_party_even_behind_a_city_and_street_prefix():
    e = elder("张德厚", address="幸福路12号院3号楼2单元")
    party = person("张 德厚", address="山东省莱阳市城厢街道幸福路１２号院 3号楼2单元")
    assert kinds(conflicts.find(e, [party], None)) == [("self", "张 德厚", "name_address")]
    # The same name elsewhere is a namesake, and a flat elsewhere in the same compound is not the same flat.
    assert conflicts.find(e, [person("张德厚", address="莱阳市幸福路12号院4号楼2单元")], None) == []
    assert conflicts.find(e, [person("张德厚")], None) == []


def test_one_address_containing_the_other_is_the_same_address():
    assert conflicts.same_address("莱阳市城厢街道幸福路12号院3号楼", "幸福路12号院 3号楼")
    assert conflicts.same_address("幸福路12号院3号楼", "莱阳市城厢街道幸福路12号院3号楼")
    assert not conflicts.same_address("幸福路12号院3号楼", "幸福路12号院4号楼")
    # A fragment too short to name a place matches nothing.
    assert not conflicts.same_address("3号楼", "幸福路12号院3号楼")
    assert not conflicts.same_address(None, "幸福路12号院3号楼")
    e = elder(address="莱阳市城厢街道幸福路12号院3号楼2单元")
    assert kinds(conflicts.find(e, [person("王强", address="幸福路12号院3号楼2单元")], None)) == [
        ("address", "王强", None)]


def test_the_address_declared_on_a_relation_is_compared_with_the_parties():
    rel = relation("刘芳", rel="in_law", address="城厢街道和平路8号2单元301")
    found = conflicts.find(elder(relations=[rel]), [person("赵伟", address="莱阳市城厢街道和平路8号2单元301室")], None)
    assert kinds(found) == [("relation", "赵伟", "address")]
    assert conflicts.find(elder(relations=[rel]), [person("赵伟", address="和平路9号")], None) == []
