"""Extractor components on sentences written for the tests, including each distractor class."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from spacy.tokens import DocBin

from pipeline.cli import cli
from pipeline.extract import extract
from pipeline.normalize import normalize_duration, normalize_unit, parse_number

RCT = "In the randomized, placebo-controlled trial, "


def main_trial(nlp, text):
    claims = extract(nlp, text)
    mains = [t for t in claims.trials if t.role == "main"]
    assert mains, f"no main trial in: {text!r} ({claims.study_type})"
    return mains[0]


def doses_of(trial):
    return [(d.value, d.upper, d.unit, d.per, d.frequency) for a in trial.arms for d in a.doses]


@pytest.mark.parametrize("text, expected", [
    ("1,021", 1021), ("2.5", 2.5), (".1", 0.1), ("Sixty-seven", 67), ("two thousand", 2000), ("three", 3),
])
def test_normalize_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("raw, unit", [("milligrams", "mg"), ("International Units", "IU"), ("mg/m²", "mg/m2"),
                                       ("micrograms", "mcg"), ("µg", "mcg"), ("mg/kg", "mg/kg"), ("ounces", "oz"),
                                       ("million dendritic cells", "million cells")])
def test_normalize_unit(raw, unit):
    assert normalize_unit(raw) == unit


def test_normalize_duration():
    assert normalize_duration("sixteen", "weeks") == "16 weeks"
    assert normalize_duration("one", "year") == "1 year"


@pytest.mark.parametrize("sentence, dose", [
    ("Patients received up to 150 mg/day of the drug or placebo.", (150, 150, "mg", "day", None)),
    ("Patients received 30 mg/day of baclofen or placebo.", (30, None, "mg", "day", None)),
    ("Children got 20 mg/kg of cannabidiol or placebo.", (20, None, "mg/kg", None, None)),
    ("Patients took 500 mg twice daily of the antibiotic or placebo.", (500, None, "mg", None, "twice daily")),
    ("Volunteers were given 10-20 mg of the compound or placebo.", (10, 20, "mg", None, None)),
    ("Participants received a monthly dose of 100,000 international units of vitamin D or placebo.",
     (100000, None, "IU", "month", None)),
    ("Women took 400 micrograms of folic acid a day or placebo.", (400, None, "mcg", "day", None)),
    ("Patients were given one gram of curcumin daily or placebo.", (1, None, "g", "day", None)),
    ("Volunteers drank 8 ounces of cherry juice daily or a placebo drink.", (8, None, "oz", "day", None)),
    ("Each patient received 250 ml of beetroot juice or placebo juice.", (250, None, "ml", None, None)),
    ("Patients received 5 million dendritic cells per injection or placebo.", (5, None, "million cells", None, None)),
    ("Patients applied 5 percent lifitegrast ophthalmic solution or placebo.", (5, None, "%", None, None)),
    ("Patients received doses ranging from 10 mg to 40 mg of the drug or placebo.", (10, 40, "mg", None, None)),
    ("Patients' doses ranged from 35 million cells to 350 million cells or placebo.",
     (35, 350, "million cells", None, None)),
    ("Volunteers took one gram of resveratrol by mouth twice daily or placebo.", (1, None, "g", None, "twice daily")),
    ("Adults took one of three doses of selenium daily — 100, 200, or 300 micrograms — or a placebo.",
     (300, None, "mcg", "day", None)),
])
def test_dose_parsing(nlp, sentence, dose):
    trial = main_trial(nlp, RCT + sentence[0].lower() + sentence[1:])
    assert dose in doses_of(trial)


def test_dose_list_gives_one_arm_per_value_sharing_the_phrase(nlp):
    text = RCT + "adults took 100, 200 or 300 micrograms of selenium daily or a placebo pill."
    trial = main_trial(nlp, text)
    values = sorted(d.value for a in trial.arms for d in a.doses)
    assert values == [100, 200, 300]
    assert len({d.text for a in trial.arms for d in a.doses}) == 1


def test_combination_dose_is_one_arm(nlp):
    text = RCT + "patients were randomly assigned to 400 mg ibuprofen and 1,000 mg acetaminophen or placebo."
    trial = main_trial(nlp, text)
    combo = [a for a in trial.arms if len(a.doses) == 2]
    assert combo and {d.drug for d in combo[0].doses} == {"ibuprofen", "acetaminophen"}


@pytest.mark.parametrize("sentence, size, qualifier", [
    ("151 alcohol-dependent patients took part in the 16 week trial.", 151, None),
    ("The trial enrolled 1,021 adults with asthma.", 1021, None),
    ("The randomized trial involving more than 14,800 adults ran in 18 countries.", 14800, "more than"),
    ("For the study, 120 children with epilepsy between the ages of 2 and 18 were randomized.", 120, None),
])
def test_trial_size(nlp, sentence, size, qualifier):
    trial = main_trial(nlp, sentence + " Patients received placebo or the drug.")
    assert (trial.size, trial.size_qualifier) == (size, qualifier)


@pytest.mark.parametrize("sentence, duration", [
    ("151 patients took part in the 16 week trial of the drug versus placebo.", "16 weeks"),
    ("In a five-month, single-blind randomized trial, 68 people got the drug or placebo.", "5 months"),
    ("Patients were randomized to the drug or a placebo twice a day for eight weeks.", "8 weeks"),
    ("Over a 14-week period, 120 children were randomized to the drug or placebo.", "14 weeks"),
    ("In the randomized trial, 1,635 adults were followed over an average of 2.6 years.", "2.6 years"),
])
def test_duration(nlp, sentence, duration):
    assert main_trial(nlp, sentence).duration == duration


def test_an_age_over_so_many_years_is_not_a_duration(rules_nlp):
    text = "In the randomized trial, 200 patients aged over 65 years got the drug or placebo. 40% had relapsed."
    assert main_trial(rules_nlp, text).duration is None


def test_how_long_people_have_had_a_disease_is_not_a_duration(nlp):
    text = ("In the randomized trial, 300 people who have had Type 2 diabetes for up to 10 years took the drug or a "
            "placebo. Blood sugar fell by 12 percent.")
    assert main_trial(nlp, text).duration is None


def test_timepoint_is_not_a_duration(nlp):
    text = "In the randomized trial, 200 patients got the drug or placebo. At six months, 40% had relapsed."
    assert main_trial(nlp, text).duration is None


@pytest.mark.parametrize("sentence, tags", [
    ("The double-blind, randomized, placebo-controlled trial enrolled 300 adults.",
     {"randomized", "placebo-controlled", "double-blind"}),
    ("The open-label pilot study enrolled 30 patients at 12 hospitals.", {"open-label", "pilot", "multicenter"}),
    ("In the crossover trial 29 patients were randomly assigned to the drug or a sham procedure.",
     {"randomized", "crossover", "sham-controlled"}),
])
def test_design_tags(nlp, sentence, tags):
    assert tags <= set(main_trial(nlp, sentence).design)


def test_arm_sizes_from_parentheses_and_verbs(nlp):
    text = ("In the randomized trial, 251 pregnant smokers were assigned to vitamin C (125 women) or a placebo "
            "(126 women). 58 were given high-dose baclofen (up to 150 mg/day).")
    trial = main_trial(nlp, text)
    ns = sorted(a.n for a in trial.arms if a.n)
    assert ns == [58, 125, 126]
    assert trial.size == 251


def test_outcomes_pair_values_with_arms_and_directions(nlp):
    text = ("In the randomized trial, 56 patients received baclofen (up to 270 mg/day) or placebo. "
            "It found that 68% of the patients on baclofen remained abstinent compared to only 24% of the "
            "patients on placebo.")
    trial = main_trial(nlp, text)
    by_value = {o.value: o for o in trial.outcomes}
    assert by_value[68].direction == "improved" and "baclofen" in by_value[68].arm
    assert by_value[24].direction == "reference" and by_value[24].arm == "placebo"


def test_no_difference_and_ci_and_p_value(nlp):
    text = ("In the randomized trial, 400 adults received the drug or placebo. There was no significant "
            "difference between the groups: 31% vs 29% improved (hazard ratio 0.92, 95% CI 0.71-1.18, p=0.52).")
    trial = main_trial(nlp, text)
    hr = [o for o in trial.outcomes if o.unit == "HR"]
    assert hr and hr[0].value == 0.92 and hr[0].ci == [0.71, 1.18]
    assert all(o.value != 95 for o in trial.outcomes)  # the confidence level is not a result
    assert {o.direction for o in trial.outcomes if o.unit == "%"} <= {"no difference", "reference"}


def test_planned_and_mentioned_trials_are_separate(nlp):
    text = ("In the new randomized trial, 151 patients received baclofen (30 mg/day) or placebo.\n\n"
            "The 2015 German study had followed 56 patients, who received up to 270 mg/day or placebo.\n\n"
            "We are planning a new RCT, where we will test baclofen up to 330 mg per day.")
    roles = {t.role: t for t in extract(nlp, text).trials}
    assert set(roles) == {"main", "mentioned", "planned"}
    assert roles["mentioned"].size == 56
    assert roles["planned"].status == "planned"
    assert [d.value for a in roles["planned"].arms for d in a.doses] == [330]


MENTIONED_OVER_PARAGRAPHS = (
    "Drug A helped more women than drug B\n\nIn the randomized trial, 455 women received drug A or drug B.\n\n"
    "In another study, researchers in Germany compared the two drugs as single therapies.\n\n"
    "{opening} assigned 620 women with breast cancer to get chemotherapy plus drug A or drug B.\n\n"
    "The new results will be presented in June.")


def test_a_paragraph_going_on_about_a_mentioned_trial_stays_with_it(nlp):
    """News gives a paragraph a sentence: "They assigned ..." after "In another study, ..." is that study's."""
    trials = extract(nlp, MENTIONED_OVER_PARAGRAPHS.format(opening="They")).trials
    assert [t.size for t in trials if t.role == "main"] == [455]
    assert [t.size for t in trials if t.role == "mentioned"] == [620]


