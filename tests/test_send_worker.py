"""`campaign worker` as a person starts it: it opens its database before taking jobs, and says
so plainly when it cannot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CAMPAIGN_BIN = str(Path(sys.executable).parent / "campaign")


def test_worker_says_at_start_that_its_database_cannot_be_reached(tmp_path):
    env = {
        **os.environ,
        "CAMPAIGN_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-folder' / 'campaign.db'}",
        "REDIS_URL": "",
    }
    worker = subprocess.Popen(
        [CAMPAIGN_BIN, "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline().startswith("Worker started (2 threads")
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=20)  # hang guard
    first_line = errors.splitlines()[0]
    assert first_line.startswith("Warning: the database cannot be reached yet:")
    assert "unable to open database file" in first_line
