"""build_nlp(): the only place a spaCy Language is built."""

from __future__ import annotations

import os
from importlib.resources import as_file, files
from pathlib import Path

from spacy.lang.en import English
from spacy.language import Language

import pipeline.components.arms  # noqa: F401  (registers factories)
import pipeline.components.context  # noqa: F401
import pipeline.components.decide  # noqa: F401
import pipeline.components.design  # noqa: F401
import pipeline.components.dose  # noqa: F401
import pipeline.components.duration  # noqa: F401
import pipeline.components.hedge  # noqa: F401
import pipeline.components.outcome  # noqa: F401
import pipeline.components.sentences  # noqa: F401
import pipeline.components.sentencizer  # noqa: F401
import pipeline.components.size  # noqa: F401
import pipeline.components.study_type  # noqa: F401

COMPONENTS = ["claims_sentences", "claims_sentencizer", "claims_study_type", "claims_trial_context", "claims_design",
              "claims_trial_size", "claims_duration", "claims_dose", "claims_arms", "claims_outcome", "claims_hedge",
              "claims_decide"]
TRAINED = "default"  # build_nlp(trained=TRAINED): $CLAIMS_MODELS if set, else the models shipped in models/trained/
MODELS_ENV = "CLAIMS_MODELS"  # a folder written by `claims train --out`; worker processes inherit it

# Trial text glues numbers to units and signs: "10mg", "n=602", "p<0.001", "±2.1", "89/90", and
# footnote markers to words and brackets: "above1", "99%)2".
EXTRA_INFIXES = [
    r"(?<=[0-9])(?=(?:mg|mcg|µg|g|kg|ml|mL|IU|iu)\b)",
    r"(?<=[nNpP])(?=[=<>≤≥])",
    r"(?<=[=<>≤≥])(?=[0-9.])",
    r"[±]",
    r"(?<=[0-9])/(?=[0-9])",
    r"(?<=[a-z]{3})(?=[0-9]{1,2}$)",
    r"(?<=[%)\]])(?=[0-9])",
    r"(?<=[0-9])(?=%[)\]])",
    r"(?<=%)(?=[)\]])",
]
EXTRA_PREFIXES = [r"[±]"]
# Chunks (text between spaces) whose tokens the tokenizer remembers. spaCy's default, 10,000, fills within a few
# hundred articles, after which every new chunk is split by the affix rules again; a corpus run holds more.
TOKENIZER_CACHE = 1_000_000


class ClaimsDefaults(English.Defaults):
    """English with the extra prefix and infix rules, so the tokenizer is built once with them (setting them on a
    built tokenizer reloads its 4,000 special cases each time: about 0.5 s of every start-up)."""

    infixes = list(English.Defaults.infixes) + EXTRA_INFIXES
    prefixes = EXTRA_PREFIXES + list(English.Defaults.prefixes)


class ClaimsEnglish(English):
    lang = "en"
    Defaults = ClaimsDefaults


def build_nlp(trained: str | Path | None = TRAINED) -> Language:
    """A blank English pipeline with the claims components. ``claims_decide`` loads the trained models from
    ``trained`` (by default ``models/trained/``); ``None``, or a missing model file, leaves that decision
    to the rules. Nothing is downloaded."""
    nlp = ClaimsEnglish()
    nlp.tokenizer.max_cache_size = TOKENIZER_CACHE
    for name in COMPONENTS:
        nlp.add_pipe(name)
    decide = nlp.get_pipe("claims_decide")
    if trained == TRAINED and os.environ.get(MODELS_ENV):
        trained = os.environ[MODELS_ENV]
    if trained == TRAINED:
        with as_file(files("models") / "trained") as path:
            decide.from_disk(path)
    elif trained is not None:
        decide.from_disk(Path(trained))
    nlp.meta["model_version"] = decide.version  # None: the rules decide everything
    return nlp