def test_a_paragraph_that_does_not_go_on_about_the_mentioned_trial_is_not_its(nlp):
    trials = extract(nlp, MENTIONED_OVER_PARAGRAPHS.format(opening="The team")).trials
    assert 620 not in [t.size for t in trials if t.role == "mentioned"]


# --- distractors (GUIDELINE §8) ---------------------------------------------------------

DISTRACTORS = [
    ("prevalence", "More than 25,000 people each year die of the disease.", "size"),
    ("sites", "The randomized trial ran at 33 clinical sites and enrolled 180 patients on the drug or placebo.", "size"),
    ("ages", "The randomized trial of the drug or placebo included people aged 45 to 75.", "size"),
    ("guideline dose", "The Institute recommends 600 IU of vitamin D a day.", "dose"),
    ("lab value", "Cholesterol was below 200 mg/dL in the placebo group.", "dose"),
    ("price", "A month of the drug, sold as 20 mg tablets, costs $300.", "dose"),
    ("footnote", "The vaccine was 91% efficacious in adults aged 50 and over1 in the placebo-controlled trial.", "size"),
]


@pytest.mark.parametrize("name, sentence, field", DISTRACTORS, ids=[d[0] for d in DISTRACTORS])
def test_distractors_are_not_claims(nlp, name, sentence, field):
    text = "In the randomized, placebo-controlled trial, patients received the drug or placebo. " + sentence
    claims = extract(nlp, text)
    for trial in claims.trials:
        if field == "size":
            assert trial.size in (None, 180), name
        else:
            assert not doses_of(trial), name


