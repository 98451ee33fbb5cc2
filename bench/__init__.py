"""Benchmarks (issue 8): they print figures next to a baseline measured in the same run; they never assert times."""
