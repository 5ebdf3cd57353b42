"""Config, theme and keymap files are read with libyaml's parser under the bounded Python
composer (issue 13: the themes and keymap are read before the first frame): the same
values as PyYAML's safe loader, the same refusals, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from console import paths
from console.config import ConfigError, load_yaml

BUNDLED = sorted(
    [*paths.bundled_dir("themes").glob("*.yaml"), *paths.bundled_dir("keymaps").glob("*.yaml")]
)


def test_bundled_files_exist():
    assert len(BUNDLED) >= 4


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_file_reads_as_pyyaml_reads_it(path: Path):
    text = path.read_text()
    data, lines = load_yaml(text, str(path))
    assert data == yaml.safe_load(text)
    assert lines[()] >= 1


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("[" * 5000 + "]" * 5000, "not valid YAML"),  # deeper than libyaml's own limit
        ("[" * 80 + "]" * 80, "nested more than"),
        ("a: &x [*x]", "recursive structures are refused"),
        ("a: \x00", "not valid YAML"),
        ("a: \udc80", "not UTF-8"),  # only reachable from a str, never from a file
        ("a: !!python/object:os.system 1", "not valid YAML"),
    ],
)
def test_hostile_text_is_a_config_error(text: str, phrase: str):
    with pytest.raises(ConfigError) as caught:
        load_yaml(text, "f.yaml")
    assert phrase in caught.value.message
