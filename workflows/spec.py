"""Workflow definitions as plain data.

A workflow is a set of states and the transitions between them. Nothing here
knows about Flask or the database: the engine (app/engine) binds these
definitions to rows. `validate()` is run by `flask workflows check` and by the
test suite, so a mistake in a definition is caught before it reaches a case.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

# Every role a person can hold, plus "system" for timers.
ROLES = (
    "mediator",
    "gridworker",
    "elder",
    "lawyer",
    "coordinator",
    "supervisor",
    "admin",
    # A department's contact person (联络员), who answers the referrals sent to it.
    "liaison",
    # A grid assistant (楼栋长, volunteer) who reports disputes of their grid.
    "assistant",
)
SYSTEM = "system"
KNOWN_ACTORS = frozenset(ROLES) | {SYSTEM}


class WorkflowError(ValueError):
    """A workflow definition is inconsistent; the message names the problem."""


@dataclass(frozen=True)
class State:
    code: str
    # English, marked for extraction (workflows/i18n.py); shown through the
    # catalogue with app.i18n.translate.
    label: str
    terminal: bool = False
    # A state with a deadline gets a due time on entry; if `timeout` names a
    # trigger, the timer runner fires it once the due time has passed.
    deadline: timedelta | None = None
    timeout: str | None = None
    # A legal period counted in whole days (Civil Code art. 201): it starts the
    # day after the event and ends at midnight, local time, of its last day.
    whole_days: bool = False
    # A legal period (Civil Code art. 203): when its last day is a rest day
    # (a statutory holiday, or a weekend day that is not a 调休 working day),
    # it ends at the end of the next working day. Whole-day periods always are.
    legal_period: bool = False
    # The name of a setting (hours, or a timedelta) that replaces `deadline`
    # where an installation chooses its own period; `deadline` is the default.
    deadline_setting: str | None = None
    # The name of the entity's own column holding the due time, for a state
    # whose due time is a date chosen per row (a follow-up planned for a day).
    due_from: str | None = None
    # A state that itself means "the deadline was missed" (an overdue
    # follow-up waiting for escalation, a missed sweep): its rows are red
    # whatever their next due time, which only times the next step.
    late: bool = False
    # A state no row rests in: entered by the row's creation and left by its
    # first step in the same transaction (a legal-opinion request's draft,
    # which the "request" step, with its guards, leaves at once). A reader's
    # history tells the two as that one step (app/timeline.py); the audit log
    # keeps both. The elders' "suggested" is not one: a suggestion records
    # the elder's rank, a step of its own worth reading.
    transient: bool = False

    @property
    def has_deadline(self) -> bool:
        return self.deadline is not None or self.due_from is not None


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    label: str
    required: tuple[str, ...] = ()
    # Fields the step's form offers and records but does not insist on.
    optional: tuple[str, ...] = ()
    reason_required: bool = False
    guards: tuple[str, ...] = ()
    # Keep the due time of the source state (e.g. the 30-day mediation clock
    # runs from acceptance, through assignment, into mediation).
    keep_deadline: bool = False
    # Name of a submitted field holding a number of days to add to the
    # current due time (an extension agreed by both parties).
    extend_by: str | None = None
    # Name of a submitted field holding a local date (ISO or date) from which
    # the destination's whole-day period runs instead of the step's own day
    # (a signed agreement takes effect on the day it was signed).
    deadline_from: str | None = None
    # Buttons styled as dangerous / needing confirmation in the UI.
    danger: bool = False


@dataclass(frozen=True)
class Workflow:
    name: str
    label: str
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    _state_index: dict = field(init=False, repr=False, compare=False)
    _trigger_index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_state_index", {s.code: s for s in self.states})
        index: dict[tuple[str, str], Transition] = {}
        for t in self.transitions:
            for src in t.sources:
                index.setdefault((t.trigger, src), t)
        object.__setattr__(self, "_trigger_index", index)

    def state(self, code: str) -> State:
        return self._state_index[code]

    def has_state(self, code: str) -> bool:
        return code in self._state_index

    def transition(self, trigger: str, source: str) -> Transition | None:
        return self._trigger_index.get((trigger, source))

    def triggers(self) -> set[str]:
        return {t.trigger for t in self.transitions}

    def outgoing(self, source: str) -> list[Transition]:
        return [t for t in self.transitions if source in t.sources]

    def timeout_states(self) -> list[State]:
        return [s for s in self.states if s.timeout]

    def validate(self) -> None:
        """Raise WorkflowError listing every problem found."""
        problems = validation_problems(self)
        if problems:
            raise WorkflowError(f"workflow {self.name!r}: " + "; ".join(problems))


def validation_problems(wf: Workflow) -> list[str]:
    problems: list[str] = []
    codes = [s.code for s in wf.states]
    known = set(codes)
    for code in {c for c in codes if codes.count(c) > 1}:
        problems.append(f"state {code!r} is defined twice")
    if wf.initial not in known:
        problems.append(f"initial state {wf.initial!r} is not a defined state")

    seen_pairs: dict[tuple[str, str], str] = {}
    for t in wf.transitions:
        if not t.sources:
            problems.append(f"transition {t.trigger!r} has no source state")
        for src in t.sources:
            if src not in known:
                problems.append(f"transition {t.trigger!r} starts from unknown state {src!r}")
            key = (t.trigger, src)
            if key in seen_pairs and seen_pairs[key] != t.dest:
                problems.append(
                    f"trigger {t.trigger!r} is ambiguous from state {src!r} "
                    f"(goes to {seen_pairs[key]!r} and {t.dest!r})"
                )
            seen_pairs.setdefault(key, t.dest)
        if t.dest not in known:
            problems.append(f"transition {t.trigger!r} goes to unknown state {t.dest!r}")
        both = set(t.required) & set(t.optional)
        if both:
            problems.append(f"transition {t.trigger!r} lists {sorted(both)} as both required and optional")
        if t.extend_by and t.extend_by not in t.required:
            problems.append(f"transition {t.trigger!r} extends by {t.extend_by!r}, which is not a required field")
        if not t.roles:
            problems.append(f"transition {t.trigger!r} allows no role")
        for role in t.roles:
            if role not in KNOWN_ACTORS:
                problems.append(f"transition {t.trigger!r} names unknown role {role!r}")

    for s in wf.states:
        if s.timeout:
            if not s.has_deadline:
                problems.append(f"state {s.code!r} has a timeout but no deadline")
            if wf.transition(s.timeout, s.code) is None:
                problems.append(
                    f"state {s.code!r} times out with {s.timeout!r}, "
                    f"which is not a transition from it"
                )
            elif SYSTEM not in wf.transition(s.timeout, s.code).roles:
                problems.append(f"timeout {s.timeout!r} of state {s.code!r} must allow role 'system'")
        if s.whole_days and (s.deadline is None or s.deadline % timedelta(days=1)):
            problems.append(f"state {s.code!r} counts whole days but its deadline is not a number of days")
        if s.deadline_setting and s.deadline is None:
            problems.append(f"state {s.code!r} names a deadline setting but no default deadline")
        if s.due_from and s.deadline is not None:
            problems.append(f"state {s.code!r} has both a fixed deadline and a per-row due time")
        if s.terminal and wf.outgoing(s.code):
            problems.append(f"terminal state {s.code!r} has outgoing transitions")
        if not s.terminal and s.code in known and not wf.outgoing(s.code):
            problems.append(f"state {s.code!r} is a dead end: not terminal and no way out")

    if wf.initial in known:
        reached = {wf.initial}
        queue = deque([wf.initial])
        while queue:
            here = queue.popleft()
            for t in wf.outgoing(here):
                if t.dest in known and t.dest not in reached:
                    reached.add(t.dest)
                    queue.append(t.dest)
        for code in codes:
            if code not in reached:
                problems.append(f"state {code!r} is unreachable from {wf.initial!r}")
    return problems
