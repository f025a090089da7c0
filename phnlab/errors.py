"""Exceptions that carry one clear line for the user (the CLI prints it and exits with 2)."""

__all__ = ["PhnlabError", "BadInput", "DataMissing", "DataCorrupt"]


class PhnlabError(Exception):
    """Base class: its message is one line saying what is wrong and what is allowed."""


class BadInput(PhnlabError, ValueError):
    """An argument outside what is allowed."""


class DataMissing(PhnlabError, FileNotFoundError):
    """A data set is not on disk where it was looked for."""


class DataCorrupt(PhnlabError):
    """A data set is on disk but unreadable (truncated, wrong layout)."""
