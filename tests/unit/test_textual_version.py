"""Textual's major version is read from its dist-info beside the imported package, as
importlib.metadata reads it (the output patch installs only on Textual 8)."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import textual

from console.ui.textual_version import textual_major


def test_the_major_version_is_the_one_importlib_metadata_gives():
    assert textual_major() == int(version("textual").split(".")[0])


def test_no_dist_info_or_two_of_them_says_nothing(tmp_path: Path, monkeypatch):
    package = tmp_path / "textual"
    package.mkdir()
    monkeypatch.setattr(textual, "__file__", str(package / "__init__.py"))
    assert textual_major() is None
    (tmp_path / "textual-8.2.8.dist-info").mkdir()
    (tmp_path / "textual_dev-1.0.0.dist-info").mkdir()  # another package
    assert textual_major() == 8
    (tmp_path / "textual-9.0.0.dist-info").mkdir()  # which one is imported is unknown
    assert textual_major() is None
