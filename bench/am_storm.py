"""A loopback server speaking Alertmanager's v2 API with an alert storm (`make bench`).

`python bench/am_storm.py --count 10000 --port 0` prints its port on the first line of
stdout and serves `/api/v2/alerts`, `/api/v2/silences`, `/api/v2/alerts/groups` and
`/-/healthy` until killed. The replies are encoded once: what the benchmark measures is
the console reading and showing 10,000 alerts, not this server building them. Nothing
changes between refreshes (the issue's "a refresh with nothing changed").
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEVERITIES = ("critical", "warning", "warning", "info")
NAMES = (
    "HighLatency",
    "HighErrorRate",
    "DiskFull",
    "PodCrashLooping",
    "CertificateExpiring",
    "QueueBacklog",
    "ReplicationLag",
    "NodeNotReady",
)


def storm(count: int, now: datetime) -> list[dict]:
    """`count` firing alerts, each with its own instance, started minutes to hours ago."""
    alerts = []
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        severity = SEVERITIES[i % len(SEVERITIES)]
        # whole hours ago: the age column does not tick during a measure
        starts = now - timedelta(hours=2 + i % 40)
        labels = {
            "alertname": name,
            "severity": severity,
            "instance": f"node-{i:05d}:9100",
            "job": ("node", "genesis-orchestrator", "blackbox")[i % 3],
            "team": ("db", "platform", "app")[i % 3],
        }
        alerts.append(
            {
                "fingerprint": f"{i:016x}",
                "labels": labels,
                "annotations": {"summary": f"storm alert {i:05d} on node-{i:05d}"},
                "startsAt": starts.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "endsAt": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "updatedAt": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "generatorURL": "http://prometheus:9090/graph",
                "receivers": [{"name": "pager" if severity == "critical" else "team"}],
                "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
            }
        )
    return alerts


def groups(alerts: list[dict]) -> list[dict]:
    """Alertmanager's grouping by alertname, as a default route would."""
    by_name: dict[str, list[dict]] = {}
    for alert in alerts:
        by_name.setdefault(alert["labels"]["alertname"], []).append(alert)
    return [
        {"labels": {"alertname": name}, "receiver": {"name": "team"}, "alerts": members}
        for name, members in sorted(by_name.items())
    ]


def serve(count: int, port: int) -> None:
    alerts = storm(count, datetime.now(UTC))
    bodies = {
        "/api/v2/alerts": json.dumps(alerts).encode(),
        "/api/v2/silences": b"[]",
        "/api/v2/alerts/groups": json.dumps(groups(alerts)).encode(),
        "/-/healthy": b"OK",
        "/-/ready": b"OK",
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = bodies.get(self.path.split("?", 1)[0])
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args(argv)
    try:
        serve(options.count, options.port)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
