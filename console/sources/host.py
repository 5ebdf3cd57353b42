"""This host's resources via psutil, cheap enough to poll every second or two.

Every CPU figure is the average since the previous probe, over at least
CPU_SAMPLE_SECONDS: the kernel counts CPU time in 10 ms ticks, so a figure over a few
milliseconds reads 0 % or 100 % whatever the load (psutil's first `cpu_percent()` with
no interval). The source starts its measurement when built; a probe that comes sooner
than that after the last one waits out the rest in its worker thread, never on the event
loop, so `check`'s single probe and the TUI's first sample are real. The host's CPU is
measured from this source's own counters (psutil's module-wide `cpu_percent` state is
shared by every caller). Process CPU comes from the same psutil.Process objects kept
between probes (a process first seen in this probe shows 0 % until the next one). Disk
throughput is the change in the kernel's counters between probes (None on the first).
Per-process CPU follows top: 100 % is one full core, so a busy process can exceed it.

Status rules (the worst one wins):
  warning   CPU >= 90 % while the 1-minute load is at least one per CPU (a sustained
            squeeze, not a spike between two probes), memory >= 90 %, or disk of / >= 90 %
  critical  memory >= 97 % (the OOM killer is near) or disk of / >= 95 %

data: model.HostSnapshot
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from console.model import HostSnapshot, ProbeResult, ProcessInfo, Status, worst
from console.sources.base import Source, run_blocking

CPU_WARNING = 90.0
MEMORY_WARNING = 90.0
MEMORY_CRITICAL = 97.0
DISK_WARNING = 90.0
DISK_CRITICAL = 95.0
TOP_COUNT = 12
#: the shortest interval a CPU figure is measured over
CPU_SAMPLE_SECONDS = 0.5


class HostSource(Source):
    """CPU, memory, disk, load, disk throughput and the busiest processes of this host."""

    name = "host"

    def __init__(self, disk_path: str = "/") -> None:
        import psutil

        self.disk_path = disk_path
        self._lock = threading.Lock()
        self._processes: dict[int, Any] = {}
        #: Linux: each process's start (clock ticks), CPU time used (ticks) and when read
        self._times: dict[int, tuple[int, int, float]] = {}
        #: names psutil completed past the kernel's 15 characters, by (pid, start)
        self._names: dict[tuple[int, int], str] = {}
        self._proc_stat = sys.platform.startswith("linux") and os.path.isdir("/proc")
        self._clock_ticks = os.sysconf("SC_CLK_TCK") if self._proc_stat else 100
        self._page_size = os.sysconf("SC_PAGE_SIZE") if self._proc_stat else 4096
        self._last_io: tuple[float, int, int] | None = None
        # the first calls only start the measurements, so the first probe already has data
        self._last_cpu = (time.monotonic(), psutil.cpu_times())
        self._top(psutil)

    async def _probe(self) -> ProbeResult:
        snapshot = await run_blocking(self.snapshot)
        return ProbeResult(self.name, self._status(snapshot), _detail(snapshot), data=snapshot)

    def snapshot(self) -> HostSnapshot:
        """Measure the host now (blocking: reads /proc, and may sleep up to CPU_SAMPLE_SECONDS)."""
        import psutil

        with self._lock:
            cpu = self._cpu_percent(psutil)
            memory = psutil.virtual_memory().percent
            disk = psutil.disk_usage(self.disk_path).percent
            try:
                one, five, fifteen = psutil.getloadavg()
                load = (round(one, 2), round(five, 2), round(fifteen, 2))
            except (OSError, AttributeError):
                load = (0.0, 0.0, 0.0)
            read_bps, write_bps = self._disk_rates(psutil)
            return HostSnapshot(
                cpu_percent=cpu,
                memory_percent=memory,
                disk_percent=disk,
                load=load,
                cpu_count=psutil.cpu_count() or os.cpu_count() or 1,
                top=self._top(psutil),
                disk_read_bps=read_bps,
                disk_write_bps=write_bps,
            )

    def _cpu_percent(self, psutil: Any) -> float:
        """Busy CPU since the last call (or construction), waiting until the interval is long enough."""
        started, before = self._last_cpu
        wait = started + CPU_SAMPLE_SECONDS - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        after = psutil.cpu_times()
        self._last_cpu = (time.monotonic(), after)
        total = _total_time(after) - _total_time(before)
        busy = total - (_idle_time(after) - _idle_time(before))
        if total <= 0:  # the counters did not move (or went back): nothing was measured
            return 0.0
        return round(min(100.0, max(0.0, 100.0 * busy / total)), 1)

    def _disk_rates(self, psutil: Any) -> tuple[float | None, float | None]:
        try:
            counters = psutil.disk_io_counters()
        except (OSError, RuntimeError):
            counters = None
        if counters is None:  # no disks visible (some containers)
            return None, None
        now = time.monotonic()
        last, self._last_io = self._last_io, (now, counters.read_bytes, counters.write_bytes)
        if last is None or now <= last[0]:
            return None, None
        elapsed = now - last[0]
        # counters can go backwards when a disk is removed; never show a negative rate
        read = max(0, counters.read_bytes - last[1]) / elapsed
        write = max(0, counters.write_bytes - last[2]) / elapsed
        return read, write

    def _top(self, psutil: Any) -> tuple[ProcessInfo, ...]:
        if self._proc_stat:
            try:
                return self._top_from_proc(psutil)
            except OSError:  # /proc is not what Linux has: psutil, as elsewhere
                self._proc_stat = False
        return self._top_with_psutil(psutil)

    def _top_from_proc(self, psutil: Any) -> tuple[ProcessInfo, ...]:
        """The busiest processes from each one's /proc/<pid>/stat, read once a probe.

        psutil's Process.cpu_percent costs ~60 µs a process (several reads and calls);
        with 150 processes the list was nine tenths of a host probe (issue 13). Same
        figure as psutil's: CPU time since the last probe over the time between the
        two (100 % is one core), and a process first seen now shows 0 % (left out)."""
        now = time.monotonic()
        ticks = self._clock_ticks
        last, seen = self._times, {}
        samples: list[tuple[float, int, bytes, int]] = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = _read(f"/proc/{entry}/stat")
            except OSError:  # ended meanwhile, or not ours to read
                continue
            # the name is in parentheses and may hold anything, parentheses included
            head, _, tail = stat.rpartition(b")")
            fields = tail.split()
            if len(fields) < 22:
                continue
            pid = int(entry)
            started, used = int(fields[19]), int(fields[11]) + int(fields[12])
            seen[pid] = (started, used, now)
            before = last.get(pid)
            if before is None or before[0] != started:  # new (or a reused PID)
                continue
            elapsed = now - before[2]
            if elapsed <= 0:
                continue
            cpu = (used - before[1]) / ticks / elapsed * 100.0
            samples.append((cpu, pid, head.partition(b"(")[2], int(fields[21])))
        if not seen:
            raise OSError("no process in /proc")
        self._times = seen
        self._names = {k: v for k, v in self._names.items() if k[0] in seen}
        samples.sort(key=lambda sample: sample[0], reverse=True)
        total = psutil.virtual_memory().total or 1
        top: list[ProcessInfo] = []
        for cpu, pid, comm, rss_pages in samples[:TOP_COUNT]:
            top.append(
                ProcessInfo(
                    pid=pid,
                    name=self._name(psutil, pid, seen[pid][0], comm),
                    cpu_percent=round(max(0.0, cpu), 1),
                    memory_percent=round(rss_pages * self._page_size / total * 100.0, 1),
                )
            )
        return tuple(top)

    def _name(self, psutil: Any, pid: int, started: int, comm: bytes) -> str:
        """The process's name as psutil gives it: the kernel's name, or where the kernel
        cut it at 15 characters, the name its command line starts with."""
        name = comm.decode("utf-8", "replace")
        if len(name) < 15:
            return name
        key = (pid, started)
        if key not in self._names:
            try:
                self._names[key] = psutil.Process(pid).name()
            except (psutil.Error, OSError):
                return name
        return self._names[key]

    def _top_with_psutil(self, psutil: Any) -> tuple[ProcessInfo, ...]:
        seen: dict[int, Any] = {}
        samples: list[tuple[float, Any]] = []
        for pid in psutil.pids():
            proc = self._processes.get(pid)
            try:
                if proc is None:
                    proc = psutil.Process(pid)
                    proc.cpu_percent(interval=None)  # starts its measurement: 0 this time
                    seen[pid] = proc
                    continue
                samples.append((proc.cpu_percent(interval=None), proc))
                seen[pid] = proc
            except (psutil.Error, OSError):
                continue
        self._processes = seen  # forget the processes that ended
        samples.sort(key=lambda pair: pair[0], reverse=True)
        top: list[ProcessInfo] = []
        for cpu, proc in samples:
            if len(top) == TOP_COUNT:
                break
            try:
                top.append(
                    ProcessInfo(
                        pid=proc.pid,
                        name=proc.name(),
                        cpu_percent=round(cpu, 1),
                        memory_percent=round(proc.memory_percent(), 1),
                    )
                )
            except (psutil.Error, OSError):
                continue
        return tuple(top)

    @staticmethod
    def _status(snapshot: HostSnapshot) -> Status:
        statuses = [Status.OK]
        busy = snapshot.load[0] >= max(1, snapshot.cpu_count)
        if snapshot.cpu_percent >= CPU_WARNING and busy:
            statuses.append(Status.WARNING)
        if snapshot.memory_percent >= MEMORY_CRITICAL:
            statuses.append(Status.CRITICAL)
        elif snapshot.memory_percent >= MEMORY_WARNING:
            statuses.append(Status.WARNING)
        if snapshot.disk_percent >= DISK_CRITICAL:
            statuses.append(Status.CRITICAL)
        elif snapshot.disk_percent >= DISK_WARNING:
            statuses.append(Status.WARNING)
        return worst(statuses)


def _read(path: str) -> bytes:
    """A small /proc file in one read (half the cost of open() and its buffered reader)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 4096)
    finally:
        os.close(fd)


def _total_time(times: Any) -> float:
    # as psutil and htop count it: guest time is already inside user and nice on Linux
    return float(sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0))


def _idle_time(times: Any) -> float:
    # iowait is a CPU doing nothing while it waits for a disk; Linux does not count it as idle
    return float(times.idle + getattr(times, "iowait", 0.0))


def _detail(snapshot: HostSnapshot) -> str:
    return (
        f"CPU {snapshot.cpu_percent:.0f}% · mem {snapshot.memory_percent:.0f}%"
        f" · disk {snapshot.disk_percent:.0f}% · load {snapshot.load[0]:.2f}"
        f" on {snapshot.cpu_count} CPUs"
    )
