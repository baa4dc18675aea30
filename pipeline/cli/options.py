"""Options and guards shared by the commands, declared once."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pipeline.settings import DEFAULT_DB, Settings

DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=str(DEFAULT_DB),
    show_default=True, help="SQLite database file.",
)


def existing_db(db_path: str | Path) -> str:
    """The path of a database that exists; a typo must not create an empty one."""
    if not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path}; run `claims ingest` first")
    return str(db_path)


def settings_for(db_path: str, **overrides: object) -> Settings:
    """Settings for a run on ``db_path``; options left as None keep their defaults."""
    settings = Settings(db_path=Path(db_path))
    for key, value in overrides.items():
        if value is not None:
            setattr(settings, key, value)
    return settings


def _use_models(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from pipeline.nlp import MODELS_ENV

        os.environ[MODELS_ENV] = str(Path(value).resolve())  # worker processes inherit it
    return value


MODELS_OPTION = click.option(
    "--models", type=click.Path(file_okay=False, exists=True), default=None, expose_value=False,
    callback=_use_models, help="Trained models written by `claims train --out` (default: the shipped ones).",
)
