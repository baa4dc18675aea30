"""Render one stored article's claims with their evidence for the terminal (`claims show`)."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils
from rich.console import Group
from rich.panel import Panel
from rich.text import Text
from rich.tree import Tree

from pipeline.normalize import format_dose


def _fmt_dose(d: dict[str, Any]) -> str:
    return f"{format_dose({**d, 'drug': None})}  «{d['text']}» [{d['start']}:{d['end']}]"


def render_article(db: sqlite_utils.Database, article: dict[str, Any]) -> Group:
    text: str = article["text"]
    header = Text()
    header.append(article["title"] or "(untitled)", style="bold")
    header.append(f"\n{article['url']}\n", style="dim")
    header.append(f"id {article['id']} · date {article['date'] or '?'} · study type {article['study_type']}"
                  f" · extractor {article['extractor_version']}")
    parts: list[Any] = [Panel(header)]
    trials = list(db.query("select * from trials where article_id = ? order by idx", [article["id"]]))
    if not trials:
        parts.append(Text("No trial found in this article.", style="yellow"))
    for trial in trials:
        design = ", ".join(json.loads(trial["design"] or "[]")) or "-"
        size = trial["size"]
        size_txt = f"{trial['size_qualifier'] + ' ' if trial['size_qualifier'] else ''}{size}" if size else "?"
        label = (f"[bold]Trial {trial['idx'] + 1}[/] {trial['role']} · {trial['status']}"
                 f"{' · ' + trial['name'] if trial['name'] else ''}"
                 f"{' · phase ' + trial['phase'] if trial['phase'] else ''}"
                 f"{' · ' + trial['registry'] if trial['registry'] else ''}"
                 f" · size {size_txt} · duration {trial['duration'] or '?'} · design {design}")
        tree = Tree(label)
        arms = tree.add("arms")
        for arm in db.query("select * from arms where trial_id = ? order by idx", [trial["id"]]):
            node = arms.add(f"{arm['label']}" + (f" (n={arm['n']})" if arm["n"] is not None else ""))
            for dose in db.query("select * from doses where arm_id = ? order by idx", [arm["id"]]):
                node.add(_fmt_dose(dose))
        outcomes = tree.add("outcomes")
        for out in db.query("select * from outcomes where trial_id = ? order by idx", [trial["id"]]):
            value = "" if out["value"] is None else f"{out['value']:g}{' ' + out['unit'] if out['unit'] else ''}"
            outcomes.add(f"{out['arm'] or '?'}: {value} {out['direction'] or ''}  «{out['text']}»")
        for flag in db.query("select * from flags where trial_id = ?", [trial["id"]]):
            tree.add(f"[red]flag[/] {flag['kind']}: {flag['message']}")
        evidence = tree.add("evidence")
        for start, end in json.loads(trial["evidence"] or "[]"):
            evidence.add(Text(f"[{start}:{end}] {text[start:end]}", style="italic"))
        parts.append(tree)
    return Group(*parts)
