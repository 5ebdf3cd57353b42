"""Shared helpers for driving the app in tests, and the runbook's eight alerts."""

from __future__ import annotations

import time

#: the alerts the runbook names, the rules ship and the procedures cover
EIGHT_ALERTS = [
    "GenesisOrchestratorDown",
    "SLAAvailabilityBreach",
    "CriticalFailureRate",
    "CriticalOrchestrationLatency",
    "HighOrchestrationLatency",
    "HighFailureRate",
    "StabilityScoreDropped",
    "RouterEfficiencyLow",
]


async def wait_until(pilot, predicate, timeout: float, what: str) -> None:
    """Let the app run until `predicate()` holds; fail saying what did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"not within {timeout}s: {what}")


def toasts(app) -> list[str]:
    """The notifications on screen now, each as its toast reads (title and message)."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


async def finish_actions(pilot) -> None:
    """Let every action the app has started run to its end (its worker completes)."""
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete([w for w in app.workers if w.group == "actions"])
    await pilot.pause()
