"""The demo's own audit log and timeline: kept in the demo's folder, every record marked demo.

The real `genesis-console timeline` never reads the demo's folder; the mark says what a
record is wherever a copy of it ends up.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from console.audit import AuditLog
from console.timeline import Entry, Timeline


class DemoAuditLog(AuditLog):
    """An audit log whose every record carries `"demo": true`."""

    def append(self, record: dict[str, Any]) -> None:
        super().append({**record, "demo": True})


class DemoTimeline(Timeline):
    """A local-only timeline whose every entry carries `demo: true` in its data."""

    def add_entries(self, entries: list[Entry]) -> list[Entry]:
        marked = [dataclasses.replace(e, data={**e.data, "demo": True}) for e in entries]
        return super().add_entries(marked)
