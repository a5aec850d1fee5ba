"""Faults survived: one test per fault in docs/scaling.md ("Faults"), each on real processes."""
