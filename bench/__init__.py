"""Benchmarks: scripts that print measured figures next to a baseline measured in the same run.

Not part of the test run; `tests/bench/test_smoke.py` runs each pipeline benchmark at a tiny size.
"""
