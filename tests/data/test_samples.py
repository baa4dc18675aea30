"""The bundled sample pages: well-formed, servable, and consistent with data/samples/expected.json."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
import requests
from bs4 import BeautifulSoup

from tests.conftest import SAMPLES

EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
PAGES = sorted(p.name for p in SAMPLES.glob("*.html"))

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
STUDY_TYPES = {"rct", "trial", "observational", "animal", "meta-analysis", "other"}
DIRECTIONS = {"improved", "worsened", "no difference", "reference", "mixed", None}
# Number words used in the sample texts; the guideline records them as numbers.
WORDS = {1: "one", 4: "four", 5: "five", 6: "six", 9: "nine", 11: "eleven", 60: "sixty"}


class TagBalance(HTMLParser):
    """Records every end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        return

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            top = self.stack[-1] if self.stack else None
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> closes {top}")
            return
        self.stack.pop()


def read(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def visible_text(html: str) -> str:
    """What a reader sees: no script/style, entities decoded, whitespace normalised."""
    soup = BeautifulSoup(html, "lxml")
    for node in soup(["script", "style", "noscript", "template"]):
        node.decompose()
    return squash(soup.get_text())


def number_forms(value: float) -> list[str]:
    forms = [f"{value:g}", f"{value:,g}"]
    if float(value).is_integer() and int(value) in WORDS:
        forms.append(WORDS[int(value)])
    return forms


def has_number(value: float, text: str) -> bool:
    low = text.lower()
    return any(re.search(rf"(?<![\d.]){re.escape(f)}(?![\d])", low) for f in number_forms(value))


def test_samples_expected_matches_files() -> None:
    assert len(PAGES) >= 7
    assert sorted(EXPECTED) == PAGES


@pytest.mark.parametrize("name", PAGES)
def test_samples_well_formed(name: str) -> None:
    checker = TagBalance()
    checker.feed(read(name))
    checker.close()
    assert checker.problems == []
    assert checker.stack == []


@pytest.mark.parametrize("name", PAGES)
def test_samples_head_metadata(name: str) -> None:
    soup = BeautifulSoup(read(name), "lxml")
    assert soup.title is not None and soup.title.get_text(strip=True)
    assert soup.html.get("lang", "").startswith("en")
    assert soup.find("link", rel="canonical") is not None
    assert soup.find("meta", property="og:title") is not None
    assert soup.find("meta", property="og:site_name") is not None
    assert soup.find("meta", property="article:published_time") is not None
    # The expected title is the headline a reader sees on the page.
    assert squash(EXPECTED[name]["title"]) == squash(soup.find("h1").get_text())


@pytest.mark.parametrize("name", PAGES)
def test_samples_boilerplate_present(name: str) -> None:
    soup = BeautifulSoup(read(name), "lxml")
    text = visible_text(read(name))
    for marker in ("Share on Facebook", "Share on Twitter", "cookies"):
        assert marker in text, marker
    assert soup.select("form input[type=search], form input[name=s], form input[name=q], form input[name=keyword]")
    assert soup.select("form input[type=password]"), "login box"
    assert soup.select("figure figcaption"), "image caption"
    assert soup.find("footer") or soup.select("[class*=footer], [id*=footer]")


@pytest.mark.parametrize("name", PAGES)
def test_samples_snippets_in_visible_text(name: str) -> None:
    text = visible_text(read(name))
    spec = EXPECTED[name]
    missing = [
        s for key in ("text_with", "text_without", "trailer_with") for s in spec[key] if squash(s) not in text
    ]
    assert missing == []


@pytest.mark.parametrize("name", PAGES)
def test_samples_claims_have_evidence(name: str) -> None:
    text = visible_text(read(name))
    spec = EXPECTED[name]
    assert spec["study_type"] in STUDY_TYPES
    for trial in spec["trials"]:
        evidence = [squash(e) for e in trial["evidence"]]
        assert all(e in text for e in evidence), trial["role"]
        joined = " ".join(evidence)
        assert trial["status"] in {"completed", "ongoing", "planned"}
        if trial["size"] is not None:
            assert has_number(trial["size"], joined)
        if trial.get("registry"):
            assert trial["registry"] in joined
        for arm in trial["arms"]:
            if arm["n"] is not None:
                assert has_number(arm["n"], joined), arm
            doses = arm["dose"] if isinstance(arm["dose"], list) else [arm["dose"]]
            for dose in filter(None, doses):
                assert squash(dose["text"]) in text
                assert any(squash(dose["text"]) in e for e in evidence), dose
                assert has_number(dose["value"], dose["text"]), dose
        labels = {arm["label"] for arm in trial["arms"]} | {"all groups", "between groups", "other"}
        for outcome in trial["outcomes"]:
            assert squash(outcome["text"]) in text
            assert any(squash(outcome["text"]) in e for e in evidence), outcome
            assert outcome["arm"] in labels
            assert outcome["direction"] in DIRECTIONS
            if outcome["value"] is not None:
                assert has_number(outcome["value"], outcome["text"]), outcome


@pytest.mark.parametrize("name", [n for n in PAGES if not EXPECTED[n]["trials"]])
def test_samples_non_trial_pages_say_why(name: str) -> None:
    text = visible_text(read(name))
    assert EXPECTED[name]["study_type"] in {"observational", "animal", "meta-analysis", "other"}
    assert all(squash(e) in text for e in EXPECTED[name]["study_type_evidence"])


def test_samples_script_payload_is_inert_text() -> None:
    html = read("script-payload.html")
    # In the source the payloads are escaped, so a browser shows them instead of running them.
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html
    assert "onerror=alert(1)>" not in html.replace("&gt;", "")
    soup = BeautifulSoup(html, "lxml")
    assert not soup.find_all("img", attrs={"onerror": True})
    assert not soup.find_all("a", href=re.compile(r"^\s*javascript:alert", re.I))
    assert all("alert" not in s.get_text() for s in soup.find_all("script"))
    text = visible_text(html)
    for payload in ("<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)"):
        assert payload in text


def test_samples_served_by_local_server(server) -> None:
    for name in PAGES:
        resp = requests.get(server.url(f"/samples/{name}"), timeout=5)
        assert resp.status_code == 200
        assert resp.content == (SAMPLES / name).read_bytes()
