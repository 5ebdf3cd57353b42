"""The SLA report as Markdown (for a ticket) and as one self-contained HTML file.

The HTML has inline CSS and inline SVG charts, no script and nothing fetched from the
network, and prints well. Text that came from outside (war-room names and actions,
Prometheus's error sentences) is cleaned and escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from console.text import clean

_WORDS = {
    "OK": "OK",
    "AT_RISK": "AT RISK",
    "BREACHED": "BREACHED",
    "UNKNOWN": "UNKNOWN",
    "OPEN": "OPEN",
}


def word(status: str | None) -> str:
    return _WORDS.get(status or "UNKNOWN", "UNKNOWN")


def pct(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "unknown"
    from console.sla import availability_text

    return availability_text(value, 99.9) if digits == 3 else f"{value:.{digits}f}%"


def num(value: float | None, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "unknown"
    return f"{value:.{digits}f}{unit}"


def span(seconds: float | None) -> str:
    if seconds is None:
        return "still open"
    from console.clock import format_span

    return format_span(seconds, exact=True)


def _rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(indicator, actual, target, status) for the window."""
    st = data["statuses"]
    budget = data["error_budget_minutes"]
    rec = data["recovery"]
    return [
        (
            "Availability",
            pct(data["actual_availability_percent"]),
            f"≥ {data['target_availability_percent']}%",
            word(st.get("availability")),
        ),
        (
            "Error budget (min)",
            f"spent {num(budget['spent'])} of {num(budget['allowed'])}, left {num(budget['left'])}",
            f"burn {num(data['burn_rate'], '×')}",
            word(st.get("availability")),
        ),
        (
            "P95 latency",
            num(data["p95_latency_seconds"], " s"),
            f"≤ {data['target_p95_latency_seconds']} s",
            word(st.get("p95_latency")),
        ),
        (
            "Error rate",
            num(data["error_rate_percent"], "%", 3),
            f"≤ {data['target_error_rate_percent']}%",
            word(st.get("error_rate")),
        ),
        (
            "Recovery (longest)",
            span(rec["max_seconds"]) if rec["max_seconds"] is not None else "no incident",
            f"≤ {span(rec['target_seconds'])}",
            word(st.get("recovery")),
        ),
    ]


def _md(value: Any) -> str:
    return clean(value, 300).replace("|", "\\|").replace("`", "'").replace("<", "&lt;")


