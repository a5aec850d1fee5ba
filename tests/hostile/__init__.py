"""Hostile-input tests: one test per attack in docs/security.md."""
