"""Actions: each is a plan (exactly what will run) plus the one executor."""
