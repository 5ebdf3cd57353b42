"""The simulated GENESIS world behind `genesis-console demo`."""
