"""The one executor: one action of a kind at a time, war-room locks, audit, then refresh."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from console.actions.plan import Outcome, Plan, Progress, scrub
from console.audit import AuditLog, who
from console.clock import format_rfc3339
from console.sources.base import run_blocking
from console.text import redact_record


class ActionBusy(Exception):
    """An action of this kind is already running (here, or on another console)."""


def _outcome_word(outcome: Outcome | None) -> str:
    """The audit log's outcome: ok, failed, busy (nothing ran: someone else was) or cancelled."""
    if outcome is None:
        return "cancelled"
    if outcome.ok:
        return "ok"
    return "failed" if outcome.ran else "busy"


class ActionRunner:
    """Runs confirmed plans; every run ends in one fsynced audit record."""

    def __init__(
        self,
        audit: AuditLog,
        *,
        read_only: bool = False,
        lock: Callable[[str, str], AbstractAsyncContextManager[None]] | None = None,
        clock: Callable[[], float] = time.time,
        on_record: Callable[[dict[str, Any], str | None], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.audit = audit
        #: told of every record with None once it is durable, or with why it is not in the
        #: audit log (the war-room timeline listens here: what ran is told either way)
        self.on_record = on_record
        #: told when the audit log took the record but others could rewrite it
        self.on_warning = on_warning
        self.read_only = read_only
        #: async (kind) -> async context manager that holds the war-room lock, or None
        self.lock = lock
        self.clock = clock
        self.running: dict[str, str] = {}

    def busy(self, kind: str) -> str | None:
        """What is running of this kind on this console, or None."""
        return self.running.get(kind)

    async def run(self, plan: Plan, progress: Progress | None = None) -> Outcome:
        """Execute a confirmed plan, record it, and return how it ended."""
        if self.read_only:
            return Outcome(False, "read-only: actions are off")
        if plan.kind in self.running:
            raise ActionBusy(f"{self.running[plan.kind]} is already running")
        self.running[plan.kind] = plan.title
        started = self.clock()
        say = progress or (lambda text: None)
        try:
            if self.lock is not None and plan.kind == "restart":
                async with self.lock(plan.kind, plan.title):
                    outcome = await plan.execute(say)
            else:
                outcome = await plan.execute(say)
        except ActionBusy as exc:
            outcome = Outcome(False, str(exc), ran=False)
        except asyncio.CancelledError:
            outcome = Outcome(False, "interrupted before it finished")
            await self._record(plan, outcome, started)
            raise
        except Exception as exc:  # an executor bug must still be recorded and shown
            outcome = Outcome(False, f"failed: {type(exc).__name__}: {exc}")
        finally:
            self.running.pop(plan.kind, None)
        outcome = dataclasses.replace(outcome, message=scrub(outcome.message, plan.secrets))
        unrecorded = await self._record(plan, outcome, started)
        if unrecorded:
            # it ran, but success is only reported once it is on record: say both
            return dataclasses.replace(
                outcome,
                ok=False,
                message=f"{outcome.message} — but NOT in the audit log: {unrecorded}",
            )
        return outcome

    async def record_cancel(self, plan: Plan) -> str | None:
        """A confirmation the engineer declined: part of the story, nothing ran."""
        return await self._record(plan, None, self.clock())

    async def _record(self, plan: Plan, outcome: Outcome | None, started: float) -> str | None:
        """Append the audit record; None when it is durable, else why it could not be."""
        now = self.clock()
        record: dict[str, Any] = {
            "time": format_rfc3339(now),
            **who(),
            "action": plan.kind,
            "target": plan.target,
            "plan": plan.record(),
            "outcome": _outcome_word(outcome),
            "message": "confirmation declined" if outcome is None else outcome.message,
            "duration": round(now - started, 3),  # seconds
            "undo": outcome.undo if outcome else None,
        }
        text_fields = ("message",)
        for key in text_fields:
            record[key] = scrub(str(record[key]), plan.secrets)
        # nothing on record carries a URL password: not the plan, the undo or the message
        record = redact_record(record)
        unrecorded = warning = None
        try:
            warning = await run_blocking(self.audit.append, record)
        except OSError as exc:
            unrecorded = f"cannot write {self.audit.path}: {exc.strerror or exc}"
        if warning and self.on_warning is not None:
            self.on_warning(warning)
        if self.on_record is not None:
            self.on_record(record, unrecorded)
        return unrecorded
