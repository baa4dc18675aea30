"""Fetching pages politely and cleaning them down to article text, trailer and metadata."""
