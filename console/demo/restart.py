"""The demo's restart command: asks the demo supervisor to restart the orchestrator.

Usage: python -m console.demo.restart SUPERVISOR_URL. It plays the part of
`systemctl restart genesis-orchestrator`: quiet on success, one line on stderr and
exit status 1 on failure.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def main(argv: list[str] | None = None) -> int:
    """POST /restart to the supervisor URL given as the only argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m console.demo.restart SUPERVISOR_URL", file=sys.stderr)
        return 2
    request = urllib.request.Request(args[0].rstrip("/") + "/restart", data=b"", method="POST")
    try:
        # loopback only: never through a proxy from the environment
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=5) as reply:
            reply.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"Failed to restart genesis-orchestrator.service: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
