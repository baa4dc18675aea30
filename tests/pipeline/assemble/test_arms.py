"""Arms: the number of dose arms a trial gets is bounded."""

from __future__ import annotations

from pipeline.assemble.arms import MAX_DOSE_ARMS
from pipeline.evaluation.bench_scaling import DOSE_DENSE, synthesise
from pipeline.extract import extract


def test_arms_dose_dense_page_gives_at_most_the_capped_number_of_arms(nlp):
    claims = extract(nlp, synthesise(DOSE_DENSE, 30 * 1024))
    assert claims.trials and max(len(t.arms) for t in claims.trials) <= MAX_DOSE_ARMS
