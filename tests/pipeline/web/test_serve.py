"""Datasette over the claims DB: canned queries, flat trial export, search, and no writes."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from urllib.parse import urlencode

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.cli.web import serve
from pipeline.web.datasette import HOST, load_metadata, make_datasette


@pytest.fixture
def claims_db(builders, tmp_path):
    """The audit sample DB plus a second outlet reporting the baclofen trial."""
    path = tmp_path / "claims.db"
    db = builders.build_sample_db(path)
    builders.add_article(db, "bac2", builders.BACLOFEN, title="Baclofen trial, second outlet", date="2016-10-13",
                url="https://other.example.com/baclofen")
    builders.add_baclofen_claims(db, "bac2")
    db.table("articles").update("bac", {"publisher": "News One"})
    db.table("articles").update("bac2", {"publisher": "Other Outlet"})
    db.close()
    return path


def get_all(ds, *paths: str) -> list:
    async def run():
        await ds.invoke_startup()
        return [await ds.client.get(p) for p in paths]

    return asyncio.run(run())


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def test_serve_canned_queries_answer_user_questions(claims_db):
    ds = make_datasette(claims_db)
    by_drug, by_condition, doses, flagged, planned, no_size, outlets, nothing = get_all(
        ds,
        "/claims/trials_by_drug_or_condition.json?_shape=objects&term=baclofen",
        "/claims/trials_by_drug_or_condition.json?_shape=objects&term=alcohol",
        "/claims/doses_of_drug.json?_shape=objects&drug=baclofen",
        "/claims/flagged_trials.json?_shape=objects",
        "/claims/planned_and_ongoing_trials.json?_shape=objects",
        "/claims/trials_without_size.json?_shape=objects",
        "/claims/same_trial_several_outlets.json?_shape=objects",
        "/claims/trials_by_drug_or_condition.json?_shape=objects&term=insulin",
    )
    assert {r["trial_id"] for r in rows(by_drug)} == {f"{a}:{i}" for a in ("bac", "bac2") for i in range(3)}
    assert {r["trial_id"] for r in rows(by_condition)} == {"bac:0", "bac2:0"}
    dose_rows = rows(doses)
    assert len(dose_rows) == 8
    assert dose_rows[0]["value"] == 330 and dose_rows[0]["text"] == "up to 330 mg per day"
    assert {r["url"] for r in dose_rows} == {"https://news.example.org/bac", "https://other.example.com/baclofen"}
    assert [(r["trial_id"], r["kind"]) for r in rows(flagged)] == [("bac2:1", "no_arm_sizes"),
                                                                   ("bac:1", "no_arm_sizes")]
    assert {r["trial_id"] for r in rows(planned)} == {"bac:2", "bac2:2"}
    assert rows(no_size) == []  # every completed trial here states its size
    same = rows(outlets)
    assert [(r["trial_key"], r["articles"]) for r in same] == [("alcohol dependence | n=151", 2)]
    assert set(same[0]["outlets"].split(",")) == {"News One", "Other Outlet"}
    assert rows(nothing) == []


def test_serve_trials_without_size_lists_them(claims_db):
    db = sqlite_utils.Database(claims_db)
    db.execute("update trials set size = null where id = 'xss:0'")
    db.close()
    (response,) = get_all(make_datasette(claims_db), "/claims/trials_without_size.json?_shape=objects")
    assert [r["trial_id"] for r in rows(response)] == ["xss:0"]


def test_serve_flat_trial_view_exports_csv_and_json(claims_db):
    ds = make_datasette(claims_db)
    as_csv, as_json = get_all(ds, "/claims/trial_summary.csv?trial_id=bac:0",
                              "/claims/trial_summary.json?_shape=array&trial_id=bac:0")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/plain")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(table) == 1
    row = table[0]
    assert row["article_url"] == "https://news.example.org/bac" and row["size"] == "151"
    assert "high-dose baclofen (n=58): up to 150 mg/day" in row["arms"]
    assert "About 25% of patients relapsed" in row["outcomes"]
    assert as_json.json()[0]["trial_id"] == "bac:0"


def test_serve_metadata_search_and_descriptions(claims_db):
    ds = make_datasette(claims_db)
    search, meta = get_all(ds, "/claims/articles.json?_search=relapsed&_shape=objects&_col=title",
                           "/-/metadata.json")
    assert {r["id"] for r in rows(search)} == {"bac", "bac2"}
    tables = meta.json()["databases"]["claims"]["tables"]
    assert "evidence" in tables["trials"]["columns"]["size_start"]
    assert set(meta.json()["databases"]["claims"]["queries"]) >= {
        "trials_by_drug_or_condition", "doses_of_drug", "flagged_trials", "planned_and_ongoing_trials",
        "trials_without_size", "same_trial_several_outlets"}


def test_serve_metadata_follows_the_database_name(tmp_path):
    meta = load_metadata(tmp_path / "snapshot.db")
    assert list(meta["databases"]) == ["snapshot"]
    assert "doses_of_drug" in meta["databases"]["snapshot"]["queries"]


@pytest.mark.parametrize("immutable", [False, True])
@pytest.mark.parametrize(
    "sql",
    ["delete from audits", "insert into audits (verdict) values ('accept')", "drop table trials",
     "update articles set title = 'x'"],
)
def test_serve_query_path_cannot_write(claims_db, sql, immutable):
    db = sqlite_utils.Database(claims_db)
    db.table("audits").insert({"article_id": "bac", "claim_key": "k", "verdict": "accept"})
    db.close()
    ds = make_datasette(claims_db, immutable=immutable)
    (response,) = get_all(ds, "/claims.json?" + urlencode({"sql": sql}))
    assert response.status_code >= 400
    db = sqlite_utils.Database(claims_db)
    assert db.table("audits").count == 1
    assert db.table("trials").exists() and db.table("articles").get("bac")["title"] != "x"
    db.close()


def test_serve_cli_get_and_errors(claims_db, tmp_path):
    runner = CliRunner()
    result = runner.invoke(serve, ["--db", str(claims_db), "--get", "/claims/flagged_trials.json?_shape=objects"])
    assert result.exit_code == 0, result.output
    assert {r["trial_id"] for r in json.loads(result.output)["rows"]} == {"bac:1", "bac2:1"}
    result = runner.invoke(serve, ["--db", str(claims_db), "--get", "/claims/no_such_table.json"])
    assert result.exit_code != 0 and "404" in result.output
    result = runner.invoke(serve, ["--db", str(tmp_path / "missing.db")])
    assert result.exit_code != 0 and "no database" in result.output
    assert HOST == "127.0.0.1"


def test_serve_help_ends_with_example():
    text = CliRunner().invoke(serve, ["--help"]).output
    description = [line for line in text.split("Options:")[0].splitlines() if line.strip()]
    assert description[-2].strip() == "Example:"
    assert description[-1].strip().startswith("claims serve")
