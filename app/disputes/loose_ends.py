"""What is still open on a case (a legal opinion not yet acknowledged, a
follow-up visit still planned, a referral, an elder's invitation), listed in
the closing form so that a mediator closes the case knowingly.

Closing is not refused for them (only an open referral refuses it:
workflows/dispute.py, guard no_open_referrals), and closing withdraws none of
them: the rows of a case are withdrawn or cancelled when the case leaves the
states in which they can go on (an agreement reached, mediation ended), which
is before it can be closed; but an elder accepted for a session that has come
is left to the mediator to record (took part, or did not come). Each domain whose rows hang on a case installs,
from its init_app, a function (case, reader) -> its open rows as LooseEnds,
leaving out what the reader may not see on the case page. A loose end may
carry the steps that tie it, at hand in the list (an accepted elder: took
part, or did not come), each a small form of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..i18n import current_locale, translate


@dataclass(frozen=True)
class LooseStep:
    trigger: str
    label: str  # in the page's language
    url: str  # where the step is posted
    form: object  # its form: the CSRF token and the version the user saw


@dataclass(frozen=True)
class LooseEnd:
    kind: str  # what it is, in the page's language ("Legal opinion")
    name: str  # which one (the lawyer, the department, the planned day)
    state: str  # where it stands, in the page's language
    url: str
    steps: tuple[LooseStep, ...] = ()  # the steps at hand that tie it
    hint: str | None = None  # what the steps are for, in the page's language


Provider = Callable[[object, object], list[LooseEnd]]
PROVIDERS: dict[str, Provider] = {}


def install(kind: str, fn: Provider) -> None:
    """Called from a package's init_app; the order of installation is the order of the list."""
    if PROVIDERS.get(kind, fn) is not fn:
        raise ValueError(f"loose-end provider {kind!r} is installed twice")
    PROVIDERS[kind] = fn


def loose_end(row, name: str, url: str, steps: tuple[LooseStep, ...] = (), hint: str | None = None) -> LooseEnd:
    """A workflow row as the list names it: its workflow's name and its state's, in the page's language."""
    locale = current_locale()
    wf = row.__workflow__
    return LooseEnd(translate(wf.label, locale), name, translate(wf.state(row.state).label, locale), url, steps,
                    hint)


def of_case(dispute, user) -> list[LooseEnd]:
    return [end for fn in PROVIDERS.values() for end in fn(dispute, user)]


# What a step of the case withdraws with it --------------------------------------
# A step that takes the case out of the states in which a lawyer or an elder can still work on it (an agreement,
# a termination...) withdraws their open requests in its own transaction (the workflows say why: an answer
# that comes after cannot change what was recorded). The step's form lists them, so that the mediator who is
# waiting for an answer (a lawyer checking the draft terms) knows before taking the step. Each domain installs
# a function (case, reader, destination state) -> the LooseEnds the step would withdraw; it sends no
# statement unless the step leaves those states.

WithdrawnBy = Callable[[object, object, str], list[LooseEnd]]
WITHDRAWN_BY: dict[str, WithdrawnBy] = {}


def install_withdrawn(kind: str, fn: WithdrawnBy) -> None:
    if WITHDRAWN_BY.get(kind, fn) is not fn:
        raise ValueError(f"withdrawn-by-step provider {kind!r} is installed twice")
    WITHDRAWN_BY[kind] = fn


def withdrawn_by(dispute, user, t) -> list[LooseEnd]:
    """What taking the step `t` on the case would withdraw, that `user` sees."""
    if t.dest == dispute.state:
        return []
    return [end for fn in WITHDRAWN_BY.values() for end in fn(dispute, user, t.dest)]
