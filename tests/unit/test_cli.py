"""The command line (issue 14): global options anywhere, a typo named as such, help
pages that explain, and `demo --config` taking only the look and feel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from console import commands
from console.cli import build_command_parser, main
from console.clock import parse_duration


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def empty_stack(tmp_path: Path) -> Path:
    """A config pointing at nothing (port 9 refuses): check answers quickly, CRITICAL."""
    return write(
        tmp_path / "config.yaml",
        {
            "timeout_seconds": 0.5,
            "orchestrator": {"url": "http://127.0.0.1:9"},
            "prometheus": {"url": "http://127.0.0.1:9"},
            "alertmanager": {"urls": ["http://127.0.0.1:9"]},
            "grafana": {"url": "http://127.0.0.1:9"},
            "mysql": {"port": 9},
            "redis": {"url": "redis://127.0.0.1:9/0"},
            "temporal": {"address": "127.0.0.1:9"},
            "ports": [9],
        },
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{cfg}", "check", "--format", "json"],
        ["check", "--config", "{cfg}", "--format", "json"],
        ["--config={cfg}", "check", "--format", "json"],
    ],
)
def test_global_options_go_before_or_after_the_command(argv, empty_stack, capsys):
    code = main([a.replace("{cfg}", str(empty_stack)) for a in argv])
    out = capsys.readouterr()
    assert "unrecognized arguments" not in out.err
    report = json.loads(out.out)
    assert code in (2, 3) and report["status"] in ("CRITICAL", "UNKNOWN")
    assert {c["name"] for c in report["checks"]} >= {"orchestrator", "port:9"}


def test_a_mistyped_command_is_named_with_a_suggestion_and_the_list(capsys):
    assert main(["chek"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'chek' (did you mean check?)" in err
    assert "unrecognized arguments" not in err
    for name in ("demo", "check", "validate", "timeline", "init"):
        assert f"\n  {name} " in err
    assert main(["--config", "x.yaml", "valdiate"]) == 2
    assert "did you mean validate?" in capsys.readouterr().err


def test_every_subcommand_help_describes_it_and_check_lists_its_exit_codes(capsys):
    for command in ("demo", "check", "validate", "timeline", "init"):
        text = build_command_parser(command).format_help()
        usage, _, rest = text.partition("\n\n")
        assert rest.split("\n")[0] and not rest.startswith("options:"), (command, text)
    check = build_command_parser("check").format_help()
    for code, word in ((0, "OK"), (1, "WARNING"), (2, "CRITICAL"), (3, "UNKNOWN")):
        assert f"{code}  {word}" in check
    assert "--until" in build_command_parser("timeline").format_help()


def test_a_week_is_a_duration():
    assert parse_duration("1w") == 7 * 86400
    assert parse_duration("2w3d") == 17 * 86400


def test_timeline_takes_weeks_and_until(tmp_path, capsys):
    config = write(tmp_path / "c.yaml", {"audit": {"path": str(tmp_path / "a.jsonl")}})
    code = main(["timeline", "--config", str(config), "--since", "2w", "--until", "1w"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "not a duration" not in out.err


def test_demo_config_takes_the_look_and_feel_and_nothing_else(tmp_path):
    real = write(
        tmp_path / "real.yaml",
        {
            "environment": "production",
            "theme": "daylight",
            "keymap": "vim",
            "read_only": True,
            "notifications": {"bell": False},
            "alertmanager": {"urls": ["http://am.real.example:9093"]},
            "audit": {"path": str(tmp_path / "real-audit.jsonl")},
            "warroom": {"redis_url": "redis://redis.real.example:6379/0"},
        },
    )
    for argv in (["demo", "--config", str(real)], ["--config", str(real), "demo"]):
        from console.cli import split_leading_options

        leading, rest = split_leading_options(argv)
        options = build_command_parser(rest[0]).parse_args(leading + rest[1:] + ["--seed", "7"])
        stack, app = commands.demo_app(options, autostart=False)
        try:
            assert app._theme_name == "daylight"
            assert app.keymap_spec["nav_top"] == "g"  # the vim keymap
            assert app.read_only is True
            assert app.config.notifications.bell is False
            # the sandbox holds: the demo's stack, records and no war room
            assert app.config.environment != "production"
            assert all("real.example" not in url for url in app.config.alertmanager.urls)
            assert app.config.warroom.redis_url is None
            assert "real-audit" not in str(app.runner.audit.path)
        finally:
            stack.stop()
    assert not (tmp_path / "real-audit.jsonl").exists()


def test_demo_without_config_ignores_the_exported_one(tmp_path, monkeypatch):
    real = write(tmp_path / "real.yaml", {"theme": "daylight", "read_only": True})
    monkeypatch.setenv("GENESIS_CONSOLE_CONFIG", str(real))
    stack, app = commands.demo_app(
        build_command_parser("demo").parse_args(["--seed", "7"]), autostart=False
    )
    try:
        assert app._theme_name != "daylight" and app.read_only is False
    finally:
        stack.stop()


def test_the_readme_stands_on_its_own():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "CONTRACT.md" not in readme
    assert '"status": "OK|WARNING|CRITICAL|UNKNOWN"' in readme  # check's JSON, spelled out


# -- validate ------------------------------------------------------------------------


def _validate(path: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_validate_tells_a_keymap_from_its_content(tmp_path, capsys):
    keymap = tmp_path / "mine.yaml"  # not in a keymaps/ folder
    keymap.write_text('restart: "x"\nquit: "q"\n')
    code, text = _validate(keymap, capsys)
    assert code == 0 and "valid keymap" in text and "unknown key" not in text
    keymap.write_text('restart: "x"\nquit: "x"\n')
    code, text = _validate(keymap, capsys)
    assert code == 2 and "bound twice" in text and "--kind" in text


def test_validate_says_what_a_url_must_be_in_words(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("prometheus:\n  url: ftp://prom:9090\n")
    code, text = _validate(config, capsys)
    assert code == 2
    assert "c.yaml:2: prometheus.url: must be an http:// or https:// URL" in text
    assert "regex" not in text


def test_validate_refuses_duplicate_keys_with_both_lines(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("theme: daylight\nrefresh_seconds: 2\ntheme: war-room\n")
    code, text = _validate(config, capsys)
    assert code == 2 and "c.yaml:3" in text and "appears twice (first at line 1)" in text


def test_validate_suggests_the_key_meant(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("prometheus:\n  ulr: http://prom:9090\n")
    code, text = _validate(config, capsys)
    assert code == 2 and "prometheus.ulr: unknown key (did you mean url?)" in text


def test_validate_reports_every_error_with_its_line(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text(
        "environment: production\n"
        "mysql:\n"
        "  port: 99999\n"
        '  host: ""\n'
        "redis:\n"
        '  url: "http://nope"\n'
        "prometheus:\n"
        "  urll: http://x:9090\n"
        "ports: [1, 70000]\n"
        "refresh_seconds: fast\n"
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    for where in (
        ":3: mysql.port:",
        ":4: mysql.host:",
        ":6: redis.url:",
        ":8: prometheus.urll: unknown key (did you mean url?)",
        ":9: ports[1]:",
        ":10: refresh_seconds:",
    ):
        assert where in err, (where, err)
    assert "6 errors" in err
    # errors come in the order of the file
    lines = [
        int(part.split("config.yaml:")[1].split(":")[0])
        for part in err.splitlines()
        if "config error" in part
    ]
    assert lines == sorted(lines)


def test_validate_of_a_valid_file_and_of_one_error_says_just_that(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text("environment: staging\nmysql: {port: 0}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("config error") == 1 and "mysql.port" in err and "errors" not in err
    path.write_text("environment: staging\n")
    assert main(["validate", str(path)]) == 0
