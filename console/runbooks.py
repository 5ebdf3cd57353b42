"""Runbook procedures: one Markdown file per alert, bundled or overridden by the user.

A procedure file looks like this::

    # AlertName
    A short paragraph: severity, SLA impact, response time.

    ## Immediate response
    1. [action:restart] Restart the orchestrator if the automatic restart failed.
       ```sh
       sudo systemctl status genesis-orchestrator
       ```

Each `##` heading is a section and each list item in it a step. A step may start
with an action tag (one of ACTIONS) naming the console action it stands for, and the
fenced shell blocks under it are its commands (shown for copying, never run).
The user's file `$XDG_CONFIG_HOME/genesis-console/runbooks/<AlertName>.md` replaces
the bundled one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from console import paths

ACTIONS = frozenset({"restart", "cache_clear", "silence", "maintenance", "escalate"})
KIND = "runbooks"
MAX_BYTES = 256 * 1024

# Alert names come from alert labels, which anyone who can push an alert controls:
# a plain file name only, no separators, no "..", no leading dot.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_ITEM = re.compile(r"^(?P<indent> *)(?:\d{1,9}[.)]|[-*+])\s+(?P<text>.*)$")
_HEADING = re.compile(r"^(?P<level>#{1,6})(?:\s+(?P<text>.*?))?\s*#*\s*$")
_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
_TAG = re.compile(r"^\[action:(?P<name>[A-Za-z_]+)\]\s*(?P<text>.*)$", re.S)
_SHELL = {"", "sh", "bash", "shell", "zsh", "console"}


@dataclass(slots=True)
class Step:
    """One numbered step: its text, the console action it stands for, its shell commands."""

    text: str
    action: str | None = None
    commands: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Section:
    """A `##` section of a procedure and its steps."""

    title: str
    steps: list[Step] = field(default_factory=list)


@dataclass(slots=True)
class Procedure:
    """The runbook procedure for one alert."""

    title: str
    intro: str
    sections: list[Section] = field(default_factory=list)
    source: Path | None = None

    def section(self, title: str) -> Section | None:
        """The section with this title (case-insensitive), or None."""
        wanted = title.strip().casefold()
        return next((s for s in self.sections if s.title.casefold() == wanted), None)

    def action_steps(self) -> list[Step]:
        """Every step that stands for a console action, in order."""
        return [step for s in self.sections for step in s.steps if step.action]


def is_safe_name(alertname: object) -> bool:
    """Whether an alert name can be used as a file name without leaving the folder."""
    return (
        isinstance(alertname, str)
        and _SAFE_NAME.fullmatch(alertname) is not None
        and ".." not in alertname
    )


def _commands(lines: list[str]) -> list[str]:
    """Commands of a shell block: one per line, comments dropped, `\\` lines joined."""
    out: list[str] = []
    pending = ""
    for raw in lines:
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("$ ") and not pending:
            line = line[2:]
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        out.append((pending + line).strip())
        pending = ""
    if pending.strip():
        out.append(pending.strip())
    return [c for c in out if c]


def _finish(step: Step, parts: list[str]) -> None:
    text = " ".join(" ".join(parts).split())
    tag = _TAG.match(text)
    if tag and tag.group("name") in ACTIONS:
        step.action = tag.group("name")
        text = tag.group("text").strip()
    step.text = text


def parse_procedure(text: str, fallback_title: str = "") -> Procedure:
    """Parse a procedure's Markdown; anything it does not recognise is skipped."""
    title = ""
    intro: list[list[str]] = [[]]
    sections: list[Section] = []
    step: Step | None = None
    parts: list[str] = []
    content_col = 0  # where the current step's text starts; deeper items are nested
    blank_before = False

    def close_step() -> None:
        nonlocal step, parts
        if step is not None:
            _finish(step, parts)
        step, parts = None, []

    lines = iter(text.splitlines())
    for line in lines:
        fence = _FENCE.match(line)
        if fence:
            mark = fence.group("fence")
            body: list[str] = []
            for inner in lines:
                closing = inner.strip()
                if closing.startswith(mark) and not closing.strip(mark[0]):
                    break
                body.append(inner)
            if step is not None and fence.group("info").lower() in _SHELL:
                step.commands.extend(_commands(body))
            blank_before = False
            continue
        stripped = line.strip()
        if not stripped:
            blank_before = True
            if not sections and intro[-1]:
                intro.append([])
            continue
        heading = _HEADING.match(stripped) if not line[:1].isspace() else None
        if heading:
            level = len(heading.group("level"))
            name = (heading.group("text") or "").strip()
            if level == 1 and not title and not sections:
                title = name
            else:
                close_step()
                if level == 2:
                    sections.append(Section(name))
            blank_before = False
            continue
        item = _ITEM.match(line)
        if not sections:
            intro[-1].append(stripped)
        elif item and (step is None or len(item.group("indent")) < content_col):
            close_step()
            step = Step("")
            sections[-1].steps.append(step)
            parts = [item.group("text")]
            content_col = item.start("text")
        elif step is not None and (line[:1].isspace() or not blank_before):
            # a continuation of the step: indented, nested, or right after its last line
            parts.append(item.group("text") if item else stripped)
        blank_before = False
    close_step()
    paragraphs = [" ".join(" ".join(p).split()) for p in intro if p]
    return Procedure(title or fallback_title, "\n\n".join(paragraphs), sections)


def _folders() -> list[Path]:
    return [paths.user_dir(KIND), paths.bundled_dir(KIND)]


def _read(path: Path) -> str | None:
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            return None
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def load_procedure(alertname: str) -> Procedure | None:
    """The procedure for an alert: the user's override, else the bundled file, else None."""
    if not is_safe_name(alertname):
        return None
    for folder in _folders():
        path = folder / f"{alertname}.md"
        text = _read(path)
        if text is not None:
            procedure = parse_procedure(text, alertname)
            procedure.source = path
            return procedure
    return None


def available() -> list[str]:
    """The alert names that have a procedure, bundled or the user's, sorted."""
    names: set[str] = set()
    for folder in _folders():
        try:
            names.update(
                p.stem for p in folder.glob("*.md") if p.is_file() and is_safe_name(p.stem)
            )
        except OSError:
            continue
    return sorted(names)
