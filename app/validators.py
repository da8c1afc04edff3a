"""Field validators shared by every form that takes personal data, and the
reading of a form's hidden row version."""
import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation, ValidationError

from . import clock

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_number_valid(value: str) -> bool:
    """Resident ID number (GB 11643-1999): 17 digits and a check character."""
    value = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == value[17]


def phone_field(label, own: bool = False, **kwargs):
    """A phone number's field: type "tel" and the phone keypad. Only the one
    who types their own number (a resident reporting) is offered the
    browser's autofill of it: staff type the numbers of others, where
    autofill would offer the staff member's own."""
    from wtforms import TelField
    from wtforms.validators import Optional

    render_kw = {"inputmode": "tel", "autocomplete": "tel" if own else "off"}
    return TelField(label, validators=[Optional(), phone], render_kw=render_kw, **kwargs)


def phone(form, field):
    if field.data and not PHONE.match(field.data.strip()):
        raise ValidationError(_l("Enter a mobile number of 11 digits, or a landline like 0535-1234567."))


def resident_id(form, field):
    if field.data and not id_number_valid(field.data.strip()):
        raise ValidationError(_l("This ID number is not valid: check the digits (the last one may be X)."))


def not_in_future(form, field):
    # The centre's day, not UTC's: before 08:00 in Beijing, UTC is still on yesterday.
    if field.data and field.data > clock.today():
        raise ValidationError(_l("This date is in the future."))


MAX_AMOUNT = Decimal("999999999999.99")  # what Numeric(14, 2) holds
EARLIEST_YEAR = 1950


def amount(form, field):
    """A sum of money in yuan: finite, not negative, and one the database can hold."""
    value = field.data
    if value is None:
        return
    if not value.is_finite():
        raise StopValidation(_l("Enter an amount in yuan, e.g. 2000 or 2000.50."))
    if value < 0:
        raise StopValidation(_l("The amount cannot be negative."))
    if value > MAX_AMOUNT:
        raise StopValidation(_l("This amount is too large; check the digits."))


def plausible_date(form, field):
    if field.data and field.data.year < EARLIEST_YEAR:
        raise ValidationError(_l("Check the year of this date."))


def year_2000_to_2100(form, field):
    """Days people plan or record work for: a typo in the year is caught."""
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between 2000 and 2100."))


def form_version(value) -> int:
    """The row version a form carried; anything odd counts as stale (-1)."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 12 else -1


# A day as people write it: 2027-02-07, 2027/2/7, 2027.2.7 or 2027年2月7日 (the
# pages show 2027/2/7): the admin's holiday notice and the rota's unavailable
# dates read the same forms.
WRITTEN_DAY = re.compile(r"(\d{4})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?")


def written_day(text: str):
    """The day `text` writes in one of WRITTEN_DAY's forms, or None (not a
    day, or no such day: 2027-02-30)."""
    match = WRITTEN_DAY.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(*(int(n) for n in match.groups()))
    except ValueError:
        return None
