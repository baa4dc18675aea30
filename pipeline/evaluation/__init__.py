"""Scoring, the eval gate, the size check and benchmarks: developer tools, imported by no runtime module."""
