"""The SLA report over the last N days (`genesis-console report`), from Prometheus.

Availability is counted in one-minute slots (the definition is in the README,
"SLA report"): for each minute the share of the orchestrator's scrapes that were up;
a minute without any scrape of the orchestrator while Prometheus scraped something
counts as down (the target vanished); a minute in which Prometheus scraped nothing
at all is *unmonitored*, left out of both sides and reported as such.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from console import sla as sla_math
from console.clock import format_iso, parse_rfc3339
from console.sources.base import SourceError

if TYPE_CHECKING:
    import httpx

    from console.config import Config
    from console.timeline import Entry

SLOT = 60  # seconds: the unit availability is counted in
#: statuses of the report, best to worst (the exit code is the index, UNKNOWN 3)
EXIT_CODES = {"OK": 0, "AT_RISK": 1, "BREACHED": 2, "UNKNOWN": 3}
_RANK = {"UNKNOWN": -1, "OK": 0, "AT_RISK": 1, "BREACHED": 2}


def slot_query(job: str) -> str:
    """PromQL for one minute: the share of the job's scrapes that were up (any instance
    up is up), 0 when there was no scrape of it while Prometheus scraped anything, and
    no value at all when Prometheus scraped nothing (it was down)."""
    sel = f'job="{job}"'
    return f"max(avg_over_time(up{{{sel}}}[1m])) or on() (0 * max(present_over_time(up[1m])))"


_RANGE = re.compile(r"\[(\d+(?:ms|[smhdwy]))+(?=[:\]])")


def with_range(promql: str, seconds: int, *, only: str | None = None) -> str:
    """`promql` with its range selectors (`[5m]`, the `30d` of `[30d:1m]`) set to `seconds`;
    with `only`, just the ranges spelled that way."""

    def swap(match: re.Match[str]) -> str:
        if only is not None and match.group(0)[1:] != only:
            return match.group(0)
        return f"[{int(seconds)}s"

    return _RANGE.sub(swap, promql)


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None if value is None or math.isnan(value) else value
    return round(value, digits)


def _status_of(value: Any) -> str:
    return {"ok": "OK", "at_risk": "AT_RISK", "breached": "BREACHED"}.get(value, "UNKNOWN")


def worst(statuses: list[str]) -> str:
    known = [s for s in statuses if s != "UNKNOWN"]
    if not known:
        return "UNKNOWN"
    top = max(known, key=_RANK.__getitem__)
    # an unknown indicator never lets the report read OK
    if top == "OK" and len(known) < len(statuses):
        return "UNKNOWN"
    return top


@dataclass
class Minutes:
    """The availability of each minute slot of a span: value in [0, 1], absent = unmonitored."""

    start: float  # epoch of the first slot's start
    count: int
    values: dict[int, float] = field(default_factory=dict)  # slot index → share up

    def span(self, first: int, last: int) -> tuple[int, float]:
        """(monitored slots, down minutes) over slots first..last-1."""
        monitored = 0
        down = 0.0
        for i in range(first, last):
            v = self.values.get(i)
            if v is not None:
                monitored += 1
                down += 1.0 - v
        return monitored, down


def budget(target: float, minutes: float, down: float | None) -> dict[str, float | None]:
    allowed = (100.0 - target) / 100.0 * minutes
    if down is None:
        return {"allowed": round(allowed, 4), "spent": None, "left": None}
    return {"allowed": round(allowed, 4), "spent": round(down, 4), "left": round(allowed - down, 4)}


def availability_status(
    avail: float | None, target: float, spent: float | None, allowed: float
) -> str:
    if avail is None:
        return "UNKNOWN"
    if avail < target:
        return "BREACHED"
    if spent is not None and allowed > 0 and spent / allowed >= sla_math.AT_RISK_SHARE:
        return "AT_RISK"
    return "OK"


def upper_status(value: float | None, limit: float) -> str:
    if value is not None and math.isinf(value) and value > 0:
        return "BREACHED"
    return _status_of(sla_math.upper_bound("x", value, limit).status)


class Gather:
    """Asks Prometheus for what the report needs; raises SourceError when it cannot."""

    def __init__(self, config: Config, client: httpx.AsyncClient, *, timeout: float) -> None:
        self.config = config
        self.client = client
        self.url = config.prometheus.url.rstrip("/")
        self.timeout = timeout
        self.queries = config.sla_queries()
        self.overridden = set(config.sla.queries)
        self._limit = asyncio.Semaphore(6)

    async def instant(self, promql: str, at: float, label: str) -> float | None:
        from console.sources.prometheus import instant_query

        async with self._limit:
            return await instant_query(
                self.client, self.url, promql, self.timeout, label=label, at=at
            )

    async def minutes(self, start: float, end: float) -> Minutes:
        from console.sources.prometheus import range_query

        count = int((end - start) // SLOT)
        result = Minutes(start, count)
        promql = slot_query(self.config.prometheus.job)
        chunk = 1440  # a day of minutes per request (Prometheus caps a reply at 11,000 points)

        async def one(first: int) -> None:
            last = min(count, first + chunk)
            # the evaluation at a slot's end covers (end - 1m, end]: that slot
            async with self._limit:
                points = await range_query(
                    self.client,
                    self.url,
                    promql,
                    start + (first + 1) * SLOT,
                    start + last * SLOT,
                    SLOT,
                    self.timeout,
                    label="availability minutes",
                )
            for ts, value in points:
                index = round((ts - start) / SLOT) - 1
                if first <= index < last:
                    result.values[index] = min(1.0, max(0.0, value))

        await asyncio.gather(*(one(i) for i in range(0, count, chunk)))
        return result

    async def window_values(
        self, end: float, seconds: int
    ) -> tuple[dict[str, float | None], dict[str, str]]:
        """p95 latency, error rate (and an overridden availability) over (end - seconds, end]."""
        keys = ["p95_latency", "error_rate"]
        if "availability" in self.overridden:
            keys.append("availability")
        exprs = {
            "p95_latency": with_range(self.queries["p95_latency"], seconds),
            "error_rate": with_range(self.queries["error_rate"], seconds),
            "availability": with_range(self.queries["availability"], seconds, only="30d"),
        }
        answers = await asyncio.gather(
            *(self.instant(exprs[k], end, k) for k in keys), return_exceptions=True
        )
        out: dict[str, float | None] = {}
        errors: dict[str, str] = {}
        for key, answer in zip(keys, answers, strict=True):
            if isinstance(answer, BaseException):
                if not isinstance(answer, SourceError):
                    raise answer
                out[key] = None
                errors[key] = answer.detail
            else:
                out[key] = answer
        return out, errors


def _day_bounds(start: float, end: float) -> list[tuple[float, float]]:
    """UTC calendar days cut to the window."""
    bounds = []
    cursor = start
    while cursor < end:
        day = datetime.fromtimestamp(cursor, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        nxt = min(end, day.timestamp() + 86400)
        bounds.append((cursor, nxt))
        cursor = nxt
    return bounds


def find_incidents(minutes: Minutes, recovery_limit: float) -> list[dict[str, Any]]:
    """Spans of consecutive minutes with downtime (a share up below 1)."""
    spans: list[tuple[int, int]] = []
    first = None
    for i in range(minutes.count):
        v = minutes.values.get(i)
        down = v is not None and v < 1.0
        if down and first is None:
            first = i
        elif not down and first is not None:
            spans.append((first, i))
            first = None
    if first is not None:
        spans.append((first, minutes.count))
    incidents: list[dict[str, Any]] = []
    for a, b in spans:
        _, down_minutes = minutes.span(a, b)
        start = minutes.start + a * SLOT
        end = minutes.start + b * SLOT
        still_open = b == minutes.count
        seconds = end - start
        klass = sla_math.incident_class(
            down_seconds=down_minutes * 60,
            error_rate_percent=None,
            p95_seconds=None,
            sla_at_risk=False,
            anomalies=True,
        )
        incidents.append(
            {
                "class": klass,
                "start": format_iso(start),
                "end": None if still_open else format_iso(end),
                "down_minutes": round(down_minutes, 4),
                "recovery_seconds": None if still_open else seconds,
                "recovery_status": "OPEN"
                if still_open
                else ("BREACHED" if seconds > recovery_limit else "OK"),
                "open": still_open,
                "source": "prometheus",
                "who": [],
                "actions": [],
            }
        )
    return incidents


def worst_hours(minutes: Minutes, top: int = 5) -> list[dict[str, Any]]:
    hours: list[dict[str, Any]] = []
    for first in range(0, minutes.count, 60):
        monitored, down = minutes.span(first, min(minutes.count, first + 60))
        if monitored and down > 0:
            hours.append(
                {
                    "start": format_iso(minutes.start + first * SLOT),
                    "downtime_minutes": round(down, 4),
                    "availability_percent": round(100.0 * (1 - down / monitored), 4),
                }
            )
    hours.sort(key=lambda h: (-h["downtime_minutes"], h["start"]))
    return hours[:top]


def enrich(incidents: list[dict[str, Any]], entries: list[Entry]) -> None:
    """War-room timeline entries near an incident: who was there, what they did, its class."""
    for incident in incidents:
        # both written by format_iso above
        start = parse_rfc3339(incident["start"]) or 0.0
        end = (parse_rfc3339(incident["end"]) or 0.0) if incident["end"] else math.inf
        who: list[str] = []
        actions: list[str] = []
        for entry in entries:
            if not (start - 300 <= entry.time <= end + 600) or not entry.counts:
                continue
            name = entry.who.get("user")
            if name and name not in who:
                who.append(str(name))
            if entry.kind in ("action", "note"):
                actions.append(str(entry.text)[:200])
            klass = entry.data.get("class") if isinstance(entry.data, dict) else None
            if isinstance(klass, str) and re.fullmatch(r"P[0-3]", klass):
                incident["class"] = klass
        incident["who"] = who
        incident["actions"] = actions[:20]


async def build(
    config: Config,
    client: httpx.AsyncClient,
    *,
    days: int,
    now: float,
    entries: list[Entry] | None = None,
) -> dict[str, Any]:
    """The report's data (the JSON shape of CONTRACT.md) for the N days before `now`."""
    sla = config.sla
    target = sla.availability_percent
    end = math.floor(now / SLOT) * SLOT
    start = end - days * 86400
    gather = Gather(config, client, timeout=max(config.timeout_seconds, 10.0))
    day_bounds = _day_bounds(start, end)

    minutes_task = gather.minutes(start, end)
    total_task = gather.window_values(end, int(end - start))
    day_tasks = [gather.window_values(b, int(b - a)) for a, b in day_bounds]
    minutes, (total, errors), per_day = await asyncio.gather(
        minutes_task, total_task, asyncio.gather(*day_tasks)
    )

    def figures(
        first: int, last: int, values: dict[str, float | None], span_minutes: float
    ) -> dict[str, Any]:
        monitored, measured = minutes.span(first, last)
        down: float | None = measured
        if "availability" in values:  # sla.queries.availability overrides the minutes
            avail = values["availability"]
            down = None if avail is None else (100 - avail) / 100 * monitored
        else:
            avail = 100.0 * (1 - measured / monitored) if monitored else None
            if not monitored:
                down = None
        budget_minutes = budget(target, span_minutes, down)
        allowed = budget_minutes["allowed"] or 0.0
        statuses = {
            "availability": availability_status(avail, target, down, allowed),
            "p95_latency": upper_status(values.get("p95_latency"), sla.p95_latency_seconds),
            "error_rate": upper_status(values.get("error_rate"), sla.error_rate_percent),
        }
        return {
            "availability_percent": _round(avail, 6),
            "error_budget_minutes": budget_minutes,
            "burn_rate": None if down is None or allowed <= 0 else round(down / allowed, 4),
            "downtime_minutes": None if down is None else round(down, 4),
            "monitored_minutes": monitored,
            "unmonitored_minutes": (last - first) - monitored,
            "p95_latency_seconds": _round(values.get("p95_latency")),
            "error_rate_percent": _round(values.get("error_rate")),
            "statuses": statuses,
        }

    days_out = []
    for (a, b), (values, _) in zip(day_bounds, per_day, strict=True):
        first = int((a - start) // SLOT)
        last = int((b - start) // SLOT)
        row = figures(first, last, values, (b - a) / 60)
        row["status"] = worst(list(row["statuses"].values()))
        days_out.append(
            {"date": format_iso(a)[:10], "start": format_iso(a), "end": format_iso(b), **row}
        )

    overall = figures(0, minutes.count, total, (end - start) / 60)
    incidents = find_incidents(minutes, sla.recovery_minutes * 60)
    if entries:
        enrich(incidents, entries)
    recoveries = [i["recovery_seconds"] for i in incidents if i["recovery_seconds"] is not None]
    open_incidents = [i for i in incidents if i["open"]]
    if open_incidents:
        recovery_status = "AT_RISK"
    elif recoveries:
        recovery_status = "BREACHED" if max(recoveries) > sla.recovery_minutes * 60 else "OK"
    else:
        recovery_status = "OK" if overall["availability_percent"] is not None else "UNKNOWN"
    overall["statuses"]["recovery"] = recovery_status
    status = worst(list(overall["statuses"].values()))
    return {
        "window": {"start": format_iso(start), "end": format_iso(end), "days": days},
        "status": status,
        "actual_availability_percent": overall["availability_percent"],
        "target_availability_percent": target,
        "error_budget_minutes": overall["error_budget_minutes"],
        "burn_rate": overall["burn_rate"],
        "downtime_minutes": overall["downtime_minutes"],
        "monitored_minutes": overall["monitored_minutes"],
        "unmonitored_minutes": overall["unmonitored_minutes"],
        "p95_latency_seconds": overall["p95_latency_seconds"],
        "target_p95_latency_seconds": sla.p95_latency_seconds,
        "error_rate_percent": overall["error_rate_percent"],
        "target_error_rate_percent": sla.error_rate_percent,
        "recovery": {
            "incidents": len(incidents),
            "max_seconds": max(recoveries) if recoveries else None,
            "mean_seconds": round(sum(recoveries) / len(recoveries), 1) if recoveries else None,
            "target_seconds": sla.recovery_minutes * 60,
            "open": len(open_incidents),
        },
        "statuses": overall["statuses"],
        "days": days_out,
        "incidents": incidents,
        "worst_hours": worst_hours(minutes),
        "errors": errors,
        "source": "prometheus",
        "definition": (
            "availability = minutes up / monitored minutes, counted per minute: the share "
            "of the job's scrapes that were up; a minute with no scrape of it while "
            "Prometheus scraped anything counts as down; a minute in which Prometheus "
            "scraped nothing is unmonitored and left out"
        ),
    }


def unknown_report(config: Config, *, days: int, now: float, reason: str) -> dict[str, Any]:
    """The report when Prometheus cannot be asked: every figure unknown, never zero."""
    sla = config.sla
    end = math.floor(now / SLOT) * SLOT
    start = end - days * 86400
    return {
        "window": {"start": format_iso(start), "end": format_iso(end), "days": days},
        "status": "UNKNOWN",
        "actual_availability_percent": None,
        "target_availability_percent": sla.availability_percent,
        "error_budget_minutes": budget(sla.availability_percent, (end - start) / 60, None),
        "burn_rate": None,
        "downtime_minutes": None,
        "monitored_minutes": 0,
        "unmonitored_minutes": None,
        "p95_latency_seconds": None,
        "target_p95_latency_seconds": sla.p95_latency_seconds,
        "error_rate_percent": None,
        "target_error_rate_percent": sla.error_rate_percent,
        "recovery": {
            "incidents": None,
            "max_seconds": None,
            "mean_seconds": None,
            "target_seconds": sla.recovery_minutes * 60,
            "open": None,
        },
        "statuses": {
            k: "UNKNOWN" for k in ("availability", "p95_latency", "error_rate", "recovery")
        },
        "days": [],
        "incidents": [],
        "worst_hours": [],
        "errors": {"prometheus": reason},
        "source": "prometheus",
    }


def make_report(
    config: Config, *, days: int, now: float, entries: list[Entry] | None = None
) -> dict[str, Any]:
    """Build the report (blocking); Prometheus unreachable gives the UNKNOWN report."""
    from console.sources.http import plain_client

    async def go() -> dict[str, Any]:
        client = plain_client(endpoint=config.prometheus.endpoint())
        try:
            return await build(config, client, days=days, now=now, entries=entries)
        finally:
            await client.aclose()

    try:
        return asyncio.run(go())
    except SourceError as exc:
        return unknown_report(config, days=days, now=now, reason=exc.detail)
