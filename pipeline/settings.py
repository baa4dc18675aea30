"""Run settings: one dataclass, defaults here, CLI options override."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
PATTERNS_DIR = DATA_DIR / "patterns"


@dataclass
class Settings:
    db_path: Path = DATA_DIR / "claims.db"
    raw_dir: Path = DATA_DIR / "raw"
    user_agent: str = (
        f"trial-claims/{__version__} (+https://github.com/trial-claims/trial-claims; science-news claims pipeline)"
    )
    timeout: float = 20.0  # seconds, per request (connect and read)
    total_timeout: float = 60.0  # seconds, one URL including retries
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 3
    backoff: float = 0.5  # seconds, doubled per retry
    max_redirects: int = 10
    rate_per_host: float = 1.0  # requests per second per host
    per_host_concurrency: int = 2
    concurrency: int = 8
    respect_robots: bool = True
    refresh: bool = False
    refetch_after_hours: float = 24.0
    extra: dict = field(default_factory=dict)
