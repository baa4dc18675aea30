"""`claims serve`: Datasette over the claims database, read-only, on 127.0.0.1."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from models.errors import SchemaError
from pipeline.cli.options import DB_OPTION, existing_db
from pipeline.store import open_db
from pipeline.web.datasette import HOST, fetch_path, host_checked, make_datasette


@click.command()
@DB_OPTION
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port on 127.0.0.1.")
@click.option("-i", "--immutable", is_flag=True,
              help="Open the file immutable (a snapshot nobody writes to while it is served).")
@click.option("--get", "get_path", default=None, metavar="PATH",
              help="Print the response for one path (e.g. /claims/flagged_trials.json) and exit.")
def serve(db_path: str, port: int, immutable: bool, get_path: str | None) -> None:
    """Browse and query the claims database with Datasette (read-only, 127.0.0.1 only).

    Canned queries: trials by drug or condition, doses of a drug, flagged trials, planned and
    ongoing trials, trials without a size, the same trial in several outlets. The
    trial_summary view is one flat row per trial; add .csv or .json to any page to export.

    Example:

    \b
        claims serve --db data/claims.db --port 8001
    """
    with open_db(existing_db(db_path), read_only=True) as db:
        db.execute("select count(*) from sqlite_master")  # a corrupt or non-SQLite file fails here, cleanly
    try:
        ds = make_datasette(db_path, immutable=immutable)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    if get_path is not None:
        status, text = fetch_path(ds, get_path)
        click.echo(text)
        if status != 200:
            raise click.ClickException(f"GET {get_path} returned {status}")
        return
    import uvicorn

    asyncio.run(ds.invoke_startup())
    click.echo(f"Datasette: http://{HOST}:{port}/{Path(db_path).stem}", err=True)
    uvicorn.run(host_checked(ds.app(), port), host=HOST, port=port, log_level="warning", lifespan="on", workers=1)
