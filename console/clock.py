"""Time: the clock, injectable so tests and snapshots can freeze it, and every way the
console reads or writes a time or a duration (one module, so they cannot disagree).

Writing: `format_rfc3339` (the wire: Alertmanager, the audit log), `format_iso` (whole
seconds, reports), `utc_time` / `utc_datetime` (what a screen shows), `format_utc` (any
other layout); durations: `format_age` (5m), `format_span` (1h59m), `format_seconds`
(4m 12s). Reading: `parse_rfc3339` (the wire, strict), `parse_iso` (any ISO 8601, a
time without a zone is UTC), `parse_api_time` (Unix seconds or RFC 3339, as Prometheus
and Alertmanager accept them), `parse_duration`, `parse_moment`.
"""

from __future__ import annotations

import calendar
import functools
import re
import time
from datetime import UTC, datetime
from typing import Any


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


# ---------------------------------------------------------------- writing a time


def format_utc(epoch: float, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A UTC time as text; a time no calendar has (NaN, 1e18) reads as such, never raises."""
    try:
        return datetime.fromtimestamp(epoch, UTC).strftime(fmt)
    except (OverflowError, OSError, ValueError):
        return "(no such time)"


def utc_time(epoch: float) -> str:
    """The time of day a screen shows: `12:00:00 UTC`."""
    return format_utc(epoch, "%H:%M:%S UTC")


def utc_datetime(epoch: float) -> str:
    """A dated time a screen shows: `2024-05-01 12:00:00 UTC`."""
    return format_utc(epoch, "%Y-%m-%d %H:%M:%S UTC")


def format_iso(epoch: float) -> str:
    """ISO 8601 in whole seconds with a Z: `2024-05-01T12:00:00Z` (reports)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_rfc3339(epoch: float) -> str:
    """RFC 3339 UTC with milliseconds and a Z (`2024-05-01T12:00:00.250Z`): Go's
    strfmt.DateTime that Alertmanager writes and accepts, and the audit log's time."""
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


# ---------------------------------------------------------------- reading a time

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*([Zz]|[+-]\d{2}:?\d{2})$"
)


@functools.lru_cache(maxsize=4096)  # a storm's alerts share a handful of start times
def parse_rfc3339(text: str | None) -> float | None:
    """Epoch seconds of an RFC 3339 time (nanoseconds, `Z` or an offset); None if unset or bad.

    Go's zero time (`0001-01-01T00:00:00Z`) means "not set" and gives None.
    """
    if not text:
        return None
    match = _RFC3339.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if year <= 1:
        return None
    try:
        # validates the calendar (no 31 February); leap seconds are folded into :59
        datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return None
    whole = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    # nanoseconds are the finest a clock gives: later digits are noise, and int() of
    # thousands of them is slow (and refused past 4300 digits)
    fraction = (match.group(7) or "")[:9]
    value = float(whole) + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
    zone = match.group(8)
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        value -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return value


def parse_iso(text: Any) -> float | None:
    """Epoch seconds of an ISO 8601 time (`2026-12-02T03:00:00Z`, `2026-12-02 03:00`); a
    time without a zone is UTC; None for anything else (not a string, not a time)."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_api_time(text: str) -> float:
    """Unix seconds or an RFC 3339 time, as Prometheus and Alertmanager accept them
    in a query or a silence; ValueError for anything else."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    value = parse_rfc3339(text)
    if value is None:
        raise ValueError(f"not a time: {text!r}")
    return value


# ---------------------------------------------------------------- durations


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


def format_seconds(seconds: float) -> str:
    """A duration like 45s, 4m 12s or 1h 03m."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def parse_duration(text: str) -> float:
    """Parse 90s, 5m, 2h, 1d, 1w, 1h30m into seconds (the amtool/Prometheus form)."""
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
    moment = parse_iso(text)
    if moment is None:
        raise ValueError(
            f"not a duration or a time: {text!r} (use e.g. 2h, 1d or 2026-12-02T03:00:00Z)"
        )
    return moment
