"""Kinds that already held when issue 10 was filed, kept holding: overlapping ingests are exact, scraped markup
stays inert text, Datasette refuses writes, the other commands say "unsupported URL scheme" too."""

from __future__ import annotations

import sqlite3
import subprocess

from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import Response
from tests.reliability.helpers import CLAIMS, GOOD_PAGE, ROOT, assert_clean_error, assert_sound


def test_two_overlapping_ingests_are_exact(server, tmp_path):
    for i in range(6):
        server.routes[f"/p{i}.html"] = Response(200, GOOD_PAGE.replace(b"120 adults", f"{300 + i} adults".encode()),
                                                delay=0.2)
    urls = [server.url(f"/p{i}.html") for i in range(6)]
    db = tmp_path / "claims.db"
    args = [*CLAIMS, "ingest", "--db", str(db), "--rate", "100", "--no-robots", "--refresh"]
    procs = [subprocess.Popen([*args, *urls[:4]], cwd=ROOT, stderr=subprocess.PIPE),
             subprocess.Popen([*args, *urls[2:]], cwd=ROOT, stderr=subprocess.PIPE)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert_sound(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 6
        assert conn.execute("select count(*) from trials where role = 'main'").fetchone()[0] == 6
        assert conn.execute("select count(*) from pages where ok = 1").fetchone()[0] == 8


def test_scraped_script_is_stored_as_inert_text(server, tmp_path, nlp):
    from pipeline.ingest import ingest
    from tests.reliability.helpers import fast_settings

    body = GOOD_PAGE.replace(b"</article>", b"<p>Readers wrote &lt;script&gt;alert(1)&lt;/script&gt; here.</p>"
                                            b"<script>window.__pwned = 1</script></article>")
    server.routes["/xss.html"] = Response(200, body)
    settings = fast_settings(tmp_path)
    ingest([server.url("/xss.html")], settings, nlp=nlp)
    with sqlite3.connect(settings.db_path) as conn:
        text = conn.execute("select text from articles").fetchone()[0]
    assert "window.__pwned" not in text and "<script>alert(1)</script>" in text


def test_clean_and_extract_say_unsupported_url_scheme():
    result = CliRunner().invoke(cli, ["clean", "ftp://example.org/a.html"])
    assert result.exit_code == 1
    assert '"error": "unsupported URL scheme \'ftp\' (http, https, file or a local path)"' in result.output
    result = CliRunner().invoke(cli, ["extract", "javascript:alert(1)"])
    assert_clean_error(result, "unsupported URL scheme 'javascript'")
