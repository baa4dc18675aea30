"""The `claims` command group: every command is registered here from its module under pipeline/cli/."""

from __future__ import annotations

import click

from pipeline import __version__
from pipeline.cli.corpus import load, spark
from pipeline.cli.evaluation import eval_command, eval_sizes_command
from pipeline.cli.extract import clean_command, extract
from pipeline.cli.ingest import ingest, reprocess
from pipeline.cli.query import query, show
from pipeline.cli.review import audit
from pipeline.cli.train import train
from pipeline.cli.web import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claims")
def cli() -> None:
    """Turn science-news pages into an SQLite database of clinical-trial claims.

    Example:

        claims ingest data/samples/ && claims show 1
    """


for command in (ingest, reprocess, extract, clean_command, query, show, audit, serve, spark, load, eval_command,
                eval_sizes_command, train):
    cli.add_command(command)
