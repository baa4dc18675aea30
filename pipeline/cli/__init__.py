"""Command line: click commands only, one module per group, over the importable pipeline API."""

from pipeline.cli.main import cli

__all__ = ["cli"]