def markdown(data: dict[str, Any], *, environment: str = "") -> str:
    """The report as GitHub-flavoured Markdown, for pasting into a ticket."""
    w = data["window"]
    out = [
        f"## GENESIS SLA report: last {w['days']} day{'s' * (w['days'] != 1)} — {word(data['status'])}",
        "",
        f"Window {w['start']} to {w['end']} (UTC)"
        + (f", environment {_md(environment)}" if environment else "")
        + f". Monitored {data['monitored_minutes']:,} min"
        + (
            f", {data['unmonitored_minutes']:,} min without Prometheus data (left out)"
            if data.get("unmonitored_minutes")
            else ""
        )
        + ".",
        "",
        "| indicator | actual | target | status |",
        "|---|---|---|---|",
    ]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in _rows(data)]
    for key, error in (data.get("errors") or {}).items():
        out += ["", f"> {_md(key)}: {_md(error)}"]
    if data["days"]:
        out += [
            "",
            "### Per day",
            "",
            "| date | availability | down (min) | budget left (min) | burn | p95 (s) | errors | status |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for d in data["days"]:
            out.append(
                f"| {d['date']} | {pct(d['availability_percent'])} | {num(d['downtime_minutes'])} "
                f"| {num(d['error_budget_minutes']['left'])} | {num(d['burn_rate'], '×')} "
                f"| {num(d['p95_latency_seconds'])} | {num(d['error_rate_percent'], '%', 3)} "
                f"| {word(d['status'])} |"
            )
    out += ["", "### Incidents", ""]
    if data["incidents"]:
        out += [
            "| class | start | end | down (min) | recovery | who | actions |",
            "|---|---|---|---|---|---|---|",
        ]
        for i in data["incidents"]:
            out.append(
                f"| {_md(i['class'] or '-')} | {i['start']} | {i['end'] or 'open'} "
                f"| {num(i['down_minutes'])} | {span(i['recovery_seconds'])} ({word(i['recovery_status'])}) "
                f"| {_md(', '.join(i['who'])) or '-'} | {_md('; '.join(i['actions'])) or '-'} |"
            )
    else:
        out.append("None in the window.")
    if data["worst_hours"]:
        out += [
            "",
            "### Worst hours",
            "",
            "| hour (UTC) | down (min) | availability |",
            "|---|---|---|",
        ]
        out += [
            f"| {h['start']} | {num(h['downtime_minutes'])} | {pct(h['availability_percent'])} |"
            for h in data["worst_hours"]
        ]
    out += ["", f"_Availability: {_md(data.get('definition', ''))}._", ""]
    return "\n".join(out)


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;margin:2rem auto;max-width:60rem;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de}
.muted{color:#57606a}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:.6rem;font-weight:600;border:1px solid}
.OK{color:#116329;border-color:#116329}.AT_RISK{color:#9a6700;border-color:#9a6700}
.BREACHED,.OPEN{color:#b3261e;border-color:#b3261e}.UNKNOWN{color:#57606a;border-color:#57606a}
svg{max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#57606a}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}table,svg{break-inside:avoid}}
"""


def _badge(status: str | None) -> str:
    s = status if status in _WORDS else "UNKNOWN"
    return f'<span class="badge {s}">{word(s)}</span>'


def availability_chart(data: dict[str, Any]) -> str:
    """Bars of each day's availability against the target line (inline SVG)."""
    days = data["days"]
    if not days:
        return ""
    target: float = data["target_availability_percent"]
    known: list[float] = [
        d["availability_percent"] for d in days if d["availability_percent"] is not None
    ]
    floor = min([target - (100 - target), *known]) if known else target - 0.1
    floor = max(0.0, floor - (100 - floor) * 0.1)
    width, height, left, top, bottom = 720, 200, 48, 10, 30
    plot_h = height - top - bottom
    bar_w = (width - left - 10) / len(days)

    def y(v: float) -> float:
        return top + plot_h * (100 - v) / (100 - floor)

    parts = [
        f'<svg class="chart" id="availability-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>Availability per day against the {target}% target</title>',
        f'<text x="2" y="{y(100) + 4:.1f}">100%</text>',
        f'<text x="2" y="{y(floor) + 4:.1f}">{floor:.2f}%</text>',
    ]
    for k, d in enumerate(days):
        x = left + k * bar_w
        v = d["availability_percent"]
        if v is None:
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{top}" width="{bar_w - 2:.1f}" height="{plot_h}" '
                f'fill="#eaeef2"><title>{d["date"]}: unknown</title></rect>'
            )
            continue
        colour = {"BREACHED": "#b3261e", "AT_RISK": "#bf8700"}.get(
            d["statuses"]["availability"], "#2da44e"
        )
        parts.append(
            f'<rect class="bar" data-date="{d["date"]}" x="{x + 1:.1f}" y="{y(v):.1f}" '
            f'width="{max(bar_w - 2, 1):.1f}" height="{top + plot_h - y(v):.1f}" fill="{colour}">'
            f"<title>{d['date']}: {escape(pct(v))}</title></rect>"
        )
        if len(days) <= 31 and (k % max(1, len(days) // 10) == 0):
            parts.append(f'<text x="{x:.1f}" y="{height - 12}">{d["date"][5:]}</text>')
    parts.append(
        f'<line x1="{left}" x2="{width - 10}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
        f'stroke="#1b1f24" stroke-dasharray="4 3"/>'
        f'<text x="{width - 120}" y="{y(target) - 4:.1f}">target {target}%</text></svg>'
    )
    return "".join(parts)


def budget_chart(data: dict[str, Any]) -> str:
    """The error budget left, day by day, as a line from the window's start (inline SVG)."""
    days = data["days"]
    allowed: float = data["error_budget_minutes"]["allowed"]
    if not days or not allowed:
        return ""
    width, height, left, top, bottom = 720, 160, 48, 10, 20
    plot_h = height - top - bottom
    left_min = allowed
    points = [(0, left_min)]
    for k, d in enumerate(days, 1):
        spent = d["error_budget_minutes"]["spent"]
        left_min -= spent or 0.0
        points.append((k, left_min))
    lowest = min(0.0, *(p[1] for p in points))
    step = (width - left - 10) / len(days)

    def y(v: float) -> float:
        return top + plot_h * (allowed - v) / (allowed - lowest or 1)

    path = " ".join(f"{left + k * step:.1f},{y(v):.1f}" for k, v in points)
    return (
        f'<svg class="chart" id="budget-chart" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg"><title>Error budget left over the window</title>'
        f'<text x="2" y="{y(allowed) + 4:.1f}">{allowed:.1f}</text>'
        f'<text x="2" y="{y(0) + 4:.1f}">0 min</text>'
        f'<line x1="{left}" x2="{width - 10}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#b3261e" '
        'stroke-dasharray="4 3"/>'
        f'<polyline fill="none" stroke="#0969da" stroke-width="2" points="{path}"/></svg>'
    )


def html(data: dict[str, Any], *, environment: str = "") -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    w = data["window"]
    e = escape
    head = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>GENESIS SLA report, last {w['days']} days</title><style>{_CSS}</style></head><body>"
    )
    body = [
        f"<h1>GENESIS SLA report: last {w['days']} day{'s' * (w['days'] != 1)} {_badge(data['status'])}</h1>",
        f'<p class="muted">Window {e(w["start"])} to {e(w["end"])} (UTC)'
        + (f", environment {e(clean(environment, 100))}" if environment else "")
        + f". Monitored {data['monitored_minutes']:,} min"
        + (
            f", {data['unmonitored_minutes']:,} min without Prometheus data (left out)"
            if data.get("unmonitored_minutes")
            else ""
        )
        + ".</p>",
        '<table id="summary"><tr><th>indicator</th><th>actual</th><th>target</th><th>status</th></tr>',
    ]
    for a, b, c, d in _rows(data):
        body.append(
            f'<tr><td>{e(a)}</td><td class="n">{e(b)}</td><td>{e(c)}</td>'
            f"<td>{_badge({v: k for k, v in _WORDS.items()}.get(d, 'UNKNOWN'))}</td></tr>"
        )
    body.append("</table>")
    for key, error in (data.get("errors") or {}).items():
        body.append(f'<p class="UNKNOWN">{e(clean(key, 40))}: {e(clean(error, 400))}</p>')
    if data["days"]:
        body += ["<h2>Availability per day</h2>", availability_chart(data)]
        body += ["<h2>Error budget left</h2>", budget_chart(data)]
        body.append(
            '<h2>Per day</h2><table id="days"><tr><th>date</th><th>availability</th><th>down (min)</th>'
            "<th>budget left (min)</th><th>burn</th><th>p95 (s)</th><th>errors</th><th>status</th></tr>"
        )
        for d in data["days"]:
            body.append(
                f'<tr><td>{d["date"]}</td><td class="n">{e(pct(d["availability_percent"]))}</td>'
                f'<td class="n">{num(d["downtime_minutes"])}</td>'
                f'<td class="n">{num(d["error_budget_minutes"]["left"])}</td>'
                f'<td class="n">{e(num(d["burn_rate"], "×"))}</td>'
                f'<td class="n">{num(d["p95_latency_seconds"])}</td>'
                f'<td class="n">{e(num(d["error_rate_percent"], "%", 3))}</td>'
                f"<td>{_badge(d['status'])}</td></tr>"
            )
        body.append("</table>")
    body.append("<h2>Incidents</h2>")
    if data["incidents"]:
        body.append(
            '<table id="incidents"><tr><th>class</th><th>start</th><th>end</th><th>down (min)</th>'
            "<th>recovery</th><th>who</th><th>actions</th></tr>"
        )
        for i in data["incidents"]:
            body.append(
                f"<tr><td>{e(clean(i['class'] or '-', 10))}</td><td>{e(i['start'])}</td>"
                f'<td>{e(i["end"] or "open")}</td><td class="n">{num(i["down_minutes"])}</td>'
                f"<td>{e(span(i['recovery_seconds']))} {_badge(i['recovery_status'])}</td>"
                f"<td>{e(clean(', '.join(i['who']), 300)) or '-'}</td>"
                f"<td>{'<br>'.join(e(clean(a, 200)) for a in i['actions']) or '-'}</td></tr>"
            )
        body.append("</table>")
    else:
        body.append("<p>None in the window.</p>")
    if data["worst_hours"]:
        body.append(
            '<h2>Worst hours</h2><table id="worst-hours"><tr><th>hour (UTC)</th><th>down (min)</th>'
            "<th>availability</th></tr>"
        )
        body += [
            f'<tr><td>{h["start"]}</td><td class="n">{num(h["downtime_minutes"])}</td>'
            f'<td class="n">{e(pct(h["availability_percent"]))}</td></tr>'
            for h in data["worst_hours"]
        ]
        body.append("</table>")
    body.append(f'<p class="muted">Availability: {e(clean(data.get("definition", ""), 600))}.</p>')
    return head + "".join(body) + "</body></html>\n"
