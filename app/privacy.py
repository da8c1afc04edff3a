"""Masking of personal data (PIPL): ID numbers and phones are shown masked
unless a user who works the case asks to reveal them, which is audited."""

PERSONAL_KEYS = frozenset({"id_number", "phone", "applicant_phone", "respondent_phone", "reporter_phone"})


def mask_id(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_data(data: dict) -> dict:
    masked = {}
    for key, value in data.items():
        if key in PERSONAL_KEYS and isinstance(value, str):
            masked[key] = mask_id(value) if "id" in key else mask_phone(value)
        else:
            masked[key] = value
    return masked
