"""Hostile config files (issue 10, attacks 16 and 17): refused quickly, rc 2, a message
naming the file, key and line, never a traceback, a long wait or gigabytes of memory."""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import pytest

from console.cli import main
from console.config import MAX_NODES, ConfigError, load_config, parse_config

#: the attack as reported: an alias inside its own anchor
RECURSIVE = "environment: &a [*a]\n"


def billion_laughs() -> str:
    """The classic ~300-byte file whose aliases expand to 9**9 strings."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def merge_laughs() -> str:
    """The same through merge keys: each mapping merges the one before nine times."""
    text = "l0: &l0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}\n"
    for i in range(1, 9):
        text += f"l{i}: &l{i} {{<<: [" + ",".join([f"*l{i - 1}"] * 9) + "]}\n"
    return text


def _limit_memory() -> None:  # without the bounds a laughs file eats gigabytes
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def run_cli(*args: str, timeout: float = 20) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        preexec_fn=_limit_memory,
    )
    return done.returncode, done.stderr, time.monotonic() - started


COMMANDS = [
    pytest.param(["validate", "{}"], id="validate"),
    pytest.param(["check", "--config", "{}"], id="check"),
    pytest.param(["--config", "{}"], id="tui"),
    pytest.param(["timeline", "--config", "{}"], id="timeline"),
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("text", "phrase", "line"),
    [
        pytest.param(RECURSIVE, "alias *a refers to a value that contains it", 1, id="recursive"),
        pytest.param(billion_laughs(), f"expands to more than {MAX_NODES} values", 5, id="laughs"),
    ],
)
def test_every_command_refuses_alias_bombs_fast_with_rc_2(tmp_path, command, text, phrase, line):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    assert len(text.encode()) < 400
    rc, err, took = run_cli(*[part.format(path) for part in command])
    assert rc == 2, err
    assert f"config error: {path}:{line}: refused: " in err
    assert phrase in err
    assert "Traceback" not in err
    assert took < 10  # about a second (slack for a loaded CI machine); was 55 s and 3.5 GB


def test_an_oversize_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("environment: staging\n" + "# padding\n" * 30_000)  # ~300 KiB
    rc, err, took = run_cli("validate", str(path))
    assert rc == 2
    assert f"{path}: refused: larger than 256 KiB" in err
    assert "Traceback" not in err
    # a file that never ends is refused too, not read into memory
    rc, err, took = run_cli("validate", "/dev/zero", timeout=10)
    assert (rc, "Traceback" in err) == (2, False)
    assert "/dev/zero: refused: larger than 256 KiB" in err


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        (merge_laughs(), 4, f"expands to more than {MAX_NODES} values"),
        ("a: &a {<<: *a}\n", 1, "alias *a refers to a value that contains it"),
        ("x: &x [a, [b, *x]]\n", 1, "alias *x refers to a value that contains it"),
        ("environment: " + "[" * 500 + "]" * 500 + "\n", 1, "nested more than 64 levels"),
        ("environment: " + "{a: " * 500 + "1" + "}" * 500 + "\n", 1, "nested more than 64"),
        ("ports: [" + "1," * (MAX_NODES + 10) + "1]\n", 1, f"more than {MAX_NODES} values"),
        ("environment: 2024-13-45\n", 1, "not a usable value: month must be in 1..12"),
        ("mysql:\n  port: 1" + "0" * 5000 + "\n", 2, "not a usable value"),
    ],
    ids=[
        "merge-laughs",
        "self-merge",
        "deep-recursion",
        "deep-list",
        "deep-map",
        "wide",
        "date",
        "int",
    ],
)
def test_structural_bombs_and_unusable_scalars_are_refused_with_the_line(
    tmp_path, capsys, text, line, phrase
):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    started = time.monotonic()
    assert main(["validate", str(path)]) == 2
    assert time.monotonic() - started < 3
    err = capsys.readouterr().err
    assert f"{path}:{line}: refused: " in err
    assert phrase in err


@pytest.mark.parametrize("kind", ["themes", "keymaps"])
def test_theme_and_keymap_files_are_loaded_with_the_same_bounds(tmp_path, kind):
    folder = tmp_path / kind
    folder.mkdir()
    (folder / "bomb.yaml").write_text(billion_laughs())
    (folder / "loop.yaml").write_text("quit: &a [*a]\n")
    rc, err, _ = run_cli("validate", str(folder / "bomb.yaml"))
    assert (rc, "Traceback" in err) == (2, False)
    assert "expands to more than" in err
    rc, err, _ = run_cli("validate", str(folder / "loop.yaml"))
    assert (rc, "Traceback" in err) == (2, False)
    assert "refers to a value that contains it" in err


def test_anchors_aliases_and_merge_keys_within_bounds_still_work():
    config = parse_config(
        "prometheus:\n  job: &job genesis-orchestrator\n"
        "orchestrator:\n  name: *job\n"
        "mysql:\n"
        "  <<: {host: db1, port: 3307, user: reader}\n"
        "  port: 3308\n"
    )
    assert config.orchestrator.name == "genesis-orchestrator"
    assert (config.mysql.host, config.mysql.port, config.mysql.user) == ("db1", 3308, "reader")
    # an explicit key wins over a merged one, and an error still names the right line
    with pytest.raises(ConfigError) as caught:
        parse_config("mysql:\n  <<: {port: 3307}\n  port: 99999\n", "c.yaml")
    assert (caught.value.key, caught.value.line) == ("mysql.port", 3)


# --- attack 17: values that passed `validate` and broke the console later ---


@pytest.mark.parametrize(
    ("text", "key", "line", "phrase"),
    [
        ('audit:\n  path: "/tmp/audit\\0.jsonl"\n', "audit.path", 2, "\\x00 (NUL)"),
        ("audit:\n  path: ''\n", "audit.path", 2, "must not be empty"),
        ('orchestrator:\n  restart_command: [""]\n', "orchestrator.restart_command[0]", 2, "empty"),
        (
            "orchestrator:\n  restart_command: ['  ', x]\n",
            "orchestrator.restart_command[0]",
            2,
            "empty",
        ),
        (
            'orchestrator:\n  restart_command: [systemctl, "re\\0start"]\n',
            "orchestrator.restart_command[1]",
            2,
            "NUL",
        ),
        ('alertmanager:\n  urls: ["http://a b"]\n', "alertmanager.urls[0]", 2, "spaces"),
        (
            "alertmanager:\n  urls:\n    - http://a:9093\n    - http://:9093\n",
            "alertmanager.urls[1]",
            4,
            "names no host",
        ),
        ("alertmanager:\n  urls: ['http://a:0']\n", "alertmanager.urls[0]", 2, "1 to 65535"),
        ("alertmanager:\n  urls: ['http://a:x']\n", "alertmanager.urls[0]", 2, "1 to 65535"),
        ("alertmanager:\n  urls: ['http://a<b>']\n", "alertmanager.urls[0]", 2, "host may hold"),
        ("redis:\n  url: redis://h:99999\n", "redis.url", 2, "1 to 65535"),
        ("redis:\n  url: redis://h:6379/zero\n", "redis.url", 2, "database number"),
        ("warroom:\n  redis_url: 'rediss://h:70000/0'\n", "warroom.redis_url", 2, "1 to 65535"),
        ("orchestrator:\n  url: http://h:65536\n", "orchestrator.url", 2, "1 to 65535"),
        ('grafana:\n  url: "http://h:3000/a\\tb"\n', "grafana.url", 2, "\\x09"),
        (
            "escalation:\n  pagerduty:\n    url: 'https://:443/v2'\n",
            "escalation.pagerduty.url",
            3,
            "names no host",
        ),
        ("temporal:\n  address: h:99999\n", "temporal.address", 2, "1 to 65535"),
        ("mysql:\n  host: 'db 1'\n", "mysql.host", 2, "host name may hold"),
        ("orchestrator:\n  name: ''\n", "orchestrator.name", 2, "must not be empty"),
        ('environment: "prod\\e[2J"\n', "environment", 1, "\\x1b (ESC)"),
        ('environment: "prod\\u202e"\n', "environment", 1, "U+202E"),
        ('sla:\n  queries:\n    availability: "up\\0"\n', "sla.queries.availability", 3, "NUL"),
    ],
)
def test_values_that_would_break_the_console_later_are_refused_naming_the_key(
    text, key, line, phrase
):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.yaml")
    error = caught.value
    assert (error.key, error.line) == (key, line), str(error)
    assert phrase in error.message
    assert "Traceback" not in str(error)


def test_validate_reports_the_attack_17_file_with_rc_2(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text('environment: staging\naudit:\n  path: "/tmp/a\\0b"\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: audit.path: contains the control character \\x00 (NUL)" in err
    assert "\x00" not in err
    # the same file no longer reaches an action: every command refuses it
    assert main(["check", "--config", str(path)]) == 2


def test_a_url_error_never_repeats_the_url_which_may_hold_a_password():
    with pytest.raises(ConfigError) as caught:
        parse_config("redis:\n  url: 'redis://:hunter2@h:99999/0'\n")
    assert "hunter2" not in str(caught.value)


def test_unusual_but_valid_values_are_still_accepted(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "alertmanager:\n  urls: ['http://[::1]:9093', 'https://am.example:443/prefix?x=1']\n"
        "redis:\n  url: 'rediss://:secret@redis.internal:6380/1'\n"
        "mysql:\n  host: '::1'\n"
        'orchestrator:\n  restart_command: [sh, -c, "systemctl restart x\\necho done"]\n'
        "sla:\n  queries:\n    availability: |\n      avg_over_time(up[30d])\n        * 100\n"
        "warroom:\n  redis_url: redis://127.0.0.1:6379\n"
    )
    config = load_config(path)
    assert config.alertmanager.urls[0] == "http://[::1]:9093"
    assert config.orchestrator.restart_command[2] == "systemctl restart x\necho done"
    assert "\n" in config.sla.queries["availability"]
