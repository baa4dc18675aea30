"""Datasette over the claims database: read-only, 127.0.0.1 only, with the packaged datasette.yml metadata."""

from __future__ import annotations

import asyncio
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from models.errors import SchemaError

if TYPE_CHECKING:
    from datasette.app import Datasette

METADATA_PATH = files("claims_data") / "datasette.yml"
HOST = "127.0.0.1"  # never another interface: the database holds unreviewed claims


def load_metadata(db_path: str | Path, metadata_path=METADATA_PATH) -> dict[str, Any]:
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
    # imported here: Datasette takes about half a second to import, which every other command would pay
    from datasette.app import Datasette

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


def host_checked(app, port: int):
    """The ASGI app behind a Host check, as the audit page does: a page on another site that rebinds
    its DNS name to 127.0.0.1 sends its own Host and is refused."""
    allowed = {f"{HOST}:{port}".encode(), f"localhost:{port}".encode()}

    async def guarded(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            host = dict(scope.get("headers") or []).get(b"host", b"")
            if host not in allowed:
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": b"unexpected Host header"})
                return
        await app(scope, receive, send)

    return guarded
