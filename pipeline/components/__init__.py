"""spaCy components of the claims pipeline, one factory per module."""
