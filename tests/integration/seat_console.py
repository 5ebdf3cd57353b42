"""A demo console for the tmux seats test: `python seat_console.py DIR` (records in DIR)."""

import sys
from pathlib import Path

from console.audit import AuditLog
from console.commands import _make_app  # noqa: F401  (the same wiring as the CLI)
from console.demo import start_demo
from console.sources.registry import build_sources
from console.timeline import Timeline
from console.ui.app import GenesisApp

folder = Path(sys.argv[1])
stack = start_demo("orchestrator-down", offset=200, seed=7)
try:
    app = GenesisApp(
        stack.config,
        sources_factory=lambda: build_sources(stack.config, replace=stack.simulated_sources()),
        audit_log=AuditLog(folder / "audit.jsonl"),
        timeline=Timeline(folder / "timeline.jsonl"),
        escalation_stand_in=stack.escalation_stand_in,
    )
    app.run()
finally:
    stack.stop()
