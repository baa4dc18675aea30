"""Datasette over the claims database: read-only, 127.0.0.1 only, with data/datasette.yml metadata."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click
import yaml
from datasette.app import Datasette

from models.errors import SchemaError
from pipeline.settings import DATA_DIR, Settings

METADATA_PATH = DATA_DIR / "datasette.yml"
HOST = "127.0.0.1"  # never another interface: the database holds unreviewed claims


def load_metadata(db_path: str | Path, metadata_path: Path = METADATA_PATH) -> dict[str, Any]:
    """The metadata file with its database section keyed by this database's name (file stem)."""
    try:
        metadata = yaml.safe_load(metadata_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SchemaError(f"cannot read Datasette metadata: {exc}", path=str(metadata_path)) from exc
    databases = metadata.get("databases") or {}
    if databases:
        section = next(iter(databases.values()))
        metadata["databases"] = {Path(db_path).stem: section}
    return metadata


def make_datasette(db_path: str | Path, *, immutable: bool = False) -> Datasette:
    """A Datasette instance over one claims DB. Mutable files are opened ``mode=ro`` by Datasette
    itself, so ingest and the audit page can keep writing while users query; ``immutable``
    suits a finished snapshot (faster counts, but it must not change while served)."""
    path = str(Path(db_path))
    return Datasette(
        files=[] if immutable else [path],
        immutables=[path] if immutable else [],
        metadata=load_metadata(path),
        settings={"sql_time_limit_ms": 3000, "max_returned_rows": 5000},
    )


def fetch_path(ds: Datasette, path: str) -> tuple[int, str]:
    """GET one path through Datasette's in-process client (no socket)."""

    async def run() -> tuple[int, str]:
        await ds.invoke_startup()
        response = await ds.client.get(path)
        return response.status_code, response.text

    return asyncio.run(run())


@click.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=str(Settings().db_path),
              show_default=True, help="SQLite database file.")
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

        claims serve --db data/claims.db --port 8001
    """
    if not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path}; run `claims ingest` first")
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
    uvicorn.run(ds.app(), host=HOST, port=port, log_level="warning", lifespan="on", workers=1)
