"""What every source is: an object whose `probe()` returns a ProbeResult and never raises.

Sources do I/O only and never import Textual. The poller stamps `obtained_at` and
`latency_ms` with its clock, so sources leave both unset.
"""

from __future__ import annotations

import asyncio
import functools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from console.model import ProbeResult, Status
from console.text import redact

T = TypeVar("T")


class SourceError(Exception):
    """A failure of what a source talks to, with a sentence fit for the screen (any URL
    in it has its password masked: sentences name the URL they could not reach)."""

    def __init__(self, detail: str, status: Status = Status.CRITICAL) -> None:
        detail = redact(detail)
        super().__init__(detail)
        self.detail = detail
        self.status = status


class Source:
    """Base class: subclasses set `name` and implement `_probe()`."""

    name: str = "source"
    #: how long one probe may take; None means the poller's default
    timeout: float | None = None
    #: seconds between two probes; None means the poller's refresh interval
    interval: float | None = None

    async def probe(self) -> ProbeResult:
        """Run the check once; any failure becomes a result, never an exception."""
        try:
            return await self._probe()
        except SourceError as exc:
            return ProbeResult(self.name, exc.status, exc.detail)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or an unforeseen reply: say so, don't crash
            return ProbeResult(
                self.name, Status.UNKNOWN, redact(f"probe failed: {type(exc).__name__}: {exc}")
            )

    async def _probe(self) -> ProbeResult:
        raise NotImplementedError

    def expire(self) -> None:
        """Someone asked for fresh values now (ctrl+r, or after an action): the next probe
        asks again whatever the source keeps between probes. Nothing is kept by default."""

    async def close(self) -> None:
        """Release connections; called when the console stops."""


#: what the console builds its sources with, once at start and again on an environment switch
SourcesFactory = Callable[[], list[Source]]


class _Workers:
    """Daemon threads for blocking calls: a call goes to an idle one, or to a new one
    when all are busy (so a hung call never holds up another); one left idle for
    IDLE_SECONDS ends. Six probes a refresh each started a thread (~0.2 ms of CPU a
    thread, issue 13); now they hand their call to one that waits."""

    IDLE_SECONDS = 60.0

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        #: idle workers no call has been promised to
        self._idle = 0

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            spare = self._idle > 0
            if spare:
                self._idle -= 1
        self._jobs.put(job)
        if not spare:
            threading.Thread(target=self._work, name="probe-worker", daemon=True).start()

    def _work(self) -> None:
        job = self._jobs.get()
        while True:
            job()
            del job  # what the call returned is not kept while this thread waits
            threading.current_thread().name = "probe-worker"
            with self._lock:
                self._idle += 1
            try:
                job = self._jobs.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # nobody was promised this thread: it ends
                        self._idle -= 1
                        return
                job = self._jobs.get()  # promised meanwhile: the call is on its way


_WORKERS = _Workers()


def run_blocking(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run a blocking call in a daemon thread, so a hung call never blocks exit.

    The call itself must be bounded by its own timeouts; this only keeps the event
    loop free while it runs.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def succeed(value: T) -> None:
        if not future.done():
            future.set_result(value)

    def fail(exc: BaseException) -> None:
        if not future.done():
            future.set_exception(exc)

    def work() -> None:
        settle: Callable[[], None]
        threading.current_thread().name = name
        try:
            value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            settle = functools.partial(fail, exc)
        else:
            settle = functools.partial(succeed, value)
        try:
            loop.call_soon_threadsafe(settle)
        except RuntimeError:  # the loop closed while we ran
            pass

    name = f"probe-{getattr(fn, '__name__', 'call')}"
    _WORKERS.submit(work)
    return future
