"""Real-server fixtures: each module below starts its servers on free loopback ports."""

from tests.integration.fixtures_datastores import *  # noqa: F403
from tests.integration.fixtures_monitoring import *  # noqa: F403
from tests.integration.sla_history import history  # noqa: F401
