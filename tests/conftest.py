"""Shared test settings: isolated XDG folders so no test reads or writes the user's files."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.delenv("GENESIS_CONSOLE_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
