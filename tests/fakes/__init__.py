"""Stand-ins for outside services, real enough to talk to over the network.

Tests import `from fakes import FakeMailgun` (pytest puts tests/ on the path); bench scripts run
from the project root import `from tests.fakes import FakeMailgun`.
"""

from .fake_mailgun import FakeMailgun, ReceivedMessage

__all__ = ["FakeMailgun", "ReceivedMessage"]
