"""MySQL, Redis, Temporal, port and host sources against real servers started for the test."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from datetime import datetime

import pytest

from console.model import HostSnapshot, Status
from console.sources.host import TOP_COUNT, HostSource
from console.sources.mysql import MysqlSource
from console.sources.ports import PortSource
from console.sources.redis import RedisSource, redis_client
from console.sources.temporal import TemporalSource
from tests.integration.fixtures_datastores import (
    MYSQL_DATABASE,
    MYSQL_PASSWORD,
    MYSQL_PLAIN_PASSWORD,
    MYSQL_PLAIN_USER,
    MYSQL_USER,
    mysql_root,
)
from tests.procs import burning_cpu, free_port

pytestmark = pytest.mark.stack

TIMEOUT = 2.0


def mysql_source(server, user=MYSQL_USER, password=MYSQL_PASSWORD, **kwargs) -> MysqlSource:
    return MysqlSource(
        "127.0.0.1", server.port, user, password, MYSQL_DATABASE, timeout=TIMEOUT, **kwargs
    )


async def probe_until(source, predicate, within: float, every: float = 0.25):
    """Probe until `predicate(result)` holds; the last result either way."""
    deadline = time.monotonic() + within
    while True:
        result = await source.probe()
        if predicate(result) or time.monotonic() > deadline:
            return result
        await asyncio.sleep(every)


# --- MySQL -----------------------------------------------------------------------------


async def test_mysql_ok_reports_threads_and_no_trouble(mariadb):
    result = await mysql_source(mariadb).probe()
    assert result.status is Status.OK, result.detail
    assert result.data["threads_connected"] >= 1
    assert result.data["slow_queries"] == 0
    assert result.data["deadlock_at"] is None
    assert result.detail.startswith("SELECT 1 ok")
    assert "no deadlock seen" in result.detail


async def test_mysql_counts_a_real_slow_query(mariadb):
    source = mysql_source(mariadb)
    conn = mysql_root(mariadb)
    sleeper = threading.Thread(target=lambda: conn.cursor().execute("SELECT SLEEP(12)"))
    sleeper.start()
    try:
        result = await probe_until(source, lambda r: r.data and r.data["slow_queries"], 12.5)
        assert result.data["slow_queries"] == 1, result.detail
        assert result.status is Status.WARNING
        assert "1 query running > 10s" in result.detail
    finally:
        sleeper.join(15)
        conn.close()
    after = await source.probe()
    assert after.status is Status.OK and after.data["slow_queries"] == 0, after.detail


def _make_deadlock(server) -> str:
    """Two sessions take two InnoDB row locks in opposite order; returns the loser's error."""
    import pymysql

    setup = mysql_root(server, database=MYSQL_DATABASE)
    with setup.cursor() as cur:
        cur.execute("CREATE TABLE accounts (id INT PRIMARY KEY, balance INT) ENGINE=InnoDB")
        cur.execute("INSERT INTO accounts VALUES (1, 100), (2, 100)")
    setup.close()
    first = mysql_root(server, database=MYSQL_DATABASE)
    second = mysql_root(server, database=MYSQL_DATABASE)
    errors: list[str] = []

    def run(conn, sql):
        try:
            conn.cursor().execute(sql)
        except pymysql.MySQLError as exc:
            errors.append(str(exc.args[0]))

    try:
        first.begin()
        second.begin()
        run(first, "UPDATE accounts SET balance = balance - 1 WHERE id = 1")
        run(second, "UPDATE accounts SET balance = balance - 1 WHERE id = 2")
        blocked = threading.Thread(
            target=run, args=(second, "UPDATE accounts SET balance = balance + 1 WHERE id = 1")
        )
        blocked.start()
        time.sleep(0.3)  # let the second session wait on row 1 first
        run(first, "UPDATE accounts SET balance = balance + 1 WHERE id = 2")
        blocked.join(10)
    finally:
        for conn in (first, second):
            try:
                conn.rollback()
            finally:
                conn.close()
    return ",".join(errors)


