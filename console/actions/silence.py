"""Silences: for the selected alert, the maintenance window, expiring and extending."""

from __future__ import annotations

import asyncio

from console.actions.plan import Outcome, Plan, Progress
from console.clock import format_span
from console.config import Config, Endpoint
from console.matchers import WireMatcher
from console.model import Silence
from console.text import clean

MAINTENANCE_SECONDS = 2 * 3600


def matcher_text(matcher: WireMatcher) -> str:
    """name="value", name=~"regex", name!="value" (amtool's notation)."""
    operator = (
        ("=~" if matcher["isRegex"] else "=")
        if matcher["isEqual"]
        else ("!~" if matcher["isRegex"] else "!=")
    )
    return f'{matcher["name"]}{operator}"{matcher["value"]}"'


def _span(seconds: float) -> str:
    """A silence's length exactly as typed (2h30m stays 2h30m, never "2h")."""
    return format_span(seconds, exact=True)


def plan_silence(
    config: Config,
    matchers: list[WireMatcher],
    *,
    starts_at: float,
    duration: float,
    author: str,
    comment: str,
    would_silence: int,
    title: str = "Silence alerts",
) -> Plan:
    """Create one silence in every configured Alertmanager."""
    endpoints = config.alertmanager.endpoints()
    urls = [endpoint.url for endpoint in endpoints]
    ends_at = starts_at + duration
    lines = (
        "POST /api/v2/silences on " + ", ".join(urls),
        "matchers: " + clean(", ".join(matcher_text(m) for m in matchers), 400),
        f"for {_span(duration)}, by {clean(author, 60)}: {clean(comment, 200)}",
        f"would silence {would_silence} current alert{'s' if would_silence != 1 else ''}",
    )

    async def execute(progress: Progress) -> Outcome:
        from console.sources.alertmanager import create_silence
        from console.sources.base import SourceError

        progress("creating the silence…")

        async def one(endpoint: Endpoint) -> str:
            return await create_silence(
                endpoint,
                matchers,
                starts_at,
                ends_at,
                author,
                comment,
                timeout=config.timeout_seconds,
            )

        results = await asyncio.gather(*(one(e) for e in endpoints), return_exceptions=True)
        made = [(url, r) for url, r in zip(urls, results, strict=True) if isinstance(r, str)]
        failed = [(url, r) for url, r in zip(urls, results, strict=True) if not isinstance(r, str)]
        if not made:
            reason = failed[0][1]
            detail = reason.detail if isinstance(reason, SourceError) else str(reason)
            return Outcome(False, f"silence not created: {detail}")
        ids = ", ".join(silence_id for _, silence_id in made)
        message = f"silenced for {_span(duration)} (silence {ids})"
        if failed:
            message += f"; {len(failed)} Alertmanager(s) refused: " + "; ".join(
                getattr(r, "detail", str(r)) for _, r in failed
            )
        return Outcome(
            not failed,
            message,
            undo=f"expire silence {ids}",
            data={"silence_ids": {url: silence_id for url, silence_id in made}},
        )

    return Plan(
        kind="silence",
        title=title,
        target=clean(", ".join(matcher_text(m) for m in matchers), 200),
        lines=lines,
        execute=execute,
        refresh=("alertmanager",),
    )


def maintenance_matchers(config: Config) -> list[WireMatcher]:
    """The runbook's maintenance silence: job="genesis-orchestrator"."""
    return [WireMatcher(name="job", value=config.prometheus.job, isRegex=False, isEqual=True)]


def plan_maintenance(config: Config, *, starts_at: float, author: str, would_silence: int) -> Plan:
    """The runbook's weekly maintenance silence: job="genesis-orchestrator" for 2 h."""
    return plan_silence(
        config,
        maintenance_matchers(config),
        starts_at=starts_at,
        duration=MAINTENANCE_SECONDS,
        author=author,
        comment="Maintenance window (genesis-console)",
        would_silence=would_silence,
        title="Maintenance silence",
    )


def _silence_urls(config: Config, silence: Silence) -> list[str]:
    return list(silence.sources) or [e.url for e in config.alertmanager.endpoints()]


def plan_expire(config: Config, silence: Silence) -> Plan:
    """Expire a silence in every Alertmanager that has it."""
    urls = _silence_urls(config, silence)

    async def execute(progress: Progress) -> Outcome:
        from console.sources.alertmanager import expire_silence

        progress("expiring the silence…")
        errors = []
        for url in urls:
            try:
                await expire_silence(
                    config.alertmanager.endpoint_for(url),
                    silence.id,
                    timeout=config.timeout_seconds,
                )
            except Exception as exc:  # noqa: BLE001 - reported per Alertmanager
                errors.append(getattr(exc, "detail", str(exc)))
        if errors and len(errors) == len(urls):
            return Outcome(False, f"silence {silence.id} not expired: {errors[0]}")
        return Outcome(
            not errors,
            f"silence {silence.id} expired" + (f" ({'; '.join(errors)})" if errors else ""),
        )

    return Plan(
        kind="expire_silence",
        title=f"Expire silence {silence.id}",
        target=silence.id,
        lines=tuple(f"DELETE {url.rstrip('/')}/api/v2/silence/{silence.id}" for url in urls)
        + (f"matchers: {clean(', '.join(_matchers_of(silence)), 300)}",),
        execute=execute,
        refresh=("alertmanager",),
    )


def _matchers_of(silence: Silence) -> list[str]:
    return [
        matcher_text({"name": n, "value": v, "isRegex": r, "isEqual": e})
        for n, v, r, e in silence.matchers
    ]


def plan_extend(config: Config, silence: Silence, *, by: float, now: float) -> Plan:
    """Move a silence's end later by `by` seconds (added to its current end)."""
    urls = _silence_urls(config, silence)
    new_end = max(silence.ends_at, now) + by
    matchers = [
        {"name": n, "value": v, "isRegex": r, "isEqual": e} for n, v, r, e in silence.matchers
    ]

    async def execute(progress: Progress) -> Outcome:
        from console.sources.alertmanager import create_silence
        from console.sources.base import SourceError

        progress("extending the silence…")
        ids = []
        for url in urls:
            try:
                ids.append(
                    await create_silence(
                        config.alertmanager.endpoint_for(url),
                        matchers,
                        silence.starts_at,
                        new_end,
                        silence.created_by or "genesis-console",
                        silence.comment or "extended",
                        timeout=config.timeout_seconds,
                        silence_id=silence.id,
                    )
                )
            except SourceError as exc:
                return Outcome(False, f"silence {silence.id} not extended: {exc.detail}")
        return Outcome(
            True,
            f"silence {', '.join(sorted(set(ids)))} now ends in {format_span(new_end - now)}",
            undo=f"expire silence {', '.join(sorted(set(ids)))}",
        )

    return Plan(
        kind="extend_silence",
        title=f"Extend silence {silence.id} by {_span(by)}",
        target=silence.id,
        lines=tuple(
            f"POST {url.rstrip('/')}/api/v2/silences (id {silence.id}, new end in {format_span(new_end - now)})"
            for url in urls
        ),
        execute=execute,
        refresh=("alertmanager",),
    )