def test_animal_and_observational_articles_yield_no_trial(nlp):
    animal = ("Mice given 10 mg/kg of the compound had tumours 40% smaller than untreated mice. The rats and "
              "mice were studied for 8 weeks. In animal models the mouse tumours shrank. Clinical trials in "
              "people are still years away.")
    cohort = ("Researchers followed 48,000 people for 10 years in a cohort study. People who ate more fibre "
              "were less likely to have a stroke, and higher intake was associated with lower risk. The "
              "observational data came from a national database of health records.")
    assert extract(nlp, animal).trials == []
    assert extract(nlp, animal).study_type == "animal"
    assert extract(nlp, cohort).trials == []
    assert extract(nlp, cohort).study_type == "observational"


def test_consistency_flags(nlp):
    text = ("In the randomized trial, 100 patients took part. 80 were given the drug (10 mg/day) and 70 "
            "received placebo. Relapse fell to 140% in the drug group.")
    trial = main_trial(nlp, text)
    kinds = {k for k, _ in trial.flags}
    assert "arm_sizes_exceed_size" in kinds and "percent_over_100" in kinds


def test_empty_text_gives_no_trials(nlp):
    assert extract(nlp, "").trials == []
    assert extract(nlp, "   \n\n ").trials == []


def test_a_text_that_never_speaks_of_research_reports_no_study(nlp, monkeypatch):
    """No word of research: typed "other" with no trials and never parsed; one such word and it is parsed."""
    page = ("Chelsea have paid the 71.6 million fee for the keeper, who flew in at 23 and will be given a "
            "5-year contract. 58 fans were given tickets, 31 got 30 mg of free snacks a day and 62 got nothing.")
    parsed = []
    monkeypatch.setattr("pipeline.extract.doc_from_page", lambda nlp_, p: parsed.append(p) or nlp_.make_doc(p.text))
    claims = extract(nlp, page)
    assert (claims.study_type, claims.trials, parsed) == ("other", [], [])
    assert claims.model_version == nlp.meta.get("model_version")
    extract(nlp, page.replace("fans were", "patients in the trial were"))
    assert len(parsed) == 1


def _relevance_not_examples():
    from importlib.resources import files

    rows = [json.loads(line) for line in (files("claims_data") / "patterns" / "relevance.jsonl").read_text().splitlines()]
    return [text for row in rows for text in row.get("not_examples", [])]


@pytest.mark.parametrize("text", ["Free returns within 30 days of your purchase.", "Mouse with a 57° angle.",
                                  *_relevance_not_examples()])
def test_research_words_leave_shop_and_sports_pages_out(text):
    from pipeline.extract import speaks_of_research

    assert not speaks_of_research(text)
    assert speaks_of_research(text + " Researchers tested it in a study.")


