"""`claims query` (read-only SQL) and `claims show` (one article's claims with evidence)."""

from __future__ import annotations

import csv
import json
import sqlite3
import sys

import click
from rich.console import Console
from rich.table import Table

from pipeline.cli.options import DB_OPTION, existing_db
from pipeline.cli.render import render_article
from pipeline.store import find_article, open_db


@click.command()
@click.argument("sql")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON (a list of objects).")
@click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")
def query(sql: str, db_path: str, as_json: bool, as_csv: bool) -> None:
    """Run a read-only SQL query and print the rows (table, --json or --csv).

    Tables: pages, articles, trials, arms, doses, outcomes, flags, audits; view trial_summary.

    Example:

    \b
        claims query "select size, duration, role from trials where size > 100" --csv
    """
    db = open_db(existing_db(db_path), read_only=True)
    try:
        cursor = db.execute(sql)
    except sqlite3.Error as exc:
        hint = " (queries are read-only: ATTACH is refused)" if "not authorized" in str(exc) else ""
        raise click.ClickException(f"query failed: {exc}{hint}") from exc
    columns = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall()
    if as_json:
        click.echo(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, indent=2))
    elif as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns, show_lines=False)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)


@click.command()
@click.argument("article")
@DB_OPTION
def show(article: str, db_path: str) -> None:
    """Print an article's trials, arms, doses and outcomes with their evidence sentences.

    ARTICLE is an article id, a URL or a local path that was ingested, or a row number
    (1 = first article ingested).

    Example:

    \b
        claims show data/samples/baclofen-alcohol-trial.html
    """
    if article.isdigit() and int(article) == 0:
        raise click.ClickException("row numbers start at 1 (1 = first article ingested)")
    db = open_db(existing_db(db_path), read_only=True)
    row = find_article(db, article)
    if row is None:
        raise click.ClickException(f"no article matches {article!r}")
    Console().print(render_article(db, row))
