"""Redis, MySQL, Temporal and the war room through TLS and mutual TLS, against real servers.

The servers are real: redis-server with `--tls-port` and `requirepass`, MariaDB with
`--ssl-ca/--ssl-cert/--ssl-key` and users that `REQUIRE SSL` / `REQUIRE X509`, and a
gRPC server serving `grpc.health.v1` over TLS for the Temporal source (the Temporal dev
server has no TLS). The sources are built from a config, as the console builds them, so
the config keys are tested too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.config import parse_config
from console.model import Status
from console.sources.registry import build_sources
from console.timeline import Timeline
from tests.integration.fixtures_datastores import (
    MYSQL_DATABASE,
    MYSQL_TLS_PASSWORD,
    MYSQL_TLS_USER,
    MYSQL_X509_PASSWORD,
    MYSQL_X509_USER,
    REDIS_PASSWORD,
)

pytestmark = pytest.mark.stack

UNKNOWN_AUTHORITY = "certificate signed by unknown authority"


def tls_block(ca: Path | None = None, cert: Path | None = None, key: Path | None = None, **more):
    block = {"ca_file": str(ca) if ca else None}
    if cert:
        block["cert_file"] = str(cert)
    if key:
        block["key_file"] = str(key)
    block.update(more)
    return json.dumps(block)


def source(name: str, text: str):
    """The console's source called `name`, built from config `text` as the console does."""
    config = parse_config(f"timeout_seconds: 2\n{text}")
    return next(s for s in build_sources(config) if s.name == name)


async def probe(name: str, text: str):
    found = source(name, text)
    try:
        return await found.probe()
    finally:
        await found.close()


def plain(detail: str) -> None:
    """One sentence: no traceback, no exception dump, no line breaks."""
    assert "Traceback" not in detail and "\n" not in detail, detail
    assert "_ssl.c" not in detail and "SSLError" not in detail, detail


# --- Redis -----------------------------------------------------------------------------


def redis_config(server, tls: str | None, password_env: str = "GENESIS_REDIS_PASSWORD") -> str:
    lines = [
        "redis:",
        f"  url: rediss://127.0.0.1:{server.port}/0",
        f"  password_env: {password_env}",
    ]
    if tls:
        lines.append(f"  tls_config: {tls}")
    return "\n".join(lines) + "\n"


