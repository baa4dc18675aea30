"""The store on a real SQLite file: one transaction per article, deterministic ids, syndication, raw store."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from models.errors import FetchError
from models.records import Arm, ArticleClaims, CleanPage, Dose, FetchResult, Outcome, Trial
from pipeline.store import (
    article_id_for,
    content_fingerprint,
    find_article,
    last_ok_article,
    load_raw,
    open_db,
    save_article,
    save_page,
    save_raw,
)

TEXT = ("Forty adults with migraine took part in an 8 week trial. Twenty took 400 mg of riboflavin a day "
        "and twenty took a placebo. Headache days fell by 40 percent with riboflavin.")


def claims_for(text: str) -> ArticleClaims:
    dose_text = "400 mg of riboflavin a day"
    ds = text.index(dose_text)
    out_text = "fell by 40 percent"
    os_ = text.index(out_text)
    dose = Dose(400.0, "mg", dose_text, ds, ds + len(dose_text), per="day", drug="riboflavin", rule_id="dose.test")
    trial = Trial(size=40, size_span=(0, 5), duration="8 weeks", design=["placebo-controlled"],
                  arms=[Arm("riboflavin", "riboflavin", 20, [dose], rule_id="arm.test"), Arm("placebo", n=20)],
                  outcomes=[Outcome(out_text, os_, os_ + len(out_text), value=40.0, unit="%", arm="riboflavin",
                                    direction="benefit", rule_id="outcome.test")],
                  evidence=[(0, 55)])
    return ArticleClaims(study_type="rct", trials=[trial])


def save(db: sqlite_utils.Database, url: str, text: str = TEXT) -> str:
    page = CleanPage(url=url, text=text, title="Riboflavin for migraine")
    return save_article(db, page, claims_for(text), url=url, sha256="0" * 64,
                        fingerprint=content_fingerprint(text), extractor_version="test")


@pytest.fixture
def file_db(tmp_path):
    db = open_db(str(tmp_path / "claims.db"))
    yield db
    db.close()


def test_store_article_rows_and_offsets_on_a_real_file(file_db, tmp_path):
    aid = save(file_db, "https://news.example.org/a")
    assert aid == article_id_for("https://news.example.org/a")
    reopened = sqlite_utils.Database(tmp_path / "claims.db")
    assert reopened["trials"].count == 1 and reopened["arms"].count == 2 and reopened["doses"].count == 1
    dose = next(reopened.query("select * from doses"))
    assert TEXT[dose["start"]:dose["end"]] == dose["text"] == "400 mg of riboflavin a day"
    assert dose["rule_id"] == "dose.test" and dose["id"] == f"{aid}:0:0:0"


def test_store_resave_replaces_claims_instead_of_duplicating(file_db):
    save(file_db, "https://news.example.org/a")
    save(file_db, "https://news.example.org/a")
    assert file_db["articles"].count == 1
    assert file_db["outcomes"].count == 1 and file_db["arms"].count == 2


def test_store_syndicated_copy_joins_the_first_article(file_db):
    first = save(file_db, "https://news.example.org/a")
    second = save(file_db, "https://mirror.example.com/b")
    assert first == second
    assert {r["url"] for r in file_db.query("select url from article_urls")} == {
        "https://news.example.org/a", "https://mirror.example.com/b"}
    assert find_article(file_db, "https://mirror.example.com/b")["id"] == first


def test_store_article_write_is_one_transaction(file_db, monkeypatch):
    """A failure while writing claims leaves no article row behind."""
    import pipeline.store.db as store_db

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(store_db, "save_claims", broken)
    with pytest.raises(sqlite3.OperationalError):
        save(file_db, "https://news.example.org/a")
    assert file_db["articles"].count == 0 and file_db["article_urls"].count == 0


def test_store_pages_record_every_attempt_and_last_ok(file_db):
    url = "https://news.example.org/a"
    save_page(file_db, FetchResult(url=url, error="HTTP 503"))
    aid = save(file_db, url)
    save_page(file_db, FetchResult(url=url, status=200, body=b"x", sha256="0" * 64), article_id=aid)
    assert file_db["pages"].count == 2
    assert last_ok_article(file_db, url) == aid


def test_store_raw_round_trip_and_damage_detected(tmp_path):
    sha = save_raw(tmp_path / "raw", b"<html>page</html>")
    assert load_raw(tmp_path / "raw", sha) == b"<html>page</html>"
    path = next((tmp_path / "raw").rglob("*.html.gz"))
    path.write_bytes(b"not gzip")
    with pytest.raises(FetchError, match="damaged"):
        load_raw(tmp_path / "raw", sha)


def test_store_read_only_open_never_writes(tmp_path):
    path = tmp_path / "claims.db"
    open_db(str(path)).close()
    ro = open_db(str(path), read_only=True)
    with pytest.raises(sqlite3.OperationalError):
        ro.execute("create table x (a)")


def test_store_fingerprint_same_words_same_print_other_text_other_print():
    assert content_fingerprint(TEXT) == content_fingerprint("  " + TEXT.upper() + "\n")
    assert content_fingerprint(TEXT) != content_fingerprint(TEXT.replace("riboflavin", "magnesium"))


def test_store_fingerprint_and_bands_equal_the_separate_functions():
    from pipeline.store.fingerprint import fingerprint_and_bands, text_bands

    for text in (TEXT, TEXT.upper() + " " + TEXT, "Too short to shingle.", "   "):
        assert fingerprint_and_bands(text) == (content_fingerprint(text), text_bands(text))


def test_store_minhash_equals_datasketch_default_minhash():
    """The cheaper MinHash (permutations drawn once, hash taken inline) keeps datasketch's values, so band
    keys stored by earlier runs still find their copies."""
    from datasketch import MinHash

    from pipeline.store.fingerprint import NUM_PERM, minhash_of, shingles

    shingle_set = shingles(TEXT + " " + TEXT.replace("riboflavin", "magnesium"))
    plain = MinHash(num_perm=NUM_PERM, seed=1)
    plain.update_batch([s.encode("utf-8") for s in sorted(shingle_set)])
    assert (minhash_of(shingle_set).hashvalues == plain.hashvalues).all()
