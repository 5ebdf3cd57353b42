"""Grafana: its own health endpoint, which also says whether its database answers."""

from __future__ import annotations

from console.model import GrafanaData, ProbeResult, Status
from console.sources.base import SourceError
from console.sources.http import PooledHttpSource, http_status_error, request


class GrafanaSource(PooledHttpSource):
    """Grafana's `/api/health`: ok when it answers and its database is ok."""

    name = "grafana"

    async def _probe(self) -> ProbeResult:
        reply = await request(self._http(), "GET", self.url + "/api/health", timeout=self.timeout)
        if reply.status not in (200, 503):
            raise http_status_error(reply, "Grafana health")
        body = reply.json("Grafana health reply")
        if not isinstance(body, dict):
            raise SourceError("unexpected Grafana health reply: not a JSON object", Status.UNKNOWN)
        database = body.get("database")
        version = body.get("version")
        suffix = f" · v{version}" if isinstance(version, str) and version else ""
        data = GrafanaData(
            database=database if isinstance(database, str) else None,
            version=version if isinstance(version, str) else None,
        )
        if reply.status == 200 and database == "ok":
            return ProbeResult(self.name, Status.OK, f"database ok{suffix}", data=data)
        if database is None and reply.status == 200:
            raise SourceError("unexpected Grafana health reply: no database field", Status.UNKNOWN)
        state = database if isinstance(database, str) else "failing"
        return ProbeResult(
            self.name, Status.CRITICAL, f"database {state} (HTTP {reply.status}){suffix}", data=data
        )
