"""The alert filter against a real Alertmanager 0.25: its matchers keep exactly what
Alertmanager's own `filter` keeps, refuse what it refuses, and the @ fields hold."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from console.clock import format_rfc3339
from console.config import AlertmanagerConfig, AlertmanagerUrl, Config
from console.matchers import FilterContext, FilterError, parse_filter
from console.model import AlertmanagerData, ProbeResult, Status
from console.sources.alertmanager import AlertmanagerSource, create_silence
from tests.integration.fixtures_monitoring import start_alertmanager

pytestmark = pytest.mark.stack

ROUTED = """\
route:
  receiver: "null"
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
receivers:
  - name: "null"
  - name: pager
"""

NOW = time.time()
ALERTS = [
    ({"alertname": "HighLatency", "severity": "critical", "instance": "a"}, "p95 over 2s", 1800),
    ({"alertname": "HighErrorRate", "severity": "warning", "instance": "b"}, "errors 3%", 60),
    ({"alertname": "DiskFull", "severity": "info", "instance": "a"}, "disk 91% full", 600),
    ({"alertname": "Multi", "severity": "warning", "note": "a\nb"}, "two lines", 120),
    ({"alertname": "Acked", "severity": "critical", "team": "db"}, "acknowledged", 300),
    ({"alertname": "Quiet", "severity": "warning", "team": "db"}, "silenced", 300),
]


def _post(url: str, body) -> None:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert reply.status == 200


def am_filter(url: str, expression: str, **params) -> tuple[int, set[str]]:
    """What Alertmanager's own `GET /api/v2/alerts?filter=` keeps (status, fingerprints).

    Its API takes one matcher per `filter`: a {a, b} group (no commas in the test's
    values) is sent as one `filter` each."""
    parts = expression.strip("{}").split(",") if expression.startswith("{") else [expression]
    query = urllib.parse.urlencode({"filter": parts, **params}, doseq=True)
    try:
        with urllib.request.urlopen(f"{url}/api/v2/alerts?{query}", timeout=5) as reply:
            return reply.status, {a["fingerprint"] for a in json.load(reply)}
    except urllib.error.HTTPError as exc:
        return exc.code, set()


@pytest.fixture(scope="module")
def am(tmp_path_factory):
    server = start_alertmanager(tmp_path_factory.mktemp("filter-am"))
    (server.proc.log.parent / "alertmanager.yml").write_text(ROUTED)
    _post(server.url + "/-/reload", {})
    ends = format_rfc3339(NOW + 3600)
    _post(
        server.url + "/api/v2/alerts",
        [
            {
                "labels": labels,
                "annotations": {"summary": summary},
                "startsAt": format_rfc3339(NOW - age),
                "endsAt": ends,
            }
            for labels, summary, age in ALERTS
        ],
    )
    yield server
    server.proc.stop()


async def read(url: str, until=lambda data: True) -> ProbeResult:
    source = AlertmanagerSource([url], timeout=3.0)
    try:
        deadline = time.monotonic() + 15
        while True:
            result = await source.probe()
            if (
                result.status is Status.OK
                and len(result.data.alerts) == len(ALERTS)
                and until(result.data)
            ):
                return result
            assert time.monotonic() < deadline, f"alerts not all in: {result.detail}"
            time.sleep(0.2)
    finally:
        await source.close()


def kept(expression: str, data: AlertmanagerData, now: float = NOW, config=None) -> set[str]:
    context = FilterContext.of(now, data.silences, config)
    return {a.fingerprint for a in parse_filter(expression).apply(data.alerts, context)}


@pytest.mark.parametrize(
    "expression",
    [
        'alertname="HighLatency"',
        'alertname=~"High.*"',
        "alertname=~High.*",  # unquoted, as amtool takes it
        'alertname=~"High"',  # anchored: no substring match
        'severity!="info"',
        'severity!~"crit.*|warn.*"',
        'team=""',  # a missing label is the empty string
        'team!=""',
        '{instance="a", severity=~"critical|info"}',
        '{alertname=~"High.*",severity="warning"}',
        'note=~"a.b"',  # RE2 without DOTALL: . does not cross the newline
        'note=~"a\\nb"',  # \\n in a quoted value is a newline
        'note=~"a\\\\nb"',  # the regex \\n
        'alertname=~"(?i)highlatency"',
        'alertname=~"[[:upper:]][[:lower:]]+Full"',
        'alertname=~"Disk.*$"',
    ],
)
async def test_each_operator_keeps_what_alertmanager_keeps(am, expression):
    result = await read(am.url)
    status, expected = am_filter(am.url, expression)
    assert status == 200
    assert kept(expression, result.data) == expected


@pytest.mark.parametrize(
    ("expression", "sentence"),
    [
        ('alertname=~"(?=High).*"', "RE2 does not support lookahead"),
        ('alertname=~"(?<!x)High.*"', "RE2 does not support negative lookbehind"),
        ('alertname=~"(H)\\\\1"', "RE2 does not support backreferences"),
        ('alertname=~"a++"', "possessive"),
        ('alertname=~"(?>a)"', "atomic groups"),
        ('alertname=~"["', "[ without its closing ]"),
        ('alertname=~"(High"', "not a regular expression"),
        ('alertname="High', "missing its closing double quote"),
        ('alertname="Hi"gh"', "not escaped"),
        ("1alertname=x", "not a label name"),
    ],
)
async def test_what_alertmanager_refuses_is_refused_with_a_sentence(am, expression, sentence):
    status, _ = am_filter(am.url, expression)
    assert status == 400  # Alertmanager refuses it too
    with pytest.raises(FilterError) as refused:
        parse_filter(expression)
    text = str(refused.value)
    assert sentence in text and "\n" not in text and "Traceback" not in text


async def test_state_age_receiver_alertmanager_and_words(am):
    url = am.url
    acked = await create_silence(
        url,
        [{"name": "alertname", "value": "Acked", "isRegex": False, "isEqual": True}],
        time.time(),
        time.time() + 600,
        "alice",
        "ACK by alice: looking at the db",
        timeout=3,
    )
    await create_silence(
        url,
        [{"name": "alertname", "value": "Quiet", "isRegex": False, "isEqual": True}],
        time.time(),
        time.time() + 600,
        "bob",
        "maintenance",
        timeout=3,
    )
    result = await read(
        url, lambda d: sum(a.display_state in ("silenced", "acked") for a in d.alerts) == 2
    )
    data = result.data
    by_name = {a.name: a.fingerprint for a in data.alerts}
    assert acked in {s.id for s in data.silences}

    def names(expression: str, **kwargs) -> set[str]:
        return {n for n, f in by_name.items() if f in kept(expression, data, **kwargs)}

    assert names("@state=acked") == {"Acked"}
    assert names("@state=silenced") == {"Quiet"}
    assert names("@state=silenced|acked") == {"Acked", "Quiet"}
    assert names("@state!=active") == {"Acked", "Quiet"}
    # Alertmanager's own view of what is silenced (acked or not) agrees
    _, silenced = am_filter(url, 'alertname=~".+"', active="false", inhibited="false")
    assert {n for n, f in by_name.items() if f in silenced} == {"Acked", "Quiet"}

    assert names("@age>15m") == {"HighLatency"}
    assert names("@age<3m") == {"HighErrorRate", "Multi"}
    assert names("@age<=6m") == {"HighErrorRate", "Multi", "Acked", "Quiet"}
    assert names("@age>=5m @age<15m") == {"DiskFull", "Acked", "Quiet"}

    # receivers as Alertmanager routed them (critical → pager)
    _, paged = am_filter(url, 'alertname=~".+"', receiver="pager")
    assert kept("@receiver=pager", data) == paged
    assert names("@receiver=pager") == {"HighLatency", "Acked"}
    assert names('@receiver=~"nu.*" severity="warning"') == {"HighErrorRate", "Multi", "Quiet"}

    # an Alertmanager by its configured name, its URL, or its host:port
    config = Config(alertmanager=AlertmanagerConfig(urls=[AlertmanagerUrl(url=url, name="eu")]))
    assert names("@alertmanager=eu", config=config) == set(by_name)
    assert names("@alertmanager=us", config=config) == set()
    host = url.removeprefix("http://")
    assert names(f"@alertmanager={host} DiskFull") == {"DiskFull"}

    # bare words: name or summary, any case; quoted phrases
    assert names("latency") == {"HighLatency"}
    assert names('"91% full"') == {"DiskFull"}
    assert names('errors severity="warning"') == {"HighErrorRate"}


async def test_check_counts_only_what_the_filter_keeps(am):
    from console.commands import _alerts_sentence, alert_counts, verdict

    result = await read(am.url)
    all_counts = alert_counts([result])
    counts = alert_counts([result], parse_filter('team="db"'))
    assert all_counts["critical"] >= 1
    assert counts["filter"] == 'team="db"' and counts["total"] == len(ALERTS)
    assert counts["matched"] == 2
    assert "of 6 alerts" in _alerts_sentence(counts, [result])
    quiet = alert_counts([result], parse_filter('severity="info"'))
    assert quiet["critical"] == 0 and quiet["warning"] == 0
    assert verdict([result], quiet) is Status.OK
    assert verdict([result], alert_counts([result], parse_filter("HighLatency"))) in (
        Status.CRITICAL,
    )


def test_check_with_a_bad_filter_says_one_sentence_and_unknown(capsys):
    from console.cli import main

    code = main(["check", "--filter", 'alertname=~"(?=x)"'])
    err = capsys.readouterr().err
    assert code == 3
    assert "RE2 does not support lookahead" in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if "--filter" in line]) == 1
