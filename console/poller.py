"""Runs every source on its interval, each bounded by its own timeout.

A slow source never delays another (each has its own task), and a source never
overlaps itself: while its last probe is still in flight, its tick is skipped.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable

from console.clock import Clock
from console.model import ProbeResult, Status
from console.sources.base import Source

#: a probe gets this much beyond its own timeout before the poller gives up on it
GRACE_SECONDS = 0.5


class Poller:
    """Polls sources and hands each result to `on_result`."""

    def __init__(
        self,
        sources: Iterable[Source],
        *,
        interval: float,
        timeout: float,
        clock: Clock | None = None,
        on_result: Callable[[ProbeResult], None] | None = None,
    ) -> None:
        self.sources = list(sources)
        self.interval = interval
        self.timeout = timeout
        self.clock = clock or Clock()
        self.on_result = on_result or (lambda result: None)
        self._inflight: dict[str, asyncio.Future[ProbeResult]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[None]] = []
        #: while paused no source is polled on its own; refresh() still polls at once
        self.paused = False
        #: set (and replaced) whenever the interval or the pause changes: loops re-time
        self._retime = asyncio.Event()

    def timeout_for(self, source: Source) -> float:
        return source.timeout if source.timeout is not None else self.timeout

    async def poll(self, source: Source) -> ProbeResult | None:
        """Probe one source once; None if its previous probe is still running."""
        running = self._inflight.get(source.name)
        if running is not None and not running.done():
            return None
        limit = self.timeout_for(source)
        started = self.clock.monotonic()
        task = asyncio.ensure_future(source.probe())
        self._inflight[source.name] = task
        done, _ = await asyncio.wait({task}, timeout=limit + GRACE_SECONDS)
        if task in done and not task.cancelled() and task.exception() is None:
            result = task.result()
        elif task in done:
            result = ProbeResult(source.name, Status.UNKNOWN, "probe was cancelled")
        else:
            # leave it running: it is bounded by its own timeouts, and skipping the next
            # tick while it runs is what keeps a hung backend from piling up probes
            task.add_done_callback(_swallow)
            result = ProbeResult(
                source.name, Status.CRITICAL, f"no answer within {limit:g}s (still waiting)"
            )
        latency = result.latency_ms
        if latency is None:
            latency = (self.clock.monotonic() - started) * 1000.0
        return dataclasses.replace(result, latency_ms=latency, obtained_at=self.clock.time())

    async def run_once(self) -> list[ProbeResult]:
        """Probe every source once, concurrently; results in source order."""
        results = await asyncio.gather(*(self.poll(s) for s in self.sources))
        out = [r for r in results if r is not None]
        for result in out:
            self.on_result(result)
        return out

    def start(self) -> None:
        """Start one polling task per source."""
        for source in self.sources:
            self._wake[source.name] = asyncio.Event()
            self._tasks.append(asyncio.ensure_future(self._loop(source)))

    def refresh(self, names: Iterable[str] | None = None) -> None:
        """Poll these sources (all when None) now rather than at their next tick."""
        wanted = None if names is None else set(names)
        for name, event in self._wake.items():
            if wanted is None or name in wanted or any(name.startswith(w) for w in wanted):
                event.set()

    @property
    def in_flight(self) -> set[str]:
        """The sources whose probe is running now (a pause lets them finish)."""
        return {name for name, task in self._inflight.items() if not task.done()}

    def pause(self, paused: bool = True) -> None:
        """Stop (or restart) polling on the interval; what was read stays as it is."""
        self.paused = paused
        self._changed()

    def set_interval(self, seconds: float) -> None:
        """Poll every `seconds` from now on (a wait under way is shortened or stretched)."""
        self.interval = seconds
        self._changed()

    def _changed(self) -> None:
        retime, self._retime = self._retime, asyncio.Event()
        retime.set()

    async def _wait(
        self, wake: asyncio.Event, own: float | None = None, began: float | None = None
    ) -> None:
        """Until the next poll of one source: a refresh, or its interval after `began`
        (when its last probe started; now when None), or, after a change of interval,
        whatever is left of the new one. `own`: the source's own interval, which the
        refresh interval does not change.

        Counted from when the probe began, not from when its answer came, the sources
        polled together stay together: their answers arrive within a few milliseconds
        and are drawn in one frame, instead of drifting apart by their latencies into a
        frame each (issue 13). A probe that took longer than its interval waits for the
        next whole interval after it began, so a slow backend is not asked again at once.
        """
        loop = asyncio.get_running_loop()
        now = loop.time()
        started = now if began is None else began
        interval = self.interval if own is None else own
        if interval > 0 and now - started > interval:
            started = now - (now - started) % interval  # overran: the next one in phase
        while not wake.is_set():
            interval = self.interval if own is None else own
            left = None if self.paused else interval - (loop.time() - started)
            if left is not None and left <= 0:
                return
            waiters = [
                asyncio.ensure_future(wake.wait()),
                asyncio.ensure_future(self._retime.wait()),
            ]
            try:
                await asyncio.wait(waiters, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    async def _loop(self, source: Source) -> None:
        wake = self._wake[source.name]
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            result = await self.poll(source)
            if result is not None:
                self.on_result(result)
            await self._wait(wake, getattr(source, "interval", None), began)
            wake.clear()

    async def stop(self) -> None:
        """Stop polling and close every source."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await asyncio.gather(*(s.close() for s in self.sources), return_exceptions=True)


def _swallow(task: asyncio.Future[ProbeResult]) -> None:
    if not task.cancelled():
        task.exception()
