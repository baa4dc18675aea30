"""Audit queue, verdict storage, re-extraction survival, report, export and the audit server."""

from __future__ import annotations

import http.client
import json

import pytest
import sqlite_utils
from click.testing import CliRunner

from models.errors import AuditError
from pipeline.cli.review import audit as audit_cli
from pipeline.normalize import parse_dose
from pipeline.review.audit import (
    article_view,
    build_queue,
    claim_key,
    export_gold,
    highlight_segments,
    item_states,
    items_for_article,
    latest_verdicts,
    precision_report,
    progress,
    save_verdict,
)
from pipeline.web.audit_server import AuditServer
from tests.conftest import SHARED


def items_by(db: sqlite_utils.Database, aid: str) -> dict[tuple[str, str], object]:
    return {(i.target_id, i.field): i for i in items_for_article(db, aid)}


# --- items and keys ---------------------------------------------------------------------


def test_audit_items_point_at_their_evidence(builders, db):
    builders.add_article(db, "bac", builders.BACLOFEN, title="t", date="2016-10-12")
    builders.add_baclofen_claims(db, "bac")
    items = items_by(db, "bac")
    text = builders.BACLOFEN
    size = items[("bac:0", "size")]
    assert text[size.start:size.end] == "151"
    assert text[items[("bac:0:0", "n")].start:items[("bac:0:0", "n")].end] == "58"
    dose = items[("bac:0:0:0", "dose")]
    assert text[dose.start:dose.end] == "up to 150 mg/day"
    assert dose.value == "up to 150 mg/day" and dose.rule_id == "dose.up_to"
    assert items[("bac:0:1:0", "dose")].value == "30 mg/day"
    assert {i.field for i in items.values()} == {"trial", "size", "duration", "status", "arm", "n", "dose",
                                                 "outcome"}
    assert len({i.key for i in items.values()}) == len(items)


def test_audit_claim_key_depends_on_value_and_place_only():
    a = claim_key("bac", "trials", "size", "151", 10, 13)
    assert a == claim_key("bac", "trials", "size", "151", 10, 13)
    assert a != claim_key("bac", "trials", "size", "150", 10, 13)
    assert a != claim_key("bac", "trials", "size", "151", 11, 14)
    assert a != claim_key("other", "trials", "size", "151", 10, 13)


def test_audit_highlight_segments_stack_overlapping_spans(builders, db):
    builders.add_article(db, "bac", builders.BACLOFEN, title="t", date=None)
    builders.add_baclofen_claims(db, "bac")
    items = items_for_article(db, "bac")
    segments, levels = highlight_segments(builders.BACLOFEN, items)
    assert "".join(s["text"] for s in segments) == builders.BACLOFEN
    by = items_by(db, "bac")
    arm, n = by[("bac:0:0", "arm")], by[("bac:0:0", "n")]
    assert levels[arm.key] != levels[n.key]  # "58" sits inside "58 received high-dose baclofen"
    seg58 = next(s for s in segments if s["text"] == "58" and n.key in s["items"])
    assert arm.key in seg58["items"] and n.key in seg58["starts"]


# --- verdicts ---------------------------------------------------------------------------


def test_audit_verdict_is_stored_and_extraction_untouched(builders, db):
    builders.add_article(db, "bac", builders.BACLOFEN, title="t", date=None, version="0.3.0")
    builders.add_baclofen_claims(db, "bac")
    before = list(db.query("select * from doses order by id"))
    dose = items_by(db, "bac")[("bac:0:0:0", "dose")]
    row = save_verdict(db, "bac", dose.key, "correct", reviewer="ana", corrected_value=" 150 mg/day ")
    stored = db.table("audits").get(row["id"])
    assert stored["verdict"] == "correct" and stored["corrected_value"] == "150 mg/day"
    assert stored["reviewer"] == "ana" and stored["extractor_version"] == "0.3.0"
    assert stored["field"] == "dose" and stored["rule_id"] == "dose.up_to" and stored["target_id"] == "bac:0:0:0"
    assert builders.BACLOFEN[stored["start"]:stored["end"]] == "up to 150 mg/day"
    assert stored["created_at"]
    assert list(db.query("select * from doses order by id")) == before


