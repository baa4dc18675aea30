"""Audit queue, verdict storage, re-extraction survival, report, export and the audit server."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.audit import (
    AuditError,
    article_view,
    build_queue,
    claim_key,
    export_gold,
    highlight_segments,
    item_states,
    items_for_article,
    latest_verdicts,
    parse_dose,
    precision_report,
    progress,
    save_verdict,
)
from pipeline.audit import audit as audit_cli
from pipeline.audit_server import AuditServer

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"

# An article in the shape of the seed news story (numbers borrowed, sentences our own).
BACLOFEN = (
    "High-dose baclofen fails to beat placebo in alcohol trial\n\n"
    "In total, 151 patients with alcohol dependence took part in the 16 week trial. "
    "Of these, 58 received high-dose baclofen, with the dose rising to up to 150 mg/day, "
    "31 received low-dose baclofen at 30 mg/day and 62 received placebo. "
    "About 25% of patients relapsed in each group.\n\n"
    "An earlier study from 2015 had followed 56 patients who took up to 270 mg/day of baclofen or placebo. "
    "In that study 68 % of those on baclofen stayed abstinent.\n\n"
    "The team now plans a new trial testing baclofen at up to 330 mg per day."
)

PAYLOAD = (
    "Trial of a vitamin drink\n\n"
    "Readers pasted <script>window.__pwned = 1</script> and <img src=x onerror=\"window.__pwned = 2\"> "
    "and <a href=\"javascript:window.__pwned=3\">click</a> into the comments. "
    "The trial enrolled 40 adults who drank the vitamin drink for 8 weeks."
)


def span(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return start, start + len(phrase)


def sentence_spans(text: str, *phrases: str) -> str:
    return json.dumps([list(span(text, p)) for p in phrases])


def add_article(db: sqlite_utils.Database, article_id: str, text: str, *, title: str, date: str | None,
                url: str | None = None, version: str = "0.1.0") -> None:
    db.table("articles").upsert({
        "id": article_id, "url": url or f"https://news.example.org/{article_id}", "title": title,
        "date": date, "text": text, "study_type": "rct", "extractor_version": version,
        "ingested_at": "2026-01-01T00:00:00+00:00",
    }, pk="id")


def add_baclofen_claims(db: sqlite_utils.Database, aid: str, *, size: int = 151, size_phrase: str = "151",
                        dose_rule: str = "dose.up_to") -> None:
    """The rows an ingest of the baclofen story writes: three trials with arms, doses, outcomes."""
    t = BACLOFEN
    t0, t1, t2 = f"{aid}:0", f"{aid}:1", f"{aid}:2"
    s_start, s_end = span(t, size_phrase)
    d_start, d_end = span(t, "16 week trial")
    db.table("trials").insert_all([
        {"id": t0, "article_id": aid, "idx": 0, "role": "main", "status": "completed", "design": "[]",
         "size": size, "size_start": s_start, "size_end": s_end, "duration": "16 weeks",
         "duration_start": d_start, "duration_end": d_end, "condition": "alcohol dependence",
         "evidence": sentence_spans(t, "In total, 151 patients", "Of these, 58", "About 25% of patients")},
        {"id": t1, "article_id": aid, "idx": 1, "role": "mentioned", "status": "completed", "design": "[]",
         "size": 56, "size_start": span(t, "56")[0], "size_end": span(t, "56")[1],
         "evidence": sentence_spans(t, "An earlier study from 2015", "In that study 68 %")},
        {"id": t2, "article_id": aid, "idx": 2, "role": "planned", "status": "planned", "design": "[]",
         "evidence": sentence_spans(t, "The team now plans")},
    ], pk="id")
    arms = [
        (t0, 0, "high-dose baclofen", "baclofen", 58, "58 received high-dose baclofen", "58"),
        (t0, 1, "low-dose baclofen", "baclofen", 31, "31 received low-dose baclofen", "31"),
        (t0, 2, "placebo", "placebo", 62, "62 received placebo", "62"),
        (t1, 0, "baclofen", "baclofen", None, "took up to 270 mg/day of baclofen", None),
        (t2, 0, "baclofen", "baclofen", None, "testing baclofen", None),
    ]
    for trial_id, idx, label, intervention, n, phrase, n_phrase in arms:
        start, end = span(t, phrase)
        n_start, n_end = span(t, n_phrase) if n_phrase else (None, None)
        db.table("arms").insert({
            "id": f"{trial_id}:{idx}", "trial_id": trial_id, "article_id": aid, "idx": idx, "label": label,
            "intervention": intervention, "n": n, "n_start": n_start, "n_end": n_end, "start": start,
            "end": end, "rule_id": "arm.received",
        }, pk="id")
    doses = [
        (f"{t0}:0", t0, 150, 150, "up to 150 mg/day", dose_rule),
        (f"{t0}:1", t0, 30, None, "30 mg/day", "dose.per_day"),
        (f"{t1}:0", t1, 270, 270, "up to 270 mg/day", dose_rule),
        (f"{t2}:0", t2, 330, 330, "up to 330 mg per day", dose_rule),
    ]
    for arm_id, trial_id, value, upper, phrase, rule in doses:
        start, end = span(t, phrase)
        db.table("doses").insert({
            "id": f"{arm_id}:0", "arm_id": arm_id, "trial_id": trial_id, "article_id": aid, "idx": 0,
            "drug": "baclofen", "value": value, "upper": upper, "unit": "mg", "per": "day", "text": phrase,
            "start": start, "end": end, "rule_id": rule,
        }, pk="id")
    outcomes = [
        (t0, 0, "relapse", "all groups", 25, "no difference", "About 25% of patients relapsed in each group"),
        (t1, 0, "remained abstinent", "baclofen", 68, "improved", "68 % of those on baclofen stayed abstinent"),
    ]
    for trial_id, idx, measure, arm, value, direction, phrase in outcomes:
        start, end = span(t, phrase)
        db.table("outcomes").insert({
            "id": f"{trial_id}:o{idx}", "trial_id": trial_id, "article_id": aid, "idx": idx,
            "measure": measure, "arm": arm, "value": value, "unit": "%", "direction": direction,
            "text": phrase, "start": start, "end": end, "rule_id": "outcome.percent",
        }, pk="id")
    db.table("flags").insert({"id": f"{t1}:f0", "trial_id": t1, "article_id": aid, "kind": "no_arm_sizes",
                              "message": "size 56 but no arm sizes"}, pk="id")


def add_payload_claims(db: sqlite_utils.Database, aid: str) -> None:
    t = PAYLOAD
    s = span(t, "40")
    db.table("trials").insert({
        "id": f"{aid}:0", "article_id": aid, "idx": 0, "role": "main", "status": "completed", "design": "[]",
        "size": 40, "size_start": s[0], "size_end": s[1], "duration": "8 weeks",
        "duration_start": span(t, "8 weeks")[0], "duration_end": span(t, "8 weeks")[1],
        "evidence": sentence_spans(t, "The trial enrolled 40 adults"),
    }, pk="id")


def build_sample_db(path: Path) -> sqlite_utils.Database:
    """A claims DB with the baclofen story and an article whose text holds markup payloads."""
    from models.schema import ensure_schema

    db = sqlite_utils.Database(path)
    ensure_schema(db)
    add_article(db, "bac", BACLOFEN, title="High-dose baclofen fails to beat placebo", date="2016-10-12")
    add_baclofen_claims(db, "bac")
    add_article(db, "xss", PAYLOAD, title="<script>window.__pwned=4</script>Vitamin drink", date="2016-01-01",
                url="javascript:window.__pwned=5")
    add_payload_claims(db, "xss")
    return db


def items_by(db: sqlite_utils.Database, aid: str) -> dict[tuple[str, str], object]:
    return {(i.target_id, i.field): i for i in items_for_article(db, aid)}


# --- items and keys ---------------------------------------------------------------------


def test_audit_items_point_at_their_evidence(db):
    add_article(db, "bac", BACLOFEN, title="t", date="2016-10-12")
    add_baclofen_claims(db, "bac")
    items = items_by(db, "bac")
    text = BACLOFEN
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


def test_audit_highlight_segments_stack_overlapping_spans(db):
    add_article(db, "bac", BACLOFEN, title="t", date=None)
    add_baclofen_claims(db, "bac")
    items = items_for_article(db, "bac")
    segments, levels = highlight_segments(BACLOFEN, items)
    assert "".join(s["text"] for s in segments) == BACLOFEN
    by = items_by(db, "bac")
    arm, n = by[("bac:0:0", "arm")], by[("bac:0:0", "n")]
    assert levels[arm.key] != levels[n.key]  # "58" sits inside "58 received high-dose baclofen"
    seg58 = next(s for s in segments if s["text"] == "58" and n.key in s["items"])
    assert arm.key in seg58["items"] and n.key in seg58["starts"]


# --- verdicts ---------------------------------------------------------------------------


def test_audit_verdict_is_stored_and_extraction_untouched(db):
    add_article(db, "bac", BACLOFEN, title="t", date=None, version="0.3.0")
    add_baclofen_claims(db, "bac")
    before = list(db.query("select * from doses order by id"))
    dose = items_by(db, "bac")[("bac:0:0:0", "dose")]
    row = save_verdict(db, "bac", dose.key, "correct", reviewer="ana", corrected_value=" 150 mg/day ")
    stored = db.table("audits").get(row["id"])
    assert stored["verdict"] == "correct" and stored["corrected_value"] == "150 mg/day"
    assert stored["reviewer"] == "ana" and stored["extractor_version"] == "0.3.0"
    assert stored["field"] == "dose" and stored["rule_id"] == "dose.up_to" and stored["target_id"] == "bac:0:0:0"
    assert BACLOFEN[stored["start"]:stored["end"]] == "up to 150 mg/day"
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
def test_audit_bad_verdict_is_refused_and_nothing_written(db, verdict, corrected, key, message):
    add_article(db, "bac", BACLOFEN, title="t", date=None)
    add_baclofen_claims(db, "bac")
    key = key or items_by(db, "bac")[("bac:0", "size")].key
    with pytest.raises(AuditError, match=message):
        save_verdict(db, "bac", key, verdict, reviewer="ana", corrected_value=corrected)
    assert db.table("audits").count == 0


def test_audit_unknown_article_is_refused(db):
    with pytest.raises(AuditError, match="no article"):
        save_verdict(db, "nope", "k", "accept", reviewer="ana")


def test_audit_verdicts_survive_reextraction_of_unchanged_values(db):
    add_article(db, "bac", BACLOFEN, title="t", date=None, version="0.1.0")
    add_baclofen_claims(db, "bac")
    items = items_by(db, "bac")
    save_verdict(db, "bac", items[("bac:0", "size")].key, "accept", reviewer="ana")
    save_verdict(db, "bac", items[("bac:0:0:0", "dose")].key, "accept", reviewer="ana")
    # Re-extraction as ingest does it: delete the article's claims and write new ones with the
    # same deterministic ids. The size now comes out as 58 (wrong), the dose is unchanged.
    for table in ("flags", "outcomes", "doses", "arms", "trials"):
        db.execute(f"delete from {table} where article_id = 'bac'")
    add_article(db, "bac", BACLOFEN, title="t", date=None, version="0.2.0")
    add_baclofen_claims(db, "bac", size=58, size_phrase="58")
    new = items_by(db, "bac")
    states = item_states(list(new.values()), latest_verdicts(db))
    assert states[new[("bac:0:0:0", "dose")].key] == "accept"
    assert states[new[("bac:0", "size")].key] == "pending"
    assert db.table("audits").count == 2
    assert [e.article_id for e in build_queue(db)] == ["bac"]


def test_audit_not_a_trial_settles_every_value_of_the_trial(db):
    add_article(db, "bac", BACLOFEN, title="t", date=None)
    add_baclofen_claims(db, "bac")
    items = items_for_article(db, "bac")
    planned = next(i for i in items if i.trial_id == "bac:2" and i.field == "trial")
    save_verdict(db, "bac", planned.key, "not_a_trial", reviewer="ana")
    states = item_states(items, latest_verdicts(db))
    assert all(states[i.key] == "not_a_trial" for i in items if i.trial_id == "bac:2")
    assert all(states[i.key] == "pending" for i in items if i.trial_id != "bac:2")
    done = sum(1 for i in items if i.trial_id == "bac:2")
    assert progress(db) == {"reviewed": done, "total": len(items)}


# --- queue ------------------------------------------------------------------------------


def test_audit_queue_flagged_first_then_low_precision_then_newest(db):
    # "judged": fully reviewed; teaches that dose.guess is often wrong and dose.good is right.
    add_article(db, "judged", BACLOFEN, title="judged", date="2015-01-01")
    add_baclofen_claims(db, "judged", dose_rule="dose.guess")
    for item in items_for_article(db, "judged"):
        bad = item.rule_id == "dose.guess"
        save_verdict(db, "judged", item.key, "reject" if bad else "accept", reviewer="ana")
    db.execute("delete from flags")
    for aid, rule, date in (("good-new", "dose.up_to", "2016-05-01"), ("good-old", "dose.up_to", "2016-01-01"),
                            ("guess", "dose.guess", "2010-01-01")):
        add_article(db, aid, BACLOFEN, title=aid, date=date)
        add_baclofen_claims(db, aid, dose_rule=rule)
        db.execute("delete from flags where article_id = ?", [aid])
    add_article(db, "flagged", BACLOFEN, title="flagged", date="2000-01-01")
    add_baclofen_claims(db, "flagged", dose_rule="dose.up_to")
    queue = build_queue(db)
    assert [e.article_id for e in queue] == ["flagged", "guess", "good-new", "good-old"]
    assert queue[0].flagged and not queue[1].flagged
    assert queue[1].precision < queue[2].precision


# --- report and export ------------------------------------------------------------------


def test_audit_report_precision_per_field_rule_and_version(db):
    add_article(db, "bac", BACLOFEN, title="t", date=None, version="0.1.0")
    add_baclofen_claims(db, "bac")
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


def test_audit_export_applies_verdicts_in_gold_schema(db):
    add_article(db, "bac", BACLOFEN, title="Baclofen", date="2016-10-12")
    add_baclofen_claims(db, "bac")
    add_article(db, "half", BACLOFEN, title="Half done", date="2016-10-12")
    add_baclofen_claims(db, "half")
    save_verdict(db, "half", items_by(db, "half")[("half:0", "size")].key, "accept", reviewer="ana")
    assert [r["id"] for r in export_gold(db)] == []  # "bac" not reviewed yet, "half" partial
    review_all(db, "bac")
    records = list(export_gold(db))
    assert [r["id"] for r in records] == ["bac"]
    record = records[0]
    assert record["study_type"] == "rct" and record["seed_passages"] == [BACLOFEN]
    main, mentioned = record["trials"]  # the planned trial was judged "not a trial"
    assert main["size"] == 151 and main["duration"] == "16 weeks"
    assert [a["n"] for a in main["arms"]] == [58, 31, None]
    assert main["arms"][1]["dose"] == {"value": 30, "upper": None, "unit": "mg", "per": "day",
                                       "text": "30 mg per day"}
    assert main["arms"][0]["dose"]["text"] == "up to 150 mg/day"
    assert mentioned["outcomes"] == []
    for trial in record["trials"]:
        for text, (s, e) in zip(trial["evidence"], trial["evidence_offsets"], strict=True):
            assert BACLOFEN[s:e] == text
    assert {r["id"] for r in export_gold(db, include_partial=True)} == {"bac", "half"}


def test_audit_export_matches_shared_gold_schema(db):
    gold = SHARED / "gold" / "dev.jsonl"
    if not gold.exists():
        pytest.skip(f"{gold} not present (the shared gold set is read from ../shared, never copied)")
    seed = json.loads(gold.read_text(encoding="utf-8").splitlines()[0])
    add_article(db, "bac", BACLOFEN, title="Baclofen", date="2016-10-12")
    add_baclofen_claims(db, "bac")
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


def test_audit_cli_report_and_export(tmp_path):
    path = tmp_path / "claims.db"
    db = build_sample_db(path)
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
def audit_server(tmp_path):
    build_sample_db(tmp_path / "claims.db").close()
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


def test_audit_article_view_keeps_markup_as_data(tmp_path):
    db = build_sample_db(tmp_path / "claims.db")
    view = article_view(db, "xss")
    joined = "".join(s["text"] for s in view["segments"])
    assert joined == PAYLOAD  # text is passed through as data; the page puts it in textContent
    assert view["article"]["url"] == "javascript:window.__pwned=5"
    with pytest.raises(AuditError):
        article_view(db, "missing")
