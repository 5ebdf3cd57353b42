"""Backends, one module each. Nothing here imports Textual."""
