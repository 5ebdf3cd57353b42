"""The simulated Prometheus's alerting rules: the shipped rules
(monitoring/alert_rules/genesis.yml) with their expressions, thresholds and texts, each
read from one of the demo world's signals (console.demo.world.CURVES)."""

from __future__ import annotations

from dataclasses import dataclass

#: the orchestrator's Prometheus job
JOB = "genesis-orchestrator"


@dataclass(frozen=True)
class AlertRule:
    """One alerting rule of the simulated Prometheus."""

    name: str
    severity: str
    expr: str
    signal: str
    below: bool  # fires when the signal is below the threshold (else above)
    threshold: float
    for_seconds: float
    summary: str  # formatted with {instance}
    description: str  # formatted with {value} and {instance}


#: the error-rate and P95 expressions of monitoring/alert_rules/genesis.yml, on one line
_ERROR_RATE = (
    f'100 * sum by (job) (rate(genesis_orchestrator_failed_runs{{job="{JOB}"}}[5m])) '
    f'/ sum by (job) (rate(genesis_orchestrator_total_runs{{job="{JOB}"}}[5m]))'
)
_P95 = (
    "histogram_quantile(0.95, sum by (job, le) "
    f'(rate(genesis_orchestrator_request_duration_seconds_bucket{{job="{JOB}"}}[5m])))'
)

#: The shipped rules (monitoring/alert_rules/genesis.yml): the same expressions, thresholds
#: and annotation texts. Only the `for:` waits are compressed so a scenario fits its
#: ten-minute cycle: 30 s for the down alert (as shipped), 60 s for every other rule
#: (2m, 10m and 15m in production).
RULES: tuple[AlertRule, ...] = (
    AlertRule(
        "GenesisOrchestratorDown",
        "critical",
        f'genesis_orchestrator_up{{job="{JOB}"}} == 0 or up{{job="{JOB}"}} == 0 '
        f'or absent(up{{job="{JOB}"}})',
        "up",
        True,
        1.0,
        30.0,
        "GENESIS orchestrator {instance} is down",
        "The orchestrator on {instance} has been down for more than 30 seconds: it reports "
        "itself down, cannot be scraped, or has no scrape target left (value {value:g}).",
    ),
    AlertRule(
        "SLAAvailabilityBreach",
        "critical",
        f'avg_over_time(up{{job="{JOB}"}}[30d]) * 100 < 99.9',
        "availability",
        True,
        99.9,
        60.0,
        "Monthly availability of {instance} is below the 99.9 % SLA",
        "Availability over the last 30 days is {value:.3f} % "
        "(SLA 99.9 %, at most 43.2 minutes down a month).",
    ),
    AlertRule(
        "CriticalFailureRate",
        "critical",
        f"{_ERROR_RATE} > 5",
        "error_rate",
        False,
        5.0,
        60.0,
        "More than 5 % of orchestration runs are failing",
        "{value:.1f} % of orchestration runs failed over the last 5 minutes "
        "(critical above 5 %, SLA 1 %).",
    ),
    AlertRule(
        "CriticalOrchestrationLatency",
        "critical",
        f"{_P95} > 5",
        "p95",
        False,
        5.0,
        60.0,
        "P95 orchestration latency is above 5 s",
        "P95 request latency is {value:.2f} s over the last 5 minutes (critical above 5 s, SLA 2 s).",
    ),
    AlertRule(
        "HighOrchestrationLatency",
        "warning",
        f"{_P95} > 2",
        "p95",
        False,
        2.0,
        60.0,
        "P95 orchestration latency is above the 2 s SLA",
        "P95 request latency is {value:.2f} s over the last 5 minutes (SLA 2 s).",
    ),
    AlertRule(
        "HighFailureRate",
        "warning",
        f"{_ERROR_RATE} > 1",
        "error_rate",
        False,
        1.0,
        60.0,
        "Orchestration failure rate is above the 1 % SLA",
        "{value:.1f} % of orchestration runs failed over the last 5 minutes (SLA 1 %).",
    ),
    AlertRule(
        "StabilityScoreDropped",
        "warning",
        f'genesis_orchestrator_stability_score{{job="{JOB}"}} < 0.85',
        "stability",
        True,
        0.85,
        60.0,
        "Stability score of {instance} dropped below 0.85",
        "The orchestrator stability score is {value:.2f} (warning below 0.85, scale 0 to 1).",
    ),
    AlertRule(
        "RouterEfficiencyLow",
        "warning",
        f'genesis_router_efficiency{{job="{JOB}"}} < 0.7',
        "router_efficiency",
        True,
        0.7,
        60.0,
        "Router efficiency of {instance} is below 0.7",
        "Router efficiency is {value:.2f} (warning below 0.70, scale 0 to 1).",
    ),
)
