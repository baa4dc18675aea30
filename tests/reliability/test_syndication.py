"""Issue 10, class 12: two stories from one template stay two articles; true syndicated copies merge."""

from __future__ import annotations

import sqlite3

from pipeline.ingest import ingest
from pipeline.store.fingerprint import SAME_TEXT_JACCARD, jaccard, shingles
from tests.conftest import Response
from tests.reliability.helpers import assert_sound, fast_settings

# One press-release frame; the facts (drug, condition, numbers) differ between the two stories.
FRAME = """<html><head><title>{drug} eases {condition} in a 12-week trial</title></head><body><article>
<h1>{drug} eases {condition} in a 12-week trial</h1>
{dateline}<p>A randomized, placebo-controlled trial of {n} adults with {condition} found that {drug} reduced
symptoms more than placebo over 12 weeks, researchers reported on Monday at the annual meeting of the
society in Boston.</p>
<p>Of the {n} adults, {a} received {dose} mg of {drug} once daily and {b} received a matching placebo.
Participants kept a daily symptom diary and visited the clinic every four weeks for an examination by a
doctor who did not know which treatment they had been given.</p>
<p>After 12 weeks, symptoms had improved by 48% in the {drug} group and by 21% in the placebo group.
Side effects were mostly mild, and the most common were headache and nausea, the researchers said.</p>
<p>Larger trials lasting a year are planned to confirm the findings and to look at how long the benefit
lasts after treatment stops. The team also wants to know whether the drug works as well in older adults and
in people who take other medicines every day, two groups that were left out of this first trial.</p>
<p>"These results are encouraging for the many patients who do not respond well to the treatments now
available," said the study's lead author, a professor at the university medical school. "We hope that the
next trials will tell us which patients gain the most, and how to use the drug alongside the care they
already receive from their family doctors and specialists."</p>
<p>Patients in the trial were recruited at eleven hospitals and clinics across the country between the
spring of one year and the autumn of the next. Each of them had lived with the condition for at least five
years and had tried at least two other treatments before joining the study, the researchers explained in
their presentation to the meeting.</p>
{ending}{credit}</article></body></html>"""

ENDING = """<p>The researchers cautioned that the trial was relatively short and that most participants were
white women, so the findings may not apply to everyone with the condition.</p>
"""

MIGRAINE = dict(drug="Rimegepant", condition="migraine", n=202, a=101, b=101, dose=75)
PSORIASIS = dict(drug="Deucravacitinib", condition="psoriasis", n=204, a=102, b=102, dose=6)


def page(facts: dict, *, dateline: str = "", credit: str = "", ending: str = ENDING) -> bytes:
    return FRAME.format(dateline=dateline, credit=credit, ending=ending, **facts).encode()


def articles(db_path) -> list[tuple[str, int]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("select a.id, count(u.url) from articles a join article_urls u on u.article_id = a.id "
                            "group by a.id order by a.id").fetchall()


def run(server, tmp_path, nlp, pages: dict[str, bytes]):
    for route, body in pages.items():
        server.routes[route] = Response(200, body)
    settings = fast_settings(tmp_path)
    summary = ingest([server.url(route) for route in pages], settings, nlp=nlp)
    assert not summary.failed
    assert_sound(settings.db_path)
    return settings


def test_two_stories_from_one_template_stay_two_articles(server, tmp_path, nlp):
    settings = run(server, tmp_path, nlp, {"/migraine.html": page(MIGRAINE), "/psoriasis.html": page(PSORIASIS)})
    assert [n for _, n in articles(settings.db_path)] == [1, 1]
    with sqlite3.connect(settings.db_path) as conn:
        sizes = sorted(r[0] for r in conn.execute("select size from trials where role = 'main'"))
    assert sizes == [202, 204], "each story keeps its own claims"


def test_template_pair_with_nearly_identical_text_but_other_facts_stays_apart(server, tmp_path, nlp):
    # only the dose differs: the texts are over the Jaccard bar, the extracted facts are not the same
    from scrapers.clean import clean_html

    other = dict(MIGRAINE, dose=50)
    first, second = (clean_html(page(facts), None).text for facts in (MIGRAINE, other))
    assert SAME_TEXT_JACCARD <= jaccard(shingles(first), shingles(second)) < 1.0
    settings = run(server, tmp_path, nlp, {"/m1.html": page(MIGRAINE), "/m2.html": page(other)})
    assert [n for _, n in articles(settings.db_path)] == [1, 1]
    with sqlite3.connect(settings.db_path) as conn:
        assert sorted(r[0] for r in conn.execute("select value from doses")) == [50, 75]


def test_syndicated_copies_join_the_first_article(server, tmp_path, nlp):
    copies = {
        "/original.html": page(MIGRAINE),
        "/wire.html": page(MIGRAINE, dateline="<p>BOSTON (Wire) --</p>\n"),
        "/credited.html": page(MIGRAINE, credit="<p>Source: University Medical School press office.</p>\n"),
        "/trimmed.html": page(MIGRAINE, ending=""),
    }
    settings = run(server, tmp_path, nlp, copies)
    assert [n for _, n in articles(settings.db_path)] == [4]
    with sqlite3.connect(settings.db_path) as conn:
        assert conn.execute("select count(*) from trials where role = 'main'").fetchone()[0] == 1


def test_jaccard_bar_is_measured_on_the_texts():
    text = page(MIGRAINE).decode()
    assert jaccard(shingles(text), shingles(text.upper().replace("\n", " "))) == 1.0
    assert jaccard(shingles(page(MIGRAINE).decode()), shingles(page(PSORIASIS).decode())) < SAME_TEXT_JACCARD
