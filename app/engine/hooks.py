"""Named guards and effects, installed by the domain packages' init_app.

A guard answers "may this step happen?" with None (yes) or a message for the
user. It is called with data=None when the engine only asks which actions to
offer; a guard that needs submitted data then answers None.
An effect writes the step's consequences to the row (never its state), inside
the same transaction as the state change and its audit event.
A step hook is the same for every step of every workflow: a shared service
that follows whatever a user does to a row (the notifications read once their
reader has acted on the row) installs one, rather than an effect per step.
"""
from collections import defaultdict
from collections.abc import Callable

GUARDS: dict[str, Callable] = {}
EFFECTS: dict[tuple[str, str], list[Callable]] = defaultdict(list)
STEP_HOOKS: list[Callable] = []


def install_guard(name: str, fn: Callable) -> None:
    """Make guard `name` known to the engine. Installing the same function
    again (a second app in one process, as the tests make) changes nothing;
    another function under a taken name is a mistake."""
    if GUARDS.get(name, fn) is not fn:
        raise ValueError(f"guard {name!r} is registered twice")
    GUARDS[name] = fn


def install_effect(workflow: str, trigger: str, fn: Callable) -> None:
    """Run `fn` after `trigger` of `workflow`, after the effects installed
    before it: the order of installation is the order of running."""
    if fn not in EFFECTS[(workflow, trigger)]:
        EFFECTS[(workflow, trigger)].append(fn)


def install_step_hook(fn: Callable) -> None:
    """Run `fn(entity, actor, trigger, now)` after every step's effects, in
    its transaction (installing it again changes nothing)."""
    if fn not in STEP_HOOKS:
        STEP_HOOKS.append(fn)


class Hooks:
    """A package's guards and effects, collected where they are written
    (`@hooks.guard(...)`, `@hooks.effect(...)`) and handed to the engine only
    when the package's `init_app` calls `install()`: importing a module
    registers nothing, and the app factory states the order."""

    def __init__(self):
        self.guards: dict[str, Callable] = {}
        self.effects: list[tuple[str, str, Callable]] = []

    def guard(self, name: str):
        def collect(fn):
            if name in self.guards:
                raise ValueError(f"guard {name!r} is written twice")
            self.guards[name] = fn
            return fn

        return collect

    def effect(self, workflow: str, trigger: str):
        def collect(fn):
            self.effects.append((workflow, trigger, fn))
            return fn

        return collect

    def install(self) -> None:
        for name, fn in self.guards.items():
            install_guard(name, fn)
        for workflow, trigger, fn in self.effects:
            install_effect(workflow, trigger, fn)


def unknown_guards(workflows) -> list[str]:
    return sorted({g for wf in workflows for t in wf.transitions for g in t.guards} - GUARDS.keys())
