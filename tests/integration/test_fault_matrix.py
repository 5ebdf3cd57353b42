"""Every source against every way its server can misbehave: one table, read top to bottom.

Each row: which source, which fault (tests/faults.py), the status it must report and a
phrase its sentence must contain (or a tuple of phrases, one of which), within its
timeout plus one second.
"""

from __future__ import annotations

import time

import pytest

from console.config import Config, SlaConfig
from console.model import Status
from console.sources.alertmanager import AlertmanagerSource
from console.sources.grafana import GrafanaSource
from console.sources.mysql import MysqlSource
from console.sources.orchestrator import OrchestratorSource
from console.sources.ports import PortSource
from console.sources.prometheus import PrometheusSource, SlaSource
from console.sources.redis import RedisSource
from console.sources.temporal import TemporalSource
from tests.faults import HUGE_BYTES, FaultServer

TIMEOUT = 1.0
OK, WARN, CRIT, UNK = Status.OK, Status.WARNING, Status.CRITICAL, Status.UNKNOWN

# how each protocol's reply looks when the server dies part way through it
MYSQL_CUT = b"\x4a\x00\x00\x00\x0a5.5.5-10"  # greeting header says 74 bytes; 10 come
REDIS_CUT = b"$100\r\nPON"  # a bulk string of 100 bytes; 3 come
GRPC_CUT = b"\x00\x00\x06\x04\x00"  # half an HTTP/2 SETTINGS frame header


def orchestrator(f):
    return OrchestratorSource(f.url, timeout=TIMEOUT)


def prometheus(f):
    return PrometheusSource(f.url, timeout=TIMEOUT)


def sla(f):
    return SlaSource(f.url, queries=Config().sla_queries(), sla=SlaConfig(), timeout=TIMEOUT)


def alertmanager(f):
    # the alert list's own cap (64 MiB, test_alert_storm.py) is above the 50 MB "huge"
    # reply: lowered here so "huge" is over it, as it is for every other source
    return AlertmanagerSource([f.url], timeout=TIMEOUT, max_bytes=8 * 1024 * 1024)


def grafana(f):
    return GrafanaSource(f.url, timeout=TIMEOUT)


def mysql(f):
    return MysqlSource("127.0.0.1", f.port, "genesis", "s3cret-pass", "genesis", timeout=TIMEOUT)


def redis(f):
    return RedisSource(f"redis://127.0.0.1:{f.port}/0", timeout=TIMEOUT)


def temporal(f):
    return TemporalSource(f.address, timeout=TIMEOUT)


def port(f):
    return PortSource(f.port, timeout=TIMEOUT)


ANSWERLESS = (
    "Temporal at 127.0.0.1:{port} did not answer within 1s",
    "Temporal at 127.0.0.1:{port} accepted the connection but never answered",
)

