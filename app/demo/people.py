"""Parties as a registration form records them (DOMAIN.md §3): sex,
ethnicity, age, a resident ID number that passes the checksum, occupation,
employer or address, phone. Deterministic for a given random generator."""
from __future__ import annotations

from datetime import date

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国秀英志强丽华文军海燕玉兰明亮春梅国庆桂芳德胜淑珍永红晓东立新俊杰"
# Mostly Han, as in Yantai; a few of the minorities living there.
ETHNICITIES = ["汉族"] * 30 + ["回族", "满族", "朝鲜族", "蒙古族"]
OCCUPATIONS = ["个体工商户", "退休职工", "企业职工", "农民", "教师", "司机", "务工人员", "自由职业", "公司职员",
               "无业"]
STREETS = ["鹤山路", "五龙路", "富水路", "旌旗路", "昌山路", "蚬河路", "梨乡路", "金山大街"]
# 莱阳市's administrative division code: the first six digits of a local ID number.
LAIYANG = "370682"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def resident_id(birth: date, sequence: int, male: bool) -> str:
    """A resident ID number (GB 11643) of Laiyang; the 17th digit is odd for a man."""
    seq = sequence % 500 * 2 + (1 if male else 0)
    body = f"{LAIYANG}{birth:%Y%m%d}{seq:03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


def details(rng, role: str, today: date, community_name: str) -> dict:
    """One party's registration fields, as Party columns."""
    male = rng.random() < 0.5
    age = rng.randint(22, 78)
    birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    if (birth.month, birth.day) > (today.month, today.day):
        age -= 1  # no birthday yet this year
    occupation = rng.choice(OCCUPATIONS)
    if occupation in ("企业职工", "公司职员", "教师", "司机"):
        where = f"莱阳市{rng.choice(STREETS)}{rng.randint(1, 200)}号（工作单位）"
    else:
        where = f"莱阳市城厢街道{community_name}{rng.randint(1, 30)}号楼{rng.randint(1, 4)}单元{rng.randint(1, 6)}0{rng.randint(1, 2)}室"
    return dict(role=role, kind="person", name=name(rng), sex="male" if male else "female",
                ethnicity=rng.choice(ETHNICITIES), age=age, id_type="resident_id",
                id_number=resident_id(birth, rng.randint(0, 499), male), occupation=occupation, address=where,
                phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}")
