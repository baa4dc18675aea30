"""Article-level agreement: the study type follows what the main trial is."""

from __future__ import annotations

import pytest

from models.records import ArticleClaims, Trial
from pipeline.assemble.article import agree_study_type

PROBA = {"rct": 0.35, "trial": 0.55, "observational": 0.1}


@pytest.mark.parametrize("design", [["randomized"], ["placebo-controlled", "multicenter"], ["crossover"]])
def test_a_one_arm_trial_article_whose_main_trial_compares_arms_is_an_rct(design):
    claims = ArticleClaims(study_type="trial", study_type_score=0.55,
                           trials=[Trial(role="main", status="completed", design=design)])
    agree_study_type(claims, PROBA)
    assert (claims.study_type, claims.study_type_score) == ("rct", 0.35)


@pytest.mark.parametrize("study_type, role, design", [
    ("trial", "main", ["open-label", "pilot"]),  # no comparison stated
    ("trial", "mentioned", ["randomized"]),  # an earlier randomized trial is not the article's own study
    ("observational", "main", ["controlled"]),  # only a one-arm trial is retyped
])
def test_the_study_type_stands_when_the_main_trial_compares_nothing(study_type, role, design):
    claims = ArticleClaims(study_type=study_type, study_type_score=0.55,
                           trials=[Trial(role=role, status="completed", design=design)])
    agree_study_type(claims, PROBA)
    assert (claims.study_type, claims.study_type_score) == (study_type, 0.55)


def test_without_a_model_the_retyped_study_has_no_score():
    claims = ArticleClaims(study_type="trial", trials=[Trial(role="main", status="completed", design=["randomized"])])
    agree_study_type(claims, None)
    assert (claims.study_type, claims.study_type_score) == ("rct", None)
