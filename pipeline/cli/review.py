"""`claims audit`: the review page, and its `report` and `export` subcommands."""

from __future__ import annotations

import json
from typing import Any

import click
import sqlite_utils
from rich.console import Console
from rich.table import Table

from models.schema import ensure_schema
from pipeline.cli.options import DB_OPTION, existing_db
from pipeline.review.audit import export_gold, precision_report
from pipeline.settings import DEFAULT_DB
from pipeline.web.audit_server import AuditServer


def report_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Audit precision (accepted / judged)")
    for column in ("version", "by", "name", "judged", "accepted", "corrected", "rejected", "not a trial",
                   "precision"):
        table.add_column(column, justify="right" if column not in ("version", "by", "name") else "left")
    for r in rows:
        table.add_row(r["extractor_version"], r["by"], r["name"], str(r["judged"]), str(r["accepted"]),
                      str(r["corrected"]), str(r["rejected"]), str(r["not_a_trial"]), f"{r['precision']:.3f}")
    return table


def open_audit_db(db_path: str) -> sqlite_utils.Database:
    """Open an existing claims database (never create one: a typo must not make an empty DB)."""
    db = sqlite_utils.Database(existing_db(db_path))
    ensure_schema(db)
    return db


def _default_reviewer() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "reviewer"


@click.group(invoke_without_command=True)
@DB_OPTION
@click.option("--port", type=int, default=8002, show_default=True, help="Port on 127.0.0.1 (0 = any free).")
@click.option("--reviewer", default=_default_reviewer, show_default="login name",
              help="Name stored with every verdict.")
@click.option("--open/--no-open", "open_browser", default=False, help="Open the page in a browser.")
@click.pass_context
def audit(ctx: click.Context, db_path: str, port: int, reviewer: str, open_browser: bool) -> None:
    """Review extracted values against highlighted evidence; with no subcommand, serve the page.

    The page lists articles to review (flagged trials first, then the rules with the lowest
    observed precision, then newest). Keys: j/k next/previous value, a accept, r reject,
    c correct, t not a trial, n/p next/previous article, ? help.

    Example:

    \b
        claims audit --db data/claims.db --reviewer alice
    """
    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path
    if ctx.invoked_subcommand is not None:
        return
    open_audit_db(db_path).close()
    try:
        server = AuditServer(db_path, reviewer=reviewer, port=port)
    except OSError as exc:
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc} "
                                   "(another program uses the port? try --port 0)") from exc
    click.echo(f"audit page: {server.url}  (reviewer {reviewer}; Ctrl-C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.close()


def _db_from(ctx: click.Context, db_path: str | None) -> str:
    return db_path or ctx.obj.get("db_path") or str(DEFAULT_DB)


@audit.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="SQLite database file (default: the group's --db).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON rows instead of a table.")
@click.pass_context
def report(ctx: click.Context, db_path: str | None, as_json: bool) -> None:
    """Precision per field and per rule id from the verdicts, per extractor version.

    Example:

    \b
        claims audit report --json
    """
    db = open_audit_db(_db_from(ctx, db_path))
    rows = precision_report(db)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo("no verdicts yet; review values with `claims audit`")
    else:
        Console().print(report_table(rows))


@audit.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="SQLite database file (default: the group's --db).")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="JSONL file to write (default stdout).")
@click.option("--partial", is_flag=True, help="Also export articles with values still pending review.")
@click.pass_context
def export(ctx: click.Context, db_path: str | None, output, partial: bool) -> None:
    """Write audited articles as gold JSONL (shared/gold/GUIDELINE.md schema) for `make eval`.

    Example:

    \b
        claims audit export -o tests/audited.jsonl
    """
    db = open_audit_db(_db_from(ctx, db_path))
    n = 0
    for record in export_gold(db, include_partial=partial):
        output.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    click.echo(f"{n} audited article(s) exported", err=True)
