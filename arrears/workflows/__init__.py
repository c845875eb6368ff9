"""Deterministic code: the case workflow and the pure rules it runs."""
