"""Trial claims: science-news pages in, evidence-backed clinical-trial claims out."""

__version__ = "0.1.0"
# Here, not in pipeline.extract, so that reading it (claims --version, the writer of ingest) imports no spaCy.
EXTRACTOR_VERSION = "0.2.0"
