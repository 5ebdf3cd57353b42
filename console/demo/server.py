"""Loopback HTTP servers that speak the real wire formats of the simulated GENESIS stack.

One server per component (Alertmanager API v2, Prometheus HTTP API v1, the orchestrator,
Grafana) plus a "supervisor" that plays systemd for the demo's restart command, and a
"receiver" that plays PagerDuty's Events API v2 and a Slack incoming webhook, so the
demo's escalation never leaves the machine. Every reply is computed from the World
under its lock, so the console's production sources run unchanged against it. Nothing
is logged: the TUI owns the terminal.
"""

from __future__ import annotations

import json
import math
import re
import selectors
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from socketserver import BaseServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from console.clock import Clock, format_rfc3339, parse_api_time
from console.demo.rules import JOB
from console.demo.world import INSTANCE, FiringAlert, Unavailable, World
from console.matchers import (
    Matcher,
    as_matcher,
    compile_regex,
    matchers_match,
    parse_matchers,
    regex_problem,
)

#: the most of a request body the demo servers read
MAX_BODY = 1024 * 1024
#: on a clock other than the real one (a test's frozen clock jumps when the test says),
#: how often the servers' thread looks whether the orchestrator's port should open or
#: close; on the real clock it sleeps until the process is next due to start or stop
SYNC_SECONDS = 0.05
#: the longest the servers' thread sleeps with the real clock: a wall clock that steps
#: (NTP, a laptop waking up) moves the world, and the port follows within this long
MAX_SLEEP_SECONDS = 1.0
#: connections a port queues before the servers' thread takes them
BACKLOG = 16
#: how soon the servers' thread looks at the world again when a reply holds its lock
BUSY_SECONDS = 0.01
#: Prometheus refuses range queries with more points than this per series
MAX_POINTS = 11_000

GRAFANA_HEALTH = {"commit": "03f502a94d", "database": "ok", "version": "10.4.2"}
#: the demo receiver's routing key and webhook path: they page nobody
DEMO_ROUTING_KEY = "demo-routing-key-pages-nobody"
DEMO_SLACK_PATH = "/services/TDEMO/BDEMO/demo-webhook-pages-nobody"