async def test_redis_reads_through_tls_with_the_password_from_the_environment(
    redis_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    result = await probe("redis", redis_config(redis_tls, tls_block(tls_certs.ca)))
    assert result.status is Status.OK, result.detail
    assert result.detail.startswith("PONG")


async def test_redis_with_a_ca_that_did_not_sign_the_server_says_so(
    redis_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    result = await probe("redis", redis_config(redis_tls, tls_block(tls_certs.other_ca)))
    assert result.status is Status.CRITICAL
    assert UNKNOWN_AUTHORITY in result.detail, result.detail
    assert f"127.0.0.1:{redis_tls.port}" in result.detail
    plain(result.detail)


async def test_redis_without_a_ca_uses_the_system_store_and_does_not_trust_a_private_ca(
    redis_tls, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    result = await probe("redis", redis_config(redis_tls, None))
    assert result.status is Status.CRITICAL
    assert UNKNOWN_AUTHORITY in result.detail, result.detail


async def test_redis_with_a_wrong_password_says_the_login_was_refused(
    redis_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", "not-the-password-77")
    result = await probe("redis", redis_config(redis_tls, tls_block(tls_certs.ca)))
    assert result.status is Status.CRITICAL
    assert "refused the login" in result.detail, result.detail
    assert "not-the-password-77" not in result.detail
    plain(result.detail)


async def test_redis_without_a_password_says_the_login_was_refused(
    redis_tls, tls_certs, monkeypatch
):
    monkeypatch.delenv("GENESIS_REDIS_PASSWORD", raising=False)
    result = await probe("redis", redis_config(redis_tls, tls_block(tls_certs.ca)))
    assert result.status is Status.CRITICAL
    assert "refused the login" in result.detail, result.detail


async def test_redis_mutual_tls_reads_with_the_client_certificate(
    redis_mtls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    tls = tls_block(tls_certs.ca, tls_certs.client_cert, tls_certs.client_key)
    result = await probe("redis", redis_config(redis_mtls, tls))
    assert result.status is Status.OK, result.detail


async def test_redis_mutual_tls_without_a_client_certificate_says_one_is_wanted(
    redis_mtls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    result = await probe("redis", redis_config(redis_mtls, tls_block(tls_certs.ca)))
    assert result.status is Status.CRITICAL
    assert "client certificate" in result.detail, result.detail
    plain(result.detail)


async def test_redis_mutual_tls_with_a_certificate_the_server_does_not_trust(
    redis_mtls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    tls = tls_block(tls_certs.ca, tls_certs.other_client_cert, tls_certs.other_client_key)
    result = await probe("redis", redis_config(redis_mtls, tls))
    assert result.status is Status.CRITICAL
    # TLS 1.2 names the refusal; with TLS 1.3 the server may just close the connection
    assert "client certificate" in result.detail, result.detail
    plain(result.detail)


async def test_redis_insecure_skip_verify_reads_without_checking_the_certificate(
    redis_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    tls = tls_block(tls_certs.other_ca, insecure_skip_verify=True)
    result = await probe("redis", redis_config(redis_tls, tls))
    assert result.status is Status.OK, result.detail


@pytest.mark.parametrize("name", ["redis", "mysql", "temporal"])
async def test_a_ca_file_that_cannot_be_read_is_unknown_and_named(
    name, redis_tls, mariadb_tls, grpc_health_tls, tmp_path, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    monkeypatch.setenv("GENESIS_MYSQL_PASSWORD", MYSQL_TLS_PASSWORD)
    missing = tmp_path / "nowhere.pem"
    tls = tls_block(missing)
    text = {
        "redis": redis_config(redis_tls, tls),
        "mysql": mysql_config(mariadb_tls, MYSQL_TLS_USER, tls),
        "temporal": temporal_config(grpc_health_tls.address, tls),
    }[name]
    result = await probe(name, text)
    # the console could not even ask the server: its state is unknown, not down
    assert result.status is Status.UNKNOWN, result.detail
    assert f"cannot read tls_config.ca_file {missing}" in result.detail, result.detail
    plain(result.detail)


async def test_plain_redis_url_against_a_tls_port_is_a_plain_sentence(redis_tls, monkeypatch):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    text = f"redis:\n  url: redis://127.0.0.1:{redis_tls.port}/0\n"
    result = await probe("redis", text)
    assert result.status is Status.CRITICAL
    plain(result.detail)


# --- MySQL -----------------------------------------------------------------------------


def mysql_config(server, user: str, tls: str | None) -> str:
    lines = [
        "mysql:",
        "  host: 127.0.0.1",
        f"  port: {server.port}",
        f"  user: {user}",
        "  password_env: GENESIS_MYSQL_PASSWORD",
        f"  database: {MYSQL_DATABASE}",
    ]
    if tls:
        lines.append(f"  tls_config: {tls}")
    return "\n".join(lines) + "\n"


async def test_mysql_reads_through_tls_for_a_user_that_requires_it(
    mariadb_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_MYSQL_PASSWORD", MYSQL_TLS_PASSWORD)
    text = mysql_config(mariadb_tls, MYSQL_TLS_USER, tls_block(tls_certs.ca))
    result = await probe("mysql", text)
    assert result.status is Status.OK, result.detail
    assert result.detail.startswith("SELECT 1 ok")


async def test_mysql_with_a_ca_that_did_not_sign_the_server_says_so(
    mariadb_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_MYSQL_PASSWORD", MYSQL_TLS_PASSWORD)
    text = mysql_config(mariadb_tls, MYSQL_TLS_USER, tls_block(tls_certs.other_ca))
    result = await probe("mysql", text)
    assert result.status is Status.CRITICAL
    assert UNKNOWN_AUTHORITY in result.detail, result.detail
    plain(result.detail)


async def test_mysql_picks_up_a_rotated_ca_file_at_the_next_refresh(
    mariadb_tls, tls_certs, monkeypatch, tmp_path
):
    """The TLS context is built once, not at every refresh, yet a CA file replaced in
    place (a rotation) is used from the next connection on, without a restart."""
    monkeypatch.setenv("GENESIS_MYSQL_PASSWORD", MYSQL_TLS_PASSWORD)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(tls_certs.other_ca.read_bytes())
    mysql = source("mysql", mysql_config(mariadb_tls, MYSQL_TLS_USER, tls_block(ca)))
    try:
        for _ in range(2):
            result = await mysql.probe()
            assert UNKNOWN_AUTHORITY in result.detail, result.detail
        rotated = tmp_path / "ca.pem.new"
        rotated.write_bytes(tls_certs.ca.read_bytes())
        rotated.replace(ca)  # as a rotation does: a new file moved into place
        result = await mysql.probe()
        assert result.status is Status.OK, result.detail
        ca.write_bytes(tls_certs.other_ca.read_bytes())  # rewritten in place
        result = await mysql.probe()
        assert UNKNOWN_AUTHORITY in result.detail, result.detail
    finally:
        await mysql.close()


async def test_mysql_with_a_wrong_password_over_tls_says_access_was_denied(
    mariadb_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_MYSQL_PASSWORD", "wrong-Pa55-41")
    text = mysql_config(mariadb_tls, MYSQL_TLS_USER, tls_block(tls_certs.ca))
    result = await probe("mysql", text)
    assert result.status is Status.CRITICAL
    assert f"denied access to user '{MYSQL_TLS_USER}'" in result.detail, result.detail
    assert "wrong-Pa55-41" not in result.detail
    plain(result.detail)


async def test_mysql_mutual_tls_reads_for_a_user_that_requires_a_certificate(
    mariadb_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_MYSQL_PASSWORD", MYSQL_X509_PASSWORD)
    tls = tls_block(tls_certs.ca, tls_certs.client_cert, tls_certs.client_key)
    result = await probe("mysql", mysql_config(mariadb_tls, MYSQL_X509_USER, tls))
    assert result.status is Status.OK, result.detail


async def test_mysql_without_the_client_certificate_a_user_requires_is_refused(
    mariadb_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_MYSQL_PASSWORD", MYSQL_X509_PASSWORD)
    text = mysql_config(mariadb_tls, MYSQL_X509_USER, tls_block(tls_certs.ca))
    result = await probe("mysql", text)
    assert result.status is Status.CRITICAL
    assert "denied access" in result.detail and "client certificate" in result.detail, result.detail
    plain(result.detail)


async def test_mysql_tls_against_a_server_without_tls_says_so(mariadb, tls_certs, monkeypatch):
    from tests.integration.fixtures_datastores import MYSQL_PASSWORD, MYSQL_USER

    monkeypatch.setenv("GENESIS_MYSQL_PASSWORD", MYSQL_PASSWORD)
    text = mysql_config(mariadb, MYSQL_USER, tls_block(tls_certs.ca))
    result = await probe("mysql", text)
    assert result.status is Status.CRITICAL
    assert "does not offer TLS" in result.detail, result.detail
    plain(result.detail)


# --- Temporal (gRPC health over TLS) ---------------------------------------------------


def temporal_config(address: str, tls: str | None) -> str:
    text = f"temporal:\n  address: {address}\n"
    return text + (f"  tls_config: {tls}\n" if tls else "")


async def test_temporal_reads_through_tls(grpc_health_tls, tls_certs):
    result = await probe(
        "temporal", temporal_config(grpc_health_tls.address, tls_block(tls_certs.ca))
    )
    assert result.status is Status.OK, result.detail
    assert result.detail == "SERVING"


async def test_temporal_with_a_ca_that_did_not_sign_the_server_says_so(grpc_health_tls, tls_certs):
    text = temporal_config(grpc_health_tls.address, tls_block(tls_certs.other_ca))
    result = await probe("temporal", text)
    assert result.status is Status.CRITICAL
    assert UNKNOWN_AUTHORITY in result.detail, result.detail
    plain(result.detail)


async def test_temporal_mutual_tls_reads_with_the_client_certificate(grpc_health_mtls, tls_certs):
    tls = tls_block(tls_certs.ca, tls_certs.client_cert, tls_certs.client_key)
    result = await probe("temporal", temporal_config(grpc_health_mtls.address, tls))
    assert result.status is Status.OK, result.detail


async def test_temporal_mutual_tls_without_a_client_certificate_is_a_plain_sentence(
    grpc_health_mtls, tls_certs
):
    text = temporal_config(grpc_health_mtls.address, tls_block(tls_certs.ca))
    result = await probe("temporal", text)
    assert result.status is Status.CRITICAL
    assert "TLS handshake failed" in result.detail, result.detail
    assert "client certificate" in result.detail, result.detail
    plain(result.detail)


async def test_temporal_mutual_tls_with_a_certificate_the_server_does_not_trust(
    grpc_health_mtls, tls_certs
):
    tls = tls_block(tls_certs.ca, tls_certs.other_client_cert, tls_certs.other_client_key)
    result = await probe("temporal", temporal_config(grpc_health_mtls.address, tls))
    assert result.status is Status.CRITICAL
    assert "TLS handshake failed" in result.detail, result.detail
    assert "client certificate" in result.detail, result.detail
    plain(result.detail)


async def test_temporal_server_name_checks_the_certificate_against_that_name(
    grpc_health_named, tls_certs
):
    address = grpc_health_named.address
    wrong = await probe("temporal", temporal_config(address, tls_block(tls_certs.ca)))
    assert wrong.status is Status.CRITICAL
    assert "not valid for this host name" in wrong.detail, wrong.detail
    plain(wrong.detail)
    named = tls_block(tls_certs.ca, server_name="db.internal")
    right = await probe("temporal", temporal_config(address, named))
    assert right.status is Status.OK, right.detail


async def test_plaintext_temporal_against_a_tls_server_is_a_plain_sentence(grpc_health_tls):
    result = await probe("temporal", temporal_config(grpc_health_tls.address, None))
    assert result.status is Status.CRITICAL
    plain(result.detail)


# --- the war room ----------------------------------------------------------------------


async def test_the_war_room_syncs_through_tls_with_its_password(redis_tls, tls_certs, tmp_path):
    config = parse_config(
        "warroom:\n"
        f"  redis_url: rediss://127.0.0.1:{redis_tls.port}/0\n"
        "  password_env: WARROOM_PW\n"
        f"  tls_config: {tls_block(tls_certs.ca)}\n"
    )
    story = Timeline(
        tmp_path / "timeline.jsonl",
        config.warroom.redis_url,
        password=REDIS_PASSWORD,
        tls=config.warroom.tls_config,
    )
    try:
        story.add("note", "over TLS")
        await story.sync()
        assert story.online is True, story.status
        assert story.pending == []
    finally:
        await story.close()


async def test_the_war_room_with_a_wrong_ca_says_so_on_its_status(redis_tls, tls_certs, tmp_path):
    story = Timeline(
        tmp_path / "timeline.jsonl",
        f"rediss://127.0.0.1:{redis_tls.port}/0",
        password=REDIS_PASSWORD,
        tls=parse_config(
            f"redis: {{tls_config: {tls_block(tls_certs.other_ca)}}}"
        ).redis.tls_config,
    )
    try:
        await story.sync()
        assert story.online is False
        assert UNKNOWN_AUTHORITY in story.status, story.status
        assert REDIS_PASSWORD not in story.status
    finally:
        await story.close()


async def test_the_war_room_lock_works_through_tls(redis_tls, tls_certs):
    from console.warroom import WarRoomLock

    tls = parse_config(f"warroom: {{tls_config: {tls_block(tls_certs.ca)}}}").warroom.tls_config
    url = f"rediss://127.0.0.1:{redis_tls.port}/0"
    warnings: list[str] = []
    first = WarRoomLock(url, password=REDIS_PASSWORD, tls=tls, on_warning=warnings.append)
    second = WarRoomLock(url, password=REDIS_PASSWORD, tls=tls, on_warning=warnings.append)
    from console.actions.runner import ActionBusy

    async with first("restart", "restart genesis-orchestrator"):
        with pytest.raises(ActionBusy):
            async with second("restart", "restart genesis-orchestrator"):
                pass
    assert warnings == []


# --- check -----------------------------------------------------------------------------


def run_check(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console.cli", "check", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_check_names_a_tls_failure_and_never_shows_a_password(
    redis_tls, mariadb_tls, grpc_health_tls, tls_certs, tmp_path
):
    config = tmp_path / "config.yaml"
    config.write_text(
        "timeout_seconds: 2\n"
        "ports: []\n"
        + redis_config(redis_tls, tls_block(tls_certs.other_ca))
        + mysql_config(mariadb_tls, MYSQL_TLS_USER, tls_block(tls_certs.ca))
        + temporal_config(grpc_health_tls.address, tls_block(tls_certs.other_ca))
    )
    env = {"GENESIS_REDIS_PASSWORD": REDIS_PASSWORD, "GENESIS_MYSQL_PASSWORD": MYSQL_TLS_PASSWORD}
    text = run_check(config, env)
    done = run_check(config, env, "--format", "json")
    report = json.loads(done.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["mysql"]["status"] == "ok", checks["mysql"]
    for name in ("redis", "temporal"):
        assert checks[name]["status"] == "critical", checks[name]
        assert UNKNOWN_AUTHORITY in checks[name]["detail"], checks[name]
        assert f"{UNKNOWN_AUTHORITY}" in next(
            line for line in text.stdout.splitlines() if name in line.lower()
        )
    for output in (text.stdout, text.stderr, done.stdout, done.stderr):
        assert REDIS_PASSWORD not in output
        assert MYSQL_TLS_PASSWORD not in output
        assert "Traceback" not in output
        assert "Handshake failed" not in output  # gRPC's own log line, which would hit the TUI


def test_check_with_a_wrong_redis_password_says_login_refused_without_the_password(
    redis_tls, tls_certs, tmp_path
):
    config = tmp_path / "config.yaml"
    wrong = "wrong-r3dis-pw-58"
    config.write_text(
        "timeout_seconds: 2\nports: []\n" + redis_config(redis_tls, tls_block(tls_certs.ca))
    )
    text = run_check(config, {"GENESIS_REDIS_PASSWORD": wrong})
    done = run_check(config, {"GENESIS_REDIS_PASSWORD": wrong}, "--format", "json")
    redis = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "redis")
    assert redis["status"] == "critical"
    assert "refused the login" in redis["detail"], redis
    assert "refused the login" in text.stdout
    for output in (text.stdout, text.stderr, done.stdout, done.stderr):
        assert wrong not in output
        assert "Traceback" not in output


async def test_the_password_from_the_environment_wins_over_one_in_the_url(
    redis_tls, tls_certs, monkeypatch
):
    monkeypatch.setenv("GENESIS_REDIS_PASSWORD", REDIS_PASSWORD)
    text = redis_config(redis_tls, tls_block(tls_certs.ca)).replace(
        "rediss://", "rediss://:stale-url-pw@"
    )
    result = await probe("redis", text)
    assert result.status is Status.OK, result.detail
