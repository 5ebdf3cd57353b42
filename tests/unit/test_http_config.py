"""The `http:` block of every HTTP backend: shaped like Prometheus's http_config, no inline secrets."""

from __future__ import annotations

import pytest

from console.config import ConfigError, parse_config, warnings


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.yaml")
    return str(caught.value)


def test_an_inline_password_is_refused_with_the_env_and_file_forms():
    message = refused(
        "alertmanager:\n  http:\n    basic_auth:\n      username: oncall\n      password: hunter2\n"
    )
    assert message.startswith("c.yaml:3: alertmanager.http.basic_auth:")
    assert "password_env" in message and "password_file" in message
    assert "hunter2" not in message


def test_inline_bearer_credentials_are_refused_with_the_env_and_file_forms():
    message = refused("prometheus:\n  http:\n    authorization: {credentials: abc.def}\n")
    assert "credentials_env" in message and "credentials_file" in message
    assert "abc.def" not in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("grafana:\n  http:\n    authorization: {type: Bearer}\n", "exactly one"),
        (
            "grafana:\n  http:\n    basic_auth: {username: a, password_env: A}\n"
            "    authorization: {credentials_env: B}\n",
            "not both",
        ),
        ("grafana:\n  http:\n    headers: {Authorization: Bearer x}\n", "set by the console"),
        ("grafana:\n  http:\n    tls_config: {key_file: k.pem}\n", "set both or neither"),
        ("grafana:\n  http:\n    proxy_url: http://u:p@proxy:3128\n", "proxy_url"),
        ("grafana:\n  http:\n    tls_config: {ca_file: a, verify: false}\n", "unknown key"),
    ],
)
def test_contradictory_or_unsafe_http_blocks_are_refused(text, words):
    assert words in refused(text)


def test_the_prometheus_shape_is_accepted_for_every_backend():
    block = (
        "  http:\n"
        "    basic_auth: {username: oncall, password_file: /run/secrets/pw}\n"
        "    headers: {X-Scope-OrgID: genesis}\n"
        "    tls_config: {ca_file: /etc/ssl/ca.pem, cert_file: c.pem, key_file: k.pem,"
        " server_name: am.internal, insecure_skip_verify: false}\n"
        "    proxy_url: http://proxy.internal:3128\n"
    )
    text = "".join(f"{section}:\n{block}" for section in ("prometheus", "grafana", "orchestrator"))
    nested = "".join("  " + line + "\n" for line in block.splitlines())
    text += "alertmanager:\n" + block + "escalation:\n  pagerduty:\n" + nested
    config = parse_config(text)
    assert config.prometheus.http.tls_config.server_name == "am.internal"
    assert config.escalation.pagerduty.http.headers == {"X-Scope-OrgID": "genesis"}


def test_alertmanager_entries_have_names_and_their_own_http_block():
    config = parse_config(
        "alertmanager:\n"
        "  urls:\n"
        "    - https://am-us.internal:9093/alertmanager/\n"
        "    - {url: 'https://am-eu.internal:9093', name: eu,"
        " http: {authorization: {credentials_env: EU_TOKEN}}}\n"
        "  http: {basic_auth: {username: oncall, password_env: AM_PASSWORD}}\n"
    )
    us, eu = config.alertmanager.endpoints()
    assert (us.name, us.url, us.section) == (
        "am-us.internal:9093",
        "https://am-us.internal:9093/alertmanager",
        "alertmanager.http",
    )
    assert us.http.basic_auth is not None
    assert (eu.name, eu.section) == ("eu", "alertmanager.urls[1].http")
    assert eu.http.basic_auth is None and eu.http.authorization is not None
    assert config.alertmanager.endpoint_for("https://am-eu.internal:9093/").name == "eu"


def test_two_alertmanagers_with_one_name_are_refused():
    message = refused(
        "alertmanager:\n  urls: [http://a:9093, {url: 'http://b:9093', name: 'a:9093'}]\n"
    )
    assert "alertmanager.urls[1]" in message and "its own name" in message


def test_a_password_in_a_url_leaves_the_url_and_validate_warns():
    config = parse_config("prometheus:\n  url: https://oncall:hunter2@prom.internal/prometheus\n")
    endpoint = config.prometheus.endpoint()
    assert endpoint.url == "https://prom.internal/prometheus"
    assert endpoint.userinfo == ("oncall", "hunter2")
    assert "hunter2" not in repr(endpoint)
    (warning,) = warnings(config)
    assert "hunter2" not in warning
    assert "basic_auth" in warning and "password_env" in warning


def test_insecure_skip_verify_gets_a_warning():
    config = parse_config("grafana:\n  http:\n    tls_config: {insecure_skip_verify: true}\n")
    assert any("insecure_skip_verify" in w for w in warnings(config))
    assert warnings(parse_config("")) == []


def test_one_url_listed_twice_is_one_alertmanager():
    config = parse_config("alertmanager:\n  urls: [http://a:9093, http://a:9093/]\n")
    assert [e.url for e in config.alertmanager.endpoints()] == ["http://a:9093"]
