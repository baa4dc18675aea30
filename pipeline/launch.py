"""The ``claims`` console script: starts the workers' forkserver when the command will need one
(``pipeline.forkserver.start_early``), then imports and runs the command group."""

from __future__ import annotations

import sys


def main() -> None:
    from pipeline.forkserver import start_early

    start_early(sys.argv)
    from pipeline.cli import cli

    cli()