def test_spans_carry_rule_ids_and_survive_docbin(nlp):
    doc = nlp("In the randomized trial, 151 patients took part and 58 were given up to 150 mg/day of baclofen.")
    assert any(span.id_.startswith("dose.") for span in doc.spans["DOSE"])
    assert doc.spans["DOSE"][0]._.claim.data["value"] == 150
    restored = list(DocBin(docs=[doc], store_user_data=False).get_docs(nlp.vocab))[0]
    assert [s.text for s in restored.spans["DOSE"]] == [s.text for s in doc.spans["DOSE"]]
    assert [s.id_ for s in restored.spans["TRIAL_SIZE"]] == [s.id_ for s in doc.spans["TRIAL_SIZE"]]


def test_extract_cli_jsonl(tmp_path):
    src = tmp_path / "in.jsonl"
    text = "151 patients took part in the 16 week randomized trial of baclofen (30 mg/day) versus placebo."
    src.write_text(json.dumps({"id": "a1", "text": text}) + "\n" + json.dumps({"id": "a2", "text": ""}) + "\n")
    result = CliRunner().invoke(cli, ["extract", "--jsonl", str(src)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["id"] for line in lines] == ["a1", "a2"]
    trial = lines[0]["trials"][0]
    assert trial["size"] == 151
    for (start, end), evidence in zip(trial["evidence_offsets"], trial["evidence"], strict=True):
        assert text[start:end] == evidence
    assert lines[1]["trials"] == []


def test_extract_cli_rejects_bad_jsonl(tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text("{not json}\n")
    result = CliRunner().invoke(cli, ["extract", "--jsonl", str(src)])
    assert result.exit_code != 0 and "line 1" in result.output


@pytest.mark.parametrize("text, tokens", [
    ("10mg", ["10", "mg"]),
    ("n=602", ["n", "=", "602"]),
    ("p<0.001", ["p", "<", "0.001"]),
    ("±2.1", ["±", "2.1"]),
    ("(n=89/90)", ["(", "n", "=", "89", "/", "90", ")"]),
    ("above1", ["above", "1"]),
    ("99%)2", ["99", "%", ")", "2"]),
    ("20-week", ["20", "-", "week"]),
])
def test_tokenizer_splits_trial_notation(nlp, text, tokens):
    assert [t.text for t in nlp.make_doc(text)] == tokens


def test_sentences_split_at_line_breaks_and_bullets(nlp):
    doc = nlp("Results\n• 44% improved on the drug\n• 25% on placebo\n\nThe trial ended.")
    assert [s.text.strip() for s in doc.sents if s.text.strip()] == [
        "Results", "• 44% improved on the drug", "• 25% on placebo", "The trial ended."]


def test_population_condition_and_timepoint(nlp):
    text = ("In the randomized trial, 104 patients with moderate to severe asthma were assigned to dupilumab or "
            "placebo. At 12 weeks, 44 percent of those in the placebo group had exacerbations, compared with 5 "
            "percent of those on dupilumab.")
    trial = main_trial(nlp, text)
    assert trial.condition == "moderate to severe asthma"
    assert trial.population == "patients with moderate to severe asthma"
    by_value = {o.value: o for o in trial.outcomes}
    assert by_value[44].arm == "placebo" and by_value[44].timepoint == "12 weeks"
    assert by_value[5].arm == "dupilumab" and by_value[5].direction == "improved"


def test_named_trials_split_the_article(nlp):
    text = ("The randomised phase III study (ZOE-70) enrolled more than 14,800 adults given the vaccine or placebo.\n\n"
            "The result is in line with the ZOE-50 trial, which involved 16,160 adults.")
    trials = {t.name: t for t in extract(nlp, text).trials}
    assert trials["ZOE-70"].role == "main" and trials["ZOE-70"].size == 14800
    assert trials["ZOE-50"].role == "mentioned" and trials["ZOE-50"].size == 16160


def test_each_received_x_or_y_sizes_both_arms(nlp):
    text = ("In the randomized trial, 120 women took part. Thirty women each received electroacupuncture or the "
            "inactive placebo pill, 32 women got sham acupuncture, and 28 women received gabapentin.")
    trial = main_trial(nlp, text)
    sizes = {a.label: a.n for a in trial.arms if a.n}
    assert sizes.get("placebo") == 30 and sizes.get("sham") == 32
    assert sorted(sizes.values()) == [28, 30, 30, 32]
    assert trial.size == 120


def test_groups_given_without_their_verb_get_their_sizes(nlp):
    """"154 women got Tykerb, 149 Herceptin and the other 152 both drugs": the verb is said once for three groups;
    a number after the list that is not a group ("12 weeks") is not read as one."""
    text = ("In the randomized study, 154 women got Tykerb, 149 Herceptin and the other 152 both drugs. "
            "After 12 weeks, tumors had shrunk in 51 percent of the women on both drugs.")
    sizes = {a.label: a.n for a in main_trial(nlp, text).arms if a.n}
    assert sizes == {"Tykerb": 154, "Herceptin": 149, "drugs": 152}
    text = "In the randomized trial, 959 women were given the drug and 959 a placebo, and 12 percent had fractures."
    sizes = {a.label: a.n for a in main_trial(nlp, text).arms if a.n}
    assert sizes.get("placebo") == 959 and 12 not in sizes.values()


def test_page_blocks_become_spans_and_sentence_starts(nlp):
    from models.records import Block, CleanPage
    from pipeline.extract import doc_from_page, extract

    text = "Results\n\n151 patients took part in the 16-week randomized trial of baclofen (30 mg/day) or placebo."
    page = CleanPage(url="x", text=text, blocks=(Block("heading", 0, 7), Block("paragraph", 9, len(text))))
    doc = nlp(doc_from_page(nlp, page))
    assert [b.label_ for b in doc.spans["blocks"]] == ["heading", "paragraph"]
    dose = doc.spans["DOSE"][0]
    assert dose._.block.label_ == "paragraph" and dose._.heading == "Results"
    claims = extract(nlp, page)
    assert claims.trials[0].size == 151 and claims.trials[0].duration == "16 weeks"


def test_hedged_outcomes_carry_their_cues(nlp):
    text = ("In the randomized pilot trial, 40 patients received the drug or placebo. Preliminary results suggest "
            "that 45% of patients on the drug may have improved, compared with 20% on placebo.")
    trial = main_trial(nlp, text)
    hedged = {o.value: o.hedges for o in trial.outcomes}
    assert {"modal", "suggests", "preliminary"} <= set(hedged[45])
    plain = main_trial(nlp, "In the randomized trial, 40 patients received the drug or placebo. 45% improved.")
    assert all(not o.hedges for o in plain.outcomes)


def test_lower_harm_than_the_reference_is_an_improvement(nlp):
    text = ("In the randomized trial, 6,800 women took tamoxifen or placebo. Side effects were reported by 12% of "
            "women on tamoxifen, compared with 15% of those on placebo.")
    trial = main_trial(nlp, text)
    by_value = {o.value: o.direction for o in trial.outcomes}
    assert by_value == {12: "improved", 15: "reference"}


def test_guideline_dose_with_a_parenthesis_before_it_is_not_a_trial_dose(nlp):
    text = ("In the randomized trial, 151 patients received baclofen (up to 150 mg/day) or placebo. For comparison, "
            "the maximum recommended adult dose of baclofen for its normal (spasticity) use is 80 mg/day.")
    assert [d[0] for d in doses_of(main_trial(nlp, text))] == [150]


def test_diagnostic_test_study_is_not_a_trial(nlp):
    text = ("A new blood test detected ovarian cancer earlier than current screening. The test's accuracy was 94%, "
            "with a sensitivity of 90% and specificity of 98% in 500 women. Researchers say the blood test could "
            "one day make screening easier, and a larger diagnostic study will check how often it detects cancer "
            "and how many false positives the scans and tests give.")
    claims = extract(nlp, text)
    assert claims.study_type == "other" and claims.trials == []


def test_ranges_and_compared_counts(nlp):
    text = ("In the randomized trial, 250 patients took suvorexant or placebo. Between 21 and 37 fewer minutes "
            "were spent awake on suvorexant. Eight participants on suvorexant withdrew because of side effects, "
            "compared with one participant in the placebo group.")
    trial = main_trial(nlp, text)
    by_value = {o.value: o for o in trial.outcomes}
    assert by_value[21].upper == 37 and by_value[21].unit == "minutes"
    assert by_value[8].arm == "suvorexant"
    assert by_value[1].arm == "placebo" and by_value[1].direction == "reference"


def test_respectively_after_the_values(nlp):
    text = ("In the randomized trial, 821 patients received nivolumab or everolimus. Median progression-free "
            "survival was 4.6 months and 4.4 months with nivolumab and everolimus, respectively.")
    trial = main_trial(nlp, text)
    arms = {o.value: o.arm for o in trial.outcomes}
    assert arms[4.6] == "nivolumab" and arms[4.4] == "everolimus"


@pytest.mark.parametrize("sentence", [
    "Prostates weighing more than 80 grams were excluded.",
    "The tablets are available in three dosage strengths: 24 mg, 49 mg and 97 mg.",
    "Adults are urged to get 400 micrograms a day.",
    "Supplement users had 281 grams higher lean mass.",
    "The drug is typically prescribed in doses ranging from 15 to 37.5 mg.",
])
def test_amounts_that_are_not_trial_doses(nlp, sentence):
    text = "In the randomized trial, 120 patients received the drug or placebo. " + sentence
    assert not doses_of(main_trial(nlp, text))


def test_intervention_group_is_the_one_active_arm(nlp):
    text = ("In the randomized trial, 80 men received happiness training or joined a control group. 91 percent of "
            "the intervention group had a suppressed viral load, compared with 76 percent of the control group.")
    trial = main_trial(nlp, text)
    arms = {o.value: (o.arm, o.direction) for o in trial.outcomes}
    assert arms[76] == ("control", "reference")
    assert arms[91][0] != "all" and arms[91][1] == "improved"


def test_hyphenated_amount_is_a_dose_that_names_its_arm(nlp):
    text = ("In the randomized trial, 600 patients were assigned to 5 mg or 10 mg of the drug, or placebo. "
            "Forty percent of those taking a 10-mg dose had remission at a year.")
    trial = main_trial(nlp, text)
    arm_of = {o.value: o.arm for o in trial.outcomes}
    assert "10" in arm_of[40] and "5 mg" not in arm_of[40]


def test_the_arm_a_sentence_opens_with_owns_a_later_clause_value(nlp):
    text = ("In the randomized trial, 18,000 patients took apixaban or warfarin. Apixaban reduced this risk by half, "
            "preventing four patients from having a stroke. Warfarin users had more bleeds than expected, compared "
            "with 49% of those who stopped.")
    trial = main_trial(nlp, text)
    arm_of = {o.value: o.arm for o in trial.outcomes}
    assert arm_of[4] == "apixaban"
    assert arm_of.get(49) != "warfarin"  # a value after "compared with" is another group's


def test_a_goal_is_not_a_result(nlp):
    text = ("In the randomized trial, 700 smokers were assigned to quit abruptly or gradually. By quit day the "
            "gradual group had cut smoking by 48 percent, just short of the 50 percent goal.")
    trial = main_trial(nlp, text)
    values = {o.value for o in trial.outcomes}
    assert 48 in values and 50 not in values


def test_a_count_a_clause_opens_with_of_or_among_is_whom_a_result_is_out_of(nlp):
    text = ("In the single-arm trial, 60 men with prostate cancer received the drug. Among the 26 patients with bone "
            "metastases, 9 had a partial response. Of the 15 patients with lymph node disease, 4 had no detectable PSA.")
    values = {o.value for o in main_trial(nlp, text).outcomes}
    assert {9, 4} <= values and not values & {26, 15}


def test_a_sentence_set_at_the_outset_holds_no_result(nlp):
    text = ("In the randomized trial, 500 adults took the sleep drug or placebo. At the outset, they were asleep for "
            "66 percent of their time in bed. After a month, the drug group slept 13 percent longer than placebo.")
    values = {o.value for o in main_trial(nlp, text).outcomes}
    assert 66 not in values and 13 in values


def test_a_side_effect_rate_at_higher_doses_is_not_a_comparison(nlp):
    text = ("In the randomized trial, 500 adults took the sleep drug or placebo. The most common side effect was "
            "sleepiness, reported by about 10 percent of patients on the two higher doses of the drug.")
    outcome = next(o for o in main_trial(nlp, text).outcomes if o.value == 10)
    assert outcome.direction is None


@pytest.fixture(scope="module")
def rules_nlp():
    from pipeline.nlp import build_nlp

    return build_nlp(trained=None)


def test_an_arm_named_as_the_comparison_is_not_the_subject(rules_nlp):
    """The rules' attribution (the shipped outcome model scores this value near its keep threshold, so whether
    it is kept is the model's call, tested elsewhere)."""
    text = ("In the randomized trial, 1,300 patients took cladribine tablets or placebo. Compared to the patients "
            "taking the placebo, patients on the medication were 55 percent less likely to have a relapse.")
    outcome = next(o for o in main_trial(rules_nlp, text).outcomes if o.value == 55)
    assert outcome.arm != "placebo" and outcome.direction == "improved"


@pytest.mark.parametrize("text, sizes", [
    ("In the randomized trial, the 6,732 patients who got ticagrelor were less likely to die than the 6,676 "
     "patients who got clopidogrel.", {"ticagrelor": 6732, "clopidogrel": 6676}),
    ("The randomized trial enrolled 460 patients, with 239 in a CAMBRA group and 221 in a control group.",
     {"CAMBRA": 239, "control": 221}),
    ("In the randomized trial, of 572 patients randomly assigned to receive the chlorhexidine-alcohol "
     "combination, 9 percent had an infection, compared with 16 percent of those given povidone-iodine.",
     {"chlorhexidine-alcohol combination": 572}),
])
def test_arm_sizes_in_ordinary_phrasing(nlp, text, sizes):
    trial = main_trial(nlp, text)
    got = {a.label: a.n for a in trial.arms if a.n is not None}
    for label, n in sizes.items():
        assert any(label.lower() in k.lower() and v == n for k, v in got.items()), got
    for arm in trial.arms:
        if arm.n is not None:
            assert text[arm.n_start:arm.n_end].replace(",", "") == str(arm.n)


NEXT_STEP = (
    "In the randomized trial, 120 adults with asthma received either the inhaler or a placebo for 12 weeks. "
    "Symptoms improved in 45 percent of those on the inhaler, compared with 20 percent on placebo.\n\n"
    "The team said their next step is a phase 3 clinical trial, which would test the inhaler in 600 children."
)


def test_extract_the_next_step_trial_is_a_planned_trial_of_its_own(nlp):
    trials = extract(nlp, NEXT_STEP).trials
    assert [(t.role, t.size) for t in trials] == [("main", 120), ("planned", 600)]
    planned = trials[1]
    assert planned.status == "planned" and planned.phase == "3"
    start, end = planned.size_span
    assert NEXT_STEP[start:end] == "600"


@pytest.mark.parametrize("next_step, phase", [
    ("The next step for researchers is a large, FDA phase III clinical trial to test the inhaler in children.", "3"),
    ("The team said their next step is a phase one clinical trial, which would test the inhaler in children.", "1"),
])
def test_a_next_step_trial_known_only_by_its_phase_is_planned(nlp, next_step, phase):
    text = NEXT_STEP.split("\n\n")[0] + "\n\n" + next_step
    trials = extract(nlp, text).trials
    assert [(t.role, t.phase) for t in trials] == [("main", None), ("planned", phase)]


@pytest.mark.parametrize("sentence, value, upper", [
    ("Those in the drug group had a better outcome, by 5 to 6 percent.", 5, 6),
    ("Blood pressure fell by 5 percent to 13 percent in the drug group.", 5, 13),
    ("The drug lowered systolic blood pressure by an average of 4-5 points.", 4, 5),
])
def test_a_result_stated_as_a_range_is_one_value_with_its_upper_bound(nlp, sentence, value, upper):
    text = "In the randomized trial, 200 adults took the drug or a placebo for a year. " + sentence
    outcomes = main_trial(nlp, text).outcomes
    assert [(o.value, o.upper) for o in outcomes] == [(value, upper)]
    assert text[outcomes[0].start:outcomes[0].end] == outcomes[0].text


@pytest.mark.parametrize("sentence, values", [
    ("Patients on the drug lived 12 weeks versus 11 weeks on average for placebo.", [(12, "weeks"), (11, "weeks")]),
    ("Survival was longer with the drug (7.7 vs. 6.3 years).", [(7.7, "years"), (6.3, "years")]),
    ("The drug extended the time before the disease worsened to 3.7 months from 1.5 months.", [(3.7, "months")]),
])
def test_two_times_compared_and_a_change_to_a_value_from_a_baseline_are_results(rules_nlp, sentence, values):
    text = "In the randomized trial, 200 adults took the drug or a placebo for a year. " + sentence
    outcomes = main_trial(rules_nlp, text).outcomes
    assert [(o.value, o.unit) for o in outcomes] == values
    if "from" in sentence:
        assert outcomes[0].baseline == 1.5


def test_a_small_single_arm_trials_size_is_its_arms_n(rules_nlp):
    text = ("The single-arm trial of ocrelizumab enrolled 24 patients with multiple sclerosis. After two years, "
            "70 percent of those on ocrelizumab had no new lesions.")
    trial = main_trial(rules_nlp, text)
    assert [a.n for a in trial.arms] == [24]


def test_a_large_one_arm_trials_size_is_not_that_arms_n(rules_nlp):
    """Thousands in a trial of which one arm is found: a comparison whose comparator the text leaves unnamed."""
    text = ("The trial of Shingrix included more than 15,000 participants across 18 countries. "
            "Shingrix was 97 percent effective at preventing shingles.")
    trial = main_trial(rules_nlp, text)
    assert trial.size == 15000
    assert all(a.n is None for a in trial.arms)


def test_a_placebo_controlled_design_word_does_not_make_a_group_the_placebo_arm(rules_nlp):
    text = ("In the randomized trials, patients received lifitegrast or placebo. Of 1,181 patients, 1,067 received "
            "lifitegrast in four placebo-controlled 12-week trials.")
    arms = {a.label: a.n for a in main_trial(rules_nlp, text).arms}
    assert arms.get("placebo") is None
    assert 1067 in arms.values()


def test_a_share_of_patients_who_received_an_arm_is_not_its_size(rules_nlp):
    text = ("In the randomized trial, 345 patients received the drug plus laser or laser treatment alone. "
            "Half of the drug group improved, compared with 28 percent of patients who received laser treatment alone.")
    assert 28 not in {a.n for a in main_trial(rules_nlp, text).arms}


def test_the_trial_compared_x_to_y_names_both_arms(rules_nlp):
    text = "The randomized trial compared Opdivo to docetaxel in 272 patients with lung cancer."
    labels = {a.label.lower() for a in main_trial(rules_nlp, text).arms}
    assert {"opdivo", "docetaxel"} <= labels


@pytest.mark.parametrize("text", [
    "For 60 years, the main treatment has been warfarin. In the randomized trial, 300 adults took the new drug or "
    "warfarin. Strokes fell by 20 percent.",
    "In the randomized trial, 660 adults took the drug or a placebo; their average age was 61 years. Vision improved "
    "by 20 percent.",
])
def test_a_span_of_decades_is_no_trials_duration(nlp, text):
    assert main_trial(nlp, text).duration is None


def test_plausible_durations_stop_at_twenty_years():
    from pipeline.normalize import plausible_duration

    assert plausible_duration("15 years") and plausible_duration("16 weeks") and plausible_duration("240 months")
    assert not plausible_duration("30 years") and not plausible_duration("300 months")


def test_the_number_of_a_ratio_is_no_trial_size(nlp):
    text = ("About one in 20 men has the condition. The study tested the drug in men with the condition, and 34 "
            "percent improved.")
    assert 20 not in [t.size for t in extract(nlp, text).trials]


@pytest.mark.parametrize("text, n", [
    ("About one in 20 men has the condition.", "20"),
    ("The best evidence comes from two studies on a combined total of 1,384 patients at 122 sites.", "1,384"),
    ("In the study, 15 men and 15 women drank either beet juice or a placebo juice.", "15"),
    ("At least 30 patients have died from off-label chelation since the 1970s.", "30"),
])
def test_head_counts_that_are_no_trial_size(text, n):
    from pipeline.learn.value_decide import counts_participants

    start = text.index(n)
    assert not counts_participants(text, start, start + len(n))


def test_a_head_count_of_the_trial_is_its_size():
    from pipeline.learn.value_decide import counts_participants

    text = "In the study, 15 men and women drank either beet juice or a placebo juice."
    start = text.index("15")
    assert counts_participants(text, start, start + 2)


@pytest.mark.parametrize("text, n", [
    ("Two years later, nine of the 10 patients had improved vision.", "nine"),
    ("Sixty-eight of the enrolled patients completed the study, while 27 other patients completed 20 weeks.", "27"),
])
def test_parts_and_completers_are_no_trial_size(text, n):
    from pipeline.learn.value_decide import counts_participants

    start = text.index(n)
    assert not counts_participants(text, start, start + len(n))


def test_a_responder_threshold_or_a_ratios_one_is_no_result(nlp):
    text = ("In the randomized trial, 400 patients got the drug or placebo. About 1 in 5 patients required additional "
            "medication. Seven patients experienced at least a 90 percent reduction in tumor volume, and 40 percent "
            "had a response.")
    values = {o.value for o in main_trial(nlp, text).outcomes}
    assert {7, 40} <= values and not values & {1, 90}


def _clause(text: str, phrase: str, value: float):
    from types import SimpleNamespace

    start = text.index(phrase)
    return SimpleNamespace(value=value, unit=None, start=start, end=start + len(phrase))


@pytest.mark.parametrize("text, phrase, value", [
    ("The study volunteers were between 55 and 87 years old.", "between 55 and 87 years old", 55),
    ("Efficacy was measured in people aged 70 and over.", "people aged 70 and over", 70),
    ("Phase 1 was key to determining effective dosages.", "Phase 1 was key", 1),
    ("No one had demonstrated that before.", "No one had demonstrated that before", 1),
    ("One could choose walking instead of running.", "One could choose walking", 1),
    ("One expert said the cost still matters.", "One expert said the cost", 1),
    ("In a pilot study of 13 breast cancer patients, two responded.", "a pilot study of 13 breast cancer patients", 13),
])
def test_ages_phases_and_the_pronoun_one_are_no_result(text, phrase, value):
    from pipeline.learn.value_decide import not_a_result

    assert not_a_result(text, _clause(text, phrase, value))


@pytest.mark.parametrize("text, phrase, value", [
    ("One patient developed abnormal liver function.", "One patient developed abnormal liver function", 1),
    ("Among the 26 patients with melanoma, one had a partial response.", "one had a partial response", 1),
    ("Pain fell by an average of one point on a scale of 1 to 7.", "an average of one point", 1),
    ("Symptoms improved in 55 of the patients after 12 weeks.", "improved in 55 of the patients", 55),
])
def test_counts_and_changes_stay_results(text, phrase, value):
    from pipeline.learn.value_decide import not_a_result

    assert not not_a_result(text, _clause(text, phrase, value))


def test_one_dose_named_only_by_its_neighbouring_words_is_one_arm(nlp):
    text = ("In this nonrandomized clinical trial, 58 patients with prostate cancer were treated. All patients received "
            "a single, 19 Gy fraction of HDR brachytherapy. As the follow-up interval lengthens, 19 Gy dosing in a "
            "single fraction may or may not be sufficient. At three years, 93 percent had biochemical control.")
    arms = main_trial(nlp, text).arms
    assert [[d.value for d in a.doses] for a in arms] == [[19.0]]
    assert "lengthens" not in arms[0].label


@pytest.mark.parametrize("text, period, rate", [
    ("Men who used a sauna twice a week lived longer.", "a week", True),
    ("They trained three days a week.", "a week", True),
    ("Patients took the drug for a week.", "a week", False),
    ("Patients were followed over a year.", "a year", False),
])
def test_the_period_of_a_rate_is_no_duration(text, period, rate):
    from pipeline.learn.value_decide import is_rate_period

    start = text.index(period)
    assert is_rate_period(text, start, start + len(period)) is rate
