"""`campaign authorities ...` (placeholder until the authorities module lands)."""

from __future__ import annotations

import click


@click.group()
def authorities() -> None:
    """Load and import public authorities."""
