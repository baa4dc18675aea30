"""Cleaning: only the article body reaches the text, the press-release trailer is split off, stages recorded."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.errors import CleanError
from pipeline.cli import cli
from pipeline.store import content_fingerprint
from scrapers.clean import clean_html, load_site_rules
from scrapers.encoding import decode_html
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "scrapers"
SEED_SHAPE = SAMPLES / "baclofen-alcohol-trial.html"  # a bioengineer.org page: menus, share bar, related posts

NEVER_IN_BODY = ["Share on Facebook", "Share on Twitter", "Related Posts", "POPULAR NEWS", "Newsletter",
                 "Please login", "use cookies", "Cookie settings", "Credit:", "Reading Time", "TAGS",
                 "Subscribe", "Search...", "###", "Media Contact", "Story Source"]


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("url, stage", [
    ("https://bioengineer.org/high-dose-baclofen-no-better-than-placebo-for-alcohol-dependence/",
     "site:bioengineer.org"),
    (None, "generic"),
])
def test_clean_seed_shape_keeps_only_the_article(url, stage):
    page = clean_html(SEED_SHAPE.read_bytes(), url)
    assert page.stage == stage
    assert page.text.startswith("For several years baclofen has been talked about")
    assert page.text.endswith("in a best-selling memoir.")
    for junk in NEVER_IN_BODY:
        assert junk not in page.text, junk
    assert "151 alcohol-dependent patients took part in the 16-week trial." in page.text
    # Trailer: split off whole, in order, nothing of it in the body.
    assert page.trailer.startswith("###")
    for part in ("See paper", "Journal Reference: Beraha EM", "Funding for this study", "Media Contact",
                 "press@ecnp.example.org", "Story Source: Materials provided by"):
        assert part in page.trailer, part
    assert page.title == "High-dose baclofen no better than placebo for alcohol dependence, Dutch trial finds"
    assert page.date == "2016-11-30"
    assert page.lang == "en"


def test_clean_blocks_are_spans_of_the_text():
    page = clean_html(SEED_SHAPE.read_bytes(), None)
    assert [b.kind for b in page.blocks].count("heading") == 3
    pieces = [page.text[b.start:b.end] for b in page.blocks]
    assert "\n\n".join(pieces) == page.text
    assert all(piece and "\n\n" not in piece for piece in pieces)
    headings = [page.text[b.start:b.end] for b in page.blocks if b.kind == "heading"]
    assert headings == ["No difference between the groups", "An earlier German study", "Next steps"]


def test_clean_press_release_fixture():
    page = clean_html(read("press-release.html"), "https://news.example.edu/2023/09/melatonin-delirium")
    assert page.stage == "generic"
    assert page.text.startswith("Older adults who took melatonin")
    for junk in ("Share on", "cookies", "Related Posts", "Sign up for our newsletter", "Photo credit",
                 "All rights reserved", "Media contact", "Funding:"):
        assert junk not in page.text, junk
    quote = next(b for b in page.blocks if b.kind == "quote")
    assert page.text[quote.start:quote.end].startswith('"These are cheap pills')
    assert page.trailer.split("\n\n")[0] == "###"
    assert "Media contact: Press Office" in page.trailer and "DOI: 10.1093/ageing/afad999" in page.trailer
    assert page.date == "2023-09-12"
    assert page.meta["nct_ids"] == ["NCT04432103"]
    assert page.meta["doi"] == "10.1093/ageing/afad999"
    assert page.meta["journal"] == "Age and Ageing"
    assert page.meta["author"] == "Jane Writer"
    assert page.meta["canonical_url"] == "https://news.example.edu/2023/09/melatonin-delirium"


def test_clean_navigation_only_page_has_no_main_text():
    with pytest.raises(CleanError, match="no main text") as info:
        clean_html(read("navigation-only.html"), "https://example.org/topics")
    assert info.value.url == "https://example.org/topics"


@pytest.mark.parametrize("html", [b"", b"   ", b"<html></html>", b"<html><body><p>Too short.</p></body></html>"])
def test_clean_empty_or_tiny_documents(html):
    with pytest.raises(CleanError, match="no main text"):
        clean_html(html, "https://example.org/x")


def test_clean_non_english_page_records_language():
    page = clean_html(read("german-release.html"), "https://presse.example.de/migraene")
    assert page.lang == "de"
    assert "Antikörpertherapie" in page.text and "Startseite" not in page.text


def test_clean_malformed_markup():
    page = clean_html(read("malformed.html"), "https://example.org/broken")
    assert "Researchers tested a low-salt diet in 300 adults" in page.text
    assert "a clear difference the authors said" in " ".join(page.text.split())
    assert "larger trials before any change to guidelines" in page.text


def test_clean_xml_declaration_and_str_input():
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + read("press-release.html").decode("utf-8")
    assert clean_html(html, None).text.startswith("Older adults who took melatonin")


def test_clean_site_rule_that_does_not_match_falls_through():
    # A bioengineer.org URL whose page lacks the expected container: the generic stage takes over.
    page = clean_html(read("press-release.html"), "https://bioengineer.org/some-other-layout/")
    assert page.stage == "generic"
    assert page.text.startswith("Older adults who took melatonin")


def test_site_rules_load_and_compile():
    rules, drop = load_site_rules()
    names = {rule.name for rule in rules}
    assert {"bioengineer", "eurekalert", "sciencedaily", "sciencex", "newswise", "sciencealert"} <= names
    assert drop and all(rule.body for rule in rules)


@pytest.mark.parametrize("body, declared, codec", [
    ("caf\u00e9 \u2013 na\u00efve".encode(), "windows-1252", "utf-8"),
    ("caf\u00e9 \u2013 na\u00efve and more plain words here".encode("cp1252"), "utf-8", "cp1252"),
    ('<meta charset="iso-8859-1"><p>caf\u00e9</p>'.encode("latin-1"), None, "cp1252"),
    ("\ufeffcaf\u00e9".encode(), None, "utf-8"),
])
def test_decode_html_charsets(body, declared, codec):
    text, used = decode_html(body, declared)
    assert used == codec
    assert "caf\u00e9" in text and "\ufffd" not in text


def test_decode_html_repairs_double_encoded_utf8():
    mojibake = "The caf\u00e9 study \u2013 results".encode().decode("cp1252").encode()
    text, _ = decode_html(mojibake)
    assert text == "The caf\u00e9 study \u2013 results"


def test_content_fingerprint_stable_under_noise_and_syndication():
    page = clean_html(SEED_SHAPE.read_bytes(), None)
    noisy = page.text.replace("\n\n", "\n").replace(". ", ".  ").replace('"', "\u201c").upper()
    assert content_fingerprint(noisy) == content_fingerprint(page.text)
    # Republished with a dateline and a credit line added at the edges: still the same release.
    republished = "AMSTERDAM, Nov 30 (Wire) -- " + page.text + "\n\nImage courtesy of the wire service."
    assert content_fingerprint(republished) == content_fingerprint(page.text)
    other = clean_html(read("press-release.html"), None)
    assert content_fingerprint(other.text) != content_fingerprint(page.text)


def test_clean_command_prints_one_json_line_per_input(tmp_path):
    packed = tmp_path / "seed.html.gz"
    packed.write_bytes(gzip.compress(SEED_SHAPE.read_bytes()))
    nav = FIXTURES / "navigation-only.html"
    result = CliRunner().invoke(cli, ["clean", str(SEED_SHAPE), str(packed), str(nav)])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 1  # the navigation page has no article
    assert len(lines) == 3
    first, second, third = lines
    assert set(first) == {"source", "title", "date", "text", "trailer", "meta", "stage"}
    assert first["text"] == second["text"] and first["trailer"].startswith("###")
    assert third == {"source": str(nav), "error": "no main text"}


def _release(head: str, body: str) -> str:
    """A small news-release page: site menu, the article, a footer."""
    return f"""<html><head>{head}</head><body>
    <nav><a href="/">Home</a> <a href="/news">News</a> <a href="/research">Research</a></nav>
    <main><article>{body}</article></main>
    <footer><p>University Communications, 1 College Road</p></footer></body></html>"""


LEAD = ("<p>Adults with insomnia who practised a nightly breathing routine for eight weeks fell asleep faster "
        "than those given sleep-hygiene advice alone, a randomised trial of 212 patients reports.</p>"
        "<p>The routine took ten minutes and needed no equipment, said the trial's lead author, who plans a "
        "larger study in primary care next year with funding already in place.</p>")


@pytest.mark.parametrize("head, top, dropped", [
    # The <h1> repeated at the top of the article container.
    ("<title>Breathing routine eases insomnia | University News</title>",
     "<h1>Breathing routine eases insomnia</h1>", True),
    # og:title with curly quotes and a site name, the on-page heading with straight ones.
    ('<meta property="og:title" content="\u2018Breathing routine\u2019 eases insomnia in trial \u2013 UniNews">',
     "<h2>'Breathing routine' eases insomnia in trial</h2>", True),
    # A section heading that opens the body is not the headline.
    ("<title>Breathing routine eases insomnia</title>", "<h2>Key findings</h2>", False),
])
def test_clean_headline_at_top_of_body_is_not_body_text(head, top, dropped):
    page = clean_html(_release(head, top + LEAD), "https://news.example.edu/2024/breathing")
    first = page.text[page.blocks[0].start:page.blocks[0].end]
    if dropped:
        assert page.text.startswith("Adults with insomnia") and page.blocks[0].kind == "paragraph"
        assert page.title and "insomnia" in page.title
    else:
        assert first == "Key findings" and page.blocks[0].kind == "heading"
    assert page.text.endswith("with funding already in place.")


def test_clean_headline_dropped_once_when_a_dek_repeats_it():
    html = _release("<title>Breathing routine eases insomnia</title>",
                    "<h1>Breathing routine eases insomnia</h1><h2>Breathing routine eases insomnia</h2>" + LEAD)
    page = clean_html(html, None)
    assert page.text.startswith("Breathing routine eases insomnia\n\nAdults with insomnia")


GERMAN_RELEASE = """<html lang="de"><head><title>Bakterien laden Batterie in Minuten</title></head><body>
<nav><a href="/">Startseite</a> <a href="/presse">Presse</a></nav>
<div class="news"><h1>Bakterien laden Batterie in Minuten</h1>
<p>In mikrobiellen Brennstoffzellen verstoffwechseln Bakterien energiereiche Moleküle und erzeugen dadurch
Strom. Ein Forschungsteam hat nun eine Zelle gebaut, die sich in wenigen Minuten wieder aufladen lässt.</p>
<p>Die Zelle speichert die Energie in Ameisensäure, die ein Elektrolyseur aus Kohlendioxid herstellt. Im Test
hielt sie über zwanzig Ladezyklen ohne messbaren Verlust, berichten die Forschenden.</p>
<p>Als Nächstes soll die Zelle mit Abwasser aus einer Kläranlage betrieben werden, um zu prüfen, ob sie auch
unter wechselnden Bedingungen zuverlässig arbeitet.</p>
<p>{marker}</p>
<p>Dr. Anna Beispiel, Institut für Chemie, E-Mail: beispiel@example.de</p>
</div></body></html>"""


@pytest.mark.parametrize("marker", ["Wissenschaftliche Ansprechpartner:", "Kontakt:", "Pressekontakt",
                                    "Originalpublikation:", "Weitere Informationen:", "Contact presse :"])
def test_clean_german_and_french_release_fields_start_the_trailer(marker):
    page = clean_html(GERMAN_RELEASE.format(marker=marker), "https://presse.example.de/bakterien")
    assert page.text.endswith("unter wechselnden Bedingungen zuverlässig arbeitet.")
    assert marker not in page.text and "beispiel@example.de" not in page.text
    assert page.trailer.startswith(marker) and "beispiel@example.de" in page.trailer


def test_clean_short_generic_result_gets_a_second_extraction():
    # Text runs split by empty divs: the fast generic pass keeps only the first run; a result this
    # short is re-extracted with the slower pass, which finds the whole story.
    runs = ["Health officials said on Tuesday that a ward at the city hospital was closed after six patients "
            "caught the same stomach virus within two days, and that visits would be limited until Friday.",
            "The hospital said all six patients were recovering and that none had needed intensive care. "
            "Staff who had worked on the ward were tested as a precaution.",
            "A spokesperson added that cleaning crews had worked through the night and that the ward should "
            "reopen next week if no new cases appear."]
    html = f"""<html><head><title>Hospital ward closed after virus outbreak</title></head><body>
    <div class="menu"><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></div>
    <div class="row"><div class="story">{runs[0]}<div class="fake-br"></div>{runs[1]}<br>
    <div class="fake-br"></div>{runs[2]}</div></div>
    <div class="row"><div class="ticker"><a href="/a">Council approves new bus lanes on Main Street</a>
    <a href="/b">Library opens late on Thursdays from next month</a></div></div></body></html>"""
    page = clean_html(html, "https://news.example.com/hospital-ward")
    assert page.stage == "generic"
    assert page.text.split("\n\n") == runs
    assert "bus lanes" not in page.text


def _asthma(i: int) -> str:
    return (f"Paragraph {i}: the trial enrolled adults with mild asthma across nine clinics and followed them for "
            f"a full year, recording every flare, every inhaler refill and every missed day of work.")


def test_clean_long_paragraphs_repeated_by_the_page_structure_are_kept():
    # Meal plans: the same long menu lines under each plan, in varying order, are content, not duplicates,
    # even though most long paragraphs on the page repeat.
    lentils = ("Lentil Bowl [1 cup cooked lentils, half a cup roasted peppers, one cup spinach, two teaspoons "
               "olive oil, lemon juice, salt and pepper to taste, served warm or cold]")
    oats = ("Overnight Oats [half a cup rolled oats, one cup unsweetened almond milk, one cup blueberries, one "
            "teaspoon honey, a pinch of cinnamon, left in the fridge overnight]")
    plans = "".join(f"<h2>Plan {x}</h2><h3>Lunch</h3><p>{first}</p><p>Portions: 1 Green, 1 Yellow.</p>"
                    f"<h3>Dinner</h3><p>{second}</p>"
                    for x, first, second in (("A", lentils, oats), ("B", oats, lentils), ("C", lentils, oats)))
    page = clean_html(f"<html><body><article><p>{_asthma(0)}</p>{plans}</article></body></html>", None)
    assert page.text.count("Lentil Bowl") == 3 and page.text.count("Overnight Oats") == 3
    assert [page.text[b.start:b.end] for b in page.blocks if b.kind == "heading"].count("Lunch") == 3


def test_clean_duplicated_markup_is_read_once():
    # The same story rendered twice (desktop and mobile containers) reaches the text once.
    story = "".join(f"<p>{_asthma(i)}</p>" for i in range(4))
    html = f"<html><body><article><div class='d'>{story}</div><div class='m'>{story}</div></article></body></html>"
    page = clean_html(html, None)
    assert [page.text.count(f"Paragraph {i}:") for i in range(4)] == [1, 1, 1, 1]


def test_clean_teaser_repeated_as_lead_is_read_once():
    # A site rule reads the container as is: the teaser printed again as the first paragraph is dropped,
    # while a paragraph repeated under its own heading (a recap section) stays.
    story = "".join(f"<p>{_asthma(i)}</p>" for i in (1, 2, 3))
    html = (f"<html><body><div class='td-post-content'><p>{_asthma(1)}</p>{story}<h2>Recap</h2>"
            f"<p>{_asthma(3)}</p></div></body></html>")
    page = clean_html(html, "https://bioengineer.org/asthma-trial/")
    assert page.stage == "site:bioengineer.org"
    assert [page.text.count(f"Paragraph {i}:") for i in (1, 2, 3)] == [1, 1, 2]


@pytest.mark.parametrize("teaser", [
    "<p>Related: <a href='/news/ragweed-season'>Ragweed season starts earlier every year</a></p>",
    "<p>Also on example.com <a href='/news/pollen-app'>A pollen app that warns before you sneeze</a></p>",
    "<p><strong>DON'T MISS</strong><br><a href='/a'>Hay fever jabs: what the evidence says [ANALYSIS]</a><br>"
    "<a href='/b'>Why pollen counts are higher in cities [INSIGHT]</a><br>"
    "<a href='/c'>Nasal sprays compared in a new review [NEWS]</a></p>",
])
def test_clean_other_story_teasers_between_paragraphs_are_dropped(teaser):
    paragraphs = [_asthma(i) for i in range(4)]
    body = "".join(f"<p>{p}</p>" for p in paragraphs[:2]) + teaser + "".join(f"<p>{p}</p>" for p in paragraphs[2:])
    page = clean_html(f"<html><body><article>{body}</article></body></html>", "https://example.com/asthma")
    assert page.text.split("\n\n") == paragraphs


_POSTS = [
    "I have used a twelve inch Lodge skillet for years and it has never let me down, season it well and keep it dry.",
    "Griswold pans from before the war are lighter and smoother, but you pay collector prices for them at estate sales.",
    "Whatever you buy, heat it slowly on the stove and use a little lard the first few times; it gets better each meal.",
]


def _forum_page(opening: str) -> str:
    posts = "".join(f'<div class="comment"><p class="author">user{i}</p><p>{t}</p></div>' for i, t in enumerate(_POSTS))
    return (f"<html><head><title>Cast iron frying pan - Wire Saloon forum</title></head><body>"
            f'<nav><a href="/">Home</a> <a href="/forum">Forums</a> <a href="/login">Log in</a></nav>'
            f'<h1>Cast iron frying pan</h1><div class="post">{opening}</div>'
            f'<div id="comments"><form action="/moderate">{posts}</form></div>'
            '<footer><a href="/privacy">Privacy</a></footer></body></html>')


def test_a_forum_thread_whose_posts_are_filed_as_comments_keeps_the_posts():
    """The posts of a thread sit in a moderation form (Invision, vBulletin), which the prose fallback skips."""
    page = clean_html(_forum_page("<p>By using this site, you agree to our Terms of Use.</p>"),
                      "https://forum.example.org/t/cast-iron")
    assert all(post in page.text for post in _POSTS)


def test_comments_under_an_article_long_enough_stay_out():
    article = ("<p>Researchers at the state university followed 151 home cooks for sixteen weeks and found that those "
               "who used cast iron pans every day had slightly higher iron levels in their blood than those who "
               "cooked with steel or aluminium pans, the team reported on Monday in a nutrition journal.</p>")
    page = clean_html(_forum_page(article), "https://news.example.org/2016/cast-iron-study")
    assert "151 home cooks" in page.text
    assert not any(post in page.text for post in _POSTS)
