"""Errors raised by asynclog."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration was refused.

    ``path`` is where the bad value sits in the document (``sinks[0].path``),
    or the environment variable that carried it (``ASYNCLOG_LEVEL``); it is
    empty when the whole document is at fault. ``file`` is the file the
    document came from, when it came from one. The message names both.
    """

    def __init__(self, message: str, path: str = "", file: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.file = file
