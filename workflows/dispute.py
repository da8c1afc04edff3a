"""The dispute case (纠纷案件) workflow.

Follows the People's Mediation Law 2010 and the MoJ 2002 working rules:
triage within a day, mediation concluded within 30 days of acceptance unless
both parties consent to an extension, and a 30-day window after an agreement
takes effect (a written one: once signed) in which the parties may apply for
judicial confirmation (司法确认). Both periods end on a working day (Civil
Code art. 203: `legal_period`, and every `whole_days` period).
"""
from datetime import timedelta

from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

M = "mediator"
G = "gridworker"
S = "supervisor"

OPEN_BEFORE_AGREEMENT = ("submitted", "accepted", "assigned", "mediating", "extended")
MEDIATING = ("mediating", "extended")
# The states a supervisor urges a late case in: those whose deadline is the
# centre's work (triage, acceptance, assignment, mediation), not the
# parties' (the judicial-confirmation window after an agreement).
URGEABLE = OPEN_BEFORE_AGREEMENT
# The states past acceptance where a case returned without acceptance (before
# returns were fixed) may stand; the repair command takes it back from there.
# The states with an agreement in effect where the court's ruling on judicial
# confirmation is recorded (and, after a rejection, mediation taken up again).
CONFIRMATION_RULED = ("agreed", "performing", "breached", "fulfilled")
UNACCEPTED_REPAIRABLE = MEDIATING + ("agreed", "performing", "breached", "fulfilled", "failed", "refused")

