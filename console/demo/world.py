"""A deterministic simulation of a GENESIS stack: metrics, alerts, dependencies, silences.

No I/O. Everything is a function of the scenario, the scenario time and what engineers
did (restarts, cache clears, silences), so a test or a snapshot can pin any moment with
`World.at(t)`. Scenario time is the clock's time minus the world's start, plus an offset;
every scenario loops over a ten-minute cycle so a demo left running stays interesting.
Randomness is seeded noise derived from (seed, signal, step), never from the clock.

The alert rules are those of monitoring/alert_rules/genesis.yml (same expressions, thresholds
and annotations) with shorter `for:` waits; see console/demo/rules.py.

Timelines (seconds into each 600 s cycle; rules are evaluated every 5 s):
  healthy            RouterEfficiencyLow 195–310, StabilityScoreDropped 445–510 (warnings only)
  orchestrator-down  errors rise from 40; not ready 60–90 ("connection pool exhausted");
                     process down (port 8000 closed) 90–420; HighFailureRate 105–390,
                     GenesisOrchestratorDown 120–420, CriticalFailureRate 130–390 (both
                     failure-rate alerts end at 390 when the dead target's rates vanish),
                     SLAAvailabilityBreach 360 to the end of the cycle. A restart during
                     40–450 ends the incident once the process is back (6 s later).
  latency-spike      cache hit rate falls from 60 and P95 climbs to about 6.7 s (from 150 to
                     330); HighOrchestrationLatency 140–405, HighFailureRate 175–370,
                     CriticalOrchestrationLatency 185–360. A cache clear brings latency back
                     to normal within 60 s.
  dependency-outage  MySQL threads climb from 60 (too many connections 150–335, deadlock at
                     95, slow queries); Redis bloats from 120 and is down 180–330; Temporal
                     NOT_SERVING 200–350; orchestrator not ready 150–350; HighFailureRate
                     165–400, CriticalFailureRate 185–380, HighOrchestrationLatency 185–380,
                     CriticalOrchestrationLatency 210–360 (P95 about 6.5 s),
                     StabilityScoreDropped 240–360.

Each scenario's trouble begins 60 s into the cycle (TROUBLE_STARTS): the orchestrator goes
not ready, the cache starts to miss, MySQL slows. `genesis-console demo` starts
LEAD_IN_SECONDS before it (`default_start`), so the story begins at once; `--at 0` keeps
the calm minute before it.

The seed drives the noise and the ids the world hands out (silences), so one seed gives
one world; `genesis-console demo` takes a fresh seed each run unless `--seed` pins it.
"""

from __future__ import annotations

import math
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from console.clock import Clock
from console.demo.rules import JOB, RULES, AlertRule
from console.matchers import matchers_match
from console.model import HostSnapshot, ProcessInfo

SCENARIOS = ("healthy", "orchestrator-down", "latency-spike", "dependency-outage")

#: every scenario repeats after this many seconds
CYCLE_SECONDS = 600.0
#: the simulated Prometheus evaluates its rules this often
STEP_SECONDS = 5.0
#: how long the orchestrator refuses connections while it restarts
RESTART_SECONDS = 6.0
#: orchestrator-down: the process is down between these cycle seconds (unless restarted)
CRASH_SECONDS = (90.0, 420.0)
#: `snapshot()` within this long of the last one gives that one, if nothing but the
#: smooth curves could have moved in between (see `snapshot`)
REUSE_SECONDS = 0.1
#: how long a cache clear takes to undo a cache-driven slowdown
CACHE_RECOVERY_SECONDS = 60.0
#: after a cache clear the hit rate starts low and warms up over this long
CACHE_WARMUP_SECONDS = 30.0
#: Prometheus rate() windows: a dead target's rates vanish after this long
RATE_WINDOW_SECONDS = 300.0
#: the month the availability SLA is measured over
MONTH_SECONDS = 30 * 86400.0
#: when each scenario's trouble first shows (scenario seconds); healthy has none
TROUBLE_STARTS = {"orchestrator-down": 60.0, "latency-spike": 60.0, "dependency-outage": 60.0}
#: how long before its trouble a demo starts by default
LEAD_IN_SECONDS = 5.0

INSTANCE = "localhost:8000"
RUNBOOK_URL = "https://runbooks.genesis.internal/alerts/{name}"
MYSQL_MAX_CONNECTIONS = 151
CPU_COUNT = 8

#: the runbook's ports, and which simulated component listens on each
PORT_OWNERS = {
    8000: "orchestrator",
    9090: "prometheus",
    9093: "alertmanager",
    3000: "grafana",
    3306: "mysql",
    6379: "redis",
    7233: "temporal",
}


