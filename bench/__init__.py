"""Benchmarks that print figures (STYLE.md §1); not part of the test run. See bench/README.md."""