def prometheus_number(value: float) -> str:
    """A sample value the way Prometheus writes it (a string; NaN and ±Inf spelled out)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _stamp(epoch: float) -> float | int:
    stamp = round(epoch, 3)
    return int(stamp) if stamp == int(stamp) else stamp


class _Server(BaseServer):
    """One listening socket of a component, and the connections it accepted: what one
    run of a server process holds. Closing it closes the port and cuts them all."""

    def __init__(self, component: Component) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", component.port))
            listener.listen(BACKLOG)
            listener.setblocking(False)  # accept() in the loop never waits
        except OSError:
            listener.close()
            raise
        super().__init__(listener.getsockname(), component.handler)
        self.component = component
        self.socket = listener
        self.port: int = listener.getsockname()[1]
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.closed = False

    def accept(self) -> None:
        """Take every waiting connection, each to its own thread (a slow one blocks nobody)."""
        while True:
            try:
                connection, address = self.socket.accept()
            except OSError:  # none waiting (BlockingIOError), or closed meanwhile
                return
            connection.setblocking(True)
            with self.connections_lock:
                if self.closed:  # the port closed while this one was let in
                    connection.close()
                    continue
                self.connections.add(connection)
            threading.Thread(
                target=self._serve_connection,
                args=(connection, address),
                name=f"demo-{self.component.name}-connection",
                daemon=True,
            ).start()

    def _serve_connection(self, connection: socket.socket, address: Any) -> None:
        try:
            self.component.handler(connection, address, self)
        except Exception:
            pass  # nothing is logged: the TUI owns the terminal
        finally:
            with self.connections_lock:
                self.connections.discard(connection)
            try:
                connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            connection.close()

    def close(self) -> None:
        """Stop listening and cut every open connection, as a dying process would."""
        with self.connections_lock:
            self.closed = True
            connections = list(self.connections)
            self.connections.clear()
        self.socket.close()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    """Shared plumbing: routing, JSON replies, silence in the terminal."""

    protocol_version = "HTTP/1.1"
    server: _Server
    #: (method, path regex) → handler method name
    routes: ClassVar[list[tuple[str, str, str]]] = []
    server_version = "demo"
    sys_version = ""

    @property
    def world(self) -> World:
        return self.server.component.world

    @property
    def servers(self) -> DemoServers:
        return self.server.component.servers

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        """Say nothing: the console's TUI owns the terminal."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header from the world's clock, so frozen clocks give identical replies."""
        return super().date_time_string(self.world.clock.time() if timestamp is None else timestamp)

    def do_GET(self) -> None:  # noqa: N802 - stdlib's name
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.body = self._read_body()
        if self.body is None:
            return
        for route_method, pattern, name in self.routes:
            match = re.fullmatch(pattern, parts.path)
            if match and route_method == method:
                try:
                    getattr(self, name)(*match.groups())
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
        if any(re.fullmatch(pattern, parts.path) for _, pattern, _ in self.routes):
            self.reply_text(405, "Method Not Allowed\n")
            return
        self.reply_text(404, "404 page not found\n")

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not length.isdigit() or int(length) > MAX_BODY:
            self.reply_text(413, "request body too large\n")
            return None
        return self.rfile.read(int(length))

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        """Send a complete reply with a Content-Length."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_json(self, status: int, value: Any) -> None:
        """Send a JSON reply (compact, with Go's trailing newline)."""
        body = json.dumps(value, separators=(",", ":"), ensure_ascii=False) + "\n"
        self.reply(status, body.encode(), "application/json")

    def reply_text(self, status: int, text: str) -> None:
        """Send a plain-text reply."""
        self.reply(status, text.encode(), "text/plain; charset=utf-8")

    def form(self) -> dict[str, list[str]]:
        """Query parameters merged with a form-encoded POST body."""
        merged = {key: list(values) for key, values in self.query.items()}
        if self.body and "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            for key, values in parse_qs(self.body.decode("utf-8", "replace")).items():
                merged.setdefault(key, []).extend(values)
        return merged


# ----- Alertmanager API v2


def filter_matchers(filters: list[str]) -> list[Matcher]:
    """Every `filter` parameter's matchers, as Alertmanager's ParseMatchers reads them
    (FilterError, a ValueError, for one it would refuse)."""
    return [m for text in filters for m in parse_matchers(text)]


def _flag(query: dict[str, list[str]], name: str) -> bool:
    return query.get(name, ["true"])[-1].lower() != "false"


