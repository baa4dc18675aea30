"""The CLI imports spaCy (and the other slow libraries) only in the commands that need them: not for
`from pipeline.cli import cli`, not for any --help, not in the fetcher and writer of `ingest --workers 2`.
Each check runs in a fresh interpreter, where sys.modules shows what was imported."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from tests.conftest import ROOT, SAMPLES

HEAVY = ("spacy", "thinc", "pipeline.extract", "pipeline.nlp", "pipeline.assemble", "trafilatura", "htmldate",
         "datasketch", "datasette", "uvicorn", "pyspark")

PRELUDE = f"""
import sys
from click.testing import CliRunner
from pipeline.cli import cli

def check(when):
    loaded = [name for name in {HEAVY!r} if name in sys.modules]
    assert not loaded, f"{{when}} imported {{loaded}}"
"""


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PRELUDE + code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_main_import_and_help_import_no_spacy():
    result = run_python("""
check("from pipeline.cli import cli")
for args in [["--help"], ["--version"], *([name, "--help"] for name in sorted(cli.commands))]:
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, (args, out.output)
    check("claims " + " ".join(args))
""")
    assert result.returncode == 0, result.stderr


def test_main_ingest_with_workers_imports_no_spacy_in_this_process(tmp_path):
    page = SAMPLES / "baclofen-alcohol-trial.html"
    result = run_python(f"""
out = CliRunner().invoke(cli, ["ingest", "--db", {str(tmp_path / "claims.db")!r}, "--workers", "2", {str(page)!r}])
assert out.exit_code == 0, out.output
check("claims ingest --workers 2")
""")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "claims.db") as conn:  # the workers did extract the page
        assert conn.execute("select count(*) from trials").fetchone()[0] > 0
