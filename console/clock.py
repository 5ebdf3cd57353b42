"""Time, injectable so tests and snapshots can freeze it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """The real clock."""

    def time(self) -> float:
        """Wall-clock epoch seconds."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds for measuring durations."""
        return time.monotonic()

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.fromtimestamp(self.time(), UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at

    def monotonic(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


def format_age(seconds: float) -> str:
    """A short age like 42s, 5m, 3h, 2d (the k9s / kubectl convention)."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def format_span(seconds: float, *, exact: bool = False) -> str:
    """A span with two units where it matters: 45s, 12m, 1h59m, 2d3h.

    `exact` drops nothing: every non-zero unit down to the second (2h30m, 1d5s, 90m
    reads 1h30m), in the notation the silence form and amtool read, for what an
    engineer typed and must see back unchanged (a silence's length).
    """
    seconds = max(0, round(seconds) if exact else int(seconds))
    if exact:
        if seconds == 0:
            return "0s"
        parts = []
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
            amount, seconds = divmod(seconds, size)
            if amount:
                parts.append(f"{amount}{unit}")
        return "".join(parts)
    if seconds < 3600:
        return format_age(seconds)
    if seconds < 86400:
        hours, rest = divmod(seconds, 3600)
        return f"{hours}h{rest // 60:02d}m" if rest >= 60 else f"{hours}h"
    days, rest = divmod(seconds, 86400)
    return f"{days}d{rest // 3600}h" if rest >= 3600 else f"{days}d"


def parse_duration(text: str) -> float:
    """Parse 90s, 5m, 2h, 1d, 1w, 1h30m into seconds (the amtool/Prometheus form)."""
    import re

    text = text.strip()
    parts = re.fullmatch(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not text or parts is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 5m, 2h, 1d, 1w)")
    weeks, days, hours, minutes, secs = (int(p) if p else 0 for p in parts.groups())
    return float(weeks * 604800 + days * 86400 + hours * 3600 + minutes * 60 + secs)


def parse_moment(text: str, reference: float) -> float:
    """A moment as epoch seconds: a duration means that long before `reference`
    (`2h`), anything else is an ISO 8601 / RFC 3339 time (`2026-12-02T03:00:00Z`);
    a time without a zone is UTC."""
    try:
        return reference - parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a duration or a time: {text!r} (use e.g. 2h, 1d or 2026-12-02T03:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
