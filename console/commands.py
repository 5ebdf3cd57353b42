"""The commands behind the CLI: each takes parsed options and returns an exit code."""

from __future__ import annotations

import asyncio
import json
import os
from argparse import Namespace
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console import paths
from console.clock import Clock
from console.config import (
    MAX_FILE_BYTES,
    Config,
    ConfigError,
    Environments,
    load_environments,
    secret,
)

if TYPE_CHECKING:
    from textual.theme import Theme

    from console.demo import DemoStack
    from console.matchers import Filter
    from console.model import Alert, AlertmanagerData, ProbeResult, Status
    from console.sources.base import Source, SourcesFactory
    from console.timeline import Entry
    from console.ui.app import GenesisApp


def _environments(options: Namespace) -> Environments:
    return load_environments(paths.config_file(getattr(options, "config", None)))


def _load(options: Namespace) -> Config:
    return _environments(options).pick(getattr(options, "env", None))


def no_config_hint(options: Namespace) -> str | None:
    """One line saying where a config is expected and how to make one, when there is none."""
    if paths.config_file(getattr(options, "config", None)) is not None:
        return None
    return (
        f"no config at {paths.default_config_file()}: localhost defaults; "
        "`genesis-console init` writes one"
    )


def _appearance(config: Config, options: Namespace) -> tuple[dict[str, Theme], str, dict[str, str]]:
    """Themes, the chosen theme name and the keymap, checked before the screen opens."""
    from console.ui.keymaps import load_keymap
    from console.ui.themes import load_themes

    themes = load_themes()
    name = options.theme or config.theme
    if os.environ.get("NO_COLOR") and not options.theme and "monochrome" in themes:
        name = "monochrome"
    if name not in themes:
        raise ConfigError(
            f"theme {name!r}", f"no such theme; available: {', '.join(sorted(themes))}"
        )
    keymap = load_keymap(options.keymap or config.keymap)
    return themes, name, keymap


def _make_app(
    config: Config,
    options: Namespace,
    factory: SourcesFactory,
    clock: Clock | None = None,
    **extra: Any,
) -> GenesisApp:
    from console.ui.app import GenesisApp

    themes, theme, keymap = _appearance(config, options)
    return GenesisApp(
        config,
        sources_factory=factory,
        clock=clock,
        themes=themes,
        theme=theme,
        keymap=keymap,
        read_only=True if options.read_only else None,
        **extra,
    )


def _run_app(app: GenesisApp) -> int:
    app.run()
    return app.return_code or 0


def sources_for(config: Config) -> SourcesFactory:
    """The sources factory of one environment's config."""

    def factory() -> list[Source]:
        from console.sources.registry import build_sources

        return build_sources(config)

    return factory


def run(options: Namespace) -> int:
    """The TUI against the configured stack."""
    environments = _environments(options)
    config = environments.pick(options.env)
    return _run_app(
        _make_app(
            config,
            options,
            sources_for(config),
            environments=None if environments.single else environments.configs,
            make_sources=sources_for,
            config_hint=no_config_hint(options),
        )
    )


def demo_app(
    options: Namespace, *, clock: Clock | None = None, autostart: bool = True
) -> tuple[DemoStack, GenesisApp]:
    """The demo's stack and its console, ready to run; the caller stops the stack.

    Nothing of the user's setup is read but the look and feel of an explicit --config
    (theme, keymap, read_only, notifications): not its URLs, audit path or war room,
    nor $GENESIS_CONSOLE_CONFIG, no escalation secret. The console gets the demo's own
    audit log, timeline and escalation receiver.
    """
    from console.clock import parse_duration
    from console.demo import start_demo

    offset = None
    if options.at is not None:
        text = options.at.strip()
        try:
            offset = float(text) if text.isdigit() else parse_duration(text)
        except ValueError as exc:
            raise ConfigError("--at", str(exc)) from None
    look = _look_and_feel(options)  # before the stack starts: a bad file stops nothing
    stack = start_demo(options.scenario, clock=clock, offset=offset, seed=options.seed)
    try:
        config = stack.config
        if look:
            import msgspec

            config = msgspec.structs.replace(config, **look)

        def factory() -> list[Source]:
            from console.sources.registry import build_sources

            return build_sources(stack.config, replace=stack.simulated_sources())

        app = _make_app(
            config,
            options,
            factory,
            clock=clock,
            autostart=autostart,
            **stack.app_options(),
        )
    except BaseException:
        stack.stop()
        raise
    return stack, app


#: what `demo --config` takes from the file: how the console looks and behaves, never
#: where it connects or what it writes (URLs, audit path, war room stay the demo's)
LOOK_AND_FEEL = ("theme", "keymap", "read_only", "notifications")


