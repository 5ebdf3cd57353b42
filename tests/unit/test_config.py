"""Config: defaults, every kind of invalid file, and the CLI's report of it."""

from __future__ import annotations

import pytest

from console.cli import main
from console.config import Config, ConfigError, load_config, parse_config


def test_empty_file_gives_the_runbook_localhost_layout():
    config = parse_config("")
    assert config == Config()
    assert config.orchestrator.url == "http://localhost:8000"
    assert config.ports == [8000, 9090, 9093, 3000, 3306, 6379, 7233]
    assert config.sla.availability_percent == 99.9
    assert config.orchestrator.restart_command == ["systemctl", "restart", "genesis-orchestrator"]


def test_overrides_are_read_and_sla_queries_merge_with_defaults():
    config = parse_config(
        "environment: staging\n"
        "alertmanager:\n  urls: [http://a:9093, http://b:9093]\n"
        "sla:\n  queries:\n    error_rate: my_error_rate\n"
    )
    assert config.environment == "staging"
    assert config.alertmanager.urls == ["http://a:9093", "http://b:9093"]
    queries = config.sla_queries()
    assert queries["error_rate"] == "my_error_rate"
    assert 'up{job="genesis-orchestrator"}' in queries["availability"]


@pytest.mark.parametrize(
    ("text", "key", "line", "phrase"),
    [
        ("mysql:\n  port: abc\n", "mysql.port", 2, "Expected `int`"),
        ("mysql:\n  port: 70000\n", "mysql.port", 2, "<= 65535"),
        ("environment: x\nmysql:\n  prot: 1\n", "mysql.prot", 3, "unknown key"),
        ("bogus: 1\n", "bogus", 1, "unknown key"),
        ("ports: [1, 2, 0]\n", "ports[2]", 1, ">= 1"),
        ("alertmanager:\n  urls: []\n", "alertmanager.urls", 2, "at least one"),
        (
            "alertmanager:\n  urls: [ftp://x]\n",
            "alertmanager.urls[0]",
            2,
            "an http:// or https:// URL",
        ),
        (
            "orchestrator:\n  restart_command: systemctl restart\n",
            "orchestrator.restart_command",
            2,
            "Expected `array`",
        ),
        ("sla:\n  queries:\n    latency: up\n", "sla.queries.latency", 3, "unknown SLA query"),
        ("refresh_seconds: 0\n", "refresh_seconds", 1, ">= 0.2"),
        ("read_only: maybe\n", "read_only", 1, "Expected `bool`"),
    ],
)
def test_invalid_values_name_key_and_line(text, key, line, phrase):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.yaml")
    error = caught.value
    assert error.key == key
    assert error.line == line
    assert phrase in error.message
    assert str(error).startswith(f"c.yaml:{line}: {key}:")


def test_broken_yaml_names_the_line():
    with pytest.raises(ConfigError) as caught:
        parse_config("mysql:\n  port: [1,\n", "c.yaml")
    assert caught.value.line == 3
    assert "not valid YAML" in caught.value.message


def test_a_list_at_top_level_is_refused():
    with pytest.raises(ConfigError, match="mapping"):
        parse_config("- a\n- b\n")


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml")


def test_secrets_come_only_from_the_environment():
    with pytest.raises(ConfigError) as caught:
        parse_config("mysql:\n  password: hunter2\n")
    assert caught.value.key == "mysql.password"


def test_validate_command_reports_file_key_and_line_without_traceback(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text("refresh_seconds: 2\nredis:\n  url: http://nope\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: redis.url:" in err
    assert "Traceback" not in err


def test_validate_command_accepts_a_good_file(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text("environment: staging\n")
    assert main(["validate", str(path)]) == 0
    assert "valid config" in capsys.readouterr().out


def test_config_is_found_through_env_then_xdg(tmp_path, monkeypatch):
    from console import paths

    xdg = tmp_path / "xdg-config" / "genesis-console"
    xdg.mkdir(parents=True)
    (xdg / "config.yaml").write_text("environment: from-xdg\n")
    assert load_config(paths.config_file(None)).environment == "from-xdg"
    other = tmp_path / "other.yaml"
    other.write_text("environment: from-env\n")
    monkeypatch.setenv("GENESIS_CONSOLE_CONFIG", str(other))
    assert load_config(paths.config_file(None)).environment == "from-env"
    assert load_config(paths.config_file(str(xdg / "config.yaml"))).environment == "from-xdg"


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert "genesis-console 0.1.0" in capsys.readouterr().out


def test_the_war_room_key_and_password_are_named_not_given():
    default = Config().warroom
    assert (default.key_env, default.password_env) == ("GENESIS_WARROOM_KEY", None)
    config = parse_config("warroom:\n  key_env: null\n  password_env: WR_PASSWORD\n")
    assert (config.warroom.key_env, config.warroom.password_env) == (None, "WR_PASSWORD")
    with pytest.raises(ConfigError, match="warroom.key_env"):
        parse_config("warroom:\n  key_env: 'not a variable name!'\n")