@dataclass(frozen=True)
class FiringAlert:
    """An alert the simulated Prometheus is sending, with Alertmanager's view of it."""

    name: str
    severity: str
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]
    starts_at: float  # wall-clock epoch seconds
    updated_at: float
    ends_at: float
    expr: str
    silenced_by: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Alertmanager's fingerprint: FNV-1a 64 over the sorted labels, as 16 hex digits."""
        return fingerprint(dict(self.labels))


@dataclass
class DemoSilence:
    """A silence stored in the world; times are wall-clock epoch seconds."""

    id: str
    matchers: list[dict[str, Any]]  # {name, value, isRegex, isEqual}
    created_by: str
    comment: str
    starts_at: float
    ends_at: float
    updated_at: float

    def state(self, now: float) -> str:
        """active, pending or expired at wall time `now`."""
        if now < self.starts_at:
            return "pending"
        if now < self.ends_at:
            return "active"
        return "expired"


@dataclass(frozen=True)
class Snapshot:
    """Everything observable about the world at one scenario time."""

    scenario: str
    time: float  # scenario seconds
    wall: float  # wall-clock epoch seconds
    orchestrator: str  # ready | not_ready | down
    reason: str | None
    latency_ms: float
    p95_seconds: float | None  # None when Prometheus has no recent samples
    error_rate_percent: float | None
    availability_percent: float
    runs_per_second: float
    total_runs: int
    failed_runs: int
    active_runs: int
    router_efficiency: float
    stability_score: float
    redis_up: bool
    cache_hit_rate: float | None
    cache_entries: int
    redis_memory_bytes: int
    redis_clients: int
    mysql_threads: int
    mysql_slow_queries: int
    mysql_refusing: bool  # "Too many connections"
    mysql_deadlock_at: float | None  # wall time of the latest detected deadlock
    temporal: str  # SERVING | NOT_SERVING | DOWN
    ports: tuple[tuple[int, bool], ...]
    host: HostSnapshot
    alerts: tuple[FiringAlert, ...] = field(default_factory=tuple)

    def port_open(self, port: int) -> bool:
        """Whether the simulated component behind a runbook port listens."""
        return dict(self.ports).get(port, True)


class Unavailable(Exception):
    """An action the world refuses in its current state, with the reason."""


@dataclass(frozen=True)
class Escalation:
    """What the demo's escalation receiver got: a PagerDuty event or a Slack message."""

    channel: str  # PagerDuty | Slack
    at: float  # wall-clock epoch seconds
    summary: str  # the event's summary, or the message's text
    body: dict[str, Any]


def default_start(scenario: str) -> float:
    """Where `demo` starts a scenario: a few seconds before its trouble (0 when it has none)."""
    trouble = TROUBLE_STARTS.get(scenario)
    return 0.0 if trouble is None else max(0.0, trouble - LEAD_IN_SECONDS)


def fingerprint(labels: dict[str, str]) -> str:
    """Prometheus' LabelSet fingerprint (FNV-1a 64, 0xff separators), as Alertmanager shows it."""
    value = 14695981039346656037
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode() + b"\xff":
                value ^= byte
                value = (value * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _ramp(t: float, points: tuple[tuple[float, float], ...]) -> float:
    """Piecewise-linear through `points`, flat before the first and after the last."""
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:], strict=False):
        if t < t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return points[-1][1]


@dataclass(frozen=True)
class _Process:
    up: bool
    reason: str | None  # why it is not up or not ready
    incident: bool  # the scenario's own fault is in effect