@pytest.mark.parametrize(
    ("verdict", "corrected", "key", "message"),
    [
        ("maybe", None, None, "unknown verdict"),
        ("correct", "  ", None, "needs the right value"),
        ("accept", None, "0" * 24, "no longer in the extraction"),
    ],
)
def test_audit_bad_verdict_is_refused_and_nothing_written(builders, db, verdict, corrected, key, message):
    builders.add_article(db, "bac", builders.BACLOFEN, title="t", date=None)
    builders.add_baclofen_claims(db, "bac")
    key = key or items_by(db, "bac")[("bac:0", "size")].key
    with pytest.raises(AuditError, match=message):
        save_verdict(db, "bac", key, verdict, reviewer="ana", corrected_value=corrected)
    assert db.table("audits").count == 0


def test_audit_unknown_article_is_refused(db):
    with pytest.raises(AuditError, match="no article"):
        save_verdict(db, "nope", "k", "accept", reviewer="ana")


def test_audit_verdicts_survive_reextraction_of_unchanged_values(builders, db):
    builders.add_article(db, "bac", builders.BACLOFEN, title="t", date=None, version="0.1.0")
    builders.add_baclofen_claims(db, "bac")
    items = items_by(db, "bac")
    save_verdict(db, "bac", items[("bac:0", "size")].key, "accept", reviewer="ana")
    save_verdict(db, "bac", items[("bac:0:0:0", "dose")].key, "accept", reviewer="ana")
    # Re-extraction as ingest does it: delete the article's claims and write new ones with the
    # same deterministic ids. The size now comes out as 58 (wrong), the dose is unchanged.
    for table in ("flags", "outcomes", "doses", "arms", "trials"):
        db.execute(f"delete from {table} where article_id = 'bac'")
    builders.add_article(db, "bac", builders.BACLOFEN, title="t", date=None, version="0.2.0")
    builders.add_baclofen_claims(db, "bac", size=58, size_phrase="58")
    new = items_by(db, "bac")
    states = item_states(list(new.values()), latest_verdicts(db))
    assert states[new[("bac:0:0:0", "dose")].key] == "accept"
    assert states[new[("bac:0", "size")].key] == "pending"
    assert db.table("audits").count == 2
    assert [e.article_id for e in build_queue(db)] == ["bac"]


def test_audit_not_a_trial_settles_every_value_of_the_trial(builders, db):
    builders.add_article(db, "bac", builders.BACLOFEN, title="t", date=None)
    builders.add_baclofen_claims(db, "bac")
    items = items_for_article(db, "bac")
    planned = next(i for i in items if i.trial_id == "bac:2" and i.field == "trial")
    save_verdict(db, "bac", planned.key, "not_a_trial", reviewer="ana")
    states = item_states(items, latest_verdicts(db))
    assert all(states[i.key] == "not_a_trial" for i in items if i.trial_id == "bac:2")
    assert all(states[i.key] == "pending" for i in items if i.trial_id != "bac:2")
    done = sum(1 for i in items if i.trial_id == "bac:2")
    assert progress(db) == {"reviewed": done, "total": len(items)}


# --- queue ------------------------------------------------------------------------------


