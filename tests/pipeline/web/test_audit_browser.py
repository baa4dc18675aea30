"""The audit page in a real headless chromium over a DB ingested from data/samples/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlite_utils

from pipeline.web.audit_server import AuditServer
from tests.conftest import SAMPLES

CHROMIUM = Path("/usr/bin/chromium")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _browser_or_skip():
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (Debian package chromium; .ci/run installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright python package is not installed (pip install -e '.[dev]')"
    if reason is None:
        return
    if os.environ.get("CLAIMS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (CLAIMS_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.dialogs = []
    tab.errors = []
    # A payload that ran would most likely open a dialog (alert) or raise in the page.
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    context.close()


@pytest.fixture
def ingested(tmp_path, nlp):
    """The sample pages ingested for real (offline: local files), as `make ingest` does."""
    from pipeline.ingest import ingest
    from pipeline.settings import Settings

    settings = Settings(db_path=tmp_path / "claims.db", raw_dir=tmp_path / "raw")
    summary = ingest([str(SAMPLES)], settings, nlp=nlp)
    assert not summary.failed, [(r.source, r.error) for r in summary.failed]
    return settings.db_path


def article_id_for(db_path: Path, filename: str) -> str:
    db = sqlite_utils.Database(db_path)
    try:
        rows = list(db.query("select article_id from article_urls where url like ?", [f"%/{filename}"]))
    finally:
        db.close()
    assert rows, f"{filename} was not ingested"
    return rows[0]["article_id"]


@pytest.fixture
def served(ingested):
    server = AuditServer(ingested, reviewer="tester").start()
    yield server
    server.close()


def open_article(page, server: AuditServer, article_id: str) -> None:
    page.goto(f"{server.url}#article={article_id}")
    page.wait_for_selector(".item.focused")


def focused(page) -> tuple[str, str]:
    row = page.locator(".item.focused")
    return row.get_attribute("data-key"), row.locator(".chip").inner_text()


def test_audit_browser_accept_and_correct_with_keyboard(page, served, tmp_path):
    bac = article_id_for(served.db_path, "baclofen-alcohol-trial.html")
    open_article(page, served, bac)
    total = page.locator(".item").count()
    assert total > 5
    page.screenshot(path=str(tmp_path / "audit.png"))
    assert (tmp_path / "audit.png").stat().st_size > 10_000

    accepted_key, _ = focused(page)
    page.keyboard.press("a")
    page.wait_for_selector(f'.item[data-key="{accepted_key}"].st-accept')

    for _ in range(total):  # walk to the first dose with j
        key, label = focused(page)
        if label == "DOSE":
            break
        page.keyboard.press("j")
    assert label == "DOSE", "the baclofen page should have a dose to correct"
    dose_key = key
    page.keyboard.press("c")
    page.wait_for_selector(".correction input:focus")
    page.keyboard.type("up to 150 mg/day")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'.item[data-key="{dose_key}"].st-correct')
    assert page.locator(f'.item[data-key="{dose_key}"] .corrected').inner_text() == "→ up to 150 mg/day"

    # The mouse works too: reject the last value with its button.
    last = page.locator(".item").last
    last_key = last.get_attribute("data-key")
    last.locator("button.b-reject").click()
    page.wait_for_selector(f'.item[data-key="{last_key}"].st-reject')
    assert page.inner_text("#progress").startswith("reviewed 3 / ")

    db = sqlite_utils.Database(served.db_path)
    rows = {r["claim_key"]: r for r in db.query("select * from audits")}
    version = db.table("articles").get(bac)["extractor_version"]
    db.close()
    assert set(rows) == {accepted_key, dose_key, last_key}
    assert rows[accepted_key]["verdict"] == "accept"
    assert rows[dose_key]["verdict"] == "correct" and rows[dose_key]["corrected_value"] == "up to 150 mg/day"
    assert rows[dose_key]["field"] == "dose" and rows[last_key]["verdict"] == "reject"
    assert {r["reviewer"] for r in rows.values()} == {"tester"}
    assert {r["extractor_version"] for r in rows.values()} == {version}
    assert page.dialogs == [] and page.errors == []


def test_audit_browser_not_a_trial_and_article_navigation(page, served):
    from playwright.sync_api import expect

    page.goto(served.url)  # no article named: the head of the queue
    page.wait_for_selector(".item.focused")
    pos = page.inner_text("#article-pos")
    assert pos.startswith("article 1 of ")
    page.keyboard.press("t")  # the focused value's trial is not a trial
    page.wait_for_selector(".item.st-not_a_trial")
    assert page.locator(".item.st-not_a_trial").count() > 1  # the trial row and every value under it
    db = sqlite_utils.Database(served.db_path)
    assert [r["verdict"] for r in db.query("select verdict, field from audits")] == ["not_a_trial"]
    assert next(db.query("select field from audits"))["field"] == "trial"
    db.close()
    title = page.inner_text("#title")
    page.keyboard.press("n")
    expect(page.locator("#article-pos")).to_have_text(re.compile(r"^article 2 of"))
    assert page.inner_text("#title") != title
    page.keyboard.press("p")
    expect(page.locator("#article-pos")).to_have_text(re.compile(r"^article 1 of"))
    assert page.inner_text("#title") == title


def test_audit_browser_shows_script_payload_as_inert_text(page, served):
    from playwright.sync_api import expect

    payload = article_id_for(served.db_path, "script-payload.html")
    page.goto(f"{served.url}#article={payload}")
    expect(page.locator("#text")).to_contain_text("alert(1)")
    text = page.inner_text("#text")
    assert "<script>alert('x')</script>" in text
    assert "onerror=alert(1)" in text and "javascript:alert(1)" in text
    assert page.locator("#text script, #text img, #text a, #text iframe").count() == 0
    assert page.dialogs == [] and page.errors == []


def test_audit_browser_unsafe_url_and_title_stay_text(builders, page, tmp_path):
    builders.build_sample_db(tmp_path / "claims.db").close()
    server = AuditServer(tmp_path / "claims.db", reviewer="tester").start()
    try:
        page.goto(f"{server.url}#article=xss")
        page.wait_for_selector(".item.focused")
        assert page.inner_text("#title").startswith("<script>")
        assert page.locator("#meta a").count() == 0  # a javascript: URL is never a link
        assert "javascript:window.__pwned=5" in page.inner_text("#meta")
        assert page.evaluate("window.__pwned === undefined")
        assert page.locator("body script:not([src])").count() == 0
    finally:
        server.close()