# fmt: off
MATRIX = [
    # source        fault        status  phrase in the detail
    (orchestrator,  "refused",   CRIT,   "connection refused by 127.0.0.1:{port}"),
    (orchestrator,  "blackhole", CRIT,   "no answer from 127.0.0.1:{port} within 1s"),
    (orchestrator,  "slow",      CRIT,   "no answer from 127.0.0.1:{port} within 1s"),
    (orchestrator,  "http_500",  CRIT,   "orchestrator readiness: HTTP 500 (internal error)"),
    (orchestrator,  "garbage",   UNK,    "bad HTTP from 127.0.0.1:{port}"),
    (orchestrator,  "not_json",  UNK,    "HTTP 200 but the body is not JSON"),
    (orchestrator,  "wrong_shape", OK,   "ready · metrics without average_latency_ms"),
    (orchestrator,  "truncated", UNK,    "truncated reply from 127.0.0.1:{port}"),
    (orchestrator,  "huge",      UNK,    "reply too large"),
    (prometheus,    "refused",   CRIT,   "connection refused by 127.0.0.1:{port}"),
    (prometheus,    "blackhole", CRIT,   "no answer from 127.0.0.1:{port} within 1s"),
    (prometheus,    "slow",      CRIT,   "no answer from 127.0.0.1:{port} within 1s"),
    (prometheus,    "http_500",  CRIT,   "Prometheus readiness: HTTP 500"),
    (prometheus,    "garbage",   UNK,    "bad HTTP from 127.0.0.1:{port}"),
    (prometheus,    "not_json",  UNK,    "answered 200 but not as Prometheus does"),
    (prometheus,    "wrong_shape", UNK,  "answered 200 but not as Prometheus does"),
    (prometheus,    "truncated", UNK,    "truncated reply from 127.0.0.1:{port}"),
    (prometheus,    "huge",      UNK,    "reply too large"),
    (sla,           "refused",   UNK,    "SLA unknown: connection refused by 127.0.0.1:{port}"),
    (sla,           "blackhole", UNK,    "SLA unknown: no answer from 127.0.0.1:{port} within 1s"),
    (sla,           "slow",      UNK,    "SLA unknown: no answer from 127.0.0.1:{port} within 1s"),
    (sla,           "http_500",  UNK,    "SLA unknown: Prometheus query: HTTP 500"),
    (sla,           "garbage",   UNK,    "SLA unknown: bad HTTP from 127.0.0.1:{port}"),
    (sla,           "not_json",  UNK,    "SLA unknown: malformed Prometheus reply: not JSON"),
    (sla,           "wrong_shape", UNK,  "SLA unknown: unexpected Prometheus reply"),
    (sla,           "truncated", UNK,    "SLA unknown: truncated reply from 127.0.0.1:{port}"),
    (sla,           "huge",      UNK,    "SLA unknown: reply too large"),
    (alertmanager,  "refused",   CRIT,   "connection refused by 127.0.0.1:{port}"),
    (alertmanager,  "blackhole", CRIT,   "no answer from 127.0.0.1:{port} within 1s"),
    (alertmanager,  "slow",      CRIT,   "no answer from 127.0.0.1:{port} within 1s"),
    (alertmanager,  "http_500",  CRIT,   "from 127.0.0.1:{port}: HTTP 500 (internal error)"),
    (alertmanager,  "garbage",   UNK,    "bad HTTP from 127.0.0.1:{port}"),
    (alertmanager,  "not_json",  UNK,    "reply from 127.0.0.1:{port}: not JSON"),
    (alertmanager,  "wrong_shape", UNK,  "unexpected alerts reply from 127.0.0.1:{port}: Expected `array`"),
    (alertmanager,  "truncated", UNK,    "truncated reply from 127.0.0.1:{port}"),
    (alertmanager,  "huge",      UNK,    "reply too large"),
    (grafana,       "refused",   CRIT,   "connection refused by 127.0.0.1:{port}"),
    (grafana,       "blackhole", CRIT,   "no answer from 127.0.0.1:{port} within 1s"),
    (grafana,       "slow",      CRIT,   "no answer from 127.0.0.1:{port} within 1s"),
    (grafana,       "http_500",  CRIT,   "Grafana health: HTTP 500 (internal error)"),
    (grafana,       "garbage",   UNK,    "bad HTTP from 127.0.0.1:{port}"),
    (grafana,       "not_json",  UNK,    "malformed Grafana health reply: not JSON"),
    (grafana,       "wrong_shape", UNK,  "unexpected Grafana health reply: no database field"),
    (grafana,       "truncated", UNK,    "truncated reply from 127.0.0.1:{port}"),
    (grafana,       "huge",      UNK,    "reply too large"),
    (mysql,         "refused",   CRIT,   "MySQL at 127.0.0.1:{port} refused the connection"),
    (mysql,         "blackhole", CRIT,   "MySQL at 127.0.0.1:{port} did not answer within 1s"),
    (mysql,         "slow",      CRIT,   "MySQL at 127.0.0.1:{port} did not answer within 1s"),
    (mysql,         "garbage",   CRIT,   "MySQL at 127.0.0.1:{port} sent a reply that is not the MySQL protocol"),
    (mysql,         "truncated", CRIT,   "lost the connection to MySQL at 127.0.0.1:{port} mid-reply"),
    (redis,         "refused",   CRIT,   "Redis at 127.0.0.1:{port}/0 refused the connection"),
    (redis,         "blackhole", CRIT,   "Redis at 127.0.0.1:{port}/0 did not answer within 1s"),
    (redis,         "slow",      CRIT,   "Redis at 127.0.0.1:{port}/0 did not answer within 1s"),
    (redis,         "garbage",   CRIT,   "Redis at 127.0.0.1:{port}/0 sent a reply that is not the Redis protocol"),
    (redis,         "truncated", CRIT,   "Redis at 127.0.0.1:{port}/0 closed the connection mid-reply"),
    (temporal,      "refused",   CRIT,   "Temporal at 127.0.0.1:{port} refused the connection"),
    # gRPC reports a silent peer either way, depending on when the deadline strikes
    (temporal,      "blackhole", CRIT,   ANSWERLESS),
    (temporal,      "slow",      CRIT,   ANSWERLESS),
    (temporal,      "garbage",   CRIT,   "Temporal at 127.0.0.1:{port} does not speak gRPC"),
    (temporal,      "truncated", CRIT,   "Temporal at 127.0.0.1:{port} closed the connection mid-reply"),
    (port,          "refused",   CRIT,   "nothing listening on 127.0.0.1:{port} (connection refused)"),
    # a port check only asks "does it accept?": a server that then says nothing still does
    (port,          "blackhole", OK,     "accepting connections"),
]
# fmt: on

CUT_FOR = {mysql: MYSQL_CUT, redis: REDIS_CUT, temporal: GRPC_CUT}


@pytest.mark.parametrize(
    ("factory", "fault", "status", "phrase"),
    MATRIX,
    ids=[f"{factory.__name__}-{fault}" for factory, fault, _, _ in MATRIX],
)
async def test_fault(factory, fault, status, phrase):
    options = {"truncated": CUT_FOR[factory]} if factory in CUT_FOR else {}
    with FaultServer(fault, delay=TIMEOUT + 2, **options) as server:
        source = factory(server)
        started = time.monotonic()
        try:
            result = await source.probe()
        finally:
            await source.close()
        took = time.monotonic() - started
    assert result.status is status, result.detail
    phrases = phrase if isinstance(phrase, tuple) else (phrase,)
    assert any(p.format(port=server.port) in result.detail for p in phrases), result.detail
    assert took <= TIMEOUT + 1, f"took {took:.2f}s"
    if fault == "huge":
        # the client hung up near its 8 MiB cap (plus socket buffers), not after 50 MB
        assert server.huge_sent < HUGE_BYTES // 2
