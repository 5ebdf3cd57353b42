"""The append-only audit log: one JSON object per line, flushed and fsynced before success."""

from __future__ import annotations

import getpass
import os
import socket
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from console import jsonl

#: who acted, when the console knows better than its environment: the tmux seat that
#: confirmed (console.seats). Set around an action's task; `who()` returns it then.
ACTING: ContextVar[dict[str, str | None] | None] = ContextVar("acting", default=None)


def who() -> dict[str, str | None]:
    """The person at the keyboard: the tmux seat that acted (ACTING) when known, else
    $SUDO_USER or $USER, the host, and the SSH client if any."""
    acting = ACTING.get()
    if acting is not None:
        return dict(acting)
    return environment_who()


def environment_who() -> dict[str, str | None]:
    """$SUDO_USER or $USER, the host, and the SSH client if any (never the seat)."""
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


class AuditLog:
    """Append-only JSONL at `path`; a torn last line from a crash never blocks reading or appending.

    Never written through a symbolic link; a record is written whole or not at all.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, record: dict[str, Any]) -> str | None:
        """Write one record durably (flush + fsync); OSError when it is not on record.

        Returns a warning when the file is on record but others may rewrite it, else None.
        """
        return self._warning(jsonl.append(self.path, [record]))

    def warning(self) -> str | None:
        """Why the audit log as it stands cannot be trusted, or None (a missing file is fine)."""
        try:
            found = os.lstat(self.path)
        except OSError:
            return None
        if stat.S_ISLNK(found.st_mode):
            return (
                f"The audit log {self.path} is a symbolic link: actions will not be recorded "
                "until it is replaced by a plain file"
            )
        return self._warning(stat.S_IMODE(found.st_mode))

    def _warning(self, mode: int | None) -> str | None:
        if mode is None or not mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        return (
            f"The audit log {self.path} is writable by others (mode {mode:04o}): they could "
            f"rewrite the record; chmod 600 it"
        )

    def records(self) -> Iterator[dict[str, Any]]:
        """Every readable record, oldest first; torn or corrupt lines are skipped."""
        return jsonl.read(self.path)
