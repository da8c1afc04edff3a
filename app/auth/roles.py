ROLE_LABELS = {
    "mediator": ("调解员", "Mediator"),
    "gridworker": ("网格员", "Grid worker"),
    "elder": ("五老成员", "Elder"),
    "lawyer": ("公益律师", "Volunteer lawyer"),
    "coordinator": ("协调员", "Coordinator"),
    "supervisor": ("督导", "Supervisor"),
    "admin": ("管理员", "Administrator"),
    "system": ("系统", "System"),
    "anonymous": ("群众", "Member of the public"),
}


def role_label(role: str, locale: str) -> str:
    zh, en = ROLE_LABELS.get(role, (role, role))
    return en if str(locale).startswith("en") else zh
