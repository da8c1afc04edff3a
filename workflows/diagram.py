"""A workflow as mermaid `stateDiagram-v2` text, labelled in one language.

Written here rather than with transitions' GraphMachine because its mermaid
output labels states and edges with their codes only.
"""
from .spec import SYSTEM, Workflow


def _clean(text: str) -> str:
    # ':' and '"' end a mermaid label early.
    return text.replace(":", "：").replace('"', "'")


def mermaid(wf: Workflow, locale: str = "zh", current: str | None = None) -> str:
    lines = ["stateDiagram-v2"]
    for s in wf.states:
        lines.append(f'  state "{_clean(s.label(locale))}" as {s.code}')
    lines.append(f"  [*] --> {wf.initial}")
    english = locale.startswith("en")
    for t in wf.transitions:
        for src in t.sources:
            label = _clean(t.label(locale))
            if wf.state(src).timeout == t.trigger:
                label += " (automatic)" if english else "（到期自动）"
            elif SYSTEM in t.roles:  # e.g. an invitation withdrawn when its case ends
                label += " (also automatic)" if english else "（也可由系统自动）"
            lines.append(f"  {src} --> {t.dest}: {label}")
    for s in wf.states:
        if s.terminal:
            lines.append(f"  {s.code} --> [*]")
    if current:
        lines.append("  classDef current fill:#ffe8a3,stroke:#b58100,stroke-width:2px")
        lines.append(f"  class {current} current")
    return "\n".join(lines) + "\n"
