"""The `claims` command group: every command is registered here from its module under pipeline/cli/."""

from __future__ import annotations

import sqlite3

import click

from models.errors import ClaimsError
from pipeline import EXTRACTOR_VERSION, __version__
from pipeline.cli.corpus import load, spark
from pipeline.cli.evaluation import eval_command, eval_sizes_command
from pipeline.cli.extract import clean_command, extract
from pipeline.cli.ingest import ingest, reprocess
from pipeline.cli.query import query, show
from pipeline.cli.review import audit
from pipeline.cli.train import train
from pipeline.cli.web import serve


class ClaimsGroup(click.Group):
    """The edge where errors become messages: a database that is corrupt, not SQLite, read-only or
    locked, a file that cannot be read or is not UTF-8, ends the command with one line, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except sqlite3.DatabaseError as exc:
            damaged = any(word in str(exc) for word in ("not a database", "malformed", "file is encrypted"))
            hint = " (the --db file is not a readable claims database)" if damaged else ""
            raise click.ClickException(f"database error: {exc}{hint}") from exc
        except ClaimsError as exc:
            raise click.ClickException(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"input is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"{exc.strerror or exc}{where}") from exc


@click.group(cls=ClaimsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claims",
                      message=f"%(prog)s, package %(version)s, extractor {EXTRACTOR_VERSION}")
def cli() -> None:
    """Turn science-news pages into an SQLite database of clinical-trial claims.

    Example:

    \b
        claims ingest data/samples/ && claims show 1
    """


for command in (ingest, reprocess, extract, clean_command, query, show, audit, serve, spark, load, eval_command,
                eval_sizes_command, train):
    cli.add_command(command)
