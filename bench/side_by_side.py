"""Side-by-side benchmark of genesis-console and glances in tmux (`make bench`).

Both run in a private tmux server (`tmux -L bench`) at the same size (160x48 by default)
and are measured from the outside, as a user would run them:

- first paint: from `new-session` to the first capture-pane that shows all four pane
  titles (Alerts, SLA, Services, Host); for glances, its first full screen (its process
  list header under CPU, MEM and LOAD). Polled every 10 ms.
- idle CPU: utime+stime (and the reaped children's cutime+cstime) of the whole process
  tree from /proc/<pid>/stat over a window, as a share of one core. The demo's simulated
  servers run inside the console's process, so they are counted.
- terminal output: bytes per second the program writes to its tmux pane, through
  `tmux pipe-pane`, over the same window.
- 10,000 alerts (bench/am_storm.py speaking Alertmanager v2 on loopback): key-press
  latency (Down, then capture-pane until the cursor row shows the next alert) over 50
  presses while the console refreshes at its default interval, the refresh CPU with no
  key pressed, and RSS.

Each figure is the median of `--runs` runs (3). It is a benchmark, not a test: nothing
fails on a noisy figure. CPU-seconds are robust on a busy machine; wall-clock first
paint and key latency are not (the load average is written next to the figures).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the private tmux server (BENCH_TMUX_SOCKET names another, for two benches at once)
TMUX = ["tmux", "-L", os.environ.get("BENCH_TMUX_SOCKET", "bench"), "-f", "/dev/null"]
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
TITLES = ("Alerts", "SLA", "Services", "Host")
GLANCES_MARKS = ("CPU", "MEM", "LOAD", "TASKS", "Command")


# -- tmux ------------------------------------------------------------------------------


def tmux(*args: str, check: bool = True) -> str:
    done = subprocess.run([*TMUX, *args], capture_output=True, text=True, check=False, timeout=10)
    if check and done.returncode != 0:
        raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def capture(session: str, escapes: bool = False) -> str:
    return tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", session, check=False)


def launch(session: str, command: list[str], env: dict[str, str], size: tuple[int, int]) -> int:
    """Start `command` alone in a new tmux session; its pid (exec'd: no shell between)."""
    line = (
        "exec env -u GENESIS_CONSOLE_CONFIG "
        + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
        + " "
        + shlex.join(command)
    )
    tmux("new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]), line)
    return int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())


def kill(session: str) -> None:
    tmux("kill-session", "-t", session, check=False)


def wait_for(session: str, marks: tuple[str, ...], timeout: float) -> float | None:
    """Seconds until every mark is on the screen (polled every 10 ms), None on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        screen = capture(session)
        if all(mark in screen for mark in marks):
            return time.monotonic() - started
        time.sleep(0.01)
    return None


# -- /proc -----------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name is in parentheses and may hold spaces
    return raw[raw.rindex(")") + 2 :].split()


def tree(root: int) -> list[int]:
    """`root` and every descendant."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def cpu_seconds(root: int) -> float:
    """CPU seconds used so far by the tree (user+system, reaped children included)."""
    total = 0
    for pid in tree(root):
        fields = _stat(pid)
        if fields is not None:
            # fields from state (index 0): utime 11, stime 12, cutime 13, cstime 14
            total += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return total / TICKS


def rss_mb(root: int) -> float:
    total = 0
    for pid in tree(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e6


def watch(session: str, pid: int, seconds: float, out: Path) -> tuple[float, float]:
    """CPU share of one core and output bytes/s of the pane over `seconds`."""
    out.write_bytes(b"")
    tmux("pipe-pane", "-t", session, f"cat >> {shlex.quote(str(out))}")
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    cpu1, wall1 = cpu_seconds(pid), time.monotonic()
    tmux("pipe-pane", "-t", session)  # closes the pipe
    time.sleep(0.2)
    wall = wall1 - wall0
    return 100.0 * (cpu1 - cpu0) / wall, out.stat().st_size / wall


# -- the cases -------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def down_config(folder: Path, alertmanager: str | None = None) -> Path:
    """A production config whose every backend is a closed loopback port (but
    `alertmanager`, when given)."""
    ports = [free_port() for _ in range(8)]
    am = alertmanager or f"http://127.0.0.1:{ports[2]}"
    text = f"""\
environment: production
orchestrator: {{url: "http://127.0.0.1:{ports[0]}"}}
prometheus: {{url: "http://127.0.0.1:{ports[1]}"}}
alertmanager: {{urls: ["{am}"]}}
grafana: {{url: "http://127.0.0.1:{ports[3]}"}}
mysql: {{host: 127.0.0.1, port: {ports[4]}}}
redis: {{url: "redis://127.0.0.1:{ports[5]}/0"}}
temporal: {{address: "127.0.0.1:{ports[6]}"}}
ports: [{ports[0]}, {ports[7]}]
audit: {{path: "{folder / "audit.jsonl"}"}}
"""
    path = folder / ("storm.yaml" if alertmanager else "down.yaml")
    path.write_text(text)
    return path


@dataclass
class Figures:
    first_paint: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    output: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    key_p99: list[float] = field(default_factory=list)
    key_p50: list[float] = field(default_factory=list)


@dataclass
class Settings:
    size: tuple[int, int]
    settle: float
    window: float
    presses: int
    console: list[str]
    glances: list[str]
    folder: Path


def console_env(folder: Path) -> dict[str, str]:
    return {
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_STATE_HOME": str(folder / "state"),
        "TERM": "tmux-256color",
        "COLORTERM": "truecolor",
    }


def run_glances(s: Settings, figures: Figures) -> None:
    session = "glances"
    pid = launch(session, s.glances, console_env(s.folder), s.size)
    try:
        paint = wait_for(session, GLANCES_MARKS, 30)
        if paint is None:
            raise RuntimeError("glances did not draw its screen within 30 s:\n" + capture(session))
        figures.first_paint.append(paint)
        time.sleep(s.settle)
        cpu, output = watch(session, pid, s.window, s.folder / "glances.out")
        figures.cpu.append(cpu)
        figures.output.append(output)
        figures.rss.append(rss_mb(pid))
    finally:
        kill(session)


def run_console(
    s: Settings,
    figures: Figures,
    name: str,
    args: list[str],
    *,
    modal: tuple[str, str] | None = None,
    presses: bool = False,
) -> None:
    session = name
    pid = launch(session, [*s.console, *args], console_env(s.folder), s.size)
    try:
        paint = wait_for(session, TITLES, 60)
        if paint is None:
            raise RuntimeError(f"{name}: no first paint within 60 s:\n" + capture(session))
        figures.first_paint.append(paint)
        time.sleep(s.settle)
        if modal is not None:
            key, mark = modal
            tmux("send-keys", "-t", session, key)
            if wait_for(session, (mark,), 10) is None:
                raise RuntimeError(
                    f"{name}: {key} opened nothing with {mark!r}:\n" + capture(session)
                )
            time.sleep(2.0)
        cpu, output = watch(session, pid, s.window, s.folder / f"{name}.out")
        figures.cpu.append(cpu)
        figures.output.append(output)
        if presses:
            latencies = key_latencies(session, s.presses)
            figures.key_p99.append(percentile(latencies, 99))
            figures.key_p50.append(percentile(latencies, 50))
        figures.rss.append(rss_mb(pid))
    finally:
        kill(session)


CURSOR_ROW = re.compile(r"storm alert (\d{5})")


def cursor_alert(session: str) -> str | None:
    """The storm alert under the cursor: the row whose styling before its text is its own
    (every other row of the table shares one)."""
    prefixes: dict[str, list[str]] = {}
    for line in capture(session, escapes=True).splitlines():
        found = CURSOR_ROW.search(line)
        if found:
            # the Alerts pane's part of the line: the styling up to the summary
            prefixes.setdefault(line[: found.start()].split("│", 1)[-1], []).append(found[1])
    lonely = [numbers[0] for numbers in prefixes.values() if len(numbers) == 1]
    return lonely[0] if len(lonely) == 1 else None


def key_latencies(session: str, count: int) -> list[float]:
    """Seconds from each Down to the screen showing the cursor on another alert."""
    out = []
    for _ in range(count):
        before = cursor_alert(session)
        started = time.monotonic()
        tmux("send-keys", "-t", session, "Down")
        while time.monotonic() - started < 10:
            now = cursor_alert(session)
            if now is not None and now != before:
                break
            time.sleep(0.005)
        out.append(time.monotonic() - started)
        # spread the presses over several refreshes
        time.sleep(0.15 + 0.1 * (len(out) % 3))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# -- report ----------------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value * 1000:,.0f} ms"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "B/s":
        return f"{value:,.0f} B/s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:g}"


def table(results: dict[str, Figures]) -> list[str]:
    g = results["glances"]
    rows = []

    def row(figure, value, unit, base=None, goal="", limit=None):
        ratio = f"{value / base:.2f}×" if value is not None and base else "—"
        met = ""
        if limit is not None and value is not None:
            met = "yes" if value <= limit else "no"
        rows.append(
            f"| {figure} | {fmt(value, unit)} | {fmt(base, unit) if base else '—'} "
            f"| {ratio} | {goal} | {met} |"
        )

    gp, gc, go = median(g.first_paint), median(g.cpu), median(g.output)
    h, d, m, st = (results.get(k) for k in ("healthy", "down", "modal", "storm"))
    if h:
        row("first paint, healthy demo", median(h.first_paint), "ms", gp, "≤ 1.5×", gp * 1.5)
        row("idle CPU, healthy demo (% of a core)", median(h.cpu), "%", gc, "≤ 1×", gc)
        row("idle output, healthy demo", median(h.output), "B/s", go, "≤ 1×", go)
        row("RSS, healthy demo", median(h.rss), "MB", median(g.rss))
    if d:
        row("first paint, every backend down", median(d.first_paint), "ms", gp)
        row("idle CPU, every backend down", median(d.cpu), "%", gc, "≤ 2×", 2 * gc)
        row("idle output, every backend down", median(d.output), "B/s", go)
    if m:
        row("idle CPU, restart confirmation open", median(m.cpu), "%", gc, "≤ 2×", 2 * gc)
        row("idle output, restart confirmation open", median(m.output), "B/s", go)
    if st:
        row("10,000 alerts: first paint", median(st.first_paint), "ms", gp)
        row(
            "10,000 alerts: key press p99 (50 presses)",
            median(st.key_p99),
            "ms",
            None,
            "≤ 100 ms",
            0.1,
        )
        row("10,000 alerts: key press median", median(st.key_p50), "ms")
        row("10,000 alerts: refresh CPU, nothing changed", median(st.cpu), "%", gc, "≤ 10 %", 10.0)
        row("10,000 alerts: RSS", median(st.rss), "MB", None, "≤ 150 MB", 150.0)
    head = [
        "| figure | genesis-console | glances | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    return head + rows


def versions(s: Settings) -> dict[str, str]:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    py = str(Path(s.console[0]).parent / "python")
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "genesis-console": run("git", "-C", str(ROOT), "describe", "--always", "--dirty"),
        "textual": run(py, "-c", "import textual; print(textual.__version__)"),
        "glances": run(s.glances[0], "--version").splitlines()[0] if s.glances else "?",
        "python": platform.python_version(),
        "tmux": run("tmux", "-V"),
        "machine": f"{platform.node()}: {os.cpu_count()} × {cpu}, Linux {platform.release()}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 run, short windows")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (3)")
    parser.add_argument("--window", type=float, default=None, help="idle window, s (30)")
    parser.add_argument("--settle", type=float, default=None, help="wait after paint, s (5)")
    parser.add_argument("--cases", default="healthy,down,modal,storm")
    parser.add_argument("--console", default=str(ROOT / ".venv/bin/genesis-console"))
    parser.add_argument("--glances", default=str(ROOT / ".venv-bench/bin/glances"))
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--output", default=str(ROOT / "bench/results.md"))
    options = parser.parse_args(argv)
    runs = options.runs or (1 if options.quick else 3)
    if shutil.which(options.glances) is None and not Path(options.glances).exists():
        print(f"no glances at {options.glances}: make .venv-bench/.glances", file=sys.stderr)
        return 2
    width, height = (int(n) for n in options.size.split("x"))
    folder = Path(tempfile.mkdtemp(prefix="genesis-bench-"))
    for sub in ("config", "state"):
        (folder / sub).mkdir()
    s = Settings(
        size=(width, height),
        settle=options.settle if options.settle is not None else (3.0 if options.quick else 5.0),
        window=options.window if options.window is not None else (10.0 if options.quick else 30.0),
        presses=20 if options.quick else 50,
        console=[options.console],
        glances=[options.glances, "--disable-check-update"],
        folder=folder,
    )
    cases = [c.strip() for c in options.cases.split(",") if c.strip()]
    results: dict[str, Figures] = {name: Figures() for name in ["glances", *cases]}
    load_before = os.getloadavg()
    tmux("kill-server", check=False)
    tmux("new-session", "-d", "-s", "keep", "-x", str(width), "-y", str(height), "sleep 1000000")
    storm = None
    try:
        if "storm" in cases:
            storm = subprocess.Popen(
                [sys.executable, str(ROOT / "bench/am_storm.py"), "--count", "10000"],
                stdout=subprocess.PIPE,
                text=True,
            )
            storm_url = f"http://127.0.0.1:{storm.stdout.readline().strip()}"
        for run in range(runs):
            print(f"run {run + 1}/{runs}: glances", flush=True)
            run_glances(s, results["glances"])
            for case in cases:
                print(f"run {run + 1}/{runs}: {case}", flush=True)
                if case == "healthy":
                    args = ["demo", "--scenario", "healthy", "--seed", "7"]
                    run_console(s, results[case], case, args)
                elif case == "down":
                    run_console(s, results[case], case, ["--config", str(down_config(folder))])
                elif case == "modal":
                    args = ["--config", str(down_config(folder))]
                    run_console(s, results[case], case, args, modal=("r", "Cancel"))
                elif case == "storm":
                    args = ["--config", str(down_config(folder, storm_url))]
                    run_console(s, results[case], case, args, presses=True)
                else:
                    raise SystemExit(f"unknown case {case!r}")
    finally:
        if storm is not None:
            storm.kill()
        tmux("kill-server", check=False)
    load_after = os.getloadavg()
    lines = table(results)
    print("\n".join(lines))
    info = versions(s)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "quick: 1 run" if options.quick else f"median of {runs} runs"
    doc = [
        "# genesis-console beside glances",
        "",
        f"Measured {now} by `make bench` (bench/side_by_side.py), {mode}, "
        f"tmux {width}x{height}, {s.window:g} s windows after {s.settle:g} s settling.",
        "",
        *lines,
        "",
        "- " + "\n- ".join(f"{k}: {v}" for k, v in info.items()),
        f"- load average before / after: {load_before[0]:.2f} / {load_after[0]:.2f}"
        " (first paint and key latency are wall-clock: a busy machine inflates them; "
        "CPU shares are CPU-seconds from /proc and hold up better)",
        "",
        "Method: each program alone in a private tmux server (`tmux -L bench`), "
        "`TERM=tmux-256color COLORTERM=truecolor`. First paint: `new-session` until "
        "capture-pane (every 10 ms) shows the titles Alerts, SLA, Services and Host "
        "(glances: CPU, MEM, LOAD, TASKS and its process list header). CPU: utime+stime "
        "(+ reaped children) of the whole process tree from /proc/<pid>/stat over the "
        "window, as % of one core; the demo's simulated servers run inside the console. "
        "Output: bytes written to the pane through `tmux pipe-pane` over the same window. "
        "Every backend down: a production config whose every URL is a closed loopback "
        "port. Restart confirmation: that config with `r` pressed (the typed-name "
        "confirmation). 10,000 alerts: bench/am_storm.py serves Alertmanager v2 "
        "(/api/v2/alerts, /silences, /alerts/groups) with 10,000 alerts on loopback, the "
        "other backends down, default refresh (2 s); key press: `Down`, then capture-pane "
        "until the cursor row shows the next alert, 50 presses 0.15-0.35 s apart while "
        "refreshing; CPU is measured before the presses. glances 4.5.8 runs with its "
        "defaults (2 s refresh) from the bench venv.",
        "",
    ]
    Path(options.output).write_text("\n".join(doc))
    print(f"wrote {options.output}")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
