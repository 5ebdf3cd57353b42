"""Seats: who is at the keyboard when the console runs in a shared tmux session.

Inside tmux (`$TMUX` set), the console asks the tmux server which clients are attached
to its session and which pressed a key last:

    tmux -S <socket of $TMUX> list-clients -t <$TMUX_PANE>
         -F '#{client_user}\\t#{client_tty}\\t#{client_activity}'

The client with the newest activity pressed the key the console is handling. tmux
reports activity to the second, so this is best effort: when two seats were active
within the same second, `presser()` says it is a tie and callers refuse rather than
guess. Outside tmux, or when tmux does not answer within `timeout`, there is no seat
and the console falls back to $SUDO_USER/$USER (console.audit.who) and says so.

What is trusted: the tmux server's own account of its clients (`client_user` is the
Unix user of the attached process, as the kernel told tmux). Anyone who can attach
to the session can press keys there: that is what `server-access` grants.

The runner is injectable (argv → stdout); it never goes through a shell.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from console.text import clean

#: one tmux question waits at most this long (it runs while a key is being handled)
TIMEOUT = 0.3
#: answers are reused for this long: one burst of keys asks tmux once
BURST = 0.25
_FORMAT = "#{client_user}\t#{client_tty}\t#{client_activity}"

Runner = Callable[[list[str], float], str]


def run_tmux(argv: list[str], timeout: float) -> str:
    """Run tmux (argv, never a shell) and return its stdout; raises when it fails."""
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout


@dataclass(frozen=True)
class Seat:
    """One tmux client: the Unix user, the terminal, and the last key press (epoch s)."""

    user: str
    tty: str
    activity: int | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.user, self.tty)

    @property
    def label(self) -> str:
        """`oncall1 from /dev/pts/3`."""
        return f"{self.user} from {self.tty}" if self.tty else self.user


@dataclass(frozen=True)
class Presser:
    """Who pressed the key: a seat, or a tie between seats, or no seat and why."""

    seat: Seat | None = None
    tie: tuple[Seat, ...] = ()
    #: why there is no seat ("not inside tmux", "tmux did not answer: ..."), else ""
    reason: str = ""

    @property
    def known(self) -> bool:
        return self.seat is not None and not self.tie


def parse_clients(text: str) -> list[Seat]:
    """`list-clients -F` lines as seats (lines that are not three fields are skipped)."""
    found = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        user, tty, activity = (clean(p, 100) for p in parts)
        try:
            stamp: int | None = int(activity)
        except ValueError:
            stamp = None
        found.append(Seat(user or "unknown", tty, stamp))
    return found


class Seats:
    """The seats of the console's tmux session; one tmux call per burst of keys."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        runner: Runner = run_tmux,
        monotonic: Callable[[], float] = time.monotonic,
        timeout: float = TIMEOUT,
        burst: float = BURST,
    ) -> None:
        env = os.environ if env is None else env
        tmux = env.get("TMUX", "")
        #: the tmux server's socket (from $TMUX: socket,pid,session), or None outside tmux
        self.socket = tmux.split(",")[0] if tmux else None
        self.pane = env.get("TMUX_PANE") or None
        self.runner = runner
        self.monotonic = monotonic
        self.timeout = timeout
        self.burst = burst
        self._cached: tuple[float, list[Seat] | None, str] | None = None
        #: why tmux could not be asked the last time, or ""
        self.problem = ""

    @property
    def in_tmux(self) -> bool:
        return bool(self.socket)

    def argv(self) -> list[str]:
        argv = ["tmux", "-S", self.socket or "", "list-clients", "-F", _FORMAT]
        if self.pane:
            argv += ["-t", self.pane]
        return argv

    def clients(self, *, fresh: bool = False, remember: bool = True) -> list[Seat] | None:
        """The attached clients, or None outside tmux or when tmux cannot be asked.

        `remember` False (the once-a-second look at who is attached): the answer is not
        reused for the next key, which it may predate; only a key's own look is."""
        if not self.in_tmux:
            self.problem = "not inside tmux"
            return None
        now = self.monotonic()
        if not fresh and self._cached is not None and now - self._cached[0] < self.burst:
            self.problem = self._cached[2]
            return self._cached[1]
        try:
            found: list[Seat] | None = parse_clients(self.runner(self.argv(), self.timeout))
            problem = ""
        except subprocess.TimeoutExpired:
            found, problem = None, f"tmux did not answer within {self.timeout:g}s"
        except subprocess.CalledProcessError as exc:
            found = None
            problem = "tmux refused: " + clean((exc.stderr or "").strip() or exc.returncode, 120)
        except OSError as exc:
            found, problem = None, f"cannot run tmux: {clean(exc.strerror or exc, 120)}"
        if remember:
            self._cached = (now, found, problem)
        self.problem = problem
        return found

    def presser(self, *, fresh: bool = False) -> Presser:
        """The seat that pressed the key being handled (the most recently active client)."""
        seats = self.clients(fresh=fresh)
        if seats is None:
            return Presser(reason=self.problem or "not inside tmux")
        timed = [s for s in seats if s.activity is not None]
        if not timed:
            return Presser(reason="tmux named no active client")
        newest = max(s.activity or 0 for s in timed)
        top = {s.key: s for s in timed if s.activity == newest}
        if len(top) > 1:
            return Presser(seat=None, tie=tuple(top.values()))
        return Presser(seat=next(iter(top.values())))


def person(presser: Presser, base: dict[str, Any]) -> dict[str, Any]:
    """Who acted, for the audit log and the timeline: the seat's user and terminal, or
    the fallback identity (`base`, from $SUDO_USER/$USER) when there is no seat."""
    if presser.seat is None:
        return dict(base)
    seat = presser.seat
    # $SSH_CLIENT belongs to whoever started the session, not to this seat
    ssh = base.get("ssh_client") if seat.user == base.get("user") else None
    return {**base, "user": seat.user, "tty": seat.tty, "ssh_client": ssh}


def acting_line(presser: Presser, base: dict[str, Any]) -> str:
    """The confirmation's line: acting as oncall1 from /dev/pts/3 (or the fallback, said)."""
    if presser.seat is not None:
        return f"acting as {presser.seat.label}"
    user = clean(base.get("user") or "unknown", 60)
    return f"acting as {user} ($SUDO_USER/$USER: {presser.reason or 'no tmux seat'})"


def watching_line(seats: list[Seat] | None) -> str:
    """`3 watching: oncall1, oncall2, oncall3` (users once each, in attach order)."""
    if not seats:
        return ""
    users = list(dict.fromkeys(s.user for s in seats))
    return f"{len(seats)} watching: " + ", ".join(users)