async def test_mysql_detects_a_real_deadlock_with_its_time(fresh_mariadb):
    source = mysql_source(fresh_mariadb)
    before = await source.probe()
    assert before.status is Status.OK and before.data["deadlock_at"] is None, before.detail

    assert _make_deadlock(fresh_mariadb) == "1213"  # the server chose a victim

    after = await source.probe()
    assert after.status is Status.WARNING, after.detail
    seen = datetime.strptime(after.data["deadlock_at"], "%Y-%m-%d %H:%M:%S")
    # InnoDB prints the server's local time; the server runs on this machine
    assert abs((datetime.now() - seen).total_seconds()) < 60
    assert f"deadlock at {after.data['deadlock_at']}" in after.detail
    assert "ago" in after.detail

    # an old deadlock is still reported, but is no longer a warning
    old = await mysql_source(fresh_mariadb, deadlock_window=0).probe()
    assert old.data["deadlock_at"] == after.data["deadlock_at"]
    assert old.status is Status.OK, old.detail


async def test_mysql_without_process_privilege_degrades_instead_of_failing(mariadb):
    result = await mysql_source(mariadb, MYSQL_PLAIN_USER, MYSQL_PLAIN_PASSWORD).probe()
    assert result.status is Status.OK, result.detail
    assert "no PROCESS privilege: deadlocks not visible" in result.detail
    assert result.data["deadlock_at"] is None


async def test_mysql_unreachable_is_critical_with_a_sentence():
    port = free_port()
    result = await MysqlSource(
        "127.0.0.1", port, MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE, timeout=TIMEOUT
    ).probe()
    assert result.status is Status.CRITICAL
    assert result.detail == f"MySQL at 127.0.0.1:{port} refused the connection (is it running?)"


async def test_mysql_password_never_appears_in_any_detail(mariadb):
    results = [
        await mysql_source(mariadb).probe(),  # ok
        await mysql_source(mariadb, password=MYSQL_PASSWORD + "-wrong").probe(),  # denied
        await MysqlSource(  # unknown database
            "127.0.0.1", mariadb.port, MYSQL_USER, MYSQL_PASSWORD, "no_such_db", timeout=TIMEOUT
        ).probe(),
        await MysqlSource(  # refused
            "127.0.0.1", free_port(), MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE, timeout=TIMEOUT
        ).probe(),
    ]
    assert [r.status for r in results] == [Status.OK] + [Status.CRITICAL] * 3
    assert "denied access to user 'genesis_user'" in results[1].detail
    assert "database 'no_such_db'" in results[2].detail
    for result in results:
        for text in (result.detail, repr(result), str(result.to_json())):
            assert MYSQL_PASSWORD not in text
    assert MYSQL_PASSWORD not in repr(mysql_source(mariadb))


# --- Redis -----------------------------------------------------------------------------


async def test_redis_hit_rate_after_known_hits_and_misses(redis_server):
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    client = redis_client(url, TIMEOUT)
    client.config_resetstat()
    source = RedisSource(url, timeout=TIMEOUT)
    try:
        fresh = await source.probe()
        assert fresh.status is Status.OK, fresh.detail
        assert fresh.data["hit_rate"] is None
        assert "no lookups yet" in fresh.detail

        client.set("genesis:key", "x" * 1000)
        for _ in range(3):
            assert client.get("genesis:key") is not None  # hit
        assert client.get("genesis:missing") is None  # miss

        result = await source.probe()
        assert result.status is Status.OK
        assert result.data["hit_rate"] == 75.0
        assert result.data["used_memory"] > 100_000
        assert result.data["clients"] >= 2  # this test's client and the source's
        assert result.detail.startswith("PONG · hit rate 75.0% · ")
        assert result.detail.endswith(" clients")
        assert "MiB" in result.detail or "KiB" in result.detail
    finally:
        client.close()
        await source.close()


async def test_redis_killed_and_restarted_goes_critical_then_ok_by_itself(fresh_redis):
    source = RedisSource(f"redis://127.0.0.1:{fresh_redis.port}/0", timeout=TIMEOUT)
    try:
        assert (await source.probe()).status is Status.OK

        fresh_redis.kill()
        started = time.monotonic()
        down = await source.probe()
        assert time.monotonic() - started < TIMEOUT + 1
        assert down.status is Status.CRITICAL
        assert str(fresh_redis.port) in down.detail
        assert "refused" in down.detail or "closed" in down.detail

        fresh_redis.start()  # the same port, the same source object
        back = await probe_until(source, lambda r: r.status is Status.OK, 5)
        assert back.status is Status.OK, back.detail
        assert back.detail.startswith("PONG")
    finally:
        await source.close()


