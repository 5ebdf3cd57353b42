"""Prometheus: its readiness, PromQL queries, and the SLA values computed from them."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from console import sla as sla_math
from console.model import ProbeResult, SlaSnapshot, SlaValue, Status
from console.sources.base import SourceError
from console.sources.direct import MAX_METRICS_BYTES, DirectHistory
from console.sources.direct import parse_metrics as parse_direct_metrics
from console.sources.http import (
    PooledHttpSource,
    as_endpoint,
    http_status_error,
    plain_client,
    request,
)

if TYPE_CHECKING:
    import httpx

    from console.config import Endpoint, SlaConfig


class PromQLError(SourceError):
    """A query Prometheus refused (bad syntax, or it failed to evaluate)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, Status.UNKNOWN)


def parse_value(text: Any) -> float | None:
    """A Prometheus sample value ("0.21", "NaN", "+Inf", "-Inf") as a float; NaN gives None.

    Infinities are kept: `histogram_quantile` says +Inf when the quantile lies above the
    largest bucket, which is a real (bad) answer, not missing data.
    """
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        raise ValueError(f"not a sample value: {text!r}")
    value = float(text)
    return None if math.isnan(value) else value


def _sample(pair: Any, label: str) -> tuple[float, float | None]:
    if not isinstance(pair, list) or len(pair) != 2:
        raise SourceError(f"unexpected sample for {label}: {pair!r:.80}", Status.UNKNOWN)
    try:
        return float(pair[0]), parse_value(pair[1])
    except (TypeError, ValueError):
        raise SourceError(f"unexpected sample for {label}: {pair!r:.80}", Status.UNKNOWN) from None


def parse_instant(data: Any, label: str) -> float | None:
    """The value of an instant-query `data` object: scalar, or the first vector sample."""
    if not isinstance(data, dict):
        raise SourceError(f"unexpected reply for {label}: no data object", Status.UNKNOWN)
    kind = data.get("resultType")
    result = data.get("result")
    if kind == "scalar":
        return _sample(result, label)[1]
    if kind == "vector":
        if not isinstance(result, list):
            raise SourceError(f"unexpected reply for {label}: result is not a list", Status.UNKNOWN)
        if not result:
            return None
        first = result[0]
        if not isinstance(first, dict):
            raise SourceError(f"unexpected reply for {label}: bad series", Status.UNKNOWN)
        return _sample(first.get("value"), label)[1]
    raise PromQLError(f"PromQL for {label} gives a {kind}, not a single value")


async def _query(
    client: httpx.AsyncClient,
    base_url: str,
    path: str,
    params: dict[str, str],
    label: str,
    timeout: float,
) -> Any:
    reply = await request(
        plain_client(client), "GET", base_url.rstrip("/") + path, timeout=timeout, params=params
    )
    if reply.status in (400, 422):
        body = _json_or_none(reply.body)
        error = body.get("error") if isinstance(body, dict) else None
        error = str(error) if error else reply.body[:200].decode("utf-8", "replace").strip()
        if reply.status == 400:
            raise PromQLError(f"bad PromQL for {label}: {error}")
        raise PromQLError(f"PromQL for {label} failed: {error}")
    if reply.status != 200:
        # not about this query, so the sentence leaves it out (the SLA pane shows it once)
        raise http_status_error(reply, "Prometheus query")
    body = reply.json("Prometheus reply")
    if not isinstance(body, dict) or body.get("status") != "success":
        error = body.get("error") if isinstance(body, dict) else None
        if error:
            raise PromQLError(f"PromQL for {label} failed: {error}")
        raise SourceError("unexpected Prometheus reply: no success status", Status.UNKNOWN)
    return body.get("data")


