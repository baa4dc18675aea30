"""Issue 10, classes 7 (inputs) and 9 (options), and "Also seen on first use": clean errors, never tracebacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import SAMPLES, Response
from tests.reliability.helpers import GOOD_PAGE, ROOT, assert_clean_error, run_claims


def invoke(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.mark.parametrize(("option", "value"), [
    ("--rate", "0"), ("--rate", "-1"), ("--rate", "nan"), ("--rate", "inf"), ("--timeout", "0"),
    ("--timeout", "-3"), ("--total-timeout", "0"), ("--extract-timeout", "nan"),
])
def test_ingest_refuses_options_that_would_disable_a_limit(tmp_path, option, value):
    result = invoke("ingest", "--db", str(tmp_path / "c.db"), option, value, str(SAMPLES))
    assert_clean_error(result, f"Invalid value for '{option}'", "must be a finite number above 0", code=2)
    assert not (tmp_path / "c.db").exists()


def test_urls_file_that_is_not_utf8_is_a_clean_error(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_bytes(b"https://example.org/caf\xe9\n")
    result = invoke("ingest", "--db", str(tmp_path / "c.db"), f"@{listing}")
    assert_clean_error(result, f"cannot read sources: @{listing} is not UTF-8 text")


def test_urls_file_including_itself_is_a_clean_error(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"https://example.org/a\n@{listing}\n")
    result = invoke("ingest", "--db", str(tmp_path / "c.db"), f"@{listing}")
    assert_clean_error(result, f"cannot read sources: @{listing} includes itself")


def test_urls_file_missing_is_a_clean_error(tmp_path):
    result = invoke("ingest", "--db", str(tmp_path / "c.db"), f"@{tmp_path / 'nope.txt'}")
    assert_clean_error(result, "cannot read sources: cannot read @", "No such file or directory")


def test_db_whose_parent_is_a_file_is_a_clean_error(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not a directory")
    result = invoke("ingest", "--db", str(blocker / "claims.db"), str(SAMPLES))
    assert_clean_error(result, f"cannot create {blocker / 'claims.db'}: {blocker} is a file, not a directory")


def test_jsonl_lines_with_unusable_text_give_error_lines_and_the_rest_go_on(tmp_path):
    lines = [{"id": "a", "text": "In a randomized trial, 40 adults took 10 mg of melatonin nightly."},
             {"id": "b", "text": 12345}, {"id": "c", "text": None}, {"id": "d", "text": "x " * 2_500_000},
             {"id": "e", "text": "An observational study of 300 nurses."}]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = invoke("extract", "--jsonl", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c", "d", "e"]
    assert out[1] == {"id": "b", "error": "line 2: 'text' is int, not a string"}
    assert out[2] == {"id": "c", "error": "line 3: 'text' is NoneType, not a string"}
    assert out[3] == {"id": "d", "error": "text too long: 5,000,000 characters (the limit is 500,000)"}
    assert "trials" in out[0] and "trials" in out[4]


def test_jsonl_that_is_not_utf8_is_a_clean_error(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": "a", "text": "caf\xe9"}\n')
    assert_clean_error(run_claims("extract", "--jsonl", str(path)), "input is not UTF-8 text")


def test_stdin_that_is_not_utf8_is_a_clean_error():
    assert_clean_error(run_claims("extract", "-", input=b"caf\xe9 \xff\xfe trial"), "stdin is not UTF-8 text")


def test_eval_with_a_missing_gold_file_fails(tmp_path):
    result = invoke("eval", "--gold", str(tmp_path / "MISSING.jsonl"))
    assert_clean_error(result, f"gold file {tmp_path / 'MISSING.jsonl'} not found")


def test_make_eval_skips_cleanly_where_shared_is_absent(tmp_path):
    import subprocess

    result = subprocess.run(["make", "-s", "eval", f"SHARED={tmp_path / 'absent'}"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"skipped: {tmp_path / 'absent'}/gold/dev.jsonl not found" in result.stdout


def test_progress_total_counts_each_source_once(server, tmp_path):
    server.routes["/a.html"] = Response(200, GOOD_PAGE)
    url = server.url("/a.html")
    result = invoke("ingest", "--db", str(tmp_path / "c.db"), "--no-robots", "--rate", "100", url, url, url + "#top")
    assert result.exit_code == 0, result.output
    assert re.search(r"\b1/1\b", result.output), result.output


def test_summary_counts_trials_of_cached_articles_too(server, tmp_path):
    server.routes["/a.html"] = Response(200, GOOD_PAGE)
    args = ["ingest", "--db", str(tmp_path / "c.db"), "--no-robots", server.url("/a.html")]
    first, again = invoke(*args), invoke(*args)
    row = r"│\s+(\d+)\s+│\s+(\d+)\s+│\s+(\d+)\s+│\s+(\d+)\s+│\s+(\d+)\s+│"
    assert re.search(row, first.output).groups() == ("1", "0", "0", "1", "1")
    assert re.search(row, again.output).groups() == ("0", "1", "0", "1", "1")


def test_version_names_the_package_and_the_extractor():
    from pipeline import __version__
    from pipeline.extract import EXTRACTOR_VERSION

    result = invoke("--version")
    assert result.output.strip() == f"claims, package {__version__}, extractor {EXTRACTOR_VERSION}"


@pytest.mark.parametrize("command", ["ingest", "extract"])
def test_help_examples_keep_their_line_breaks(command):
    out = invoke(command, "--help").output
    examples = out.split("Example:")[1].split("Options:")[0].strip().splitlines()
    assert len(examples) == 2 and all(line.strip().startswith("claims ") for line in examples)


def test_readme_query_examples_call_the_installed_command():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("### Querying")[1].split("```sh")[1].split("```")[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert commands and all(line.startswith(".venv/bin/claims ") for line in commands)


def test_raw_store_sits_beside_the_database_and_raw_dir_overrides(server, tmp_path):
    server.routes["/a.html"] = Response(200, GOOD_PAGE)
    beside = tmp_path / "elsewhere" / "claims.db"
    assert invoke("ingest", "--db", str(beside), "--no-robots", server.url("/a.html")).exit_code == 0
    assert list((beside.parent / "raw").rglob("*.html.gz"))
    chosen = tmp_path / "my-raw"
    other = tmp_path / "other" / "claims.db"
    assert invoke("ingest", "--db", str(other), "--raw-dir", str(chosen), "--no-robots",
                  server.url("/a.html")).exit_code == 0
    assert list(chosen.rglob("*.html.gz")) and not (other.parent / "raw").exists()
    assert not list(Path(ROOT / "data" / "raw").glob("never-*"))


def test_readme_show_output_is_the_real_one(tmp_path, nlp):
    from pipeline.ingest import ingest
    from tests.reliability.helpers import fast_settings

    sample = ROOT / "data" / "samples" / "baclofen-alcohol-trial.html"
    settings = fast_settings(tmp_path)
    ingest([str(sample)], settings, nlp=nlp)
    result = CliRunner(env={"COLUMNS": "100"}).invoke(cli, ["show", "--db", str(settings.db_path), str(sample)])
    real = result.output.replace(sample.parent.parent.parent.as_uri(), "file:///…")
    readme = (ROOT / "README.md").read_text().split("## What a run gives you")[1].split("```")[3].lstrip("\n")

    def norm(text: str) -> list[str]:  # the article id hashes the file's URL, which depends on the checkout
        return [re.sub(r"\bid [0-9a-f]{12}\b", "id …", line.strip("│ ").rstrip()) for line in text.splitlines()]

    assert norm(real) == norm(readme)
