"""The README tells the truth: every setting is documented and every command it shows exists."""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
CONFIG = (ROOT / "campaign" / "config.py").read_text()
TEST_ONLY_SETTINGS = {"TEST_DATABASE_URL"}


def settings_read_by_config() -> set[str]:
    return set(re.findall(r'_(?:env|int|flag)\(environ, "([A-Z0-9_]+)"', CONFIG))


def settings_in_readme_table() -> set[str]:
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README, flags=re.MULTILINE))


def readme_commands() -> list[str]:
    """`campaign ...` lines from the README's code blocks, without their comments."""
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("campaign ")]


def test_every_setting_in_config_is_in_the_readme_table_and_nothing_else():
    assert settings_read_by_config(), "found no settings in config.py: has its style changed?"
    assert settings_in_readme_table() - TEST_ONLY_SETTINGS == settings_read_by_config()


def test_the_readme_starts_with_what_the_tool_is_for_then_the_two_commands():
    intro, _, rest = README.partition("```sh")
    assert "Freedom of" in intro
    assert rest.startswith("\nmake run\n")
    assert "```sh\nmake test\n```" in rest


@pytest.mark.parametrize("line", readme_commands())
def test_each_command_in_the_readme_exists_with_its_options(line, tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    words = shlex.split(line)[1:]
    path = list(itertools.takewhile(lambda word: re.fullmatch(r"[a-z][a-z-]*", word), words))
    options = re.findall(r"--[a-z][a-z-]*", line)

    result = CliRunner().invoke(main, [*path, "--help"], prog_name="campaign")

    assert result.exit_code == 0, f"`campaign {' '.join(path)}` failed:\n{result.output}"
    for option in options:
        assert option in result.output, f"`campaign {' '.join(path)}` has no {option}"


def test_the_readme_shows_the_commands_a_campaigner_needs():
    shown = " ".join(readme_commands())
    for command in ("users create", "authorities load-uk", "authorities import", "db upgrade"):
        assert f"campaign {command}" in shown
