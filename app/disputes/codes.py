"""Code lists from DOMAIN.md §4: stored code -> English label, translated
through the catalogue (app.i18n). `label` and `choices` read any code list."""
from ..i18n import N_, NC_, translate

DISPUTE_TYPES = {
    "marriage_family": N_("Marriage and family"),
    "neighbour": N_("Neighbours"),
    "housing_land": N_("Housing and homestead"),
    "contract": N_("Contract"),
    "business": N_("Production and business"),
    "damages": N_("Damages"),
    "forest_land": N_("Forest and land"),
    "expropriation": N_("Land expropriation and demolition"),
    "pollution": N_("Environmental pollution"),
    "labour": N_("Labour"),
    "consumer": N_("Consumer"),
    "medical": N_("Medical"),
    "traffic": N_("Road traffic"),
    "property_mgmt": N_("Property management"),
    "parking": N_("Parking"),
    "other": N_("Other"),
}

CHANNELS = {
    "photo": N_("Resident photo report"),
    "patrol": N_("Grid patrol"),
    "iot": N_("IoT sensor"),
    "walk_in": N_("Walk-in"),
    "phone": N_("Phone / 12345"),
    "sweep": NC_("channel", "Screening sweep"),
    "police": N_("Handed over by police"),
    "court": N_("Referred by court"),
    "government": N_("Assigned by government"),
    "lawyer": N_("From a lawyer consultation"),
    "assistant": N_("Reported by a grid assistant"),
}

PARTY_ROLES = {
    "applicant": N_("Applicant"),
    "respondent": N_("Respondent"),
    "agent": N_("Agent"),
}

ROUTES = {
    "court": N_("Court"),
    "arbitration": N_("Arbitration"),
    "administrative": N_("Administrative body"),
    "other": NC_("route", "Other"),
}

RISK_LEVELS = {
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
}

AGREEMENT_FORMS = {
    "written": N_("Written"),
    "oral": N_("Oral"),
}

# The court's ruling on an application for judicial confirmation (Mediation
# Law art. 33): the agreement confirmed valid, or the application rejected.
CONFIRMED, REJECTED = "confirmed", "rejected"
RULINGS = {
    CONFIRMED: N_("Confirmed valid by the court"),
    REJECTED: N_("Rejected by the court"),
}

# How the parties gave their consent to an extension of the mediation period.
CONSENT_FORMS = {
    "signed": N_("Signed in writing"),
    "oral_recorded": N_("Orally, recorded by the mediator"),
    "phone": N_("By phone, recorded by the mediator"),
}

# Who asked for a recusal (`requested_by`): the mediator, or one of the case's
# parties, recorded by the party's id (shown by its name, app/__init__.py).
BY_MEDIATOR = "mediator"
RECUSAL_ASKED_BY = {
    BY_MEDIATOR: N_("The mediator"),
}

PARTY_KINDS = {
    "person": N_("Person"),
    "organisation": N_("Organisation"),
}

SEXES = {
    "male": N_("Male"),
    "female": N_("Female"),
}

ID_TYPES = {
    "resident_id": N_("Resident ID card"),
    "hk_macau_permit": N_("Mainland travel permit (Hong Kong, Macao)"),
    "taiwan_permit": N_("Mainland travel permit (Taiwan)"),
    "passport": N_("Passport"),
    "foreign_permanent": N_("Foreigner's permanent residence ID"),
    "credit_code": N_("Unified social credit code"),
    "other": NC_("ID type", "Other"),
}


def label(codes: dict, code: str | None, locale: str) -> str:
    if code not in codes:
        return code or ""
    return translate(codes[code], locale)


def choices(codes: dict, locale: str) -> list[tuple[str, str]]:
    return [(code, label(codes, code, locale)) for code in codes]
