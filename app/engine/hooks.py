"""Named guards and effects, registered by the domain packages.

A guard answers "may this step happen?" with None (yes) or a message for the
user. It is called with data=None when the engine only asks which actions to
offer; a guard that needs submitted data then answers None.
An effect writes the step's consequences to the row (never its state), inside
the same transaction as the state change and its audit event.
"""
from collections import defaultdict
from collections.abc import Callable

GUARDS: dict[str, Callable] = {}
EFFECTS: dict[tuple[str, str], list[Callable]] = defaultdict(list)


def guard(name: str):
    def register(fn):
        if name in GUARDS:
            raise ValueError(f"guard {name!r} is registered twice")
        GUARDS[name] = fn
        return fn

    return register


def effect(workflow: str, trigger: str):
    def register(fn):
        EFFECTS[(workflow, trigger)].append(fn)
        return fn

    return register


def unknown_guards(workflows) -> list[str]:
    return sorted({g for wf in workflows for t in wf.transitions for g in t.guards} - GUARDS.keys())