# --- Temporal --------------------------------------------------------------------------


async def test_temporal_serving_is_ok(temporal_server):
    source = TemporalSource(f"127.0.0.1:{temporal_server.port}", timeout=TIMEOUT)
    try:
        result = await source.probe()
        assert result.status is Status.OK
        assert result.detail == "SERVING"
        assert (await source.probe()).status is Status.OK  # the reused channel still works
    finally:
        await source.close()


async def test_temporal_stopped_is_critical_then_ok_after_restart(fresh_temporal):
    address = f"127.0.0.1:{fresh_temporal.port}"
    source = TemporalSource(address, timeout=TIMEOUT)
    try:
        assert (await source.probe()).status is Status.OK

        fresh_temporal.kill()
        started = time.monotonic()
        down = await source.probe()
        assert time.monotonic() - started < TIMEOUT + 1
        assert down.status is Status.CRITICAL, down.detail
        assert address in down.detail

        fresh_temporal.start()  # waits for SERVING itself
        back = await probe_until(source, lambda r: r.status is Status.OK, 6)
        assert back.status is Status.OK, back.detail
    finally:
        await source.close()


# --- Ports -----------------------------------------------------------------------------


async def test_listening_port_is_ok_and_names_the_process(redis_server):
    result = await PortSource(redis_server.port, timeout=TIMEOUT).probe()
    assert result.name == f"port:{redis_server.port}"
    assert result.status is Status.OK, result.detail
    assert result.data["accepts"] is True
    assert result.data["listening"] is True  # tests run as root here
    assert result.data["pid"] == redis_server.proc.pid
    assert "redis-server" in result.detail and "accepting connections" in result.detail


async def test_closed_port_is_critical():
    port = free_port()
    result = await PortSource(port, timeout=TIMEOUT).probe()
    assert result.status is Status.CRITICAL
    assert result.data == {"listening": False, "accepts": False, "pid": None, "process": None}
    assert result.detail == f"nothing listening on 127.0.0.1:{port} (connection refused)"


# --- Host ------------------------------------------------------------------------------


async def test_host_snapshot_is_sane_and_sees_a_busy_process():
    source = HostSource()
    first = await source.probe()
    assert isinstance(first.data, HostSnapshot)

    end = time.monotonic() + 0.6
    while time.monotonic() < end:  # burn CPU in this process, so it tops the list
        pass
    started = time.monotonic()
    result = await source.probe()
    assert time.monotonic() - started < 0.5  # cheap: no sleeping sample
    snap = result.data
    assert result.status in (Status.OK, Status.WARNING, Status.CRITICAL)
    assert 0 <= snap.cpu_percent <= 100
    assert 0 < snap.memory_percent < 100
    assert 0 < snap.disk_percent <= 100
    assert snap.cpu_count >= 1 and len(snap.load) == 3
    assert 1 <= len(snap.top) <= TOP_COUNT
    assert [p.cpu_percent for p in snap.top] == sorted(
        (p.cpu_percent for p in snap.top), reverse=True
    )
    mine = [p for p in snap.top if p.pid == os.getpid()]
    assert mine and mine[0].cpu_percent > 30, snap.top
    assert snap.disk_read_bps is None or snap.disk_read_bps >= 0
    assert snap.disk_write_bps is None or snap.disk_write_bps >= 0
    assert result.detail.startswith(f"CPU {snap.cpu_percent:.0f}% · mem ")


async def test_host_cpu_of_the_first_probe_is_measured_over_an_interval(tmp_path):
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    with burning_cpu(tmp_path / "burn.log"):
        source = HostSource()  # then probed at once, as `check` and the TUI's first tick do
        task = asyncio.create_task(ticker())
        started = time.monotonic()
        try:
            result = await source.probe()
        finally:
            elapsed = time.monotonic() - started
            task.cancel()
    # one core of this host spins the whole time: a real measurement cannot say 0 %
    assert result.data.cpu_percent > 10, result.detail
    # over a few milliseconds the kernel's 10 ms CPU ticks give 0 % or 100 %, not a value
    assert elapsed >= 0.4, elapsed
    assert ticks >= 10  # the event loop kept running while the CPU was measured
