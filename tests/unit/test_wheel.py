"""The wheel built from the repo carries the bundled themes and keymaps, and finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_and_finds_bundled_themes_and_keymaps(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = list(tmp_path.glob("genesis_console-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    themes = sorted(p.name for p in (ROOT / "themes").glob("*.yaml"))
    keymaps = sorted(p.name for p in (ROOT / "keymaps").glob("*.yaml"))
    runbooks = sorted(p.name for p in (ROOT / "runbooks").glob("*.md"))
    assert themes and keymaps and len(runbooks) >= 8
    for name in runbooks:
        assert f"console/_bundled/runbooks/{name}" in names
    for name in themes:
        assert f"console/_bundled/themes/{name}" in names
    for name in keymaps:
        assert f"console/_bundled/keymaps/{name}" in names
    assert "console/ui/app.tcss" in names

    # a non-editable install (unpacked wheel) finds them without the repo
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        "from console import paths; "
        "print(paths.bundled_dir('themes')); "
        "print(sorted(p.name for p in paths.bundled_dir('keymaps').glob('*.yaml')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert out[0] == str(target / "console" / "_bundled" / "themes")
    assert out[1] == str(keymaps)
