"""The poller: timeouts, no self-overlap, slow sources never delay fast ones."""

from __future__ import annotations

import asyncio
import time

from console.model import ProbeResult, Status
from console.poller import GRACE_SECONDS, Poller
from console.sources.base import Source, SourceError, run_blocking


class Scripted(Source):
    """A source whose probe answers once its `gate` opens (at once without one) or after
    `delay` seconds, counting overlaps."""

    def __init__(
        self,
        name: str,
        delay: float = 0.0,
        fail: Exception | None = None,
        gate: asyncio.Event | None = None,
    ):
        self.name = name
        self.delay = delay
        self.fail = fail
        self.gate = gate
        self.running = 0
        self.most_at_once = 0
        self.calls = 0

    async def _probe(self) -> ProbeResult:
        self.calls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.gate is not None:
                await self.gate.wait()
            else:
                await asyncio.sleep(self.delay)
            if self.fail:
                raise self.fail
            return ProbeResult(self.name, Status.OK, "fine")
        finally:
            self.running -= 1


async def test_a_hung_source_gives_a_clear_result_within_its_timeout():
    hung = Scripted("hung", delay=3600)
    poller = Poller([hung], interval=1, timeout=0.2)
    started = time.monotonic()
    [result] = await poller.run_once()
    assert time.monotonic() - started < 0.2 + GRACE_SECONDS + 0.3
    assert result.status is Status.CRITICAL
    assert "no answer within 0.2s" in result.detail
    assert result.obtained_at > 0


async def until(predicate, what: str, limit: float = 5.0) -> None:
    """Let the loop run until `predicate()` holds (failing after `limit` s, never waiting
    a fixed time)."""
    async with asyncio.timeout(limit):
        while not predicate():
            await asyncio.sleep(0)
    assert predicate(), what


async def test_a_source_never_overlaps_itself():
    gate = asyncio.Event()
    hung = Scripted("hung", gate=gate)
    poller = Poller([hung], interval=0.05, timeout=0.1)
    first = await poller.poll(hung)
    assert first is not None and first.status is Status.CRITICAL
    # its probe is still running: the next ticks are skipped, not piled up
    assert await poller.poll(hung) is None
    assert await poller.poll(hung) is None
    assert hung.calls == 1 and hung.most_at_once == 1
    gate.set()  # the backend answers at last
    await until(lambda: hung.running == 0, "the first probe to finish")
    again = await poller.poll(hung)
    assert again is not None and again.status is Status.OK and hung.calls == 2


async def test_a_slow_source_does_not_delay_a_fast_one():
    gate = asyncio.Event()
    fast, slow = Scripted("fast"), Scripted("slow", gate=gate)
    seen: list[str] = []
    poller = Poller(
        [slow, fast], interval=0.01, timeout=3600, on_result=lambda r: seen.append(r.name)
    )
    poller.start()
    try:
        # the fast source answers again and again while the slow one has not answered once
        await until(lambda: seen.count("fast") >= 3, "three answers from the fast source")
        assert "slow" not in seen and slow.running == 1, seen
        gate.set()
        await until(lambda: "slow" in seen, "the slow source's answer once it came")
    finally:
        await poller.stop()
    assert slow.most_at_once == 1


async def test_errors_become_results_never_exceptions():
    broken = Scripted("broken", fail=ValueError("boom"))
    refused = Scripted("refused", fail=SourceError("connection refused by x:1"))
    results = {r.name: r for r in await Poller([broken, refused], interval=1, timeout=1).run_once()}
    assert results["broken"].status is Status.UNKNOWN
    assert "boom" in results["broken"].detail
    assert results["refused"].status is Status.CRITICAL
    assert results["refused"].detail == "connection refused by x:1"


async def test_refresh_polls_at_once_instead_of_waiting_for_the_interval():
    source = Scripted("s")
    poller = Poller([source], interval=3600, timeout=1)
    poller.start()
    await until(lambda: source.calls == 1, "the first poll at start")
    poller.refresh(["s"])
    await until(lambda: source.calls == 2, "a poll at once on refresh, not after an hour")
    await poller.stop()
    assert source.calls == 2


async def test_run_blocking_keeps_the_loop_free():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.ensure_future(ticker())
    value = await run_blocking(lambda: (time.sleep(0.3), 42)[1])
    task.cancel()
    assert value == 42
    assert ticks >= 10


async def test_a_source_with_its_own_interval_is_polled_at_that_pace():
    """The alerts' history is asked every few minutes, not at every refresh, and a change
    of the refresh interval leaves it alone; a refresh by name still asks it at once."""
    fast, slow = Scripted("fast"), Scripted("alert_history")
    slow.interval = 300.0
    poller = Poller([fast, slow], interval=0.05, timeout=1)
    poller.start()
    try:
        await asyncio.sleep(0.4)
        poller.set_interval(0.02)
        await asyncio.sleep(0.2)
        assert fast.calls >= 5
        assert slow.calls == 1  # the first poll only
        poller.refresh(["alert_history"])
        await asyncio.sleep(0.1)
        assert slow.calls == 2
    finally:
        await poller.stop()


class Stamped(Scripted):
    """A Scripted source that notes when (loop time) each probe began."""

    def __init__(self, name: str, delay: float) -> None:
        super().__init__(name, delay=delay)
        self.began: list[float] = []

    async def _probe(self) -> ProbeResult:
        self.began.append(asyncio.get_running_loop().time())
        return await super()._probe()


async def test_sources_polled_together_stay_together_whatever_their_latency():
    """Their answers are drawn in one frame (issue 13): a source that answers in 150 ms
    does not drift 150 ms a cycle behind one that answers at once."""
    fast, slow = Stamped("fast", 0.0), Stamped("slow", 0.15)
    poller = Poller([fast, slow], interval=0.3, timeout=2)
    poller.start()
    try:
        await until(lambda: len(slow.began) >= 5 and len(fast.began) >= 5, "five cycles")
    finally:
        await poller.stop()
    for a, b in zip(fast.began[:5], slow.began[:5], strict=True):
        assert abs(a - b) < 0.06
    gaps = [b - a for a, b in zip(slow.began, slow.began[1:], strict=False)]
    assert all(0.25 < gap < 0.36 for gap in gaps[:4])


async def test_a_probe_longer_than_the_interval_waits_for_the_next_beat():
    """Not asked again the moment it answers (a slow backend is not hammered), and back
    in step with the others afterwards."""
    slow = Stamped("slow", 0.45)
    poller = Poller([slow], interval=0.3, timeout=2)
    poller.start()
    try:
        await until(lambda: len(slow.began) >= 3, "three probes")
    finally:
        await poller.stop()
    gaps = [b - a for a, b in zip(slow.began, slow.began[1:], strict=False)]
    # began at 0, answered at 0.45, next beat at 0.6
    assert all(0.55 < gap < 0.7 for gap in gaps[:2])
