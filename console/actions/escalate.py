"""Escalate: a PagerDuty Events API v2 trigger and/or a Slack message, to the level due."""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console.actions.plan import Outcome, Plan, Progress, scrub
from console.config import Config, Endpoint, secret
from console.model import Alert
from console.text import clean


class _RedactSecrets(logging.Filter):
    """Scrubs escalation secrets from the HTTP client's own log lines.

    httpx logs every request's full URL at INFO ("HTTP Request: POST https://hooks…"),
    and a Slack incoming-webhook URL is itself the secret: whoever turns logging on
    (a wrapper, Textual's devtools) must not find it there.
    """

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            cleaned = scrub(message, tuple(self.secrets))
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        return True


_REDACT = _RedactSecrets()
#: the loggers that see request URLs (filters on a logger do not reach its children)
_HTTP_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.connection")


def _keep_out_of_logs(secrets: tuple[str, ...]) -> None:
    _REDACT.secrets.update(s for s in secrets if s)
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


def slack_escape(text: str) -> str:
    """Text as Slack shows it literally: `&`, `<` and `>` escaped as Slack's message
    formatting asks, so `<!channel>`, `<!here>` and `<https://evil|Click>` in an alert
    name or summary reach the channel as text, not as a mention or a disguised link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: PagerDuty Events API v2 limits: summary 1024 characters, dedup_key and source 255
PD_SUMMARY, PD_KEY = 1024, 255


@dataclass(frozen=True)
class StandIn:
    """Takes escalations in place of PagerDuty and Slack (the demo's loopback receiver).

    With a stand-in, the config's `*_env` names are looked up in `secrets` only, never in
    the process environment: an exported routing key or webhook cannot page anyone.
    """

    #: how the prompt and the result name it, e.g. "the demo receiver"
    name: str
    #: environment variable name → value, for the escalation config's `*_env` names
    secrets: Mapping[str, str]


def pagerduty_event(
    routing_key: str,
    *,
    dedup_key: str,
    summary: str,
    severity: str,
    source: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    """The Events API v2 trigger body."""
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key[:PD_KEY],
        "payload": {
            "summary": summary[:PD_SUMMARY],
            "severity": severity,
            "source": source[:PD_KEY],
            "component": "genesis-orchestrator",
            "group": "genesis",
            "class": details.get("incident_class") or "incident",
            "custom_details": details,
        },
        "client": "genesis-console",
    }


def plan_escalate(
    config: Config,
    *,
    level: str,
    incident_id: str,
    incident_class: str | None,
    open_for: str,
    alerts: list[Alert],
    stand_in: StandIn | None = None,
) -> Plan | str:
    """The escalation plan, or a sentence saying why there is nothing to send."""
    pagerduty = config.escalation.pagerduty
    slack = config.escalation.slack
    if stand_in is None:
        routing_key = secret(pagerduty.routing_key_env)
        webhook = secret(slack.webhook_url_env)
        key_origin = f"from ${pagerduty.routing_key_env}"
        webhook_origin = f"from ${slack.webhook_url_env}"
    else:
        routing_key = stand_in.secrets.get(pagerduty.routing_key_env) or None
        webhook = stand_in.secrets.get(slack.webhook_url_env) or None
        key_origin = webhook_origin = f"of {stand_in.name}"
    if not routing_key and not webhook:
        return (
            f"escalation is not configured: set ${pagerduty.routing_key_env} "
            f"or ${slack.webhook_url_env}"
        )
    firing = [a for a in alerts if a.display_state == "active"]
    critical = any(a.severity == "critical" for a in firing)
    severity = "critical" if critical else "warning"
    names = sorted({a.name for a in firing}) or ["no alert firing"]
    summary = clean(
        f"GENESIS {incident_class or 'incident'} ({config.environment}): "
        f"{', '.join(names)} · open {open_for} · escalating to {level}",
        900,
    )
    firing_alerts: list[dict[str, str | float | None]] = [
        {
            "alertname": clean(a.name, 120),
            "severity": clean(a.severity, 20),
            "summary": clean(a.summary, 300),
            "starts_at": a.starts_at,
        }
        for a in firing[:20]
    ]
    details: dict[str, Any] = {
        "level": level,
        "incident_class": incident_class,
        "open_for": open_for,
        "environment": config.environment,
        "firing_alerts": firing_alerts,
    }
    dedup_key = f"genesis-console/{config.environment}/{incident_id}"
    source = socket.gethostname()
    lines = []
    if routing_key:
        lines.append(
            f"POST {pagerduty.endpoint().url}  (Events API v2 trigger, routing key {key_origin})"
        )
        lines.append(f"      severity {severity}, dedup_key {dedup_key}")
    if webhook:
        lines.append(f"POST Slack incoming webhook {webhook_origin}")
    lines.append(f"to: {level} · {clean(summary, 200)}")
    if stand_in is not None:
        lines.append(f"{stand_in.name} takes it instead of PagerDuty and Slack: nobody is paged")

    async def execute(progress: Progress) -> Outcome:
        from console.audit import who
        from console.sources.base import SourceError
        from console.sources.http import make_client, request

        _keep_out_of_logs((routing_key or "", webhook or ""))
        sent, failed = [], []
        # who escalated: the tmux seat that confirmed it, else $SUDO_USER/$USER
        person = who()
        by = f"{person.get('user') or 'unknown'}@{person.get('host') or '?'}"
        if person.get("tty"):
            by += f" ({person['tty']})"
        body_details = {**details, "escalated_by": by}

        async def post(name: str, endpoint: Endpoint, body: dict[str, Any]) -> None:
            try:
                async with make_client(endpoint) as client:
                    reply = await request(
                        client,
                        "POST",
                        endpoint.url,
                        json=body,
                        timeout=config.timeout_seconds,
                        max_bytes=64 * 1024,
                    )
            except SourceError as exc:
                failed.append(f"{name}: {exc.detail}")
                return
            if 200 <= reply.status < 300:
                sent.append(name)
            else:
                failed.append(f"{name} answered HTTP {reply.status}")

        if routing_key:
            progress("paging through PagerDuty…")
            await post(
                "PagerDuty",
                pagerduty.endpoint(),
                pagerduty_event(
                    routing_key,
                    dedup_key=dedup_key,
                    summary=summary,
                    severity=severity,
                    source=source,
                    details=body_details,
                ),
            )
        if webhook:
            progress("posting to Slack…")
            text = (
                f":rotating_light: {slack_escape(summary)}\n"
                + "\n".join(
                    slack_escape(f"• {d['alertname']} ({d['severity']}): {d['summary']}")
                    for d in firing_alerts
                )
                + f"\nescalated by {slack_escape(by)}"
            )
            await post("Slack", slack.endpoint(webhook), {"text": text})
        if not sent:
            return Outcome(False, "escalation not delivered: " + "; ".join(failed))
        message = f"escalated to {level} via {' and '.join(sent)}"
        if stand_in is not None:
            message += f", to {stand_in.name} (nobody was paged); it got: “{clean(summary, 300)}”"
        if failed:
            message += " (" + "; ".join(failed) + ")"
        return Outcome(not failed, message, data={"dedup_key": dedup_key})

    return Plan(
        kind="escalate",
        title=f"Escalate to the {level}",
        target=level,
        lines=tuple(lines),
        execute=execute,
        typed_confirmation=config.orchestrator.name
        if config.environment.strip().lower() == "production"
        else None,
        secrets=tuple(v for v in (routing_key, webhook) if v),
    )
