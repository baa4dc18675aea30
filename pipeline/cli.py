"""Command line: a thin click layer over the importable pipeline API."""

from __future__ import annotations

import click

from pipeline import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claims")
def cli() -> None:
    """Turn science-news pages into an SQLite database of clinical-trial claims.

    Example:

        claims ingest data/samples/ && claims show 1
    """


# --- commands defined in other modules register here (one line each) ---------------------
