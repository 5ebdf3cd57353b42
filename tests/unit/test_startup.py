"""The path to the first paint imports none of the slow client libraries."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("httpx", "redis", "pymysql", "grpc", "psutil")


def test_nothing_heavy_is_imported_before_the_first_paint():
    probe = (
        "import sys, json\n"
        "from console import cli, commands\n"
        "from console.ui import app\n"
        "from console.demo import start_demo\n"
        "stack = start_demo('healthy')\n"
        "instance = app.GenesisApp(stack.config, sources_factory=lambda: [], **stack.app_options())\n"
        "stack.stop()\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


async def test_sources_are_built_only_after_the_first_paint():
    from console.config import Config
    from console.ui.app import GenesisApp

    painted_before_build: list[bool] = []

    def factory():
        painted_before_build.append(app.screen.is_mounted and bool(app.query("#header")))
        return []

    app = GenesisApp(Config(), sources_factory=factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
    assert painted_before_build == [True]
