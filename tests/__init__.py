"""Tests: real SQLite files, a local HTTP server, a blank spaCy pipeline and a headless browser."""