def _json_or_none(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None


async def instant_query(
    client: httpx.AsyncClient,
    base_url: str,
    promql: str,
    timeout: float,
    *,
    label: str | None = None,
    at: float | None = None,
) -> float | None:
    """One number from an instant query; None for NaN or no data.

    A vector with several series gives its first sample (the order is Prometheus's),
    so queries meant for this should aggregate to one series. Raises PromQLError for a
    query Prometheus refuses and SourceError when Prometheus cannot be asked.
    """
    params = {"query": promql}
    if at is not None:  # evaluated at that moment, not Prometheus's now
        params["time"] = f"{at:.3f}"
    data = await _query(client, base_url, "/api/v1/query", params, label or promql, timeout)
    return parse_instant(data, label or promql)


async def range_query(
    client: httpx.AsyncClient,
    base_url: str,
    promql: str,
    start: float,
    end: float,
    step: float,
    timeout: float,
    *,
    label: str | None = None,
) -> list[tuple[float, float]]:
    """(epoch, value) points of the first series of a range query; NaN points are left out."""
    label = label or promql
    params = {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
    data = await _query(client, base_url, "/api/v1/query_range", params, label, timeout)
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        raise SourceError(f"unexpected range reply for {label}", Status.UNKNOWN)
    result = data.get("result")
    if not isinstance(result, list):
        raise SourceError(f"unexpected range reply for {label}", Status.UNKNOWN)
    if not result:
        return []
    values = result[0].get("values") if isinstance(result[0], dict) else None
    if not isinstance(values, list):
        raise SourceError(f"unexpected range reply for {label}", Status.UNKNOWN)
    points = []
    for pair in values:
        ts, value = _sample(pair, label)
        if value is not None:
            points.append((ts, value))
    return points


class PrometheusSource(PooledHttpSource):
    """Whether Prometheus says it is ready to serve queries."""

    name = "prometheus"

    async def _probe(self) -> ProbeResult:
        reply = await request(self._http(), "GET", self.url + "/-/ready", timeout=self.timeout)
        text = reply.body[:120].decode("utf-8", "replace").strip()
        if reply.status == 200:
            # Prometheus says "Prometheus Server is Ready."; anything else is another server
            if "ready" not in text.lower():
                raise SourceError(
                    f"{self.url}/-/ready answered 200 but not as Prometheus does ({text[:60]})",
                    Status.UNKNOWN,
                )
            return ProbeResult(self.name, Status.OK, "ready")
        if reply.status == 503:
            raise SourceError(f"Prometheus not ready{': ' + text if text else ''}")
        raise http_status_error(reply, "Prometheus readiness")


_STATUS_RANK = {"breached": 3, "at_risk": 2, "ok": 1, "unknown": 0}
_LABELS = {"availability": "availability", "p95_latency": "p95", "error_rate": "errors"}


def _format(value: SlaValue) -> str:
    name = _LABELS.get(value.key, value.key)
    if value.value is None:
        return f"{name} unknown"
    if value.key == "p95_latency":
        text = f"{name} {value.value:.2f}s" if math.isfinite(value.value) else f"{name} >max bucket"
    elif value.key == "availability":
        text = f"{name} {sla_math.availability_text(value.value, value.target)}"
    else:
        text = f"{name} {value.value:.2f}%"
    if value.status in ("breached", "at_risk"):
        text += f" ({value.status.replace('_', ' ')})"
    return text


class SlaSource(PooledHttpSource):
    """Availability, p95 latency and error rate from Prometheus, judged against the SLA."""

    name = "sla"

    def __init__(
        self,
        url: str | Endpoint,
        *,
        queries: dict[str, str],
        sla: SlaConfig,
        timeout: float,
        at: Callable[[], float] | None = None,
        orchestrator: str | Endpoint | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(url, timeout=timeout)
        self.queries = dict(queries)
        self.sla = sla
        # asked directly when Prometheus does not answer (the runbook's manual monitoring)
        self.orchestrator = None if orchestrator is None else as_endpoint(orchestrator, "sla")
        self._orchestrator_client: httpx.AsyncClient | None = None
        self._direct_history = DirectHistory()
        self.monotonic = monotonic
        # when set, every query is evaluated at this moment instead of Prometheus's now
        self.at = at
        self.burn_queries = sla_math.burn_queries(self.queries.get("availability", ""))
        #: each window's last answer kept between probes: (when asked on `monotonic`, the
        #: moment it was evaluated at, the rate or why it is unknown)
        self._kept: dict[int, tuple[float, float | None, float | None | SourceError]] = {}
        self._last_probe: float | None = None
        #: whether the last probe found Prometheus unreachable
        self._unreachable = False

    def _at(self) -> float | None:
        return None if self.at is None else self.at()

    async def _one(self, key: str) -> float | None:
        promql = self.queries.get(key)
        if not promql:
            raise PromQLError(f"no PromQL configured for {key}")
        return await instant_query(
            self._http(), self.url, promql, self.timeout, label=key, at=self._at()
        )

    async def _burn(self, window: int, at: float | None, timeout: float) -> float | None:
        promql = self.burn_queries[window]
        label = f"availability over {sla_math.window_text(window)}"
        value = await instant_query(self._http(), self.url, promql, timeout, label=label, at=at)
        return sla_math.burn_from_availability(value, self.sla.availability_percent)

    def expire(self) -> None:
        """Ask every burn rate again at the next probe (a forced refresh)."""
        self._kept.clear()

    def _due(self, now: float, at: float | None, spacing: float) -> list[int]:
        """The windows whose burn rate is asked this time: never asked, or kept so long
        that by the next probe (`spacing` from now, as the last one was) it would be
        older than its window allows (sla.burn_reask_seconds)."""
        due = []
        for window in self.burn_queries:
            kept = self._kept.get(window)
            if kept is None:
                due.append(window)
                continue
            asked_at, asked_for, _ = kept
            age = now - asked_at
            if at is not None and asked_for is not None:  # the evaluation moment moved
                age = max(age, abs(at - asked_for))
            if age + spacing >= sla_math.burn_reask_seconds(window):
                due.append(window)
        return due

    async def _ask_burn(
        self, windows: list[int], now: float, at: float | None, timeout: float
    ) -> dict[int, float | None | SourceError]:
        """Ask these windows' burn rates; keep each answer (a rate, no data, or a query
        Prometheus refuses) for its window's while. Failing to reach Prometheus says
        nothing of the rate: that window is asked again at the next probe."""
        answers = await asyncio.gather(
            *(self._burn(w, at, timeout) for w in windows), return_exceptions=True
        )
        asked: dict[int, float | None | SourceError] = {}
        for window, answer in zip(windows, answers, strict=True):
            if isinstance(answer, asyncio.CancelledError):
                raise answer
            if isinstance(answer, BaseException):
                error = (
                    answer
                    if isinstance(answer, SourceError)
                    else SourceError(str(answer), Status.UNKNOWN)
                )
                asked[window] = error
                if isinstance(error, PromQLError):
                    self._kept[window] = (now, at, error)
                else:
                    self._kept.pop(window, None)
            else:
                asked[window] = answer
                self._kept[window] = (now, at, answer)
        return asked

    @staticmethod
    def _burn_rates(
        answers: dict[int, float | None | SourceError],
    ) -> tuple[tuple[tuple[int, float | None], ...], str]:
        """(window, burn rate) for every window, shortest first, and why any are unknown."""
        rates: list[tuple[int, float | None]] = []
        problems: list[str] = []
        for window in sorted(answers):
            answer = answers[window]
            if isinstance(answer, SourceError):
                if answer.detail not in problems:
                    problems.append(answer.detail)
                rates.append((window, None))
            else:
                rates.append((window, answer))
        if not problems and any(r is None for _, r in rates):
            problems.append("no data in Prometheus for part of the windows")
        return tuple(rates), "; ".join(problems)

    async def _probe(self) -> ProbeResult:
        keys = ("availability", "p95_latency", "error_rate")
        now, at = self.monotonic(), self._at()
        spacing = 0.0 if self._last_probe is None else max(0.0, now - self._last_probe)
        self._last_probe = now
        # after a probe that could not reach Prometheus only its three values are asked;
        # the burn rates follow once it answers again (not seven more refusals a refresh)
        reached_before = not self._unreachable
        due = self._due(now, at, spacing) if reached_before else []
        kept: dict[int, float | None | SourceError] = {
            w: answer for w, (_, _, answer) in self._kept.items() if w not in due
        }
        burn_task = asyncio.ensure_future(self._ask_burn(due, now, at, self.timeout))
        try:
            answers = await asyncio.gather(*(self._one(k) for k in keys), return_exceptions=True)
            asked = await burn_task
        finally:
            burn_task.cancel()
        numbers: dict[str, float | None] = {}
        errors: dict[str, SourceError] = {}
        for key, answer in zip(keys, answers, strict=True):
            if isinstance(answer, asyncio.CancelledError):
                raise answer
            if isinstance(answer, SourceError):
                errors[key] = answer
                numbers[key] = None
            elif isinstance(answer, BaseException):
                errors[key] = SourceError(f"{type(answer).__name__}: {answer}", Status.UNKNOWN)
                numbers[key] = None
            else:
                numbers[key] = answer
        unreachable = len(errors) == len(keys) and not any(
            isinstance(e, PromQLError) for e in errors.values()
        )
        self._unreachable = unreachable
        burn: tuple[tuple[int, float | None], ...]
        if not self.burn_queries:
            burn = tuple((w, None) for w in sla_math.BURN_WINDOWS)
            burn_detail = (
                "the availability query has no [30d] range to measure shorter windows with"
            )
        elif unreachable:
            # every rate is unknown for the reason the values are: none is kept
            self._kept.clear()
            burn = tuple((w, None) for w in sla_math.BURN_WINDOWS)
            burn_detail = "; ".join(dict.fromkeys(e.detail for e in errors.values()))
        else:
            if not reached_before:  # Prometheus answers again: ask the rates in what is left
                left = self.timeout - (self.monotonic() - now)
                asked = await self._ask_burn(list(self.burn_queries), now, at, max(left, 0.25))
            burn, burn_detail = self._burn_rates(kept | asked)
        if unreachable and self.orchestrator is not None:
            reason = next(iter(errors.values())).detail
            direct = await self._direct(reason, burn, burn_detail)
            if direct is not None:
                return direct
        if not unreachable:
            self._direct_history.clear()  # Prometheus is back: direct rates start afresh

        sla = self.sla
        values = [
            sla_math.availability(numbers["availability"], sla.availability_percent),
            self._upper("p95_latency", numbers["p95_latency"], sla.p95_latency_seconds),
            self._upper("error_rate", numbers["error_rate"], sla.error_rate_percent),
        ]
        values = [
            SlaValue(v.key, None, v.target, "unknown", errors[v.key].detail)
            if v.key in errors
            else v
            for v in values
        ]
        snapshot = SlaSnapshot(
            values=tuple(values),
            budget_left_minutes=sla_math.budget_left_minutes(
                numbers["availability"], sla.availability_percent
            ),
            burn=burn,
            burn_detail=burn_detail,
        )
        worst = max((v.status for v in values), key=_STATUS_RANK.__getitem__)
        if all(v.status == "unknown" for v in values):
            status = Status.UNKNOWN
        else:
            status = {"breached": Status.CRITICAL, "at_risk": Status.WARNING}.get(worst, Status.OK)

        shared = {e.detail for e in errors.values()}
        if len(errors) == len(keys) and len(shared) == 1:
            # Prometheus itself failed: one sentence, not three copies of it
            detail = f"SLA unknown: {shared.pop()}"
            if self.orchestrator is not None:
                detail += " (and the orchestrator did not answer either)"
        else:
            detail = " · ".join(_format(v) for v in values)
            alert = sla_math.burn_alert(dict(burn))
            if alert is not None:
                severity, window, _ = alert
                rate = dict(burn)[window]
                detail += (
                    f" · budget burning {sla_math.rate_text(rate)} over "
                    f"{sla_math.window_text(window)} ({severity})"
                )
            for key, error in errors.items():
                detail += f" · {key}: {error.detail}"
        return ProbeResult(self.name, status, detail, data=snapshot)

    def _orchestrator_http(self) -> httpx.AsyncClient:
        if self._orchestrator_client is None:
            self._orchestrator_client = plain_client(endpoint=self.orchestrator)
        return self._orchestrator_client

    async def close(self) -> None:
        await super().close()
        if self._orchestrator_client is not None:
            client, self._orchestrator_client = self._orchestrator_client, None
            await client.aclose()

    async def _direct(
        self, reason: str, burn: tuple[tuple[int, float | None], ...], burn_detail: str
    ) -> ProbeResult | None:
        """The SLA from the orchestrator itself; None when it does not answer either."""
        if self.orchestrator is None:
            return None
        base = self.orchestrator.url.rstrip("/")
        client = self._orchestrator_http()
        metrics, health = await asyncio.gather(
            request(
                client, "GET", base + "/metrics", timeout=self.timeout, max_bytes=MAX_METRICS_BYTES
            ),
            request(client, "GET", base + "/health/metrics", timeout=self.timeout),
            return_exceptions=True,
        )
        for reply in (metrics, health):
            if isinstance(reply, asyncio.CancelledError):
                raise reply
        answered = [r for r in (metrics, health) if not isinstance(r, BaseException)]
        if not answered:
            return None
        found = None
        if not isinstance(metrics, BaseException) and metrics.status == 200:
            text = metrics.body.decode("utf-8", "replace")
            sample = parse_direct_metrics(text, self.monotonic())
            if sample.total is not None or sample.buckets:
                found = self._direct_history.add(sample)
        latency = None
        if not isinstance(health, BaseException) and health.status == 200:
            from console.sources.orchestrator import average_latency_ms

            latency = average_latency_ms(_json_or_none(health.body))

        sla = self.sla
        note = f"direct, not from Prometheus ({found.span})" if found else ""
        missing = "direct, not from Prometheus: the orchestrator's /metrics has no such series"
        values = []
        for key, value, limit in (
            ("p95_latency", found.p95 if found else None, sla.p95_latency_seconds),
            ("error_rate", found.error_rate if found else None, sla.error_rate_percent),
        ):
            judged = self._upper(key, value, limit)
            detail = note if value is not None else missing
            values.append(SlaValue(judged.key, judged.value, judged.target, judged.status, detail))
        availability = SlaValue(
            "availability",
            None,
            sla.availability_percent,
            "unknown",
            "needs Prometheus's history (it does not answer)",
        )
        snapshot = SlaSnapshot(
            values=(availability, *values),
            budget_left_minutes=None,
            burn=burn,
            burn_detail=burn_detail,
            direct=True,
        )
        worst = max((v.status for v in values), key=_STATUS_RANK.__getitem__)
        # never OK: the month's availability is unknown while Prometheus is down
        status = {"breached": Status.CRITICAL}.get(worst, Status.WARNING)
        parts = [f"direct from the orchestrator, not from Prometheus ({reason})"]
        parts += [_format(v) for v in values if v.value is not None]
        if latency is not None:
            parts.append(f"avg latency {latency:.0f} ms")
        if found is None:
            parts.append("no error rate or p95: /metrics has no orchestrator series")
        return ProbeResult(self.name, status, " · ".join(parts), data=snapshot)

    @staticmethod
    def _upper(key: str, value: float | None, limit: float) -> SlaValue:
        if value is not None and math.isinf(value) and value > 0:
            # histogram_quantile's +Inf: above the largest bucket, so certainly over the limit
            return SlaValue(key, value, limit, "breached", "above the largest histogram bucket")
        return sla_math.upper_bound(key, value, limit)
