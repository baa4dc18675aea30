"""The forkserver's shared pipeline: built once; a failure to build it is logged and leaves the workers to build
their own (where a failure is reported per page)."""

from __future__ import annotations

import logging

from spacy.language import Language

from pipeline import prebuilt


def test_prebuilt_pipeline_is_built_once_at_import():
    assert isinstance(prebuilt.NLP, Language)
    assert "claims_decide" in prebuilt.NLP.pipe_names


def test_prebuilt_failure_is_logged_and_gives_no_pipeline(monkeypatch, caplog):
    def broken():
        raise OSError("models/trained/manifest.json: permission denied")

    monkeypatch.setattr(prebuilt, "build_nlp", broken)
    with caplog.at_level(logging.WARNING, logger="pipeline.prebuilt"):
        assert prebuilt._build() is None
    assert "OSError: models/trained/manifest.json: permission denied" in caplog.text
    assert "each worker builds its own" in caplog.text


def test_the_cleaning_caches_are_filled_at_import():
    from scrapers.clean import load_site_rules
    from scrapers.meta import _bounded_dateparser

    assert load_site_rules.cache_info().currsize == 1
    assert _bounded_dateparser.cache_info().currsize >= 1


def test_a_failure_to_fill_the_caches_is_logged_and_not_raised(monkeypatch, caplog):
    import scrapers.clean

    def broken():
        raise OSError("sites.yml: permission denied")

    monkeypatch.setattr(scrapers.clean, "warm_up", broken)
    with caplog.at_level(logging.WARNING, logger="pipeline.prebuilt"):
        prebuilt.warm_up()
    assert "OSError: sites.yml: permission denied" in caplog.text
    assert "each worker fills its own" in caplog.text
