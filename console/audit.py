"""The append-only audit log: one JSON object per line, flushed and fsynced before success."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console import jsonl


def who() -> dict[str, str | None]:
    """The person at the keyboard: $SUDO_USER or $USER, the host, and the SSH client if any."""
    user = os.environ.get("SUDO_USER") or os.environ.get("USER")
    if not user:
        try:
            user = getpass.getuser()
        except Exception:
            user = "unknown"
    ssh = os.environ.get("SSH_CLIENT") or os.environ.get("SSH_CONNECTION") or ""
    return {
        "user": user,
        "host": socket.gethostname(),
        "ssh_client": ssh.split()[0] if ssh else None,
    }


def utc_iso(epoch: float) -> str:
    """UTC ISO 8601 with milliseconds and a Z."""
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


class AuditLog:
    """Append-only JSONL at `path`; a torn last line from a crash never blocks reading or appending."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, record: dict[str, Any]) -> None:
        """Write one record durably (flush + fsync) before returning."""
        jsonl.append(self.path, [record])

    def records(self) -> Iterator[dict[str, Any]]:
        """Every readable record, oldest first; torn or corrupt lines are skipped."""
        return jsonl.read(self.path)
