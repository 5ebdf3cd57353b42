"""What every action is: a plan that says exactly what will run, and its executor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from console.text import redact

#: the executor reports progress with a short sentence ("waiting for /health/ready (12s)")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """How an action ended: a sentence for the screen, and how to undo it where there is a way."""

    ok: bool
    message: str
    undo: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: False when nothing was run (another console holds the war-room lock): not a failure
    ran: bool = True


@dataclass(frozen=True)
class Plan:
    """An action about to run: shown whole in the confirmation, then executed as shown.

    `lines` is exactly what will run (argv, or HTTP method, URL and body), with secrets
    redacted; it is what the prompt shows and what the audit log records. URL passwords
    in the title, target and lines are masked as the plan is made (`user:***@host`).
    """

    kind: str
    title: str
    target: str
    lines: tuple[str, ...]
    execute: Callable[[Progress], Awaitable[Outcome]] = field(compare=False, repr=False)
    #: in production, the word the engineer must type to confirm (None: y is enough)
    typed_confirmation: str | None = None
    #: sources to poll again once it has run
    refresh: tuple[str, ...] = ()
    #: values that must never be shown or logged (scrubbed from every outcome message)
    secrets: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", redact(self.title))
        object.__setattr__(self, "target", redact(self.target))
        object.__setattr__(self, "lines", tuple(redact(line) for line in self.lines))

    def record(self) -> dict[str, Any]:
        """The plan as the audit log keeps it (already redacted)."""
        return {"title": self.title, "lines": list(self.lines)}


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every secret value in `text` with a marker, and mask URL passwords."""
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, "«redacted»")
    return redact(text)


def describe_argv(argv: list[str]) -> str:
    """An argv as a person reads it: each word shell-quoted, though no shell ever runs it."""
    import shlex

    return " ".join(shlex.quote(word) for word in argv)
