"""Environments in one config file, `--env`/`$GENESIS_ENV`, `init`, and the no-config hint."""

from __future__ import annotations

import json

import msgspec
import pytest
import yaml

from console import paths
from console.cli import main
from console.config import Config, ConfigError, load_config, parse_config, parse_environments
from console.config_template import doc_for, render_config_template, schema_paths
from console.timeline import STREAM_KEY, Timeline
from console.warroom import lock_key

TWO = """\
environment: production
refresh_seconds: 5
mysql: {host: db.internal, port: 3306}
alertmanager: {urls: ["http://am-a:9093", "http://am-b:9093"]}
environments:
  production:
    read_only: false
  staging:
    mysql: {port: 3307}
    alertmanager: {urls: ["http://am-staging:9093"]}
    read_only: true
default_env: production
"""


def test_each_environment_is_the_shared_defaults_with_its_own_block_on_top():
    environments = parse_environments(TWO, "c.yaml")
    assert environments.names == ["production", "staging"]
    production, staging = environments.configs["production"], environments.configs["staging"]
    # mappings merge key by key; lists are replaced, not appended to
    assert (staging.mysql.host, staging.mysql.port) == ("db.internal", 3307)
    assert staging.alertmanager.urls == ["http://am-staging:9093"]
    assert production.alertmanager.urls == ["http://am-a:9093", "http://am-b:9093"]
    assert staging.refresh_seconds == production.refresh_seconds == 5
    assert (production.read_only, staging.read_only) == (False, True)
    # the shared `environment: production` never dresses staging as production
    assert staging.environment == "staging" and production.environment == "production"


def test_an_environment_may_name_itself_differently_from_its_key():
    text = "environments:\n  prod-eu: {environment: production}\n  stg: {}\n"
    environments = parse_environments(text)
    assert environments.configs["prod-eu"].environment == "production"
    assert environments.configs["prod-eu"].env_key == "prod-eu"
    assert environments.default == "prod-eu"  # the first, without default_env


def test_env_is_picked_by_option_then_variable_then_default_env(tmp_path, monkeypatch):
    path = tmp_path / "c.yaml"
    path.write_text(TWO.replace("default_env: production", "default_env: staging"))
    assert load_config(path).environment == "staging"
    monkeypatch.setenv("GENESIS_ENV", "production")
    assert load_config(path).environment == "production"
    assert load_config(path, "staging").environment == "staging"


def test_a_single_environment_file_keeps_todays_names():
    config = parse_config("environment: production\n")
    assert config == Config() and config.env_key is None
    assert config.audit_path == paths.state_home() / "audit.jsonl"
    assert config.timeline_path == paths.state_home() / "timeline.jsonl"
    timeline = Timeline(config.timeline_path, "redis://127.0.0.1:1/0", env=config.env_key)
    assert timeline.stream_key == STREAM_KEY == "genesis-console:timeline"
    assert timeline.presence_prefix == "genesis-console:presence:"
    assert lock_key("restart", config.env_key) == "genesis-console:lock:restart"


def test_each_environment_has_its_own_audit_log_timeline_and_war_room_keys():
    staging = parse_environments(TWO).configs["staging"]
    production = parse_environments(TWO).configs["production"]
    assert staging.audit_path == paths.state_home() / "audit-staging.jsonl"
    assert production.audit_path == paths.state_home() / "audit-production.jsonl"
    assert staging.timeline_path == paths.state_home() / "timeline-staging.jsonl"
    timeline = Timeline(staging.timeline_path, "redis://127.0.0.1:1/0", env=staging.env_key)
    assert timeline.stream_key == "genesis-console:env:staging:timeline"
    assert lock_key("restart", "staging") != lock_key("restart", "production")
    # an audit path the file sets is used as it is
    text = TWO.replace("read_only: true", "read_only: true\n    audit: {path: /tmp/s.jsonl}")
    assert str(parse_environments(text).configs["staging"].audit_path) == "/tmp/s.jsonl"


@pytest.mark.parametrize(
    ("text", "key", "line", "phrase"),
    [
        (
            "environments:\n  a: {}\n  b:\n    mysql:\n      port: 0\n",
            "environments.b.mysql.port",
            5,
            ">= 1",
        ),
        (
            "mysql:\n  port: 0\nenvironments:\n  a: {}\n",
            "mysql.port",
            2,
            "(in environment a)",
        ),
        ("environments:\n  a:\n    bogus: 1\n", "environments.a.bogus", 3, "unknown key"),
        ("environments: {}\n", "environments", 1, "must map"),
        ("environments:\n  a: [1]\n", "environments.a", 2, "mapping"),
        ("environments:\n  a/b: {}\n", "environments.a/b", 2, "letters, digits"),
        ("environments:\n  a: {}\ndefault_env: b\n", "default_env", 3, "not one of"),
        ("default_env: a\n", "default_env", 1, "needs `environments:`"),
        ("environments:\n  a:\n    environments: {}\n", "environments.a.environments", 3, "nest"),
    ],
)
def test_a_bad_environment_names_key_and_line(text, key, line, phrase):
    with pytest.raises(ConfigError) as caught:
        parse_environments(text, "c.yaml")
    assert (caught.value.key, caught.value.line) == (key, line)
    assert phrase in caught.value.message