class AlertmanagerHandler(_Handler):
    """Alertmanager 0.25's API v2, backed by the world's alerts and silences."""

    routes: ClassVar[list[tuple[str, str, str]]] = [
        ("GET", r"/-/(?:ready|healthy)", "ready"),
        ("GET", r"/api/v2/status", "status"),
        ("GET", r"/api/v2/receivers", "receivers"),
        ("GET", r"/api/v2/alerts", "alerts"),
        ("GET", r"/api/v2/alerts/groups", "groups"),
        ("GET", r"/api/v2/silences", "silences"),
        ("POST", r"/api/v2/silences", "create_silence"),
        ("GET", r"/api/v2/silence/([^/]+)", "get_silence"),
        ("DELETE", r"/api/v2/silence/([^/]+)", "expire_silence"),
    ]

    def ready(self) -> None:
        self.reply_text(200, "OK")

    def status(self) -> None:
        self.reply_json(
            200,
            {
                "cluster": {"peers": [], "status": "disabled"},
                "config": {"original": "route:\n  receiver: genesis-warning\n"},
                "uptime": format_rfc3339(self.world.epoch),
                "versionInfo": {
                    "branch": "debian/sid",
                    "buildDate": "20230408-13:01:28",
                    "buildUser": "team+pkg-go@tracker.debian.org",
                    "goVersion": "go1.19.8",
                    "revision": "0.25.0-1",
                    "version": "0.25.0",
                },
            },
        )

    def receivers(self) -> None:
        self.reply_json(200, [{"name": "genesis-critical"}, {"name": "genesis-warning"}])

    def _alert_json(self, alert: FiringAlert) -> dict[str, Any]:
        generator = (
            f"{self.servers.prometheus.url}/graph?g0.expr={quote(alert.expr, safe='')}&g0.tab=1"
        )
        return {
            "annotations": dict(alert.annotations),
            "endsAt": format_rfc3339(alert.ends_at),
            "fingerprint": alert.fingerprint,
            "receivers": [{"name": f"genesis-{alert.severity}"}],
            "startsAt": format_rfc3339(alert.starts_at),
            "status": {
                "inhibitedBy": [],
                "silencedBy": list(alert.silenced_by),
                "state": "suppressed" if alert.silenced_by else "active",
            },
            "updatedAt": format_rfc3339(alert.updated_at),
            "generatorURL": generator,
            "labels": dict(alert.labels),
        }

    def _selected(self) -> list[dict[str, Any]] | None:
        try:
            matchers = filter_matchers(self.query.get("filter", []))
        except ValueError as exc:
            self.reply_json(400, str(exc))
            return None
        show_active = _flag(self.query, "active")
        show_silenced = _flag(self.query, "silenced")
        alerts = sorted(self.world.snapshot().alerts, key=lambda a: a.fingerprint)
        out = []
        for alert in alerts:
            if alert.silenced_by and not show_silenced:
                continue
            if not alert.silenced_by and not show_active:
                continue
            if matchers and not matchers_match(matchers, dict(alert.labels)):
                continue
            out.append(self._alert_json(alert))
        receiver = self.query.get("receiver", [""])[-1]
        if receiver:
            try:
                wanted = compile_regex(receiver)
            except ValueError as exc:
                self.reply_json(400, f"failed to parse receiver param: {exc}")
                return None
            out = [a for a in out if wanted.fullmatch(a["receivers"][0]["name"])]
        return out

    def alerts(self) -> None:
        selected = self._selected()
        if selected is not None:
            self.reply_json(200, selected)

    def groups(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for alert in selected:
            key = (alert["receivers"][0]["name"], alert["labels"]["alertname"])
            groups.setdefault(key, []).append(alert)
        self.reply_json(
            200,
            [
                {"alerts": alerts, "labels": {"alertname": name}, "receiver": {"name": receiver}}
                for (receiver, name), alerts in sorted(groups.items())
            ],
        )

    def _silence_json(self, silence: Any) -> dict[str, Any]:
        return {
            "id": silence.id,
            "status": {"state": silence.state(self.world.clock.time())},
            "updatedAt": format_rfc3339(silence.updated_at),
            "comment": silence.comment,
            "createdBy": silence.created_by,
            "endsAt": format_rfc3339(silence.ends_at),
            "matchers": [dict(m) for m in silence.matchers],
            "startsAt": format_rfc3339(silence.starts_at),
        }

    def silences(self) -> None:
        try:
            wanted = filter_matchers(self.query.get("filter", []))
        except ValueError as exc:
            self.reply_json(400, str(exc))
            return
        out = []
        for silence in self.world.silence_list():
            have = {as_matcher(m) for m in silence.matchers}
            if all(m in have for m in wanted):
                out.append(self._silence_json(silence))
        self.reply_json(200, out)

    def get_silence(self, silence_id: str) -> None:
        silence = self.world.silences.get(silence_id)
        if silence is None:
            self.reply_json(404, f"silence {silence_id} not found")
            return
        self.reply_json(200, self._silence_json(silence))

    def expire_silence(self, silence_id: str) -> None:
        try:
            self.world.expire_silence(silence_id)
        except KeyError:
            self.reply_json(500, "silence not found")
            return
        except ValueError as exc:
            self.reply_json(500, str(exc))
            return
        self.reply(200, b"", "application/json")

    def create_silence(self) -> None:
        try:
            body = json.loads(self.body or b"")
        except ValueError as exc:
            self.reply_json(400, {"code": 400, "message": f"parsing silence body failed: {exc}"})
            return
        problems = _silence_problems(body)
        if problems:
            self.reply_json(
                422, {"code": 602, "message": "validation failure list:\n" + "\n".join(problems)}
            )
            return
        matchers = [
            {
                "name": m["name"],
                "value": m["value"],
                "isRegex": m["isRegex"],
                "isEqual": m.get("isEqual", True),
            }
            for m in body["matchers"]
        ]
        for matcher in matchers:
            problem = regex_problem(matcher["value"]) if matcher["isRegex"] else None
            if problem:
                self.reply_json(400, f"invalid silence: invalid label matcher: {problem}")
                return
        if all(matchers_match([m], {}) for m in matchers):
            self.reply_json(
                400, "invalid silence: at least one matcher must not match the empty string"
            )
            return
        starts_at = parse_api_time(body["startsAt"])
        ends_at = parse_api_time(body["endsAt"])
        if ends_at <= starts_at:
            self.reply_json(400, "Failed to create silence: start time must be before end time")
            return
        if ends_at < self.world.clock.time():
            self.reply_json(400, "Failed to create silence: end time can't be in the past")
            return
        try:
            silence_id = self.world.add_silence(
                matchers,
                body["createdBy"],
                body["comment"],
                starts_at,
                ends_at,
                body.get("id") or None,
            )
        except KeyError:
            self.reply_json(404, "silence not found")
            return
        self.reply_json(200, {"silenceID": silence_id})


def _silence_problems(body: Any) -> list[str]:
    """go-swagger's validation of a PostableSilence, as sentences."""
    if not isinstance(body, dict):
        return ["body in body must be of type object"]
    problems = []
    for key in ("comment", "createdBy", "endsAt", "matchers", "startsAt"):
        if key not in body:
            problems.append(f"{key} in body is required")
    for key in ("comment", "createdBy"):
        if key in body and not isinstance(body[key], str):
            problems.append(f"{key} in body must be of type string")
    for key in ("startsAt", "endsAt"):
        if key in body:
            try:
                parse_api_time(str(body[key]))
            except ValueError:
                problems.append(f"{key} in body must be of type date-time: {body[key]!r}")
    matchers = body.get("matchers")
    if "matchers" in body:
        if not isinstance(matchers, list):
            problems.append("matchers in body must be of type array")
        elif not matchers:
            problems.append("matchers in body should have at least 1 items")
        else:
            for index, matcher in enumerate(matchers):
                if not isinstance(matcher, dict):
                    problems.append(f"matchers.{index} in body must be of type object")
                    continue
                for key, kind in (("name", str), ("value", str), ("isRegex", bool)):
                    if key not in matcher:
                        problems.append(f"matchers.{index}.{key} in body is required")
                    elif not isinstance(matcher[key], kind):
                        problems.append(
                            f"matchers.{index}.{key} in body must be of type {kind.__name__}"
                        )
                if "isEqual" in matcher and not isinstance(matcher["isEqual"], bool):
                    problems.append(f"matchers.{index}.isEqual in body must be of type boolean")
    return problems


# ----- Prometheus HTTP API v1


class PrometheusHandler(_Handler):
    """Prometheus 2.42's query API for the console's SLA queries and a few runbook queries."""

    routes: ClassVar[list[tuple[str, str, str]]] = [
        ("GET", r"/-/ready", "ready"),
        ("GET", r"/-/healthy", "healthy"),
        ("GET", r"/api/v1/query", "instant"),
        ("POST", r"/api/v1/query", "instant"),
        ("GET", r"/api/v1/query_range", "range"),
        ("POST", r"/api/v1/query_range", "range"),
        ("GET", r"/api/v1/status/buildinfo", "buildinfo"),
    ]

    def ready(self) -> None:
        self.reply_text(200, "Prometheus Server is Ready.\n")

    def healthy(self) -> None:
        self.reply_text(200, "Prometheus Server is Healthy.\n")

    def buildinfo(self) -> None:
        self.reply_json(
            200,
            {
                "status": "success",
                "data": {
                    "version": "2.42.0",
                    "revision": "debian",
                    "branch": "debian/sid",
                    "buildUser": "team+pkg-go@tracker.debian.org",
                    "buildDate": "20230405",
                    "goVersion": "go1.19.8",
                },
            },
        )

    def bad_data(self, message: str) -> None:
        """Prometheus' 400 reply for a query it will not run."""
        self.reply_json(400, {"status": "error", "errorType": "bad_data", "error": message})

    def _series(self, form: dict[str, list[str]]) -> tuple[str, dict[str, str]] | None:
        query = form.get("query", [""])[-1]
        if not query.strip():
            self.bad_data(
                'invalid parameter "query": 1:1: parse error: no expression found in input'
            )
            return None
        found = self.servers.lookup(query)
        if found is None:
            self.bad_data("the demo world does not evaluate this query")
            return None
        return found

    def instant(self) -> None:
        form = self.form()
        found = self._series(form)
        if found is None:
            return
        signal, metric = found
        try:
            at = parse_api_time(form["time"][-1]) if form.get("time") else self.world.clock.time()
        except ValueError:
            self.bad_data(
                f'invalid parameter "time": cannot parse {form["time"][-1]!r} to a valid timestamp'
            )
            return
        value = self.world.value(signal, at - self.world.epoch)
        result = (
            []
            if value is None
            else [{"metric": metric, "value": [_stamp(at), prometheus_number(value)]}]
        )
        self.reply_json(
            200, {"status": "success", "data": {"resultType": "vector", "result": result}}
        )

    def range(self) -> None:
        form = self.form()
        history = _is_alert_history(form)
        found = None if history else self._series(form)
        if found is None and not history:
            return
        try:
            start = parse_api_time(form["start"][-1])
            end = parse_api_time(form["end"][-1])
        except (KeyError, ValueError):
            self.bad_data('invalid parameter "start" or "end": cannot parse to a valid timestamp')
            return
        try:
            step = _duration(form.get("step", [""])[-1])
        except ValueError:
            self.bad_data('invalid parameter "step": cannot parse to a valid duration')
            return
        if end < start:
            self.bad_data("end timestamp must not be before start time")
            return
        if step <= 0:
            self.bad_data(
                "zero or negative query resolution step widths are not accepted. Try a positive integer"
            )
            return
        if (end - start) / step > MAX_POINTS:
            self.bad_data(
                "exceeded maximum resolution of 11,000 points per timeseries. "
                "Try decreasing the query resolution (?step=XX)"
            )
            return
        if history:
            result = self.world.alert_history(start, end, step)
            self.reply_json(
                200, {"status": "success", "data": {"resultType": "matrix", "result": result}}
            )
            return
        if found is None:  # the alert history answered above
            return
        signal, metric = found
        values = []
        count = int((end - start) // step)
        for index in range(count + 1):
            at = start + index * step
            value = self.world.value(signal, at - self.world.epoch)
            if value is not None:
                values.append([_stamp(at), prometheus_number(value)])
        result = [{"metric": metric, "values": values}] if values else []
        self.reply_json(
            200, {"status": "success", "data": {"resultType": "matrix", "result": result}}
        )


def _is_alert_history(form: dict[str, list[str]]) -> bool:
    """Whether this is the console's query of every alert's firing history."""
    from console.alert_history import QUERY

    return "".join(form.get("query", [""])[-1].split()) == "".join(QUERY.split())


def _duration(text: str) -> float:
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(text)
    return sum(int(n) * units[u] for n, u in parts)


# ----- the orchestrator


class OrchestratorHandler(_Handler):
    """The GENESIS orchestrator's health, metrics and cache API."""

    routes: ClassVar[list[tuple[str, str, str]]] = [
        ("GET", r"/health/ready", "ready"),
        ("GET", r"/health/live", "live"),
        ("GET", r"/health/metrics", "metrics"),
        ("POST", r"/api/cache/clear", "clear_cache"),
    ]

    def _dispatch(self, method: str) -> None:
        if not self.world.process_state(self.world.now())[0]:
            # the process is gone: drop the connection; the servers' thread closes the port
            self.close_connection = True
            self.servers.wake()
            return
        super()._dispatch(method)

    def ready(self) -> None:
        state = self.world.snapshot()
        if state.orchestrator == "ready":
            self.reply_json(
                200,
                {
                    "status": "ready",
                    "checks": {"mysql": "ok", "redis": "ok", "temporal": "ok"},
                    "version": "2.4.1",
                },
            )
        else:
            self.reply_json(503, {"status": "not_ready", "reason": state.reason})

    def live(self) -> None:
        self.reply_json(200, {"status": "alive"})

    def metrics(self) -> None:
        state = self.world.snapshot()
        self.reply_json(
            200,
            {
                "orchestrator": {
                    "average_latency_ms": state.latency_ms,
                    "p95_latency_ms": None
                    if state.p95_seconds is None
                    else round(state.p95_seconds * 1000, 1),
                    "total_runs": state.total_runs,
                    "failed_runs": state.failed_runs,
                    "active_runs": state.active_runs,
                    "runs_per_second": state.runs_per_second,
                },
                "router": {"efficiency": state.router_efficiency},
                "stability": {"score": state.stability_score},
                "cache": {
                    "hit_rate": state.cache_hit_rate,
                    "entries": state.cache_entries,
                },
            },
        )

    def clear_cache(self) -> None:
        try:
            removed = self.world.clear_cache()
        except Unavailable as exc:
            self.reply_json(503, {"status": "error", "error": str(exc)})
            return
        self.reply_json(200, {"status": "cleared", "entries_removed": removed})


class GrafanaHandler(_Handler):
    """Grafana's health endpoint."""

    routes: ClassVar[list[tuple[str, str, str]]] = [("GET", r"/api/health", "health")]

    def health(self) -> None:
        self.reply_json(200, GRAFANA_HEALTH)


class SupervisorHandler(_Handler):
    """The demo's stand-in for systemd: restarts the orchestrator on request."""

    routes: ClassVar[list[tuple[str, str, str]]] = [
        ("POST", r"/restart", "restart"),
        ("GET", r"/state", "state"),
    ]

    def restart(self) -> None:
        message = self.world.restart_orchestrator()
        self.servers.sync()
        self.reply_json(200, {"status": "restarting", "message": message})

    def state(self) -> None:
        state = self.world.snapshot()
        self.reply_json(
            200,
            {
                "scenario": state.scenario,
                "time": round(state.time, 3),
                "orchestrator": state.orchestrator,
                "reason": state.reason,
                "alerts": [alert.name for alert in state.alerts],
            },
        )


class ReceiverHandler(_Handler):
    """PagerDuty's Events API v2 and a Slack incoming webhook, answering as they do.

    What arrives is kept in the world (`World.escalations`) and goes nowhere else.
    """

    routes: ClassVar[list[tuple[str, str, str]]] = [
        ("POST", r"/v2/enqueue", "pagerduty"),
        ("POST", r"/services/.+", "slack"),
    ]

    def _json_body(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def pagerduty(self) -> None:
        event = self._json_body()
        errors = []
        if not isinstance(event, dict):
            event, errors = {}, ["Event object must be a JSON object."]
        elif event.get("routing_key") != DEMO_ROUTING_KEY:
            errors.append("'routing_key' is invalid.")
        payload = event.get("payload")
        if not isinstance(payload, dict):
            payload = {}
        if event and event.get("event_action") not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is missing or blank.")
        if event and event.get("event_action") == "trigger" and not payload.get("summary"):
            errors.append("'payload.summary' is missing or blank.")
        if errors:
            self.reply_json(
                400,
                {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
            )
            return
        self.world.receive_escalation("PagerDuty", str(payload.get("summary") or ""), event)
        self.reply_json(
            202,
            {
                "status": "success",
                "message": "Event processed",
                "dedup_key": event.get("dedup_key"),
            },
        )

    def slack(self) -> None:
        if urlsplit(self.path).path != DEMO_SLACK_PATH:
            self.reply_text(403, "invalid_token")
            return
        message = self._json_body()
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            self.reply_text(400, "no_text")
            return
        self.world.receive_escalation("Slack", message["text"], message)
        self.reply_text(200, "ok")


# ----- running them


class Component:
    """One loopback server that can stop listening and listen again on the same port."""

    def __init__(self, name: str, handler: type[_Handler], servers: DemoServers) -> None:
        self.name = name
        self.handler = handler
        self.servers = servers
        self.world = servers.world
        self.port = 0
        self.server: _Server | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:40123."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def listening(self) -> bool:
        """Whether the port accepts connections now."""
        return self.server is not None

    def open(self) -> None:
        """Listen (on the same port as before, if any)."""
        with self._lock:
            if self.server is not None or self.servers.stopped:
                return
            self.server = _Server(self)
            self.port = self.server.port
        self.servers.wake()

    def close(self) -> None:
        """Stop listening and cut open connections, as a dead process would."""
        with self._lock:
            server, self.server = self.server, None
            if server is None:
                return
            server.close()
        self.servers.wake()


class DemoServers:
    """Every demo server, served by one thread that also opens and closes the
    orchestrator's port when the world says so.

    The thread sleeps in a selector until a connection arrives, someone wakes it (a
    restart, a stop) or the orchestrator's process is next due to start or stop; each
    connection is then served on its own thread.
    """

    def __init__(self, world: World, queries: dict[str, str] | None = None) -> None:
        from console.config import default_sla_queries

        self.world = world
        self.alertmanager = Component("alertmanager", AlertmanagerHandler, self)
        self.prometheus = Component("prometheus", PrometheusHandler, self)
        self.orchestrator = Component("orchestrator", OrchestratorHandler, self)
        self.grafana = Component("grafana", GrafanaHandler, self)
        self.supervisor = Component("supervisor", SupervisorHandler, self)
        self.receiver = Component("receiver", ReceiverHandler, self)
        self.components = (
            self.alertmanager,
            self.prometheus,
            self.orchestrator,
            self.grafana,
            self.supervisor,
            self.receiver,
        )
        self._queries: dict[str, tuple[str, dict[str, str]]] = {}
        self.set_queries(queries or default_sla_queries(JOB))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # a byte on this pair wakes the thread from its selector
        self._wake_lock = threading.Lock()
        self._waker: socket.socket | None = None
        self._woken: socket.socket | None = None
        # any clock but the real one (a test's frozen clock) may jump at any moment,
        # telling no one: with it the thread looks every SYNC_SECONDS, as it used to
        self._real_clock = type(world.clock) is Clock

    def set_queries(self, queries: dict[str, str]) -> None:
        """Answer these PromQL strings (the console's SLA queries) plus a few runbook ones."""
        signals = {"availability": "availability", "p95_latency": "p95", "error_rate": "error_rate"}
        table: dict[str, tuple[str, dict[str, str]]] = {
            " ".join(q.split()): (signals[k], {}) for k, q in queries.items() if k in signals
        }
        # the SLA pane's burn rates: the availability query over shorter windows
        from console.sla import burn_queries

        for window, promql in burn_queries(queries.get("availability", "")).items():
            table[" ".join(promql.split())] = (f"availability_over:{window}", {})
        target = {"instance": INSTANCE, "job": JOB}
        table[f'up{{job="{JOB}"}}'] = ("up", {"__name__": "up", **target})
        table["genesis_orchestrator_up"] = ("up", {"__name__": "genesis_orchestrator_up", **target})
        table["rate(genesis_orchestrator_total_runs[5m])"] = ("runs_per_second", target)
        table[f'rate(genesis_orchestrator_total_runs{{job="{JOB}"}}[5m])'] = (
            "runs_per_second",
            target,
        )
        self._queries = table

    def lookup(self, query: str) -> tuple[str, dict[str, str]] | None:
        """The world signal and series labels behind a PromQL string, or None."""
        return self._queries.get(" ".join(query.split()))

    def start(self) -> None:
        """Listen on loopback ports and start serving and following the world."""
        self._woken, self._waker = socket.socketpair()
        self._woken.setblocking(False)
        self._waker.setblocking(False)
        for component in self.components:
            component.open()
        self.sync()
        self.world.watch(self.wake)
        self._thread = threading.Thread(target=self._serve, name="demo-servers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close every port and stop the servers' thread; safe to call twice."""
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._wake_lock:
            waker, self._waker = self._waker, None
        if waker is not None:
            waker.close()
        for component in self.components:
            component.close()

    @property
    def stopped(self) -> bool:
        """Whether stop was called: no port opens again."""
        return self._stop.is_set()

    def wake(self) -> None:
        """Ask the servers' thread to look at the world (and its ports) now."""
        with self._wake_lock:
            if self._waker is None:
                return
            try:
                self._waker.send(b"!")
            except OSError:  # a wake is already pending (the buffer is full)
                pass

    def sync(self) -> None:
        """Open or close the orchestrator's port to match the world now."""
        up = self.world.process_state(self.world.now())[0]
        self._sync(up)
        if self.orchestrator.listening != up:
            self.wake()  # the port is briefly taken: the thread tries again shortly

    def _sync(self, up: bool) -> None:
        try:
            if up:
                self.orchestrator.open()
            else:
                self.orchestrator.close()
        except OSError:
            pass

    def _follow(self) -> float:
        """Match the orchestrator's port to the world; seconds until it next may change."""
        # a reply that holds the world's lock a while (a day of alert history) must not
        # hold up accepting connections: look again shortly instead of waiting for it
        if not self.world.lock.acquire(blocking=False):
            return BUSY_SECONDS
        try:
            up, change = self.world.process_state(self.world.now())
        finally:
            self.world.lock.release()
        self._sync(up)
        if self.orchestrator.listening != up or not self._real_clock:
            return SYNC_SECONDS
        # the world's clock is the wall clock: a clock that steps (NTP, a laptop's
        # sleep) is caught up with within MAX_SLEEP_SECONDS
        return min(MAX_SLEEP_SECONDS, max(0.0, self.world.wall(change) - self.world.clock.time()))

    def _serve(self) -> None:
        woken = self._woken
        assert woken is not None
        selector = selectors.DefaultSelector()
        selector.register(woken, selectors.EVENT_READ)
        registered: set[_Server] = set()
        # the world is looked at when due or when woken, never for a mere connection:
        # a long reply holding the world's lock delays no accept. `due` is on the
        # real monotonic clock, as the selector's wait is, whatever the world's clock
        due, look = 0.0, True
        try:
            while not self._stop.is_set():
                if look or time.monotonic() >= due:
                    due = time.monotonic() + self._follow()
                    self._register(selector, registered)
                look = False
                for key, _ in selector.select(max(0.0, due - time.monotonic())):
                    if key.fileobj is woken:
                        look = True
                        try:
                            woken.recv(4096)
                        except OSError:
                            pass
                    else:
                        key.data.accept()
        finally:
            selector.close()
            woken.close()

    def _register(self, selector: selectors.BaseSelector, registered: set[_Server]) -> None:
        """Watch every listening port, and no port that closed."""
        listening = {c.server for c in self.components if c.server is not None}
        for server in list(registered):
            if server.closed or server not in listening:
                registered.discard(server)
                try:
                    selector.unregister(server.socket)
                except (KeyError, ValueError):
                    pass
        for server in listening - registered:
            try:
                selector.register(server.socket, selectors.EVENT_READ, server)
            except (KeyError, ValueError, OSError):
                continue  # closed meanwhile: the next look drops it
            registered.add(server)
