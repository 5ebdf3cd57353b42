"""MySQL / MariaDB: reachable, threads connected, slow queries, the latest InnoDB deadlock.

Each probe opens its own connection and closes it. At one probe every few seconds a
connection costs well under a millisecond on a LAN, and a fresh one means a server
restart, a failover or a killed session never leaves a stale socket behind: the first
probe after the server returns is simply ok again. A reused connection would need
reconnect logic and a lock for a thread the poller may have given up on.

Status rules:
  ok        SELECT 1 answered, no slow query, no deadlock in the last hour
  warning   a query has run longer than `slow_after` seconds (10), or the latest
            InnoDB deadlock happened within `deadlock_window` seconds (one hour);
            an older deadlock is still reported in `deadlock_at`, without a warning
  critical  the server cannot be reached, refuses the login, or does not speak MySQL

data: {"threads_connected": int, "slow_queries": int, "deadlock_at": str | None}
where `deadlock_at` is the server's own local time of the latest deadlock,
"YYYY-MM-DD HH:MM:SS", as InnoDB prints it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import socket
import ssl
import threading
from typing import TYPE_CHECKING, Any

from console.clock import format_age
from console.model import MysqlData, ProbeResult, Status
from console.sources.base import Source, SourceError, run_blocking
from console.sources.tlsclient import TlsSetupError, client_context, tls_sentence, tls_text_sentence
from console.text import clean

if TYPE_CHECKING:
    from console.config import TlsConfig

#: a query running longer than this many seconds counts as slow
SLOW_AFTER_SECONDS = 10
#: a deadlock newer than this many seconds makes the status a warning
DEADLOCK_WINDOW_SECONDS = 3600

# Replication and daemon threads sit in the processlist with large times by design.
_NOT_QUERIES = ("Sleep", "Daemon", "Binlog Dump", "Binlog Dump GTID", "Slave_IO", "Slave_SQL")

_DEADLOCK_HEADER = "LATEST DETECTED DEADLOCK"
_TIMESTAMP = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})", re.MULTILINE)

# pymysql error codes, client (2xxx) and server (1xxx)
_REFUSED = 2003
_LOST = 2013
_GONE = 2006
_SSL_FAILED = 2026
_ACCESS_DENIED = 1045
_DB_ACCESS_DENIED = 1044
_UNKNOWN_DB = 1049
_TOO_MANY = 1040
_HOST_BLOCKED = 1129
_HOST_NOT_ALLOWED = 1130
_NEED_PROCESS = (1227,)  # "Access denied; you need (at least one of) the PROCESS privilege"


class MysqlSource(Source):
    """Checks one MySQL or MariaDB server with a fresh, fully time-bounded connection."""

    name = "mysql"
    timeout: float

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str | None,
        database: str,
        *,
        timeout: float,
        slow_after: int = SLOW_AFTER_SECONDS,
        deadlock_window: float = DEADLOCK_WINDOW_SECONDS,
        tls: TlsConfig | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self._password = password
        self.database = database
        self.timeout = timeout
        self.slow_after = slow_after
        self.deadlock_window = deadlock_window
        #: CA, client certificate and server name when the connection must be TLS
        self.tls = tls

    def __repr__(self) -> str:
        # never show the password, not even in a traceback's locals
        return f"MysqlSource({self.user}@{self.host}:{self.port}/{self.database})"

    @property
    def where(self) -> str:
        """host:port, as the detail sentences name the server."""
        return f"{self.host}:{self.port}"

    async def _probe(self) -> ProbeResult:
        try:
            facts = await run_blocking(self._collect)
        except SourceError as exc:
            raise SourceError(self._scrub(exc.detail), exc.status) from None
        return self._result(facts)

    def _collect(self) -> dict[str, Any]:
        import pymysql

        tls: dict[str, Any] = {}
        if self.tls is not None:
            try:
                tls["ssl"] = client_context(self.tls)
            except TlsSetupError as exc:  # says nothing about the server: unknown
                raise SourceError(f"MySQL at {self.where}: {exc}", Status.UNKNOWN) from None
        connect = _preferred_tls() if self.tls is None else _tls_only()
        conn = connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self._password or "",
            database=self.database or None,
            connect_timeout=self.timeout,
            read_timeout=self.timeout,
            write_timeout=self.timeout,
            autocommit=True,
            charset="utf8mb4",
            defer_connect=True,
            **tls,
        )
        # read_timeout bounds each read, not the probe: a server that drips one byte per
        # second would hold this thread forever. The watchdog ends the probe at its budget.
        aborted = threading.Event()
        watchdog = threading.Timer(self._budget, _abort, args=(conn, aborted))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.connect()
            if self.tls is not None and not isinstance(getattr(conn, "_sock", None), ssl.SSLSocket):
                raise SourceError(f"MySQL at {self.where} did not start TLS")
            return self._queries(conn)
        except pymysql.MySQLError as exc:
            if aborted.is_set():
                raise SourceError(self._too_slow()) from None
            raise SourceError(self._sentence(exc)) from None
        except SourceError:
            raise
        except Exception as exc:  # garbage bytes make the protocol parser fail any way
            if aborted.is_set():
                raise SourceError(self._too_slow()) from None
            if self.tls is not None and isinstance(exc, ssl.SSLError | ConnectionError):
                raise SourceError(f"MySQL at {self.where}: {tls_sentence(exc, self.tls)}") from None
            raise SourceError(self._not_mysql(exc)) from None
        finally:
            watchdog.cancel()
            with contextlib.suppress(Exception):
                conn.close()

    def _too_slow(self) -> str:
        return f"MySQL at {self.where} did not finish answering within {self._budget:g}s"

    @property
    def _budget(self) -> float:
        # a little past the timeout, still inside the poller's grace, so this sentence wins
        return self.timeout + 0.25

    def _queries(self, conn: Any) -> dict[str, Any]:
        import pymysql

        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchall()
            cur.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
            row = cur.fetchone()
            threads = int(row[1]) if row else 0
            placeholders = ", ".join(["%s"] * len(_NOT_QUERIES))
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.processlist"
                f" WHERE command NOT IN ({placeholders}) AND time > %s",
                (*_NOT_QUERIES, self.slow_after),
            )
            slow = int(cur.fetchone()[0])
            process_privilege = True
            deadlock_at = None
            deadlock_age = None
            try:
                cur.execute("SHOW ENGINE INNODB STATUS")
                status_row = cur.fetchone()
            except pymysql.MySQLError as exc:
                if exc.args and exc.args[0] in _NEED_PROCESS:
                    process_privilege = False
                    status_row = None
                else:
                    raise
            if status_row:
                deadlock_at = latest_deadlock(str(status_row[-1]))
            if deadlock_at is not None:
                # the server's clock and zone printed it, so the server measures its age
                cur.execute("SET time_zone = 'SYSTEM'")
                cur.execute("SELECT TIMESTAMPDIFF(SECOND, %s, NOW())", (deadlock_at,))
                age = cur.fetchone()[0]
                deadlock_age = None if age is None else int(age)
        return {
            "threads_connected": threads,
            "slow_queries": slow,
            "deadlock_at": deadlock_at,
            "deadlock_age": deadlock_age,
            "process_privilege": process_privilege,
        }

    def _result(self, facts: dict[str, Any]) -> ProbeResult:
        threads = facts["threads_connected"]
        slow = facts["slow_queries"]
        deadlock_at = facts["deadlock_at"]
        age = facts["deadlock_age"]
        status = Status.OK
        parts = ["SELECT 1 ok", f"{threads} thread{'s' if threads != 1 else ''} connected"]
        if slow:
            status = Status.WARNING
            parts.append(f"{slow} quer{'ies' if slow != 1 else 'y'} running > {self.slow_after}s")
        if not facts["process_privilege"]:
            parts.append("no PROCESS privilege: deadlocks not visible")
        elif deadlock_at is None:
            parts.append("no deadlock seen")
        else:
            recent = age is not None and age < self.deadlock_window
            when = f"deadlock at {deadlock_at}"
            if age is not None:
                when += f" ({format_age(age)} ago)"
            parts.append(when)
            if recent:
                status = Status.WARNING
        data = MysqlData(threads_connected=threads, slow_queries=slow, deadlock_at=deadlock_at)
        return ProbeResult(self.name, status, " · ".join(parts), data=data)

    def _sentence(self, exc: Exception) -> str:
        """A human sentence for a pymysql error, chosen by its error code."""
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        message = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        where = self.where
        if code is None:  # pymysql's own protocol checks (packet sequence, malformed packet)
            return self._not_mysql(exc)
        if self.tls is not None and code in (_REFUSED, _LOST, _GONE, _SSL_FAILED):
            found = tls_text_sentence(message, self.tls)
            if found:
                return f"MySQL at {where}: {found}"
            if code == _SSL_FAILED:
                return f"MySQL at {where} does not offer TLS, and tls_config asks for it"
        if code == _REFUSED:
            if "timed out" in message:
                return f"MySQL at {where} did not accept a connection within {self.timeout:g}s"
            if "Name or service not known" in message or "nodename" in message:
                return f"MySQL host {self.host!r} does not resolve"
            return f"MySQL at {where} refused the connection (is it running?)"
        if code == _LOST:
            if "timed out" in message:
                return f"MySQL at {where} did not answer within {self.timeout:g}s"
            return f"lost the connection to MySQL at {where} mid-reply"
        if code == _GONE:
            return f"MySQL at {where} closed the connection"
        if code == _ACCESS_DENIED:
            if self.tls is None:
                return (
                    f"MySQL at {where} denied access to user {self.user!r}"
                    " (check the password, and whether the user must use TLS: mysql.tls_config)"
                )
            if not self.tls.cert_file:
                return (
                    f"MySQL at {where} denied access to user {self.user!r}"
                    " (check the password, and whether the user must show a client"
                    " certificate: tls_config.cert_file and key_file)"
                )
            return f"MySQL at {where} denied access to user {self.user!r} (check the password)"
        if code == _DB_ACCESS_DENIED:
            # servers say this, not 1049, for a missing database the user has no rights on
            return (
                f"user {self.user!r} may not use database {self.database!r} (or it does not exist)"
            )
        if code == _UNKNOWN_DB:
            return f"MySQL at {where} has no database {self.database!r}"
        if code == _TOO_MANY:
            return f"MySQL at {where} refused: too many connections"
        if code == _HOST_BLOCKED:
            return f"MySQL at {where} blocks this host after too many connection errors"
        if code == _HOST_NOT_ALLOWED:
            return f"MySQL at {where} does not allow connections from this host"
        return f"MySQL at {where}: error {code}: {clean(message, 200)}"

    def _not_mysql(self, exc: Exception) -> str:
        return (
            f"MySQL at {self.where} sent a reply that is not the MySQL protocol"
            f" ({type(exc).__name__})"
        )

    def _scrub(self, text: str) -> str:
        if self._password and self._password in text:
            text = text.replace(self._password, "***")
        return text


def _tls_only() -> Any:
    """A PyMySQL Connection that refuses, before it sends the user name and password, a
    server that does not offer TLS (older PyMySQL would log in in the clear)."""
    import pymysql
    from pymysql.constants import CLIENT

    class TlsOnlyConnection(pymysql.connections.Connection):
        def _request_authentication(self) -> None:
            # types-PyMySQL leaves out the private server_capabilities and _request_authentication
            if not self.server_capabilities & CLIENT.SSL:  # type: ignore[attr-defined]
                raise pymysql.err.OperationalError(
                    _SSL_FAILED, "SSL is required but the server doesn't support it"
                )
            super()._request_authentication()  # type: ignore[misc]  # see above

    return TlsOnlyConnection


@functools.cache
def _preferred_tls() -> Any:
    """PyMySQL's Connection as it is (TLS when the server offers it), but for the TLS
    context of that preferred mode: built once, not for every probe (it loads the
    system's CA certificates, the dearest part of a refused connection)."""
    import pymysql

    shared: list[ssl.SSLContext] = []

    class PreferredTlsConnection(pymysql.connections.Connection):
        # types-PyMySQL leaves out the private _create_ssl_ctx
        def _create_ssl_ctx(self, sslp: dict[str, Any]) -> ssl.SSLContext:
            if sslp != {}:
                return super()._create_ssl_ctx(sslp)  # type: ignore[misc, no-any-return]
            if not shared:
                shared.append(super()._create_ssl_ctx(sslp))  # type: ignore[misc]
            return shared[0]

    return PreferredTlsConnection


def _abort(conn: Any, aborted: threading.Event) -> None:
    """Cut a probe's connection from the watchdog thread; the blocked read then fails."""
    sock = getattr(conn, "_sock", None)
    if sock is not None:
        aborted.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def latest_deadlock(innodb_status: str) -> str | None:
    """The timestamp of the LATEST DETECTED DEADLOCK section, or None if there is none."""
    start = innodb_status.find(_DEADLOCK_HEADER)
    if start < 0:
        return None
    # the timestamp is the first line after the section's dashes, never further away
    after = start + len(_DEADLOCK_HEADER)
    found = _TIMESTAMP.search(innodb_status[after : after + 200])
    if found is None:
        return None
    return found.group(1).replace("T", " ")
