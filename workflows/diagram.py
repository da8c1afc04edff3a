"""A workflow as mermaid `stateDiagram-v2` text, labelled in one language.

Written here rather than with transitions' GraphMachine because its mermaid
output labels states and edges with their codes only. The labels are English
msgids: the caller passes the function that translates them (app.i18n), so
this module stays free of Flask and of the catalogue.
"""
from typing import Callable

from .i18n import N_
from .spec import SYSTEM, Workflow

AUTOMATIC = N_("%(step)s (automatic)")
# A step the system may also take, e.g. an invitation withdrawn when its case ends.
ALSO_AUTOMATIC = N_("%(step)s (also automatic)")


def _clean(text: str) -> str:
    # ':' and '"' end a mermaid label early. A Chinese label takes the full-width colon it would
    # have been written with; an English one a dash ("Repaired： back to" read as a typo).
    return text.replace(": ", " – ").replace(":", "：").replace('"', "'")


def mermaid(wf: Workflow, translate: Callable[[str], str], current: str | None = None) -> str:
    lines = ["stateDiagram-v2"]
    for s in wf.states:
        lines.append(f'  state "{_clean(translate(s.label))}" as {s.code}')
    lines.append(f"  [*] --> {wf.initial}")
    for t in wf.transitions:
        for src in t.sources:
            label = translate(t.label)
            if wf.state(src).timeout == t.trigger:
                label = translate(AUTOMATIC) % {"step": label}
            elif SYSTEM in t.roles:
                label = translate(ALSO_AUTOMATIC) % {"step": label}
            lines.append(f"  {src} --> {t.dest}: {_clean(label)}")
    for s in wf.states:
        if s.terminal:
            lines.append(f"  {s.code} --> [*]")
    if current:
        lines.append("  classDef current fill:#ffe8a3,stroke:#b58100,stroke-width:2px")
        lines.append(f"  class {current} current")
    return "\n".join(lines) + "\n"
