"""Guards and effects of the dispute workflow (see workflows/dispute.py)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l, pgettext
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflows import DISPUTE

from .. import clock
from ..auth.models import User
from ..dates import day_text
from ..engine.deadlines import colour
from ..engine.errors import GuardFailed
from ..engine.hooks import Hooks
from ..extensions import db
from ..notifications.service import notify
from ..org.models import Grid
from .agreement import confirmation_window
from .codes import BY_MEDIATOR, RULINGS
from .judicial import forget as forget_judicial_confirmation, judicial_confirmation
from .models import ANONYMOUS_REPORTER, FileCounter, Recusal
from .scope_rule import supervises

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()

CENTS = Decimal("0.01")
# A supervisor's 督办 of a late case (workflows/dispute.py; the dispute's own
# `urge` is the mediator's press for performance).
URGE_CASE = "urge_mediators"
# The parties whose consent an extension needs (an agent acts for one of them).
CONSENTING_ROLES = ("applicant", "respondent")


@hooks.guard("has_parties")
def has_parties(dispute, actor, data):
    if not dispute.parties:
        return _l("Register at least one party before accepting the case.")
    return None


@hooks.guard("was_accepted")
def was_accepted(dispute, actor, data):
    if dispute.file_no is None:
        return _l("This case was never accepted: it has no file number, so it cannot be mediated to an agreement. "
                  "Ask a supervisor to return it to intake (待受理) for acceptance.")
    return None


@hooks.guard("never_accepted")
def never_accepted(dispute, actor, data):
    if dispute.file_no is not None:
        return _l("This case was accepted (it has a file number): it goes back into mediation, "
                  "not to the on-the-spot resolution or to intake.")
    return None


@hooks.guard("assignee_in_scope")
def assignee_in_scope(dispute, actor, data):
    if data is None:
        return None
    try:
        user = db.session.get(User, int(data.get("mediator_id")))
    except (TypeError, ValueError):
        user = None
    if user is None or user.role != "mediator" or not user.active:
        return _l("Choose an active mediator.")
    if user.community_id != dispute.community_id:
        return _l("The mediator must belong to the case's community.")
    return None


@hooks.guard("not_recused")
def not_recused(dispute, actor, data):
    """A mediator who stepped aside is never again lead or co-mediator."""
    if data is None:
        return None
    chosen = {_as_int(data.get("mediator_id"))} | {_as_int(i) for i in data.get("co_mediator_ids") or ()}
    for recusal in dispute.recusals:
        if recusal.mediator_id in chosen:
            return _l("%(name)s stepped aside (回避) from this case and may not be its lead or co-mediator again.",
                      name=recusal.mediator.display_name)
    return None


@hooks.guard("lead_not_co_mediator")
def lead_not_co_mediator(dispute, actor, data):
    """The lead is not also a co-mediator: ticked as both, the history would
    name them as a co-mediator the case never had."""
    if data is None:
        return None
    lead = _as_int(data.get("mediator_id"))
    if lead is not None and lead in {_as_int(i) for i in data.get("co_mediator_ids") or ()}:
        name = db.session.get(User, lead)
        return _l("%(name)s is the lead mediator: untick them among the co-mediators.",
                  name=name.display_name if name is not None else lead)
    return None


@hooks.guard("recusal_valid")
def recusal_valid(dispute, actor, data):
    if data is None:
        return None
    mediator_id = _as_int(data.get("recused_mediator_id"))
    for recusal in dispute.recusals:
        if recusal.mediator_id == mediator_id:
            return _l("%(name)s has already stepped aside from this case: a mediator is recused only once.",
                      name=recusal.mediator.display_name)
    if mediator_id is None or not (mediator_id == dispute.assignee_id
                                   or any(m.id == mediator_id for m in dispute.co_mediators)):
        return _l("Choose the lead or a co-mediator of this case.")
    requested_by = str(data.get("requested_by") or "")
    if requested_by != BY_MEDIATOR and _as_int(requested_by) not in {p.id for p in dispute.parties}:
        return _l("Say who asked for the recusal: the mediator, or one of this case's parties.")
    return None


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@hooks.guard("refusing_party_of_case")
def refusing_party_of_case(dispute, actor, data):
    if data is None:
        return None
    if _as_int(data.get("refusing_party")) not in {p.id for p in dispute.parties if p.role in CONSENTING_ROLES}:
        return _l("Say which party refused: an applicant or a respondent of this case.")
    return None


@hooks.guard("is_assignee")
def is_assignee(dispute, actor, data):
    if dispute.assignee_id is not None and not dispute.works_on(actor):
        return _l("Only the mediators assigned to the case may do this.")
    return None


@hooks.guard("both_sides_named")
def both_sides_named(dispute, actor, data):
    """An agreement binds named parties on both sides: an applicant and a
    respondent, none of them the anonymous reporter of a photo report."""
    if data is None:
        return None  # offer the action; say what is missing when it is tried
    roles = {p.role for p in dispute.parties}
    if not {"applicant", "respondent"} <= roles or any(p.name == ANONYMOUS_REPORTER for p in dispute.parties):
        return _l("Before recording an agreement, register both sides with their real names: "
                  "use “Add a party” and the edit buttons under Parties.")
    return None


@hooks.guard("agreement_complete")
def agreement_complete(dispute, actor, data):
    """A written agreement carries the contents the law asks for (art. 29):
    facts, matters in dispute, responsibilities, and how, where and by when
    the terms are performed. An oral one is recorded by its terms. (The
    performance deadline's date is checked by record_agreement, which knows
    the step's day.)"""
    if data is None or data.get("form") != "written":
        return None
    if missing_written_contents(data):
        return WRITTEN_CONTENTS
    return None


WRITTEN_AGREEMENT_FIELDS = ("main_facts", "matters", "responsibilities", "perform_how", "perform_where", "perform_by")
WRITTEN_CONTENTS = _l("A written agreement needs the facts, the matters in dispute, each party's responsibility, "
                      "and how, where and by when it is performed.")
WRITTEN_FIELD_NEEDED = _l("A written agreement must state this (People's Mediation Law art. 29).")


def missing_written_contents(data) -> list[str]:
    """The contents a written agreement lacks, by field name."""
    return [name for name in WRITTEN_AGREEMENT_FIELDS if not str(data.get(name) or "").strip()]


def performance_deadline_problem(perform_by, agreed_on: date):
    """What is wrong with a performance deadline (履行期限) for an agreement
    reached on `agreed_on`, or None. Before the agreement it is a typo in the
    year (the printed 协议书 would bind the parties to a day gone by, and the
    follow-up on it would be late from the start); more than
    AGREEMENT_PERFORM_MAX_YEARS ahead it is almost always one too, and an
    agreement cannot be corrected once recorded, so it is refused rather
    than warned about (a centre whose agreements run longer raises the
    setting)."""
    if perform_by is None:
        return None
    if perform_by < agreed_on:
        return _l("The performance deadline cannot be before the agreement is reached (%(date)s): check the "
                  "year.", date=day_text(agreed_on))
    years = int(current_app.config["AGREEMENT_PERFORM_MAX_YEARS"])
    latest = _years_after(agreed_on, years)
    if perform_by > latest:
        return _l("The performance deadline is more than %(years)s years after the agreement (at the latest "
                  "%(date)s): check the year.", years=years, date=day_text(latest))
    return None


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def agreement_problems(data, agreed_on: date) -> dict:
    """The agreement form's problems by field (every one at once), as the
    step's checks would find them one at a time."""
    problems = {}
    if data.get("form") == "written":
        problems.update((name, WRITTEN_FIELD_NEEDED) for name in missing_written_contents(data))
    try:
        perform_by = _as_date(data.get("perform_by"))
    except ValueError:
        perform_by = None
    deadline = performance_deadline_problem(perform_by, agreed_on)
    if deadline:
        problems["perform_by"] = deadline
    return problems


@hooks.guard("extension_allowed")
def extension_allowed(dispute, actor, data):
    """Within the centre's settings: so many extensions, so many days in all.
    Once they are used up the step is not offered; tried anyway, it says why."""
    most = current_app.config["DISPUTE_MAX_EXTENSIONS"]
    most_days = current_app.config["DISPUTE_MAX_EXTENSION_DAYS"]
    used, used_days = dispute.extension_count or 0, dispute.extension_days or 0
    allowed = _l("Mediation should end within 30 days of acceptance; the law allows longer only with the "
                 "parties' consent, and this centre allows at most %(count)s extension(s) of %(days)s days in all.",
                 count=most, days=most_days)
    if used >= most or used_days >= most_days:
        return _l("%(allowed)s This case has had %(used)s extension(s) of %(used_days)s days: conclude the "
                  "mediation (agreement, or terminate it and tell the parties their routes).",
                  allowed=allowed, used=used, used_days=used_days)
    if data is None:
        return None
    try:
        days = int(data.get("days"))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= most_days - used_days:
        return _l("%(allowed)s This extension may be of 1 to %(left)s days.",
                  allowed=allowed, left=most_days - used_days)
    return None


@hooks.guard("all_parties_consent")
def all_parties_consent(dispute, actor, data):
    if data is None:
        return None
    needed = {p.id for p in dispute.parties if p.role in CONSENTING_ROLES}
    given = {int(i) for i in data.get("consenting_parties") or ()}
    if not needed <= given or not given <= {p.id for p in dispute.parties}:
        return _l("An extension needs the consent of every party: tick each applicant and respondent who "
                  "consented, and say how they did.")
    return None


@hooks.guard("signing_valid")
def signing_valid(dispute, actor, data):
    """A written agreement is signed once, by every party (agents sign for
    no one here) and the lead mediator, on a day from its drafting to today."""
    if dispute.agreement_form != "written":
        return _l("Only a written agreement is signed; an oral one took effect when it was recorded.")
    if dispute.signed_on is not None:
        return _l("The signing of this agreement is already recorded.")
    if data is None:
        return None
    problems = signing_problems(dispute, data)
    return problems.get("signed_on") or problems.get("signers")


def signing_problems(dispute, data) -> dict:
    """The signing form's problems by field, every one at once (the step's
    guard says the first)."""
    problems = {}
    try:
        signed_on = _as_date(data.get("signed_on"))
    except ValueError:
        signed_on = None
    if signed_on is None:
        problems["signed_on"] = _l("Give the date the agreement was signed.")
    elif dispute.agreed_at is not None and signed_on < clock.local_date(dispute.agreed_at):
        problems["signed_on"] = _l("The agreement was drafted on %(date)s: it cannot have been signed before.",
                                   date=day_text(clock.local_date(dispute.agreed_at)))
    elif signed_on > clock.today():
        problems["signed_on"] = _l("The signing date cannot be in the future.")
    missing = [name for key, name in signer_choices(dispute) if key not in set(data.get("signers") or ())]
    if missing:
        problems["signers"] = _l("The agreement takes effect only when every party and the mediator have signed: "
                                 "%(names)s did not.", names=pgettext("list separator", ", ").join(missing))
    return problems


def _date_given(data, name):
    try:
        return _as_date(data.get(name))
    except ValueError:
        return None


def _day_problem(day, earliest, missing, too_early, in_future):
    """What is wrong with a day given for what happened from `earliest` to today."""
    if day is None:
        return missing
    if day < earliest:
        return too_early
    if day > clock.today():
        return in_future
    return None


@hooks.guard("confirmation_application_valid")
def confirmation_application_valid(dispute, actor, data):
    """Recorded once, while the 30 days for judicial confirmation run, for an
    application made from the day the agreement took effect to today."""
    window = confirmation_window(dispute)
    if window is None:
        return _l("The agreement is not yet in effect: record its signing first; the parties may apply for "
                  "judicial confirmation within 30 days from then.")
    if judicial_confirmation(dispute).applied:
        return _l("The application for judicial confirmation is already recorded.")
    if not window.is_open:
        return _l("The 30 days to apply for judicial confirmation ended on %(date)s.",
                  date=day_text(window.last_day))
    if data is None:
        return None
    return _day_problem(
        _date_given(data, "applied_on"), window.took_effect,
        _l("Give the date the parties applied to the court."),
        _l("The agreement took effect on %(date)s: the application cannot have been made before.",
           date=day_text(window.took_effect)),
        _l("The date of the application cannot be in the future."))


@hooks.guard("ruling_valid")
def ruling_valid(dispute, actor, data):
    """The court's ruling, once, on a recorded application, dated from the
    application to today."""
    status = judicial_confirmation(dispute)
    if not status.applied:
        return _l("Record the parties' application for judicial confirmation first: the court rules on it.")
    if status.ruling:
        return _l("The court's ruling on judicial confirmation is already recorded.")
    if data is None:
        return None
    if data.get("ruling") not in RULINGS:
        return _l("Choose the court's ruling.")
    return _day_problem(
        _date_given(data, "ruled_on"), status.applied_on,
        _l("Give the date of the court's ruling."),
        _l("The parties applied on %(date)s: the court cannot have ruled before.", date=day_text(status.applied_on)),
        _l("The date of the ruling cannot be in the future."))


@hooks.guard("confirmation_rejected")
def confirmation_rejected(dispute, actor, data):
    """Back into mediation only once the court has rejected the application
    for judicial confirmation of the agreement now in effect (art. 33)."""
    status = judicial_confirmation(dispute)
    if status.confirmed:
        return _l("The court confirmed this agreement as valid: it is not mediated again. If a party does not "
                  "perform it, the other may apply to the people's court for enforcement.")
    if not status.rejected:
        return _l("The case goes back into mediation only after the court rejects the application for judicial "
                  "confirmation of its agreement: record the application and the court's ruling first.")
    return None


@hooks.guard("case_by_supervisor")
def case_by_supervisor(dispute, actor, data):
    if supervises(actor, dispute):
        return None
    return _l("Only the supervisors of the case's street, or of the city, may urge this case.")


@hooks.guard("case_late_or_due_soon")
def case_late_or_due_soon(dispute, actor, data):
    """督办 presses for work that is late or nearly so: a case on track is
    its mediators' to plan."""
    if colour(dispute) in ("red", "yellow"):
        return None
    return _l("Only a case that is overdue or due soon can be urged: this one is on track.")


def signer_choices(dispute) -> list[tuple[str, str]]:
    """Who must sign, as (form key, name): the applicants and respondents,
    then the lead mediator."""
    found = [(f"party-{p.id}", p.name) for p in dispute.parties if p.role != "agent"]
    if dispute.assignee is not None:
        found.append((f"user-{dispute.assignee.id}", dispute.assignee.display_name))
    return found


def _next_file_seq(year: int) -> int:
    """Bump the year's counter inside the accepting transaction: the row lock
    (PostgreSQL) or the write lock (SQLite) makes concurrent accepts take
    turns, and a rollback gives the number back, so there are no gaps."""
    session = db.session
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    # The year's row may not exist yet; two first accepts must not both fail.
    session.execute(insert_fn(FileCounter).values(year=year, last=0).on_conflict_do_nothing())
    return session.execute(
        update(FileCounter).where(FileCounter.year == year).values(last=FileCounter.last + 1)
        .returning(FileCounter.last)
    ).scalar_one()


@hooks.effect("dispute", "accept")
def number_the_file(dispute, actor, data, now):
    # The centre's year, not UTC's: Beijing's 1 January starts at 16:00 UTC
    # on 31 December, and a case accepted then belongs to the new year.
    year = clock.local_date(now).year
    seq = _next_file_seq(year)
    prefix = current_app.config.get("FILE_NO_PREFIX", "莱人调字")
    dispute.file_year = year
    dispute.file_seq = seq
    dispute.file_no = f"({year}){prefix}第{seq}号"


@hooks.effect("dispute", "assign")
def set_assignee(dispute, actor, data, now):
    dispute.assignee_id = int(data["mediator_id"])
    wanted = {int(i) for i in data.get("co_mediator_ids") or ()} - {dispute.assignee_id}
    dispute.co_mediators = [u for u in mediators_for(dispute) if u.id in wanted]


@hooks.effect("dispute", "extend")
def count_extension(dispute, actor, data, now):
    dispute.extension_count = (dispute.extension_count or 0) + 1
    dispute.extension_days = (dispute.extension_days or 0) + int(data["days"])


@hooks.effect("dispute", "recuse")
def clear_assignee(dispute, actor, data, now):
    requested_by = str(data["requested_by"])
    recusal = Recusal(
        dispute_id=dispute.id, mediator_id=int(data["recused_mediator_id"]),
        party_id=None if requested_by == BY_MEDIATOR else int(requested_by),
        recorded_by_id=actor.id, recused_at=now,
    )
    # Dispute.recusals is read-only (models.py): the row is added itself, and
    # appended to the collection the guard loaded so that the step sees it.
    db.session.add(recusal)
    dispute.recusals.append(recusal)
    dispute.assignee_id = None
    dispute.co_mediators = []


@hooks.effect("dispute", "reject")
@hooks.effect("dispute", "fail")
def record_route(dispute, actor, data, now):
    dispute.route = data["route"]


@hooks.effect("dispute", "party_refuses")
def record_refusal(dispute, actor, data, now):
    dispute.route = data["route"]
    dispute.refused_at = now


@hooks.effect("dispute", "resolve_on_spot")
def record_outcome(dispute, actor, data, now):
    dispute.outcome = data["outcome"]


@hooks.effect("dispute", "agree")
def record_agreement(dispute, actor, data, now):
    # Checked here, not by a guard: the deadline is weighed against the step's own day, which a guard does not
    # know (a step recorded later, by a test or the demo, for an earlier day). Refused, the step is rolled back.
    deadline = performance_deadline_problem(_as_date(data.get("perform_by")), clock.local_date(now))
    if deadline:
        raise GuardFailed(deadline, field="perform_by")
    dispute.agreement_form = data["form"]
    dispute.agreement_terms = data["terms"]
    dispute.agreement_facts = data.get("main_facts") or None
    dispute.agreement_matters = data.get("matters") or None
    dispute.agreement_responsibilities = data.get("responsibilities") or None
    dispute.perform_how = data.get("perform_how") or None
    dispute.perform_where = data.get("perform_where") or None
    dispute.perform_by = _as_date(data.get("perform_by"))
    dispute.agreed_at = now
    # A new agreement (after a breach, or the court's rejection of the last
    # one) is signed anew: its own signing starts its own confirmation window.
    dispute.signed_on = None
    dispute.signed_by = None
    amount = data.get("agreed_amount")
    dispute.agreed_amount = Decimal(str(amount)).quantize(CENTS) if amount not in (None, "") else None


@hooks.effect("dispute", "sign")
def record_signing(dispute, actor, data, now):
    names = dict(signer_choices(dispute))
    dispute.signed_on = _as_date(data["signed_on"])
    dispute.signed_by = "、".join(names[key] for key in names if key in set(data["signers"]))


@hooks.effect("dispute", "apply_confirmation")
@hooks.effect("dispute", "record_ruling")
def record_judicial_confirmation(dispute, actor, data, now):
    # What the step says is kept by its audit event alone (app/disputes/judicial.py).
    forget_judicial_confirmation(dispute)


def _as_date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@hooks.effect("dispute", "repair_unaccepted")
@hooks.effect("dispute", "repair_unaccepted_to_intake")
def set_aside_unaccepted_mediation(dispute, actor, data, now):
    """What was recorded on a case mediated without acceptance is set aside
    (the log keeps it): no agreement, route or lead mediator stays on it."""
    for name in ("agreement_form", "agreement_terms", "agreement_facts", "agreement_matters",
                 "agreement_responsibilities", "perform_how", "perform_where", "perform_by", "agreed_at", "route",
                 "assignee_id", "refused_at"):
        setattr(dispute, name, None)
    dispute.co_mediators = []


@hooks.effect("dispute", URGE_CASE)
def tell_the_responsible(dispute, actor, data, now):
    """Those who are to act on the case are told who urged it; the note is
    in the case's history."""
    told = {"supervisor": actor.display_name, "case": dispute.title}
    for user in responsible_now(dispute).people:  # an urged case is open: someone is responsible
        notify(user.id, "case_urged", entity_type="dispute", entity_id=dispute.id, data=told, now=now)


@hooks.effect("dispute", "close")
def record_closure(dispute, actor, data, now):
    dispute.summary = data["summary"]
    dispute.closed_at = now


def mediators_for(dispute) -> list[User]:
    """The mediators who may be assigned to the case: its community's, less
    those who stepped aside from it."""
    recused = dispute.recused_ids()
    return [u for u in community_mediators(dispute.community_id) if u.id not in recused]


def community_mediators(community_id) -> list[User]:
    """The active mediators of a community (a mediator's colleagues)."""
    return list(
        db.session.execute(
            select(User)
            .where(User.role == "mediator", User.active.is_(True), User.community_id == community_id)
            .order_by(User.display_name)
        ).scalars()
    )


# The states in which nobody is to act on the case any more: ended, or closed
# (its sign-off is the supervisors' own review).
ENDED_STATES = tuple(s.code for s in DISPUTE.states if s.terminal) + ("closed",)


@dataclass(frozen=True)
class Responsible:
    people: list  # the Users to urge or call, by name
    led: bool  # the case's lead mediator (else its community's mediators)


def responsible_now(dispute) -> Responsible | None:
    """Who is to act on the case now: its lead mediator, or, while it has
    none (or the lead's account is deactivated), its community's active
    mediators, any of whom may take its next step; None once it has ended."""
    if dispute.state in ENDED_STATES:
        return None
    lead = dispute.assignee
    if lead is not None and lead.active:
        return Responsible([lead], True)
    return Responsible(community_mediators(dispute.community_id), False)


def community_grids(community_id) -> list[Grid]:
    """The grids of a community, for placing one of its cases that has none."""
    return list(db.session.execute(select(Grid).where(Grid.community_id == community_id).order_by(Grid.id)).scalars())
