"""Masking of personal data (PIPL): ID numbers and phones are shown masked
unless a user who works the case asks to reveal them, which is audited.
Which fields are personal is decided once, by the audit core, which stores
them encrypted (app/audit/personal.py); a value whose key was destroyed reads
as ERASED and is shown as "erased"."""
from .audit.personal import is_personal  # noqa: F401 - the one list, re-exported


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


def mask_name(value: str | None) -> str:
    """A person's name with only its first character kept (张** for 张三丰):
    enough to tell parties apart in a list, not to name them."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[:1] + "*" * max(len(value) - 1, 1)


def _mask(key: str, value):
    if not isinstance(value, str):
        return value
    return mask_id(value) if key.endswith("id_number") else mask_phone(value)


def mask_data(data: dict) -> dict:
    """Mask every ID number and phone, also inside nested data such as an
    edit's {"changes": {"phone": [before, after]}}."""
    masked = {}
    for key, value in data.items():
        if is_personal(key) and isinstance(value, list):
            masked[key] = [_mask(key, v) for v in value]
        elif is_personal(key):
            masked[key] = _mask(key, value)
        elif isinstance(value, dict):
            masked[key] = mask_data(value)
        else:
            masked[key] = value
    return masked
