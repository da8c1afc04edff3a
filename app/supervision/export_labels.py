"""How an export's audit event reads: what was exported, in which format,
with which filters, as words ("导出内容：统计；格式：Excel 文件；筛选条件：登记日期
2026-01-01 至 2026-12-31；按月"). The events keep their codes (machine-readable,
as recorded since exports were first audited); these are the labels the app
factory installs for them (labels.install_codes, install_group)."""
from __future__ import annotations

from ..i18n import N_, NC_
from ..labels import Group

# What an export holds (the recorded "export"): the supervisors' files, the case file, the lawyers' rota.
EXPORT_KINDS = {
    "closures": N_("Closed cases"),
    "statistics": N_("Statistics"),
    "casefile": N_("Case file"),
    "rota": N_("Volunteer lawyers' Saturday rota"),
    "my_duties": N_("A lawyer's own duties"),
}
FILE_FORMATS = {
    "csv": N_("CSV file"),
    "xlsx": N_("Excel file (XLSX)"),
    "print": N_("Print view"),
    "pdf": N_("PDF file"),
    "ics": N_("Calendar file (.ics)"),
}
# The closure history's sign-off filter and the statistics' trend step, as recorded in an export's filters.
REVIEW_FILTER = {"awaiting": N_("Awaiting sign-off"), "signed_off": N_("Signed off"), "none": N_("No review")}
TREND_STEPS = {"month": N_("monthly"), "week": N_("weekly")}

# Code lists under names of their own: no recorded field but these filters holds them.
CODE_FIELDS = {"export": EXPORT_KINDS, "format": FILE_FORMATS, "review_filter": REVIEW_FILTER,
               "trend_step": TREND_STEPS}

# The filters of the closure and statistics exports (forms.ClosureFilterForm,
# StatsFilterForm, with the period the statistics covered) and the rota's month.
FILTERS = Group(
    keys={
        "date_from": (N_("Closed from"), None), "date_to": (N_("Closed until"), None),
        "month_from": (N_("From month"), None), "month_to": (N_("To month"), None),
        "street": (N_("Street"), "street_id"), "area": (N_("Area"), "area_id"),
        "community": (N_("Community"), "community_id"), "grid": (N_("Grid"), "grid_id"),
        "dispute_type": (N_("Type of dispute"), "dispute_type"), "channel": (N_("How it came in"), "channel"),
        "outcome": (NC_("closure", "Outcome"), "closed_as"), "mediator": (N_("Mediator"), "mediator_id"),
        "review": (N_("Sign-off"), "review_filter"),
        "days_min": (N_("Days taken, at least"), None), "days_max": (N_("Days taken, at most"), None),
        "step": (None, "trend_step"), "m": (N_("Month"), None),
    },
    ranges=(("first_day", "last_day", N_("Registration dates"), ("month_from", "month_to")),
            ("date_from", "date_to", N_("Closing dates"), ())),
)
