"""The restart command as a real process: daemons it leaves behind, and floods of output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: the child: run the restart plan once and say how it ended and how much memory it took
RESTART_ONCE = """
import asyncio, json, resource, sys
from console.actions.restart import plan_restart
from console.config import Config, OrchestratorConfig
config = Config(orchestrator=OrchestratorConfig(
    url="http://127.0.0.1:9", restart_command=sys.argv[1:], restart_timeout_seconds=120,
    ready_deadline_seconds=0))
plan = plan_restart(config)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcome = asyncio.run(plan.execute(lambda text: None))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"ok": outcome.ok, "message": outcome.message, "grew_kib": after - before}))
"""

#: 200 MB of output, then the line that says what went wrong, then a failure
FLOOD = "yes 'starting genesis-orchestrator' | head -c 200000000; echo; echo 'unit genesis-orchestrator: port 8000 in use'; exit 3"


def restart_in_a_child(argv: list[str]) -> dict:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", RESTART_ONCE, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_hundreds_of_megabytes_of_output_keep_memory_bounded_and_the_last_line():
    result = restart_in_a_child(["sh", "-c", FLOOD])

    assert not result["ok"]
    assert result["message"] == (
        "the restart command failed (exit 3): unit genesis-orchestrator: port 8000 in use"
    )
    # a bounded tail, not 200 MB held whole (that grew by about 900 MB here)
    assert result["grew_kib"] < 32 * 1024, result