def test_audit_queue_flagged_first_then_low_precision_then_newest(builders, db):
    # "judged": fully reviewed; teaches that dose.guess is often wrong and dose.good is right.
    builders.add_article(db, "judged", builders.BACLOFEN, title="judged", date="2015-01-01")
    builders.add_baclofen_claims(db, "judged", dose_rule="dose.guess")
    for item in items_for_article(db, "judged"):
        bad = item.rule_id == "dose.guess"
        save_verdict(db, "judged", item.key, "reject" if bad else "accept", reviewer="ana")
    db.execute("delete from flags")
    for aid, rule, date in (("good-new", "dose.up_to", "2016-05-01"), ("good-old", "dose.up_to", "2016-01-01"),
                            ("guess", "dose.guess", "2010-01-01")):
        builders.add_article(db, aid, builders.BACLOFEN, title=aid, date=date)
        builders.add_baclofen_claims(db, aid, dose_rule=rule)
        db.execute("delete from flags where article_id = ?", [aid])
    builders.add_article(db, "flagged", builders.BACLOFEN, title="flagged", date="2000-01-01")
    builders.add_baclofen_claims(db, "flagged", dose_rule="dose.up_to")
    queue = build_queue(db)
    assert [e.article_id for e in queue] == ["flagged", "guess", "good-new", "good-old"]
    assert queue[0].flagged and not queue[1].flagged
    assert queue[1].precision < queue[2].precision


# --- report and export ------------------------------------------------------------------


def test_audit_report_precision_per_field_rule_and_version(builders, db):
    builders.add_article(db, "bac", builders.BACLOFEN, title="t", date=None, version="0.1.0")
    builders.add_baclofen_claims(db, "bac")
    items = items_by(db, "bac")
    save_verdict(db, "bac", items[("bac:0:0:0", "dose")].key, "accept", reviewer="ana")
    save_verdict(db, "bac", items[("bac:1:0:0", "dose")].key, "correct", reviewer="ana", corrected_value="270 mg")
    save_verdict(db, "bac", items[("bac:0:1:0", "dose")].key, "reject", reviewer="ana")
    save_verdict(db, "bac", items[("bac:0:1:0", "dose")].key, "accept", reviewer="ana")  # changed mind
    db.table("articles").update("bac", {"extractor_version": "0.2.0"})
    save_verdict(db, "bac", items[("bac:0", "size")].key, "reject", reviewer="ana")
    rows = {(r["extractor_version"], r["by"], r["name"]): r for r in precision_report(db)}
    field = rows[("0.1.0", "field", "dose")]
    assert (field["judged"], field["accepted"], field["corrected"], field["rejected"]) == (3, 2, 1, 0)
    assert field["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert rows[("0.1.0", "rule", "dose.up_to")]["precision"] == 0.5
    assert rows[("0.1.0", "rule", "dose.per_day")]["precision"] == 1.0
    assert rows[("0.2.0", "field", "size")]["precision"] == 0.0
    assert ("0.1.0", "field", "size") not in rows


def review_all(db: sqlite_utils.Database, aid: str) -> None:
    items = items_by(db, aid)
    for (target, field), item in items.items():
        if target.startswith(f"{aid}:2"):
            continue
        verdict, fix = "accept", None
        if (target, field) == (f"{aid}:0", "size"):
            verdict, fix = "correct", "about 151 patients"
        if (target, field) == (f"{aid}:0:1:0", "dose"):
            verdict, fix = "correct", "30 mg per day"
        if (target, field) == (f"{aid}:1:o0", "outcome"):
            verdict = "reject"
        if (target, field) == (f"{aid}:0:2", "n"):
            verdict = "reject"
        save_verdict(db, aid, item.key, verdict, reviewer="ana", corrected_value=fix)
    save_verdict(db, aid, items[(f"{aid}:2", "trial")].key, "not_a_trial", reviewer="ana")


def test_audit_export_applies_verdicts_in_gold_schema(builders, db):
    builders.add_article(db, "bac", builders.BACLOFEN, title="Baclofen", date="2016-10-12")
    builders.add_baclofen_claims(db, "bac")
    builders.add_article(db, "half", builders.BACLOFEN, title="Half done", date="2016-10-12")
    builders.add_baclofen_claims(db, "half")
    save_verdict(db, "half", items_by(db, "half")[("half:0", "size")].key, "accept", reviewer="ana")
    assert [r["id"] for r in export_gold(db)] == []  # "bac" not reviewed yet, "half" partial
    review_all(db, "bac")
    records = list(export_gold(db))
    assert [r["id"] for r in records] == ["bac"]
    record = records[0]
    assert record["study_type"] == "rct" and record["seed_passages"] == [builders.BACLOFEN]
    main, mentioned = record["trials"]  # the planned trial was judged "not a trial"
    assert main["size"] == 151 and main["duration"] == "16 weeks"
    assert [a["n"] for a in main["arms"]] == [58, 31, None]
    assert main["arms"][1]["dose"] == {"value": 30, "upper": None, "unit": "mg", "per": "day",
                                       "text": "30 mg per day"}
    assert main["arms"][0]["dose"]["text"] == "up to 150 mg/day"
    assert mentioned["outcomes"] == []
    for trial in record["trials"]:
        for text, (s, e) in zip(trial["evidence"], trial["evidence_offsets"], strict=True):
            assert builders.BACLOFEN[s:e] == text
    assert {r["id"] for r in export_gold(db, include_partial=True)} == {"bac", "half"}


def test_audit_export_matches_shared_gold_schema(builders, db):
    gold = SHARED / "gold" / "dev.jsonl"
    if not gold.exists():
        pytest.skip(f"{gold} not present (the shared gold set is read from ../shared, never copied)")
    seed = json.loads(gold.read_text(encoding="utf-8").splitlines()[0])
    builders.add_article(db, "bac", builders.BACLOFEN, title="Baclofen", date="2016-10-12")
    builders.add_baclofen_claims(db, "bac")
    review_all(db, "bac")
    record = next(export_gold(db))
    required = {"id", "subset", "title", "url", "study_type", "trials"}
    assert required <= set(seed) and required <= set(record)
    gold_trial_keys = set(seed["trials"][0])
    for trial in record["trials"]:
        assert set(trial) <= gold_trial_keys | {"size_qualifier", "name", "phase", "registry"}
        for arm in trial["arms"]:
            assert set(arm) == set(seed["trials"][0]["arms"][0])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("150 mg/day", {"value": 150, "upper": None, "unit": "mg", "per": "day"}),
        ("up to 270 mg per day", {"value": 270, "upper": 270, "unit": "mg", "per": "day"}),
        ("10-20 mg", {"value": 10, "upper": 20, "unit": "mg", "per": None}),
        ("1,000 mg daily", {"value": 1000, "upper": None, "unit": "mg", "per": "day"}),
        ("2.5 mg/kg", {"value": 2.5, "upper": None, "unit": "mg/kg", "per": None}),
    ],
)
def test_audit_parse_dose_of_a_correction(typed, expected):
    parsed = parse_dose(typed)
    assert {k: parsed[k] for k in expected} == expected
    assert parsed["text"] == typed