DISPUTE = Workflow(
    name="dispute",
    label=N_("Dispute case"),
    initial="submitted",
    states=(
        State("submitted", N_("Submitted"), deadline=timedelta(days=1)),
        State("accepted", NC_("case state", "Accepted"), deadline=timedelta(days=30), legal_period=True),
        State("rejected", N_("Rejected"), terminal=True),
        State("resolved_on_spot", N_("Resolved on the spot")),
        State("assigned", N_("Assigned"), deadline=timedelta(days=30), legal_period=True),
        State("mediating", N_("Mediating"), deadline=timedelta(days=30), legal_period=True),
        State("extended", N_("Mediating (extended)"), deadline=timedelta(days=30)),
        State(
            "agreed",
            N_("Agreement reached"),
            deadline=timedelta(days=30),
            timeout="confirmation_window_closed",
            whole_days=True,
        ),
        State("failed", N_("Mediation failed")),
        # A party's clear refusal ends mediation (People's Mediation Law
        # art. 26): an outcome of its own, not a failed mediation.
        State("refused", N_("Ended: a party refused mediation")),
        State("performing", N_("Being performed")),
        State("fulfilled", N_("Fulfilled")),
        State("breached", N_("Not performed")),
        State("withdrawn", N_("Withdrawn"), terminal=True),
        State("closed", N_("Closed")),
        State("archived", N_("Archived"), terminal=True),
    ),
    transitions=(
        Transition("accept", ("submitted",), "accepted", (M,), NC_("case step", "Accept"), guards=("has_parties",)),
        Transition(
            "reject",
            ("submitted",),
            "rejected",
            (M,),
            N_("Reject"),
            required=("route",),
            reason_required=True,
            danger=True,
        ),
        Transition(
            "resolve_on_spot",
            ("submitted",),
            "resolved_on_spot",
            (M, G),
            N_("Resolve on the spot"),
            required=("outcome",),
        ),
        Transition(
            "assign",
            ("accepted",),
            "assigned",
            (M,),
            N_("Assign mediator"),
            required=("mediator_id",),
            optional=("co_mediator_ids",),
            guards=("assignee_in_scope", "not_recused", "lead_not_co_mediator"),
            keep_deadline=True,
        ),
        Transition(
            "start_mediation",
            ("assigned",),
            "mediating",
            (M,),
            N_("Give notice of rights and start mediation"),
            required=("notice_given",),
            guards=("is_assignee",),
            keep_deadline=True,
        ),
        Transition(
            "extend",
            MEDIATING,
            "extended",
            (M,),
            N_("Extend with both parties' consent"),
            required=("days", "consenting_parties", "consent_how"),
            reason_required=True,
            guards=("is_assignee", "extension_allowed", "all_parties_consent"),
            keep_deadline=True,
            extend_by="days",
        ),
        # Recusal (回避), asked by the mediator or by a party (which one is
        # recorded, the reason says why): the recused mediator may never lead
        # or co-mediate the case again (guard `not_recused` on `assign`).
        Transition(
            "recuse",
            ("assigned",) + MEDIATING,
            "accepted",
            (M,),
            N_("Recuse (back for reassignment)"),
            required=("recused_mediator_id", "requested_by"),
            reason_required=True,
            guards=("recusal_valid",),
            keep_deadline=True,
        ),
        # Only an accepted case (one with a file number) is mediated to an
        # agreement: an on-the-spot case that needs mediation goes through
        # intake (待受理) and acceptance first.
        Transition(
            "agree",
            MEDIATING,
            "agreed",
            (M,),
            N_("Record agreement"),
            required=("form", "terms"),
            optional=("main_facts", "matters", "responsibilities", "perform_how", "perform_where", "perform_by",
                      "agreed_amount"),
            guards=("was_accepted", "is_assignee", "both_sides_named", "agreement_complete"),
        ),
        # A written agreement takes effect when every party and the mediator
        # have signed it (Mediation Law art. 29): the judicial-confirmation
        # window runs again, from the signing date.
        Transition(
            "sign",
            ("agreed",),
            "agreed",
            (M,),
            N_("Record the signing"),
            required=("signed_on", "signers"),
            guards=("is_assignee", "signing_valid"),
            deadline_from="signed_on",
        ),
        # A written agreement whose performance started before its signing was
        # recorded (by the mediator, or by the window's timeout below) can still
        # have it recorded, in whichever state performance has reached, without
        # touching the case's due time.
        *(Transition(
            "sign",
            (state,),
            state,
            (M,),
            N_("Record the signing"),
            required=("signed_on", "signers"),
            guards=("is_assignee", "signing_valid"),
            keep_deadline=True,
        ) for state in ("performing", "breached", "fulfilled")),
        # Judicial confirmation (司法确认, Mediation Law art. 33): the parties
        # jointly apply to the basic people's court within the 30 days after
        # the agreement took effect (guard `confirmation_application_valid`),
        # and the court confirms it valid or rejects it, whenever it rules.
        # Both are records of what happened outside the centre: steps that
        # keep the case's state and due time; the log keeps what they say
        # (app/disputes/judicial.py reads it back).
        *(Transition(
            "apply_confirmation",
            (state,),
            state,
            (M,),
            NC_("case step", "Record the application for judicial confirmation"),
            required=("applied_on", "court"),
            guards=("is_assignee", "confirmation_application_valid"),
            keep_deadline=True,
        ) for state in ("agreed", "performing")),
        *(Transition(
            "record_ruling",
            (state,),
            state,
            (M,),
            NC_("case step", "Record the court's ruling on judicial confirmation"),
            required=("ruled_on", "ruling"),
            guards=("is_assignee", "ruling_valid"),
            keep_deadline=True,
        ) for state in CONFIRMATION_RULED),
        # After the court rejects the application (裁定驳回申请), the parties
        # may change the agreement or reach a new one through mediation, or
        # sue (art. 33): the mediator takes the case back into mediation, from
        # wherever the ruling was recorded, with a new 30-day period from this
        # step (no keep_deadline), as after a breach (`resume_mediation`) or a
        # supervisor's return (`reopen`); extensions already used still count.
        # Not from 已结案/已归档: a closure is signed off by a supervisor and
        # only their review returns it (`reopen`), and an archived file is
        # sealed; parties who want to mediate again after that apply anew (a
        # new case, with its own acceptance and time limit), or sue.
        Transition(
            "mediate_after_rejection",
            CONFIRMATION_RULED,
            "mediating",
            (M,),
            NC_("case step", "Mediate again after the court's rejection"),
            reason_required=True,
            guards=("is_assignee", "confirmation_rejected"),
        ),
        Transition(
            "fail",
            MEDIATING + ("breached",),
            "failed",
            (M,),
            N_("Mediation failed (terminate)"),
            required=("route",),
            reason_required=True,
            danger=True,
        ),
        Transition(
            "party_refuses",
            ("accepted", "assigned") + MEDIATING,
            "refused",
            (M,),
            N_("A party refuses mediation (end it)"),
            required=("refusing_party", "route"),
            reason_required=True,
            guards=("is_assignee", "refusing_party_of_case"),
            danger=True,
        ),
        Transition(
            "start_performance",
            ("agreed",),
            "performing",
            (M,),
            N_("Start performance"),
        ),
        Transition(
            "confirmation_window_closed",
            ("agreed",),
            "performing",
            (SYSTEM,),
            N_("Judicial-confirmation window closed"),
        ),
        Transition("fulfil", ("performing",), "fulfilled", (M,), N_("Mark fulfilled")),
        Transition(
            "breach",
            ("performing",),
            "breached",
            (M,),
            N_("Record non-performance"),
            reason_required=True,
        ),
        Transition("urge", ("breached",), "performing", (M,), N_("Press for performance")),
        Transition(
            "resume_mediation",
            ("breached",),
            "mediating",
            (M,),
            N_("Mediate again"),
            reason_required=True,
        ),
        # 督办: a supervisor of the case's street (or of the city) urges those
        # who are to act on a case that is overdue or due soon (its lead
        # mediator, or its community's mediators while it has none), with a
        # note: one transition per state back to itself, keeping the due
        # time, so the case stays red or yellow until the work is done. Its
        # own trigger: the dispute's `urge` is the mediator's press for
        # performance, which moves the case and which other packages follow.
        *(Transition("urge_mediators", (state,), state, (S,), NC_("case step", "Urge the mediators"),
                     required=("urging",), guards=("case_by_supervisor", "case_late_or_due_soon"),
                     keep_deadline=True)
          for state in URGEABLE),
        Transition(
            "withdraw",
            OPEN_BEFORE_AGREEMENT + ("agreed", "performing", "breached"),
            "withdrawn",
            (M,),
            N_("Withdrawn by the parties"),
            reason_required=True,
            danger=True,
        ),
        Transition(
            "close",
            ("resolved_on_spot",),
            "closed",
            (M, G),
            N_("Close"),
            required=("summary",),
            # Not while a department still works on a part of it (app/referrals).
            guards=("no_open_referrals",),
        ),
        Transition(
            "close",
            ("failed", "refused", "fulfilled"),
            "closed",
            (M,),
            N_("Close"),
            required=("summary",),
            guards=("no_open_referrals",),
        ),
        # A supervisor returns a closed case from its sign-off review
        # (workflows/signoff.py); the review's return fires this step, never
        # a button of its own, so the comment and the review go together.
        # The return takes the case back to where its closure came from: a
        # mediated case into mediation, an on-the-spot case back to 现场化解
        # (to be corrected and closed again) or, if the supervisor says it
        # needs real mediation, to 待受理 for acceptance.
        Transition(
            "reopen",
            ("closed",),
            "mediating",
            (S,),
            N_("Returned by the supervisor for more work"),
            reason_required=True,
            guards=("from_signoff_review", "was_accepted"),
        ),
        Transition(
            "reopen_on_spot",
            ("closed",),
            "resolved_on_spot",
            (S,),
            N_("Returned by the supervisor to correct the on-the-spot resolution"),
            reason_required=True,
            guards=("from_signoff_review", "never_accepted"),
        ),
        Transition(
            "reopen_for_intake",
            ("closed",),
            "submitted",
            (S,),
            N_("Returned by the supervisor for acceptance and mediation"),
            reason_required=True,
            guards=("from_signoff_review", "never_accepted"),
        ),
        # Repairs a case that an earlier return sent into mediation without
        # acceptance (`flask disputes unaccepted --fix`): back to 现场化解, or
        # to 待受理 when it needs real mediation. Its agreement, if one was
        # recorded, is set aside (the log keeps it).
        Transition(
            "repair_unaccepted",
            UNACCEPTED_REPAIRABLE,
            "resolved_on_spot",
            (SYSTEM,),
            N_("Repaired: back to the on-the-spot resolution (never accepted)"),
            reason_required=True,
            guards=("never_accepted",),
        ),
        Transition(
            "repair_unaccepted_to_intake",
            UNACCEPTED_REPAIRABLE,
            "submitted",
            (SYSTEM,),
            N_("Repaired: back to intake for acceptance (never accepted)"),
            reason_required=True,
            guards=("never_accepted",),
        ),
        # Sealed only once a supervisor has signed the closure off. Asked
        # about first: sealed, the case is read-only for everyone, for good.
        Transition("archive", ("closed",), "archived", (M, S), N_("Archive (seal)"),
                   guards=("closure_signed_off",), danger=True),
    ),
)