def _look_and_feel(options: Namespace) -> dict[str, Any]:
    """The look-and-feel keys of `demo --config FILE` (only an explicit --config: the
    demo ignores $GENESIS_CONSOLE_CONFIG and the XDG config)."""
    path = getattr(options, "config", None)
    if not path:
        return {}
    config = load_environments(Path(path).expanduser()).pick(None)
    return {key: getattr(config, key) for key in LOOK_AND_FEEL}


def demo(options: Namespace) -> int:
    """The TUI against the built-in simulated GENESIS stack."""
    import sys

    stack, app = demo_app(options)
    try:
        return _run_app(app)
    finally:
        stack.stop()
        print(
            f"genesis-console demo: seed {stack.seed} (--seed {stack.seed} replays this world)",
            file=sys.stderr,
        )


def check_results(
    config: Config, alert_filter: Filter | None = None
) -> tuple[str, list[ProbeResult], dict[str, Any]]:
    """Run every probe once; the overall status, the results, and alert counts.

    The counts are those of `check --format json`: None each when no Alertmanager
    answered (the status is then at best UNKNOWN), and marked `partial` with the
    `unreachable` ones named when only some did.
    """
    from console.poller import Poller
    from console.sources.registry import build_sources

    async def go() -> list[ProbeResult]:
        poller = Poller(
            build_sources(config, history=False),
            interval=config.refresh_seconds,
            timeout=config.timeout_seconds,
        )
        try:
            return await poller.run_once()
        finally:
            await asyncio.wait_for(poller.stop(), 1.0)

    results = asyncio.run(go())
    counts = alert_counts(results, alert_filter, config)
    return verdict(results, counts).value.upper(), results, counts


def verdict(results: list[ProbeResult], counts: dict[str, Any]) -> Status:
    """The overall status of these results and alert counts.

    Never better than the alerts that were read: a critical among them is CRITICAL
    even when the list is partial, and a partial list is never OK (the alertmanager
    check itself says WARNING or UNKNOWN then).
    """
    from console.model import Status, worst

    statuses = [r.status for r in results]
    if counts["critical"] is None:
        statuses.append(Status.UNKNOWN)  # nobody could say whether anything fires
    elif counts["critical"]:
        statuses.append(Status.CRITICAL)
    elif counts["warning"]:
        statuses.append(Status.WARNING)
    return worst(statuses)


def _alertmanager_data(results: list[ProbeResult]) -> AlertmanagerData | None:
    from console.model import AlertmanagerData

    return next((r.data for r in results if isinstance(r.data, AlertmanagerData)), None)


def alert_counts(
    results: list[ProbeResult], alert_filter: Filter | None = None, config: Config | None = None
) -> dict[str, Any]:
    """Firing critical and warning alerts and silenced ones, from the alertmanager result
    (only those `alert_filter` keeps, when given)."""
    data = _alertmanager_data(results)
    if data is None:
        return {"critical": None, "warning": None, "silenced": None, "acked": None}
    counts: dict[str, Any] = {"critical": 0, "warning": 0, "silenced": 0, "acked": 0}
    alerts: Sequence[Alert] = data.alerts
    if alert_filter is not None:
        from console.matchers import FilterContext

        # ages as of the moment Alertmanager answered (the poller's injectable clock)
        now = next(r.obtained_at for r in results if r.data is data)
        context = FilterContext.of(now, data.silences, config)
        alerts = alert_filter.apply(data.alerts, context)
        counts["filter"] = alert_filter.text
        counts["matched"] = len(alerts)
        counts["total"] = len(data.alerts)
    for alert in alerts:
        if alert.display_state == "acked":
            counts["acked"] += 1  # its own count: an ack is not a silence to the reader
        elif alert.display_state in ("silenced", "inhibited"):
            counts["silenced"] += 1
        elif alert.severity in ("critical", "warning"):
            counts[alert.severity] += 1
    if data.partial:
        counts["partial"] = True
        counts["unreachable"] = list(data.unreachable)
        if data.cut:  # the rest of a storm's list was never read
            counts["cut"] = list(data.cut)
        if data.unreadable:  # alerts skipped because they could not be read
            counts["unreadable"] = data.unreadable
    return counts


