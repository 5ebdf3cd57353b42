"""Append-only JSON-lines files: durable appends, and reads that survive a torn last line."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_lock = threading.Lock()
#: seconds an append waits for another process's lock on the same file (a hung or hostile
#: holder must not stall an action for ever)
LOCK_WAIT = 5.0


def append(path: Path, records: list[dict[str, Any]]) -> int | None:
    """Append records as JSON lines, whole and fsynced, or raise OSError and leave none of them.

    The file is never opened through a symbolic link (a planted link would make us write
    into whatever it names) and must be a regular file. Returns the file's mode bits, so
    a caller can warn when others may write it; None when nothing was written.
    """
    if not records:
        return None
    blob = "".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        for r in records
    ).encode("utf-8")
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open(path)
        try:
            # another console appending to the same file waits, so a failed append can be undone
            _lock_file(fd, path)
            size = os.fstat(fd).st_size
            # a crash may have left a torn line without its newline: start on a fresh line
            if size and os.pread(fd, 1, size - 1) != b"\n":
                blob = b"\n" + blob
            try:
                _write_all(fd, blob)
                os.fsync(fd)
            except OSError:
                # a nearly full disk writes part of a record: take it back, so the file holds
                # whole records only (if even that fails, the next append starts a new line)
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
                raise
            return stat.S_IMODE(os.fstat(fd).st_mode)
        finally:
            os.close(fd)


def _open(path: Path) -> int:
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC
    try:
        # O_NONBLOCK: opening a FIFO planted here must not hang; it is refused below
        fd = os.open(path, flags | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(
                errno.ELOOP,
                "it is a symbolic link, and the console never writes through one",
                str(path),
            ) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "it is not a regular file", str(path))
    os.set_blocking(fd, True)
    return fd


def _lock_file(fd: int, path: Path) -> None:
    """An exclusive lock on the file, waiting at most LOCK_WAIT seconds for another holder."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OSError(
                    errno.EAGAIN,
                    f"another process has held it locked for {LOCK_WAIT:g}s",
                    str(path),
                ) from None
            time.sleep(0.02)


def _write_all(fd: int, blob: bytes) -> None:
    """os.write may write less than asked (a nearly full disk, a file size limit): go on or fail."""
    view = memoryview(blob)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, "no space left to write", None)
        view = view[written:]


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
