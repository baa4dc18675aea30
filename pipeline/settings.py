"""Run settings: one dataclass, defaults here, CLI options override."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__
from scrapers.fetch import FetchSettings

DEFAULT_DB = Path("data") / "claims.db"


@dataclass
class Settings(FetchSettings):
    """Fetch settings plus where the database and the raw pages live. The raw store sits beside the
    database unless ``raw_dir`` says otherwise, so a database elsewhere is self-contained."""

    db_path: Path = DEFAULT_DB
    raw_dir: Path | None = None
    user_agent: str = (
        f"trial-claims/{__version__} (+https://github.com/trial-claims/trial-claims; science-news claims pipeline)"
    )
    refresh: bool = False
    refetch_after_hours: float = 24.0
    workers: int | None = None  # processes for clean + extract; None: one per core
    # The per-page extraction budget: a longer text or a slower run is recorded as the page's failure.
    max_text_chars: int = 500_000
    extract_seconds: float = 60.0
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.db_path = Path(self.db_path)
        if self.raw_dir is None:
            self.raw_dir = self.db_path.parent / "raw"
