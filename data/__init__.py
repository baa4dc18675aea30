"""Package data read through importlib.resources as ``claims_data``: rule patterns, site rules, Datasette metadata, samples."""