def _alerts_sentence(counts: dict[str, Any], results: list[ProbeResult]) -> str:
    from console.text import clean

    data = _alertmanager_data(results)
    if data is None or counts["critical"] is None:
        return "alerts unknown: no Alertmanager answered"
    text = (
        f"{counts['critical']} critical, {counts['warning']} warning, "
        f"{counts['silenced']} silenced alerts"
    )
    if counts.get("acked"):
        text += f", {counts['acked']} acked"
    if counts.get("unreachable"):
        missing = counts["unreachable"]
        asked = len(data.endpoints)
        text += (
            f" from {asked - len(missing)} of {asked} Alertmanagers"
            f" (unreachable: {clean(', '.join(missing), 300)})"
        )
    if "filter" in counts:
        text += (
            f" (filter {clean(counts['filter'], 200)}: {counts['matched']:,} of"
            f" {counts['total']:,} alerts)"
        )
    if counts.get("cut"):
        text += (
            f" (partial: list cut after {len(data.alerts):,} alerts, {clean(data.cut_reason, 300)})"
        )
    if counts.get("unreadable"):
        n = counts["unreadable"]
        text += f" ({n:,} alert{'s' * (n != 1)} could not be read)"
    return text


def check(options: Namespace) -> int:
    """Every probe once, then exit with the monitoring-plugin code."""
    import sys

    from console.model import Status
    from console.text import clean, redact_data

    config = _load(options)
    hint = no_config_hint(options)
    if hint:
        print(f"genesis-console check: {hint}", file=sys.stderr)
    alert_filter = None
    if getattr(options, "filter", None):
        from console.matchers import FilterError, parse_filter

        try:
            alert_filter = parse_filter(options.filter)
        except FilterError as exc:
            # a monitoring plugin that cannot do what it was asked says UNKNOWN
            print(f"genesis-console check: --filter: {clean(exc, 500)}", file=sys.stderr)
            return Status.UNKNOWN.exit_code
    status, results, counts = check_results(config, alert_filter)
    if options.format == "json":
        # details and unreachable Alertmanagers name URLs: their passwords are masked
        report = {"status": status, "checks": [r.to_json() for r in results], "alerts": counts}
        print(json.dumps(redact_data(report)))
    else:
        print(f"GENESIS {status} - {_alerts_sentence(counts, results)}")
        width = max(len(r.name) for r in results) if results else 10
        for r in results:
            latency = "" if r.latency_ms is None else f"{r.latency_ms:7.1f} ms"
            print(
                f"  {r.status.value.upper():8} {r.name:<{width}} {latency:>10}  {clean(r.detail, 200)}"
            )
    return Status(status.lower()).exit_code


def validate(options: Namespace) -> int:
    """Validate a config, theme or keymap file (a config: every one of its environments)."""
    path = Path(options.path).expanduser() if options.path else paths.config_file(options.config)
    if path is None:
        print(
            f"no config file at {paths.default_config_file()}; the defaults are valid "
            "(`genesis-console init` writes a commented one)"
        )
        return 0
    kind = options.kind or _guess_kind(path)
    try:
        return _validate(path, kind, options)
    except ConfigError as exc:
        if not options.kind:
            import sys

            print(
                f"genesis-console validate: read as a {kind} file from its content "
                "(--kind config|theme|keymap to say otherwise)",
                file=sys.stderr,
            )
        if kind == "config":
            return _every_config_error(path, exc)
        raise


def _every_config_error(path: Path, first: ConfigError) -> int:
    """Print every error of a config file that does not validate (not only the first)."""
    import sys

    from console.config import config_errors, read_file
    from console.text import clean

    try:
        errors = config_errors(read_file(path), str(path)) or [first]
    except ConfigError as exc:
        errors = [exc]
    for error in errors:
        print(f"genesis-console: config error: {clean(error, 2000)}", file=sys.stderr)
    if len(errors) > 1:
        print(f"{path}: {len(errors)} errors", file=sys.stderr)
    return 2


def _validate(path: Path, kind: str, options: Namespace) -> int:
    if kind == "theme":
        from console.ui.themes import load_theme

        load_theme(path)
    elif kind == "keymap":
        from console.ui.keymaps import parse_keymap

        parse_keymap(path)
    else:
        from console.config import warnings
        from console.text import clean

        environments = load_environments(path)
        if options.env is not None:
            environments.pick(options.env)
        for name, config in environments.configs.items():
            where = "" if environments.single else f" (environment {name})"
            for warning in warnings(config):
                print(f"{path}: warning{where}: {clean(warning, 600)}")
        if not environments.single:
            print(f"{path}: valid config, environments: {', '.join(environments.names)}")
            return 0
    print(f"{path}: valid {kind}")
    return 0