class World:
    """The simulated GENESIS stack; thread-safe, deterministic for a given clock and seed."""

    def __init__(
        self,
        scenario: str = "healthy",
        *,
        clock: Clock | None = None,
        offset: float = 0.0,
        seed: int = 7,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
        self.scenario = scenario
        self.clock = clock or Clock()
        self.seed = seed
        #: wall time of scenario time zero
        self.epoch = self.clock.time() - offset
        self.lock = threading.RLock()
        self.restarts: list[float] = []
        self.cache_clears: list[float] = []
        self.silences: dict[str, DemoSilence] = {}
        #: what the demo's escalation receiver got, oldest first
        self.escalations: list[Escalation] = []
        self._noise_cache: dict[tuple[str, int], float] = {}
        self._step_cache: dict[tuple[str, float], float | None] = {}
        #: the firing alerts (before silences) of each rule evaluation, by step time
        self._alert_cache: dict[float, tuple[FiringAlert, ...]] = {}
        #: bumped by every action: a snapshot from before one is not reused
        self._version = 0
        #: the last snapshot: (version, it, reusable until this scenario time)
        self._last: tuple[int, Snapshot, float] | None = None
        self._watchers: list[Callable[[], None]] = []

    def watch(self, callback: Callable[[], None]) -> None:
        """Call `callback` (outside the lock) after every restart: the one action that
        changes when the orchestrator process is up (the demo's servers follow it)."""
        self._watchers.append(callback)

    def _forget(self) -> None:
        """Drop what was computed before an action that changes the world's course."""
        self._step_cache.clear()
        self._alert_cache.clear()
        self._version += 1

    # ----- time

    def now(self) -> float:
        """The current scenario time in seconds."""
        return self.clock.time() - self.epoch

    def wall(self, t: float) -> float:
        """The wall-clock epoch seconds of scenario time `t`."""
        return self.epoch + t

    def snapshot(self) -> Snapshot:
        """The world as it is now.

        One poll of the console asks a dozen times within a few milliseconds (each
        simulated source, each server reply): within REUSE_SECONDS of the last snapshot
        that one is the answer, unless an action (restart, cache clear, silence), a
        rule evaluation step, a start or stop of the process or a silence's start or
        end lies between them. The scenarios' events all fall on steps, so in such a
        gap only the smooth curves move, by far less than their noise (one that
        crosses a line, MySQL's connection limit, is seen at most that much later).
        """
        with self.lock:
            t = self.now()
            if self._last is not None:
                version, last, until = self._last
                if version == self._version and last.time <= t < until:
                    return last
            state = self._at(t)
            self._last = (self._version, state, self._reusable_until(t))
            return state

    def _reusable_until(self, t: float) -> float:
        """The scenario time until which a snapshot at `t` stands for the world."""
        until = min(
            t + REUSE_SECONDS,
            (math.floor(t / STEP_SECONDS) + 1) * STEP_SECONDS,
            self.process_state(t)[1],
        )
        wall = self.wall(t)
        for silence in self.silences.values():
            for edge in (silence.starts_at, silence.ends_at):
                if edge > wall:
                    until = min(until, edge - self.epoch)
        return until

    # ----- actions

    def restart_orchestrator(self) -> str:
        """Restart the orchestrator process now (what `systemctl restart` would do)."""
        with self.lock:
            self.restarts.append(self.now())
            self._forget()
        for callback in list(self._watchers):
            callback()
        return "genesis-orchestrator restarting"

    def clear_cache(self) -> int:
        """Clear the orchestrator's Redis cache now; returns the entries removed."""
        with self.lock:
            state = self._at(self.now())
            if state.orchestrator == "down":
                raise Unavailable(state.reason or "the orchestrator is down")
            if not state.redis_up:
                raise Unavailable("redis unavailable: connection refused")
            self.cache_clears.append(state.time)
            self._forget()
            return state.cache_entries

    def add_silence(
        self,
        matchers: list[dict[str, Any]],
        created_by: str,
        comment: str,
        starts_at: float,
        ends_at: float,
        silence_id: str | None = None,
    ) -> str:
        """Create a silence, or update an unexpired one by id; returns its id."""
        with self.lock:
            self._version += 1
            now = self.clock.time()
            if silence_id is not None:
                existing = self.silences.get(silence_id)
                if existing is None:
                    raise KeyError(silence_id)
                if existing.state(now) != "expired":
                    existing.matchers = matchers
                    existing.created_by = created_by
                    existing.comment = comment
                    existing.starts_at = starts_at
                    existing.ends_at = ends_at
                    existing.updated_at = now
                    return silence_id
            new_id = str(
                uuid.UUID(
                    int=random.Random(f"{self.seed}:silence:{len(self.silences)}").getrandbits(128),
                    version=4,
                )
            )
            self.silences[new_id] = DemoSilence(
                new_id, matchers, created_by, comment, max(starts_at, now), ends_at, now
            )
            return new_id

    def receive_escalation(self, channel: str, summary: str, body: dict[str, Any]) -> Escalation:
        """Keep what the demo's PagerDuty or Slack receiver got (nothing leaves the machine)."""
        with self.lock:
            received = Escalation(channel, self.clock.time(), summary, body)
            self.escalations.append(received)
            return received

    def expire_silence(self, silence_id: str) -> None:
        """Expire a silence now; KeyError when unknown, ValueError when already expired."""
        with self.lock:
            self._version += 1
            silence = self.silences.get(silence_id)
            if silence is None:
                raise KeyError(silence_id)
            now = self.clock.time()
            state = silence.state(now)
            if state == "expired":
                raise ValueError(f"silence {silence_id} already expired")
            if state == "pending":
                silence.starts_at = now
            silence.ends_at = now
            silence.updated_at = now

    def silence_list(self) -> list[DemoSilence]:
        """Every silence, in Alertmanager's order: active, pending, then expired."""
        with self.lock:
            now = self.clock.time()
            items = list(self.silences.values())
        order = {"active": 0, "pending": 1, "expired": 2}

        def key(s: DemoSilence) -> tuple[int, float, str]:
            state = s.state(now)
            stamp = {"active": s.ends_at, "pending": s.starts_at, "expired": -s.ends_at}[state]
            return order[state], stamp, s.id

        return sorted(items, key=key)

    # ----- the state at a moment

    def at(self, t: float) -> Snapshot:
        """The world at scenario time `t` (seconds since the scenario began)."""
        with self.lock:
            return self._at(t)

    def process_state(self, t: float) -> tuple[bool, float]:
        """Whether the orchestrator process is up at scenario time `t`, and the next
        scenario time at which it may start or stop (as far as the restarts so far go).

        Cheap (no snapshot): the demo's servers open and close the orchestrator's port
        by it, and sleep until that next time.
        """
        with self.lock:
            start, within = self._cycle(t)
            up = not any(a <= within < b for a, b in self._down_intervals(t))
            edges = [CYCLE_SECONDS]  # restarts count within their cycle
            for restart in self.restarts:
                if start <= restart < start + CYCLE_SECONDS:
                    edges += [restart - start, restart - start + RESTART_SECONDS]
            if self.scenario == "orchestrator-down":
                edges += CRASH_SECONDS
            return up, start + min(edge for edge in edges if edge > within)

    def value(self, signal: str, t: float) -> float | None:
        """One signal (availability, p95, error_rate, up, ...) at scenario time `t`."""
        with self.lock:
            return self._signal(signal, t)

    def _at(self, t: float) -> Snapshot:
        process = self._process(t)
        wall = self.wall(t)
        latency = self._signal("latency_ms", t) or 0.0
        runs = self._signal("runs_per_second", t) or 0.0
        total, failed = self._counters(t)
        redis_up = self._redis_up(t)
        mysql_threads = round(self._signal("mysql_threads", t) or 0)
        ports = []
        temporal = self._temporal(t)
        for port, owner in PORT_OWNERS.items():
            if owner == "orchestrator":
                ports.append((port, process.up))
            elif owner == "redis":
                ports.append((port, redis_up))
            elif owner == "temporal":
                ports.append((port, temporal != "DOWN"))
            else:
                ports.append((port, True))
        if not process.up:
            state = "down"
        elif process.reason:
            state = "not_ready"
        else:
            state = "ready"
        return Snapshot(
            scenario=self.scenario,
            time=t,
            wall=wall,
            orchestrator=state,
            reason=process.reason,
            latency_ms=round(latency, 1),
            p95_seconds=_rounded(self._signal("p95", t), 3),
            error_rate_percent=_rounded(self._signal("error_rate", t), 3),
            availability_percent=round(self._signal("availability", t) or 0.0, 4),
            runs_per_second=round(runs, 2),
            total_runs=total,
            failed_runs=failed,
            active_runs=0 if not process.up else max(1, round(runs * latency / 1000.0)),
            router_efficiency=round(self._signal("router_efficiency", t) or 0.0, 3),
            stability_score=round(self._signal("stability", t) or 0.0, 3),
            redis_up=redis_up,
            cache_hit_rate=_rounded(self._signal("hit_rate", t), 4),
            cache_entries=round(self._signal("cache_entries", t) or 0),
            redis_memory_bytes=round(self._signal("redis_memory", t) or 0),
            redis_clients=round(self._signal("redis_clients", t) or 0),
            mysql_threads=min(mysql_threads, MYSQL_MAX_CONNECTIONS),
            mysql_slow_queries=max(0, round(self._signal("mysql_slow", t) or 0)),
            mysql_refusing=mysql_threads >= MYSQL_MAX_CONNECTIONS,
            mysql_deadlock_at=self._deadlock(t),
            temporal=temporal,
            ports=tuple(ports),
            host=self._host(t, process),
            alerts=self._alerts(t),
        )

    # ----- noise

    def jitter(self, key: str, t: float) -> float:
        """Smooth seeded noise in [-1, 1] for `key` at scenario time `t`."""
        with self.lock:
            return self._noise(key, t)

    def _noise(self, key: str, t: float) -> float:
        """Smooth seeded noise in [-1, 1]: interpolated between per-step random values."""
        position = t / STEP_SECONDS
        step = math.floor(position)
        a = self._random(key, step)
        b = self._random(key, step + 1)
        return a + (b - a) * (position - step)

    def _random(self, key: str, step: int) -> float:
        cached = self._noise_cache.get((key, step))
        if cached is None:
            if len(self._noise_cache) > 50_000:
                self._noise_cache.clear()
            cached = random.Random(f"{self.seed}:{key}:{step}").random() * 2.0 - 1.0
            self._noise_cache[(key, step)] = cached
        return cached

    # ----- the orchestrator process

    def _cycle(self, t: float) -> tuple[float, float]:
        """(start of this cycle in scenario time, time within the cycle)."""
        within = t % CYCLE_SECONDS
        return t - within, within

    def _restarts_in_cycle(self, t: float) -> list[float]:
        start, within = self._cycle(t)
        return [r - start for r in self.restarts if start <= r <= t]

    def _incident(self, t: float) -> bool:
        """Whether the orchestrator's own fault (orchestrator-down) is in effect at `t`."""
        if self.scenario != "orchestrator-down":
            return False
        _, within = self._cycle(t)
        begin, end = 40.0, 450.0
        if not begin <= within < end:
            return False
        # a restart during the incident fixes it once the process is back
        return not any(
            begin <= r < end and r + RESTART_SECONDS <= within for r in self._restarts_in_cycle(t)
        )

    def _down_intervals(self, t: float) -> list[tuple[float, float]]:
        """Intervals (cycle time, up to `t`) in which the orchestrator process was down."""
        _, within = self._cycle(t)
        restarts = self._restarts_in_cycle(t)
        intervals = [(r, r + RESTART_SECONDS) for r in restarts]
        if self.scenario == "orchestrator-down":
            crash, recovery = CRASH_SECONDS
            fixes = [r for r in restarts if 40.0 <= r < 450.0]
            end = min([recovery, *fixes])
            if end > crash:
                intervals.append((crash, end))
        clipped = sorted((a, min(b, within + 1e-9)) for a, b in intervals if a <= within)
        merged: list[tuple[float, float]] = []
        for a, b in clipped:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged

    def _process(self, t: float) -> _Process:
        _, within = self._cycle(t)
        for a, b in self._down_intervals(t):
            if a <= within < b:
                restarting = any(
                    r <= within < r + RESTART_SECONDS for r in self._restarts_in_cycle(t)
                )
                reason = "restarting" if restarting else "process exited (status=1/FAILURE)"
                return _Process(False, reason, self._incident(t))
        incident = self._incident(t)
        if incident and 60.0 <= within < 90.0:
            return _Process(True, "database connection pool exhausted (50 of 50 in use)", True)
        missing = []
        if self._mysql_refusing(t):
            missing.append("mysql (too many connections)")
        if not self._redis_up(t):
            missing.append("redis (connection refused)")
        if self._temporal(t) != "SERVING":
            missing.append("temporal (NOT_SERVING)")
        if missing:
            return _Process(True, "dependency check failed: " + ", ".join(missing), incident)
        return _Process(True, None, incident)

    def _down_since(self, t: float) -> float | None:
        """Scenario time the current outage began, or None when the process is up."""
        start, within = self._cycle(t)
        for a, b in self._down_intervals(t):
            if a <= within < b:
                return start + a
        return None

    # ----- dependencies

    def _degradation(self, t: float) -> float:
        """latency-spike: how far the cache-driven slowdown has gone (0 to 1)."""
        if self.scenario != "latency-spike":
            return 0.0
        start, within = self._cycle(t)
        level = _ramp(within, ((60.0, 0.0), (150.0, 1.0), (330.0, 1.0), (420.0, 0.0)))
        for clear in self.cache_clears:
            if start <= clear <= t:
                level *= max(0.0, 1.0 - (t - clear) / CACHE_RECOVERY_SECONDS)
        return level

    def _outage(self, t: float, points: tuple[tuple[float, float], ...]) -> float:
        """dependency-outage: a ramp over the cycle, zero in other scenarios."""
        if self.scenario != "dependency-outage":
            return 0.0
        return _ramp(self._cycle(t)[1], points)

    def _mysql_refusing(self, t: float) -> bool:
        return round(self._signal("mysql_threads", t) or 0) >= MYSQL_MAX_CONNECTIONS

    def _redis_up(self, t: float) -> bool:
        if self.scenario != "dependency-outage":
            return True
        return not 180.0 <= self._cycle(t)[1] < 330.0

    def _temporal(self, t: float) -> str:
        if self.scenario == "dependency-outage" and 200.0 <= self._cycle(t)[1] < 350.0:
            return "NOT_SERVING"
        return "SERVING"

    def _deadlock(self, t: float) -> float | None:
        if self.scenario != "dependency-outage" or t < 95.0:
            return None
        cycles = math.floor((t - 95.0) / CYCLE_SECONDS)
        return self.wall(cycles * CYCLE_SECONDS + 95.0)

    def _last_cache_clear(self, t: float) -> float | None:
        clears = [c for c in self.cache_clears if c <= t]
        return clears[-1] if clears else None

    # ----- signals

    def _signal(self, name: str, t: float) -> float | None:
        """A signal's value; the alert rules read these at step times (cached)."""
        on_step = t == math.floor(t / STEP_SECONDS) * STEP_SECONDS
        if on_step:
            key = (name, t)
            if key in self._step_cache:
                return self._step_cache[key]
        value = self._compute(name, t)
        if on_step:
            if len(self._step_cache) > 50_000:
                self._step_cache.clear()
            self._step_cache[(name, t)] = value
        return value

    def _compute(self, name: str, t: float) -> float | None:
        """One signal at scenario time `t`: its curve from the table of CURVES, except
        while the orchestrator process is down for the signals it alone produces."""
        if name.startswith("availability_over:"):
            return self._availability_over(float(name.partition(":")[2]), t)
        curve = CURVES.get(name)
        if curve is None:
            raise KeyError(name)
        if name in _GONE_WITH_THE_PROCESS:
            since = self._down_since(t)
            if since is not None:
                return self._while_down(name, t, since)
        return curve(self, t)

    def _while_down(self, name: str, t: float, since: float) -> float | None:
        """A dead target runs nothing and answers nothing; its rates hold their last
        value until the rate window empties, then vanish."""
        if name == "runs_per_second":
            return 0.0
        if name == "latency_ms":
            return 0.0
        if t - since >= RATE_WINDOW_SECONDS:
            return None
        return self._compute(name, since - 0.001)

    # ----- the curves, one per signal (CURVES below names them)

    def _within(self, t: float) -> float:
        return self._cycle(t)[1]

    def _up(self, t: float) -> float:
        return 1.0 if self._process(t).up else 0.0

    def _availability_over(self, window: float, t: float) -> float:
        """The share of the last `window` seconds the process was up; the month's
        earlier downtime (the availability's base) lies further back than 3 days."""
        within = self._within(t)
        down = sum(
            max(0.0, min(b, within) - max(a, within - window)) for a, b in self._down_intervals(t)
        )
        return 100.0 * (1.0 - down / window)

    def _availability(self, t: float) -> float:
        base = 99.908 if self.scenario == "orchestrator-down" else 99.962
        down = sum(b - a for a, b in self._down_intervals(t))
        return base - down / MONTH_SECONDS * 100.0

    def _p95(self, t: float) -> float:
        # latency-spike peaks near 6.7 s, dependency-outage near 6.5 s: both past the
        # 5 s critical line, far from the console's 10 s P1 line
        value = 0.85 + 0.08 * self._noise("p95", t) + 5.8 * self._degradation(t)
        value += self._outage(
            t,
            (
                (100.0, 0.0),
                (125.0, 1.25),  # past the 2 s warning line from 125
                (150.0, 4.4),  # past the 5 s critical line from 150
                (160.0, 5.6),
                (340.0, 5.6),
                (355.0, 4.4),  # back under 5 s at 360
                (380.0, 1.0),  # back under 2 s at 380
                (400.0, 0.0),
            ),
        )
        if self._incident(t):
            value += _ramp(
                self._within(t), ((40.0, 0.0), (90.0, 0.45), (420.0, 0.45), (450.0, 0.0))
            )
        return max(0.05, value)

    def _latency_ms(self, t: float) -> float:
        p95 = self._compute("p95", t) or 0.85
        return 220.0 + (p95 - 0.85) * 380.0 + 12.0 * self._noise("latency", t)

    def _error_rate(self, t: float) -> float:
        value = 0.25 + 0.08 * self._noise("errors", t) + 2.3 * self._degradation(t) ** 2
        value += self._outage(t, ((100.0, 0.0), (160.0, 14.0), (340.0, 14.0), (400.0, 0.0)))
        if self._incident(t):
            value += _ramp(self._within(t), ((40.0, 0.0), (90.0, 9.0), (420.0, 9.0), (450.0, 0.0)))
        return max(0.0, value)

    def _runs_per_second(self, t: float) -> float:
        return 40.0 + 3.0 * self._noise("runs", t) - 12.0 * self._degradation(t)

    def _router_efficiency(self, t: float) -> float:
        value = 0.87 + 0.012 * self._noise("router", t)
        if self.scenario == "healthy":
            value -= _ramp(
                self._within(t), ((100.0, 0.0), (140.0, 0.21), (300.0, 0.21), (330.0, 0.0))
            )
        return value - 0.1 * self._degradation(t)

    def _stability(self, t: float) -> float:
        value = 0.96 + 0.008 * self._noise("stability", t) - 0.08 * self._degradation(t)
        if self.scenario == "healthy":
            value -= _ramp(
                self._within(t), ((360.0, 0.0), (390.0, 0.14), (500.0, 0.14), (530.0, 0.0))
            )
        value -= self._outage(t, ((150.0, 0.0), (200.0, 0.2), (340.0, 0.2), (380.0, 0.0)))
        return value

    def _hit_rate(self, t: float) -> float | None:
        if not self._redis_up(t):
            return None
        within = self._within(t)
        value = 0.93 + 0.012 * self._noise("hits", t) - 0.52 * self._degradation(t)
        value -= self._outage(t, ((120.0, 0.0), (180.0, 0.38)))
        if self.scenario == "dependency-outage" and within >= 330.0:
            # redis came back empty and warms up
            value = 0.93 - _ramp(within, ((330.0, 0.88), (420.0, 0.0)))
        clear = self._last_cache_clear(t)
        if clear is not None and t - clear < CACHE_WARMUP_SECONDS:
            value -= 0.35 * (1.0 - (t - clear) / CACHE_WARMUP_SECONDS)
        return min(0.999, max(0.0, value))

    def _cache_entries(self, t: float) -> float:
        if not self._redis_up(t):
            return 0.0
        within = self._within(t)
        full = 48_200.0 + 600.0 * self._noise("entries", t)
        clear = self._last_cache_clear(t)
        if clear is not None:
            full = min(full, 800.0 * (t - clear))
        if self.scenario == "dependency-outage" and within >= 330.0:
            full = min(full, 800.0 * (within - 330.0))
        return full

    def _redis_memory(self, t: float) -> float:
        entries = self._compute("cache_entries", t) or 0.0
        bloat = self._outage(t, ((120.0, 0.0), (180.0, 960.0 * 2**20)))
        return 1.1 * 2**20 + entries * 245.0 + bloat

    def _redis_clients(self, t: float) -> float:
        if not self._redis_up(t):
            return 0.0
        return (
            5.0 + 1.4 * self._noise("clients", t) + self._outage(t, ((120.0, 0.0), (180.0, 55.0)))
        )

    def _mysql_threads(self, t: float) -> float:
        value = 12.0 + 3.0 * self._noise("threads", t) + 30.0 * self._degradation(t)
        value += self._outage(t, ((60.0, 0.0), (150.0, 145.0), (330.0, 145.0), (380.0, 0.0)))
        if self._incident(t):
            value += _ramp(self._within(t), ((40.0, 0.0), (60.0, 38.0), (90.0, 38.0), (120.0, 0.0)))
        return value

    def _mysql_slow(self, t: float) -> float:
        return 9.0 * self._degradation(t) + self._outage(
            t, ((60.0, 0.0), (120.0, 23.0), (330.0, 23.0), (380.0, 0.0))
        )

    def _counters(self, t: float) -> tuple[int, int]:
        """Total and failed runs since the world began: monotonic, steps summed per cycle."""
        start, within = self._cycle(t)
        total = 1_284_000.0 + 40.0 * max(t, 0.0)
        failed = 3_210.0 + 0.1 * max(t, 0.0)
        step = 10.0
        elapsed = 0.0
        while elapsed < within:
            width = min(step, within - elapsed)
            at = start + elapsed
            rate = self._signal("runs_per_second", at) or 0.0
            errors = self._signal("error_rate", at) or 0.0
            failed += rate * errors / 100.0 * width
            elapsed += width
        return round(total), round(failed)

    def _host(self, t: float, process: _Process) -> HostSnapshot:
        degraded = self._degradation(t)
        mysql_busy = self._outage(t, ((60.0, 0.0), (150.0, 1.0), (330.0, 1.0), (380.0, 0.0)))
        orchestrator_cpu = (
            0.0 if not process.up else 9.0 + 3.0 * self._noise("cpu-o", t) + 30 * degraded
        )
        mysql_cpu = 4.0 + 1.5 * self._noise("cpu-m", t) + 25 * degraded + 45 * mysql_busy
        others = 5.5 + 1.0 * self._noise("cpu-x", t)
        cpu = min(100.0, orchestrator_cpu + mysql_cpu + others)
        memory = 46.0 + 1.5 * self._noise("mem", t) + 12.0 * mysql_busy + 6.0 * degraded
        one = cpu / 100.0 * CPU_COUNT * 1.15
        top = [
            ProcessInfo(2114, "genesis-orchestrator", round(orchestrator_cpu, 1), 9.8),
            ProcessInfo(873, "mariadbd", round(mysql_cpu, 1), round(14.2 + 6 * mysql_busy, 1)),
            ProcessInfo(1020, "prometheus", round(2.1 + 0.5 * self._noise("cpu-p", t), 1), 4.4),
            ProcessInfo(944, "redis-server", round(1.2 + 0.4 * self._noise("cpu-r", t), 1), 1.3),
            ProcessInfo(1311, "temporal", round(1.5 + 0.4 * self._noise("cpu-t", t), 1), 3.9),
            ProcessInfo(1187, "grafana", 0.6, 2.2),
            ProcessInfo(1042, "alertmanager", 0.3, 0.8),
        ]
        if not process.up:
            top = [p for p in top if p.name != "genesis-orchestrator"]
        if not self._redis_up(t):
            top = [p for p in top if p.name != "redis-server"]
        top.sort(key=lambda p: (-p.cpu_percent, p.pid))
        return HostSnapshot(
            cpu_percent=round(cpu, 1),
            memory_percent=round(memory, 1),
            disk_percent=round(61.3 + t / 86400.0, 1),
            load=(round(one, 2), round(one * 0.8 + 0.3, 2), round(one * 0.6 + 0.4, 2)),
            cpu_count=CPU_COUNT,
            top=tuple(top[:5]),
            disk_read_bps=round(2.1e6 + 0.4e6 * self._noise("read", t) + 30e6 * mysql_busy),
            disk_write_bps=round(0.9e6 + 0.2e6 * self._noise("write", t) + 12e6 * mysql_busy),
        )

    # ----- alerts

    def _alerts(self, t: float) -> tuple[FiringAlert, ...]:
        evaluated = math.floor(t / STEP_SECONDS) * STEP_SECONDS
        firing = self._alert_cache.get(evaluated)
        if firing is None:
            firing = self._evaluate(evaluated)
            if len(self._alert_cache) > 20_000:
                self._alert_cache.clear()
            self._alert_cache[evaluated] = firing
        wall_now = self.wall(t)
        silences = [s for s in self.silence_list() if s.state(wall_now) == "active"]
        if not silences:
            return firing
        out = []
        for alert in firing:
            labels = dict(alert.labels)
            silenced = tuple(s.id for s in silences if matchers_match(s.matchers, labels))
            out.append(replace(alert, silenced_by=silenced) if silenced else alert)
        return tuple(out)

    def _evaluate(self, evaluated: float) -> tuple[FiringAlert, ...]:
        """The alerts the rules fire at one evaluation (a step time), before silences:
        they change only with the step or an action, so each step is evaluated once."""
        start, _ = self._cycle(evaluated)
        out = []
        for rule in RULES:
            since = self._active_since(rule, evaluated, start)
            if since is None or evaluated - since < rule.for_seconds:
                continue
            value = self._signal(rule.signal, evaluated)
            labels = {
                "alertname": rule.name,
                "instance": INSTANCE,
                "job": JOB,
                "severity": rule.severity,
            }
            annotations = (
                ("description", rule.description.format(value=value or 0.0, instance=INSTANCE)),
                ("runbook_url", RUNBOOK_URL.format(name=rule.name)),
                ("summary", rule.summary.format(instance=INSTANCE)),
            )
            out.append(
                FiringAlert(
                    name=rule.name,
                    severity=rule.severity,
                    labels=tuple(sorted(labels.items())),
                    annotations=annotations,
                    starts_at=self.wall(since + rule.for_seconds),
                    updated_at=self.wall(evaluated),
                    ends_at=self.wall(evaluated + 4 * max(STEP_SECONDS, 15.0)),
                    expr=rule.expr,
                )
            )
        return tuple(out)

    def _active_since(self, rule: AlertRule, evaluated: float, start: float) -> float | None:
        """The first step of the current unbroken run of the rule's condition, or None."""
        since = None
        step = evaluated
        while step >= start:
            value = self._signal(rule.signal, step)
            hit = value is not None and (
                value < rule.threshold if rule.below else value > rule.threshold
            )
            if not hit:
                break
            since = step
            step -= STEP_SECONDS
        return since

    def alert_history(self, start: float, end: float, step: float) -> list[dict[str, Any]]:
        """Prometheus's `ALERTS{alertstate="firing"}` between two wall-clock times, one
        sample a step, as `query_range` returns it. The world's past begins with this run's
        story (scenario time 0): its 10-minute cycle repeated over a whole day would make
        every alert look like it flaps a hundred times."""
        values: dict[tuple[tuple[str, str], ...], list[list[float | str]]] = {}
        count = int((end - start) // step)
        with self.lock:
            for index in range(count + 1):
                at = start + index * step
                if at < self.epoch:
                    continue
                for alert in self._alerts(at - self.epoch):
                    values.setdefault(alert.labels, []).append([round(at, 3), "1"])
        return [
            {"metric": {"__name__": "ALERTS", **dict(labels), "alertstate": "firing"}, "values": v}
            for labels, v in sorted(values.items())
        ]

    def firing(self, t: float) -> list[str]:
        """Names of the alerts firing at scenario time `t` (for tests and the docs)."""
        return [alert.name for alert in self.at(t).alerts]


#: every signal's curve (scenario time → value); `availability_over:<seconds>` is the
#: availability over a window, the burn-rate queries' shortened range
CURVES: dict[str, Callable[[World, float], float | None]] = {
    "up": World._up,
    "availability": World._availability,
    "p95": World._p95,
    "error_rate": World._error_rate,
    "latency_ms": World._latency_ms,
    "runs_per_second": World._runs_per_second,
    "router_efficiency": World._router_efficiency,
    "stability": World._stability,
    "hit_rate": World._hit_rate,
    "cache_entries": World._cache_entries,
    "redis_memory": World._redis_memory,
    "redis_clients": World._redis_clients,
    "mysql_threads": World._mysql_threads,
    "mysql_slow": World._mysql_slow,
}
#: what only the orchestrator process itself produces: gone while it is down
_GONE_WITH_THE_PROCESS = frozenset({"p95", "error_rate", "latency_ms", "runs_per_second"})


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
