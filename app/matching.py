"""When two records name the same person: the normal forms that the conflict
checks compare (the elders' app/elders/conflicts.py, the legal opinions'
app/opinions/rules.py), so that both flag the same things.

- a name: NFKC (full-width letters as half-width), no spaces, case folded
  ("Li Ming" is "LI MING", "张 三" is "张三");
- an ID number: as a name, in capitals (the final check character X);
- a phone: its digits (NFKC first: full-width digits count), without the
  country code 86 written before a mobile number (+86, 86 or 0086).
"""
from __future__ import annotations

import re
import unicodedata


def normal_name(value: str | None) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or "")).casefold()


def normal_id(value: str | None) -> str:
    return normal_name(value).upper()


def normal_phone(value: str | None) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    if len(digits) == 15 and digits.startswith("0086"):
        return digits[4:]
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def same_name(one: str | None, other: str | None) -> bool:
    a = normal_name(one)
    return bool(a) and a == normal_name(other)


def same_phone(one: str | None, other: str | None) -> bool:
    a = normal_phone(one)
    return bool(a) and a == normal_phone(other)
