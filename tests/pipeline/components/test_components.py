"""Each component on its own, taken from the built pipeline with ``nlp.get_pipe`` and run on a Doc built directly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.records import CleanPage
from pipeline.components.base import GateWords, RuleComponent, SentenceReads, rule_applies
from pipeline.extract import doc_from_page


def run_upto(nlp, text: str, last: str):
    """A Doc processed by every pipe up to and including ``last`` (the earlier ones set sentences and cues)."""
    doc = doc_from_page(nlp, CleanPage(url="", text=text))
    for name, pipe in nlp.pipeline:
        doc = pipe(doc)
        if name == last:
            return doc
    raise AssertionError(f"no pipe {last}")


def found(doc, key: str) -> list:
    return list((doc._.found or {}).get(key, []))


def test_components_pipeline_order_is_declared(nlp):
    from pipeline.nlp import COMPONENTS

    assert nlp.pipe_names[:len(COMPONENTS)] == COMPONENTS


@pytest.mark.parametrize("text,value,evidence", [
    ("In all, 151 alcohol-dependent patients took part in the 16-week trial.", 151, "151 alcohol-dependent patients"),
    ("The study enrolled 1,021 adults with asthma.", 1021, "1,021 adults"),
])
def test_components_trial_size(nlp, text, value, evidence):
    doc = run_upto(nlp, text, "claims_trial_size")
    sizes = found(doc, "TRIAL_SIZE")
    assert any(f.data["n"] == value for f in sizes)
    best = next(f for f in sizes if f.data["n"] == value)
    assert evidence in text[best.start:best.end]
    assert best.rule_id.startswith("size.")


def test_components_trial_size_ignores_ages_and_percentages(nlp):
    doc = run_upto(nlp, "Patients aged 18 to 65 were eligible, and 45 percent were women.", "claims_trial_size")
    assert not [f for f in found(doc, "TRIAL_SIZE") if f.data["n"] in (18, 65, 45)]


@pytest.mark.parametrize("text,value,upper,unit,per", [
    ("The dose was raised to up to 150 mg/day over four weeks.", 150, 150, "mg", "day"),
    ("Volunteers took 400 milligrams of riboflavin a day.", 400, None, "mg", "day"),
    ("Children received 2 mg/kg of the antibody weekly.", 2, None, "mg/kg", "week"),
])
def test_components_dose_value_unit_period(nlp, text, value, upper, unit, per):
    doc = run_upto(nlp, text, "claims_dose")
    doses = found(doc, "DOSE")
    assert doses, "no dose found"
    d = doses[0]
    assert (d.data["value"], d.data["upper"], d.data["unit"], d.data["per"]) == (value, upper, unit, per)
    assert text[d.start:d.end] == doc.text[d.start:d.end]


def test_components_duration(nlp):
    text = "Participants were followed through a 16-week trial of the drug."
    doc = run_upto(nlp, text, "claims_duration")
    durations = found(doc, "DURATION")
    assert durations and "16-week" in text[durations[0].start:durations[0].end]


def test_components_study_type_decides_article_type(nlp):
    rct = "In a randomized, placebo-controlled trial, 200 patients received the drug or a placebo for 12 weeks."
    mice = "The compound shrank tumours in mice, the researchers reported; 20 mice were treated for 3 weeks."
    assert run_upto(nlp, rct, "claims_study_type")._.study_type == "rct"
    assert run_upto(nlp, mice, "claims_study_type")._.study_type == "animal"


def test_components_design_cues_carry_tags(nlp):
    doc = run_upto(nlp, "It was a double-blind, placebo-controlled, randomised trial.", "claims_design")
    tags = {f.data.get("tag") for f in found(doc, "DESIGN")}
    assert {"double-blind", "placebo-controlled", "randomized"} <= tags


def test_components_spans_carry_rule_ids(nlp):
    doc = run_upto(nlp, "58 patients were given up to 150 mg/day of baclofen in the trial.", "claims_dose")
    spans = list(doc.spans["DOSE"])
    assert spans and all(s.id_.startswith("dose.") for s in spans)


@pytest.mark.parametrize("text", [
    "Results\nThe drug worked. Side effects were mild.\n\n• 151 patients\n• 16 weeks\n- open-label\n",
    "• A bullet first\nthen a line\n\n\n+ and a plus",
    "•",
    "",
    "One line only, no breaks.",
])
def test_components_sentences_start_each_line_as_token_by_token(nlp, text):
    """claims_sentences sets its starts in one go; the same starts as assigning Token.is_sent_start one by one."""
    import re

    from pipeline.components.sentences import BULLETS

    doc = run_upto(nlp, text, "claims_sentences")
    expected = doc_from_page(nlp, CleanPage(url="", text=text))
    for match in re.finditer(r"\n\s*(?=\S)", text):
        token = expected.char_span(match.end(), match.end() + 1, alignment_mode="expand")[0]
        if token.i > 0:
            token.is_sent_start = True
        if token.text in BULLETS and token.i + 1 < len(expected):
            expected[token.i + 1].is_sent_start = False
    if len(expected) > 1 and expected[0].text in BULLETS:
        expected[1].is_sent_start = False
    assert [t.is_sent_start for t in doc] == [t.is_sent_start for t in expected]


GATE_TEXTS = [
    "151 alcohol-dependent patients took part in the 16-week randomized trial. 58 received high-dose baclofen "
    "(up to 150 mg/day), 31 received low-dose baclofen (30 mg/day) and 62 received placebo.\n\nAbout 25% relapsed "
    "in each group (95% CI 20-30%, p=0.41), compared with 68% vs 24% in the 2015 study of 56 patients.\n\n"
    "• n=602 adults got 10mg/kg twice daily\n• HR 0.75 (95% CI 0.6–0.9)\n\nWe are planning a new RCT, "
    "where we will test up to 330 mg per day.",
    "İSTANBUL: Forty PATIENTS were enrolled in a multicenter, double-blind study. Twelve received aspirin "
    "(N=602) for six weeks; the others got a sugar pill. A larger trial will begin next year.",
]


@settings(max_examples=300, deadline=None)
@given(st.sets(st.text("abn -%", min_size=1, max_size=4), min_size=1, max_size=12),
       st.lists(st.text("abn -%Ä", max_size=30), max_size=6))
def test_gate_words_scan_finds_every_word_each_sentence_holds(words, sentences):
    """One scan of a sentence finds every gate word it holds, those that overlap or begin others included."""
    masks = GateWords(frozenset(words)).masks(sentences)
    for word in words:
        expected = sum(1 << k for k, sentence in enumerate(sentences) if word in sentence)
        assert masks.get(word, 0) == expected, word


def test_sentence_reads_applicable_is_rule_applies(nlp):
    """The sentences a rule runs in, from the bit sets of one document's reads, are those ``rule_applies`` accepts
    sentence by sentence, for every rule of every rule component (non-ASCII sentences, whose literals are not read,
    included)."""
    for text in GATE_TEXTS:
        doc = run_upto(nlp, text, "claims_sentencizer")
        reads = SentenceReads(doc)
        for _, pipe in nlp.pipeline:
            for rule in pipe.rules if isinstance(pipe, RuleComponent) else ():
                expected = [k for k in range(len(reads.sents))
                            if rule_applies(rule, reads.read(k)[1], *reads.read(k)[2:])]
                assert reads.applicable(rule) == expected, rule.id
