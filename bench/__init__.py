"""Parley's benchmarks (`make bench`): figures against a floor measured in the same run; never assertions."""
