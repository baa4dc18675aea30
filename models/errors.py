"""Exception tree for the claims pipeline.

    ClaimsError                 root; carries ``url`` and free-form ``context``
    ├── FetchError              network, HTTP status, content type, size, robots.txt
    ├── CleanError              no main text could be found in a page
    ├── ExtractError            the NLP stage failed on a document
    ├── SchemaError             the database does not have the expected shape
    ├── WarcError               a web archive is truncated or corrupt (records before the damage are kept)
    └── AuditError              a verdict or audit request that cannot be applied
"""

from __future__ import annotations


class ClaimsError(Exception):
    """Root of every error the pipeline raises on purpose."""

    def __init__(self, message: str, *, url: str | None = None, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.context = context

    def __str__(self) -> str:
        return f"{self.message} ({self.url})" if self.url else self.message


class FetchError(ClaimsError):
    """A page could not be fetched, or what came back is not an HTML page."""


class CleanError(ClaimsError):
    """A fetched page holds no article text."""


class ExtractError(ClaimsError):
    """The extractor failed on a document."""


class SchemaError(ClaimsError):
    """The database shape is not what this version expects."""


class AuditError(ClaimsError):
    """A verdict or audit request that cannot be applied (unknown value, bad verdict)."""


class WarcError(ClaimsError):
    """A WARC file is truncated or corrupt; ``context`` holds the records read and the byte offset."""
