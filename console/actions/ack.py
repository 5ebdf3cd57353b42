"""Acknowledge ("I'm on it"): a short silence kept alive while its alert fires.

An ack is a silence whose comment starts with `ACK by <who>`, matching exactly the
alert's labels, ACK_SECONDS long. While a console runs, `AckKeeper` extends every ack
whose alert still fires before it ends, and expires it within one refresh of the alert
resolving; with no console running the short silence lapses by itself. In a war room one
console keeps the acks (a lease in the war-room Redis), and another takes over when it
leaves or dies.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.acks import (
    ACK_SECONDS,
    ack_author,
    ack_comment,
    acks_for,
    exact_matchers,
    is_ack,
    live,
)
from console.actions.plan import Outcome, Plan, Progress
from console.actions.silence import matcher_text
from console.clock import format_span
from console.config import Config, Endpoint
from console.model import Alert, AlertmanagerData, Silence
from console.text import clean

if TYPE_CHECKING:
    from console.warroom import Lease

#: the longest note an ack's comment carries
NOTE_LIMIT = 200


def _targets(config: Config) -> list[Endpoint]:
    """Every Alertmanager; for an HA cluster, its peers in order (the first that answers)."""
    return config.alertmanager.endpoints()


def ack_start(now: float) -> float:
    """A whole second just ahead: Alertmanager keeps such a start as sent, so later
    extensions of the same silence update it in place (same id) instead of replacing it."""
    return float(math.floor(now) + 1)


async def _create_everywhere(
    config: Config, alert: Alert, start: float, end: float, author: str, comment: str
) -> tuple[dict[str, str], list[str]]:
    """Create one ack silence; returns (ids by url, errors)."""
    from console.sources.alertmanager import create_silence

    endpoints = _targets(config)
    matchers = exact_matchers(alert)

    async def one(endpoint: Endpoint) -> str:
        return await create_silence(
            endpoint, matchers, start, end, author, comment, timeout=config.timeout_seconds
        )

    made: dict[str, str] = {}
    errors: list[str] = []
    if config.alertmanager.cluster:
        for endpoint in endpoints:  # once, on the first peer that takes it
            try:
                made[endpoint.url] = await one(endpoint)
                break
            except Exception as exc:  # noqa: BLE001 - try the next peer
                errors.append(getattr(exc, "detail", str(exc)))
        return made, ([] if made else errors)
    results = await asyncio.gather(*(one(e) for e in endpoints), return_exceptions=True)
    for endpoint, result in zip(endpoints, results, strict=True):
        if isinstance(result, str):
            made[endpoint.url] = result
        else:
            errors.append(getattr(result, "detail", str(result)))
    return made, errors


def plan_ack(
    config: Config,
    alerts: list[Alert],
    *,
    author: str,
    now: float,
    note: str = "",
    duration: float = ACK_SECONDS,
    title: str | None = None,
) -> Plan:
    """Acknowledge these alerts: one short exact-match silence each, in every Alertmanager
    (once for an HA cluster). The note (typed or pasted: others read it) is one clean line."""
    note = clean(note.strip(), NOTE_LIMIT) if note.strip() else ""
    comment = ack_comment(author, note)
    start = ack_start(now)
    end = start + duration
    urls = [e.url for e in _targets(config)]
    where = (
        f"once on the cluster ({urls[0]}, else its next peer)"
        if config.alertmanager.cluster and urls
        else "on " + ", ".join(urls)
    )
    lines = (
        f"POST /api/v2/silences {where}",
        *(
            "matchers: " + clean(", ".join(matcher_text(m) for m in exact_matchers(a)), 300)
            for a in alerts[:5]
        ),
        *((f"… and {len(alerts) - 5} more alerts",) if len(alerts) > 5 else ()),
        f"for {format_span(duration, exact=True)} (kept alive while it fires), "
        f"by {clean(author, 60)}: {clean(comment, 200)}",
    )
    names = sorted({a.name for a in alerts})
    target = clean(", ".join(names), 200)

    async def execute(progress: Progress) -> Outcome:
        progress("creating the ack…")
        ids: dict[str, list[str]] = {}
        errors: list[str] = []
        for alert in alerts:
            made, failed = await _create_everywhere(config, alert, start, end, author, comment)
            errors += failed
            for url, silence_id in made.items():
                ids.setdefault(url, []).append(silence_id)
        if not ids:
            return Outcome(False, f"not acked: {errors[0] if errors else 'no Alertmanager'}")
        every = sorted({i for found in ids.values() for i in found})
        message = f"acked by {clean(author, 60)} (silence {', '.join(every)})"
        if errors:
            message += f"; {len(errors)} refused: " + "; ".join(errors[:3])
        return Outcome(
            not errors,
            message,
            undo=f"unack (expire silence {', '.join(every)})",
            data={"silence_ids": ids, "note": note},
        )

    return Plan(
        kind="ack",
        title=title or f"Acknowledge {target}",
        target=target,
        lines=lines,
        execute=execute,
        refresh=("alertmanager",),
    )


async def expire_ack(config: Config, silence: Silence) -> list[str]:
    """Expire an ack where it lives (once for a cluster); the errors, [] when it is gone."""
    from console.sources.alertmanager import expire_silence
    from console.sources.base import SourceError

    urls = list(silence.sources) or [e.url for e in _targets(config)]
    errors = []
    for url in urls:
        try:
            await expire_silence(
                config.alertmanager.endpoint_for(url), silence.id, timeout=config.timeout_seconds
            )
            if config.alertmanager.cluster:
                return []  # the peers hear of it by gossip
        except SourceError as exc:
            if "no such silence" in exc.detail:
                continue  # already gone there
            errors.append(exc.detail)
        except Exception as exc:  # noqa: BLE001 - reported per Alertmanager
            errors.append(f"{type(exc).__name__}: {exc}")
    return errors


def plan_unack(config: Config, silences: list[Silence], *, title: str) -> Plan:
    """Take an ack back: expire its silences."""
    lines = tuple(
        f"DELETE {url.rstrip('/')}/api/v2/silence/{s.id}"
        for s in silences
        for url in (s.sources[:1] if config.alertmanager.cluster else s.sources)
    ) + tuple(f"ack: {clean(s.comment, 200)}" for s in silences[:3])

    async def execute(progress: Progress) -> Outcome:
        progress("releasing the ack…")
        errors = []
        for silence in silences:
            errors += await expire_ack(config, silence)
        ids = ", ".join(s.id for s in silences)
        if errors:
            return Outcome(False, f"ack {ids} not released everywhere: {'; '.join(errors[:3])}")
        return Outcome(True, f"ack released (silence {ids} expired)")

    return Plan(
        kind="unack",
        title=title,
        target=", ".join(s.id for s in silences),
        lines=lines or ("nothing to expire",),
        execute=execute,
        refresh=("alertmanager",),
    )


class AckKeeper:
    """Keeps acks alive while their alerts fire, and expires them once they resolve.

    A console that may act keeps every ack it sees (karma needs a separate daemon for
    this). In a war room only the holder of the `lease` does (one console; another takes
    over within the lease's time to live when it leaves or dies); when the war-room Redis
    does not answer, each console keeps the acks itself rather than let one lapse:
    extending and expiring are idempotent, and the timeline's release entry has one id
    per silence, so several consoles record it once.
    """

    def __init__(
        self,
        config: Config,
        clock: Callable[[], float],
        *,
        duration: float = ACK_SECONDS,
        on_released: Callable[[Silence, str], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
        lease: Lease | None = None,
        on_takeover: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        #: the war room's "who keeps the acks" lease (None: no war room, keep them here)
        self.lease = lease
        #: told who held the lease before, when this console took it over with acks live
        self.on_takeover = on_takeover or (lambda before: None)
        self.clock = clock
        self.duration = duration
        self.on_released = on_released or (lambda silence, why: None)
        self.on_warning = on_warning or (lambda text: None)
        self._released: set[str] = set()

    @property
    def renew_before(self) -> float:
        """Extend an ack ending within this many seconds (two refreshes, or a third of
        its length when that is longer: a slow poll must not let it lapse)."""
        return max(2 * self.config.refresh_seconds, self.duration / 3)

    async def keep(self, data: AlertmanagerData | None) -> dict[str, list[str]]:
        """One pass over the acks in `data`: what was extended and expired, by silence id."""
        done: dict[str, list[str]] = {"extended": [], "expired": []}
        if data is None:
            return done
        if self.lease is not None:
            ours = await self.lease.hold()
            if ours is False:
                return done  # another console of the war room keeps them
            if ours and self.lease.took_from and any(live(s) and is_ack(s) for s in data.silences):
                self.on_takeover(self.lease.took_from)
        now = self.clock()
        for silence in data.silences:
            if silence.state not in ("active", "pending") or not is_ack(silence):
                continue
            covered = [a for a in data.alerts if silence in acks_for(a, (silence,))]
            if covered:
                due = silence.ends_at - now <= self.renew_before
                if due and await self._extend(silence, now):
                    done["extended"].append(silence.id)
            elif not data.partial and silence.id not in self._released:
                # only a whole answer says the alert is gone: unknown is not resolved
                errors = await expire_ack(self.config, silence)
                if errors:
                    self.on_warning(f"ack {silence.id} not expired: {'; '.join(errors[:2])}")
                    continue
                self._released.add(silence.id)
                done["expired"].append(silence.id)
                self.on_released(silence, "its alert resolved")
        return done

    async def _extend(self, silence: Silence, now: float) -> bool:
        from console.sources.alertmanager import create_silence
        from console.sources.base import SourceError

        urls = list(silence.sources) or [e.url for e in _targets(self.config)]
        if self.config.alertmanager.cluster:
            urls = urls[:1]
        end = now + self.duration
        ok = False
        for url in urls:
            try:
                await create_silence(
                    self.config.alertmanager.endpoint_for(url),
                    list(silence.matchers),
                    silence.starts_at,
                    end,
                    silence.created_by or ack_author(silence) or "genesis-console",
                    silence.comment,
                    timeout=self.config.timeout_seconds,
                    silence_id=silence.id,
                )
                ok = True
            except SourceError as exc:
                self.on_warning(f"ack {silence.id} not extended: {exc.detail}")
        return ok

    @property
    def status(self) -> str:
        """Who keeps the acks alive, in one clause for the war-room status ("" alone)."""
        lease = self.lease
        if lease is None:
            return ""
        if lease.held is True:
            return "acks kept alive by this console"
        if lease.held is False:
            return f"acks kept alive by {lease.holder}; this console takes over if it goes"
        if lease.problem:
            return (
                "acks kept alive by this console (and maybe others): the war-room lock "
                f"did not answer ({lease.problem})"
            )
        return ""


def describe_release(silence: Silence, why: str) -> str:
    author = ack_author(silence) or "?"
    alert = dict((n, v) for n, v, _, _ in silence.matchers).get("alertname", "?")
    return f"ack by {author} on {alert} released: {why} (silence {silence.id})"
