"""genesis-console: a terminal war-room console for the GENESIS Orchestrator."""

__version__ = "0.1.0"
