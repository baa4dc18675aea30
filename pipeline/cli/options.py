"""Options and guards shared by the commands, declared once."""

from __future__ import annotations

import math
import os
from pathlib import Path

import click

from pipeline.settings import DEFAULT_DB, Settings


class PositiveFloat(click.ParamType):
    """A finite number above zero: 0, negative, NaN and infinity are refused, never taken to mean "off"."""

    name = "number>0"

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or number <= 0:
            self.fail(f"{value!r} must be a finite number above 0", param, ctx)
        return number


POSITIVE = PositiveFloat()

DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=str(DEFAULT_DB),
    show_default=True, help="SQLite database file.",
)


RAW_DIR_OPTION = click.option(
    "--raw-dir", type=click.Path(file_okay=False), default=None,
    help="Where raw pages are kept (default: raw/ beside the database).",
)


def existing_db(db_path: str | Path) -> str:
    """The path of a database that exists; a typo must not create an empty one."""
    path = Path(db_path)
    if not path.exists():
        raise click.ClickException(f"no database at {db_path}; run `claims ingest` first")
    if path.is_dir():
        raise click.ClickException(f"{db_path} is a directory, not a database file")
    return str(db_path)


def writable_db(db_path: str | Path) -> str:
    """The path of a database a command may create or write: its directory must be one."""
    path = Path(db_path)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise click.ClickException(f"cannot create {db_path}: {parent} is a file, not a directory")
            break
    if path.is_dir():
        raise click.ClickException(f"{db_path} is a directory, not a database file")
    return str(db_path)


def settings_for(db_path: str, **overrides: object) -> Settings:
    """Settings for a run on ``db_path``; options left as None keep their defaults."""
    raw_dir = overrides.pop("raw_dir", None)
    settings = Settings(db_path=Path(db_path), raw_dir=Path(raw_dir) if raw_dir else None)
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
