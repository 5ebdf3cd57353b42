"""Every alert's firing over the last day: one range query of Prometheus's ALERTS.

One query for all alerts, on its own slow cadence (`interval`), never one per alert
per refresh; the reply is bounded (a longer one is cut and says so) and decoded in a
thread. Any failure is a result with a sentence, and the history is then unknown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from console.alert_history import (
    QUERY,
    STEP_SECONDS,
    WINDOW_SECONDS,
    AlertHistory,
    HistoryError,
    decode_history,
)
from console.model import ProbeResult, Status
from console.sources.base import SourceError, run_blocking
from console.sources.http import PooledHttpSource, http_status_error, request

if TYPE_CHECKING:
    from console.config import Endpoint

#: the most of a history reply that is read (a day of minutes is about 30 KiB an alert)
MAX_BYTES = 16 * 1024 * 1024
#: asked this often (and when an alert's detail opens and the last answer is older
#: than REFRESH_ON_OPEN_SECONDS): the list's counts move slowly
INTERVAL_SECONDS = 300.0
REFRESH_ON_OPEN_SECONDS = 60.0


class AlertHistorySource(PooledHttpSource):
    """Firing `ALERTS` series of the last day, decoded into an AlertHistory."""

    name = "alert_history"

    def __init__(
        self,
        url: str | Endpoint,
        *,
        timeout: float,
        clock: Callable[[], float] = time.time,
        interval: float = INTERVAL_SECONDS,
        window: float = WINDOW_SECONDS,
        step: float = STEP_SECONDS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        super().__init__(url, timeout=timeout)
        self.clock = clock
        self.interval = interval
        self.window = window
        self.step = step
        self.max_bytes = max_bytes

    async def _probe(self) -> ProbeResult:
        # to the millisecond, as Prometheus reads them: its sample times are exactly these
        end = round(self.clock(), 3)
        start = round(end - self.window, 3)
        params = {
            "query": QUERY,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{self.step:g}",
        }
        reply = await request(
            self._http(),
            "GET",
            self.url + "/api/v1/query_range",
            timeout=self.timeout,
            params=params,
            max_bytes=self.max_bytes,
            keep_partial=True,
        )
        if reply.status in (400, 422):
            text = _error_of(reply.body)
            text = str(text or reply.body[:200].decode("utf-8", "replace").strip())
            raise SourceError(f"Prometheus refused the ALERTS query: {text}", Status.UNKNOWN)
        if reply.status != 200:
            raise http_status_error(reply, "Prometheus ALERTS query")
        try:
            history: AlertHistory = await run_blocking(
                decode_history, reply.body, start, end, self.step, reply.cut
            )
        except HistoryError as exc:
            raise SourceError(str(exc), Status.UNKNOWN) from None
        detail = f"{history.series} firing series in the last {self.window / 3600:g} h"
        status = Status.OK
        if history.cut:
            status = Status.WARNING
            detail += f"; reply cut ({history.cut}): alerts past the cut are unknown"
        return ProbeResult(self.name, status, detail, data=history)


def _error_of(body: bytes) -> str | None:
    """The `error` sentence of a Prometheus error reply, if it is one."""
    try:
        decoded = msgspec.json.decode(body[:4096])
    except msgspec.DecodeError:
        return None
    return decoded.get("error") if isinstance(decoded, dict) else None