# --- command line -----------------------------------------------------------------------


def test_audit_cli_report_and_export(builders, tmp_path):
    path = tmp_path / "claims.db"
    db = builders.build_sample_db(path)
    review_all(db, "bac")
    db.close()
    runner = CliRunner()
    result = runner.invoke(audit_cli, ["--db", str(path), "report", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {"field", "rule"} == {r["by"] for r in rows}
    assert any(r["name"] == "dose.up_to" for r in rows)
    result = runner.invoke(audit_cli, ["report", "--db", str(path)])
    assert result.exit_code == 0 and "precision" in result.output
    out = tmp_path / "audited.jsonl"
    result = runner.invoke(audit_cli, ["export", "--db", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["bac"]


def test_audit_cli_missing_db_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(audit_cli, ["report", "--db", str(tmp_path / "none.db")])
    assert result.exit_code != 0 and "no database" in result.output
    assert not (tmp_path / "none.db").exists()


def test_audit_cli_help_ends_with_example():
    runner = CliRunner()
    for args in ([], ["report"], ["export"]):
        help_text = runner.invoke(audit_cli, [*args, "--help"]).output
        description = [line for line in help_text.split("Options:")[0].splitlines() if line.strip()]
        assert description[-2].strip() == "Example:", help_text
        assert description[-1].strip().startswith("claims audit")


def test_audit_cli_is_registered():
    cli_module = pytest.importorskip("pipeline.cli", reason="pipeline.cli cannot be imported yet")
    assert cli_module.cli.commands["audit"] is audit_cli
    assert set(audit_cli.commands) == {"report", "export"}


# --- the HTTP server --------------------------------------------------------------------


@pytest.fixture
def audit_server(builders, tmp_path):
    builders.build_sample_db(tmp_path / "claims.db").close()
    server = AuditServer(tmp_path / "claims.db", reviewer="ana").start()
    yield server
    server.close()


def request(server: AuditServer, method: str, path: str, *, body: dict | None = None,
            headers: dict | None = None) -> tuple[int, dict, dict | str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    sent = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    raw = response.read().decode()
    conn.close()
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError:
        payload = raw
    return response.status, dict(response.getheaders()), payload


def test_audit_server_binds_loopback_and_sends_strict_policy(audit_server):
    assert audit_server.httpd.server_address[0] == "127.0.0.1"
    status, headers, page = request(audit_server, "GET", "/")
    assert status == 200
    assert audit_server.token in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_audit_server_api_needs_the_token(audit_server):
    status, _, payload = request(audit_server, "GET", "/api/queue")
    assert status == 403 and "token" in payload["error"]
    status, _, payload = request(audit_server, "GET", "/api/queue", headers={"X-Audit-Token": audit_server.token})
    assert status == 200
    assert [e["article_id"] for e in payload["queue"]] == ["bac", "xss"]
    assert payload["progress"]["reviewed"] == 0


def verdict_body(server: AuditServer) -> dict:
    db = sqlite_utils.Database(server.db_path)
    key = items_by(db, "bac")[("bac:0", "size")].key
    db.close()
    return {"article_id": "bac", "key": key, "verdict": "accept"}


def audits_count(server: AuditServer) -> int:
    db = sqlite_utils.Database(server.db_path)
    try:
        return db.table("audits").count
    finally:
        db.close()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "http://evil.example"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Host": "evil.example:80"}, 403),
        ({"X-Audit-Token": "wrong"}, 403),
        ({"Content-Type": "text/plain"}, 415),
    ],
)
def test_audit_server_refuses_foreign_verdicts(audit_server, headers, status):
    base = {"X-Audit-Token": audit_server.token, "Content-Type": "application/json"}
    got, _, _ = request(audit_server, "POST", "/api/verdict", body=verdict_body(audit_server),
                        headers={**base, **headers})
    assert got == status
    assert audits_count(audit_server) == 0


def test_audit_server_saves_a_same_origin_verdict(audit_server):
    headers = {"X-Audit-Token": audit_server.token, "Content-Type": "application/json",
               "Origin": f"http://127.0.0.1:{audit_server.port}"}
    status, _, payload = request(audit_server, "POST", "/api/verdict", body=verdict_body(audit_server),
                                 headers=headers)
    assert status == 200, payload
    assert payload["saved"]["reviewer"] == "ana" and payload["progress"]["reviewed"] == 1
    assert audits_count(audit_server) == 1
    bad = {**verdict_body(audit_server), "verdict": "maybe"}
    status, _, payload = request(audit_server, "POST", "/api/verdict", body=bad, headers=headers)
    assert status == 400 and "unknown verdict" in payload["error"]
    assert audits_count(audit_server) == 1


def test_audit_article_view_keeps_markup_as_data(builders, tmp_path):
    db = builders.build_sample_db(tmp_path / "claims.db")
    view = article_view(db, "xss")
    joined = "".join(s["text"] for s in view["segments"])
    assert joined == builders.PAYLOAD  # text is passed through as data; the page puts it in textContent
    assert view["article"]["url"] == "javascript:window.__pwned=5"
    with pytest.raises(AuditError):
        article_view(db, "missing")
