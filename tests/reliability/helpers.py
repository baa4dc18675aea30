"""What every reliability test checks: recorded failures with their reason, the rest stored, the file sound."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = [str(Path(sys.executable).with_name("claims"))]
GOOD_PAGE = b"""<html><head><title>Magnesium trial</title></head><body><article>
<h1>Magnesium eases leg cramps in a small trial</h1>
<p>In a randomized, placebo-controlled trial, 120 adults with night-time leg cramps took part for 8 weeks.
Of these, 60 received 300 mg of magnesium daily and 60 received placebo.</p>
<p>Cramps fell by 40% in the magnesium group and by 20% in the placebo group, the researchers said.</p>
</article></body></html>"""


def fast_settings(tmp_path: Path, **overrides: object) -> Settings:
    settings = Settings(db_path=tmp_path / "claims.db", raw_dir=tmp_path / "raw", timeout=1.0, total_timeout=3.0,
                        retries=0, backoff=0.01, rate_per_host=100.0, per_host_concurrency=4)
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


def failures(db_path: Path) -> dict[str, str]:
    """url -> error of every failed page row."""
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("select url, error from pages where ok = 0").fetchall())


def stored_urls(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {r[0] for r in conn.execute("select url from article_urls")}


def assert_sound(db_path: Path) -> None:
    """Integrity and foreign keys clean; no claim row without its article; no article without a page."""
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        for table in ("trials", "arms", "doses", "outcomes", "flags", "article_urls"):
            orphans = conn.execute(f"select count(*) from {table} where article_id not in (select id from articles)")
            assert orphans.fetchone()[0] == 0, table
        unpaged = conn.execute("select count(*) from articles where id not in "
                               "(select article_id from pages where article_id is not null)")
        assert unpaged.fetchone()[0] == 0


def run_claims(*args: str, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real command in a subprocess: what a user sees, exit code and all."""
    return subprocess.run([*CLAIMS, *args], cwd=ROOT, input=input, capture_output=True, timeout=timeout)


def assert_clean_error(result: subprocess.CompletedProcess | object, *phrases: str, code: int = 1) -> None:
    """A one-line error with a non-zero exit code, never a traceback."""
    out = result.stdout + result.stderr if hasattr(result, "stderr") else result.output
    out = out.decode() if isinstance(out, bytes) else out
    code_seen = result.returncode if hasattr(result, "returncode") else result.exit_code
    assert code_seen == code, out
    assert "Traceback" not in out, out
    for phrase in phrases:
        assert phrase in out, out
