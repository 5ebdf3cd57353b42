"""The append-only audit log: one JSON object per line, flushed and fsynced before success."""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_lock = threading.Lock()


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
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        with _lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                # a crash may have left a torn line without its newline: start on a fresh line
                if os.fstat(fd).st_size and not _ends_with_newline(self.path):
                    line = "\n" + line
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def records(self) -> Iterator[dict[str, Any]]:
        """Every readable record, oldest first; torn or corrupt lines are skipped."""
        try:
            handle = self.path.open("r", encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        with handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    yield value


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
