"""Errors a user can act on.  Each message says what happened and what to do."""


class EventSearchError(Exception):
    """Base class: the CLI turns these into a one-line message and exit code 1."""


class ParseError(EventSearchError):
    """A file could not be read as a note; the indexer reports it and skips it."""


class ConfigError(EventSearchError):
    """The configuration file or environment holds a value we cannot use."""


class IndexUnavailable(EventSearchError):
    """The index cannot be read (the web app answers 503 with the message)."""


class IndexMissing(IndexUnavailable):
    """There is no index where one was expected."""


class IndexDamaged(IndexUnavailable):
    """The index's files are there but Whoosh cannot read them; rebuild it."""


class IndexLocked(EventSearchError):
    """Another process is writing the index; try again later (exit code 75)."""


class SchemaMismatch(IndexUnavailable):
    """The index was built by another version of the analysis; rebuild it."""


class QueryError(EventSearchError):
    """A search parameter (not the free-text query) is invalid, e.g. a bad date."""
