"""What each role is called, as English msgids translated through the catalogue."""
from ..i18n import N_, translate

ROLE_LABELS = {
    "mediator": N_("Mediator"),
    "gridworker": N_("Grid worker"),
    "elder": N_("Elder"),
    "lawyer": N_("Volunteer lawyer"),
    "coordinator": N_("Coordinator"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Administrator"),
    "liaison": N_("Department liaison"),
    "assistant": N_("Grid assistant"),
    "system": N_("System"),
    "anonymous": N_("Member of the public"),
    # Not a user's role: another system calling the JSON API (app/api), as the audit log names it.
    "api_client": N_("Integrated system"),
}


def role_label(role: str, locale: str) -> str:
    label = ROLE_LABELS.get(role)
    return translate(label, locale) if label else role
