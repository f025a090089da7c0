"""Runs as specs, the resumable results store, and the runner."""
