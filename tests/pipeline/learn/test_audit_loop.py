"""The audit loop closes: ingest -> audit (a reviewer corrects a value) -> train on the verdicts -> reprocess."""

from __future__ import annotations

import sqlite_utils
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.review.audit import items_for_article, save_verdict

# A release in the shape of a university news story (invented trial). The rules and the shipped models take the
# number enrolled as the trial size; a reviewer decides the analysed number is the one this project wants.
PAGE = """<html><head><title>Glucosamine trial finds modest relief for knee pain</title></head><body><article>
<h1>Glucosamine trial finds modest relief for knee pain</h1>
<p>Researchers at Lakeside University enrolled 240 adults with knee osteoarthritis in a randomized,
placebo-controlled trial that lasted 12 weeks. Of them, 236 were included in the final analysis.</p>
<p>Half of the volunteers took 500 mg of glucosamine a day and the others took a placebo. Pain scores fell by
30 percent in the glucosamine group compared with 18 percent in the placebo group.</p>
<p>The team said a larger trial would be needed before doctors change their advice, and that side effects were
mild and similar in both groups over the course of the study.</p>
</article></body></html>"""


def sizes(db_path) -> list[int]:
    return [r["size"] for r in sqlite_utils.Database(db_path).query("select size from trials order by id")]


def test_audit_loop_correction_changes_the_retrained_output(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMS_MODELS", "")  # restored after the test: --models below sets it
    page = tmp_path / "glucosamine.html"
    page.write_text(PAGE, encoding="utf-8")
    db_path = tmp_path / "claims.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "--db", str(db_path), "--workers", "1", str(page)]).exit_code == 0
    assert sizes(db_path) == [240]

    db = sqlite_utils.Database(db_path)
    article_id = next(db.query("select id from articles"))["id"]
    for item in items_for_article(db, article_id):
        if item.field == "size":
            save_verdict(db, article_id, item.key, "correct", corrected_value="236", reviewer="tester")
        else:
            save_verdict(db, article_id, item.key, "accept", reviewer="tester")
    db.close()

    models = tmp_path / "models"
    no_gold = tmp_path / "no-gold"
    no_gold.mkdir()
    trained = runner.invoke(cli, ["train", "--with-audits", str(db_path), "--gold-dir", str(no_gold), "--out", str(models)])
    assert trained.exit_code == 0, trained.output
    assert (models / "value_size.json").exists() and (models / "manifest.json").exists()

    result = runner.invoke(cli, ["reprocess", "--db", str(db_path), "--workers", "1", "--models", str(models)])
    assert result.exit_code == 0, result.output
    assert sizes(db_path) == [236]
    version = next(sqlite_utils.Database(db_path).query("select model_version from articles"))["model_version"]
    assert version and version.startswith("1-")
