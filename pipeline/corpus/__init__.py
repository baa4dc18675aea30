"""Corpus scale: WARC input on one machine and on Spark, Parquet output merged into SQLite."""
