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
    for t in wf.transitions:
        label = _clean(t.label(locale))
        if SYSTEM in t.roles:
            label += " (automatic)" if locale.startswith("en") else "（到期自动）"
        for src in t.sources:
            lines.append(f"  {src} --> {t.dest}: {label}")
    for s in wf.states:
        if s.terminal:
            lines.append(f"  {s.code} --> [*]")
    if current:
        lines.append("  classDef current fill:#ffe8a3,stroke:#b58100,stroke-width:2px")
        lines.append(f"  class {current} current")
    return "\n".join(lines) + "\n"