def test_an_unknown_environment_is_a_config_error_naming_the_known_ones(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text(TWO)
    assert main(["check", "--config", str(path), "--env", "qa"]) == 2
    err = capsys.readouterr().err
    assert "'qa'" in err and "production, staging" in err and "Traceback" not in err


def test_env_on_a_file_without_environments_is_refused_unless_it_is_that_one(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text("environment: staging\n")
    assert load_config(path, "staging").environment == "staging"
    assert main(["validate", str(path), "--env", "production"]) == 2
    assert "has no `environments:`" in capsys.readouterr().err


def test_validate_checks_every_environment(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text(TWO)
    assert main(["validate", str(path)]) == 0
    assert "environments: production, staging" in capsys.readouterr().out
    # an error only staging has fails the file, even though production is the default
    path.write_text(TWO.replace("mysql: {port: 3307}", "mysql: {port: 99999}"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:9: environments.staging.mysql.port" in err


def _timeline_json(capsys) -> list[str]:
    return [entry["text"] for entry in json.loads(capsys.readouterr().out)]


@pytest.mark.parametrize("before", [True, False])
def test_timeline_env_reads_that_environments_timeline(tmp_path, capsys, before):
    path = tmp_path / "c.yaml"
    path.write_text(TWO)
    Timeline(paths.default_timeline_file("staging")).add("note", "staging: draining node 3")
    Timeline(paths.default_timeline_file("production")).add("note", "production: all calm")
    Timeline(paths.default_timeline_file()).add("note", "a single-environment console")
    options = ["--config", str(path), "--env", "staging"]
    argv = options + ["timeline", "--format", "json"] if before else ["timeline", *options]
    argv += [] if before else ["--format", "json"]
    assert main(argv) == 0
    assert _timeline_json(capsys) == ["staging: draining node 3"]
    assert main(["timeline", "--config", str(path), "--format", "json"]) == 0
    assert _timeline_json(capsys) == ["production: all calm"]


def test_env_comes_from_the_variable_for_timeline(tmp_path, capsys, monkeypatch):
    path = tmp_path / "c.yaml"
    path.write_text(TWO)
    Timeline(paths.default_timeline_file("staging")).add("note", "staging only")
    monkeypatch.setenv("GENESIS_ENV", "staging")
    assert main(["--config", str(path), "timeline", "--format", "json"]) == 0
    assert _timeline_json(capsys) == ["staging only"]


def test_env_does_not_apply_to_the_demo(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--env", "staging", "demo"])
    assert caught.value.code == 2
    assert "--env does not apply to `demo`" in capsys.readouterr().err


# -- init ------------------------------------------------------------------------------


def test_init_writes_a_commented_config_at_the_xdg_path_that_validates(capsys):
    target = paths.default_config_file()
    assert not target.exists()
    assert main(["init"]) == 0
    assert str(target) in capsys.readouterr().out
    text = target.read_text()
    assert text.count("# ") > 60  # commented, key by key
    # valid as written, and exactly the defaults
    assert main(["validate", str(target)]) == 0
    assert parse_config(text) == Config()
    # and now the console finds it: no more "no config" hint
    assert paths.config_file(None) == target


def test_init_never_overwrites(tmp_path, capsys):
    target = tmp_path / "mine.yaml"
    target.write_text("environment: staging\n")
    assert main(["init", "--output", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_text() == "environment: staging\n"


def test_init_output_path(tmp_path):
    target = tmp_path / "deep" / "folder" / "c.yaml"
    assert main(["init", "--output", str(target)]) == 0
    assert parse_config(target.read_text()) == Config()


def test_init_has_every_key_of_the_schema_with_words_for_it():
    """Generated from the schema: a new key shows up by itself, and needs a sentence."""
    text = render_config_template()
    loaded = yaml.safe_load(text)
    undocumented = [".".join(p) for p in schema_paths() if not doc_for(p)]
    assert undocumented == [], "add these to console/config_template.py DOCS"
    for path in schema_paths():
        # every key is a line of its own (commented out when off by default)
        assert f"{path[-1]}:" in text, path
    # the active keys are exactly the schema's, with the schema's defaults
    assert loaded == msgspec.to_builtins(Config())
    # and the environments are explained, commented out
    assert "# environments:" in text and "# default_env:" in text


def test_the_environments_example_in_init_is_valid_once_uncommented():
    text = render_config_template()
    example = text[text.index("# environments:") :]
    uncommented = "\n".join(line[2:] for line in example.splitlines() if line.startswith("# "))
    environments = parse_environments(uncommented)
    assert environments.names == ["production", "staging"]
    assert environments.configs["staging"].read_only is True


# -- no config file --------------------------------------------------------------------


def test_check_without_a_config_says_where_one_is_expected(capsys):
    """`check` still runs (on the localhost defaults) and says so in one line on stderr."""
    main(["check", "--format", "json"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["checks"]  # it ran every probe
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert str(paths.default_config_file()) in lines[0] and "genesis-console init" in lines[0]
    # with a config file, not a word
    paths.default_config_file().parent.mkdir(parents=True)
    paths.default_config_file().write_text("")
    main(["check", "--format", "json"])
    assert capsys.readouterr().err == ""
