"""The parsing package stays pure logic: no web framework, no database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import campaign.parsing

PACKAGE = Path(campaign.parsing.__file__).parent
FORBIDDEN = ("flask", "sqlalchemy", "campaign.models", "campaign.extensions", "campaign.services")


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_parsing_module_imports_neither_flask_nor_the_database(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not [name for name in imported if name.startswith(FORBIDDEN)]
