"""Arms: the number of dose arms a trial gets is bounded."""

from __future__ import annotations

from pipeline.assemble.arms import MAX_DOSE_ARMS
from pipeline.evaluation.bench_scaling import DOSE_DENSE, synthesise
from pipeline.extract import extract


def test_arms_dose_dense_page_gives_at_most_the_capped_number_of_arms(nlp):
    claims = extract(nlp, synthesise(DOSE_DENSE, 30 * 1024))
    # the bound is on the arms opened for doses; the placebo the text names comes on top
    assert claims.trials and max(sum(bool(a.doses) for a in t.arms) for t in claims.trials) == MAX_DOSE_ARMS
    assert max(len(t.arms) for t in claims.trials) <= MAX_DOSE_ARMS + 1


SUPPLEMENT = ("Supplements did not prevent fractures\n\nIn the randomized trial, 2,400 older women received daily "
              "supplements of 1,000 milligrams of calcium and 400 international units of vitamin D or a placebo "
              "for five years.\n\nFractures occurred in 9 percent of each group.\n")
DOSE_LEVELS = ("Higher dose, same benefit\n\nIn the randomized trial, 300 adults took 10 mg of the drug, 20 mg of the "
               "drug or a placebo every day for 12 weeks.\n")


def test_arms_doses_of_several_substances_listed_together_are_one_combination_arm(nlp):
    trial = extract(nlp, SUPPLEMENT).trials[0]
    combined = [a for a in trial.arms if len(a.doses) == 2]
    assert len(combined) == 1, [a.label for a in trial.arms]
    assert [(d.value, d.unit) for d in combined[0].doses] == [(1000, "mg"), (400, "IU")]
    assert {d.drug.lower() for d in combined[0].doses if d.drug} == {"calcium", "vitamin d"}
    assert not any(a.doses and a is not combined[0] for a in trial.arms)


def test_arms_two_doses_of_one_substance_stay_two_arms(nlp):
    trial = extract(nlp, DOSE_LEVELS).trials[0]
    dosed = sorted(d.value for a in trial.arms for d in a.doses if len(a.doses) == 1)
    assert dosed == [10, 20]


REPEATED_CHOICE = (
    "Researchers studied 33 smokers aged 18 to 60 who wanted to quit. For the first two weeks they kept smoking "
    "but took either galantamine or a placebo. Then they were asked not to smoke for seven days, while they still "
    "took either galantamine or a placebo. Those taking galantamine smoked 2.3 fewer cigarettes a day."
)


def test_arms_a_choice_repeated_later_in_the_article_adds_no_second_arm(nlp):
    trial = extract(nlp, REPEATED_CHOICE).trials[0]
    labels = [a.label.lower() for a in trial.arms]
    assert labels.count("placebo") == 1
    assert "galantamine" in labels


ARM_SIZES_ONLY = (
    "In the trial, 109 patients received ixekizumab every two weeks and 94 patients received a placebo. "
    "After 24 weeks, 62 percent of those on ixekizumab improved, compared with 19.5 percent on placebo."
)
TOTAL_AND_ARMS = (
    "A total of 151 patients took part in the randomized trial. 58 patients received high-dose baclofen, "
    "31 patients received low-dose baclofen and 62 patients received a placebo."
)


def test_arms_a_head_count_that_is_an_arms_n_is_not_the_trials_size(nlp):
    trial = extract(nlp, ARM_SIZES_ONLY).trials[0]
    assert sorted(a.n for a in trial.arms if a.n) == [94, 109]
    assert trial.size is None and trial.size_span is None


def test_arms_a_stated_total_stays_the_trials_size_beside_its_arms(nlp):
    trial = extract(nlp, TOTAL_AND_ARMS).trials[0]
    assert trial.size == 151
    assert TOTAL_AND_ARMS[slice(*trial.size_span)] == "151"


def test_arms_a_stop_word_or_vague_adjective_names_no_arm():
    from pipeline.assemble.arms import names_an_arm

    assert not any(names_an_arm(w) for w in ("them", "of", "lowest", "Different", " small ", ""))
    assert all(names_an_arm(w) for w in ("nabilone", "laser", "placebo", "CAR-T", "standard of care"))
