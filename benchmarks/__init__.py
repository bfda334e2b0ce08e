"""Benchmarks (`make bench`): the engine against the floor of parsing the same input."""
