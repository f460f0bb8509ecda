"""Benchmarks: the classic tutorial loop against the live pipeline, and the live start-up probe."""
