"""Append-only JSON-lines files: durable appends, and reads that survive a torn last line."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_lock = threading.Lock()


def append(path: Path, records: list[dict[str, Any]]) -> None:
    """Append records as JSON lines in one write, flushed and fsynced before returning."""
    if not records:
        return
    blob = "".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        for r in records
    )
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            # a crash may have left a torn line without its newline: start on a fresh line
            if size and os.pread(fd, 1, size - 1) != b"\n":
                blob = "\n" + blob
            os.write(fd, blob.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def read(path: Path) -> Iterator[dict[str, Any]]:
    """Every readable JSON object, oldest first; torn or corrupt lines are skipped."""
    try:
        handle = path.open("r", encoding="utf-8", errors="replace")
    except OSError:  # missing, or a path that cannot be a file: nothing to read
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
