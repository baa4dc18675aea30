"""Trial claims: science-news pages in, evidence-backed clinical-trial claims out."""

__version__ = "0.1.0"
