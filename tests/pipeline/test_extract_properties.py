"""Property tests: extraction never raises and every offset reproduces its evidence."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract import extract

TRIAL_TEXT = (
    "151 alcohol-dependent patients took part in the 16-week randomized trial. 58 received high-dose baclofen "
    "(up to 150 mg/day), 31 received low-dose baclofen (30 mg/day) and 62 received placebo.\n\n"
    "About 25% relapsed in each group (95% CI 20-30%, p=0.41), compared with 68% vs 24% in the 2015 study "
    "of 56 patients.\n\n• n=602 adults got 10mg/kg twice daily\n• HR 0.75 (95% CI 0.6–0.9)\n\n"
    "We are planning a new RCT, where we will test up to 330 mg per day."
)

WORDS = st.sampled_from(["patients", "trial", "randomized", "placebo", "mg", "mg/day", "%", "percent", "vs",
                         "(", ")", "n=", "up to", "weeks", "received", "95% CI", "p<0.001", "•", "\n", "\n\n",
                         "twice daily", "IU", "group", "compared with", "respectively", ",", "."])
NUMBERS = st.one_of(st.integers(0, 100000).map(str), st.floats(0, 1000, allow_nan=False).map(lambda x: f"{x:.2f}"),
                    st.sampled_from(["two", "Sixty-seven", "two-thirds", "1,021", "above1", "99%)2"]))
TOKENS = st.lists(st.one_of(WORDS, NUMBERS, st.text(max_size=8)), max_size=80).map(" ".join)


def check(nlp, text: str) -> None:
    claims = extract(nlp, text)
    if not text.strip():
        assert claims.trials == []
    out = claims.to_json(text)
    for trial in out["trials"]:
        evidence = trial["evidence"]
        for (start, end), quoted in zip(trial["evidence_offsets"], evidence, strict=True):
            assert 0 <= start <= end <= len(text)
            assert text[start:end] == quoted
        for arm in trial["arms"]:
            doses = arm["dose"] if isinstance(arm["dose"], list) else [arm["dose"]] if arm["dose"] else []
            for dose in doses:
                assert any(dose["text"] in e for e in evidence)
        for outcome in trial["outcomes"]:
            assert any(outcome["text"] in e for e in evidence)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TOKENS)
def test_arbitrary_text_never_breaks_extraction(nlp, text):
    check(nlp, text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.tuples(st.integers(0, len(TRIAL_TEXT)), st.integers(0, len(TRIAL_TEXT))))
def test_real_text_cut_anywhere(nlp, cut):
    start, end = sorted(cut)
    check(nlp, TRIAL_TEXT[start:end])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_unicode_noise(nlp, text):
    check(nlp, text)