def init(options: Namespace) -> int:
    """Write a commented config with every key and its default; never overwrite."""
    import sys

    from console.config_template import render_config_template

    path = Path(options.output).expanduser() if options.output else paths.default_config_file()
    text = render_config_template()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: a file that appears meanwhile is not overwritten either
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        print(
            f"genesis-console init: {path} already exists; not overwriting it "
            "(--output PATH writes elsewhere)",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        print(f"genesis-console init: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return 2
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    print(f"wrote {path}")
    print(f"next: edit it, then `genesis-console validate {path}` and `genesis-console check`")
    return 0


def _guess_kind(path: Path) -> str:
    parent = path.parent.name
    if parent in ("themes", "keymaps"):
        return parent[:-1]
    try:
        with open(path, "rb") as handle:  # bounded: `validate /dev/zero` must not hang
            head = handle.read(MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return "config"
    if "\nprimary:" in "\n" + head:
        return "theme"
    from console.config import Config, load_yaml
    from console.ui.keymaps import DEFAULT_KEYS

    try:
        data, _ = load_yaml(head, str(path))
    except ConfigError:
        return "config"
    if isinstance(data, dict) and data:
        keys = {str(k) for k in data}
        # binding ids and no config key: a keymap, wherever it lives
        if keys & set(DEFAULT_KEYS) and not keys & set(Config.__struct_fields__):
            return "keymap"
    return "config"


def timeline(options: Namespace, clock: Clock | None = None) -> int:
    """The war-room timeline (local file, audit log and, when reachable, the Redis stream).

    The window is computed from `clock` (the real one by default), so a caller that
    recorded a story on another clock reads it back on that same clock.
    """
    import sys

    from console.clock import parse_moment
    from console.timeline import (
        Timeline,
        entries_from_audit,
        key_from_env,
        merge,
        render_json,
        render_markdown,
    )

    clock = clock or Clock()
    now = clock.time()
    try:
        until = parse_moment(options.until, now) if options.until else now
    except ValueError as exc:
        print(f"genesis-console timeline: --until: {exc}", file=sys.stderr)
        return 2
    try:
        since = parse_moment(options.since, until)
    except ValueError as exc:
        print(f"genesis-console timeline: --since: {exc}", file=sys.stderr)
        return 2
    if since > until:
        print("genesis-console timeline: --since is after --until", file=sys.stderr)
        return 2
    config = _load(options)
    story = Timeline(
        config.timeline_path,
        config.warroom.redis_url,
        timeout=min(config.timeout_seconds, 3.0),
        key=key_from_env(config.warroom.key_env),
        password=secret(config.warroom.password_env) if config.warroom.password_env else None,
        tls=config.warroom.tls_config,
        env=config.env_key,
    )
    if config.warroom.redis_url:

        async def pull() -> None:
            try:
                await asyncio.wait_for(story.sync(), story.timeout * 4)
            except TimeoutError:
                story.gave_up(f"war room did not answer within {story.timeout * 4:g}s")
            finally:
                await story.close()

        asyncio.run(pull())
        if not story.online:
            print(
                f"genesis-console timeline: {story.status}; showing the local timeline",
                file=sys.stderr,
            )
    entries = [
        entry
        for entry in merge(story.entries(since), entries_from_audit(config.audit_path, since))
        if entry.time <= until
    ]
    if options.format == "json":
        print(render_json(entries))
    else:
        print(render_markdown(entries, since=since, until=until, now=now), end="")
    return 0


def report(options: Namespace, clock: Clock | None = None) -> int:
    """The SLA report over the last N days: 0 met, 1 at risk, 2 breached, 3 unknown.

    The window ends at `clock`'s now (the real clock by default), on a whole minute.
    """
    import sys

    from console.report import EXIT_CODES, make_report

    if options.days < 1 or options.days > 3650:
        print("genesis-console report: --days must be between 1 and 3650", file=sys.stderr)
        return 3
    config = _load(options)
    now = (clock or Clock()).time()
    entries = _report_entries(config, now - options.days * 86400)
    data = make_report(config, days=options.days, now=now, entries=entries)
    if options.format == "json":
        text = json.dumps(data, indent=2) + "\n"
    else:
        from console import report_render

        render = report_render.html if options.format == "html" else report_render.markdown
        text = render(data, environment=config.environment)
    if options.output:
        try:
            Path(options.output).expanduser().write_text(text, encoding="utf-8")
        except OSError as exc:
            print(
                f"genesis-console report: cannot write {options.output}: {exc.strerror}",
                file=sys.stderr,
            )
            return 3
    else:
        sys.stdout.write(text)
    if data.get("errors", {}).get("prometheus"):
        from console.text import clean

        print(
            f"genesis-console report: SLA unknown: {clean(data['errors']['prometheus'], 400)}",
            file=sys.stderr,
        )
    return EXIT_CODES[data["status"]]


def _report_entries(config: Config, since: float) -> list[Entry]:
    """The war-room timeline at hand (the local file and the audit log), to enrich incidents."""
    from console.timeline import entries_from_audit, merge, read_timeline_file

    try:
        local = read_timeline_file(config.timeline_path) if config.timeline_path else []
    except OSError:
        local = []
    try:
        audit = entries_from_audit(config.audit_path, since)
    except OSError:
        audit = []
    return merge(local, audit, since=since)
