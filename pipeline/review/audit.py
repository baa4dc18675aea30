"""Audit: the review queue, verdict storage, precision report and gold export of extracted values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from models.errors import AuditError
from pipeline.normalize import first_number, format_dose, parse_dose, plain_number

VERDICTS = ("accept", "reject", "correct", "not_a_trial")

# Display label of each reviewable field (the highlight tag in the audit page).
LABELS = {
    "trial": "TRIAL",
    "size": "SIZE",
    "duration": "DURATION",
    "status": "STATUS",
    "arm": "ARM",
    "n": "ARM_N",
    "dose": "DOSE",
    "outcome": "OUTCOME",
}


@dataclass(frozen=True)
class Item:
    """One extracted value a reviewer can judge, with its evidence span in the article text."""

    key: str
    article_id: str
    trial_id: str
    table: str
    target_id: str
    field: str
    value: str  # what the reviewer sees
    norm: str  # canonical JSON of the value; part of the key
    start: int | None
    end: int | None
    rule_id: str
    score: float | None = None  # the trained model's probability for the value, when one scored it

    @property
    def label(self) -> str:
        return LABELS[self.field]

    @property
    def rule(self) -> str:
        """The rule name precision is tracked under: the rule id, or the field for rule-less values."""
        return self.rule_id or f"{self.field}.(no rule)"


# --- keys and items ---------------------------------------------------------------------


def normalise(value: Any) -> str:
    """Canonical JSON of a value: lower-cased, trimmed strings and integral floats as ints."""

    def norm(v: Any) -> Any:
        if isinstance(v, str):
            return " ".join(v.lower().split())
        if isinstance(v, (list, tuple)):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in sorted(v.items())}
        return plain_number(v)

    return json.dumps(norm(value), sort_keys=True, ensure_ascii=False)


def claim_key(article_id: str, table: str, field: str, norm: str, start: int | None, end: int | None) -> str:
    """What a verdict is attached to: the same value at the same place keeps its key across
    re-extraction, whatever row id it gets."""
    raw = json.dumps([article_id, table, field, norm, start, end], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def _item(article_id: str, trial_id: str, table: str, target_id: str, field: str, value: Any,
          display: str, start: int | None, end: int | None, rule_id: str | None,
          anchor: tuple[int | None, int | None] | None = None, score: float | None = None) -> Item:
    """``anchor`` stands in for the offsets in the key of a value that has no span of its own."""
    norm = normalise(value)
    key_start, key_end = anchor if anchor else (start, end)
    return Item(
        key=claim_key(article_id, table, field, norm, key_start, key_end), article_id=article_id,
        trial_id=trial_id, table=table, target_id=target_id, field=field, value=display, norm=norm,
        start=start, end=end, rule_id=rule_id or "", score=score,
    )


def format_outcome(o: dict[str, Any]) -> str:
    value = plain_number(o.get("value"))
    parts = [o.get("measure") or "outcome"]
    if o.get("arm"):
        parts.append(f"[{o['arm']}]")
    if value is not None:
        parts.append(f"{o.get('qualifier') + ' ' if o.get('qualifier') else ''}{value}{_unit(o.get('unit'))}")
    if o.get("direction"):
        parts.append(f"({o['direction']})")
    return " ".join(parts)


def _unit(unit: str | None) -> str:
    if not unit:
        return ""
    return unit if unit == "%" else f" {unit}"


def _first_span(evidence: str | None) -> tuple[int | None, int | None]:
    try:
        spans = json.loads(evidence or "[]")
    except json.JSONDecodeError:
        return None, None
    if spans and isinstance(spans[0], list) and len(spans[0]) == 2:
        return int(spans[0][0]), int(spans[0][1])
    return None, None


def items_for_article(db: sqlite_utils.Database, article_id: str, *, unique: bool = True) -> list[Item]:
    """Every reviewable value of one article, trial by trial, in reading order. The same value at
    the same place (one dose phrase shared by two arms) is one item unless ``unique`` is off."""
    items: list[Item] = []
    trials = list(db.query("select * from trials where article_id = ? order by idx", [article_id]))
    for t in trials:
        tid = t["id"]
        found: list[Item] = []
        ev_start, ev_end = _first_span(t["evidence"])
        trial_desc = " ".join(x for x in (t["role"], t["name"], t["phase"] and f"phase {t['phase']}") if x)
        found.append(_item(article_id, tid, "trials", tid, "trial", {"role": t["role"], "name": t["name"]},
                           trial_desc or "trial", ev_start, ev_end, None, score=t.get("score")))
        if t["size"] is not None:
            qual = f"{t['size_qualifier']} " if t["size_qualifier"] else ""
            found.append(_item(article_id, tid, "trials", tid, "size", t["size"], f"{qual}{t['size']}",
                               t["size_start"], t["size_end"], t.get("size_rule_id"), score=t.get("size_score")))
        if t["duration"]:
            found.append(_item(article_id, tid, "trials", tid, "duration", t["duration"], t["duration"],
                               t["duration_start"], t["duration_end"], t.get("duration_rule_id"),
                               score=t.get("duration_score")))
        if t["status"]:
            # Status has no span of its own; the trial's first evidence sentence tells trials apart.
            found.append(_item(article_id, tid, "trials", tid, "status", t["status"], t["status"],
                               None, None, None, anchor=(ev_start, ev_end)))
        arms = list(db.query("select * from arms where trial_id = ? order by idx", [tid]))
        for a in arms:
            name = a["label"] or a["intervention"] or "arm"
            shown = name
            if a["intervention"] and a["intervention"].lower() not in name.lower():
                shown = f"{name}: {a['intervention']}"
            found.append(_item(article_id, tid, "arms", a["id"], "arm",
                               {"label": a["label"], "intervention": a["intervention"]},
                               shown, a["start"], a["end"], a["rule_id"], score=a.get("score")))
            if a["n"] is not None:
                found.append(_item(article_id, tid, "arms", a["id"], "n", a["n"], f"{name} n={a['n']}",
                                   a["n_start"], a["n_end"], a.get("n_rule_id") or a["rule_id"], score=a.get("n_score")))
            doses = list(db.query("select * from doses where arm_id = ? order by idx", [a["id"]]))
            for d in doses:
                value = {k: d[k] for k in ("value", "upper", "unit", "per", "frequency")}
                # The drug is named only when it is not the arm's own intervention (combinations).
                shown = {**value, "drug": d["drug"] if d["drug"] != a["intervention"] else None}
                found.append(_item(article_id, tid, "doses", d["id"], "dose", value, format_dose(shown),
                                   d["start"], d["end"], d["rule_id"], score=d.get("score")))
        outcomes = list(db.query("select * from outcomes where trial_id = ? order by idx", [tid]))
        for o in outcomes:
            value = {k: o[k] for k in ("measure", "arm", "value", "unit", "direction")}
            found.append(_item(article_id, tid, "outcomes", o["id"], "outcome", value, format_outcome(o),
                               o["start"], o["end"], o["rule_id"], score=o.get("score")))
        items.extend(found)
    if unique:
        seen: set[str] = set()
        items = [i for i in items if not (i.key in seen or seen.add(i.key))]
    return items


# --- verdicts ---------------------------------------------------------------------------


def latest_verdicts(db: sqlite_utils.Database, article_id: str | None = None) -> dict[str, dict]:
    """The current verdict per claim key: the newest row wins, older rows stay as history."""
    where, params = ("where article_id = ?", [article_id]) if article_id else ("", [])
    sql = f"select * from audits where id in (select max(id) from audits {where} group by claim_key)"
    return {row["claim_key"]: row for row in db.query(sql, params)}


def item_states(items: list[Item], verdicts: dict[str, dict]) -> dict[str, str]:
    """Verdict per item key, or "pending". A trial judged "not a trial" settles all its values."""
    not_trials = {i.trial_id for i in items
                  if i.field == "trial" and verdicts.get(i.key, {}).get("verdict") == "not_a_trial"}
    states = {}
    for item in items:
        if item.key in verdicts:
            states[item.key] = verdicts[item.key]["verdict"]
        elif item.trial_id in not_trials:
            states[item.key] = "not_a_trial"
        else:
            states[item.key] = "pending"
    return states


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def save_verdict(db: sqlite_utils.Database, article_id: str, key: str, verdict: str, *,
                 reviewer: str, corrected_value: str | None = None) -> dict[str, Any]:
    """Record one verdict on a value the article currently has. The extraction is left as is."""
    if verdict not in VERDICTS:
        raise AuditError(f"unknown verdict {verdict!r}; expected one of {', '.join(VERDICTS)}",
                         article_id=article_id)
    if verdict == "correct" and not (corrected_value or "").strip():
        raise AuditError("a correction needs the right value", article_id=article_id, claim_key=key)
    if not reviewer.strip():
        raise AuditError("a verdict needs a reviewer name", article_id=article_id)
    article = db.table("articles").get(article_id) if _has_article(db, article_id) else None
    if article is None:
        raise AuditError(f"no article {article_id!r}", article_id=article_id)
    item = next((i for i in items_for_article(db, article_id) if i.key == key), None)
    if item is None:
        # The value changed or vanished since the page was loaded (re-extraction): refuse
        # rather than attach the verdict to something the reviewer did not see.
        raise AuditError("this value is no longer in the extraction; reload the article",
                         article_id=article_id, claim_key=key)
    row = {
        "article_id": article_id,
        "claim_key": key,
        "target_table": item.table,
        "target_id": item.target_id,
        "field": item.field,
        "value": item.value,
        "start": item.start,
        "end": item.end,
        "rule_id": item.rule_id,
        "verdict": verdict,
        "corrected_value": corrected_value.strip() if verdict == "correct" and corrected_value else None,
        "reviewer": reviewer.strip(),
        "extractor_version": article["extractor_version"],
        "created_at": now_iso(),
    }
    with db.conn:
        row["id"] = db.table("audits").insert(row).last_pk
    return row


def _has_article(db: sqlite_utils.Database, article_id: str) -> bool:
    return db.table("articles").count_where("id = ?", [article_id]) > 0


# --- queue and progress -----------------------------------------------------------------


@dataclass
class QueueEntry:
    article_id: str
    title: str | None
    url: str | None
    date: str | None
    pending: int
    total: int
    flagged: bool
    precision: float  # lowest observed precision among the rules of its pending values


def rule_precision(db: sqlite_utils.Database) -> dict[str, tuple[int, int]]:
    """(accepted, judged) per rule, from the current verdicts of all versions."""
    out: dict[str, tuple[int, int]] = {}
    for row in latest_verdicts(db).values():
        rule = row["rule_id"] or f"{row['field']}.(no rule)"
        ok, n = out.get(rule, (0, 0))
        out[rule] = (ok + (row["verdict"] == "accept"), n + 1)
    return out


def smoothed(counts: tuple[int, int] | None) -> float:
    """Precision with one pseudo-accept and one pseudo-reject, so unseen rules sit at 0.5."""
    ok, n = counts or (0, 0)
    return (ok + 1) / (n + 2)


def build_queue(db: sqlite_utils.Database, *, include_done: bool = False) -> list[QueueEntry]:
    """Articles to review: flagged trials first, then the lowest-scoring pending value (the trained model's
    probability where one scored it, else its rule's observed precision), then newest."""
    precision = rule_precision(db)
    verdicts = latest_verdicts(db)
    flagged = {r["article_id"] for r in db.query("select distinct article_id from flags")}
    entries = []
    articles = db.query("select id, title, url, date, ingested_at from articles "
                        "where id in (select article_id from trials)")
    for a in articles:
        items = items_for_article(db, a["id"])
        states = item_states(items, verdicts)
        pending = [i for i in items if states[i.key] == "pending"]
        if not pending and not include_done:
            continue
        lowest = min((i.score if i.score is not None else smoothed(precision.get(i.rule)) for i in pending), default=1.0)
        entry = QueueEntry(a["id"], a["title"], a["url"], a["date"], len(pending), len(items),
                           a["id"] in flagged and bool(pending), lowest)
        entries.append((entry, a["date"] or "", a["ingested_at"] or ""))
    # Newest first inside equal flag/precision: sort by the date keys descending, then stable
    # sort by the ascending keys.
    entries.sort(key=lambda e: (e[1], e[2]), reverse=True)
    entries.sort(key=lambda e: (not e[0].flagged, round(e[0].precision, 6)))
    return [e[0] for e in entries]


def progress(db: sqlite_utils.Database) -> dict[str, int]:
    """Reviewed and total values over the whole database."""
    verdicts = latest_verdicts(db)
    reviewed = total = 0
    for (article_id,) in db.execute("select distinct article_id from trials").fetchall():
        items = items_for_article(db, article_id)
        states = item_states(items, verdicts)
        total += len(items)
        reviewed += sum(1 for s in states.values() if s != "pending")
    return {"reviewed": reviewed, "total": total}


# --- one article for the page -----------------------------------------------------------


def highlight_segments(text: str, items: list[Item]) -> tuple[list[dict], dict[str, int]]:
    """Split ``text`` at every evidence boundary. Each segment lists the items covering it;
    overlapping spans get separate levels (one underline each), as in displaCy's span view.
    Segment texts are sent whole so that the browser never re-slices the text by offsets."""
    spans = sorted(
        (i for i in items if i.start is not None and i.end is not None and 0 <= i.start < i.end <= len(text)),
        key=lambda i: (i.start, -i.end),
    )
    levels: dict[str, int] = {}
    placed: list[Item] = []
    for item in spans:
        busy = {levels[p.key] for p in placed if p.start < item.end and item.start < p.end}
        level = next(n for n in range(len(busy) + 1) if n not in busy)
        levels[item.key] = level
        placed.append(item)
    bounds = sorted({0, len(text), *(i.start for i in spans), *(i.end for i in spans)})
    segments = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        covering = [i for i in spans if i.start <= lo and hi <= i.end]
        segments.append({
            "text": text[lo:hi],
            "items": [i.key for i in sorted(covering, key=lambda i: levels[i.key])],
            "starts": [i.key for i in covering if i.start == lo],
        })
    return segments, levels


def article_view(db: sqlite_utils.Database, article_id: str) -> dict[str, Any]:
    """Everything the audit page shows for one article, as plain JSON-able data."""
    if not _has_article(db, article_id):
        raise AuditError(f"no article {article_id!r}", article_id=article_id)
    article = db.table("articles").get(article_id)
    items = items_for_article(db, article_id)
    verdicts = latest_verdicts(db, article_id)
    states = item_states(items, verdicts)
    segments, levels = highlight_segments(article["text"] or "", items)
    flags: dict[str, list[dict]] = {}
    for f in db.query("select trial_id, kind, message from flags where article_id = ?", [article_id]):
        flags.setdefault(f["trial_id"], []).append({"kind": f["kind"], "message": f["message"]})
    trials = []
    for t in db.query("select id, idx, role, status, name, phase, registry, design, condition, population "
                      "from trials where article_id = ? order by idx", [article_id]):
        trials.append({**t, "flags": flags.get(t["id"], [])})
    # Flagged trials' values come first in the review order.
    order = {t["id"]: (not t["flags"], t["idx"]) for t in trials}
    ordered = sorted(items, key=lambda i: order.get(i.trial_id, (True, 0)))
    return {
        "article": {k: article[k] for k in ("id", "title", "url", "date", "publisher", "extractor_version")},
        "segments": segments,
        "trials": trials,
        "items": [
            {**asdict(i), "label": i.label, "level": levels.get(i.key), "state": states[i.key],
             "corrected_value": (verdicts.get(i.key) or {}).get("corrected_value"),
             "reviewer": (verdicts.get(i.key) or {}).get("reviewer")}
            for i in ordered
        ],
        "done": sum(1 for s in states.values() if s != "pending"),
        "total": len(items),
    }


# --- precision report -------------------------------------------------------------------


def precision_report(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Precision per extractor version, per field and per rule id, from the current verdicts.
    A correction or a "not a trial" counts against the value, like a rejection."""
    groups: dict[tuple[str, str, str], dict[str, int]] = {}
    latest = db.query(
        "select * from audits where id in (select max(id) from audits group by claim_key, extractor_version)"
    )
    for row in latest:
        version = row["extractor_version"] or "(unknown)"
        rule = row["rule_id"] or f"{row['field']}.(no rule)"
        for by, name in (("field", row["field"]), ("rule", rule)):
            counts = groups.setdefault((version, by, name), dict.fromkeys(VERDICTS, 0))
            counts[row["verdict"]] += 1
    out = []
    for (version, by, name), counts in sorted(groups.items()):
        judged = sum(counts.values())
        out.append({
            "extractor_version": version, "by": by, "name": name, "judged": judged,
            "accepted": counts["accept"], "corrected": counts["correct"], "rejected": counts["reject"],
            "not_a_trial": counts["not_a_trial"], "precision": round(counts["accept"] / judged, 4),
        })
    return out


# --- gold export ------------------------------------------------------------------------

def _apply(state: str, verdict: dict | None) -> tuple[bool, str | None]:
    """(keep the extracted value?, correction typed by the reviewer)."""
    if state == "correct" and verdict:
        return True, verdict["corrected_value"]
    return state in ("accept", "pending"), None


def export_gold(db: sqlite_utils.Database, *, include_partial: bool = False) -> Iterator[dict[str, Any]]:
    """Audited articles as gold records (``shared/gold/GUIDELINE.md`` schema) with the verdicts
    applied: rejected values dropped, corrections in, "not a trial" trials removed. Only fully
    reviewed articles unless ``include_partial``; their pending values are kept as extracted."""
    verdicts = latest_verdicts(db)
    audited = [r["article_id"] for r in db.query("select distinct article_id from audits order by article_id")]
    for article_id in audited:
        if not _has_article(db, article_id):
            continue
        items = items_for_article(db, article_id)
        states = item_states(items, verdicts)
        if not items or (not include_partial and any(s == "pending" for s in states.values())):
            continue
        article = db.table("articles").get(article_id)
        by_target = {(i.target_id, i.field): i for i in items_for_article(db, article_id, unique=False)}

        def judged(target_id: str, field: str) -> tuple[bool, str | None]:
            item = by_target.get((target_id, field))  # noqa: B023 - used within this iteration only
            if item is None:
                return True, None
            return _apply(states[item.key], verdicts.get(item.key))  # noqa: B023

        trials = []
        for t in db.query("select * from trials where article_id = ? order by idx", [article_id]):
            keep, _ = judged(t["id"], "trial")
            if not keep:
                continue
            trials.append(_gold_trial(db, t, article["text"] or "", judged))
        yield {
            "id": article_id,
            "subset": "audit",
            "title": article["title"],
            "url": article["url"],
            "study_type": article["study_type"],
            "trials": trials,
            "tags": ["audited"],
            "note": f"audited values of extractor {article['extractor_version']}",
            # Not a corpus article: like the seed record, its text travels as one passage, so
            # offsets index it directly and `claims eval --gold` needs no corpus entry.
            "seed_passages": [article["text"] or ""],
        }


def _gold_trial(db: sqlite_utils.Database, t: dict, text: str, judged) -> dict[str, Any]:
    """One trial as a gold record, with the verdicts on it, its arms and its outcomes applied."""
    out: dict[str, Any] = {
        "role": t["role"], "status": t["status"], "design": json.loads(t["design"] or "[]"),
        "size": t["size"], "duration": t["duration"], "condition": t["condition"],
        "population": t["population"],
    }
    for key in ("name", "phase", "registry", "size_qualifier"):
        if t[key]:
            out[key] = t[key]
    for field, cast in (("size", lambda s: first_number(s)), ("duration", str), ("status", str)):
        keep, fix = judged(t["id"], field)
        if fix is not None:
            value = cast(fix)
            out[field] = int(value) if field == "size" and value is not None else value
        elif not keep:
            out[field] = None
    out["arms"] = _gold_arms(db, t["id"], judged)
    out["outcomes"] = _gold_outcomes(db, t["id"], judged)
    spans = json.loads(t["evidence"] or "[]")
    out["evidence"] = [text[s:e] for s, e in spans]
    out["evidence_offsets"] = [[s, e] for s, e in spans]
    return out


def _gold_arms(db: sqlite_utils.Database, trial_id: str, judged) -> list[dict[str, Any]]:
    arms = []
    for a in db.query("select * from arms where trial_id = ? order by idx", [trial_id]):
        keep, fix = judged(a["id"], "arm")
        if not keep:
            continue
        arm = {"label": a["label"], "n": a["n"], "intervention": a["intervention"]}
        if fix is not None:
            arm["label"] = arm["intervention"] = fix
        keep_n, fix_n = judged(a["id"], "n")
        if fix_n is not None:
            n = first_number(fix_n)
            arm["n"] = int(n) if n is not None else None
        elif not keep_n:
            arm["n"] = None
        doses = _gold_doses(db, a["id"], judged)
        arm["dose"] = None if not doses else doses[0] if len(doses) == 1 else doses
        arms.append(arm)
    return arms


def _gold_doses(db: sqlite_utils.Database, arm_id: str, judged) -> list[dict[str, Any]]:
    doses = []
    for d in db.query("select * from doses where arm_id = ? order by idx", [arm_id]):
        keep_d, fix_d = judged(d["id"], "dose")
        if fix_d is not None:
            doses.append(parse_dose(fix_d))
        elif keep_d:
            doses.append({"value": plain_number(d["value"]), "upper": plain_number(d["upper"]), "unit": d["unit"],
                          "per": d["per"], "text": d["text"]})
    return doses


def _gold_outcomes(db: sqlite_utils.Database, trial_id: str, judged) -> list[dict[str, Any]]:
    outcomes = []
    for o in db.query("select * from outcomes where trial_id = ? order by idx", [trial_id]):
        keep_o, fix_o = judged(o["id"], "outcome")
        if not keep_o:
            continue
        outcome = {"measure": o["measure"], "arm": o["arm"], "value": plain_number(o["value"]), "unit": o["unit"],
                   "direction": o["direction"], "text": o["text"]}
        if fix_o is not None:
            outcome["value"] = first_number(fix_o)
        outcomes.append(outcome)
    return outcomes


# --- command line -----------------------------------------------------------------------
